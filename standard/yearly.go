package standard

import "time"

// AssessSeries is Assess(r, DailyStats(r, s), from, to, dust): the HJ 663
// assessment of one station's (or area's) hourly series over the days
// from … to, with the same results, computed without building a Daily
// per day.
//
// A period assessment reads only the published daily values and the
// daily AQI of each day (HJ 663 §5–6 work on the daily values as
// published), so in the default configuration — published values
// averaged and compared (Rules.PeriodFromRoundedDaily,
// Rules.CompareRounded), concentrations rounded before the IAQI — each day
// is reduced straight from its 24 hours to a row of seven published values
// and its AQI. Rules that average or compare exact values take the Daily
// path instead. This is what `lantian calc period` computes for a station.
func AssessSeries(r *Rules, s *Series, from, to time.Time, dust DustMask) Assessment {
	r = orDefault(r)
	a0, b0 := DayNumber(from), DayNumber(to)
	lo, hi := max(a0, s.firstDay), min(b0, s.firstDay+int32(s.Days)-1)
	if needExact(r) || (!r.RoundConc2012 && lo < DayNumber(r.Cutover2026)) {
		return Assess(r, DailyStats(r, s), from, to, dust)
	}
	n := 0
	if hi >= lo {
		n = int(hi - lo + 1)
	}
	sc := getScratch(n, b0-a0+1)
	defer scratchPool.Put(sc)
	rows := sc.reset(n, false)
	col := columnsPool.Get().(*columns)
	defer columnsPool.Put(col)
	seriesRows(r, s, lo, a0, b0, rows, dust, col)
	station := ""
	if n > 0 {
		station = s.Station
	}
	return assessRows(r, station, a0, b0, rows, sc)
}

// seriesRows fills rows (reset to n rows) with the days lo … lo+n−1 of s,
// inside the period a0 … b0: each day's published daily means (GB 3095
// 表4: valid with Rules.MinHoursDaily hours), O3 MDA8 (HJ 663 §6.1.2) and
// daily AQI (HJ 633, rounded concentrations), as DailyStatsInto and
// dayAQIRounded compute them.
//
// It works column by column — one pollutant's days at a time, then one
// indicator's sub-indices at a time — so that each loop runs with its
// pollutant, divisor and lookup row fixed.
func seriesRows(r *Rules, s *Series, lo, a0, b0 int32, rows *dayRows, dust DustMask, col *columns) {
	n := len(rows.month)
	rows.n = n
	if n == 0 {
		return
	}
	col.reset(n)
	var mc monthCounter
	mc.init(a0, b0)
	var mlo, mhi, idx int32 = 1, 0, 0
	for k := range n {
		dn := lo + int32(k)
		if dn < mlo || dn > mhi {
			y, m, _ := civil(dn)
			mlo = dayNum(y, m, 1)
			mhi = mlo + int32(daysInMonth(y, m)) - 1
			idx = mc.monthIndex(dn)
			rows.spans = append(rows.spans, monthSpan{idx, min(k+int(mhi-dn)+1, n)})
		}
		rows.month[k] = idx
		isDust := len(dust) > 0 && dust.Has(dn)
		rows.dust[k] = isDust
		if isDust {
			rows.dusty++
		}
	}
	i0 := 24 * int(lo-s.firstDay)
	hours := func(p Pollutant) []Conc { return s.V[p][i0 : i0+24*n] }
	minH := r.MinHoursDaily
	for _, p := range [...]Pollutant{SO2, NO2, CO, PM10, PM25} {
		daySums(hours(p), col.sum, col.cnt)
		publishMeans(p, minH, col.sum, col.cnt, rows.val[p][:n])
	}
	// O3: the window search of every day in one call (the sum column is
	// free again and takes the best windows' sums), then the published
	// MDA8 and daily maximum 1-hour value.
	mda8Days(hours(O3), r.MinHours8H, col.cnt, col.nw, col.sum, col.bc, col.mx)
	mda8, max1h := rows.val[O3][:n], col.max1h[:n]
	n1, nw, bs, bc, mx := col.cnt[:n], col.nw[:n], col.sum[:n], col.bc[:n], col.mx[:n]
	for k := range mda8 {
		c := Missing
		if bc[k] != 0 {
			c, _ = mda8Published(r, int(nw[k]), bs[k], int64(bc[k]))
		}
		mda8[k] = c
		m := Missing
		if h := int(n1[k]); h > 0 && h >= r.MinHoursO3Max1H {
			m = roundedMax1H(mx[k])
		}
		max1h[k] = m
	}
	// The sub-indices, edition by edition (at most three runs of days).
	c1, c2 := DayNumber(r.Cutover2026), DayNumber(r.FinalLimitsFrom)
	cut := func(d int32) int { return int(min(max(d-lo, 0), int32(n))) }
	for _, run := range [...]struct {
		e        Edition
		from, to int
	}{{Edition2012, 0, cut(c1)}, {Edition2026, cut(c1), cut(c2)}, {Edition2031, cut(c2), n}} {
		if run.from >= run.to {
			continue
		}
		e, k0, k1 := run.e, run.from, run.to
		for p := range Pollutant(NumPollutants) {
			subColumn(e, dailyItems[p], rows.val[p][k0:k1], col.sub[p][k0:k1])
		}
		if !e.Is2026() {
			// HJ 633-2012 §5.1.3: O3 enters with the larger of its 8-hour
			// and 1-hour sub-indices (mergeO3).
			o1 := col.sub[NumPollutants][k0:k1]
			subColumn(e, O3_1H, col.max1h[k0:k1], o1)
			o8 := col.sub[O3][k0:k1]
			for k, y := range o1 {
				o8[k] = max(o8[k], y)
			}
		}
		gateRows(r, e, col, k0, k1, rows.aqi[k0:k1])
	}
}

