package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/ingest"
	"github.com/lantian-aq/lantian/sqlstore"
	"github.com/lantian-aq/lantian/standard"
)

const (
	stationList = "../../testdata/henan_stations.csv"
	nanyangFile = "../../testdata/cnemc/nanyang_2019_china_sites.csv"
	henanDir    = "../../testdata/cnemc/henan-2019-01"
	badDir      = "../../testdata/sqlstore/bad"
	revisedFile = "../../testdata/sqlstore/revised/china_sites_20190115.csv"
)

var nanyangStations = []string{"2403A", "2404A", "2405A", "2406A", "2407A"}

// storeTarget is a store the CLI tests import into: the data directory and
// the --db URL.
type storeTarget struct {
	name, data, db string
}

// targets returns a fresh SQLite store and, when LANTIAN_TEST_POSTGRES is
// set, a fresh PostgreSQL schema (required in CI).
func targets(t *testing.T) []storeTarget {
	t.Helper()
	ts := []storeTarget{{name: "sqlite", data: t.TempDir()}}
	dsn := os.Getenv("LANTIAN_TEST_POSTGRES")
	switch {
	case dsn != "":
		ts = append(ts, storeTarget{name: "postgres", data: t.TempDir(), db: freshSchema(t, dsn)})
	case os.Getenv("CI") == "true":
		t.Fatal("CI=true but LANTIAN_TEST_POSTGRES is not set")
	}
	return ts
}

func freshSchema(t *testing.T, dsn string) string {
	t.Helper()
	var b [6]byte
	rand.Read(b[:])
	schema := "lantian_cli_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	})
	u, _ := url.Parse(dsn)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// lantianCmd runs the CLI in-process and returns its exit status and
// output.
func lantianCmd(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := runMain(args, &out, &errb)
	return code, out.String(), errb.String()
}

func (s storeTarget) args(cmd string, more ...string) []string {
	a := []string{cmd, "--data", s.data}
	if s.db != "" {
		a = append(a, "--db", s.db)
	}
	return append(a, more...)
}

func (s storeTarget) open(t *testing.T) *sqlstore.DB {
	t.Helper()
	db, err := sqlstore.Open(context.Background(), s.db, s.data)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// countObservations counts the station-hours ingest yields from files
// (the calc path's view of the input).
func countObservations(t *testing.T, files ...string) int {
	t.Helper()
	n := 0
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		rd, err := ingest.NewReader(bufio.NewReader(fh), ingest.Options{File: filepath.Base(f)})
		if err != nil {
			t.Fatal(err)
		}
		for {
			_, err := rd.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", f, err)
			}
			n++
		}
		fh.Close()
	}
	return n
}

// engineSeries reads a file with ingest into one engine series per
// station, as `lantian calc` does.
func engineSeries(t *testing.T, file string, stations []string, first time.Time, days int) map[string]*standard.Series {
	t.Helper()
	out := map[string]*standard.Series{}
	for _, s := range stations {
		out[s] = standard.NewSeries(s, first, days)
	}
	fh, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	rd, err := ingest.NewReader(bufio.NewReader(fh), ingest.Options{File: filepath.Base(file)})
	if err != nil {
		t.Fatal(err)
	}
	for {
		o, err := rd.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		s := out[o.Station]
		if s == nil {
			continue
		}
		for p, v := range o.Values {
			if v != standard.Missing {
				s.Set(o.Time, standard.Pollutant(p), v)
			}
		}
	}
	return out
}

func henanFiles(t *testing.T) []string {
	files, err := filepath.Glob(filepath.Join(henanDir, "*.csv"))
	if err != nil || len(files) != 31 {
		t.Fatalf("henan files: %d, %v", len(files), err)
	}
	return files
}

