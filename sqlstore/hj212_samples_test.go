package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/hj212/gateway"
	"github.com/lantian-aq/lantian/standard"
)

// TestSinkSampleChunks stores batches of samples whose sizes fall on and
// around the prepared statement sizes (powers of two up to 256), sent in
// no particular order and with resent duplicates, then split packets
// adding the missing pollutants: every sample must come back once, merged.
func TestSinkSampleChunks(t *testing.T) {
	base := time.Date(2026, 11, 28, 8, 0, 0, 0, standard.Beijing)
	sample := func(i int, first bool) gateway.Sample {
		s := gateway.Sample{MN: fmt.Sprintf("MN%03d", i%37), Station: "2403A", CN: "2051", Time: base.Add(time.Duration(i/37) * time.Minute)}
		for p := range s.Values {
			s.Values[p] = standard.Missing
			if (p%2 == 0) == first {
				s.Values[p] = standard.Conc(1000*i + p)
				s.Flags[p] = lantian.FlagNormal
			}
		}
		if !first {
			s.Flags[standard.PM25] = lantian.FlagCalibration
		}
		return s
	}
	for _, n := range []int{1, 2, 3, 255, 256, 257, 511, 700} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			forEach(t, func(t *testing.T, db *DB) {
				ctx := context.Background()
				seed(t, db)
				// Even pollutants first, newest first, every third sent twice.
				var b1, b2 gateway.Batch
				for i := n - 1; i >= 0; i-- {
					b1.Samples = append(b1.Samples, sample(i, true))
					if i%3 == 0 {
						b1.Samples = append(b1.Samples, sample(i, true))
					}
					b2.Samples = append(b2.Samples, sample(i, false))
				}
				// The first and second halves of each sample also arrive
				// together, as split packets in one batch.
				both := gateway.Batch{Samples: append(slices.Clone(b1.Samples), b2.Samples...)}
				sent := slices.Clone(both.Samples)
				check := func(when string) {
					t.Helper()
					got, err := db.LoadSamples(ctx, base.Add(-time.Hour))
					if err != nil {
						t.Fatal(err)
					}
					if len(got) != n {
						t.Fatalf("%s: %d samples stored, want %d", when, len(got), n)
					}
					seen := map[string]bool{}
					for _, s := range got {
						k := s.MN + s.Time.String()
						if seen[k] {
							t.Fatalf("%s: sample %s %s stored twice", when, s.MN, s.Time)
						}
						seen[k] = true
						var i int
						fmt.Sscanf(s.MN, "MN%d", &i)
						i += 37 * int(s.Time.Sub(base)/time.Minute)
						for p := range s.Values {
							if want := standard.Conc(1000*i + p); s.Values[p] != want {
								t.Fatalf("%s: sample %d %s: %s = %d, want %d", when, i, s.Time, standard.Pollutant(p).Code(), s.Values[p], want)
							}
						}
						if s.Flags[standard.PM25] != lantian.FlagCalibration || s.Flags[standard.SO2].String() != "N" {
							t.Fatalf("%s: sample %d: flags %v", when, i, s.Flags)
						}
					}
				}
				if err := db.StoreBatch(ctx, both); err != nil {
					t.Fatal(err)
				}
				if !slices.Equal(sent, both.Samples) {
					t.Fatal("StoreBatch changed the batch's samples (the gateway aggregates them afterwards)")
				}
				check("split parts in one batch")
				for _, b := range []gateway.Batch{b1, b2, b1} {
					if err := db.StoreBatch(ctx, b); err != nil {
						t.Fatal(err)
					}
				}
				check("parts resent in later batches")
			})
		})
	}
}

// TestSampleMigration stores samples in the table as migration 0004
// created it and opens the store, which rebuilds the table keyed by time
// (0006): every sample must still be there, and the gateway's reload and
// upsert must work on it.
func TestSampleMigration(t *testing.T) {
	type target struct {
		name string
		d    *dialect
		raw  func(t *testing.T) (*sql.DB, string, string) // raw connection, Open url and dataDir
	}
	targets := []target{{"sqlite", sqliteDialect, func(t *testing.T) (*sql.DB, string, string) {
		dir := t.TempDir()
		raw, err := sql.Open("sqlite", filepath.Join(dir, FileName))
		if err != nil {
			t.Fatal(err)
		}
		return raw, "", dir
	}}}
	if dsn := os.Getenv("LANTIAN_TEST_POSTGRES"); dsn != "" {
		targets = append(targets, target{"postgres", postgresDialect, func(t *testing.T) (*sql.DB, string, string) {
			storeURL := postgresTestSchema(t, dsn)
			raw, err := sql.Open("pgx", storeURL)
			if err != nil {
				t.Fatal(err)
			}
			return raw, storeURL, ""
		}})
	}
	base := time.Date(2026, 11, 28, 8, 0, 0, 0, standard.Beijing)
	for _, tg := range targets {
		t.Run(tg.name, func(t *testing.T) {
			ctx := context.Background()
			raw, storeURL, dir := tg.raw(t)
			ms, err := loadMigrations(tg.d)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := raw.Exec(`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
				t.Fatal(err)
			}
			for _, m := range ms {
				if m.version > 5 {
					break
				}
				if _, err := raw.Exec(m.sql); err != nil {
					t.Fatalf("migration %d: %v", m.version, err)
				}
				if _, err := raw.Exec(tg.d.rebind(`INSERT INTO schema_migrations VALUES (?, ?, '2026-11-28T00:00:00Z')`), m.version, m.name); err != nil {
					t.Fatal(err)
				}
			}
			const n = 50
			for i := range n {
				if _, err := raw.Exec(tg.d.rebind(`INSERT INTO hj212_sample (mn, cn, t, station, pm25, f_pm25) VALUES (?, '2051', ?, '2403A', ?, 'N')`),
					fmt.Sprintf("MN%d", i%5), tg.d.timeArg(base.Add(time.Duration(i/5)*time.Minute)), 1000*i); err != nil {
					t.Fatal(err)
				}
			}
			raw.Close()
			db, err := Open(ctx, storeURL, dir)
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if v, err := db.SchemaVersion(ctx); err != nil || v < 6 {
				t.Fatalf("schema version %d, %v; want ≥ 6", v, err)
			}
			ss, err := db.LoadSamples(ctx, base)
			if err != nil {
				t.Fatal(err)
			}
			if len(ss) != n {
				t.Fatalf("%d samples after the migration, want %d", len(ss), n)
			}
			for i, s := range ss { // ordered by time, then MN: as inserted
				want := standard.Conc(1000 * i)
				if s.Values[standard.PM25] != want || s.Values[standard.SO2] != standard.Missing || s.Flags[standard.PM25].String() != "N" {
					t.Fatalf("sample %d = %+v, want PM2.5 %d", i, s, want)
				}
			}
			// The rebuilt key still merges a resent sample's other half.
			s := ss[0]
			s.Values[standard.PM25], s.Values[standard.SO2], s.Flags[standard.SO2] = standard.Missing, 7000, lantian.FlagNormal
			if err := db.StoreBatch(ctx, gateway.Batch{Samples: []gateway.Sample{s}}); err != nil {
				t.Fatal(err)
			}
			ss, err = db.LoadSamples(ctx, base)
			if err != nil || len(ss) != n {
				t.Fatalf("after a resend: %d samples, %v", len(ss), err)
			}
			if ss[0].Values[standard.PM25] != 0 || ss[0].Values[standard.SO2] != 7000 {
				t.Errorf("merged sample = %+v, want PM2.5 0 kept and SO2 7000", ss[0])
			}
		})
	}
}