// columns are the per-day working columns of seriesRows, kept in scratch.
type columns struct {
	sum    []int64
	cnt    []uint8
	nw, bc []uint8 // O3: valid windows, hours of the best window
	mx     []Conc  // O3: largest valid hour
	max1h  []Conc
	// sub holds the sub-indices of the six daily indicators and, last, of
	// O3 1-hour; -1 where there is none.
	sub [NumPollutants + 1][]int16
}

// reset sizes the columns for n days.
func (c *columns) reset(n int) {
	if cap(c.sum) < n {
		c.sum, c.cnt, c.nw, c.bc = make([]int64, n), make([]uint8, n), make([]uint8, n), make([]uint8, n)
		c.mx, c.max1h = make([]Conc, n), make([]Conc, n)
		buf := make([]int16, (NumPollutants+1)*n)
		for p := range c.sub {
			c.sub[p] = buf[p*n : (p+1)*n : (p+1)*n]
		}
	}
	c.sum, c.cnt, c.nw, c.bc, c.mx, c.max1h = c.sum[:n], c.cnt[:n], c.nw[:n], c.bc[:n], c.mx[:n], c.max1h[:n]
	for p := range c.sub {
		c.sub[p] = c.sub[p][:n]
	}
}

// publishMeans writes the published daily means of pollutant p from each
// day's sum and count of valid hours (see meanValue): Missing where
// fewer than minH hours are valid.
func publishMeans(p Pollutant, minH int, sum []int64, cnt []uint8, out []Conc) {
	cnt = cnt[:len(sum)]
	out = out[:len(sum)]
	minH = max(minH, 1)
	// One division path for full and partial days alike (a reciprocal
	// per hour count): which days have gaps is unpredictable, and a branch
	// on it would be mispredicted on most days with gaps.
	k, unit := 0, uint64(ConcScale)
	if p == CO {
		k, unit = 1, ConcScale/10
	}
	recips := &meanRecip[k]
	for i, t := range sum {
		m := uint64(cnt[i]) % 25
		q := Conc(roundRecip(uint64(t), m*unit, recips[m]) * unit)
		if m < uint64(minH) {
			q = Missing
		}
		out[i] = q
	}
}

