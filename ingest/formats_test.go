package ingest

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/standard"
)

func vals(so2, no2, co, o3, pm10, pm25 string) [standard.NumPollutants]standard.Conc {
	var v [standard.NumPollutants]standard.Conc
	for i, s := range []string{so2, no2, co, o3, pm10, pm25} {
		c, err := standard.ParseConc(s)
		if err != nil {
			panic(err)
		}
		v[i] = c
	}
	return v
}

func bjHour(y int, m time.Month, d, h int) time.Time {
	return time.Date(y, m, d, h, 0, 0, 0, standard.Beijing)
}

func TestWide(t *testing.T) {
	cases := []struct {
		name    string
		in      string
		want    []lantian.Observation
		ignored []string
	}{
		{
			name: "canonical",
			in:   "station,time,pm25,pm10,so2,no2,co,o3\n2403A,2019-01-01T01:00:00+08:00,136,,10,48,1.4,16\n",
			want: []lantian.Observation{{Station: "2403A", Time: bjHour(2019, 1, 1, 1), Values: vals("10", "48", "1.4", "16", "", "136")}},
		},
		{
			name:    "any column order, Beijing wall clock, extra column ignored",
			in:      "o3,city,CO,time,PM2.5,station\n16,南阳,1.4,2019-01-02 00:00,136,2403A\n",
			want:    []lantian.Observation{{Station: "2403A", Time: bjHour(2019, 1, 2, 0), Values: vals("", "", "1.4", "16", "", "136")}},
			ignored: []string{"city"},
		},
		{
			name: "flags",
			in:   "station,time,pm25,pm25_flag\n2403A,2019-01-01T01:00Z,136,M\n",
			want: []lantian.Observation{{Station: "2403A", Time: bjHour(2019, 1, 1, 9), Values: vals("", "", "", "", "", "136"),
				Flags: [standard.NumPollutants]lantian.Flag{standard.PM25: lantian.FlagMaintenance}}},
		},
		{
			name: "exact repeat kept once, empty row dropped",
			in:   "station,time,pm25\nA,2019-01-01 01:00,5\nA,2019-01-01 01:00,5\nB,2019-01-01 01:00,\n",
			want: []lantian.Observation{{Station: "A", Time: bjHour(2019, 1, 1, 1), Values: vals("", "", "", "", "", "5")}},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := readString(t, tc.in, Options{File: "w.csv"})
			if res.fatal != nil || len(res.errs) > 0 {
				t.Fatalf("fatal %v, row errors %q", res.fatal, errStrings(res.errs))
			}
			if res.rd.Format() != Wide {
				t.Errorf("detected %s", res.rd.Format())
			}
			checkObs(t, res.obs, tc.want)
			if strings.Join(res.rd.IgnoredColumns(), ",") != strings.Join(tc.ignored, ",") {
				t.Errorf("ignored %q, want %q", res.rd.IgnoredColumns(), tc.ignored)
			}
		})
	}
}

func checkObs(t *testing.T, got, want []lantian.Observation) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%d observations %v, want %d %v", len(got), got, len(want), want)
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Station != w.Station || !g.Time.Equal(w.Time) || g.Values != w.Values || g.Flags != w.Flags {
			t.Errorf("observation %d = %v, want %v", i, g, w)
		}
		if g.Time.Location() != standard.Beijing {
			t.Errorf("observation %d in %v, want Beijing time", i, g.Time.Location())
		}
	}
}