// TestImportRealData is issue 3's end-to-end check: the real Nanyang 2019
// year and the Henan January files with the station list; a re-import
// changes nothing; a revised copy becomes revisions and the statistics
// follow; the statistics in the store equal the engine's on the same input.
func TestImportRealData(t *testing.T) {
	if testing.Short() {
		t.Skip("imports a year of real data")
	}
	for _, tgt := range targets(t) {
		t.Run(tgt.name, func(t *testing.T) {
			ctx := context.Background()
			henan := henanFiles(t)
			files := append([]string{stationList, nanyangFile}, henan...)
			code, stdout, stderr := lantianCmd(tgt.args("import", files...)...)
			if code != 0 {
				t.Fatalf("import: exit %d\n%s\n%s", code, stdout, stderr)
			}
			db := tgt.open(t)
			runs, err := db.ImportRuns(ctx, 0)
			if err != nil || len(runs) != len(files) {
				t.Fatalf("runs = %d, %v", len(runs), err)
			}
			byFile := func(runs []*lantian.ImportRun) map[string]*lantian.ImportRun {
				m := map[string]*lantian.ImportRun{}
				for _, r := range runs {
					m[r.File] = r
				}
				return m
			}
			first := byFile(runs)
			wantNanyang := countObservations(t, nanyangFile)
			if r := first[nanyangFile]; r.Inserted != wantNanyang || r.Revised != 0 || r.Rejected != 0 {
				t.Errorf("Nanyang import: %+v, want %d inserted", r.ImportSummary, wantNanyang)
			}
			wantHenan := countObservations(t, henan...)
			gotHenan := 0
			for _, f := range henan {
				r := first[f]
				if r.Rejected != 0 || r.Revised != 0 {
					t.Errorf("%s: %+v", f, r.ImportSummary)
				}
				gotHenan += r.Inserted + r.Unchanged // Nanyang's stations are in both: unchanged
			}
			if gotHenan != wantHenan {
				t.Errorf("Henan station-hours stored %d, ingest reads %d", gotHenan, wantHenan)
			}

			// Re-importing changes nothing.
			code, stdout, stderr = lantianCmd(tgt.args("import", files...)...)
			if code != 0 {
				t.Fatalf("re-import: exit %d\n%s\n%s", code, stdout, stderr)
			}
			runs, _ = db.ImportRuns(ctx, len(files))
			for _, r := range runs {
				if r.Inserted != 0 || r.Revised != 0 || r.Rejected != 0 {
					t.Errorf("re-import of %s changed something: %+v", r.File, r.ImportSummary)
				}
			}
			if r := byFile(runs)[nanyangFile]; r.Unchanged != wantNanyang {
				t.Errorf("re-import of Nanyang: %d unchanged, want %d", r.Unchanged, wantNanyang)
			}

			// The statistics equal the engine's on the same input.
			first2019 := time.Date(2019, 1, 1, 0, 0, 0, 0, standard.Beijing)
			series := engineSeries(t, nanyangFile, nanyangStations, first2019, 365)
			rules := standard.DefaultRules()
			end := first2019.AddDate(0, 0, 364)
			for _, code := range nanyangStations {
				want := standard.DailyStats(&rules, series[code])
				got, err := db.DailyStats(ctx, lantian.StatFilter{Subject: lantian.Subject{Kind: lantian.SubjectStation, Code: code}, From: first2019, To: end})
				if err != nil {
					t.Fatal(err)
				}
				compareDays(t, code, got, want)
				ps, err := db.PeriodStats(ctx, lantian.StatFilter{Subject: lantian.Subject{Kind: lantian.SubjectStation, Code: code}, From: first2019, To: end}, lantian.PeriodYear)
				if err != nil || len(ps) != 1 {
					t.Fatalf("%s PeriodStats: %v", code, err)
				}
				wantAs := standard.Assess(&rules, want, first2019, end, nil)
				if ps[0].Assessment.Official.Items != wantAs.Official.Items || ps[0].Assessment.Official.GoodDays != wantAs.Official.GoodDays {
					t.Errorf("%s: annual assessment differs from the engine's", code)
				}
			}
			var ss []*standard.Series
			for _, c := range nanyangStations {
				ss = append(ss, series[c])
			}
			wantArea, _, err := standard.AreaDailyStats(&rules, "411300", ss)
			if err != nil {
				t.Fatal(err)
			}
			gotArea, err := db.DailyStats(ctx, lantian.StatFilter{Subject: lantian.Subject{Kind: lantian.SubjectArea, Code: "411300"}, From: first2019, To: end})
			if err != nil {
				t.Fatal(err)
			}
			compareDays(t, "411300", gotArea, wantArea)
			for _, kind := range []lantian.PeriodKind{lantian.PeriodMonth, lantian.PeriodYear} {
				ps, err := db.PeriodStats(ctx, lantian.StatFilter{Subject: lantian.Subject{Kind: lantian.SubjectArea, Code: "411300"}, From: first2019, To: end}, kind)
				if err != nil {
					t.Fatal(err)
				}
				for _, p := range ps {
					want := standard.Assess(&rules, wantArea, p.From, p.To, nil)
					if p.Assessment.Official.Items != want.Official.Items || p.GoodDays != want.Official.GoodDays ||
						p.HeavyDays != want.Official.HeavyDays || p.ValidDays != want.Official.AQIDays.Valid {
						t.Errorf("411300 %s %s: assessment differs from the engine's", kind, p.From.Format(time.DateOnly))
					}
				}
			}

			// A revised copy: four station-hours become revisions and the
			// statistics of the day follow.
			code, stdout, stderr = lantianCmd(tgt.args("import", revisedFile)...)
			if code != 0 {
				t.Fatalf("revised import: exit %d\n%s\n%s", code, stdout, stderr)
			}
			runs, _ = db.ImportRuns(ctx, 1)
			if r := runs[0]; r.Revised != 4 || r.Inserted != 0 || r.Rejected != 0 {
				t.Errorf("revised import: %+v, want 4 revised", r.ImportSummary)
			}
			revs, err := db.Revisions(ctx, "2403A", time.Date(2019, 1, 15, 10, 0, 0, 0, standard.Beijing))
			if err != nil || len(revs) != 2 || revs[1].Values[standard.PM25] != revs[0].Values[standard.PM25]+10*standard.ConcScale {
				t.Fatalf("revisions of 2403A 2019-01-15 10:00: %v, %v", revs, err)
			}
			rev := engineSeries(t, revisedFile, nanyangStations, time.Date(2019, 1, 14, 0, 0, 0, 0, standard.Beijing), 2)
			jan14 := engineSeries(t, filepath.Join(henanDir, "china_sites_20190114.csv"), nanyangStations, time.Date(2019, 1, 14, 0, 0, 0, 0, standard.Beijing), 2)
			day := time.Date(2019, 1, 14, 0, 0, 0, 0, standard.Beijing) // hour 0 of the 15th file ends the 14th
			for _, code := range []string{"2403A", "2405A"} {
				s := jan14[code]
				// Day 14 from both files (the 15th's hour 0 is the 14th's last hour),
				// day 15 from the revised file plus the 16th's hour 0.
				for i := range s.V[0] {
					for p := range s.V {
						if v := rev[code].V[p][i]; v != standard.Missing {
							s.V[p][i] = v
						}
					}
				}
				want := standard.DailyStats(&rules, s)
				got, err := db.DailyStats(ctx, lantian.StatFilter{Subject: lantian.Subject{Kind: lantian.SubjectStation, Code: code}, From: day, To: day})
				if err != nil || len(got) != 1 {
					t.Fatalf("%s: %v", code, err)
				}
				compareDays(t, code+" after revision", got, want[:1])
			}
		})
	}
}

