package standard

import (
	"encoding/json"
	"math/big"
	"math/bits"
	"sync"
	"time"
)

// DustMask is the set of dust-affected days (沙尘天气, 环办监测〔2016〕120号),
// keyed by DayNumber. A nil mask has no dust days.
type DustMask map[int32]bool

// NewDustMask returns a mask holding the calendar days (Beijing) of days.
func NewDustMask(days ...time.Time) DustMask {
	m := DustMask{}
	for _, d := range days {
		m.Add(d)
	}
	return m
}

// Add marks the calendar day containing t.
func (m DustMask) Add(t time.Time) { m[DayNumber(t)] = true }

// Has reports whether day number d is a dust day.
func (m DustMask) Has(d int32) bool { return m[d] }

// MarkDust sets Daily.Dust on the days in the mask.
func MarkDust(days []Daily, m DustMask) {
	for i := range days {
		days[i].Dust = m.Has(days[i].Day)
	}
}

// ItemResult is the HJ 663 period assessment of one pollutant.
type ItemResult struct {
	Pollutant Pollutant `json:"-"`
	// Mean is the period mean of the daily values (for O3 of the daily
	// maximum 8-hour means; for CO and O3 it is informative, not assessed).
	Mean Value `json:"mean"`
	// Percentile is the P-th percentile of the daily values (SO2, NO2 98th;
	// PM10, PM2.5, CO 95th; O3 8-hour 90th).
	P          int   `json:"percentile_p"`
	Percentile Value `json:"percentile"`
	// MeanLimit and PercentileLimit are the limits compared with (Missing
	// when the item has no such limit: annual CO and O3).
	MeanLimit       Conc `json:"mean_limit"`
	PercentileLimit Conc `json:"percentile_limit"`
	// Assessed reports that the data suffice for a compliance judgement.
	Assessed bool `json:"assessed"`
	// Compliant is 达标: every assessed statistic within its limit.
	Compliant bool `json:"compliant"`
	// MeanMultiple and PercentileMultiple are the exceedance multiples
	// (C − S)/S, present only when the statistic exceeds its limit.
	MeanMultiple       Decimal `json:"mean_exceedance"`
	PercentileMultiple Decimal `json:"percentile_exceedance"`
	// Index is the single quality index Ci/Si (standards.md §3.8).
	Index Decimal `json:"index"`
	// ExceedDays counts valid days whose daily value exceeds the daily
	// (O3: 8-hour) limit; ExceedRate is their share of valid days in percent.
	ExceedDays int     `json:"exceed_days"`
	ExceedRate Decimal `json:"exceed_rate"`
}

// Period is the assessment of one variant (with dust or dust deducted).
type Period struct {
	// Items holds the six basic items, indexed by Pollutant.
	Items [NumPollutants]ItemResult `json:"-"`
	// Assessed reports that all six items could be assessed; Compliant is
	// 二级达标 (all six compliant).
	Assessed  bool `json:"assessed"`
	Compliant bool `json:"compliant"`
	// NonCompliant lists the items that exceed.
	NonCompliant PollutantSet `json:"non_compliant"`
	// AQIDays covers the days with a valid daily AQI (Valid) among the
	// calendar days of the period (Expected).
	AQIDays Coverage `json:"aqi_days"`
	// GoodDays have AQI ≤ 100; HeavyDays AQI > 200 (重度及以上).
	GoodDays   int     `json:"good_days"`
	GoodRatio  Decimal `json:"good_ratio"`
	HeavyDays  int     `json:"heavy_days"`
	HeavyRatio Decimal `json:"heavy_ratio"`
	// LevelDays counts valid AQI days per level (index 1…6).
	LevelDays [7]int `json:"level_days"`
	// PrimaryDays counts days on which each pollutant was (co-)primary.
	PrimaryDays [NumPollutants]int `json:"-"`
	// Composite is the composite index with Rules.CompositeWeights;
	// CompositeUnweighted Σ Ci/Si and Composite322 the 3/2/2-weighted form.
	Composite           Decimal `json:"composite"`
	CompositeUnweighted Decimal `json:"composite_unweighted"`
	Composite322        Decimal `json:"composite_322"`
}

