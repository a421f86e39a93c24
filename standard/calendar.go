package standard

// civil converts a DayNumber to its calendar date (proleptic Gregorian),
// without time.Time, for the per-day loops (H. Hinnant's days_from_civil
// inverse).
func civil(n int32) (y, m, d int) {
	z := int64(n) + 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era = (z - 146096) / 146097
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	yy := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d = int(doy - (153*mp+2)/5 + 1)
	if mp < 10 {
		m = int(mp + 3)
	} else {
		m = int(mp - 9)
	}
	if m <= 2 {
		yy++
	}
	return int(yy), m, d
}

// dayNum converts a calendar date to its DayNumber.
func dayNum(y, m, d int) int32 {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era = (y - 399) / 400
	}
	yoe := y - era*400
	mm := m + 9
	if m > 2 {
		mm = m - 3
	}
	doy := (153*mm+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return int32(era*146097 + doe - 719468)
}

func daysInMonth(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// monthCounter counts valid days per calendar month of a period.
// Periods of up to 25 months count in the fixed array, longer ones in
// extra; the counter never points into itself, so it stays on the stack.
type monthCounter struct {
	y0, m0 int // first month of the period
	n      int // months in the period
	total  int
	fixed  [25]int
	extra  []int
}

// counts returns the per-month counts.
func (mc *monthCounter) counts() []int {
	if mc.extra != nil {
		return mc.extra
	}
	return mc.fixed[:mc.n]
}

func (mc *monthCounter) init(a, b int32) {
	y0, m0, _ := civil(a)
	y1, m1, _ := civil(b)
	n := (y1-y0)*12 + (m1 - m0) + 1
	if n < 1 {
		n = 1
	}
	mc.y0, mc.m0, mc.n, mc.total = y0, m0, n, 0
	mc.fixed, mc.extra = [25]int{}, nil
	if n > len(mc.fixed) {
		mc.extra = make([]int, n)
	}
}

// monthIndex returns the index of day's month counted from the period's
// first month.
func (mc *monthCounter) monthIndex(day int32) int32 {
	y, m, _ := civil(day)
	return int32((y-mc.y0)*12 + (m - mc.m0))
}

// periodCoverage applies GB 3095 表4 day counts to a period (see
// PartialPolicy): 324 valid days in each whole calendar year and 27 (25 in
// February) in each calendar month, prorated for partial months.
func periodCoverage(r *Rules, mc *monthCounter, a, b int32) Coverage {
	cov := Coverage{Valid: mc.total, Expected: int(b - a + 1)}
	if mc.total == 0 {
		cov.Reason = reasonNoData
		return cov
	}
	cov.OK = true
	if r.Partial == PartialAnyData {
		return cov
	}
	y, m := mc.y0, mc.m0
	yearCount := 0
	counts := mc.counts()
	for i, c := range counts {
		first := dayNum(y, m, 1)
		dim := daysInMonth(y, m)
		last := first + int32(dim) - 1
		lo, hi := max(first, a), min(last, b)
		k := int(hi - lo + 1)
		need := r.MinDaysMonth
		if m == 2 {
			need = r.MinDaysFebruary
		}
		if k < dim && r.Partial == PartialProrate {
			need = (k*need + dim - 1) / dim
		}
		if c < need {
			cov.OK = false
			cov.Reason = reasonFewDaysMonth
		}
		// Whole calendar years inside the period need MinDaysYear.
		yearCount += c
		if m == 12 || i == len(counts)-1 {
			if a <= dayNum(y, 1, 1) && b >= dayNum(y, 12, 31) && yearCount < r.MinDaysYear {
				cov.OK = false
				cov.Reason = reasonFewDaysYear
			}
			yearCount = 0
		}
		m++
		if m > 12 {
			m, y = 1, y+1
		}
	}
	return cov
}