func TestLong(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want []lantian.Observation
	}{
		{
			name: "rows of a station-hour merge",
			in: "station,time,pollutant,value,unit,flag\n" +
				"2403A,2019-01-01T01:00+08:00,PM2.5,136,µg/m³,\n" +
				"2403A,2019-01-01T01:00+08:00,co,1.4,mg/m3,N\n" +
				"2403A,2019-01-01T01:00+08:00,so2,10,ug/m3,D\n" +
				"2403A,2019-01-01T02:00+08:00,o3,20,,\n",
			want: []lantian.Observation{
				{Station: "2403A", Time: bjHour(2019, 1, 1, 1), Values: vals("10", "", "1.4", "", "", "136"),
					Flags: [standard.NumPollutants]lantian.Flag{standard.SO2: lantian.FlagFault}},
				{Station: "2403A", Time: bjHour(2019, 1, 1, 2), Values: vals("", "", "", "20", "", "")},
			},
		},
		{
			name: "CO in whole µg/m³ converts exactly, PM in mg/m³ too",
			in:   "station,time,pollutant,value,unit\nA,2019-01-01 01:00,CO,1250,ug/m3\nA,2019-01-01 01:00,pm10,0.075,mg/m3\n",
			want: []lantian.Observation{{Station: "A", Time: bjHour(2019, 1, 1, 1), Values: vals("", "", "1.25", "", "75", "")}},
		},
		{
			name: "interleaved stations",
			in:   "station,time,pollutant,value\nA,2019-01-01 01:00,so2,1\nB,2019-01-01 01:00,so2,2\nA,2019-01-01 01:00,no2,3\n",
			want: []lantian.Observation{
				{Station: "A", Time: bjHour(2019, 1, 1, 1), Values: vals("1", "3", "", "", "", "")},
				{Station: "B", Time: bjHour(2019, 1, 1, 1), Values: vals("2", "", "", "", "", "")},
			},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res := readString(t, tc.in, Options{File: "l.csv"})
			if res.fatal != nil || len(res.errs) > 0 {
				t.Fatalf("fatal %v, row errors %q", res.fatal, errStrings(res.errs))
			}
			if res.rd.Format() != Long {
				t.Errorf("detected %s", res.rd.Format())
			}
			checkObs(t, res.obs, tc.want)
		})
	}
}

// TestLongWindow checks that a station-hour split far apart in the file
// arrives in parts that together hold every value, never a value twice.
func TestLongWindow(t *testing.T) {
	var b strings.Builder
	b.WriteString("station,time,pollutant,value\n")
	start := bjHour(2019, 1, 1, 1)
	n := 3 * longWindow
	for _, p := range []string{"so2", "no2"} {
		for i := 0; i < n; i++ {
			b.WriteString("S," + start.Add(time.Duration(i)*time.Hour).Format(time.RFC3339) + "," + p + ",7\n")
		}
	}
	res := readString(t, b.String(), Options{})
	if res.fatal != nil || len(res.errs) > 0 {
		t.Fatalf("fatal %v, row errors %q", res.fatal, errStrings(res.errs))
	}
	count := map[int64][standard.NumPollutants]int{}
	for _, o := range res.obs {
		c := count[o.Time.Unix()]
		for p, v := range o.Values {
			if v != standard.Missing {
				c[p]++
			}
		}
		count[o.Time.Unix()] = c
	}
	if len(count) != n {
		t.Fatalf("%d station-hours, want %d", len(count), n)
	}
	for k, c := range count {
		if c[standard.SO2] != 1 || c[standard.NO2] != 1 {
			t.Fatalf("hour %d: value counts %v, want one SO2 and one NO2", k, c)
		}
	}
}

