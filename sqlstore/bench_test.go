package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/standard"
)

// The import benchmarks measure the store's side of an import (checks,
// inserts, marks; no parsing, no statistics): 24 stations × 30 days per
// iteration into a fresh store, in batches of 4,096 as `lantian import`
// writes them, reported per station-hour. bench/import.sh measures the
// whole command against the physical baseline.

// benchRecords returns the records of the import benchmarks: whole
// stations one after the other, as in a wide file.
func benchRecords() []lantian.HourRecord {
	first := time.Date(2023, 1, 1, 0, 0, 0, 0, standard.Beijing)
	var recs []lantian.HourRecord
	for s := 0; s < 24; s++ {
		for h := 1; h <= 30*24; h++ {
			r := lantian.HourRecord{Observation: lantian.Observation{Station: fmt.Sprintf("B%03d", s), Time: first.Add(time.Duration(h) * time.Hour)},
				Line: len(recs) + 2}
			for p := range r.Values {
				r.Values[p] = standard.Conc((h*7 + p*13 + s) % 300 * 1000)
			}
			recs = append(recs, r)
		}
	}
	return recs
}

// benchImport imports recs into the store open gives, b.N times; with
// again, each iteration imports them a second time (nothing changes) and
// only that second import is timed.
func benchImport(b *testing.B, open func(i int) *DB, again bool) {
	ctx := context.Background()
	recs := benchRecords()
	load := func(db *DB) *lantian.ImportRun {
		im, err := db.BeginImport(ctx, "bench.csv", "wide")
		if err != nil {
			b.Fatal(err)
		}
		for j := 0; j < len(recs); j += 4096 {
			if _, err := im.WriteHours(ctx, recs[j:min(j+4096, len(recs))]); err != nil {
				b.Fatal(err)
			}
		}
		run, err := im.Commit(ctx, lantian.ImportSummary{})
		if err != nil {
			b.Fatal(err)
		}
		return run
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		db := open(i)
		db.PutArea(ctx, &lantian.Area{Code: "990000", Name: "Bench", Level: lantian.LevelCity})
		for s := 0; s < 24; s++ {
			db.PutStation(ctx, &lantian.Station{Code: fmt.Sprintf("B%03d", s), Name: "b", Kind: lantian.KindNational, Area: "990000", Evaluation: true})
		}
		if again {
			load(db)
		}
		b.StartTimer()
		res := load(db)
		b.StopTimer()
		wantIns, wantUnch := len(recs), 0
		if again {
			wantIns, wantUnch = 0, len(recs)
		}
		if res.Inserted != wantIns || res.Unchanged != wantUnch || res.Revised != 0 || res.Rejected != 0 {
			b.Fatalf("import: inserted %d, unchanged %d, revised %d, rejected %d; want %d inserted, %d unchanged",
				res.Inserted, res.Unchanged, res.Revised, res.Rejected, wantIns, wantUnch)
		}
		db.Close()
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(recs)), "ns/station-hour")
}

// BenchmarkImportSQLite imports new station-hours into SQLite.
func BenchmarkImportSQLite(b *testing.B) {
	benchImport(b, func(i int) *DB { return openSQLiteBench(b, i) }, false)
}

// BenchmarkReimportSQLite imports a file SQLite already holds.
func BenchmarkReimportSQLite(b *testing.B) {
	benchImport(b, func(i int) *DB { return openSQLiteBench(b, i) }, true)
}

// BenchmarkImportPostgres imports new station-hours into PostgreSQL
// (LANTIAN_TEST_POSTGRES; skipped without it).
func BenchmarkImportPostgres(b *testing.B) {
	benchImport(b, func(int) *DB { return openPostgresBench(b) }, false)
}

// BenchmarkReimportPostgres imports a file PostgreSQL already holds.
func BenchmarkReimportPostgres(b *testing.B) {
	benchImport(b, func(int) *DB { return openPostgresBench(b) }, true)
}

func openSQLiteBench(b *testing.B, i int) *DB {
	db, err := Open(context.Background(), "", filepath.Join(b.TempDir(), fmt.Sprint(i)))
	if err != nil {
		b.Fatal(err)
	}
	return db
}

// openPostgresBench opens the store in a fresh schema, dropped when the
// benchmark ends.
func openPostgresBench(b *testing.B) *DB {
	dsn := os.Getenv("LANTIAN_TEST_POSTGRES")
	if dsn == "" {
		b.Skip("LANTIAN_TEST_POSTGRES not set")
	}
	ctx := context.Background()
	var r [6]byte
	rand.Read(r[:])
	schema := "lantian_bench_" + hex.EncodeToString(r[:])
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { admin.Close() })
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		b.Fatalf("create schema: %v", err)
	}
	b.Cleanup(func() { admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE") })
	u, err := url.Parse(dsn)
	if err != nil {
		b.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	db, err := Open(ctx, u.String(), "")
	if err != nil {
		b.Fatal(err)
	}
	return db
}