// compareDays checks the store's days against the engine's, day by day.
func compareDays(t *testing.T, who string, got []*lantian.DailyStat, want []standard.Daily) {
	t.Helper()
	wantBy := map[int32]*standard.Daily{}
	n := 0
	for i := range want {
		d := &want[i]
		for _, v := range d.Values {
			if v.Coverage.Valid > 0 {
				wantBy[d.Day] = d
				n++
				break
			}
		}
	}
	if len(got) != n {
		t.Errorf("%s: store has %d days, engine %d days with data", who, len(got), n)
	}
	bad := 0
	for _, g := range got {
		w := wantBy[standard.DayNumber(g.Date)]
		if w == nil {
			t.Errorf("%s %s: day in the store, not in the engine's result", who, g.Date.Format(time.DateOnly))
			continue
		}
		if g.Detail.Values != w.Values || g.Detail.O3Max1H != w.O3Max1H || g.Detail.AQI != w.AQI || g.Edition != w.Edition.String() {
			bad++
			if bad <= 3 {
				t.Errorf("%s %s: store %+v\nengine %+v", who, g.Date.Format(time.DateOnly), g.Detail, w)
			}
		}
	}
	if bad > 3 {
		t.Errorf("%s: %d days differ", who, bad)
	}
}

// badCases is the corpus of bad files: each with the message it must
// produce and the station-hours of 2403A its valid rows (and the valid
// cells of a row with one bad cell) still import.
var badCases = []struct {
	file  string
	want  string
	valid int
}{
	{"malformed_csv.csv", `malformed_csv.csv line 3: "2403A,2019-03-01T02:00:00+08:00,\"36,61,8…": want well-formed CSV`, 1},
	{"unknown_station.csv", `unknown_station.csv line 3 field station: unknown station "9999A": import a station list first, or import with --create-stations (2 station-hours rejected)`, 1},
	{"china_sites_unknown_station.csv", `china_sites_unknown_station.csv line 1 field 9999A: unknown station "9999A"`, 1},
	{"negative_value.csv", `negative_value.csv line 3 field pm25: "-5": want a non-negative concentration`, 2}, // only the cell is dropped
	{"absurd_value.csv", `absurd_value.csv line 3 field co: "800": want at most 150 mg/m³`, 2},                 // only the cell is dropped
	{"conflicting_duplicate.csv", `conflicting_duplicate.csv line 3 field time: "2019-03-01T01:00:00+08:00": want one row per station-hour: line 2 has different values`, 1},
	{"wrong_unit.csv", `wrong_unit.csv line 4 field unit: "ppm": want a unit µg/m³`, 1},
	{"not_on_the_hour.csv", `not_on_the_hour.csv line 3 field time: "2019-03-01T01:30:00+08:00": want a time on the hour`, 1},
	{"wrong_layout.csv", `wrong_layout.csv line 1: not imported: unrecognised header "year,month,day,reading"`, 0},
	{"empty.csv", `empty.csv line 1: not imported: empty file: want a header row`, 0},
}

