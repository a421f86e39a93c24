package sqlstore

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/standard"
)

// BenchmarkImportSQLite measures the store's side of an import (checks,
// upserts, marks; no parsing, no statistics): 24 stations × 30 days per
// iteration into a fresh SQLite file. Reported per station-hour.
func BenchmarkImportSQLite(b *testing.B) {
	ctx := context.Background()
	first := time.Date(2023, 1, 1, 0, 0, 0, 0, standard.Beijing)
	var recs []lantian.HourRecord
	for s := 0; s < 24; s++ {
		for h := 1; h <= 30*24; h++ {
			r := lantian.HourRecord{Observation: lantian.Observation{Station: fmt.Sprintf("B%03d", s), Time: first.Add(time.Duration(h) * time.Hour)}}
			for p := range r.Values {
				r.Values[p] = standard.Conc((h*7 + p*13 + s) % 300 * 1000)
			}
			recs = append(recs, r)
		}
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db, err := Open(ctx, "", filepath.Join(b.TempDir(), fmt.Sprint(i)))
		if err != nil {
			b.Fatal(err)
		}
		db.PutArea(ctx, &lantian.Area{Code: "990000", Name: "Bench", Level: lantian.LevelCity})
		for s := 0; s < 24; s++ {
			db.PutStation(ctx, &lantian.Station{Code: fmt.Sprintf("B%03d", s), Name: "b", Kind: lantian.KindNational, Area: "990000", Evaluation: true})
		}
		b.StartTimer()
		im, err := db.BeginImport(ctx, "bench.csv", "wide")
		if err != nil {
			b.Fatal(err)
		}
		for j := 0; j < len(recs); j += 4096 {
			if _, err := im.WriteHours(ctx, recs[j:min(j+4096, len(recs))]); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := im.Commit(ctx, lantian.ImportSummary{}); err != nil {
			b.Fatal(err)
		}
		b.StopTimer()
		db.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/station-hour")
}