// MarshalJSON encodes items and primary-day counts keyed by pollutant code.
func (p Period) MarshalJSON() ([]byte, error) {
	type plain Period
	items := map[string]ItemResult{}
	prim := map[string]int{}
	for i := range Pollutant(NumPollutants) {
		items[i.Code()] = p.Items[i]
		prim[i.Code()] = p.PrimaryDays[i]
	}
	return json.Marshal(struct {
		plain
		Items       map[string]ItemResult `json:"items"`
		PrimaryDays map[string]int        `json:"primary_days"`
	}{plain(p), items, prim})
}

// Assessment is the HJ 663 assessment of one station or area over a period,
// in both dust variants, plus the official combination.
type Assessment struct {
	Station string    `json:"station"`
	From    time.Time `json:"from"`
	To      time.Time `json:"to"`
	// Edition governs the period per Rules.Straddle; its documents are
	// named in EditionName, LimitStandard and AssessmentStandard.
	Edition            Edition `json:"edition"`
	EditionName        string  `json:"edition_name"`
	LimitStandard      string  `json:"limit_standard"`
	AssessmentStandard string  `json:"assessment_standard"`
	// Days is the number of calendar days in the period; DustDays those
	// marked dust-affected.
	Days     int `json:"days"`
	DustDays int `json:"dust_days"`
	// WithDust keeps every valid value (含沙); DustDeducted removes PM10
	// and PM2.5 values and the AQI of dust days (扣沙).
	WithDust     Period `json:"with_dust"`
	DustDeducted Period `json:"dust_deducted"`
	// Official combines them per Rules.DustDeductConcentrations and
	// Rules.DustDeductAQIDays (default: concentrations, compliance and
	// composite index deducted; AQI day counts with dust, as CNEMC reports).
	Official Period `json:"official"`
}

// Assess assesses the daily values of one station or area over the days
// from … to (inclusive, Beijing calendar days) by HJ 663: period means and
// percentiles with their validity, compliance per item and overall against
// the grade-II limits of the period's edition, exceedance multiples, single
// and composite indices, good and heavy-pollution days. days may hold more
// days than the period and need not be sorted (a day given twice counts
// once, the first); dust days are those in dust or marked Daily.Dust.
func Assess(r *Rules, days []Daily, from, to time.Time, dust DustMask) Assessment {
	r = orDefault(r)
	a0, b0 := DayNumber(from), DayNumber(to)
	sc := getScratch(len(days), b0-a0+1)
	defer scratchPool.Put(sc)
	rows := sc.reset(len(days), needExact(r))
	station := ""
	var mc monthCounter
	mc.init(a0, b0)
	// Days usually come in calendar order: the month of the previous day
	// is reused while the day stays inside it.
	var lo, hi, idx int32 = 1, 0, 0
	for i := range days {
		d := &days[i]
		if d.Day < a0 || d.Day > b0 {
			continue
		}
		// A day present twice counts once (the first occurrence).
		k := d.Day - a0
		if sc.seen[k/64]&(1<<(k%64)) != 0 {
			continue
		}
		sc.seen[k/64] |= 1 << (k % 64)
		if station == "" {
			station = d.Station
		}
		if d.Day < lo || d.Day > hi {
			y, m, _ := civil(d.Day)
			lo = dayNum(y, m, 1)
			hi = lo + int32(daysInMonth(y, m)) - 1
			idx = mc.monthIndex(d.Day)
		}
		rows.addDaily(r, d, idx, d.Dust || (len(dust) > 0 && dust.Has(d.Day)))
	}
	return assessRows(r, station, a0, b0, rows, sc)
}

// needExact reports whether the period statistics of r read the exact
// daily values rather than the published ones.
func needExact(r *Rules) bool { return !r.PeriodFromRoundedDaily || !r.CompareRounded }

// dayRows is the compact form of the days a period assessment reads, one
// row per day in no particular order: what HJ 663 takes from each day is
// its published daily values and its daily AQI, a few bytes, rather than
// the whole Daily.
type dayRows struct {
	n     int
	month []int32 // month index from the period's first month
	// val holds each pollutant's published daily value (MDA8 for O3),
	// Missing where the day's value is not valid; exact the exact values
	// (Den 0 where not valid), filled only when needExact.
	val   [NumPollutants][]Conc
	exact [NumPollutants][]Ratio
	aqi   []aqiRow
	dust  []bool // dust-affected days
	dusty int    // how many
	// spans cut the rows into runs of one month each, in order: one per
	// month when the days come in calendar order (AssessSeries's always
	// do), more when they do not.
	spans []monthSpan
}

