package ingest

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// TestBadFiles feeds the corpus in testdata/ingest/bad and checks every
// message word for word: users act on these messages, so they are part of
// the contract.
func TestBadFiles(t *testing.T) {
	const cantTypes = `want one of AQI, PM2.5, PM2.5_24h, PM10, PM10_24h, SO2, SO2_24h, NO2, NO2_24h, O3, O3_24h, O3_8h, O3_8h_24h, CO, CO_24h`
	cases := []struct {
		file    string
		format  Format
		obs     int    // observations (or stations) still read
		fatal   string // prefix of the fatal error, if any
		rowErrs []string
	}{
		{file: "cs_negative.csv", obs: 2, rowErrs: []string{
			`cs_negative.csv line 2 field PM2.5 (2403A): "-5": want a non-negative concentration in μg/m³`,
		}},
		{file: "cs_truncated.csv", obs: 2, rowErrs: []string{
			`cs_truncated.csv line 3: "20190101,1,PM10,60": want 5 fields (date, hour, type and one per station), got 4: the row is truncated`,
		}},
		{file: "cs_duplicate.csv", obs: 2, rowErrs: []string{
			`cs_duplicate.csv line 5 field type: "PM2.5": want one PM2.5 row per hour: line 2 has different values for 20190101 hour 1`,
		}},
		{file: "cs_bad_cells.csv", obs: 1, rowErrs: []string{
			`cs_bad_cells.csv line 2 field hour: "24": want an hour 0…23 (0 is the hour ending 00:00, the last hour of the previous day)`,
			`cs_bad_cells.csv line 3 field date: "20190132": want a date as YYYYMMDD`,
			`cs_bad_cells.csv line 4 field type: "PM1": ` + cantTypes,
			`cs_bad_cells.csv line 5 field PM10 (2403A): "99999": want at most 20000 μg/m³ (plausibility limit for PM10)`,
			`cs_bad_cells.csv line 7 field CO (2403A): "abc": want a decimal concentration in mg/m³ with at most 3 decimals`,
		}},
		{file: "wide_bad.csv", obs: 2, rowErrs: []string{
			`wide_bad.csv line 2 field time: "2019-01-01T01:30:00+08:00": want a time on the hour (hourly values are labelled by the hour's end, minutes and seconds 00)`,
			`wide_bad.csv line 4 field time: "2019-01-01T02:00:00+08:00": want one row per station-hour: line 3 has different values for station 2403A at this hour`,
			`wide_bad.csv line 5 field pm10: "4O": want a decimal concentration in μg/m³ with at most 3 decimals`,
			`wide_bad.csv line 6 field station: "": want a station code`,
			`wide_bad.csv line 7: "2403A,2019-01-01 05:00,20,40,5,30": want 8 fields as in the header, got 6`,
		}},
		{file: "wide_flag_quote.csv", obs: 0, rowErrs: []string{
			`wide_flag_quote.csv line 2 field pm25_flag: "X": want an HJ 212 data flag N, F, M, S, D, C, T or B (empty means N)`,
			`wide_flag_quote.csv line 3: "2403A,2019-01-01 02:00,20,\"N": want well-formed CSV (quoted field not closed before end of file)`,
		}},
		{file: "long_units.csv", obs: 1, rowErrs: []string{
			`long_units.csv line 3 field value: "800.5": want a CO value in mg/m³, or in whole µg/m³ (converted exactly to mg/m³)`,
			`long_units.csv line 4 field unit: "ppb": want a unit µg/m³ (ug/m3) or mg/m³ (mg/m3)`,
			`long_units.csv line 5 field pollutant: "pm1": want one of so2, no2, co, o3, pm10, pm25`,
			`long_units.csv line 8 field value: "1300": want one PM2.5 value per station-hour: line 6 has a different value for station 2403A at this hour`,
		}},
		{file: "layout_unknown.csv", fatal: `layout_unknown.csv line 1: unrecognised header "when,where,what": want china_sites (date,hour,type,<stations…>)`},
		{file: "empty.csv", fatal: `empty.csv: empty file: want a header row`},
		{file: "wide_no_time.csv", format: Wide, fatal: `wide_no_time.csv line 1: wide layout needs a station column, a time column and at least one of so2, no2, co, o3, pm10, pm25; header is "station,pm25,pm10"`},
		{file: "cs_negative.csv", format: Wide, fatal: `cs_negative.csv line 1: header is in the china_sites layout, not wide as requested`},
		{file: "stations_bad.csv", obs: 1, rowErrs: []string{
			`stations_bad.csv line 3 field kind: "federal": want one of national, provincial, county, township, micro, background`,
			`stations_bad.csv line 4 field lon: "212.5": want a longitude in degrees (-180…180)`,
			`stations_bad.csv line 5 field code: "2403A": want each station once: line 2 already defines it`,
			`stations_bad.csv line 6 field evaluation: "maybe": want true or false`,
			`stations_bad.csv line 7 field active_from: "2019-13-01": want a date YYYY-MM-DD or empty`,
		}},
	}
	used := map[string]bool{}
	for _, tc := range cases {
		used[tc.file] = true
		t.Run(tc.file+"/"+string(tc.format), func(t *testing.T) {
			path := filepath.Join("../testdata/ingest/bad", tc.file)
			var (
				n     int
				errs  []*RowError
				fatal error
			)
			if strings.HasPrefix(tc.file, "stations") {
				f, err := os.Open(path)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				var list *StationList
				list, errs, fatal = ReadStations(f, Options{File: tc.file, Format: tc.format})
				if list != nil {
					n = len(list.Stations)
				}
			} else {
				res := readFile(t, path, Options{Format: tc.format})
				n, errs, fatal = len(res.obs), res.errs, res.fatal
			}
			if tc.fatal != "" {
				var le *LayoutError
				if !errors.As(fatal, &le) || !strings.HasPrefix(fatal.Error(), tc.fatal) {
					t.Fatalf("fatal error %v, want a *LayoutError starting %q", fatal, tc.fatal)
				}
				return
			}
			if fatal != nil {
				t.Fatalf("unexpected fatal error: %v", fatal)
			}
			if got := errStrings(errs); !reflect.DeepEqual(got, tc.rowErrs) {
				t.Errorf("row errors:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.rowErrs, "\n"))
			}
			if n != tc.obs {
				t.Errorf("%d records kept, want %d", n, tc.obs)
			}
		})
	}
	all, _ := filepath.Glob("../testdata/ingest/bad/*")
	for _, p := range all {
		if !used[filepath.Base(p)] {
			t.Errorf("%s has no case in the table", p)
		}
	}
}
