package standard

import "time"

// HourlyItem is the 1-hour evaluation (小时评价, standards.md §3.2) of one
// pollutant over a period: how many valid hours exceeded the GB 3095 1-hour
// limit of the edition in force on each hour's day.
type HourlyItem struct {
	// Coverage counts valid hours among the hours of the period.
	Coverage Coverage `json:"coverage"`
	// Limit is the grade-II 1-hour limit of the period's last day.
	Limit Conc `json:"limit"`
	// ExceedHours counts valid hours above the limit (rounded value
	// compared when Rules.CompareRounded); Max is the largest valid value.
	ExceedHours int  `json:"exceed_hours"`
	Max         Conc `json:"max"`
}

// HourlyEvaluation evaluates the 1-hour values of SO2, NO2, CO and O3 (the
// pollutants with 1-hour limits) of s over the days from … to against the
// grade-II 1-hour limits; PM10 and PM2.5 have none and are left empty.
func HourlyEvaluation(r *Rules, s *Series, from, to time.Time) [NumPollutants]HourlyItem {
	r = orDefault(r)
	var out [NumPollutants]HourlyItem
	a := max(int(DayNumber(from)-s.firstDay), 0)
	b := min(int(DayNumber(to)-s.firstDay), s.Days-1)
	for p := range Pollutant(NumPollutants) {
		it := &out[p]
		it.Max, it.Limit = Missing, Missing
		if _, ok := Limit(Edition2012, GradeII, p, AvgHourly); !ok {
			continue
		}
		it.Limit, _ = Limit(r.EditionFor(to), GradeII, p, AvgHourly)
		for d := a; d <= b; d++ {
			lim, _ := Limit(r.editionForDayNum(s.firstDay+int32(d)), GradeII, p, AvgHourly)
			for _, c := range s.V[p][24*d : 24*d+24] {
				it.Coverage.Expected++
				if c == Missing || c < 0 {
					continue
				}
				it.Coverage.Valid++
				it.Max = max(it.Max, c)
				v := c
				if r.CompareRounded {
					v = RoundConc(p, c)
				}
				if v > lim {
					it.ExceedHours++
				}
			}
		}
		it.Coverage.OK = it.Coverage.Valid > 0
		if !it.Coverage.OK {
			it.Coverage.Reason = reasonNoData
		}
	}
	return out
}