// monthSpan is a run of rows of one month: the rows before end, from the
// previous span's end.
type monthSpan struct {
	month int32
	end   int
}

// aqiRow is what the period statistics read of a daily AQI.
type aqiRow struct {
	aqi     int16
	level   Level
	primary PollutantSet
	// ok: the day counts in the AQI-day statistics (aqiDayValid).
	ok bool
}

// addDaily appends the row of day d.
func (rows *dayRows) addDaily(r *Rules, d *Daily, month int32, dust bool) {
	k := rows.n
	rows.n++
	vs := &d.Values
	rows.val[SO2][k] = publishedOf(&vs[SO2])
	rows.val[NO2][k] = publishedOf(&vs[NO2])
	rows.val[CO][k] = publishedOf(&vs[CO])
	rows.val[O3][k] = publishedOf(&vs[O3])
	rows.val[PM10][k] = publishedOf(&vs[PM10])
	rows.val[PM25][k] = publishedOf(&vs[PM25])
	if rows.exact[0] != nil {
		for p := range rows.exact {
			q := Ratio{}
			if v := &vs[p]; v.valid() {
				q = v.Exact
			}
			rows.exact[p][k] = q
		}
	}
	rows.aqi[k] = aqiRow{aqi: int16(d.AQI.AQI), level: d.AQI.Level, primary: d.AQI.Primary, ok: aqiDayValid(r, &d.AQI)}
	rows.month[k] = month
	rows.dust[k] = dust
	if dust {
		rows.dusty++
	}
	// Days in calendar order make one span per month; any order is
	// correct, as a span is only a run of rows of one month.
	if last := len(rows.spans) - 1; last >= 0 && rows.spans[last].month == month {
		rows.spans[last].end = k + 1
	} else {
		rows.spans = append(rows.spans, monthSpan{month, k + 1})
	}
}

// publishedOf is the value a period assessment reads of a daily value:
// the published one, or Missing when it is not valid.
func publishedOf(v *Value) Conc {
	if v.valid() {
		return v.Rounded
	}
	return Missing
}

// assessRows is Assess on the rows of the days inside a0 … b0.
func assessRows(r *Rules, station string, a0, b0 int32, rows *dayRows, sc *scratch) Assessment {
	e := r.EditionForPeriod(DayFromNumber(a0), DayFromNumber(b0))
	as := Assessment{
		Station: station, From: DayFromNumber(a0), To: DayFromNumber(b0),
		Edition: e, EditionName: e.Name(), LimitStandard: e.LimitStandard(),
		AssessmentStandard: e.AssessmentStandard(),
		DustDays:           rows.dusty,
	}
	if b0 >= a0 {
		as.Days = int(b0 - a0 + 1)
	}
	as.WithDust = assessPeriod(r, e, rows, a0, b0, false, sc)
	if as.DustDays == 0 {
		as.DustDeducted = as.WithDust
	} else {
		as.DustDeducted = assessPeriod(r, e, rows, a0, b0, true, sc)
	}
	as.Official = as.WithDust
	if r.DustDeductConcentrations {
		as.Official.Items = as.DustDeducted.Items
		as.Official.Assessed = as.DustDeducted.Assessed
		as.Official.Compliant = as.DustDeducted.Compliant
		as.Official.NonCompliant = as.DustDeducted.NonCompliant
		as.Official.Composite = as.DustDeducted.Composite
		as.Official.CompositeUnweighted = as.DustDeducted.CompositeUnweighted
		as.Official.Composite322 = as.DustDeducted.Composite322
	}
	if r.DustDeductAQIDays {
		o := &as.Official
		dd := &as.DustDeducted
		o.AQIDays, o.GoodDays, o.GoodRatio = dd.AQIDays, dd.GoodDays, dd.GoodRatio
		o.HeavyDays, o.HeavyRatio, o.LevelDays, o.PrimaryDays = dd.HeavyDays, dd.HeavyRatio, dd.LevelDays, dd.PrimaryDays
	}
	return as
}

