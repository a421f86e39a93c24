package web

import (
	"context"
	"math"
	"strconv"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/standard"
)

// Detail is the station or area detail page's data for one year.
type Detail struct {
	Kind      string           `json:"kind"` // station or area
	Code      string           `json:"code"`
	Name      string           `json:"name"`
	Year      int              `json:"year"`
	Synthetic bool             `json:"synthetic"`
	Station   *lantian.Station `json:"station,omitempty"`
	Area      *lantian.Area    `json:"area,omitempty"`
	// Stations are the evaluation stations an area's values are made from.
	Stations []*lantian.Station `json:"stations,omitempty"`
	Edition  string             `json:"edition"`
	// ValidHours counts the valid hourly values beneath the daily
	// statistics (PM2.5), ValidDays the days with a valid daily AQI.
	ValidHours int `json:"valid_hours"`
	ValidDays  int `json:"valid_days"`
	// Daily holds the daily statistics in date order.
	Daily []DailyRow `json:"daily"`
	// Assessment holds the annual assessment items.
	Assessment []ItemView `json:"assessment"`
	Compliant  bool       `json:"grade2_compliant"`
	Composite  string     `json:"composite_index"`
	GoodRatio  string     `json:"good_days_ratio"`
	// Diurnal[p][h] is the mean 1-hour value of pollutant p for hours
	// ending at h:00 (h = 1…24 at index h−1); Weekly[p][d] for Monday…Sunday.
	Diurnal map[string][]*float64 `json:"diurnal"`
	Weekly  map[string][]*float64 `json:"weekly"`
	// Hours counts the station-hours the profiles are made from.
	Hours int `json:"profile_hours"`
}

// DailyRow is one day of daily statistics with its validity.
type DailyRow struct {
	Date     string          `json:"date"`
	AQI      int             `json:"aqi"`
	Level    int             `json:"level"`
	Category string          `json:"category"`
	Colour   string          `json:"colour"`
	Primary  []string        `json:"primary"`
	Values   map[string]Conc `json:"values"` // daily means; o3 = MDA8
	Valid    map[string]bool `json:"valid"`
	Hours    int             `json:"hours"` // valid PM2.5 hours
	Stations int             `json:"stations"`
	Edition  string          `json:"edition"`
	Dust     bool            `json:"dust"`
}

func (s *Server) detail(ctx context.Context, kind, code string, y int) (*Detail, error) {
	return cached(s, "detail|"+kind+"|"+code+"|"+strconv.Itoa(y), func() (*Detail, error) {
		d := &Detail{Kind: kind, Code: code, Year: y, Daily: []DailyRow{}}
		subj := lantian.Subject{Kind: lantian.SubjectStation, Code: code}
		of := lantian.ObservationFilter{From: yearStart(y).Add(time.Hour), To: yearStart(y + 1).Add(time.Hour)}
		if kind == "station" {
			st, err := s.store.Station(ctx, code)
			if err != nil {
				return nil, err
			}
			d.Station, d.Name, d.Synthetic = st, st.Name, st.Synthetic
			of.Stations = []string{code}
		} else {
			a, err := s.store.Area(ctx, code)
			if err != nil {
				return nil, err
			}
			d.Area, d.Name = a, a.Name
			subj = lantian.Subject{Kind: lantian.SubjectArea, Code: code}
			ev := true
			sts, err := s.store.Stations(ctx, lantian.StationFilter{Area: code, Evaluation: &ev, Synthetic: true})
			if err != nil {
				return nil, err
			}
			d.Stations = sts
			for _, st := range sts {
				d.Synthetic = d.Synthetic || st.Synthetic
				of.Stations = append(of.Stations, st.Code)
			}
		}
		f := lantian.StatFilter{Subject: subj, From: yearStart(y), To: yearStart(y+1).AddDate(0, 0, -1)}
		days, err := s.store.DailyStats(ctx, f)
		if err != nil {
			return nil, err
		}
		for _, ds := range days {
			row := DailyRow{Date: beijingDay(ds.Date), AQI: ds.AQI, Edition: ds.Edition, Dust: ds.Dust, Stations: ds.Stations,
				Values: map[string]Conc{}, Valid: map[string]bool{}, Primary: []string{}, Hours: ds.Means[standard.PM25].Coverage.Valid}
			if ds.AQI > 0 {
				l := standard.LevelOf(ds.AQI)
				row.Level, row.Category, row.Colour = int(l), l.Category(), l.Hex()
				d.ValidDays++
			}
			for _, p := range ds.Primary {
				row.Primary = append(row.Primary, p.String())
			}
			for _, p := range standard.Pollutants {
				row.Values[p.Code()] = Conc(ds.Means[p].Value)
				row.Valid[p.Code()] = ds.Means[p].Coverage.OK
			}
			d.ValidHours += row.Hours
			d.Edition = ds.Edition
			d.Daily = append(d.Daily, row)
		}
		ps, err := s.store.PeriodStats(ctx, f, lantian.PeriodWhole)
		if err != nil {
			return nil, err
		}
		d.Assessment = []ItemView{}
		d.Composite, d.GoodRatio = "—", "—"
		if len(ps) > 0 {
			d.Assessment = s.periodItems(ps[0])
			d.Compliant = ps[0].Compliant[standard.NumPollutants]
			d.Composite = formatHundredths(ps[0].CompositeIndex)
			d.GoodRatio = ratioPercent(ps[0].GoodDays, ps[0].ValidDays)
			d.Edition = ps[0].Edition
		}
		if len(of.Stations) > 0 {
			obs, err := s.store.Observations(ctx, of)
			if err != nil {
				return nil, err
			}
			d.Diurnal, d.Weekly, d.Hours = profiles(obs)
		}
		return d, nil
	})
}

// profiles averages 1-hour values by hour of day and by weekday (of the
// day the hour belongs to). These are descriptive chart means, not
// statistics of the standard.
func profiles(obs []*lantian.HourRecord) (diurnal, weekly map[string][]*float64, hours int) {
	var dsum, wsum [standard.NumPollutants][24]float64
	var dn, wn [standard.NumPollutants][24]int
	for _, h := range obs {
		hod := standard.HourOfDay(h.Time) - 1
		wd := (int(standard.DayOfHour(h.Time).Weekday()) + 6) % 7 // Monday = 0
		any := false
		for p, c := range h.Values {
			if c == standard.Missing || !h.Flags[p].Usable() {
				continue
			}
			any = true
			f := c.Float()
			dsum[p][hod] += f
			dn[p][hod]++
			wsum[p][wd] += f
			wn[p][wd]++
		}
		if any {
			hours++
		}
	}
	diurnal, weekly = map[string][]*float64{}, map[string][]*float64{}
	for _, p := range standard.Pollutants {
		dd := make([]*float64, 24)
		ww := make([]*float64, 7)
		for i := range dd {
			if dn[p][i] > 0 {
				v := round3(dsum[p][i] / float64(dn[p][i]))
				dd[i] = &v
			}
		}
		for i := range ww {
			if wn[p][i] > 0 {
				v := round3(wsum[p][i] / float64(wn[p][i]))
				ww[i] = &v
			}
		}
		diurnal[p.Code()], weekly[p.Code()] = dd, ww
	}
	return diurnal, weekly, hours
}

func round3(f float64) float64 { return math.Round(f*1000) / 1000 }
