package sqlstore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/standard"
)

// The store suite runs every test against SQLite and, when
// LANTIAN_TEST_POSTGRES names a database (a DSN), against PostgreSQL, each
// test in a fresh schema. Without the DSN the PostgreSQL run is skipped
// locally and fails in CI (CI=true), so that CI cannot pass by silently
// skipping it.

type backend struct {
	name string
	open func(t *testing.T) *DB
}

func backends(t *testing.T) []backend {
	t.Helper()
	bs := []backend{{"sqlite", openSQLiteTest}}
	dsn := os.Getenv("LANTIAN_TEST_POSTGRES")
	switch {
	case dsn != "":
		bs = append(bs, backend{"postgres", func(t *testing.T) *DB { return openPostgresTest(t, dsn) }})
	case os.Getenv("CI") == "true":
		t.Fatal("CI=true but LANTIAN_TEST_POSTGRES is not set: the PostgreSQL store suite must run in CI")
	default:
		t.Log("LANTIAN_TEST_POSTGRES not set: skipping the PostgreSQL run")
	}
	return bs
}

// postgresOnly opens a fresh PostgreSQL store for a test of what only
// PostgreSQL does (concurrent recomputation, a lost connection). Like
// backends, it skips without LANTIAN_TEST_POSTGRES locally and fails in CI.
func postgresOnly(t *testing.T) *DB {
	t.Helper()
	dsn := os.Getenv("LANTIAN_TEST_POSTGRES")
	if dsn == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("CI=true but LANTIAN_TEST_POSTGRES is not set: the PostgreSQL tests must run in CI")
		}
		t.Skip("LANTIAN_TEST_POSTGRES not set")
	}
	return openPostgresTest(t, dsn)
}

// forEach runs fn as a subtest per backend with a fresh store.
func forEach(t *testing.T, fn func(t *testing.T, db *DB)) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			fn(t, b.open(t))
		})
	}
}