// dayGather walks one pollutant's daily values of a period: it counts
// the valid days per month (GB 3095 表4) into the counts it is given,
// collects the values for the mean and percentile, sums them and counts
// the days above the short-term limit. It is its own function so that its
// loop keeps every counter in a register.
type dayGather struct {
	month []int32 // month index of each day
	dust  []bool  // dust days whose values are deducted (nil: none)
	rules *Rules
	// rounded: the period statistics use the published daily values.
	rounded bool
	lim     Conc // short-term (daily) limit, Missing when none
	// in and inExact are the rows' values (inExact nil unless needExact);
	// vals and exacts receive the valid ones.
	in      []Conc
	inExact []Ratio
	spans   []monthSpan // see dayRows
	vals    []Conc
	exacts  []Ratio
	total   int
	exceed  int
	sum     int64
}

func (g *dayGather) run(counts []int) {
	if g.rounded && g.rules.CompareRounded && g.dust == nil && cap(g.vals) >= len(g.in) {
		g.runSpans(counts)
		return
	}
	month, dust := g.month, g.dust
	rounded, lim, hasLim := g.rounded, g.lim, g.lim != Missing
	compareRounded, dustValid := g.rules.CompareRounded, g.rules.DustDaysCountAsValid
	vals, exacts := g.vals, g.exacts
	var total, ex int
	var sum int64
	for k, c := range g.in {
		var q Ratio
		if g.inExact != nil {
			if q = g.inExact[k]; q.Den == 0 {
				continue
			}
		} else if c == Missing {
			continue
		}
		m := month[k]
		if dust != nil && dust[k] {
			if dustValid {
				if m >= 0 && int(m) < len(counts) {
					counts[m]++
				}
				total++
			}
			continue
		}
		if m >= 0 && int(m) < len(counts) {
			counts[m]++
		}
		total++
		if rounded {
			vals = append(vals, c)
			sum += int64(c)
		} else {
			exacts = append(exacts, q)
		}
		if hasLim {
			// The daily value is already rounded for publication.
			if compareRounded {
				if c > lim {
					ex++
				}
			} else if q.Cmp(int64(lim)) > 0 {
				ex++
			}
		}
	}
	g.vals, g.exacts, g.total, g.exceed, g.sum = vals, exacts, total, ex, sum
}

// runSpans is run in the default configuration (published daily values,
// compared rounded, no dust deduction): it walks the rows a month span at
// a time, so each month's valid days are counted once per month instead
// of once per day.
func (g *dayGather) runSpans(counts []int) {
	in := g.in
	vals := g.vals[:len(in)]
	lim := g.lim
	if lim == Missing {
		lim = MaxConc // no limit: nothing valid is above it
	}
	n, ex, start := 0, 0, 0
	var sum int64
	for _, sp := range g.spans {
		k, e, t := gatherMonth(in[start:sp.end], vals[n:], lim)
		if m := sp.month; m >= 0 && int(m) < len(counts) {
			counts[m] += k
		}
		n, ex, sum, start = n+k, ex+e, sum+t, sp.end
	}
	g.vals, g.total, g.exceed, g.sum = vals[:n], n, ex, sum
}

// gatherMonth copies the valid values of in to the front of vals (which
// is at least as long) and returns their number, how many exceed lim, and
// their sum. It is kept out of line so that its loop has the registers to
// itself.
//
//go:noinline
func gatherMonth(in, vals []Conc, lim Conc) (n, ex int, sum int64) {
	vals = vals[:len(in)]
	for _, c := range in {
		if c == Missing {
			continue
		}
		vals[n] = c
		n++
		sum += int64(c)
		ex += int(b2u(c > lim)) // as random as the weather: no branch
	}
	return n, ex, sum
}

// scratch holds the working buffers of Assess, recycled through
// scratchPool so that assessing many stations allocates nothing: a bit set
// of the days seen, the rows of the period's days, and each pollutant's
// valid values. Nothing in a result points into it.
type scratch struct {
	seen     []uint64
	rows     dayRows
	vals     [NumPollutants][]Conc
	exacts   [NumPollutants][]Ratio
	exactBuf [NumPollutants][]Ratio // backs rows.exact and exacts
}

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// getScratch returns buffers for up to n days and a period of span days,
// with the seen set cleared.
func getScratch(n int, span int32) *scratch {
	sc := scratchPool.Get().(*scratch)
	if cap(sc.rows.month) < n {
		sc.rows.month = make([]int32, n)
		sc.rows.aqi = make([]aqiRow, n)
		sc.rows.dust = make([]bool, n)
		buf := make([]Conc, 2*NumPollutants*n)
		for p := range sc.vals {
			sc.rows.val[p] = buf[p*n : (p+1)*n : (p+1)*n]
			sc.vals[p] = buf[(NumPollutants+p)*n : (NumPollutants+p)*n : (NumPollutants+p+1)*n]
		}
	}
	words := 0
	if span > 0 {
		words = int((span-1)/64 + 1)
	}
	if cap(sc.seen) < words {
		sc.seen = make([]uint64, words)
	}
	sc.seen = sc.seen[:words]
	clear(sc.seen)
	return sc
}

