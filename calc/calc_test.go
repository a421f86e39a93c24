package calc

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/standard"
)

func obs(st string, t time.Time, p standard.Pollutant, v standard.Conc, f lantian.Flag) lantian.Observation {
	o := lantian.Observation{Station: st, Time: t}
	for i := range o.Values {
		o.Values[i] = standard.Missing
	}
	o.Values[p], o.Flags[p] = v, f
	return o
}

func TestCollector(t *testing.T) {
	bj := func(m time.Month, d, h int) time.Time { return time.Date(2019, m, d, h, 0, 0, 0, standard.Beijing) }
	c := NewCollector()
	in := []lantian.Observation{
		obs("B", bj(1, 10, 5), standard.PM25, 50000, 0),
		obs("A", bj(1, 10, 0), standard.SO2, 7000, 0),                      // last hour of 01-09
		obs("A", bj(1, 2, 1), standard.SO2, 3000, 0),                       // earlier: grows at the front
		obs("A", bj(3, 1, 1), standard.SO2, 4000, 0),                       // later: grows at the back
		obs("A", bj(1, 2, 1), standard.NO2, 9000, lantian.FlagMaintenance), // flagged M: left out
		obs("A", bj(1, 2, 1), standard.CO, standard.Missing, 0),            // Missing never overwrites
	}
	for i := range in {
		c.Add(&in[i])
	}
	if c.Dropped != 1 {
		t.Errorf("dropped %d values, want 1", c.Dropped)
	}
	ss := c.Series()
	if len(ss) != 2 || ss[0].Station != "A" || ss[1].Station != "B" {
		t.Fatalf("series %v", ss)
	}
	a, b := ss[0], ss[1]
	if !a.First.Equal(time.Date(2019, 1, 2, 0, 0, 0, 0, standard.Beijing)) || a.Days != b.Days || !a.First.Equal(b.First) {
		t.Errorf("A starts %v with %d days, B %v with %d: want both from 2019-01-02 over the same days", a.First, a.Days, b.First, b.Days)
	}
	checks := []struct {
		s    *standard.Series
		t    time.Time
		p    standard.Pollutant
		want standard.Conc
	}{
		{a, bj(1, 2, 1), standard.SO2, 3000},
		{a, bj(1, 10, 0), standard.SO2, 7000},
		{a, bj(3, 1, 1), standard.SO2, 4000},
		{a, bj(1, 2, 1), standard.NO2, standard.Missing},
		{a, bj(1, 2, 2), standard.SO2, standard.Missing},
		{b, bj(1, 10, 5), standard.PM25, 50000},
	}
	for _, ck := range checks {
		if got := ck.s.At(ck.t, ck.p); got != ck.want {
			t.Errorf("%s %s %v = %v, want %v", ck.s.Station, ck.p, ck.t, got, ck.want)
		}
	}
	if n := len(Daily(nil, a)); n != 3 {
		t.Errorf("A has %d days with data, want 3 (01-02, 01-09, 03-01)", n)
	}
}

