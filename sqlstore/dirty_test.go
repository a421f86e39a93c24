package sqlstore

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/standard"
)

func dayNum(s string) int32 {
	d, err := time.ParseInLocation(time.DateOnly, s, standard.Beijing)
	if err != nil {
		panic(err)
	}
	return standard.DayNumber(d)
}

// TestRunsOf checks how marked days become runs of consecutive days.
func TestRunsOf(t *testing.T) {
	st := subjectKey{lantian.SubjectStation, "2403A"}
	ar := subjectKey{lantian.SubjectArea, "411300"}
	for _, tc := range []struct {
		name string
		days map[subjectKey][]string
		want []string
	}{
		{"nothing", nil, nil},
		{"one day", map[subjectKey][]string{st: {"2023-03-01"}}, []string{"station:2403A:2023-03-01…2023-03-01"}},
		{"consecutive days across a month, unordered",
			map[subjectKey][]string{st: {"2023-03-01", "2023-02-27", "2023-02-28"}},
			[]string{"station:2403A:2023-02-27…2023-03-01"}},
		{"a gap splits the run",
			map[subjectKey][]string{st: {"2023-03-01", "2023-03-02", "2023-03-04"}},
			[]string{"station:2403A:2023-03-01…2023-03-02", "station:2403A:2023-03-04…2023-03-04"}},
		{"repeated days count once",
			map[subjectKey][]string{st: {"2023-03-02", "2023-03-01", "2023-03-02", "2023-03-01"}},
			[]string{"station:2403A:2023-03-01…2023-03-02"}},
		{"stations before areas, as the recomputation reads them",
			map[subjectKey][]string{ar: {"2024-02-29"}, st: {"2024-02-28", "2024-03-01", "2024-02-29"}},
			[]string{"station:2403A:2024-02-28…2024-03-01", "area:411300:2024-02-29…2024-02-29"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := map[subjectKey][]int32{}
			for k, ds := range tc.days {
				for _, d := range ds {
					in[k] = append(in[k], dayNum(d))
				}
			}
			var got []string
			for _, r := range runsOf(in) {
				got = append(got, string(r.kind)+":"+r.code+":"+standard.DayFromNumber(r.first).Format(time.DateOnly)+"…"+
					standard.DayFromNumber(r.last).Format(time.DateOnly))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("runs %q, want %q", got, tc.want)
			}
		})
	}
}

// TestRunDays checks the days a subject's runs cover within a range.
func TestRunDays(t *testing.T) {
	run := func(first, last string) dayRun { return dayRun{first: dayNum(first), last: dayNum(last)} }
	for _, tc := range []struct {
		name   string
		runs   []dayRun
		lo, hi string
		want   []string
	}{
		{"one run", []dayRun{run("2023-03-01", "2023-03-03")}, "2023-01-01", "2023-12-31",
			[]string{"2023-03-01", "2023-03-02", "2023-03-03"}},
		{"overlapping and repeated runs give each day once, in order",
			[]dayRun{run("2023-03-02", "2023-03-04"), run("2023-03-01", "2023-03-02"), run("2023-03-03", "2023-03-03")},
			"2023-01-01", "2023-12-31", []string{"2023-03-01", "2023-03-02", "2023-03-03", "2023-03-04"}},
		{"clipped to the range", []dayRun{run("2023-02-27", "2023-03-02"), run("2023-03-10", "2023-03-11")},
			"2023-02-28", "2023-03-10", []string{"2023-02-28", "2023-03-01", "2023-03-02", "2023-03-10"}},
		{"outside the range", []dayRun{run("2023-02-27", "2023-03-02")}, "2023-03-03", "2023-03-31", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, d := range runDays(tc.runs, dayNum(tc.lo), dayNum(tc.hi)) {
				if d.Location() != standard.Beijing || d.Hour() != 0 {
					t.Errorf("day %s is not midnight in Beijing", d)
				}
				got = append(got, d.Format(time.DateOnly))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("days %q, want %q", got, tc.want)
			}
		})
	}
}