// reset empties the rows for up to n days, with exact values when exact.
func (sc *scratch) reset(n int, exact bool) *dayRows {
	rows := &sc.rows
	rows.n, rows.dusty, rows.spans = 0, 0, rows.spans[:0]
	rows.month, rows.aqi, rows.dust = rows.month[:n], rows.aqi[:n], rows.dust[:n]
	for p := range rows.val {
		rows.val[p] = rows.val[p][:n]
		if !exact {
			rows.exact[p] = nil
			continue
		}
		// One buffer per pollutant holds the rows' exact values and, after
		// them, the gathered ones.
		if len(sc.exactBuf[p]) < 2*n {
			sc.exactBuf[p] = make([]Ratio, 2*n)
		}
		buf := sc.exactBuf[p]
		rows.exact[p], sc.exacts[p] = buf[:n:n], buf[n:n:2*n]
	}
	return rows
}

// assessPeriod computes one variant; deduct tells whether the PM values
// and the AQI of the dust days are removed. Each pollutant's rows are
// walked once, gathering its values and month counts; then the AQI rows.
func assessPeriod(r *Rules, e Edition, rows *dayRows, a0, b0 int32, deduct bool, sc *scratch) Period {
	var per Period
	annual, short := AssessedLimits(e, GradeII)
	dec := decimalsOf(r)
	rounded := r.PeriodFromRoundedDaily
	per.AQIDays.Expected = int(b0 - a0 + 1)
	n := rows.n
	dustDay := rows.dust[:n]

	var mc [NumPollutants]monthCounter
	var sum [NumPollutants]int64
	var exceed [NumPollutants]int
	// Pollutant by pollutant: each pass keeps its counters, sum and limit
	// in registers while it walks the days.
	for p := range Pollutant(NumPollutants) {
		mc[p].init(a0, b0)
		g := dayGather{
			month: rows.month[:n], rules: r,
			rounded: rounded, lim: short[p],
			in:    rows.val[p][:n],
			spans: rows.spans,
			vals:  sc.vals[p][:0], exacts: sc.exacts[p][:0],
		}
		if rows.exact[p] != nil {
			g.inExact = rows.exact[p][:n]
		}
		if deduct && (p == PM10 || p == PM25) {
			g.dust = dustDay
		}
		// The month counts stay outside dayGather: the struct's slices
		// grow on the heap, and anything beside them would be assumed to
		// leak there too, taking the counters (which live on the stack)
		// with them.
		g.run(mc[p].counts())
		mc[p].total = g.total
		sc.vals[p], sc.exacts[p] = g.vals, g.exacts
		sum[p], exceed[p] = g.sum, g.exceed
	}
	for k, d := range rows.aqi[:n] {
		if (deduct && dustDay[k]) || !d.ok {
			continue
		}
		per.AQIDays.Valid++
		aqi := d.aqi
		if aqi <= 100 {
			per.GoodDays++
		}
		if aqi > 200 {
			per.HeavyDays++
		}
		per.LevelDays[d.level]++
		for m := d.primary; m != 0; m &= m - 1 {
			per.PrimaryDays[bits.TrailingZeros8(uint8(m))]++
		}
	}

	per.Assessed, per.Compliant = true, true
	for p := range Pollutant(NumPollutants) {
		it := &per.Items[p]
		it.Pollutant = p
		it.P = r.Percentiles[p]
		it.MeanLimit, it.PercentileLimit = annual[p], short[p]
		it.ExceedDays = exceed[p]
		dropPM := deduct && (p == PM10 || p == PM25)
		n := len(sc.vals[p])
		if !rounded {
			n = len(sc.exacts[p])
		}
		cov := periodCoverage(r, &mc[p], a0, b0)
		cov.Valid = n // days whose values enter the statistics
		if !cov.OK && !r.DayCountsForCOO3 && (p == CO || p == O3) && n > 0 {
			cov.OK, cov.Reason = true, ""
		}
		if dropPM {
			if cov.Reason == "" {
				cov.Reason = reasonDustDeducted
			} else {
				cov.Reason += "; " + reasonDustDeducted
			}
		}
		var mean, pct Ratio
		if n > 0 {
			if rounded {
				mean = reduce(Ratio{sum[p], int64(n)})
				pct = percentileInPlace(sc.vals[p], it.P)
			} else {
				bsum := new(big.Rat)
				for _, q := range sc.exacts[p] {
					bsum.Add(bsum, new(big.Rat).SetFrac64(q.Num, q.Den))
				}
				bsum.Quo(bsum, new(big.Rat).SetInt64(int64(n)))
				mean, _ = RatioFromRat(bsum)
				pct = PercentileExact(sc.exacts[p], it.P)
			}
			it.ExceedRate = Decimal{reduce(Ratio{int64(it.ExceedDays) * 100, int64(n)}), r.PercentDecimals}
		}
		it.Mean = makeValue(p, mean, cov)
		it.Percentile = makeValue(p, pct, cov)
		it.Assessed = cov.OK
		it.Compliant = cov.OK
		if annual[p] != Missing && it.Mean.Valid() {
			if r.aboveLimit(p, mean, annual[p]) {
				it.Compliant = false
				it.MeanMultiple = exceedance(r, p, mean, annual[p], dec.exceed)
			}
		}
		if short[p] != Missing && it.Percentile.Valid() {
			if r.aboveLimit(p, pct, short[p]) {
				it.Compliant = false
				it.PercentileMultiple = exceedance(r, p, pct, short[p], dec.exceed)
			}
		}
		if it.Assessed {
			c := mean
			if p == CO || p == O3 {
				c = pct
			}
			it.Index = Decimal{indexOf(r, p, c, IndexLimit(e, p)), dec.index}
		}
		if !it.Assessed {
			per.Assessed = false
			per.Compliant = false
		} else if !it.Compliant {
			per.Compliant = false
			per.NonCompliant = per.NonCompliant.With(p)
		}
	}
	if per.Assessed {
		var ci [NumPollutants]Ratio
		for p := range ci {
			ci[p] = indexConc(r, Pollutant(p), per.Items[p])
		}
		per.Composite = compositeRatio(e, &ci, r.CompositeWeights, dec.index)
		per.CompositeUnweighted = compositeRatio(e, &ci, Unweighted, dec.index)
		per.Composite322 = compositeRatio(e, &ci, Weights322, dec.index)
	}
	per.AQIDays.OK = per.AQIDays.Valid > 0
	if !per.AQIDays.OK {
		per.AQIDays.Reason = reasonNoData
	}
	if per.AQIDays.Valid > 0 {
		v := int64(per.AQIDays.Valid)
		per.GoodRatio = Decimal{reduce(Ratio{int64(per.GoodDays) * 100, v}), r.PercentDecimals}
		per.HeavyRatio = Decimal{reduce(Ratio{int64(per.HeavyDays) * 100, v}), r.PercentDecimals}
	}
	return per
}

