package web

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/budget"
	"github.com/lantian-aq/lantian/plan"
	"github.com/lantian-aq/lantian/standard"
)

var sprintf = fmt.Sprintf

// Conc is a concentration in the API: a JSON number with the exact decimal
// the store holds (35, 1.2), or null when absent.
type Conc standard.Conc

// MarshalJSON encodes the exact decimal or null.
func (c Conc) MarshalJSON() ([]byte, error) {
	if standard.Conc(c) == standard.Missing {
		return []byte("null"), nil
	}
	return []byte(standard.Conc(c).String()), nil
}

// UnmarshalJSON reads an exact decimal or null.
func (c *Conc) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*c = Conc(standard.Missing)
		return nil
	}
	v, err := standard.ParseConc(string(b))
	if err != nil {
		return err
	}
	*c = Conc(v)
	return nil
}

// String formats the concentration as shown on the dashboard ("—" when
// absent).
func (c Conc) String() string {
	if standard.Conc(c) == standard.Missing {
		return "—"
	}
	return standard.Conc(c).String()
}

// Text formats the concentration of pollutant p as the standard publishes
// it: with at least p's published decimals, so that CO reads "2.0" mg/m³
// and not "2" ("—" when absent). Values with more decimals keep them.
func (c Conc) Text(p standard.Pollutant) string {
	s := c.String()
	d := p.PublishedDecimals()
	if standard.Conc(c) == standard.Missing || d <= 0 {
		return s
	}
	have := 0
	if i := strings.IndexByte(s, '.'); i >= 0 {
		have = len(s) - i - 1
	} else {
		s += "."
	}
	return s + strings.Repeat("0", max(d-have, 0))
}

// pollutantText formats a concentration for the pollutant with the given
// code (so2 … pm25; unknown codes as Conc.String).
func pollutantText(code string, c Conc) string {
	p, err := standard.ParsePollutant(code)
	if err != nil {
		return c.String()
	}
	return c.Text(p)
}

// beijingDay formats a date as 2019-06-30.
func beijingDay(t time.Time) string { return t.In(standard.Beijing).Format("2006-01-02") }

func yearStart(y int) time.Time { return time.Date(y, 1, 1, 0, 0, 0, 0, standard.Beijing) }

func daysIn(y int) int { return int(yearStart(y+1).Sub(yearStart(y)).Hours() / 24) }

// ItemView is one assessment item of an area or station over a period: the
// statistic HJ 663 compares with the GB 3095 grade-II limit.
type ItemView struct {
	Pollutant string  `json:"pollutant"` // so2 … pm25
	Name      string  `json:"name"`      // e.g. "PM2.5 年平均"
	Statistic string  `json:"statistic"` // annual_mean, p95, p90_mda8, p98
	Value     Conc    `json:"value"`
	Limit     Conc    `json:"limit"`
	Unit      string  `json:"unit"`
	Compliant *bool   `json:"compliant"` // null when the value is missing
	Multiple  *string `json:"exceedance_multiple"`
	// Valid says the coverage rule (GB 3095 表4) is met. An invalid value
	// is still given, for information, and is never judged: Compliant and
	// Multiple are null.
	Valid    bool             `json:"valid"`
	Coverage lantian.Coverage `json:"coverage"`
}