func hoursOf(t *testing.T, db *sqlstore.DB, station string) int {
	t.Helper()
	obs, err := db.Observations(context.Background(), lantian.ObservationFilter{Stations: []string{station},
		From: time.Date(2019, 1, 1, 0, 0, 0, 0, standard.Beijing), To: time.Date(2020, 1, 1, 0, 0, 0, 0, standard.Beijing)})
	if err != nil {
		t.Fatal(err)
	}
	return len(obs)
}

// TestImportBadFiles feeds the corpus: each file gets its message, exit
// status 1, and its valid rows are kept; with --strict nothing of it is.
func TestImportBadFiles(t *testing.T) {
	for _, tc := range badCases {
		t.Run(strings.TrimSuffix(tc.file, ".csv"), func(t *testing.T) {
			tgt := storeTarget{data: t.TempDir()}
			if code, _, stderr := lantianCmd(tgt.args("import", stationList)...); code != 0 {
				t.Fatalf("station list: %d %s", code, stderr)
			}
			path := filepath.Join(badDir, tc.file)
			code, _, stderr := lantianCmd(tgt.args("import", path)...)
			if code != 1 {
				t.Errorf("exit status %d, want 1", code)
			}
			if !strings.Contains(stderr, tc.want) {
				t.Errorf("stderr:\n%s\nwant it to contain\n%s", stderr, tc.want)
			}
			db := tgt.open(t)
			if n := hoursOf(t, db, "2403A"); n != tc.valid {
				t.Errorf("%d station-hours imported, want the %d valid ones", n, tc.valid)
			}
			db.Close()
			if tc.valid == 0 {
				return
			}
			strict := storeTarget{data: t.TempDir()}
			lantianCmd(strict.args("import", stationList)...)
			code, _, stderr = lantianCmd(strict.args("import", "--strict", path)...)
			if code != 1 || !strings.Contains(stderr, "--strict given: the whole file is rejected") {
				t.Errorf("--strict: exit %d, stderr %s", code, stderr)
			}
			if n := hoursOf(t, strict.open(t), "2403A"); n != 0 {
				t.Errorf("--strict imported %d station-hours of a bad file", n)
			}
		})
	}
}