func TestCNEMCStationList(t *testing.T) {
	f, err := os.Open("../testdata/henan_stations.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	list, errs, err := ReadStations(f, Options{File: "henan_stations.csv"})
	if err != nil || len(errs) > 0 {
		t.Fatalf("fatal %v, row errors %q", err, errStrings(errs))
	}
	if len(list.Stations) != 114 {
		t.Errorf("%d stations, want the 114 rows of the file", len(list.Stations))
	}
	by := map[string]lantian.Station{}
	for _, s := range list.Stations {
		by[s.Code] = s
	}
	cases := []struct {
		code, name, area string
		kind             lantian.StationKind
		eval             bool
		activeTo         string
	}{
		{"1316A", "烟厂", "410100", lantian.KindNational, true, ""},
		{"1324A", "岗李水库", "410100", lantian.KindBackground, false, ""},
		{"1821A", "环保局", "410500", lantian.KindBackground, false, "2017-12-07"},
		{"1825A", "妇幼保健院", "410200", lantian.KindBackground, false, "2019-03-22"},
		{"2403A", "", "411300", lantian.KindNational, true, ""},
	}
	for _, tc := range cases {
		s, ok := by[tc.code]
		if !ok {
			t.Errorf("%s missing", tc.code)
			continue
		}
		if tc.name != "" && s.Name != tc.name {
			t.Errorf("%s name %q, want %q", tc.code, s.Name, tc.name)
		}
		if s.Area != tc.area || s.Kind != tc.kind || s.Evaluation != tc.eval {
			t.Errorf("%s = area %s kind %s evaluation %v, want %s %s %v", tc.code, s.Area, s.Kind, s.Evaluation, tc.area, tc.kind, tc.eval)
		}
		got := ""
		if !s.ActiveTo.IsZero() {
			got = s.ActiveTo.Format("2006-01-02")
		}
		if got != tc.activeTo {
			t.Errorf("%s active to %q, want %q", tc.code, got, tc.activeTo)
		}
	}
	areas := map[string]lantian.Area{}
	for _, a := range list.Areas {
		areas[a.Code] = a
	}
	if a := areas["411300"]; a.Name != "南阳市" || a.Level != lantian.LevelCity || a.Parent != "410000" {
		t.Errorf("Nanyang area = %+v", a)
	}
	if a := areas["410000"]; a.Level != lantian.LevelProvince {
		t.Errorf("province area = %+v", a)
	}
	if ev := list.AreaOf()["2405A"]; ev != "411300" {
		t.Errorf("2405A maps to %q", ev)
	}
}

func TestLantianStationAndAreaLayouts(t *testing.T) {
	st := "code,name,kind,area,lon,lat,evaluation,mn,active_from,active_to\n" +
		"2403A,环保局,national,411302,112.54,33.01,true,MN001,2013-01-01,\n" +
		"T001,镇平微站,micro,411324,,,false,,,2025-06-30\n"
	list, errs, err := ReadStations(strings.NewReader(st), Options{File: "s.csv"})
	if err != nil || len(errs) > 0 {
		t.Fatalf("fatal %v, row errors %q", err, errStrings(errs))
	}
	want := []lantian.Station{
		{Code: "2403A", Name: "环保局", Kind: lantian.KindNational, Area: "411302", Lon: 112.54, Lat: 33.01, Evaluation: true, MN: "MN001",
			ActiveFrom: time.Date(2013, 1, 1, 0, 0, 0, 0, standard.Beijing)},
		{Code: "T001", Name: "镇平微站", Kind: lantian.KindMicro, Area: "411324", ActiveTo: time.Date(2025, 6, 30, 0, 0, 0, 0, standard.Beijing)},
	}
	if len(list.Stations) != len(want) {
		t.Fatalf("stations %+v", list.Stations)
	}
	for i := range want {
		g, w := list.Stations[i], want[i]
		if g.Code != w.Code || g.Name != w.Name || g.Kind != w.Kind || g.Area != w.Area || g.Lon != w.Lon || g.Lat != w.Lat ||
			g.Evaluation != w.Evaluation || g.MN != w.MN || !g.ActiveFrom.Equal(w.ActiveFrom) || !g.ActiveTo.Equal(w.ActiveTo) {
			t.Errorf("station %d = %+v, want %+v", i, g, w)
		}
	}
	ar := "code,name,level,parent\n411300,南阳市,city,410000\n411302,宛城区,county,411300\nGX,高新区,county,411300\n"
	list, errs, err = ReadStations(strings.NewReader(ar), Options{File: "a.csv"})
	if err != nil || len(errs) > 0 {
		t.Fatalf("fatal %v, row errors %q", err, errStrings(errs))
	}
	if len(list.Areas) != 3 || list.Areas[2] != (lantian.Area{Code: "GX", Name: "高新区", Level: lantian.LevelCounty, Parent: "411300"}) {
		t.Errorf("areas %+v", list.Areas)
	}
}

func TestDetect(t *testing.T) {
	cases := []struct {
		header string
		want   Format
	}{
		{"date,hour,type,2403A", ChinaSites},
		{"\ufeffdate,hour,type,2403A", ChinaSites},
		{"station,time,pm25,pm10,so2,no2,co,o3", Wide},
		{"time,station,PM2.5", Wide},
		{"station,time,pollutant,value", Long},
		{"station,time,pollutant,value,unit,flag", Long},
		{"监测点编码,监测点名称,城市,经度,纬度,对照点", CNEMCStations},
		{"code,name,kind,area,lon,lat,evaluation,mn,active_from,active_to", Stations},
		{"code,name,level,parent", Areas},
		{"station,time", ""},
		{"a,b,c", ""},
	}
	for _, tc := range cases {
		t.Run(tc.header, func(t *testing.T) {
			got, err := Detect(strings.Split(tc.header, ","))
			if got != tc.want || (tc.want == "") != (err != nil) {
				t.Errorf("Detect = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
