package ingest

import (
	"encoding/csv"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/standard"
)

const nanyangFile = "../testdata/cnemc/nanyang_2019_china_sites.csv"

func henanFiles(t testing.TB) []string {
	m, err := filepath.Glob("../testdata/cnemc/henan-2019-01/china_sites_*.csv")
	if err != nil || len(m) != 31 {
		t.Fatalf("want the 31 January Henan files, got %d (%v)", len(m), err)
	}
	return m
}

// referenceChinaSites reads a china_sites file with encoding/csv and the
// simplest possible code, as an independent check of the streaming reader:
// station-hour → six values, keeping only station-hours with a value.
func referenceChinaSites(t testing.TB, path string) map[string][standard.NumPollutants]standard.Conc {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	header := recs[0]
	out := map[string][standard.NumPollutants]standard.Conc{}
	for _, rec := range recs[1:] {
		p, err := standard.ParsePollutant(rec[2])
		if err != nil {
			continue // AQI, X_24h, O3_8h…: published, not observed
		}
		d, err := time.ParseInLocation("20060102", rec[0], standard.Beijing)
		if err != nil {
			t.Fatal(err)
		}
		h, _ := strconv.Atoi(rec[1])
		end := d.Add(time.Duration(h) * time.Hour)
		for i, cell := range rec[3:] {
			if cell == "" {
				continue
			}
			c, err := standard.ParseConc(cell)
			if err != nil {
				t.Fatal(err)
			}
			k := header[3+i] + " " + end.Format(time.RFC3339)
			v, ok := out[k]
			if !ok {
				for j := range v {
					v[j] = standard.Missing
				}
			}
			v[p] = c
			out[k] = v
		}
	}
	return out
}

func obsKey(o lantian.Observation) string { return o.Station + " " + o.Time.Format(time.RFC3339) }

func TestChinaSitesMatchesReference(t *testing.T) {
	files := append([]string{nanyangFile}, henanFiles(t)...)
	for _, path := range files {
		t.Run(filepath.Base(path), func(t *testing.T) {
			res := readFile(t, path, Options{})
			if res.fatal != nil || len(res.errs) > 0 {
				t.Fatalf("fatal %v, row errors %q", res.fatal, errStrings(res.errs))
			}
			want := referenceChinaSites(t, path)
			if len(res.obs) != len(want) {
				t.Errorf("%d observations, reference has %d", len(res.obs), len(want))
			}
			seen := map[string]bool{}
			for _, o := range res.obs {
				k := obsKey(o)
				if seen[k] {
					t.Errorf("%s returned twice", k)
				}
				seen[k] = true
				if o.Time.Location() != standard.Beijing {
					t.Errorf("%s: time zone %v, want Beijing", k, o.Time.Location())
				}
				if w, ok := want[k]; !ok || w != o.Values {
					t.Errorf("%s: values %v, reference %v (present %v)", k, o.Values, w, ok)
				}
			}
		})
	}
}