// Card is the 总览 target card of one area for one year.
type Card struct {
	Area      lantian.Area `json:"area"`
	Year      int          `json:"year"`
	From      string       `json:"from"`
	AsOf      string       `json:"as_of"` // last day included
	Edition   string       `json:"edition"`
	Stations  int          `json:"stations"`
	Synthetic bool         `json:"synthetic"`
	// SimulatedFrom names the simulated station whose statistics the card
	// shows when the area has no real station (模拟数据).
	SimulatedFrom string     `json:"simulated_from,omitempty"`
	HasData       bool       `json:"has_data"`
	DaysInYear    int        `json:"days_in_year"`
	Elapsed       int        `json:"elapsed_days"`
	ValidDays     int        `json:"valid_days"`
	GoodDays      int        `json:"good_days"`
	HeavyDays     int        `json:"heavy_days"`
	GoodRatio     string     `json:"good_days_ratio"`  // percent, one decimal (GB/T 8170)
	HeavyRatio    string     `json:"heavy_days_ratio"` // percent, one decimal
	Composite     string     `json:"composite_index"`
	Compliant     bool       `json:"grade2_compliant"`
	Items         []ItemView `json:"items"`
	GoodTarget    *TargetRef `json:"good_days_target"`
	HeavyTarget   *TargetRef `json:"heavy_days_target"`
	// NonGoodLeft is how many more non-good days the year can afford
	// (negative: the target is lost by that many days).
	NonGoodLeft *int `json:"non_good_days_left"`
	// HeavyLeft is how many more heavy-pollution days the year can afford.
	HeavyLeft *int `json:"heavy_days_left"`
	// PM25Allowance is 年剩余日控制值: the PM2.5 mean the rest of the year
	// must stay under for the annual mean to meet the grade-II limit.
	PM25Allowance Conc `json:"pm25_remaining_daily_allowance"`
	// Projections of the year-end PM2.5 annual mean (µg/m³) and good-days
	// ratio (%), with 90 % intervals.
	PM25Projection *budget.Projection `json:"pm25_projection"`
	GoodProjection *budget.Projection `json:"good_days_ratio_projection"`
	PlanTargets    []TargetStatus     `json:"plan_targets"`
}

// TargetRef is the target a budget is computed against and where it comes
// from.
type TargetRef struct {
	Permille int    `json:"permille"` // 765 = 76.5 %
	Text     string `json:"text"`     // "≥ 76.5 %"
	Year     int    `json:"year"`     // the plan year that sets it
	Source   string `json:"source"`   // plan target id
	// Reference is true when the plan sets no target for the selected year
	// and the nearest plan year's target is shown for reference.
	Reference bool `json:"reference"`
}

// TargetStatus is one plan target with the engine's evaluation.
type TargetStatus struct {
	Plan       string `json:"plan"`
	ID         string `json:"id"`
	Text       string `json:"text"`
	Area       string `json:"area"`
	AreaName   string `json:"area_name"`
	Metric     string `json:"metric"`
	Comparator string `json:"comparator"`
	Value      string `json:"value,omitempty"`
	Unit       string `json:"unit,omitempty"`
	Year       int    `json:"year"`
	Firmness   string `json:"firmness"`
	// Actual is the engine's value for the target's area and year so far,
	// Status one of met, not_met, on_track, at_risk, no_data, not_computable.
	Actual string `json:"actual,omitempty"`
	Status string `json:"status"`
	AsOf   string `json:"as_of,omitempty"`
}

// periodItems turns an HJ 663 period statistic into its assessment items.
func (s *Server) periodItems(ps *lantian.PeriodStat) []ItemView {
	ed, _ := standard.ParseEdition(ps.Edition)
	var out []ItemView
	add := func(p standard.Pollutant, stat string, v lantian.Value, exact standard.Value) {
		it := ItemView{Pollutant: p.Code(), Statistic: stat, Value: Conc(v.Value), Unit: p.Unit(),
			Valid: v.Coverage.OK, Coverage: v.Coverage, Name: itemName(p, stat)}
		if !it.Valid {
			it.Value = shownValue(p, exact)
		}
		lim := gradeIILimit(ed, p, stat)
		it.Limit = Conc(lim)
		// A value short of the coverage rule is shown for information and
		// never judged (HJ 663 assesses only valid statistics).
		if it.Valid && v.Value != standard.Missing && lim != standard.Missing {
			ok := v.Value <= lim
			it.Compliant = &ok
			m := exceedance(v.Value, lim)
			it.Multiple = &m
		}
		out = append(out, it)
	}
	var engine standard.Assessment
	if ps.Assessment != nil {
		engine = *ps.Assessment
	}
	for _, p := range []standard.Pollutant{standard.SO2, standard.NO2, standard.PM10, standard.PM25} {
		add(p, "annual_mean", ps.DustDeductedMeans[p], engine.DustDeducted.Items[p].Mean)
	}
	add(standard.CO, "p95", ps.Percentiles[standard.CO], engine.WithDust.Items[standard.CO].Percentile)
	add(standard.O3, "p90_mda8", ps.Percentiles[standard.O3], engine.WithDust.Items[standard.O3].Percentile)
	return out
}

