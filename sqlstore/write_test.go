package sqlstore

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/standard"
)

// TestHourDay checks the integer day key of the dirty-day marks against
// standard.DayOfHour, around midnight in Beijing and before 1970.
func TestHourDay(t *testing.T) {
	for _, tc := range []struct {
		name string
		end  time.Time
	}{
		{"hour ending at midnight belongs to the day before", time.Date(2023, 3, 1, 0, 0, 0, 0, bj)},
		{"first hour of the day", time.Date(2023, 3, 1, 1, 0, 0, 0, bj)},
		{"last hour before midnight", time.Date(2023, 2, 28, 23, 0, 0, 0, bj)},
		{"leap day", time.Date(2024, 2, 29, 12, 0, 0, 0, bj)},
		{"UTC midnight is 08:00 in Beijing", time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC)},
		{"epoch", time.Unix(0, 0)},
		{"before 1970", time.Date(1969, 12, 31, 0, 0, 0, 0, bj)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := standard.DayOfHour(tc.end).Format(time.DateOnly)
			got := time.Unix(int64(hourDay(tc.end))*86400, 0).UTC().Format(time.DateOnly)
			if got != want {
				t.Errorf("hourDay(%s) is %s, want %s", tc.end, got, want)
			}
		})
	}
}

// TestImportMixedBatch imports one batch in which one station's hours are
// all new, another's are partly stored (unchanged and revised), and a
// third's stored hours lie just outside the batch's range: new hours take
// the plain insert, the others the upsert, and counts, revisions and marks
// must come out as if every row had gone through the upsert.
func TestImportMixedBatch(t *testing.T) {
	forEach(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seed(t, db)
		day := func(d, h int) time.Time { return hour(2023, 3, d, h) }
		if _, err := db.WriteHours(ctx, []lantian.HourRecord{
			rec("2404A", day(1, 2), 30*standard.ConcScale),
			rec("2404A", day(1, 3), 31*standard.ConcScale),
			rec("X001", day(1, 1), 40*standard.ConcScale),
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.w.ExecContext(ctx, `DELETE FROM dirty_day`); err != nil {
			t.Fatal(err)
		}
		var batch []lantian.HourRecord
		for h := 1; h <= 4; h++ {
			batch = append(batch, rec("2403A", day(2, h), standard.Conc(h)*standard.ConcScale))
		}
		batch = append(batch,
			rec("2404A", day(1, 1), 29*standard.ConcScale), // new
			rec("2404A", day(1, 2), 30*standard.ConcScale), // unchanged
			rec("2404A", day(1, 3), 99*standard.ConcScale), // revised
			rec("2404A", day(1, 4), 32*standard.ConcScale), // new
			rec("X001", day(1, 2), 41*standard.ConcScale),  // new; the stored hour is outside this range
		)
		for i := range batch {
			batch[i].Line = i + 2
		}
		run := importAll(t, db, "mixed.csv", batch)
		if run.Inserted != 7 || run.Revised != 1 || run.Unchanged != 1 || run.Rejected != 0 {
			t.Errorf("run counts inserted %d, revised %d, unchanged %d, rejected %d; want 7, 1, 1, 0",
				run.Inserted, run.Revised, run.Unchanged, run.Rejected)
		}
		revs, err := db.Revisions(ctx, "2404A", day(1, 3))
		if err != nil {
			t.Fatal(err)
		}
		if len(revs) != 2 {
			t.Fatalf("2404A 03:00 has %d revisions, want 2 (the replaced one kept)", len(revs))
		}
		var n int
		if err := db.r.QueryRowContext(ctx, `SELECT count(*) FROM observation`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 10 {
			t.Errorf("%d station-hours stored, want 10", n)
		}
		// Every station-day written or revised is marked, and the area
		// day of the evaluation stations with it; the unchanged hour
		// alone would mark nothing.
		got := markedRuns(t, db)
		want := []string{"area:411300:2023-03-01…2023-03-02", "area:411323:2023-03-01…2023-03-01",
			"station:2403A:2023-03-02…2023-03-02", "station:2404A:2023-03-01…2023-03-01", "station:X001:2023-03-01…2023-03-01"}
		if len(got) != len(want) {
			t.Fatalf("dirty days %v, want %v", got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("dirty days %v, want %v", got, want)
				break
			}
		}
	})
}

// markedRuns returns the rows of dirty_day as "kind:code:first…last", in
// order.
func markedRuns(t *testing.T, db *DB) []string {
	t.Helper()
	rows, err := db.r.QueryContext(context.Background(), `SELECT kind, code, first_day, last_day FROM dirty_day ORDER BY kind, code, first_day, last_day`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var kind, code string
		var first, last time.Time
		if err := rows.Scan(&kind, &code, dayScan{&first}, dayScan{&last}); err != nil {
			t.Fatal(err)
		}
		got = append(got, kind+":"+code+":"+first.Format(time.DateOnly)+"…"+last.Format(time.DateOnly))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return got
}

// TestImportRoundTrip checks that what an import writes — by plain insert
// on SQLite, by binary COPY on PostgreSQL — reads back as given: missing
// values, flags, audit state, line numbers (none for 0), the source and
// the time of receipt; and the same again through the staging table when
// the file is imported a second time with one value changed.
func TestImportRoundTrip(t *testing.T) {
	forEach(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seed(t, db)
		now := time.Date(2023, 4, 1, 9, 30, 15, 123456789, bj)
		db.Now = func() time.Time { return now }
		// SQLite keeps instants to the second, PostgreSQL to the microsecond.
		recv := now.Truncate(time.Microsecond)
		if !db.d.Postgres {
			recv = now.Truncate(time.Second)
		}
		h := hour(2023, 3, 31, 24) // ends at midnight: the partition of April (UTC 16:00 of March 31)
		r := rec("2403A", h, 35*standard.ConcScale)
		r.Values[standard.CO] = standard.Missing
		r.Values[standard.O3] = 20000 * standard.ConcScale
		r.Flags[standard.PM10] = lantian.FlagMaintenance
		r.Audit = lantian.AuditReviewed
		r.Line = 0
		r2 := rec("2404A", h, 1)
		r2.Line = 7
		r2.Audit = lantian.AuditRaw
		r2.Flags[standard.PM10] = lantian.FlagNormal // what an unset flag reads back as
		load := func(recs ...lantian.HourRecord) *lantian.ImportRun {
			run := importAll(t, db, "dir/round.csv", recs)
			return run
		}
		check := func(station string, want lantian.HourRecord, rev int) {
			t.Helper()
			revs, err := db.Revisions(ctx, station, h)
			if err != nil {
				t.Fatal(err)
			}
			got := revs[len(revs)-1]
			if got.Values != want.Values || got.Flags[standard.PM10] != want.Flags[standard.PM10] || got.Audit != want.Audit ||
				got.Line != want.Line || got.Source != "import:round.csv" || !got.ReceivedAt.Equal(recv) ||
				got.Revision != rev || len(revs) != rev {
				t.Errorf("%s: read back %+v (%d revisions); want %+v, revision %d, source import:round.csv, received %s",
					station, *got, len(revs), want, rev, recv)
			}
		}
		if run := load(r, r2); run.Inserted != 2 {
			t.Fatalf("first import inserted %d, want 2", run.Inserted)
		}
		check("2403A", r, 1)
		check("2404A", r2, 1)
		if db.d.Postgres {
			// The import created April's partition with the run's
			// values as column defaults and a CHECK of its bounds; once
			// attached, the partition is like any other.
			var defaults, checks int
			if err := db.r.QueryRowContext(ctx, `SELECT
				(SELECT count(*) FROM pg_attrdef d JOIN pg_class c ON c.oid = d.adrelid
					WHERE c.relname = 'observation_y2023m03' AND c.relnamespace = current_schema()::regnamespace),
				(SELECT count(*) FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
					WHERE c.relname = 'observation_y2023m03' AND c.relnamespace = current_schema()::regnamespace AND k.contype = 'c')`).Scan(&defaults, &checks); err != nil {
				t.Fatal(err)
			}
			if defaults != 0 || checks != 0 {
				t.Errorf("the attached partition keeps %d column defaults and %d CHECK constraints, want none", defaults, checks)
			}
		}
		r2.Values[standard.SO2] = 3 * standard.ConcScale
		if run := load(r, r2); run.Revised != 1 || run.Unchanged != 1 {
			t.Fatalf("second import revised %d, unchanged %d; want 1 and 1", run.Revised, run.Unchanged)
		}
		check("2403A", r, 1)
		check("2404A", r2, 2)
	})
}

// TestImportNewMonths imports hours of months the store has no hours of:
// on PostgreSQL the import creates their partitions in its own
// transaction and attaches them at commit. A rolled-back import leaves no
// partition behind; a writer of the same month meanwhile waits for the
// import (the month's lock on PostgreSQL, the write lock on SQLite) and
// then revises the imported hour, keeping the imported value as revision 1.
func TestImportNewMonths(t *testing.T) {
	forEach(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seed(t, db)
		t1 := hour(2021, 7, 31, 23) // two months, and two partitions: July ends at 08:00 on 1 August in Beijing
		recs := []lantian.HourRecord{rec("2403A", t1, 10*standard.ConcScale), rec("2404A", t1, 11*standard.ConcScale),
			rec("2403A", t1.Add(9*time.Hour), 12*standard.ConcScale), rec("2403A", t1.AddDate(0, 1, 0), 13*standard.ConcScale)}
		partitions := func() []string {
			var out []string
			for _, r := range recs {
				name, _, _ := partitionName(r.Time)
				var exists bool
				if err := db.w.QueryRowContext(ctx, `SELECT to_regclass($1) IS NOT NULL`, name).Scan(&exists); err != nil {
					t.Fatal(err)
				}
				if exists && (len(out) == 0 || out[len(out)-1] != name) {
					out = append(out, name)
				}
			}
			return out
		}

		im, err := db.BeginImport(ctx, "a.csv", "wide")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := im.WriteHours(ctx, recs); err != nil {
			t.Fatal(err)
		}
		if err := im.Rollback(); err != nil {
			t.Fatal(err)
		}
		if db.d.Postgres {
			if p := partitions(); len(p) != 0 {
				t.Fatalf("rolled-back import left partitions %v", p)
			}
		}

		im, err = db.BeginImport(ctx, "a.csv", "wide")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := im.WriteHours(ctx, recs); err != nil {
			t.Fatal(err)
		}
		type result struct {
			res lantian.WriteResult
			err error
		}
		done := make(chan result, 1)
		go func() {
			res, err := db.WriteHours(ctx, []lantian.HourRecord{rec("2403A", t1, 20*standard.ConcScale)})
			done <- result{res, err}
		}()
		select {
		case r := <-done:
			t.Fatalf("a writer of the imported month did not wait for the import: %+v, %v", r.res, r.err)
		case <-time.After(300 * time.Millisecond):
		}
		run, err := im.Commit(ctx, lantian.ImportSummary{Read: len(recs)})
		if err != nil {
			t.Fatal(err)
		}
		if run.Inserted != len(recs) {
			t.Errorf("import inserted %d, want %d", run.Inserted, len(recs))
		}
		r := <-done
		if r.err != nil || r.res.Revised != 1 || r.res.Inserted != 0 {
			t.Fatalf("writer after the import: %+v, %v", r.res, r.err)
		}
		if db.d.Postgres {
			if p := partitions(); len(p) != 2 {
				t.Errorf("partitions after commit: %v, want two months", p)
			}
		}
		revs, err := db.Revisions(ctx, "2403A", t1)
		if err != nil || len(revs) != 2 || revs[0].Values[standard.PM25] != 10*standard.ConcScale ||
			revs[1].Values[standard.PM25] != 20*standard.ConcScale || revs[1].Revision != 2 {
			t.Fatalf("Revisions = %+v, %v", revs, err)
		}
		obs, err := db.Observations(ctx, lantian.ObservationFilter{Stations: []string{"2403A", "2404A"}, From: t1.Add(-time.Hour), To: t1.AddDate(0, 1, 1)})
		if err != nil || len(obs) != len(recs) {
			t.Fatalf("Observations = %d hours, %v; want %d", len(obs), err, len(recs))
		}
		// Importing the file again changes nothing, now through the
		// attached partitions.
		im, err = db.BeginImport(ctx, "a.csv", "wide")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := im.WriteHours(ctx, recs[1:]); err != nil {
			t.Fatal(err)
		}
		run, err = im.Commit(ctx, lantian.ImportSummary{Read: len(recs) - 1})
		if err != nil || run.Unchanged != len(recs)-1 || run.Inserted+run.Revised != 0 {
			t.Fatalf("import again: %+v, %v", run, err)
		}
	})
}

// TestImportBatchesRoundTrip imports full batches of new hours — runs of
// consecutive hours on consecutive lines, which SQLite inserts with the
// station, first hour and first line bound once, and rows that break a
// run in each way (a gap, a line out of step, a flag, an audit state, no
// line, a change of station) — and reads every hour back as given.
func TestImportBatchesRoundTrip(t *testing.T) {
	forEach(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seed(t, db)
		first := hour(2023, 5, 1, 1)
		var recs []lantian.HourRecord
		add := func(station string, h, line int) *lantian.HourRecord {
			r := rec(station, first.Add(time.Duration(h)*time.Hour), standard.Conc(1000+7*len(recs)))
			r.Values[standard.SO2] = standard.Conc(len(recs) % 300 * 1000)
			if len(recs)%17 == 0 {
				r.Values[standard.CO] = standard.Missing
			}
			r.Line = line
			recs = append(recs, r)
			return &recs[len(recs)-1]
		}
		for h := 0; h < 3*plainBatch; h++ { // runs
			add("2403A", h, 2+h)
		}
		for h := 0; h < 3*plainBatch; h++ { // one break of each kind per batch
			r := add("2404A", h+h/100, 1000+h) // a gap after 100 hours
			switch h {
			case 10:
				r.Line += 5
			case plainBatch + 10:
				r.Flags[standard.O3] = lantian.FlagCalibration
			case 2*plainBatch + 10:
				r.Audit = lantian.AuditReviewed
			}
		}
		for h := 0; h < 2*plainBatch; h++ { // no line numbers
			add("X001", h, 0)
		}
		im, err := db.BeginImport(ctx, "batches.csv", "wide")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := im.WriteHours(ctx, recs); err != nil {
			t.Fatal(err)
		}
		run, err := im.Commit(ctx, lantian.ImportSummary{Read: len(recs)})
		if err != nil || run.Inserted != len(recs) {
			t.Fatalf("import: %+v, %v; want %d inserted", run, err, len(recs))
		}
		obs, err := db.Observations(ctx, lantian.ObservationFilter{Stations: []string{"2403A", "2404A", "X001"}, From: first.Add(-time.Hour), To: first.AddDate(0, 1, 0)})
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]*lantian.HourRecord{}
		for _, o := range obs {
			got[o.Station+o.Time.UTC().Format(time.RFC3339)] = o
		}
		if len(got) != len(recs) {
			t.Fatalf("read back %d hours, want %d", len(got), len(recs))
		}
		for i, want := range recs {
			o := got[want.Station+want.Time.UTC().Format(time.RFC3339)]
			if o == nil {
				t.Fatalf("record %d (%s %s) not stored", i, want.Station, want.Time)
			}
			wantFlags := want.Flags
			for p := range wantFlags {
				if wantFlags[p] == 0 {
					wantFlags[p] = lantian.FlagNormal
				}
			}
			if o.Values != want.Values || o.Flags != wantFlags || o.Audit != audit(want.Audit) || o.Line != want.Line {
				t.Errorf("record %d (%s %s): read back values %v flags %q audit %s line %d; want %v %q %s %d", i, want.Station, want.Time,
					o.Values, o.Flags, o.Audit, o.Line, want.Values, wantFlags, audit(want.Audit), want.Line)
			}
		}
	})
}

