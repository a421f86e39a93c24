package ingest

import (
	"testing"
	"time"

	"github.com/lantian-aq/lantian/standard"
)

func TestParseConc(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want standard.Conc
		ok   bool
	}{
		{"integer", "35", 35000, true},
		{"one decimal", "1.2", 1200, true},
		{"three decimals", "0.075", 75, true},
		{"trailing zeros beyond three", "1.2000", 1200, true},
		{"fourth decimal", "1.2345", standard.Missing, false},
		{"leading dot", ".5", 500, true},
		{"trailing dot", "5.", 5000, true},
		{"blanks", "  42 ", 42000, true},
		{"empty is missing", "", standard.Missing, true},
		{"negative parses", "-5", -5000, true},
		{"plus sign", "+7", 7000, true},
		{"letters", "12a", standard.Missing, false},
		{"dot only", ".", standard.Missing, false},
		{"sign only", "-", standard.Missing, false},
		{"NA", "NA", standard.Missing, false},
		{"exponent", "1e3", standard.Missing, false},
		{"too large", "99999999", standard.Missing, false},
		{"largest", "2147483.647", standard.MaxConc, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := parseConc([]byte(tc.in))
			if got != tc.want || ok != tc.ok {
				t.Errorf("parseConc(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
			}
		})
	}
}

// FuzzParseConc checks the allocation-free parser against the engine's
// reference parser standard.ParseConc.
func FuzzParseConc(f *testing.F) {
	for _, s := range []string{"35", "1.2", "0.075", "-5", "", "1.2000", "2147483.647", "1e3", " 4 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := parseConc([]byte(s))
		want, err := standard.ParseConc(s)
		if err == nil && ok && got != want {
			t.Fatalf("parseConc(%q) = %v, standard.ParseConc = %v", s, got, want)
		}
		if ok && got != standard.Missing && err != nil {
			t.Fatalf("parseConc(%q) accepted %v, standard.ParseConc rejects: %v", s, got, err)
		}
	})
}

func TestParseHourEnd(t *testing.T) {
	bj := func(y int, m time.Month, d, h int) int64 {
		return time.Date(y, m, d, h, 0, 0, 0, standard.Beijing).Unix()
	}
	cases := []struct {
		name string
		in   string
		want int64
		err  timeError
	}{
		{"ISO with offset", "2019-01-01T01:00:00+08:00", bj(2019, 1, 1, 1), ""},
		{"ISO without seconds", "2019-01-01T01:00+08:00", bj(2019, 1, 1, 1), ""},
		{"UTC Z", "2018-12-31T17:00:00Z", bj(2019, 1, 1, 1), ""},
		{"other offset", "2019-01-01T02:00:00+09:00", bj(2019, 1, 1, 1), ""},
		{"compact offset", "2019-01-01T01:00:00+0800", bj(2019, 1, 1, 1), ""},
		{"hour-only offset", "2019-01-01T01:00:00+08", bj(2019, 1, 1, 1), ""},
		{"Beijing wall clock", "2019-01-01 01:00", bj(2019, 1, 1, 1), ""},
		{"Beijing with seconds", "2019-01-01 01:00:00", bj(2019, 1, 1, 1), ""},
		{"spreadsheet slashes", "2019/1/2 3:00", bj(2019, 1, 2, 3), ""},
		{"midnight is last hour of previous day", "2019-01-02T00:00:00+08:00", bj(2019, 1, 2, 0), ""},
		{"24:00 is end of day", "2019-01-01T24:00+08:00", bj(2019, 1, 2, 0), ""},
		{"leap day", "2020-02-29 12:00", bj(2020, 2, 29, 12), ""},
		{"zero fraction", "2019-01-01T01:00:00.000+08:00", bj(2019, 1, 1, 1), ""},
		{"not on the hour", "2019-01-01T01:30:00+08:00", 0, errTimeNotHour},
		{"seconds", "2019-01-01 01:00:05", 0, errTimeNotHour},
		{"fraction", "2019-01-01T01:00:00.5+08:00", 0, errTimeNotHour},
		{"half-hour zone", "2019-01-01T01:00:00+05:30", 0, errTimeNotHour},
		{"not a leap year", "2019-02-29 12:00", 0, errTimeSyntax},
		{"hour 25", "2019-01-01 25:00", 0, errTimeSyntax},
		{"24:30", "2019-01-01 24:30", 0, errTimeSyntax},
		{"date only", "2019-01-01", 0, errTimeSyntax},
		{"garbage", "yesterday", 0, errTimeSyntax},
		{"trailing text", "2019-01-01 01:00 CST", 0, errTimeSyntax},
		{"month 13", "2019-13-01 01:00", 0, errTimeSyntax},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseHourEnd([]byte(tc.in))
			if err != tc.err || (err == "" && got != tc.want) {
				t.Errorf("parseHourEnd(%q) = %v, %q; want %v, %q", tc.in, got, err, tc.want, tc.err)
			}
		})
	}
}

// FuzzParseHourEnd checks accepted RFC 3339 times against time.Parse, and
// that every accepted time lies on a whole Beijing hour.
func FuzzParseHourEnd(f *testing.F) {
	for _, s := range []string{"2019-01-01T01:00:00+08:00", "2019-01-01 01:00", "2019/1/2 3:00", "2019-01-01T24:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := parseHourEnd([]byte(s))
		if err != "" {
			return
		}
		if (got+beijingOffset)%3600 != 0 {
			t.Fatalf("parseHourEnd(%q) = %d, not on a Beijing hour", s, got)
		}
		if ref, perr := time.Parse(time.RFC3339, s); perr == nil && ref.Unix() != got {
			t.Fatalf("parseHourEnd(%q) = %d, time.Parse = %d", s, got, ref.Unix())
		}
	})
}

// FuzzHourParser checks the cached fast path against parseHourEnd, with
// the cache primed by a previous timestamp.
func FuzzHourParser(f *testing.F) {
	f.Add("2019-01-01T01:00:00+08:00", "2019-01-01T02:00:00+08:00")
	f.Add("2019-01-01 01:00", "2019-01-02 23:00")
	f.Add("2019-02-28T05:00+08:00", "2019-02-29T05:00+08:00")
	f.Add("2019-01-01T01:00:00+08:00", "2019-01-01T24:00:00+08:00")
	f.Fuzz(func(t *testing.T, a, b string) {
		var hp hourParser
		for _, s := range []string{a, b, a} {
			got, gerr := hp.parse([]byte(s))
			want, werr := parseHourEnd([]byte(s))
			if got != want || gerr != werr {
				t.Fatalf("parse(%q) = %d, %q; parseHourEnd = %d, %q", s, got, gerr, want, werr)
			}
		}
	})
}
