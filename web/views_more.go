package web

import (
	"context"
	"sort"
	"strconv"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/standard"
)

// StationAQI is the latest real-time AQI of a station or area.
type StationAQI struct {
	Code      string          `json:"code"`
	Name      string          `json:"name"`
	Area      string          `json:"area,omitempty"`
	AreaName  string          `json:"area_name,omitempty"`
	Kind      string          `json:"kind,omitempty"`
	Lon       float64         `json:"lon,omitempty"`
	Lat       float64         `json:"lat,omitempty"`
	Synthetic bool            `json:"synthetic"`
	Time      string          `json:"time,omitempty"` // hour end, ISO 8601 +08:00
	Stations  int             `json:"stations,omitempty"`
	AQI       *int            `json:"aqi"` // null when HJ 633 withholds it (NA)
	Level     int             `json:"level"`
	Category  string          `json:"category"`
	Colour    string          `json:"colour"`
	Primary   []string        `json:"primary"`
	Values    map[string]Conc `json:"values"` // 1-hour values: µg/m³, CO mg/m³
	Edition   string          `json:"edition,omitempty"`
}

// Realtime is the 实时 page's data.
type Realtime struct {
	Stations []StationAQI `json:"stations"`
	Areas    []StationAQI `json:"areas"`
}

func (s *Server) fillAQI(v *StationAQI, t time.Time, vals [standard.NumPollutants]standard.Conc) {
	a := standard.HourlyAQI(s.rules, t, vals)
	v.Time = t.In(standard.Beijing).Format(time.RFC3339)
	v.Edition = a.Standard
	v.Values = map[string]Conc{}
	for _, p := range standard.Pollutants {
		v.Values[p.Code()] = Conc(vals[p])
	}
	v.Primary = []string{}
	if a.Available {
		n := a.AQI
		v.AQI = &n
		v.Level = int(a.Level)
		v.Category, v.Colour = a.Category, a.Colour
		for _, p := range a.Primary.List() {
			v.Primary = append(v.Primary, p.String())
		}
	}
}

func (s *Server) realtime(ctx context.Context) (*Realtime, error) {
	return cached(s, "realtime", func() (*Realtime, error) {
		sts, err := s.store.Stations(ctx, lantian.StationFilter{Synthetic: true})
		if err != nil {
			return nil, err
		}
		byCode := map[string]*lantian.Station{}
		for _, st := range sts {
			byCode[st.Code] = st
		}
		latest, err := s.store.LatestHours(ctx, lantian.StationFilter{Synthetic: true})
		if err != nil {
			return nil, err
		}
		rt := &Realtime{Stations: []StationAQI{}, Areas: []StationAQI{}}
		// evaluation stations' latest hours by area
		areaLatest := map[string][]*lantian.HourRecord{}
		areaSyn := map[string]bool{}
		for _, h := range latest {
			st := byCode[h.Station]
			if st == nil {
				continue
			}
			v := StationAQI{Code: st.Code, Name: st.Name, Area: st.Area, Kind: string(st.Kind), Lon: st.Lon, Lat: st.Lat, Synthetic: st.Synthetic}
			s.fillAQI(&v, h.Time, h.Values)
			rt.Stations = append(rt.Stations, v)
			if st.Evaluation {
				areaLatest[st.Area] = append(areaLatest[st.Area], h)
				areaSyn[st.Area] = areaSyn[st.Area] || st.Synthetic
			}
		}
		sort.Slice(rt.Stations, func(i, j int) bool { return rt.Stations[i].Code < rt.Stations[j].Code })
		areas, err := s.store.Areas(ctx, lantian.AreaFilter{})
		if err != nil {
			return nil, err
		}
		names := map[string]string{}
		for _, ar := range areas {
			names[ar.Code] = ar.Name
		}
		for i := range rt.Stations {
			rt.Stations[i].AreaName = names[rt.Stations[i].Area]
		}
		for _, ar := range areas {
			if v, ok := s.areaRealtime(ar, areaLatest[ar.Code]); ok {
				v.Synthetic = areaSyn[ar.Code]
				rt.Areas = append(rt.Areas, v)
			}
		}
		return rt, nil
	})
}

// CalendarDay is one day of the AQI calendar.
type CalendarDay struct {
	Date     string   `json:"date"`
	AQI      int      `json:"aqi"` // 0 when not computable
	Level    int      `json:"level"`
	Category string   `json:"category"`
	Colour   string   `json:"colour"`
	Primary  []string `json:"primary"`
	PM25     Conc     `json:"pm25"`
	Edition  string   `json:"edition"`
}

