package web

import (
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"testing"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/calc"
	"github.com/lantian-aq/lantian/ingest"
	"github.com/lantian-aq/lantian/standard"
)

// calcPeriod runs what `lantian calc period` runs on the Nanyang 2019 file
// and the Henan station list, for the days from … to, and returns the row
// of 411300 laid out as calc.PeriodColumns.
func calcPeriod(t *testing.T, from, to time.Time) map[string]string {
	t.Helper()
	sf, err := lantian.DemoFS.Open("testdata/henan_stations.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer sf.Close()
	list, _, err := ingest.ReadStations(sf, ingest.Options{File: "henan_stations.csv"})
	if err != nil {
		t.Fatal(err)
	}
	f, err := lantian.DemoFS.Open("testdata/cnemc/nanyang_2019_china_sites.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rd, err := ingest.NewReader(f, ingest.Options{File: "nanyang_2019_china_sites.csv"})
	if err != nil {
		t.Fatal(err)
	}
	col := calc.NewCollector()
	for {
		o, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		var re *ingest.RowError
		if errors.As(err, &re) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		col.Add(&o)
	}
	rules := standard.DefaultRules()
	rows := calc.Period(&rules, calc.PeriodInput{From: from, To: to, Series: col.Series(),
		Groups: calc.Groups(list.Stations, list.Areas)}, 2)
	for _, r := range rows {
		if r.Code == "411300" && r.Level != "station" {
			if r.Err != nil {
				t.Fatal(r.Err)
			}
			cells := r.Cells(nil)
			out := map[string]string{}
			for i, c := range calc.PeriodColumns {
				out[c] = cells[i].Text
			}
			return out
		}
	}
	t.Fatal("calc period has no row for 411300")
	return nil
}

// TestOverviewEqualsCalcPeriod checks that the numbers of the 总览 card of
// Nanyang (411300), read from the store the demo data were imported into,
// equal those of `lantian calc period` computed directly from the source
// file: valid, good and heavy days, the ratios, every assessment item
// (invalid ones too, with their validity), compliance and the composite
// index.
func TestOverviewEqualsCalcPeriod(t *testing.T) {
	for _, asOf := range []string{"2019-12-31", "2019-06-30", "2019-03-31"} {
		t.Run(asOf, func(t *testing.T) {
			to, _ := time.ParseInLocation("2006-01-02", asOf, standard.Beijing)
			want := calcPeriod(t, yearStart(2019), to)
			_, b := get(t, "/api/v1/overview?year=2019&as_of="+asOf)
			var ov Overview
			if err := json.Unmarshal(b, &ov); err != nil {
				t.Fatal(err)
			}
			c := ov.Cards[0]
			if c.Area.Code != "411300" || !c.HasData {
				t.Fatalf("first card %s has data %v", c.Area.Code, c.HasData)
			}
			check := func(what, got, want string) {
				t.Helper()
				if got != want {
					t.Errorf("%s: overview %q, calc period %q", what, got, want)
				}
			}
			check("valid days", strconv.Itoa(c.ValidDays), want["aqi_days"])
			check("good days", strconv.Itoa(c.GoodDays), want["good_days"])
			check("heavy days", strconv.Itoa(c.HeavyDays), want["heavy_days"])
			check("good-days ratio", c.GoodRatio, want["good_ratio"])
			check("heavy-days ratio", c.HeavyRatio, want["heavy_ratio"])
			cols := map[string]string{"so2": "so2_mean", "no2": "no2_mean", "pm10": "pm10_mean", "pm25": "pm25_mean", "co": "co_p95", "o3": "o3_8h_p90"}
			valid := map[string]string{"so2": "so2_valid", "no2": "no2_valid", "pm10": "pm10_valid", "pm25": "pm25_valid", "co": "co_valid", "o3": "o3_8h_valid"}
			for _, it := range c.Items {
				check(it.Pollutant+" valid", strconv.FormatBool(it.Valid), want[valid[it.Pollutant]])
				// Invalid values are shown too, as calc period prints
				// them, and never judged.
				w := want[cols[it.Pollutant]]
				if w == "" {
					w = "—"
				}
				check(it.Name, it.Value.String(), w)
				if !it.Valid && (it.Compliant != nil || it.Multiple != nil) {
					t.Errorf("%s is not valid but was judged", it.Name)
				}
			}
			compliant := "false"
			if c.Compliant {
				compliant = "true"
			}
			if want["compliant"] != "" {
				check("grade-II compliance", compliant, want["compliant"])
			} else if c.Compliant {
				t.Errorf("overview says compliant, calc period could not assess compliance")
			}
			if asOf == "2019-12-31" {
				// With the year complete the projections are the actual
				// values, so they must agree with the card.
				if g := c.GoodProjection; g == nil || g.Method != "actual" || strconv.FormatFloat(g.Value, 'f', 1, 64) != c.GoodRatio {
					t.Errorf("good-days projection %+v disagrees with the year's ratio %s", g, c.GoodRatio)
				}
			}
			comp := want["composite"]
			if comp == "" {
				comp = "—"
			}
			check("composite index", c.Composite, comp)
		})
	}
}
