package plan

import "fmt"

// TargetInputs are the standards engine's results for one area and one
// calendar year, the inputs of the targets computable from monitoring data.
// Nil or zero fields are unknown. The engine fills them (HJ 663 assessment
// of the area's evaluation stations); this package never computes them, so
// it depends on neither the engine nor the store.
type TargetInputs struct {
	Area string `json:"area"`
	Year int    `json:"year"`
	// Final is true when the year is over and its data are final; before
	// that, the values are the year to date and judgements provisional.
	Final bool `json:"final"`
	// GoodDaysRatio is days with AQI ≤ 100 / valid days, in percent.
	GoodDaysRatio *Decimal `json:"good_days_ratio,omitempty"`
	// HeavyDaysRatio is days with AQI > 200 / valid days, in percent.
	HeavyDaysRatio *Decimal `json:"heavy_days_ratio,omitempty"`
	// Compliant is Grade-II compliance of all six items (二级达标).
	Compliant *bool `json:"compliant,omitempty"`
	// Rank and PrevRank are the positions (1 = best) in the ranking the
	// target names, this year and the previous year; 0 is unknown.
	Rank     int `json:"rank,omitempty"`
	PrevRank int `json:"prev_rank,omitempty"`
}

// TargetStatus is the state of a target.
type TargetStatus string

// Target statuses. On/off course are provisional judgements on the year to
// date; met and missed are final.
const (
	TargetMet       TargetStatus = "met"
	TargetMissed    TargetStatus = "missed"
	TargetOnCourse  TargetStatus = "on_course"
	TargetOffCourse TargetStatus = "off_course"
	TargetNoData    TargetStatus = "no_data"
)

// Label returns the Chinese label of s.
func (s TargetStatus) Label() string {
	switch s {
	case TargetMet:
		return "已完成"
	case TargetMissed:
		return "未完成"
	case TargetOnCourse:
		return "进度达标"
	case TargetOffCourse:
		return "进度滞后"
	}
	return "暂无数据"
}

// TargetResult is the evaluation of one target.
type TargetResult struct {
	Target Target       `json:"target"`
	Status TargetStatus `json:"status"`
	Actual string       `json:"actual,omitempty"` // the value judged, e.g. "77.1 %", "第12位（上年第15位）"
	Source Source       `json:"source"`
	Basis  string       `json:"basis,omitempty"` // which inputs or report the judgement rests on
}

// EvaluateTargets evaluates every target of p. Targets in engine metrics
// are judged on the TargetInputs of their area and year; the others on the
// latest report on the target (Report.Task 0, Item the target id) dated
// within the target's year and not after asOf. A year is final when its
// inputs say so, or, for reported targets, once asOf is past the year.
func EvaluateTargets(p *Plan, inputs []TargetInputs, reports []Report, asOf Date) []TargetResult {
	out := make([]TargetResult, 0, len(p.Targets))
	for _, t := range p.Targets {
		m := p.MetricByID(t.Metric)
		if m != nil && m.Source == SourceEngine {
			out = append(out, evalEngineTarget(t, findInputs(inputs, t.Area, t.Year)))
			continue
		}
		out = append(out, evalReportedTarget(t, reports, asOf))
	}
	return out
}

func findInputs(in []TargetInputs, area string, year int) *TargetInputs {
	for i := range in {
		if in[i].Area == area && in[i].Year == year {
			return &in[i]
		}
	}
	return nil
}

func judge(ok, final bool) TargetStatus {
	switch {
	case ok && final:
		return TargetMet
	case ok:
		return TargetOnCourse
	case final:
		return TargetMissed
	}
	return TargetOffCourse
}

func evalEngineTarget(t Target, in *TargetInputs) TargetResult {
	r := TargetResult{Target: t, Status: TargetNoData, Source: SourceEngine}
	if in == nil {
		return r
	}
	r.Basis = fmt.Sprintf("%s %d年", in.Area, in.Year)
	if !in.Final {
		r.Basis += "（年内累计，初步）"
	}
	var v *Decimal
	switch t.Metric {
	case MetricGoodDaysRatio:
		v = in.GoodDaysRatio
	case MetricHeavyDaysRatio:
		v = in.HeavyDaysRatio
	case MetricGrade2:
		if in.Compliant == nil {
			return r
		}
		r.Actual = map[bool]string{true: "达标", false: "未达标"}[*in.Compliant]
		r.Status = judge(*in.Compliant, in.Final)
		return r
	case MetricRank:
		if in.Rank == 0 || in.PrevRank == 0 {
			return r
		}
		r.Actual = fmt.Sprintf("第%d位（上年第%d位）", in.Rank, in.PrevRank)
		ok := in.Rank < in.PrevRank
		if t.Comparator != "improve" && t.Value != nil {
			ok = compare(t.Comparator, DecimalFromInt(int64(in.Rank)), *t.Value)
		}
		r.Status = judge(ok, in.Final)
		return r
	}
	if v == nil || t.Value == nil {
		return r
	}
	r.Actual = fmt.Sprintf("%s %s", v, t.Unit)
	r.Status = judge(compare(t.Comparator, *v, *t.Value), in.Final)
	return r
}

func evalReportedTarget(t Target, reports []Report, asOf Date) TargetResult {
	r := TargetResult{Target: t, Status: TargetNoData, Source: SourceReport}
	var latest *Report
	rs := make([]Report, 0, len(reports))
	for _, rep := range reports {
		if rep.Task == 0 && rep.Item == t.ID && rep.Value != nil && rep.Date.Year == t.Year && !rep.Date.After(asOf) {
			rs = append(rs, rep)
		}
	}
	sortReports(rs)
	if len(rs) > 0 {
		latest = &rs[len(rs)-1]
	}
	if latest == nil {
		return r
	}
	final := asOf.Year > t.Year
	r.Basis = fmt.Sprintf("%s报告（%s）", latest.Reporter, latest.Date)
	v := *latest.Value
	var ok bool
	switch t.Comparator {
	case "achieve":
		ok = v.Cmp(Decimal{}) != 0
		r.Actual = map[bool]string{true: "已实现", false: "未实现"}[ok]
	case "improve":
		// A reported ranking target reports the change in position
		// (positive: moved up).
		ok = v.Cmp(Decimal{}) > 0
		r.Actual = fmt.Sprintf("进位 %s", v)
	default:
		if t.Value == nil {
			return r
		}
		ok = compare(t.Comparator, v, *t.Value)
		r.Actual = fmt.Sprintf("%s %s", v, t.Unit)
	}
	r.Status = judge(ok, final)
	return r
}