// Calendar is an area's AQI calendar for a year.
type Calendar struct {
	Area lantian.Area  `json:"area"`
	Year int           `json:"year"`
	Days []CalendarDay `json:"days"`
	// Counts holds the number of days per level 1…6 (index 0: no AQI).
	Counts [7]int `json:"counts"`
}

func (s *Server) calendar(ctx context.Context, code string, y int) (*Calendar, error) {
	return cached(s, "calendar|"+code+"|"+strconv.Itoa(y), func() (*Calendar, error) {
		a, err := s.store.Area(ctx, code)
		if err != nil {
			return nil, err
		}
		days, err := s.store.DailyStats(ctx, lantian.StatFilter{Subject: lantian.Subject{Kind: lantian.SubjectArea, Code: code}, From: yearStart(y), To: yearStart(y+1).AddDate(0, 0, -1)})
		if err != nil {
			return nil, err
		}
		cal := &Calendar{Area: *a, Year: y, Days: []CalendarDay{}}
		for _, d := range days {
			cal.Days = append(cal.Days, calendarDay(d))
			cal.Counts[cal.Days[len(cal.Days)-1].Level]++
		}
		return cal, nil
	})
}

func calendarDay(d *lantian.DailyStat) CalendarDay {
	cd := CalendarDay{Date: beijingDay(d.Date), AQI: d.AQI, Edition: d.Edition, PM25: Conc(d.Means[standard.PM25].Value), Primary: []string{}}
	if d.AQI > 0 {
		l := standard.LevelOf(d.AQI)
		cd.Level, cd.Category, cd.Colour = int(l), l.Category(), l.Hex()
	}
	for _, p := range d.Primary {
		cd.Primary = append(cd.Primary, p.String())
	}
	return cd
}

// RankRow is one area in a ranking.
type RankRow struct {
	Area       lantian.Area `json:"area"`
	Composite  string       `json:"composite_index"` // ΣCi/Si, two decimals
	Rank       int          `json:"rank"`            // 1 = cleanest; equal indices share a rank
	Tied       bool         `json:"tied"`
	Previous   string       `json:"previous_composite_index"`
	ChangeRate string       `json:"change_rate"` // percent, one decimal; negative = improved
	ChangeRank int          `json:"change_rank"`
	ChangeTied bool         `json:"change_tied"`
	PM25       Conc         `json:"pm25"`
	GoodRatio  string       `json:"good_days_ratio"`
	Synthetic  bool         `json:"synthetic"`
	ci, prev   int64
	change     int64 // tenths of a percent
	hasChange  bool
}

// Ranking is the 排名 page's data.
type Ranking struct {
	Scope string    `json:"scope"` // area whose children are ranked
	Kind  string    `json:"kind"`  // month, ytd, year
	From  string    `json:"from"`
	To    string    `json:"to"`
	Rows  []RankRow `json:"rows"`
}

// rankPeriod returns the days a ranking covers.
func (s *Server) rankPeriod(kind string, y, m int, asOf time.Time) (from, to time.Time, err error) {
	switch kind {
	case "month":
		from = time.Date(y, time.Month(m), 1, 0, 0, 0, 0, standard.Beijing)
		return from, from.AddDate(0, 1, -1), nil
	case "ytd":
		return yearStart(y), asOf, nil
	case "year":
		return yearStart(y), yearStart(y+1).AddDate(0, 0, -1), nil
	}
	return from, to, badRequest("query parameter kind=%q: want month, ytd or year", kind)
}