// dailyItems are each pollutant's daily indicator.
var dailyItems = [NumPollutants]Item{SO2: SO2_24H, NO2: NO2_24H, CO: CO_24H, O3: O3_8H, PM10: PM10_24H, PM25: PM25_24H}

// subColumn writes the sub-indices of indicator it under edition e for
// published values (Missing where not valid), -1 where there is none. A
// whole number of table units inside the lookup row is one load, with a
// constant divisor; anything else — over-range, O3 8-hour above 800,
// absurd values — takes publishedIAQI.
func subColumn(e Edition, it Item, vals []Conc, out []int16) {
	row := iaqiLUT[tableIndex(e)][it]
	out = out[:len(vals)]
	if itemPollutant[it] == CO {
		for k, c := range vals {
			u := uint32(c) / (ConcScale / 10)
			if c >= 0 && u*(ConcScale/10) == uint32(c) && u < uint32(len(row)) {
				out[k] = row[u]
				continue
			}
			out[k] = slowSub(e, it, row, c)
		}
		return
	}
	// O3 8-hour values above 800 (their own rule, above800) lie beyond
	// the row, which ends at the table's top breakpoint of 800
	// (TestLUTEndsAt800 holds the tables to that).
	for k, c := range vals {
		u := uint32(c) / ConcScale
		if c >= 0 && u*ConcScale == uint32(c) && u < uint32(len(row)) {
			out[k] = row[u]
			continue
		}
		out[k] = slowSub(e, it, row, c)
	}
}

// slowSub is the sub-index of subColumn's rare values.
func slowSub(e Edition, it Item, row []int16, c Conc) int16 {
	if c < 0 {
		return -1
	}
	unit := uint32(ConcScale)
	if itemPollutant[it] == CO {
		unit = ConcScale / 10
	}
	v, st := publishedIAQI(e, it, unit, row, c)
	if st == IAQIAbove800 {
		return -1 // no value: the 2012 rule takes O3 from its 1-hour value
	}
	return int16(v)
}

// gateRows writes the AQI rows of days k0 … k1−1 from their sub-indices
// (finishGate): the columns are sliced to the run first, so the loop reads
// them without bounds checks.
func gateRows(r *Rules, e Edition, col *columns, k0, k1 int, out []aqiRow) {
	s0 := col.sub[0][k0:k1]
	n := len(s0)
	s1, s2, s3, s4, s5 := col.sub[1][k0:k0+n], col.sub[2][k0:k0+n], col.sub[3][k0:k0+n], col.sub[4][k0:k0+n], col.sub[5][k0:k0+n]
	out = out[:n]
	strict2012 := !e.Is2026() && r.GoodDaysRequireComplete2012
	for k := range out {
		x := [NumPollutants]int16{s0[k], s1[k], s2[k], s3[k], s4[k], s5[k]}
		// A sub-index is -1 where there is none: its sign bit marks it
		// missing.
		missing := PollutantSet(uint16(x[0])>>15 | uint16(x[1])>>15<<1 | uint16(x[2])>>15<<2 |
			uint16(x[3])>>15<<3 | uint16(x[4])>>15<<4 | uint16(x[5])>>15<<5)
		if missing == allPollutants || (strict2012 && missing != 0) {
			out[k] = aqiRow{}
			continue
		}
		aqi, primary, ok := aqiGate(e, x[0], x[1], x[2], x[3], x[4], x[5], missing)
		if !ok {
			out[k] = aqiRow{}
			continue
		}
		out[k] = aqiRow{aqi: int16(aqi), level: LevelOf(aqi), primary: primary, ok: true}
	}
}