func openSQLiteTest(t *testing.T) *DB {
	t.Helper()
	db, err := Open(context.Background(), "", filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// openPostgresTest creates a fresh schema for one test and opens the store
// with it as the search path; the schema is dropped afterwards.
func openPostgresTest(t *testing.T, dsn string) *DB {
	t.Helper()
	db, err := Open(context.Background(), postgresTestSchema(t, dsn), "")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// postgresTestSchema creates a schema of a random name in the database of
// dsn, drops it when the test ends, and returns dsn with the schema as its
// search path.
func postgresTestSchema(t *testing.T, dsn string) string {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	schema := "lantian_test_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() { admin.Exec("DROP SCHEMA " + schema + " CASCADE") })
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

var bj = standard.Beijing

func hour(y int, m time.Month, d, h int) time.Time { return time.Date(y, m, d, h, 0, 0, 0, bj) }

// seed creates Nanyang with two counties and three stations.
// importAll imports recs as one whole file named name and commits it.
func importAll(t *testing.T, db *DB, name string, recs []lantian.HourRecord) *lantian.ImportRun {
	t.Helper()
	ctx := context.Background()
	im, err := db.BeginImport(ctx, name, "wide")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := im.WriteHours(ctx, recs); err != nil {
		t.Fatal(err)
	}
	run, err := im.Commit(ctx, lantian.ImportSummary{Read: len(recs)})
	if err != nil {
		t.Fatal(err)
	}
	return run
}

func seed(t *testing.T, db *DB) {
	t.Helper()
	ctx := context.Background()
	for _, a := range []*lantian.Area{
		{Code: "411300", Name: "南阳市", Level: lantian.LevelCity},
		{Code: "411302", Name: "宛城区", Level: lantian.LevelCounty, Parent: "411300"},
		{Code: "411323", Name: "西峡县", Level: lantian.LevelCounty, Parent: "411300"},
	} {
		if err := db.PutArea(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	for _, s := range []*lantian.Station{
		{Code: "2403A", Name: "环保局", Kind: lantian.KindNational, Area: "411300", Lon: 112.5, Lat: 33, Evaluation: true},
		{Code: "2404A", Name: "瓦房庄", Kind: lantian.KindNational, Area: "411300", Lon: 112.6, Lat: 33, Evaluation: true, MN: "MN2404"},
		{Code: "X001", Name: "西峡县城", Kind: lantian.KindCounty, Area: "411323", Evaluation: true},
	} {
		if err := db.PutStation(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
}

func rec(station string, t time.Time, pm25 standard.Conc) lantian.HourRecord {
	r := lantian.HourRecord{Observation: lantian.Observation{Station: station, Time: t}, Source: "test"}
	for p := range r.Values {
		r.Values[p] = standard.Conc(10+p) * standard.ConcScale
	}
	r.Values[standard.PM25] = pm25
	return r
}

func TestMigrationsIdempotent(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	for i := 0; i < 2; i++ {
		db, err := Open(ctx, "", dir)
		if err != nil {
			t.Fatal(err)
		}
		v, err := db.SchemaVersion(ctx)
		if err != nil || v < 1 {
			t.Fatalf("open %d: schema version %d, %v", i, v, err)
		}
		db.Close()
	}
	if _, err := os.Stat(filepath.Join(dir, FileName)); err != nil {
		t.Fatalf("database file: %v", err)
	}
}

func TestAreas(t *testing.T) {
	forEach(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seed(t, db)
		a, err := db.Area(ctx, "411323")
		if err != nil || a.Name != "西峡县" || a.Parent != "411300" {
			t.Fatalf("Area = %+v, %v", a, err)
		}
		if _, err := db.Area(ctx, "999999"); lantian.ErrorCode(err) != lantian.ENOTFOUND {
			t.Fatalf("missing area: %v", err)
		}
		kids, err := db.Areas(ctx, lantian.AreaFilter{Parent: "411300"})
		if err != nil || len(kids) != 2 {
			t.Fatalf("children = %v, %v", kids, err)
		}
		all, err := db.Areas(ctx, lantian.AreaFilter{Within: "411300"})
		if err != nil || len(all) != 3 {
			t.Fatalf("within = %v, %v", all, err)
		}
		tests := []struct {
			name string
			a    lantian.Area
			code string
		}{
			{"unknown parent", lantian.Area{Code: "411399", Name: "x", Level: lantian.LevelCounty, Parent: "000000"}, lantian.EINVALID},
			{"bad level", lantian.Area{Code: "411399", Name: "x", Level: "village"}, lantian.EINVALID},
			{"no name", lantian.Area{Code: "411399", Level: lantian.LevelCounty}, lantian.EINVALID},
			{"cycle", lantian.Area{Code: "411300", Name: "南阳市", Level: lantian.LevelCity, Parent: "411323"}, lantian.EINVALID},
			{"own parent", lantian.Area{Code: "411300", Name: "南阳市", Level: lantian.LevelCity, Parent: "411300"}, lantian.EINVALID},
		}
		for _, tc := range tests {
			if err := db.PutArea(ctx, &tc.a); lantian.ErrorCode(err) != tc.code {
				t.Errorf("%s: PutArea error %v, want code %s", tc.name, err, tc.code)
			}
		}
	})
}

func TestStations(t *testing.T) {
	forEach(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seed(t, db)
		s, err := db.StationByMN(ctx, "MN2404")
		if err != nil || s.Code != "2404A" || !s.Evaluation {
			t.Fatalf("StationByMN = %+v, %v", s, err)
		}
		city, err := db.Stations(ctx, lantian.StationFilter{Area: "411300"})
		if err != nil || len(city) != 2 {
			t.Fatalf("city stations = %d, %v", len(city), err)
		}
		within, err := db.Stations(ctx, lantian.StationFilter{Area: "411300", Within: true})
		if err != nil || len(within) != 3 {
			t.Fatalf("stations within = %d, %v", len(within), err)
		}
		county, err := db.Stations(ctx, lantian.StationFilter{Kinds: []lantian.StationKind{lantian.KindCounty}})
		if err != nil || len(county) != 1 || county[0].Code != "X001" {
			t.Fatalf("county stations = %v, %v", county, err)
		}
		sim := &lantian.Station{Code: "SIM1", Name: "模拟", Kind: lantian.KindTownship, Area: "411323", Synthetic: true}
		if err := db.PutStation(ctx, sim); err != nil {
			t.Fatal(err)
		}
		if ss, _ := db.Stations(ctx, lantian.StationFilter{Area: "411323"}); len(ss) != 1 {
			t.Errorf("synthetic station listed without being asked for: %v", ss)
		}
		if ss, _ := db.Stations(ctx, lantian.StationFilter{Area: "411323", Synthetic: true}); len(ss) != 2 {
			t.Errorf("synthetic station missing when asked for: %v", ss)
		}
		tests := []struct {
			name string
			s    lantian.Station
			code string
		}{
			{"unknown area", lantian.Station{Code: "Z1", Name: "z", Kind: lantian.KindMicro, Area: "000000"}, lantian.EINVALID},
			{"bad kind", lantian.Station{Code: "Z1", Name: "z", Kind: "satellite"}, lantian.EINVALID},
			{"bad coordinates", lantian.Station{Code: "Z1", Name: "z", Kind: lantian.KindMicro, Lat: 95}, lantian.EINVALID},
			{"MN taken", lantian.Station{Code: "Z1", Name: "z", Kind: lantian.KindMicro, MN: "MN2404"}, lantian.ECONFLICT},
			{"period reversed", lantian.Station{Code: "Z1", Name: "z", Kind: lantian.KindMicro,
				ActiveFrom: hour(2020, 1, 1, 0), ActiveTo: hour(2019, 1, 1, 0)}, lantian.EINVALID},
		}
		for _, tc := range tests {
			if err := db.PutStation(ctx, &tc.s); lantian.ErrorCode(err) != tc.code {
				t.Errorf("%s: PutStation error %v, want code %s", tc.name, err, tc.code)
			}
		}
	})
}

func TestWriteHoursRevisions(t *testing.T) {
	forEach(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seed(t, db)
		t1 := hour(2019, 1, 1, 1)
		res, err := db.WriteHours(ctx, []lantian.HourRecord{rec("2403A", t1, 50000), rec("2403A", t1.Add(time.Hour), 60000)})
		if err != nil || res.Inserted != 2 || len(res.Rejected) != 0 {
			t.Fatalf("first write: %+v, %v", res, err)
		}
		res, err = db.WriteHours(ctx, []lantian.HourRecord{rec("2403A", t1, 50000)})
		if err != nil || res.Unchanged != 1 || res.Inserted+res.Revised != 0 {
			t.Fatalf("same again: %+v, %v", res, err)
		}
		r2 := rec("2403A", t1, 55000)
		r2.Audit = lantian.AuditReviewed
		res, err = db.WriteHours(ctx, []lantian.HourRecord{r2})
		if err != nil || res.Revised != 1 {
			t.Fatalf("revision: %+v, %v", res, err)
		}
		revs, err := db.Revisions(ctx, "2403A", t1)
		if err != nil || len(revs) != 2 {
			t.Fatalf("Revisions = %d, %v", len(revs), err)
		}
		if revs[0].Values[standard.PM25] != 50000 || revs[0].Revision != 1 || revs[1].Values[standard.PM25] != 55000 ||
			revs[1].Revision != 2 || revs[1].Audit != lantian.AuditReviewed {
			t.Errorf("revisions = %+v / %+v", revs[0], revs[1])
		}
		obs, err := db.Observations(ctx, lantian.ObservationFilter{Stations: []string{"2403A"}, From: t1, To: t1.Add(24 * time.Hour)})
		if err != nil || len(obs) != 2 || obs[0].Values[standard.PM25] != 55000 || obs[0].Source != "test" {
			t.Fatalf("Observations = %v, %v", obs, err)
		}
		latest, err := db.LatestHours(ctx, lantian.StationFilter{Area: "411300"})
		if err != nil || len(latest) != 1 || !latest[0].Time.Equal(t1.Add(time.Hour)) {
			t.Fatalf("LatestHours = %v, %v", latest, err)
		}
	})
}

func TestWriteHoursRejects(t *testing.T) {
	forEach(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seed(t, db)
		t1 := hour(2019, 1, 1, 1)
		neg := rec("2403A", t1, -1000)
		absurd := rec("2403A", t1, 900000*standard.ConcScale)
		badFlag := rec("2403A", t1, 1000)
		badFlag.Flags[standard.SO2] = 'X'
		conflict := rec("2404A", t1, 2000)
		tests := []struct {
			name string
			r    lantian.HourRecord
			code string
			msg  string
		}{
			{"unknown station", rec("9999A", t1, 1000), lantian.ENOTFOUND, `unknown station "9999A"`},
			{"not on the hour", rec("2403A", t1.Add(30*time.Minute), 1000), lantian.EINVALID, "on the full hour"},
			{"negative", neg, lantian.EINVALID, "is negative"},
			{"absurd", absurd, lantian.EINVALID, "not a plausible"},
			{"bad flag", badFlag, lantian.EINVALID, "want one of N F M S D C T B"},
			{"future", rec("2403A", time.Now().Add(48*time.Hour).Truncate(time.Hour), 1000), lantian.EINVALID, "future"},
			{"conflicting duplicate", conflict, lantian.ECONFLICT, "conflicts"},
		}
		batch := []lantian.HourRecord{rec("2404A", t1, 1000)}
		for _, tc := range tests {
			batch = append(batch, tc.r)
		}
		res, err := db.WriteHours(ctx, batch)
		if err != nil {
			t.Fatal(err)
		}
		if res.Inserted != 1 || len(res.Rejected) != len(tests) {
			t.Fatalf("result %+v", res)
		}
		for i, tc := range tests {
			e := res.Rejected[i]
			if e.Index != i+1 || e.Code != tc.code || !strings.Contains(e.Message, tc.msg) {
				t.Errorf("%s: rejected as %+v, want code %s and %q", tc.name, e, tc.code, tc.msg)
			}
		}
	})
}

func TestImportAtomic(t *testing.T) {
	forEach(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seed(t, db)
		t1 := hour(2019, 3, 1, 1)
		im, err := db.BeginImport(ctx, "a.csv", "wide")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := im.WriteHours(ctx, []lantian.HourRecord{rec("2403A", t1, 1000)}); err != nil {
			t.Fatal(err)
		}
		if err := im.Rollback(); err != nil {
			t.Fatal(err)
		}
		obs, _ := db.Observations(ctx, lantian.ObservationFilter{Stations: []string{"2403A"}, From: t1, To: t1.Add(time.Hour)})
		if len(obs) != 0 {
			t.Fatalf("rolled-back import left %d hours", len(obs))
		}
		if runs, _ := db.ImportRuns(ctx, 0); len(runs) != 0 {
			t.Fatalf("rolled-back import left a run: %v", runs)
		}
		im, err = db.BeginImport(ctx, "a.csv", "wide")
		if err != nil {
			t.Fatal(err)
		}
		recs := []lantian.HourRecord{rec("2403A", t1, 1000), rec("2403A", t1.Add(time.Hour), 2000), rec("2403A", t1, 1000)}
		res, err := im.WriteHours(ctx, recs)
		if err != nil || len(res.Rejected) != 0 {
			t.Fatalf("write: %+v %v", res, err)
		}
		// Not visible before commit.
		obs, _ = db.Observations(ctx, lantian.ObservationFilter{Stations: []string{"2403A"}, From: t1, To: t1.Add(2 * time.Hour)})
		if len(obs) != 0 {
			t.Fatalf("uncommitted import visible: %d hours", len(obs))
		}
		run, err := im.Commit(ctx, lantian.ImportSummary{Read: 3, Messages: []string{"note"}})
		if err != nil {
			t.Fatal(err)
		}
		if run.Inserted != 2 || run.Unchanged != 1 || run.Read != 3 {
			t.Errorf("run = %+v", run)
		}
		runs, err := db.ImportRuns(ctx, 0)
		if err != nil || len(runs) != 1 || runs[0].Inserted != 2 || runs[0].Messages[0] != "note" {
			t.Fatalf("ImportRuns = %+v, %v", runs, err)
		}
		obs, _ = db.Observations(ctx, lantian.ObservationFilter{Stations: []string{"2403A"}, From: t1, To: t1.Add(2 * time.Hour)})
		if len(obs) != 2 || obs[0].Line != 0 || !strings.HasPrefix(obs[0].Source, "import:a.csv") {
			t.Fatalf("committed import: %v", obs)
		}
	})
}

// dayOf fills 24 hours of a station-day with a pattern and returns the
// records and the engine series of the same values.
func dayOf(station string, day time.Time, base int) []lantian.HourRecord {
	var out []lantian.HourRecord
	for h := 1; h <= 24; h++ {
		r := lantian.HourRecord{Observation: lantian.Observation{Station: station, Time: day.Add(time.Duration(h) * time.Hour)}, Source: "test"}
		for p := range r.Values {
			r.Values[p] = standard.Conc((base + 7*h + 13*p) * 100)
		}
		r.Values[standard.CO] = standard.Conc(300 + 50*h)
		if h == 5 {
			r.Values[standard.NO2] = standard.Missing
		}
		out = append(out, r)
	}
	return out
}

func seriesOf(station string, first time.Time, days int, recs []lantian.HourRecord) *standard.Series {
	s := standard.NewSeries(station, first, days)
	for _, r := range recs {
		if r.Station != station {
			continue
		}
		for p, v := range r.Values {
			if v != standard.Missing {
				s.Set(r.Time, standard.Pollutant(p), v)
			}
		}
	}
	return s
}

func TestStatisticsFollowHours(t *testing.T) {
	forEach(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seed(t, db)
		d1 := hour(2019, 1, 1, 0)
		var recs []lantian.HourRecord
		for i := 0; i < 3; i++ {
			recs = append(recs, dayOf("2403A", d1.AddDate(0, 0, i), 300+40*i)...)
			recs = append(recs, dayOf("2404A", d1.AddDate(0, 0, i), 500-30*i)...)
		}
		if _, err := db.WriteHours(ctx, recs); err != nil {
			t.Fatal(err)
		}
		check := func(when string) {
			t.Helper()
			r := standard.DefaultRules()
			want := standard.DailyStats(&r, seriesOf("2403A", d1, 3, recs))
			got, err := db.DailyStats(ctx, lantian.StatFilter{Subject: lantian.Subject{Kind: lantian.SubjectStation, Code: "2403A"}, From: d1, To: d1.AddDate(0, 0, 2)})
			if err != nil || len(got) != 3 {
				t.Fatalf("%s: DailyStats = %d days, %v", when, len(got), err)
			}
			for i := range want {
				for p := range want[i].Values {
					if got[i].Means[p].Value != want[i].Values[p].Rounded || got[i].Detail.Values[p] != want[i].Values[p] {
						t.Errorf("%s: day %d %v: store %+v, engine %+v", when, i, standard.Pollutant(p), got[i].Detail.Values[p], want[i].Values[p])
					}
				}
				if got[i].Detail.AQI != want[i].AQI {
					t.Errorf("%s: day %d AQI: store %+v, engine %+v", when, i, got[i].Detail.AQI, want[i].AQI)
				}
			}
			wantArea, _, err := standard.AreaDailyStats(&r, "411300", []*standard.Series{seriesOf("2403A", d1, 3, recs), seriesOf("2404A", d1, 3, recs)})
			if err != nil {
				t.Fatal(err)
			}
			gotArea, err := db.DailyStats(ctx, lantian.StatFilter{Subject: lantian.Subject{Kind: lantian.SubjectArea, Code: "411300"}, From: d1, To: d1.AddDate(0, 0, 2)})
			if err != nil || len(gotArea) != 3 {
				t.Fatalf("%s: area DailyStats = %d days, %v", when, len(gotArea), err)
			}
			for i := range wantArea {
				if gotArea[i].Detail.Values != wantArea[i].Values || gotArea[i].Stations != 2 {
					t.Errorf("%s: area day %d: store %+v, engine %+v", when, i, gotArea[i].Detail.Values, wantArea[i].Values)
				}
			}
			ps, err := db.PeriodStats(ctx, lantian.StatFilter{Subject: lantian.Subject{Kind: lantian.SubjectArea, Code: "411300"}, From: d1, To: d1.AddDate(0, 0, 2)}, lantian.PeriodWhole)
			if err != nil || len(ps) != 1 {
				t.Fatalf("%s: PeriodStats = %v, %v", when, ps, err)
			}
			wantAs := standard.Assess(&r, wantArea, d1, d1.AddDate(0, 0, 2), nil)
			if ps[0].Assessment.Official.Items != wantAs.Official.Items || ps[0].GoodDays != wantAs.Official.GoodDays {
				t.Errorf("%s: period assessment differs from the engine's", when)
			}
		}
		check("before refresh") // computed on the fly from marked days
		n, err := db.RefreshStats(ctx)
		if err != nil || n != 9 {
			t.Fatalf("RefreshStats = %d, %v (want 3 days × 2 stations + 3 area-days)", n, err)
		}
		check("after refresh")
		if n, _ := db.RefreshStats(ctx); n != 0 {
			t.Errorf("second refresh recomputed %d days", n)
		}
		// A revision marks the day again and the statistics follow.
		rev := recs[5]
		rev.Values[standard.PM25] += 100000
		recs[5] = rev
		if res, err := db.WriteHours(ctx, []lantian.HourRecord{rev}); err != nil || res.Revised != 1 {
			t.Fatalf("revise: %+v %v", res, err)
		}
		check("after revision, before refresh")
		if n, err := db.RefreshStats(ctx); err != nil || n != 2 {
			t.Fatalf("refresh after revision = %d, %v (want the station-day and the area-day)", n, err)
		}
		check("after revision and refresh")
	})
}

func TestDustDays(t *testing.T) {
	forEach(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seed(t, db)
		d1 := hour(2019, 1, 1, 0)
		var recs []lantian.HourRecord
		for i := 0; i < 3; i++ {
			recs = append(recs, dayOf("X001", d1.AddDate(0, 0, i), 300+40*i)...)
		}
		if _, err := db.WriteHours(ctx, recs); err != nil {
			t.Fatal(err)
		}
		if err := db.SetDustDay(ctx, &lantian.DustDay{Area: "411300", Date: d1.AddDate(0, 0, 1), Note: "沙尘"}); err != nil {
			t.Fatal(err)
		}
		ds, err := db.DustDays(ctx, "411300", d1, d1.AddDate(0, 0, 5))
		if err != nil || len(ds) != 1 || !ds[0].Date.Equal(d1.AddDate(0, 0, 1)) {
			t.Fatalf("DustDays = %v, %v", ds, err)
		}
		// The city's dust day applies to the county below it.
		f := lantian.StatFilter{Subject: lantian.Subject{Kind: lantian.SubjectArea, Code: "411323"}, From: d1, To: d1.AddDate(0, 0, 2)}
		days, err := db.DailyStats(ctx, f)
		if err != nil || len(days) != 3 || !days[1].Dust || days[0].Dust {
			t.Fatalf("DailyStats dust flags wrong: %v", err)
		}
		ps, err := db.PeriodStats(ctx, f, lantian.PeriodWhole)
		if err != nil || ps[0].DustDays != 1 {
			t.Fatalf("PeriodStats dust days = %v, %v", ps, err)
		}
		if err := db.ClearDustDay(ctx, "411300", d1.AddDate(0, 0, 1)); err != nil {
			t.Fatal(err)
		}
		if ps, _ := db.PeriodStats(ctx, f, lantian.PeriodWhole); ps[0].DustDays != 0 {
			t.Errorf("cleared dust day still counted")
		}
	})
}

// TestConcurrentReadersOneWriter reads while an import writes: readers see
// only committed data and never fail with a busy database.
func TestConcurrentReadersOneWriter(t *testing.T) {
	forEach(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seed(t, db)
		d1 := hour(2019, 1, 1, 0)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for g := 0; g < 4; g++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					select {
					case <-stop:
						return
					default:
					}
					obs, err := db.Observations(ctx, lantian.ObservationFilter{Stations: []string{"2403A"}, From: d1, To: d1.AddDate(0, 1, 0)})
					if err != nil {
						errs <- err
						return
					}
					if n := len(obs); n != 0 && n != 24*20 {
						errs <- &lantian.Error{Code: "torn", Message: "saw a partly committed import"}
						return
					}
					if _, err := db.DailyStats(ctx, lantian.StatFilter{Subject: lantian.Subject{Kind: lantian.SubjectArea, Code: "411300"}, From: d1, To: d1.AddDate(0, 0, 30)}); err != nil {
						errs <- err
						return
					}
				}
			}()
		}
		im, err := db.BeginImport(ctx, "big.csv", "wide")
		if err != nil {
			t.Fatal(err)
		}
		for i := 0; i < 20; i++ {
			if _, err := im.WriteHours(ctx, dayOf("2403A", d1.AddDate(0, 0, i), 200+i)); err != nil {
				t.Fatal(err)
			}
			time.Sleep(2 * time.Millisecond)
		}
		if _, err := im.Commit(ctx, lantian.ImportSummary{}); err != nil {
			t.Fatal(err)
		}
		if _, err := db.RefreshStats(ctx); err != nil {
			t.Fatal(err)
		}
		close(stop)
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})
}

// TestRefresher: with the background refresher running, a write's days are
// recomputed without anyone calling RefreshStats.
func TestRefresher(t *testing.T) {
	forEach(t, func(t *testing.T, db *DB) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		seed(t, db)
		db.StartRefresher(ctx, 10*time.Millisecond, func(err error) { t.Error(err) })
		if _, err := db.WriteHours(ctx, dayOf("2403A", hour(2019, 1, 1, 0), 300)); err != nil {
			t.Fatal(err)
		}
		deadline := time.Now().Add(20 * time.Second)
		for {
			var marks, stats int
			db.r.QueryRowContext(ctx, `SELECT count(*) FROM dirty_day`).Scan(&marks)
			// The station-day; the area-day has too few stations (one of
			// two) for any valid hour, so it holds no data and is not stored.
			db.r.QueryRowContext(ctx, `SELECT count(*) FROM stat_day WHERE kind = 'station'`).Scan(&stats)
			if marks == 0 && stats == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("after 20 s: %d marks left, %d statistics stored", marks, stats)
			}
			time.Sleep(20 * time.Millisecond)
		}
		cancel()
	})
}