// shownValue is the engine's statistic rounded as published (GB/T 8170)
// whether or not its coverage makes it valid, as lantian calc period prints
// it: the store keeps only valid values rounded, so an invalid one is
// rounded here from the engine's exact value (Missing when there was no
// valid day at all).
func shownValue(p standard.Pollutant, v standard.Value) Conc {
	if v.Exact.Den == 0 {
		return Conc(standard.Missing)
	}
	drop := int64(1)
	for range 3 - p.PublishedDecimals() {
		drop *= 10
	}
	return Conc(standard.Conc(standard.Round8170(v.Exact.Num, v.Exact.Den*drop, 0) * drop))
}

func itemName(p standard.Pollutant, stat string) string {
	switch stat {
	case "annual_mean":
		return p.String() + " 年平均"
	case "p95":
		return p.String() + " 24小时平均第95百分位数"
	case "p90_mda8":
		return "O3 日最大8小时平均第90百分位数"
	}
	return p.String()
}

// ratioPercent formats n/d as a percent with one decimal, rounded by
// GB/T 8170 (HJ 663 §5.3.3 states rates to one decimal).
func ratioPercent(n, d int) string {
	if d == 0 {
		return "—"
	}
	v := standard.Round8170(int64(n)*100, int64(d), 1)
	return standard.FormatScaled(v, 1, 1)
}

// asOfFor returns the last day of year y to include: the day before today
// in the current year, the year's last day otherwise, and never later than
// the last day the store has data for.
func (s *Server) asOfFor(y int, asked time.Time, ok bool) time.Time {
	end := yearStart(y+1).AddDate(0, 0, -1)
	if ok {
		if asked.Before(yearStart(y)) {
			return yearStart(y)
		}
		if asked.After(end) {
			return end
		}
		return asked
	}
	today := s.now().In(standard.Beijing)
	t := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, standard.Beijing).AddDate(0, 0, -1)
	if t.Before(end) {
		return t
	}
	return end
}