// aqiDayValid decides whether a day counts in the good-days ratio
// (standards.md §3.6 ⚠️).
func aqiDayValid(r *Rules, a *AQIResult) bool {
	if !a.Available {
		return false
	}
	if !a.Edition.Is2026() && r.GoodDaysRequireComplete2012 && !a.Complete {
		return false
	}
	return true
}

type decimals struct{ exceed, index int }

func decimalsOf(r *Rules) decimals { return decimals{r.ExceedanceDecimals, r.IndexDecimals} }

// exceedance returns (C − S)/S with C rounded first under 修约值比较法.
func exceedance(r *Rules, p Pollutant, c Ratio, s Conc, dec int) Decimal {
	if r.CompareRounded {
		c = Ratio{int64(roundThousandths(c.Num, c.Den, p.PublishedDecimals())), 1}
	}
	return Decimal{reduce(Ratio{c.Num - int64(s)*c.Den, int64(s) * c.Den}), dec}
}

// indexConc is the concentration Ci entering the indices: the mean for
// SO2, NO2, PM10 and PM2.5, the percentile for CO and O3, as published
// (rounded) unless Rules.CompareRounded is off.
func indexConc(r *Rules, p Pollutant, it ItemResult) Ratio {
	v := it.Mean
	if p == CO || p == O3 {
		v = it.Percentile
	}
	if !v.Valid() {
		return Ratio{}
	}
	if r.CompareRounded {
		return Ratio{int64(v.Rounded), 1}
	}
	return v.Exact
}

