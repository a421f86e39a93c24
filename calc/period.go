package calc

import (
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/standard"
)

// Group is an area assessed as the mean of its evaluation stations
// (HJ 663 §5: city and county values from the arithmetic mean of the
// stations' values).
type Group struct {
	Code     string
	Name     string
	Level    lantian.AreaLevel
	Stations []string // evaluation station codes, sorted
}

// Groups derives the area groups from a station list: every evaluation
// station counts for its own area; a national station counts also for
// every enclosing area below the province (a city's value is the mean of
// its national stations, wherever in the city they stand; a province is
// not a mean of stations). Areas without evaluation
// stations are left out. Areas unknown to the list are named by their code.
func Groups(stations []lantian.Station, areas []lantian.Area) []Group {
	byCode := map[string]lantian.Area{}
	for _, a := range areas {
		byCode[a.Code] = a
	}
	members := map[string]map[string]bool{}
	add := func(area, st string) {
		if members[area] == nil {
			members[area] = map[string]bool{}
		}
		members[area][st] = true
	}
	for _, s := range stations {
		if !s.Evaluation || s.Area == "" {
			continue
		}
		add(s.Area, s.Code)
		if s.Kind != lantian.KindNational {
			continue
		}
		seen := map[string]bool{s.Area: true}
		for a, ok := byCode[s.Area]; ok && a.Parent != "" && !seen[a.Parent]; a, ok = byCode[a.Parent] {
			seen[a.Parent] = true
			if byCode[a.Parent].Level == lantian.LevelProvince {
				break // provinces are assessed from their cities, not stations
			}
			add(a.Parent, s.Code)
		}
	}
	out := make([]Group, 0, len(members))
	for code, m := range members {
		g := Group{Code: code, Name: code, Level: lantian.LevelCity}
		if a, ok := byCode[code]; ok {
			g.Name, g.Level = a.Name, a.Level
		}
		for st := range m {
			g.Stations = append(g.Stations, st)
		}
		sort.Strings(g.Stations)
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Code < out[j].Code })
	return out
}

// PeriodColumns are the columns of the period table.
var PeriodColumns = []string{
	"level", "code", "name", "from", "to", "edition", "standards", "days",
	"aqi_days", "good_days", "good_ratio", "heavy_days", "heavy_ratio",
	"so2_mean", "so2_p98", "so2_days", "so2_valid", "so2_ok",
	"no2_mean", "no2_p98", "no2_days", "no2_valid", "no2_ok",
	"co_mean", "co_p95", "co_days", "co_valid", "co_ok",
	"o3_8h_mean", "o3_8h_p90", "o3_8h_days", "o3_8h_valid", "o3_8h_ok",
	"pm10_mean", "pm10_p95", "pm10_days", "pm10_valid", "pm10_ok",
	"pm25_mean", "pm25_p95", "pm25_days", "pm25_valid", "pm25_ok",
	"composite", "composite_322", "compliant", "non_compliant", "stations",
}

// PeriodRow is one row of the period table: a station or an area.
type PeriodRow struct {
	Level    string // "station", or the area level (city, county …)
	Code     string
	Name     string
	Stations []string // the stations averaged (areas only)
	// Assessment is the HJ 663 assessment; its Official variant is shown
	// (without dust days given, it equals the variant with dust).
	Assessment standard.Assessment
	// Err is set when the row could not be computed (an area whose
	// stations are not in the input).
	Err error
}

// Cells lays the row out as PeriodColumns. Concentrations are rounded as
// published (integer µg/m³, CO 0.1 mg/m³) and printed whenever there was a
// valid day to compute them from; *_days counts the valid daily values of
// the item and *_valid says whether they meet GB 3095 表4 (324 days a year,
// 27 in each month, 25 in February, prorated for partial months): a value
// that is not valid is shown for information and never judged. *_ok is
// true or false when the item could be assessed and empty otherwise;
// compliant is 二级达标 over all six items; good_ratio and heavy_ratio are
// percent of the days with a valid AQI.
func (pr *PeriodRow) Cells(dst []Cell) []Cell {
	a := &pr.Assessment
	o := &a.Official
	dst = append(dst[:0], Str(pr.Level), Str(pr.Code), Str(pr.Name),
		Str(a.From.Format("2006-01-02")), Str(a.To.Format("2006-01-02")),
		Str(a.Edition.String()), Str(a.EditionName), Int(a.Days),
		Int(o.AQIDays.Valid), Int(o.GoodDays), Num(o.GoodRatio.String()), Int(o.HeavyDays), Num(o.HeavyRatio.String()))
	for _, p := range []standard.Pollutant{standard.SO2, standard.NO2, standard.CO, standard.O3, standard.PM10, standard.PM25} {
		it := &o.Items[p]
		dst = append(dst, periodCell(p, it.Mean), periodCell(p, it.Percentile), Int(it.Percentile.Coverage.Valid), Bool(it.Percentile.Valid()))
		if it.Assessed {
			dst = append(dst, Bool(it.Compliant))
		} else {
			dst = append(dst, Empty)
		}
	}
	dst = append(dst, Num(o.Composite.String()), Num(o.Composite322.String()))
	if o.Assessed {
		dst = append(dst, Bool(o.Compliant))
	} else {
		dst = append(dst, Empty)
	}
	nc := make([]string, 0, o.NonCompliant.Len())
	for _, p := range o.NonCompliant.List() {
		nc = append(nc, p.String())
	}
	return append(dst, List(nc...), List(pr.Stations...))
}