// card computes the target card of area a for year y up to asOf.
func (s *Server) card(ctx context.Context, a *lantian.Area, y int, asOf time.Time) (*Card, error) {
	c := &Card{Area: *a, Year: y, From: beijingDay(yearStart(y)), AsOf: beijingDay(asOf), DaysInYear: daysIn(y)}
	c.Elapsed = int(asOf.Sub(yearStart(y)).Hours()/24) + 1
	sts, err := s.store.Stations(ctx, lantian.StationFilter{Area: a.Code, Synthetic: true})
	if err != nil {
		return nil, err
	}
	for _, st := range sts {
		if st.Evaluation {
			c.Stations++
			c.Synthetic = c.Synthetic || st.Synthetic
		}
	}
	subj := lantian.Subject{Kind: lantian.SubjectArea, Code: a.Code}
	days, err := s.store.DailyStats(ctx, lantian.StatFilter{Subject: subj, From: yearStart(y), To: asOf})
	if err != nil {
		return nil, err
	}
	if len(days) == 0 {
		// Area statistics are made from real stations only. An area that
		// has only simulated stations shows its simulated county station,
		// labelled as such, never blended into real figures.
		for _, st := range sts {
			if st.Synthetic && st.Evaluation && st.Kind == lantian.KindCounty {
				ss := lantian.Subject{Kind: lantian.SubjectStation, Code: st.Code}
				if days, err = s.store.DailyStats(ctx, lantian.StatFilter{Subject: ss, From: yearStart(y), To: asOf}); err != nil {
					return nil, err
				}
				if len(days) > 0 {
					subj, c.SimulatedFrom, c.Synthetic = ss, st.Code, true
				}
				break
			}
		}
	}
	period, err := s.store.PeriodStats(ctx, lantian.StatFilter{Subject: subj, From: yearStart(y), To: asOf}, lantian.PeriodWhole)
	if err != nil {
		return nil, err
	}
	c.GoodTarget, c.HeavyTarget = s.yearTargets(a.Code, y)
	if len(days) == 0 || len(period) == 0 {
		c.GoodRatio, c.HeavyRatio, c.Composite = "—", "—", "—"
		c.PM25Allowance = Conc(standard.Missing)
		c.PlanTargets = s.targetStatuses(a.Code, y, nil)
		return c, nil
	}
	ps := period[0]
	c.HasData = true
	c.Edition = ps.Edition
	c.ValidDays, c.GoodDays, c.HeavyDays = ps.ValidDays, ps.GoodDays, ps.HeavyDays
	c.GoodRatio = ratioPercent(ps.GoodDays, ps.ValidDays)
	c.HeavyRatio = ratioPercent(ps.HeavyDays, ps.ValidDays)
	c.Composite = formatHundredths(ps.CompositeIndex)
	c.Compliant = ps.Compliant[standard.NumPollutants]
	c.Items = s.periodItems(ps)

	if c.GoodTarget != nil {
		n := budget.NonGoodAllowance(c.DaysInYear, c.Elapsed, ps.ValidDays, ps.GoodDays, c.GoodTarget.Permille)
		c.NonGoodLeft = &n
	}
	if c.HeavyTarget != nil {
		n := budget.HeavyAllowance(c.DaysInYear, c.Elapsed, ps.ValidDays, ps.HeavyDays, c.HeavyTarget.Permille)
		c.HeavyLeft = &n
	}
	// PM2.5 budget and projections from the daily series.
	ed, _ := standard.ParseEdition(ps.Edition)
	pmLimit := gradeIILimit(ed, standard.PM25, "annual_mean")
	cur, good := dailySeries(days, yearStart(y), c.Elapsed, s.rules.GoodDaysRequireComplete2012)
	var sum int64
	var nvalid int
	for _, d := range days {
		if v := d.Means[standard.PM25]; v.Coverage.OK && v.Value != standard.Missing {
			sum += int64(v.Value)
			nvalid++
		}
	}
	c.PM25Allowance = Conc(standard.Missing)
	if al, ok := budget.RemainingDailyAllowance(pmLimit, sum, nvalid, c.DaysInYear-c.Elapsed); ok {
		// shown in whole µg/m³, rounded down: it is a ceiling to stay under
		whole := int64(al) / standard.ConcScale
		if int64(al)%standard.ConcScale < 0 {
			whole--
		}
		c.PM25Allowance = Conc(whole * standard.ConcScale)
	}
	prior, priorGood, err := s.priorYears(ctx, subj, y)
	if err != nil {
		return nil, err
	}
	pp := budget.Project(cur, prior, c.DaysInYear, pmLimit.Float())
	c.PM25Projection = &pp
	thr := 100.0
	if c.GoodTarget != nil {
		thr = float64(c.GoodTarget.Permille) / 10
	}
	// Project the share of non-good days against 100 − target, then turn
	// it back into a good-days ratio.
	gp := budget.Project(negate(good), negatePrior(priorGood), c.DaysInYear, -thr)
	gp = budget.Projection{Value: -gp.Value, SD: gp.SD, Low: -gp.High, High: -gp.Low, PMeet: gp.PMeet, Method: gp.Method, Years: gp.Years}
	c.GoodProjection = &gp
	c.PlanTargets = s.targetStatuses(a.Code, y, c)
	return c, nil
}

func negate(xs []float64) []float64 {
	out := make([]float64, len(xs))
	for i, x := range xs {
		out[i] = -x
	}
	return out
}

func negatePrior(ys [][]float64) [][]float64 {
	out := make([][]float64, len(ys))
	for i, y := range ys {
		out[i] = negate(y)
	}
	return out
}

// dailySeries lays the days of a year out by day of year: PM2.5 daily
// means (µg/m³) and a good-day indicator in percent (100 good, 0 not), NaN
// for invalid days.
func dailySeries(days []*lantian.DailyStat, first time.Time, n int, requireComplete bool) (pm, good []float64) {
	pm = make([]float64, n)
	good = make([]float64, n)
	for i := range pm {
		pm[i], good[i] = math.NaN(), math.NaN()
	}
	for _, d := range days {
		i := int(d.Date.Sub(first).Hours() / 24)
		if i < 0 || i >= n {
			continue
		}
		if v := d.Means[standard.PM25]; v.Coverage.OK && v.Value != standard.Missing {
			pm[i] = standard.Conc(v.Value).Float()
		}
		if dayCounts(d, requireComplete) {
			good[i] = 0
			if d.AQI <= 100 {
				good[i] = 100
			}
		}
	}
	return pm, good
}

