package ingest

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/lantian-aq/lantian/standard"
)

// checkReader runs a Reader to the end on arbitrary input and checks the
// invariants every caller relies on.
func checkReader(t *testing.T, in string, format Format) {
	opt := Options{File: "f.csv", Format: format, OnPublished: func(p PublishedValue) {
		if p.Value < 0 || p.Value == standard.Missing {
			t.Fatalf("published value %v", p)
		}
	}}
	rd, err := NewReader(strings.NewReader(in), opt)
	if err != nil {
		var le *LayoutError
		if !errors.As(err, &le) || !strings.HasPrefix(err.Error(), "f.csv") {
			t.Fatalf("NewReader error %T %v", err, err)
		}
		return
	}
	lines := strings.Count(in, "\n") + 1
	for i := 0; ; i++ {
		if i > 10*len(in)+10 {
			t.Fatal("reader does not terminate")
		}
		o, err := rd.Next()
		if err == io.EOF {
			break
		}
		var re *RowError
		if errors.As(err, &re) {
			if re.Line < 1 || re.Line > lines || !strings.HasPrefix(re.Error(), "f.csv line ") || re.Want == "" {
				t.Fatalf("bad row error %+v", re)
			}
			continue
		}
		if err != nil {
			var le *LayoutError
			if !errors.As(err, &le) {
				t.Fatalf("error %T %v", err, err)
			}
			break
		}
		if o.Station == "" || o.Time.Unix()%3600 != 0 || o.Time.Location() != standard.Beijing {
			t.Fatalf("bad observation %v", o)
		}
		n := 0
		for p, v := range o.Values {
			if v == standard.Missing {
				continue
			}
			n++
			if v < 0 || v > DefaultLimits[p] {
				t.Fatalf("implausible value passed: %v", o)
			}
		}
		if n == 0 {
			t.Fatalf("observation without values: %v", o)
		}
	}
}

func FuzzChinaSites(f *testing.F) {
	f.Add("date,hour,type,2403A,2404A\n20190101,0,AQI,180,172\n20190101,0,PM2.5,136,130\n20190101,0,CO,1.4,\n20190101,1,PM2.5,1,2\n")
	f.Add("date,hour,type,A\r\n20190101,0,PM10,5\r\n20190101,0,PM10,6\r\n")
	f.Fuzz(func(t *testing.T, in string) { checkReader(t, in, ChinaSites) })
}

func FuzzWide(f *testing.F) {
	f.Add("station,time,pm25,pm10,so2,no2,co,o3\nA,2019-01-01T01:00:00+08:00,1,2,3,4,0.5,6\nA,2019-01-01 01:00,1,2,3,4,0.5,6\n")
	f.Add("time,station,co,co_flag\n2019-01-01 01:00,A,1,M\n")
	f.Fuzz(func(t *testing.T, in string) { checkReader(t, in, Wide) })
}

func FuzzLong(f *testing.F) {
	f.Add("station,time,pollutant,value,unit,flag\nA,2019-01-01T01:00+08:00,co,800,ug/m3,N\nA,2019-01-01T01:00+08:00,pm25,1,mg/m3,\n")
	f.Fuzz(func(t *testing.T, in string) { checkReader(t, in, Long) })
}

// FuzzDetect lets the reader pick the layout itself.
func FuzzDetect(f *testing.F) {
	f.Add("date,hour,type,A\n20190101,0,PM10,5\n")
	f.Add("station,time,pm25\nA,2019-01-01 01:00,3\n")
	f.Add("station,time,pollutant,value\nA,2019-01-01 01:00,so2,3\n")
	f.Fuzz(func(t *testing.T, in string) { checkReader(t, in, "") })
}

func FuzzStations(f *testing.F) {
	f.Add("监测点编码,监测点名称,城市,经度,纬度,对照点\n1821A,环保局(停运171207),安阳,114.3931,36.0883,Y\n")
	f.Add("code,name,kind,area,lon,lat,evaluation,mn,active_from,active_to\nA,a,national,1,1,1,true,,2019-01-01,\n")
	f.Add("code,name,level,parent\n1,a,city,\n")
	f.Fuzz(func(t *testing.T, in string) {
		list, errs, err := ReadStations(strings.NewReader(in), Options{File: "s.csv"})
		if err != nil {
			var le *LayoutError
			if !errors.As(err, &le) {
				t.Fatalf("error %T %v", err, err)
			}
			return
		}
		for _, e := range errs {
			if !strings.HasPrefix(e.Error(), "s.csv line ") {
				t.Fatalf("bad row error %v", e)
			}
		}
		seen := map[string]bool{}
		for _, s := range list.Stations {
			if s.Code == "" || seen[s.Code] || !s.Kind.Valid() {
				t.Fatalf("bad station %+v", s)
			}
			seen[s.Code] = true
		}
	})
}