// TestMigrateDirtyDays opens a store at schema version 6, with a mark per
// day in the old dirty_day, and migrates it: the pending marks become
// one-day runs, a write under a pending mark adds none, and the
// recomputation computes and clears them.
func TestMigrateDirtyDays(t *testing.T) {
	ctx := context.Background()
	type opener struct {
		name string
		open func(t *testing.T) *DB
	}
	openers := []opener{{"sqlite", func(t *testing.T) *DB {
		db, err := openSQLite(ctx, filepath.Join(t.TempDir(), "old.db"))
		if err != nil {
			t.Fatal(err)
		}
		return db
	}}}
	if dsn := os.Getenv("LANTIAN_TEST_POSTGRES"); dsn != "" {
		openers = append(openers, opener{"postgres", func(t *testing.T) *DB {
			db, err := openPostgres(ctx, postgresTestSchema(t, dsn))
			if err != nil {
				t.Fatal(err)
			}
			return db
		}})
	}
	for _, o := range openers {
		t.Run(o.name, func(t *testing.T) {
			db := o.open(t)
			t.Cleanup(func() { db.Close() })
			if err := db.migrateTo(ctx, 6); err != nil {
				t.Fatal(err)
			}
			seed(t, db)
			for _, m := range [][3]string{
				{"station", "2403A", "2019-01-01"},
				{"station", "2403A", "2019-01-02"},
				{"area", "411300", "2019-01-01"},
			} {
				if _, err := db.w.ExecContext(ctx, db.q(`INSERT INTO dirty_day (kind, code, day) VALUES (?, ?, `+db.d.dayParam()+`)`),
					m[0], m[1], m[2]); err != nil {
					t.Fatal(err)
				}
			}
			if err := db.migrate(ctx); err != nil {
				t.Fatal(err)
			}
			if v, err := db.SchemaVersion(ctx); err != nil || v < 7 {
				t.Fatalf("schema version %d, %v; want ≥ 7", v, err)
			}
			want := []string{"area:411300:2019-01-01…2019-01-01", "station:2403A:2019-01-01…2019-01-01", "station:2403A:2019-01-02…2019-01-02"}
			if got := markedRuns(t, db); !slices.Equal(got, want) {
				t.Fatalf("after the migration: runs %q, want %q", got, want)
			}
			// The day the write touches (its last hour ends at midnight
			// and belongs to it) is marked already.
			if _, err := db.WriteHours(ctx, dayOf("2403A", hour(2019, 1, 1, 0), 300)); err != nil {
				t.Fatal(err)
			}
			if got := markedRuns(t, db); !slices.Equal(got, want) {
				t.Errorf("after a write under the marks: runs %q, want %q", got, want)
			}
			if _, err := db.RefreshStats(ctx); err != nil {
				t.Fatal(err)
			}
			if got := markedRuns(t, db); len(got) != 0 {
				t.Errorf("after RefreshStats: runs %q left", got)
			}
			var n int
			if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM stat_day WHERE kind = 'station' AND code = '2403A'`).Scan(&n); err != nil {
				t.Fatal(err)
			}
			if n != 1 {
				t.Errorf("%d station-days of 2403A stored, want 1 (2019-01-02 has no hours)", n)
			}
		})
	}
}

// TestMarkUnderRecomputation (PostgreSQL, where writers and the
// recomputation run at once): a write whose days are covered by a run that
// a recomputation holds locked must neither wait for it nor rely on it —
// the recomputation may have read the hours already and deletes the run
// it read — but mark its days anew; the new run outlives the recomputation.
func TestMarkUnderRecomputation(t *testing.T) {
	ctx := context.Background()
	db := postgresOnly(t)
	seed(t, db)
	if _, err := db.WriteHours(ctx, dayOf("2404A", hour(2019, 1, 1, 0), 300)); err != nil {
		t.Fatal(err)
	}
	before := markedRuns(t, db)
	// What refreshSome does first: lock the marks it will clear.
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT id FROM dirty_day WHERE kind = 'station' AND code = '2404A' FOR UPDATE`)
	if err != nil {
		t.Fatal(err)
	}
	var ids []any
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if len(ids) == 0 {
		t.Fatal("no station run marked by the first write")
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if _, err := db.WriteHours(wctx, dayOf("2404A", hour(2019, 1, 1, 0), 500)); err != nil {
		t.Fatalf("write under a locked mark: %v", err)
	}
	if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM dirty_day WHERE id IN (`+bindList(len(ids))+`)`), ids...); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(); err != nil {
		t.Fatal(err)
	}
	got := markedRuns(t, db)
	want := []string{"station:2404A:2019-01-01…2019-01-01"}
	if !slices.Contains(got, want[0]) {
		t.Errorf("after the recomputation: runs %q, want %q among them (before it: %q)", got, want, before)
	}
}

// TestImportConnectionLost (PostgreSQL): an import whose connection dies
// after it has created month tables and copied rows into them — what the
// server sees when the importing process is killed — leaves nothing
// behind: no month table, no hour, no mark, no run; importing the file
// again then loads it whole.
func TestImportConnectionLost(t *testing.T) {
	ctx := context.Background()
	db := postgresOnly(t)
	seed(t, db)
	var recs []lantian.HourRecord
	for _, st := range []string{"2403A", "2404A"} {
		for h := 1; h <= 3000; h++ {
			r := rec(st, hour(2021, 1, 1, 0).Add(time.Duration(h)*time.Hour), standard.Conc(h)*standard.ConcScale)
			r.Line = len(recs) + 2
			recs = append(recs, r)
		}
	}
	state := func() (hours, runs, marks, tables int) {
		t.Helper()
		if err := db.r.QueryRowContext(ctx, `SELECT (SELECT count(*) FROM observation), (SELECT count(*) FROM import_run),
			(SELECT count(*) FROM dirty_day),
			(SELECT count(*) FROM pg_class WHERE relname LIKE 'observation_y%' AND relkind = 'r'
				AND relnamespace = current_schema()::regnamespace)`).Scan(&hours, &runs, &marks, &tables); err != nil {
			t.Fatal(err)
		}
		return
	}
	im, err := db.BeginImport(ctx, "lost.csv", "wide")
	if err != nil {
		t.Fatal(err)
	}
	it := im.(*importTx)
	if _, err := im.WriteHours(ctx, recs[:4096]); err != nil {
		t.Fatal(err)
	}
	if err := it.w.settle(); err != nil { // the first COPY is done
		t.Fatal(err)
	}
	if len(it.w.newParts) == 0 {
		t.Fatal("the import created no month table: the test would prove nothing")
	}
	var pid int
	if err := it.conn.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
		t.Fatal(err)
	}
	if _, err := db.w.ExecContext(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
		t.Fatal(err)
	}
	if _, err := im.WriteHours(ctx, recs[4096:]); err == nil {
		if _, err := im.Commit(ctx, lantian.ImportSummary{Read: len(recs)}); err == nil {
			t.Fatal("the import committed on a terminated connection")
		}
	} else {
		im.Rollback()
	}
	if h, r, m, tb := state(); h != 0 || r != 0 || m != 0 || tb != 0 {
		t.Fatalf("after the lost import: %d hours, %d runs, %d marks, %d month tables; want none", h, r, m, tb)
	}
	// The partitions the dead import had claimed are not remembered as
	// existing: the next import creates them again.
	run := importAll(t, db, "lost.csv", recs)
	h, r, m, tb := state()
	if run.Inserted != len(recs) || h != len(recs) || r != 1 || m != 3 || tb != 6 {
		t.Errorf("re-import: inserted %d, %d hours, %d runs, %d marks, %d month tables; want %d, %d, 1, 3, 6 (UTC months 2020-12 to 2021-05)",
			run.Inserted, h, r, m, tb, len(recs), len(recs))
	}
}