func TestImportCreateStations(t *testing.T) {
	tgt := storeTarget{data: t.TempDir()}
	code, _, stderr := lantianCmd(tgt.args("import", "--create-stations", filepath.Join(badDir, "unknown_station.csv"))...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if !strings.Contains(stderr, "created station 9999A") || !strings.Contains(stderr, "created station 2403A") {
		t.Errorf("stderr does not report the created stations: %s", stderr)
	}
	db := tgt.open(t)
	s, err := db.Station(context.Background(), "9999A")
	if err != nil || s.Kind != lantian.KindNational || s.Area != "" {
		t.Fatalf("created station: %+v, %v", s, err)
	}
	if n := hoursOf(t, db, "9999A"); n != 2 {
		t.Errorf("9999A has %d hours, want 2", n)
	}
}

func TestImportUsage(t *testing.T) {
	tests := []struct {
		name string
		args []string
		code int
	}{
		{"no files", []string{"import"}, 2},
		{"unknown format", []string{"import", "--format", "xml", "x.csv"}, 2},
		{"missing file", []string{"import", "--data", t.TempDir(), "/nonexistent/file.csv"}, 1},
	}
	for _, tc := range tests {
		if code, _, _ := lantianCmd(tc.args...); code != tc.code {
			t.Errorf("%s: exit %d, want %d", tc.name, code, tc.code)
		}
	}
}

// TestImportKilled kills an import of the Nanyang year with SIGKILL at
// several points, checks that the database is consistent (the file is
// either entirely there or not at all), completes the import by running it
// again, and compares the result with a clean import.
func TestImportKilled(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and imports a year several times")
	}
	bin := filepath.Join(t.TempDir(), "lantian")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	run := func(data string) error {
		cmd := exec.Command(bin, "import", "-q", "--data", data, stationList, nanyangFile)
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("%v: %s", err, out)
		}
		return nil
	}
	clean := t.TempDir()
	if err := run(clean); err != nil {
		t.Fatal(err)
	}
	want := fingerprintDB(t, clean)
	killedMidway := 0
	for _, delay := range []time.Duration{150 * time.Millisecond, 300 * time.Millisecond, 500 * time.Millisecond, 800 * time.Millisecond, 1200 * time.Millisecond} {
		data := t.TempDir()
		cmd := exec.Command(bin, "import", "-q", "--data", data, stationList, nanyangFile)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(delay)
		cmd.Process.Signal(syscall.SIGKILL)
		err := cmd.Wait()
		if ee, ok := err.(*exec.ExitError); ok && !ee.Exited() {
			killedMidway++
		}
		n, runs := checkConsistent(t, data)
		t.Logf("killed after %v: %d station-hours, %d runs", delay, n, runs)
		if err := run(data); err != nil {
			t.Fatalf("re-run after kill at %v: %v", delay, err)
		}
		if got := fingerprintDB(t, data); got != want {
			t.Errorf("after kill at %v and re-run: database differs from a clean import", delay)
		}
	}
	if killedMidway == 0 {
		t.Error("no run was killed before it finished: the test proved nothing")
	}
}

// checkConsistent opens the database left by a killed process: it must
// pass SQLite's integrity check, and hold each file entirely or not at
// all.
func checkConsistent(t *testing.T, data string) (hours, runs int) {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(data, sqlstore.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var ok string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&ok); err != nil {
		// The process may have died before creating the schema.
		return 0, 0
	}
	if ok != "ok" {
		t.Fatalf("integrity check: %s", ok)
	}
	var hasTable int
	db.QueryRow(`SELECT count(*) FROM sqlite_master WHERE name = 'observation'`).Scan(&hasTable)
	if hasTable == 0 {
		return 0, 0
	}
	db.QueryRow(`SELECT count(*) FROM observation`).Scan(&hours)
	var nanyangRuns, rows int
	db.QueryRow(`SELECT count(*), coalesce(sum(inserted), 0) FROM import_run WHERE file LIKE '%nanyang%'`).Scan(&nanyangRuns, &rows)
	db.QueryRow(`SELECT count(*) FROM import_run`).Scan(&runs)
	switch {
	case nanyangRuns == 0 && hours != 0:
		t.Errorf("%d station-hours without a committed run", hours)
	case nanyangRuns == 1 && hours != rows:
		t.Errorf("run says %d station-hours, table has %d", rows, hours)
	}
	var orphans int
	db.QueryRow(`SELECT count(*) FROM observation o WHERE NOT EXISTS (SELECT 1 FROM import_run r WHERE r.id = o.run)`).Scan(&orphans)
	if orphans != 0 {
		t.Errorf("%d station-hours of no committed run", orphans)
	}
	return hours, runs
}

// fingerprintDB hashes the observations and daily statistics.
func fingerprintDB(t *testing.T, data string) string {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(data, sqlstore.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	h := sha256.New()
	for _, q := range []string{
		`SELECT station, t, coalesce(so2,-1), coalesce(no2,-1), coalesce(co,-1), coalesce(o3,-1), coalesce(pm10,-1), coalesce(pm25,-1), flags, revision FROM observation ORDER BY station, t`,
		`SELECT kind, code, day, data FROM stat_day ORDER BY kind, code, day`,
		`SELECT count(*) FROM dirty_day`,
		`SELECT count(*) FROM observation_revision`,
	} {
		rows, err := db.Query(q)
		if err != nil {
			t.Fatal(err)
		}
		cols, _ := rows.Columns()
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		for rows.Next() {
			rows.Scan(ptrs...)
			fmt.Fprintln(h, vals...)
		}
		rows.Close()
	}
	return hex.EncodeToString(h.Sum(nil))
}