func TestTableWriter(t *testing.T) {
	rows := [][]Cell{
		{Str("a,b"), Num("1.5"), Empty, List("PM10", "PM2.5"), Bool(true), Str(`say "x"`)},
		{Str("南阳"), Int(3), Num(""), List(), Bool(false), Str(" padded")},
	}
	cols := []string{"s", "n", "e", "l", "b", "q"}
	var csvOut, jsonOut bytes.Buffer
	for _, tc := range []struct {
		f   Format
		out *bytes.Buffer
	}{{CSV, &csvOut}, {JSON, &jsonOut}} {
		tw := NewTableWriter(tc.out, tc.f, cols)
		for _, r := range rows {
			if err := tw.Row(r); err != nil {
				t.Fatal(err)
			}
		}
		if err := tw.Close(); err != nil {
			t.Fatal(err)
		}
	}
	wantCSV := "s,n,e,l,b,q\n\"a,b\",1.5,,PM10;PM2.5,true,\"say \"\"x\"\"\"\n南阳,3,,,false,\" padded\"\n"
	if csvOut.String() != wantCSV {
		t.Errorf("CSV:\n%s\nwant:\n%s", csvOut.String(), wantCSV)
	}
	var got []map[string]any
	if err := json.Unmarshal(jsonOut.Bytes(), &got); err != nil {
		t.Fatalf("JSON does not parse: %v\n%s", err, jsonOut.String())
	}
	want := []map[string]any{
		{"s": "a,b", "n": 1.5, "e": nil, "l": []any{"PM10", "PM2.5"}, "b": true, "q": `say "x"`},
		{"s": "南阳", "n": 3.0, "e": nil, "l": nil, "b": false, "q": " padded"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("JSON %v, want %v", got, want)
	}
	if err := NewTableWriter(&bytes.Buffer{}, CSV, cols).Row(rows[0][:2]); err == nil {
		t.Error("short row accepted")
	}
}

func TestGroups(t *testing.T) {
	areas := []lantian.Area{
		{Code: "410000", Name: "河南省", Level: lantian.LevelProvince},
		{Code: "411300", Name: "南阳市", Level: lantian.LevelCity, Parent: "410000"},
		{Code: "411302", Name: "宛城区", Level: lantian.LevelCounty, Parent: "411300"},
		{Code: "411324", Name: "镇平县", Level: lantian.LevelCounty, Parent: "411300"},
	}
	stations := []lantian.Station{
		{Code: "2403A", Kind: lantian.KindNational, Area: "411302", Evaluation: true},
		{Code: "2404A", Kind: lantian.KindNational, Area: "411300", Evaluation: true},
		{Code: "K1", Kind: lantian.KindCounty, Area: "411324", Evaluation: true},
		{Code: "K2", Kind: lantian.KindCounty, Area: "411324", Evaluation: true},
		{Code: "BG", Kind: lantian.KindBackground, Area: "411300"},
	}
	got := Groups(stations, areas)
	want := []Group{
		{Code: "411300", Name: "南阳市", Level: lantian.LevelCity, Stations: []string{"2403A", "2404A"}},
		{Code: "411302", Name: "宛城区", Level: lantian.LevelCounty, Stations: []string{"2403A"}},
		{Code: "411324", Name: "镇平县", Level: lantian.LevelCounty, Stations: []string{"K1", "K2"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Groups = %+v\nwant %+v", got, want)
	}
}

func TestRulesFor(t *testing.T) {
	d2019 := time.Date(2019, 6, 1, 0, 0, 0, 0, standard.Beijing)
	d2027 := time.Date(2027, 6, 1, 0, 0, 0, 0, standard.Beijing)
	d2032 := time.Date(2032, 6, 1, 0, 0, 0, 0, standard.Beijing)
	cases := []struct {
		name string
		want [3]standard.Edition
	}{
		{"auto", [3]standard.Edition{standard.Edition2012, standard.Edition2026, standard.Edition2031}},
		{"2012", [3]standard.Edition{standard.Edition2012, standard.Edition2012, standard.Edition2012}},
		{"2026", [3]standard.Edition{standard.Edition2026, standard.Edition2026, standard.Edition2026}},
		{"2031", [3]standard.Edition{standard.Edition2031, standard.Edition2031, standard.Edition2031}},
	}
	for _, tc := range cases {
		r, err := RulesFor(tc.name)
		if err != nil {
			t.Fatal(err)
		}
		got := [3]standard.Edition{r.EditionFor(d2019), r.EditionFor(d2027), r.EditionFor(d2032)}
		if got != tc.want {
			t.Errorf("%s: editions %v, want %v", tc.name, got, tc.want)
		}
	}
	if _, err := RulesFor("2020"); err == nil {
		t.Error("edition 2020 accepted")
	}
}

func TestFormatConc(t *testing.T) {
	for _, tc := range []struct {
		v   int64
		dec int
	}{{0, 0}, {35000, 0}, {1200, 1}, {1000, 1}, {75, 3}, {-1500, 1}, {123456789, 2}, {999, 0},
		// the edges of the precomputed texts (0…999, 0.0…99.9)
		{999999, 0}, {1000000, 0}, {-1000, 0}, {99999, 1}, {100000, 1}, {99950, 1}, {-100, 1}, {5, 1}} {
		if got, want := formatConc(tc.v, tc.dec), standard.FormatScaled(tc.v, 3, tc.dec); got != want {
			t.Errorf("formatConc(%d, %d) = %q, standard.FormatScaled = %q", tc.v, tc.dec, got, want)
		}
	}
	for _, v := range []int{0, 7, 999, 1000, 1234, -1, -1000} {
		if got := Int(v).Text; got != strconv.Itoa(v) {
			t.Errorf("Int(%d) = %q", v, got)
		}
	}
	for s := range standard.PollutantSet(1 << standard.NumPollutants) {
		if got, want := primaryCell(s).Text, s.Join(";"); got != want {
			t.Errorf("primary %v = %q, want %q", s, got, want)
		}
	}
	for _, d := range []time.Time{time.Date(2019, 1, 1, 0, 0, 0, 0, standard.Beijing), time.Date(2031, 12, 31, 0, 0, 0, 0, standard.Beijing),
		time.Date(999, 2, 3, 0, 0, 0, 0, standard.Beijing), time.Date(12345, 2, 3, 0, 0, 0, 0, standard.Beijing)} {
		if got, want := dateText(d), d.Format("2006-01-02"); got != want {
			t.Errorf("dateText(%v) = %q, want %q", d, got, want)
		}
	}
	// The cache of a table's dates, met in any order and again.
	var dates dateTexts
	first := time.Date(2019, 3, 1, 0, 0, 0, 0, standard.Beijing)
	for _, k := range []int{0, 1, 40, 1, -3, 0, 400, 100000, -100000, 40} {
		d := first.AddDate(0, 0, k)
		if got, want := dates.text(d), d.Format("2006-01-02"); got != want {
			t.Errorf("dateTexts.text(%v) = %q, want %q", d, got, want)
		}
	}
}