// priorYears returns up to three earlier years of daily PM2.5 means and
// good-day indicators of subj, for the projection's climatology.
func (s *Server) priorYears(ctx context.Context, subj lantian.Subject, y int) (pm, good [][]float64, err error) {
	for py := y - 1; py >= y-3; py-- {
		days, err := s.store.DailyStats(ctx, lantian.StatFilter{Subject: subj, From: yearStart(py), To: yearStart(py+1).AddDate(0, 0, -1)})
		if err != nil {
			return nil, nil, err
		}
		if len(days) == 0 {
			continue
		}
		p, g := dailySeries(days, yearStart(py), daysIn(py), s.rules.GoodDaysRequireComplete2012)
		pm = append(pm, p)
		good = append(good, g)
	}
	return pm, good, nil
}

func formatHundredths(v int64) string {
	if v == 0 {
		return "—"
	}
	return standard.FormatScaled(v, 2, 2)
}

// exceedance returns the exceedance multiple (C − S)/S of HJ 663 §5.3.2
// to two decimals (GB/T 8170), "0.00" or negative when within the limit.
func exceedance(c, lim standard.Conc) string {
	v := standard.Round8170(int64(c-lim)*100, int64(lim), 0)
	return standard.FormatScaled(v, 2, 2)
}

// ---- plan targets ----

// mainPlan returns the plan whose area is the root area, if any.
func (s *Server) mainPlan() *plan.Plan {
	for _, p := range s.plans {
		if p.Area == s.root {
			return p
		}
	}
	if len(s.plans) > 0 {
		return s.plans[0]
	}
	return nil
}

