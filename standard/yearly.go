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
	seriesRows(r, s, lo, a0, b0, rows, dust)
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
func seriesRows(r *Rules, s *Series, lo, a0, b0 int32, rows *dayRows, dust DustMask) {
	c1, c2 := DayNumber(r.Cutover2026), DayNumber(r.FinalLimitsFrom)
	minH := r.MinHoursDaily
	so2, no2, co, pm10, pm25, o3 := s.V[SO2], s.V[NO2], s.V[CO], s.V[PM10], s.V[PM25], s.V[O3]
	var mc monthCounter
	mc.init(a0, b0)
	var mlo, mhi, idx int32 = 1, 0, 0
	n := len(rows.month)
	rows.n = n
	vSO2, vNO2, vCO := rows.val[SO2][:n], rows.val[NO2][:n], rows.val[CO][:n]
	vPM10, vPM25, vO3 := rows.val[PM10][:n], rows.val[PM25][:n], rows.val[O3][:n]
	for k := range n {
		dn := lo + int32(k)
		if dn < mlo || dn > mhi {
			y, m, _ := civil(dn)
			mlo = dayNum(y, m, 1)
			mhi = mlo + int32(daysInMonth(y, m)) - 1
			idx = mc.monthIndex(dn)
		}
		rows.month[k] = idx
		isDust := len(dust) > 0 && dust.Has(dn)
		rows.dust[k] = isDust
		if isDust {
			rows.dusty++
		}
		i := 24 * int(dn-s.firstDay)
		var c [NumPollutants]Conc
		c[SO2] = dayPublished(SO2, minH, (*[24]Conc)(so2[i:i+24]))
		c[NO2] = dayPublished(NO2, minH, (*[24]Conc)(no2[i:i+24]))
		c[CO] = dayPublished(CO, minH, (*[24]Conc)(co[i:i+24]))
		c[PM10] = dayPublished(PM10, minH, (*[24]Conc)(pm10[i:i+24]))
		c[PM25] = dayPublished(PM25, minH, (*[24]Conc)(pm25[i:i+24]))
		n1, nw, bs, bc, mx := mda8Scan(r, (*[24]Conc)(o3[i:i+24]))
		c[O3] = Missing
		if bc != 0 {
			c[O3], _ = mda8Published(r, nw, bs, bc)
		}
		max1h := Missing
		if n1 > 0 && n1 >= r.MinHoursO3Max1H {
			max1h = roundedMax1H(mx)
		}
		vSO2[k], vNO2[k], vCO[k], vPM10[k], vPM25[k], vO3[k] = c[SO2], c[NO2], c[CO], c[PM10], c[PM25], c[O3]
		e := Edition2012
		if dn >= c2 {
			e = Edition2031
		} else if dn >= c1 {
			e = Edition2026
		}
		rows.aqi[k] = publishedAQI(r, e, &c, max1h)
	}
}

// dayPublished is the published daily mean of one day's 24 hourly values,
// Missing when fewer than minH are valid (see dayMeanInto).
func dayPublished(p Pollutant, minH int, h *[24]Conc) Conc {
	sum, n := validSum(h)
	if n >= minH && n > 0 {
		return roundedMean(p, sum, n)
	}
	return Missing
}

// publishedAQI is the row of the daily AQI of the published values c
// (Missing where not valid; O3 its MDA8) and O3 daily maximum 1-hour value
// max1h under edition e, as dayAQIRounded and finishGate compute it.
func publishedAQI(r *Rules, e Edition, c *[NumPollutants]Conc, max1h Conc) aqiRow {
	lut := &iaqiLUT[tableIndex(e)]
	var v [NumPollutants]int
	var has PollutantSet
	sub := func(p Pollutant, it Item, unit uint32) {
		if c[p] == Missing {
			return
		}
		x, st := publishedIAQI(e, it, unit, lut[it], c[p])
		if st != IAQIAbove800 {
			v[p], has = x, has|1<<p
		}
	}
	sub(SO2, SO2_24H, ConcScale)
	sub(NO2, NO2_24H, ConcScale)
	sub(CO, CO_24H, ConcScale/10)
	sub(PM10, PM10_24H, ConcScale)
	sub(PM25, PM25_24H, ConcScale)
	sub(O3, O3_8H, ConcScale)
	if !e.Is2026() && max1h != Missing {
		// HJ 633-2012 §5.1.3: O3 enters with the larger of its 8-hour and
		// 1-hour sub-indices (mergeO3); the 1-hour one is never above 800.
		if y, _ := publishedIAQI(e, O3_1H, ConcScale, lut[O3_1H], max1h); !has.Has(O3) || y > v[O3] {
			v[O3], has = y, has|1<<O3
		}
	}
	missing := allPollutants &^ has
	if has == 0 {
		return aqiRow{}
	}
	aqi, primary, ok := aqiGate(e, &v, missing)
	if !ok || (!e.Is2026() && r.GoodDaysRequireComplete2012 && missing != 0) {
		return aqiRow{}
	}
	return aqiRow{aqi: int16(aqi), level: LevelOf(aqi), primary: primary, ok: true}
}