// TestChinaSitesSemantics pins the documented oddities of the 2019 data.
func TestChinaSitesSemantics(t *testing.T) {
	var pubs []PublishedValue
	res := readFile(t, nanyangFile, Options{OnPublished: func(p PublishedValue) { pubs = append(pubs, p) }})
	if res.fatal != nil || len(res.errs) > 0 {
		t.Fatalf("fatal %v, row errors %q", res.fatal, errStrings(res.errs))
	}
	byKey := map[string]lantian.Observation{}
	for _, o := range res.obs {
		byKey[obsKey(o)] = o
	}
	at := func(st string, y int, m time.Month, d, h int) (lantian.Observation, bool) {
		o, ok := byKey[st+" "+time.Date(y, m, d, h, 0, 0, 0, standard.Beijing).Format(time.RFC3339)]
		return o, ok
	}
	t.Run("hour 0 is 00:00 of the file's date", func(t *testing.T) {
		// 20190101,0: SO2 10 NO2 48 CO 1.4 O3 16 PM10 (empty) PM2.5 136 for 2403A.
		o, ok := at("2403A", 2019, 1, 1, 0)
		if !ok {
			t.Fatal("no observation for 2403A hour ending 2019-01-01 00:00")
		}
		want := [standard.NumPollutants]standard.Conc{10000, 48000, 1400, 16000, standard.Missing, 136000}
		if o.Values != want {
			t.Errorf("values %v, want %v", o.Values, want)
		}
		if standard.DayOfHour(o.Time).Format("2006-01-02") != "2018-12-31" {
			t.Errorf("hour 0 of 2019-01-01 belongs to %v, want 2018-12-31", standard.DayOfHour(o.Time))
		}
	})
	t.Run("2019-02-20 ends at 07:00 with an empty AQI row", func(t *testing.T) {
		if _, ok := at("2403A", 2019, 2, 20, 6); !ok {
			t.Error("06:00 missing")
		}
		for _, st := range []string{"2403A", "2404A", "2405A", "2406A", "2407A"} {
			if o, ok := at(st, 2019, 2, 20, 7); ok {
				t.Errorf("%s 07:00 has an observation %v, the file has only an empty AQI row", st, o.Values)
			}
		}
	})
	t.Run("2019-04-24 23:00 lacks PM10 and the rows after it", func(t *testing.T) {
		o, ok := at("2403A", 2019, 4, 24, 23)
		if !ok {
			t.Fatal("no observation")
		}
		want := [standard.NumPollutants]standard.Conc{standard.Missing, standard.Missing, standard.Missing, standard.Missing, standard.Missing, 57000}
		if o.Values != want {
			t.Errorf("values %v, want only PM2.5 57", o.Values)
		}
	})
	t.Run("2019-04-08 is missing", func(t *testing.T) {
		for h := 0; h < 24; h++ {
			if _, ok := at("2403A", 2019, 4, 8, h); ok {
				t.Errorf("hour %d of 2019-04-08 present", h)
			}
		}
	})
	t.Run("published values are separate", func(t *testing.T) {
		counts := map[string]int{}
		for _, p := range pubs {
			counts[p.Type]++
		}
		// 20190101,0: AQI 180, PM2.5_24h 94, O3_8h_24h 42, CO_24h 1.2 for 2403A.
		want := map[string]standard.Conc{"AQI": 180000, "PM2.5_24h": 94000, "O3_8h_24h": 42000, "CO_24h": 1200}
		first := time.Date(2019, 1, 1, 0, 0, 0, 0, standard.Beijing)
		for _, p := range pubs {
			if p.Station == "2403A" && p.Time.Equal(first) {
				if w, ok := want[p.Type]; ok && w != p.Value {
					t.Errorf("%s = %v, want %v", p.Type, p.Value, w)
				}
				delete(want, p.Type)
			}
		}
		if len(want) != 0 {
			t.Errorf("published values not seen: %v", want)
		}
		for _, typ := range []string{"AQI", "PM2.5_24h", "PM10_24h", "SO2_24h", "NO2_24h", "CO_24h", "O3_24h", "O3_8h", "O3_8h_24h"} {
			if counts[typ] == 0 {
				t.Errorf("no %s values", typ)
			}
		}
		for typ := range counts {
			if _, err := standard.ParsePollutant(typ); err == nil {
				t.Errorf("observation type %s reported as published", typ)
			}
		}
	})
}

func TestChinaSitesCRLF(t *testing.T) {
	// The Henan files are as published, with CR LF line endings.
	path := henanFiles(t)[0]
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	crlf := 0
	for i := 1; i < len(b); i++ {
		if b[i] == '\n' && b[i-1] == '\r' {
			crlf++
		}
	}
	if crlf == 0 {
		t.Fatalf("%s has no CR LF line endings; the test needs them", path)
	}
	res := readFile(t, path, Options{})
	if res.fatal != nil || len(res.errs) > 0 {
		t.Fatalf("fatal %v, row errors %q", res.fatal, errStrings(res.errs))
	}
	codes := map[string]bool{}
	for _, o := range res.obs {
		codes[o.Station] = true
	}
	for c := range codes {
		if len(c) != 5 {
			t.Errorf("station code %q: a CR leaked into the last column?", c)
		}
	}

}