// yearTargets returns the good-days and heavy-days targets that apply to
// area in year y: the plan's target of that year for the area or, failing
// that, for the root area; when the plan has none for y, the nearest year's
// target, marked as a reference.
func (s *Server) yearTargets(area string, y int) (good, heavy *TargetRef) {
	p := s.mainPlan()
	if p == nil {
		return nil, nil
	}
	pick := func(metric string) *TargetRef {
		var best *plan.Target
		for i := range p.Targets {
			t := &p.Targets[i]
			if t.Metric != metric || t.Value == nil || (t.Area != area && t.Area != p.Area) {
				continue
			}
			if best == nil || abs(t.Year-y) < abs(best.Year-y) || (t.Year == best.Year && t.Area == area) {
				best = t
			}
		}
		if best == nil {
			return nil
		}
		pm, ok := permille(best.Value.String())
		if !ok {
			return nil
		}
		return &TargetRef{Permille: pm, Text: best.Comparator + " " + best.Value.String() + " %", Year: best.Year, Source: best.ID, Reference: best.Year != y}
	}
	return pick(plan.MetricGoodDaysRatio), pick(plan.MetricHeavyDaysRatio)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// permille parses a percentage such as "76.5" into 765.
func permille(s string) (int, bool) {
	c, err := standard.ParseConc(s)
	if err != nil || c == standard.Missing {
		return 0, false
	}
	v := int64(c) // thousandths of a percent
	if v%100 != 0 {
		return 0, false
	}
	return int(v / 100), true
}

// targetStatuses evaluates the plan targets of area for year y against
// the card's numbers (nil: no data).
func (s *Server) targetStatuses(area string, y int, c *Card) []TargetStatus {
	var out []TargetStatus
	for _, p := range s.plans {
		for _, t := range p.Targets {
			if t.Area != area || t.Year != y {
				continue
			}
			ts := TargetStatus{Plan: p.ID, ID: t.ID, Text: t.Text, Area: t.Area, AreaName: p.AreaName(t.Area),
				Metric: t.Metric, Comparator: t.Comparator, Unit: t.Unit, Year: t.Year, Firmness: t.Firmness.Label()}
			if t.Value != nil {
				ts.Value = t.Value.String()
			}
			evaluateTarget(&ts, c)
			out = append(out, ts)
		}
	}
	return out
}

func evaluateTarget(ts *TargetStatus, c *Card) {
	switch ts.Metric {
	case plan.MetricGoodDaysRatio, plan.MetricHeavyDaysRatio, plan.MetricGrade2:
	default:
		ts.Status = "not_computable"
		return
	}
	if c == nil || !c.HasData {
		ts.Status = "no_data"
		return
	}
	ts.AsOf = c.AsOf
	complete := c.Elapsed >= c.DaysInYear
	switch ts.Metric {
	case plan.MetricGoodDaysRatio:
		ts.Actual = c.GoodRatio
		switch {
		case c.NonGoodLeft == nil:
			ts.Status = "not_computable"
		case *c.NonGoodLeft < 0:
			ts.Status = "not_met"
		case complete:
			ts.Status = "met"
		case c.GoodProjection != nil && c.GoodProjection.PMeet < 0.5:
			ts.Status = "at_risk"
		default:
			ts.Status = "on_track"
		}
	case plan.MetricHeavyDaysRatio:
		ts.Actual = c.HeavyRatio
		switch {
		case c.HeavyLeft == nil:
			ts.Status = "not_computable"
		case *c.HeavyLeft < 0:
			ts.Status = "not_met"
		case complete:
			ts.Status = "met"
		default:
			ts.Status = "on_track"
		}
	case plan.MetricGrade2:
		ts.Actual = strconv.FormatBool(c.Compliant)
		switch {
		case complete && c.Compliant:
			ts.Status = "met"
		case complete:
			ts.Status = "not_met"
		case c.Compliant:
			ts.Status = "on_track"
		default:
			ts.Status = "at_risk"
		}
	}
}

// ---- areas ----

// dashboardAreas returns the root area and its direct children, root first
// and the children by code.
func (s *Server) dashboardAreas(ctx context.Context) ([]*lantian.Area, error) {
	root, err := s.store.Area(ctx, s.root)
	if err != nil {
		return nil, err
	}
	kids, err := s.store.Areas(ctx, lantian.AreaFilter{Parent: s.root})
	if err != nil {
		return nil, err
	}
	sort.Slice(kids, func(i, j int) bool { return kids[i].Code < kids[j].Code })
	return append([]*lantian.Area{root}, kids...), nil
}

// Overview is the 总览 page's data.
type Overview struct {
	Year  int     `json:"year"`
	AsOf  string  `json:"as_of"`
	Cards []*Card `json:"cards"`
}

func (s *Server) overview(ctx context.Context, y int, asOf time.Time) (*Overview, error) {
	return cached(s, "overview|"+strconv.Itoa(y)+"|"+beijingDay(asOf), func() (*Overview, error) {
		areas, err := s.dashboardAreas(ctx)
		if err != nil {
			return nil, err
		}
		ov := &Overview{Year: y, AsOf: beijingDay(asOf)}
		for _, a := range areas {
			c, err := s.card(ctx, a, y, asOf)
			if err != nil {
				return nil, fmt.Errorf("card of %s %d: %w", a.Code, y, err)
			}
			ov.Cards = append(ov.Cards, c)
		}
		return ov, nil
	})
}

// gradeIILimit is the grade-II limit an assessment item is compared with
// (HJ 663: annual limits for the means, the 24-hour CO and 8-hour O3 limits
// for their percentiles).
func gradeIILimit(e standard.Edition, p standard.Pollutant, _ string) standard.Conc {
	return standard.IndexLimit(e, p)
}

// dayCounts reports whether a day enters the good-days ratio: it has a
// daily AQI and, under the 2012 edition with
// Rules.GoodDaysRequireComplete2012 (the default), all six daily values are
// valid. It mirrors the engine's rule so that the projection's daily
// indicator agrees with the store's ValidDays.
func dayCounts(d *lantian.DailyStat, requireComplete bool) bool {
	if d.AQI <= 0 {
		return false
	}
	if d.Edition != "2012" || !requireComplete {
		return true
	}
	for p, v := range d.Means {
		// HJ 633-2012 daily AQI carries O3 by the 8-hour or the 1-hour
		// indicator, so either one makes O3 present.
		if !v.Coverage.OK && (standard.Pollutant(p) != standard.O3 || !d.O3Max1h.Coverage.OK) {
			return false
		}
	}
	return true
}