// periodCell prints a period statistic rounded as published, also when its
// coverage does not make it valid.
func periodCell(p standard.Pollutant, v standard.Value) Cell {
	if v.Exact.Den == 0 {
		return Empty
	}
	if v.Valid() {
		return concCell(p, v.Rounded)
	}
	q := v.Exact
	q.Den *= standard.ConcScale
	return Num(q.Format(p.PublishedDecimals()))
}

// PeriodInput is what the period table is computed from.
type PeriodInput struct {
	From, To time.Time // first and last calendar day, inclusive
	Series   []*standard.Series
	// Names gives station names (optional); Groups the areas to assess.
	Names  map[string]string
	Groups []Group
}

// Period assesses every station and every group over the period. Station
// rows come first in station order, then area rows in code order. An
// area whose evaluation stations are partly missing from the input is
// assessed from those present (the stations column lists them); an area
// with none present is left out.
func Period(r *standard.Rules, in PeriodInput, workers int) []PeriodRow {
	rows := make([]PeriodRow, len(in.Series)+len(in.Groups))
	forEach(len(in.Series), workers, func(i int) {
		s := in.Series[i]
		rows[i] = PeriodRow{Level: "station", Code: s.Station, Name: in.Names[s.Station],
			Assessment: standard.AssessSeries(r, s, in.From, in.To, nil)}
	})
	idx := map[string]int{}
	for i, s := range in.Series {
		idx[s.Station] = i
	}
	forEach(len(in.Groups), workers, func(k int) {
		g := in.Groups[k]
		row := &rows[len(in.Series)+k]
		*row = PeriodRow{Level: string(g.Level), Code: g.Code, Name: g.Name}
		var ss []*standard.Series
		for _, st := range g.Stations {
			if i, ok := idx[st]; ok {
				ss = append(ss, in.Series[i])
				row.Stations = append(row.Stations, st)
			}
		}
		if len(ss) == 0 {
			row.Level = "" // no data: left out
			return
		}
		if r.AreaMDA8 == standard.AreaMDA8MeanOfStations {
			days, _, err := standard.AreaDailyStats(r, g.Code, ss)
			if err != nil {
				row.Err = fmt.Errorf("area %s (%s): %w", g.Code, g.Name, err)
				return
			}
			row.Assessment = standard.Assess(r, days, in.From, in.To, nil)
		} else {
			// The area's MDA8 comes from its hours like every other value,
			// so the area series is assessed as a station's is.
			as, _, err := standard.AreaSeries(r, g.Code, ss)
			if err != nil {
				row.Err = fmt.Errorf("area %s (%s): %w", g.Code, g.Name, err)
				return
			}
			row.Assessment = standard.AssessSeries(r, as, in.From, in.To, nil)
		}
		row.Assessment.Station = g.Code
	})
	return rows
}

// WritePeriod writes the period table; rows with an error are skipped and
// their errors returned after the table is written.
func WritePeriod(w io.Writer, f Format, rows []PeriodRow) ([]error, error) {
	tw := NewTableWriter(w, f, PeriodColumns)
	var errs []error
	var cells []Cell
	for i := range rows {
		if rows[i].Level == "" {
			continue
		}
		if rows[i].Err != nil {
			errs = append(errs, rows[i].Err)
			continue
		}
		cells = rows[i].Cells(cells)
		if err := tw.Row(cells); err != nil {
			return errs, err
		}
	}
	return errs, tw.Close()
}
