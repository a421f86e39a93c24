package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var updateCalc = flag.Bool("update", false, "rewrite the golden files of lantian calc in testdata/calc")

const calcData = "../../testdata/calc/"

// TestCalcGolden runs lantian calc on a real week of Nanyang data (the
// china_sites excerpt of 2019-01-01 … 01-07 plus hour 0 of 01-08) and
// compares its output with the golden files; the same week in the wide and
// long layouts must give the same tables.
func TestCalcGolden(t *testing.T) {
	cs := calcData + "nanyang_2019-01-01_07.csv"
	wide := calcData + "nanyang_2019-01-01_07_wide.csv"
	long := calcData + "nanyang_2019-01-01_07_long.csv"
	stations := "../../testdata/henan_stations.csv"
	period := []string{"period", "--from", "2019-01-01", "--to", "2019-01-07", "--stations", stations}
	cases := []struct {
		name   string
		args   []string
		golden string
	}{
		{"hourly", []string{"hourly", cs}, "hourly.csv"},
		{"hourly from wide", []string{"hourly", wide}, "hourly.csv"},
		{"hourly from long", []string{"hourly", long}, "hourly.csv"},
		{"hourly json", []string{"hourly", "--format", "json", cs}, "hourly.json"},
		{"daily", []string{"daily", cs}, "daily.csv"},
		{"daily from wide, forced layout", []string{"daily", "--input-format", "wide", wide}, "daily.csv"},
		{"daily from long", []string{"daily", long}, "daily.csv"},
		{"daily raw", []string{"daily", "--raw", cs}, "daily_raw.csv"},
		{"daily json", []string{"daily", cs, "--format", "json"}, "daily.json"},
		{"daily edition 2026", []string{"daily", "--edition", "2026", cs}, "daily_2026.csv"},
		{"period", append(append([]string{}, period...), cs), "period.csv"},
		{"period json", append(append([]string{}, period...), "--format", "json", cs), "period.json"},
		{"period edition 2026", []string{"period", "--from", "2019-01-01", "--to", "2019-01-07", "--edition", "2026", cs}, "period_2026.csv"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := runMain(append([]string{"calc"}, tc.args...), &out, &errb); code != 0 {
				t.Fatalf("exit status %d, stderr:\n%s", code, errb.String())
			}
			path := filepath.Join(calcData, "golden", tc.golden)
			if *updateCalc && !strings.Contains(tc.name, " from ") {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, out.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(out.Bytes(), want) {
				t.Errorf("output differs from %s (run go test -update after checking the change):\n%s", path, firstDiff(out.String(), string(want)))
			}
		})
	}
}

func firstDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	for i := 0; i < len(g) || i < len(w); i++ {
		var a, b string
		if i < len(g) {
			a = g[i]
		}
		if i < len(w) {
			b = w[i]
		}
		if a != b {
			return fmt.Sprintf("line %d:\n got: %s\nwant: %s", i+1, a, b)
		}
	}
	return ""
}

// TestCalcBadInput checks the contract on bad input: every bad row named
// on standard error with file, line and field, valid rows still computed,
// exit status 1; usage errors exit 2.
func TestCalcBadInput(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.csv")
	in := "station,time,pm25,pm10,so2,no2,co,o3\n" +
		"2403A,2019-01-01T01:00:00+08:00,35,50,5,20,0.6,40\n" +
		"2403A,2019-01-01T02:00:00+08:00,-5,50,5,20,0.6,40\n" +
		"2403A,2019-01-01T03:30:00+08:00,35,50,5,20,0.6,40\n"
	if err := os.WriteFile(bad, []byte(in), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code := runMain([]string{"calc", "hourly", bad, filepath.Join(dir, "missing.csv")}, &out, &errb)
	if code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	for _, want := range []string{
		bad + ` line 3 field pm25: "-5": want a non-negative concentration in μg/m³`,
		bad + ` line 4 field time: "2019-01-01T03:30:00+08:00": want a time on the hour`,
		"missing.csv: no such file or directory",
	} {
		if !strings.Contains(errb.String(), want) {
			t.Errorf("stderr lacks %q:\n%s", want, errb.String())
		}
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 3 || !strings.HasPrefix(lines[1], "2403A,2019-01-01T01:00:00+08:00,50,1,优,,") || !strings.HasPrefix(lines[2], "2403A,2019-01-01T02:00:00+08:00,") {
		t.Errorf("valid rows not printed:\n%s", out.String())
	}

	for _, args := range [][]string{
		{"calc"},
		{"calc", "weekly", bad},
		{"calc", "daily"},
		{"calc", "daily", "--edition", "2020", bad},
		{"calc", "daily", "--format", "xml", bad},
		{"calc", "daily", "--input-format", "stations", bad},
		{"calc", "period", bad},
		{"calc", "period", "--from", "2019-02-01", "--to", "2019-01-01", bad},
	} {
		var o, e bytes.Buffer
		if code := runMain(args, &o, &e); code != 2 {
			t.Errorf("%q: exit status %d, want 2 (stderr %s)", args, code, e.String())
		}
	}
}

// TestCalcPeriodLantianStations maps the Nanyang stations to counties with
// lantian's own station and area layouts: the city row averages the
// national stations of its counties, each county its own.
func TestCalcPeriodLantianStations(t *testing.T) {
	dir := t.TempDir()
	st := filepath.Join(dir, "stations.csv")
	ar := filepath.Join(dir, "areas.csv")
	if err := os.WriteFile(st, []byte("code,name,kind,area,lon,lat,evaluation,mn,active_from,active_to\n"+
		"2403A,环保局,national,411302,,,true,,,\n2404A,瓦房庄,national,411302,,,true,,,\n2405A,汉画馆,national,411303,,,true,,,\n"+
		"2406A,气象站,national,411303,,,true,,,\n2407A,理工学院,national,411303,,,true,,,\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ar, []byte("code,name,level,parent\n411300,南阳市,city,\n411302,宛城区,county,411300\n411303,卧龙区,county,411300\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	args := []string{"calc", "period", "--from", "2019-01-01", "--to", "2019-01-07", "--stations", st + "," + ar, calcData + "nanyang_2019-01-01_07.csv"}
	if code := runMain(args, &out, &errb); code != 0 {
		t.Fatalf("exit status %d: %s", code, errb.String())
	}
	want := map[string]string{
		"411300": "2403A;2404A;2405A;2406A;2407A",
		"411302": "2403A;2404A",
		"411303": "2405A;2406A;2407A",
	}
	got := map[string]string{}
	for _, l := range strings.Split(strings.TrimSpace(out.String()), "\n")[1:] {
		f := strings.Split(l, ",")
		if f[0] != "station" {
			got[f[1]] = f[len(f)-1]
		}
	}
	if len(got) != len(want) {
		t.Fatalf("area rows %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("area %s averages %q, want %q", k, got[k], v)
		}
	}
	// The city row must equal the golden city row, which was computed from
	// the CNEMC list mapping the same five stations to 411300.
	golden, _ := os.ReadFile(filepath.Join(calcData, "golden", "period.csv"))
	var goldenCity string
	for _, l := range strings.Split(string(golden), "\n") {
		if strings.HasPrefix(l, "city,411300,") {
			goldenCity = l
		}
	}
	if !strings.Contains(out.String(), goldenCity) || goldenCity == "" {
		t.Errorf("city row differs from the golden one:\n%s\nwant %s", out.String(), goldenCity)
	}
}
