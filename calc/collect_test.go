package calc

import (
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/lantian-aq/lantian/ingest"
	"github.com/lantian-aq/lantian/standard"
)

// collectByAdd is the reference for Collect: every observation through Next
// and Add.
func collectByAdd(t *testing.T, in string, opt ingest.Options) ([]*standard.Series, []string, int) {
	t.Helper()
	rd, err := ingest.NewReader(strings.NewReader(in), opt)
	if err != nil {
		t.Fatal(err)
	}
	c := NewCollector()
	var errs []string
	for {
		o, err := rd.Next()
		if err == io.EOF {
			break
		}
		var re *ingest.RowError
		if errors.As(err, &re) {
			errs = append(errs, re.Error())
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		c.Add(&o)
	}
	return c.Series(), errs, c.Dropped
}

// TestCollectMatchesAdd reads the real Nanyang week in its three layouts,
// and a wide file with flags, gaps, stations out of order, duplicates and
// bad rows, by the batch (Collect, sequential and parallel) and row by row
// (Add): the series, row errors and dropped values must be the same.
func TestCollectMatchesAdd(t *testing.T) {
	var wide strings.Builder
	wide.WriteString("station,time,pm25,pm10,so2,no2,co,o3,co_flag\n")
	for h := 1; h < 24*28; h += 1 + h%7 {
		for _, st := range []string{"S2", "S1"} {
			day, hour := 1+h/24, h%24
			flag := ""
			if h%11 == 0 {
				flag = "M"
			}
			fmt.Fprintf(&wide, "%s,2019-03-%02d %02d:00,%d,%d,%d,%d,%d.%d,%d,%s\n", st, day, hour, h%300, h%500, h%40, h%90, h%3, h%10, h%200, flag)
		}
	}
	wide.WriteString("S1,2019-03-01 01:00,1,2,3,4,0.5,6,\n")    // conflicts with the first S1 row
	wide.WriteString("S1,2019-03-02 01:30,1,2,3,4,0.5,6,\n")    // not on the hour
	wide.WriteString("S3,2018-12-31 24:00,-1,2,3,4,0.5,6,\n")   // a bad cell; grows S3 backwards below
	wide.WriteString("S3,2018-12-20T05:00:00+08:00,7,,,,,,N\n") // earlier day
	wide.WriteString("S3,2019-01-01T01:00:00+08:00,,,,,,,\n")   // no value
	wide.WriteString("S3,2019-01-01T01:00:00+08:00,5,,,,,,\n")  // conflicts with the empty row
	cases := []struct {
		name, path, text string
	}{
		{"china_sites", "../testdata/calc/nanyang_2019-01-01_07.csv", ""},
		{"wide", "../testdata/calc/nanyang_2019-01-01_07_wide.csv", ""},
		{"long", "../testdata/calc/nanyang_2019-01-01_07_long.csv", ""},
		{"wide with flags, gaps and bad rows", "", wide.String()},
	}
	for _, tc := range cases {
		in := tc.text
		if tc.path != "" {
			b, err := os.ReadFile(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			in = string(b)
		}
		want, wantErrs, wantDropped := collectByAdd(t, in, ingest.Options{File: "in.csv"})
		if len(want) == 0 {
			t.Fatalf("%s: nothing collected", tc.name)
		}
		if tc.text != "" && (len(wantErrs) != 4 || wantDropped == 0) {
			t.Fatalf("%s: %d row errors %q and %d dropped values; the input should give 4 and some", tc.name, len(wantErrs), wantErrs, wantDropped)
		}
		for _, workers := range []int{1, 2} {
			t.Run(fmt.Sprintf("%s workers %d", tc.name, workers), func(t *testing.T) {
				rd, err := ingest.NewReader(strings.NewReader(in), ingest.Options{File: "in.csv", Workers: workers})
				if err != nil {
					t.Fatal(err)
				}
				c := NewCollector()
				var errs []string
				if err := c.Collect(rd, func(e *ingest.RowError) { errs = append(errs, e.Error()) }); err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(errs, wantErrs) {
					t.Errorf("row errors\n%q\nwant\n%q", errs, wantErrs)
				}
				if c.Dropped != wantDropped {
					t.Errorf("dropped %d values, want %d", c.Dropped, wantDropped)
				}
				got := c.Series()
				if len(got) != len(want) {
					t.Fatalf("%d series, want %d", len(got), len(want))
				}
				for i := range got {
					g, w := got[i], want[i]
					if g.Station != w.Station || !g.First.Equal(w.First) || g.Days != w.Days || !reflect.DeepEqual(g.V, w.V) {
						t.Errorf("series %d: %s from %v, %d days; want %s from %v, %d days (or values differ)", i, g.Station, g.First, g.Days, w.Station, w.First, w.Days)
					}
				}
			})
		}
	}
}