// TestImportYear imports a year of three stations, station after station
// as a file lists them, in the batches the importer uses: on PostgreSQL
// the rows of the thirteen new months (UTC months: the first hours of the
// year fall in December) are copied in many COPYs, streams of some months
// waiting while others go. Every row must arrive once, with its values,
// and every day be marked.
func TestImportYear(t *testing.T) {
	forEach(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seed(t, db)
		var recs []lantian.HourRecord
		var sum int64
		first := hour(2023, 1, 1, 1)
		for _, st := range []string{"2403A", "2404A", "X001"} {
			for h := 0; h < 8760; h++ {
				r := rec(st, first.Add(time.Duration(h)*time.Hour), standard.Conc(1000+h%977))
				r.Line = len(recs) + 2
				if h%500 == 7 {
					r.Flags[standard.O3] = lantian.FlagMaintenance // a row outside the narrow streams
				}
				sum += int64(r.Values[standard.PM25])
				recs = append(recs, r)
			}
		}
		im, err := db.BeginImport(ctx, "year.csv", "wide")
		if err != nil {
			t.Fatal(err)
		}
		for len(recs) > 0 {
			n := min(len(recs), 4096)
			res, err := im.WriteHours(ctx, recs[:n])
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Rejected) > 0 {
				t.Fatalf("rejected %v", res.Rejected[0])
			}
			recs = recs[n:]
		}
		run, err := im.Commit(ctx, lantian.ImportSummary{Read: 3 * 8760})
		if err != nil {
			t.Fatal(err)
		}
		if run.Inserted != 3*8760 {
			t.Errorf("inserted %d, want %d", run.Inserted, 3*8760)
		}
		var n, maint int
		var got int64
		if err := db.r.QueryRowContext(ctx, `SELECT count(*), coalesce(sum(pm25), 0),
			coalesce(sum(CASE WHEN flags <> '`+defaultFlags+`' THEN 1 ELSE 0 END), 0) FROM observation`).Scan(&n, &got, &maint); err != nil {
			t.Fatal(err)
		}
		if n != 3*8760 || got != sum || maint != 3*18 {
			t.Errorf("stored %d station-hours, PM2.5 sum %d, %d with flag M; want %d, %d, %d", n, got, maint, 3*8760, sum, 3*18)
		}
		want := []string{"area:411300:2023-01-01…2023-12-31", "area:411323:2023-01-01…2023-12-31",
			"station:2403A:2023-01-01…2023-12-31", "station:2404A:2023-01-01…2023-12-31", "station:X001:2023-01-01…2023-12-31"}
		if got := markedRuns(t, db); !slices.Equal(got, want) {
			t.Errorf("marked runs %q, want %q", got, want)
		}
	})
}