func (s *Server) ranking(ctx context.Context, scope, kind string, from, to time.Time) (*Ranking, error) {
	key := "ranking|" + scope + "|" + kind + "|" + beijingDay(from) + "|" + beijingDay(to)
	return cached(s, key, func() (*Ranking, error) {
		areas, err := s.store.Areas(ctx, lantian.AreaFilter{Parent: scope})
		if err != nil {
			return nil, err
		}
		rk := &Ranking{Scope: scope, Kind: kind, From: beijingDay(from), To: beijingDay(to), Rows: []RankRow{}}
		for _, a := range areas {
			subj := lantian.Subject{Kind: lantian.SubjectArea, Code: a.Code}
			cur, err := s.store.PeriodStats(ctx, lantian.StatFilter{Subject: subj, From: from, To: to}, lantian.PeriodWhole)
			if err != nil {
				return nil, err
			}
			if len(cur) == 0 || cur[0].ValidDays == 0 {
				continue // no data at all: not listed
			}
			// An area whose composite index cannot be computed (an item
			// without enough valid days) is listed without a rank.
			row := RankRow{Area: *a, ci: cur[0].CompositeIndex, Composite: formatHundredths(cur[0].CompositeIndex),
				PM25: Conc(cur[0].DustDeductedMeans[standard.PM25].Value), GoodRatio: ratioPercent(cur[0].GoodDays, cur[0].ValidDays),
				Previous: "—", ChangeRate: "—"}
			sts, err := s.store.Stations(ctx, lantian.StationFilter{Area: a.Code, Synthetic: true})
			if err != nil {
				return nil, err
			}
			for _, st := range sts {
				row.Synthetic = row.Synthetic || st.Synthetic
			}
			prev, err := s.store.PeriodStats(ctx, lantian.StatFilter{Subject: subj, From: from.AddDate(-1, 0, 0), To: to.AddDate(-1, 0, 0)}, lantian.PeriodWhole)
			if err != nil {
				return nil, err
			}
			if row.ci > 0 && len(prev) > 0 && prev[0].CompositeIndex > 0 {
				row.prev = prev[0].CompositeIndex
				row.Previous = formatHundredths(row.prev)
				// change rate (I − I₀)/I₀ in percent of the published
				// indices, one decimal (standards.md §4.2)
				cr := standard.ChangeRate(hundredths(row.ci), hundredths(row.prev), 1, true)
				if cr.Valid() {
					row.change, row.hasChange, row.ChangeRate = cr.Scaled(), true, cr.String()
				}
			}
			rk.Rows = append(rk.Rows, row)
		}
		// Ranks with ties (并列) come from the standards engine: ascending
		// composite index, then ascending change rate (most improved first).
		ci := make([]int64, len(rk.Rows))
		ch := make([]int64, len(rk.Rows))
		hasCh := make([]bool, len(rk.Rows))
		for i, row := range rk.Rows {
			ci[i], ch[i], hasCh[i] = row.ci, row.change, row.hasChange
		}
		hasCI := make([]bool, len(rk.Rows))
		for i, row := range rk.Rows {
			hasCI[i] = row.ci > 0
		}
		order := standard.Rank(ci, hasCI)
		rows := make([]RankRow, 0, len(rk.Rows))
		for _, o := range order {
			row := rk.Rows[o.Index]
			row.Rank, row.Tied = o.Rank, o.Tied
			rows = append(rows, row)
		}
		for _, o := range standard.Rank(ch, hasCh) {
			code := rk.Rows[o.Index].Area.Code
			for i := range rows {
				if rows[i].Area.Code == code {
					rows[i].ChangeRank, rows[i].ChangeTied = o.Rank, o.Tied
				}
			}
		}
		rk.Rows = rows
		return rk, nil
	})
}

// hundredths is a composite index as the store publishes it (306 = 3.06).
func hundredths(v int64) standard.Decimal {
	return standard.Decimal{Exact: standard.Ratio{Num: v, Den: 100}, Decimals: 2}
}

// areaRealtime forms an area's value for the latest hour any of its
// evaluation stations reported, with the standards engine's area series
// (mean of the stations' valid values, HJ 663 点位平均, with the engine's
// minimum share of valid stations), and its real-time AQI.
func (s *Server) areaRealtime(ar *lantian.Area, latest []*lantian.HourRecord) (StationAQI, bool) {
	var last time.Time
	for _, h := range latest {
		if h.Time.After(last) {
			last = h.Time
		}
	}
	if last.IsZero() {
		return StationAQI{}, false
	}
	day := standard.DayOfHour(last)
	var series []*standard.Series
	n := 0
	for _, h := range latest {
		se := standard.NewSeries(h.Station, day, 1)
		if h.Time.Equal(last) {
			n++
			for p, c := range h.Values {
				if c != standard.Missing && h.Flags[p].Usable() {
					_ = se.Set(last, standard.Pollutant(p), c)
				}
			}
		}
		series = append(series, se)
	}
	as, _, err := standard.AreaSeries(s.rules, ar.Code, series)
	if err != nil {
		s.log.Warn("area real-time value", "area", ar.Code, "err", err)
		return StationAQI{}, false
	}
	var vals [standard.NumPollutants]standard.Conc
	for _, p := range standard.Pollutants {
		// published precision (HJ 633 §4.2.2), which is also what the
		// IAQI is computed from
		vals[p] = standard.RoundConc(p, as.At(last, p))
	}
	v := StationAQI{Code: ar.Code, Name: ar.Name, Stations: n}
	s.fillAQI(&v, last, vals)
	return v, true
}