func indexOf(r *Rules, p Pollutant, c Ratio, s Conc) Ratio {
	if r.CompareRounded {
		c = Ratio{int64(roundThousandths(c.Num, c.Den, p.PublishedDecimals())), 1}
	}
	return reduce(Ratio{c.Num, c.Den * int64(s)})
}

// CompositeIndex computes Σ w_i·Ci/Si (环境空气质量综合指数, standards.md §3.8,
// §4.2) over the six pollutants with concentrations ci (Conc units: means
// of SO2, NO2, PM10, PM2.5; CO 24-hour 95th and O3 8-hour 90th
// percentiles) against the grade-II limits of edition e, exactly, published
// with decimals places. Any Missing concentration makes it absent.
func CompositeIndex(e Edition, ci [NumPollutants]Conc, weights [NumPollutants]int64, decimals int) Decimal {
	var q [NumPollutants]Ratio
	for p, c := range ci {
		q[p] = RatioOf(c)
	}
	return compositeRatio(e, &q, weights, decimals)
}

func compositeRatio(e Edition, ci *[NumPollutants]Ratio, weights [NumPollutants]int64, decimals int) Decimal {
	var terms [NumPollutants]Ratio
	for p := range Pollutant(NumPollutants) {
		if !ci[p].Valid() {
			return Decimal{Decimals: decimals}
		}
		terms[p] = Ratio{weights[p] * ci[p].Num, int64(IndexLimit(e, p)) * ci[p].Den}
	}
	return Decimal{sumRatios(terms[:]), decimals}
}

// sumRatios adds exact ratios over their least common denominator in
// int64, falling back to math/big if anything would overflow. It reduces
// the terms in place.
func sumRatios(terms []Ratio) Ratio {
	var l int64 = 1
	ok := true
	for i := range terms {
		terms[i] = reduce(terms[i])
		t := terms[i]
		g := gcd(l, t.Den)
		hi, lo := bits.Mul64(uint64(l/g), uint64(t.Den))
		if hi != 0 || lo > 1<<52 {
			ok = false
			break
		}
		l = int64(lo)
	}
	if ok {
		var sum int64
		for _, t := range terms {
			f := l / t.Den
			hi, lo := bits.Mul64(uabs(t.Num), uint64(f))
			if hi != 0 || lo > 1<<60 {
				ok = false
				break
			}
			v := int64(lo)
			if t.Num < 0 {
				v = -v
			}
			sum += v
			if sum > 1<<61 || sum < -(1<<61) {
				ok = false
				break
			}
		}
		if ok {
			return reduce(Ratio{sum, l})
		}
	}
	acc := new(big.Rat)
	for _, t := range terms {
		acc.Add(acc, new(big.Rat).SetFrac64(t.Num, t.Den))
	}
	q, _ := RatioFromRat(acc)
	return q
}

func gcd(a, b int64) int64 {
	if a < 0 {
		a = -a
	}
	if b < 0 {
		b = -b
	}
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

// ChangeRate returns (cur − prev)/prev × 100 % (standards.md §4.1/§4.2):
// positive is deterioration, negative improvement. The indices are compared
// as published (rounded to their Decimals) when roundFirst is set, which is
// how rankings of published indices are computed.
func ChangeRate(cur, prev Decimal, decimals int, roundFirst bool) Decimal {
	if !cur.Valid() || !prev.Valid() {
		return Decimal{Decimals: decimals}
	}
	c, p := cur.Exact, prev.Exact
	if roundFirst {
		c = Ratio{cur.Scaled(), pow10[cur.Decimals]}
		p = Ratio{prev.Scaled(), pow10[prev.Decimals]}
	}
	if p.Num == 0 {
		return Decimal{Decimals: decimals}
	}
	x := new(big.Rat).SetFrac64(c.Num, c.Den)
	y := new(big.Rat).SetFrac64(p.Num, p.Den)
	x.Sub(x, y)
	x.Quo(x, y)
	x.Mul(x, big.NewRat(100, 1))
	q, _ := RatioFromRat(x)
	return Decimal{q, decimals}
}
