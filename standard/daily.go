package standard

import (
	"encoding/binary"
	"encoding/json"
	"math"
	"sync"
	"time"
	"unsafe"
)

// Coverage states how complete the data behind an aggregate were and
// whether the aggregate is valid under GB 3095 表4 / HJ 663 (standards.md
// §2.6, §3.4). Every aggregate the engine returns carries one.
type Coverage struct {
	// Valid is the number of valid inputs (hours, 8-hour windows, days,
	// stations) and Expected the number the period holds.
	Valid    int `json:"valid"`
	Expected int `json:"expected"`
	// OK reports that the aggregate is valid.
	OK bool `json:"ok"`
	// Reason explains an invalid aggregate, or a valid one that is valid
	// only by an exception; empty otherwise.
	Reason string `json:"reason,omitempty"`
}

// Reasons given in Coverage. They are constants so kernels never allocate.
const (
	reasonFewHours       = "fewer valid hours than required (GB 3095 表4)"
	reasonFewWindows     = "fewer than the required valid 8-hour means (HJ 663 §6.1.2)"
	reasonAboveLimit     = "fewer valid 8-hour means than required, valid because above the limit (HJ 663 §6.1.2)"
	reasonFewDaysYear    = "fewer valid days in the year than required (GB 3095 表4: 324)"
	reasonFewDaysMonth   = "a calendar month has fewer valid days than required (GB 3095 表4: 27, February 25)"
	reasonNoData         = "no valid data"
	reasonFewStations    = "fewer valid stations than the required share"
	reasonDustDeducted   = "dust-affected values deducted"
	reasonNotAssessed    = "no limit for this item"
	reasonIncomplete2012 = "not all six pollutants valid"
)

// Value is an aggregate concentration: the exact value, the value rounded
// for publication, and its coverage.
type Value struct {
	// Exact is the exact value in Conc units (thousandths of the unit);
	// Den 0 when nothing could be computed.
	Exact Ratio
	// Rounded is Exact rounded by GB/T 8170 to the published precision
	// (integer µg/m³, CO 0.1 mg/m³); Missing when not valid.
	Rounded Conc
	// Coverage says whether the value is valid and why.
	Coverage Coverage
}

// Valid reports whether the value is valid (enough data).
func (v Value) Valid() bool { return v.valid() }

// valid is Valid without copying the Value, for the per-day loops.
func (v *Value) valid() bool { return v.Coverage.OK && v.Exact.Den != 0 }

// Float returns the exact value in the unit (NaN when absent).
func (v Value) Float() float64 {
	if v.Exact.Den == 0 {
		return math.NaN()
	}
	return float64(v.Exact.Num) / float64(v.Exact.Den) / ConcScale
}

// ExactString formats the exact value in the unit, terminating decimals in
// full and others to 12 places.
func (v Value) ExactString() string {
	if v.Exact.Den == 0 {
		return ""
	}
	return Ratio{v.Exact.Num, v.Exact.Den * ConcScale}.String()
}

// MarshalJSON encodes {"value": rounded or null, "exact": float or null,
// "coverage": …}.
func (v Value) MarshalJSON() ([]byte, error) {
	var exact *float64
	if v.Exact.Den != 0 {
		f := v.Float()
		exact = &f
	}
	return json.Marshal(struct {
		Value    Conc     `json:"value"`
		Exact    *float64 `json:"exact"`
		Coverage Coverage `json:"coverage"`
	}{v.Rounded, exact, v.Coverage})
}

func makeValue(p Pollutant, q Ratio, cov Coverage) Value {
	var v Value
	setValue(&v, p, q, cov)
	return v
}

// setValue fills *v in place (the kernels write straight into their
// results rather than copying structs around).
func setValue(v *Value, p Pollutant, q Ratio, cov Coverage) {
	v.Exact = q
	v.Coverage = cov
	v.Rounded = Missing
	if cov.OK && q.Den != 0 {
		v.Rounded = roundThousandths(q.Num, q.Den, p.PublishedDecimals())
	}
}

// Daily holds one station's (or area's) statistics of one calendar day
// (hours ending 01:00 … 24:00) and the daily AQI computed from them.
type Daily struct {
	// Station is the series the day belongs to.
	Station string
	// Date is midnight (Beijing) starting the day; Day its DayNumber.
	Date time.Time
	Day  int32
	// Edition is the edition in force on the day.
	Edition Edition
	// Values are the daily statistics of HJ 663 日评价: the daily (24-hour)
	// means of SO2, NO2, CO, PM10 and PM2.5 and, at index O3, the O3 daily
	// maximum 8-hour mean (MDA8).
	Values [NumPollutants]Value
	// O3Max1H is the O3 daily maximum 1-hour value (HJ 633-2012 日报),
	// valid with Rules.MinHoursO3Max1H valid hours.
	O3Max1H Value
	// AQI is the daily AQI (日报) from the valid values under Edition.
	AQI AQIResult
	// Dust marks a dust-affected day (环办监测〔2016〕120号), set by MarkDust.
	Dust bool
}

// MarshalJSON encodes the day with values keyed by pollutant code.
func (d Daily) MarshalJSON() ([]byte, error) {
	return json.Marshal(struct {
		Station string    `json:"station"`
		Date    string    `json:"date"`
		Edition Edition   `json:"edition"`
		Name    string    `json:"edition_name"`
		SO2     Value     `json:"so2"`
		NO2     Value     `json:"no2"`
		CO      Value     `json:"co"`
		O38H    Value     `json:"o3_8h"`
		O31H    Value     `json:"o3_1h"`
		PM10    Value     `json:"pm10"`
		PM25    Value     `json:"pm25"`
		AQI     AQIResult `json:"aqi"`
		Dust    bool      `json:"dust"`
	}{d.Station, d.Date.Format(time.DateOnly), d.Edition, d.Edition.Name(),
		d.Values[SO2], d.Values[NO2], d.Values[CO], d.Values[O3], d.O3Max1H,
		d.Values[PM10], d.Values[PM25], d.AQI, d.Dust})
}

// DailyStats computes the statistics of every day of s (see Daily), each
// day under its own edition. It allocates only the returned slice.
func DailyStats(r *Rules, s *Series) []Daily {
	return DailyStatsInto(r, s, make([]Daily, s.Days))
}

// DailyStatsInto is DailyStats writing into dst (reused when long enough).
//
// The hours are read column by column, as AssessSeries reads them: each
// pollutant's day sums come from one daySums call and the O3 windows from
// one mda8Days call (vector kernels on amd64), and the values are written
// into the days from those columns; then each day's AQI.
func DailyStatsInto(r *Rules, s *Series, dst []Daily) []Daily {
	r = orDefault(r)
	if cap(dst) < s.Days {
		dst = make([]Daily, s.Days)
	}
	dst = dst[:s.Days]
	if len(dst) == 0 {
		return dst
	}
	col := columnsPool.Get().(*columns)
	defer columnsPool.Put(col)
	col.reset(len(dst))
	minH := r.MinHoursDaily
	// Every field of every day is written below, so dst is not cleared.
	for _, p := range [...]Pollutant{SO2, NO2, CO, PM10, PM25} {
		daySums(s.V[p], col.sum, col.cnt)
		for d, t := range col.sum {
			meanValue(p, minH, t, int(col.cnt[d]), &dst[d].Values[p])
		}
	}
	mda8Days(s.V[O3], r.MinHours8H, col.cnt, col.nw, col.sum, col.bc, col.mx)
	for d, bs := range col.sum {
		mda8Values(r, int(col.cnt[d]), int(col.nw[d]), bs, int64(col.bc[d]), col.mx[d], &dst[d].Values[O3], &dst[d].O3Max1H)
	}
	c1, c2 := DayNumber(r.Cutover2026), DayNumber(r.FinalLimitsFrom)
	for d := range dst {
		dd := &dst[d]
		dn := s.firstDay + int32(d)
		e := Edition2012
		if dn >= c2 {
			e = Edition2031
		} else if dn >= c1 {
			e = Edition2026
		}
		dd.Station, dd.Day, dd.Edition, dd.Dust = s.Station, dn, e, false
		// Beijing time has no daylight saving: days are 24 h apart.
		dd.Date = s.First.Add(time.Duration(d) * 24 * time.Hour)
		dayAQIInto(r, dd, &dd.AQI)
	}
	return dst
}

// columnsPool recycles the working columns of DailyStatsInto and
// AssessSeries.
var columnsPool = sync.Pool{New: func() any { return new(columns) }}

// dayAQI computes the daily AQI from a day's valid statistics.
// When the rules round concentrations, the published (rounded) values are
// exactly what the IAQI interpolates, and they are already computed.
func dayAQI(r *Rules, d *Daily) AQIResult {
	var a AQIResult
	dayAQIInto(r, d, &a)
	return a
}

func dayAQIInto(r *Rules, d *Daily, a *AQIResult) {
	round := r.roundFor(d.Edition)
	if round {
		dayAQIRounded(d, a)
		return
	}
	var q [NumPollutants]Ratio
	for p := range q {
		if v := &d.Values[p]; v.valid() {
			q[p] = v.Exact
		}
	}
	var o Ratio
	if v := &d.O3Max1H; v.valid() {
		o = v.Exact
	}
	dailyAQIInto(r, d.Edition, &q, o, a)
}

// dayAQIRounded is the daily AQI when the rules round concentrations (HJ
// 633-2026 §4.2.2, and the 2012 practice by default): the published values
// of the day are whole table units already, so each sub-index is one
// lookup. It gives what dailyAQIInto gives on those values.
func dayAQIRounded(d *Daily, a *AQIResult) {
	e := d.Edition
	lut := &iaqiLUT[tableIndex(e)]
	// Every field is set here or below (the sub-indices by
	// roundedSubIndex): clearing the whole struct first costs more than
	// the rest of the AQI.
	a.Edition, a.Standard, a.Report = e, e.AQIStandard(), ReportDaily
	a.Available, a.AQI, a.PartialAQI = false, 0, 0
	a.Complete, a.OverRange, a.BelowRange = false, false, false
	a.Level, a.Category, a.CategoryEN, a.Colour = 0, "", "", ""
	a.Primary, a.Exceeding, a.Missing = 0, 0, 0
	roundedSubIndex(e, SO2_24H, ConcScale, lut[SO2_24H], &d.Values[SO2], &a.IAQI[SO2])
	roundedSubIndex(e, NO2_24H, ConcScale, lut[NO2_24H], &d.Values[NO2], &a.IAQI[NO2])
	roundedSubIndex(e, CO_24H, ConcScale/10, lut[CO_24H], &d.Values[CO], &a.IAQI[CO])
	roundedSubIndex(e, PM10_24H, ConcScale, lut[PM10_24H], &d.Values[PM10], &a.IAQI[PM10])
	roundedSubIndex(e, PM25_24H, ConcScale, lut[PM25_24H], &d.Values[PM25], &a.IAQI[PM25])
	roundedSubIndex(e, O3_8H, ConcScale, lut[O3_8H], &d.Values[O3], &a.IAQI[O3])
	if e.Is2026() {
		a.O3Other = SubIndex{Item: O3_1H, Conc: Missing}
	} else {
		// HJ 633-2012 §5.1.3: the 7th indicator, O3 daily max 1-hour.
		roundedSubIndex(e, O3_1H, ConcScale, lut[O3_1H], &d.O3Max1H, &a.O3Other)
		mergeO3(a)
	}
	finish(a)
}

// roundedSubIndex writes the sub-index of indicator it for the published
// (rounded) value of v, as IAQIExact would compute it from that value.
// unit is the table unit in thousandths (CO: 0.1 mg/m³) and lut the
// indicator's row of iaqiLUT, passed by the caller, which knows both.
func roundedSubIndex(e Edition, it Item, unit uint32, lut []int16, v *Value, s *SubIndex) {
	c := v.Rounded
	if c < 0 || !v.valid() {
		*s = SubIndex{Item: it, Conc: Missing}
		return
	}
	u, whole := tableUnits(c, unit)
	if !whole {
		*s = iaqiRatio(e, it, int64(c), 1, true)
		return
	}
	s.Item, s.Conc = it, c
	s.Value, s.Status = lutIAQI(e, it, c, u, lut)
}

// publishedIAQI is the sub-index value and status of indicator it for a
// published value c ≥ 0 (see roundedSubIndex).
func publishedIAQI(e Edition, it Item, unit uint32, lut []int16, c Conc) (int, IAQIStatus) {
	u, whole := tableUnits(c, unit)
	if !whole {
		s := iaqiRatio(e, it, int64(c), 1, true)
		return s.Value, s.Status
	}
	return lutIAQI(e, it, c, u, lut)
}

// tableUnits converts a value c ≥ 0 to whole table units (unit: the
// table unit in thousandths); whole is false when c is not a whole number
// of units (a value given by DailyFromValues with more decimals than
// published) or too large for the table lookup.
func tableUnits(c Conc, unit uint32) (u uint32, whole bool) {
	if c > MaxConc-ConcScale {
		return 0, false
	}
	// Constant divisors: the compiler multiplies instead of dividing.
	if unit != ConcScale {
		u = uint32(c) / (ConcScale / 10)
	} else {
		u = uint32(c) / ConcScale
	}
	return u, u*unit == uint32(c)
}

// lutIAQI is the sub-index of a whole number u of table units (c in
// thousandths) from the indicator's lookup row.
func lutIAQI(e Edition, it Item, c Conc, u uint32, lut []int16) (int, IAQIStatus) {
	if c > 800*ConcScale && (it == O3_8H || it == SO2_1H) {
		return above800(e, it)
	}
	if u < uint32(len(lut)) {
		return int(lut[u]), IAQIOK
	}
	return 500, IAQIOverRange
}

// meanValue writes the daily mean of pollutant p from the sum and number
// n of a day's valid hours (GB 3095 表4: valid with ≥ minH valid hours).
func meanValue(p Pollutant, minH int, sum int64, n int, v *Value) {
	// The fields are written one by one: a composite literal would be
	// built on the stack and copied.
	v.Exact = Ratio{sum, int64(n)}
	v.Rounded = Missing
	v.Coverage.Valid, v.Coverage.Expected = n, 24
	switch {
	case n >= minH && n > 0:
		v.Rounded = roundedMean(p, sum, n)
		v.Coverage.OK, v.Coverage.Reason = true, ""
	case n == 0:
		v.Exact = Ratio{}
		v.Coverage.OK, v.Coverage.Reason = false, reasonNoData
	default:
		v.Coverage.OK, v.Coverage.Reason = false, reasonFewHours
	}
}

// roundedMean is the published daily mean (GB/T 8170, integer µg/m³, CO
// 0.1 mg/m³) of n ≥ 1 valid hours summing to sum ≥ 0.
func roundedMean(p Pollutant, sum int64, n int) Conc {
	// 0 ≤ sum < 24·2^31 and 1 ≤ n ≤ 24: the reciprocal division of
	// roundMeanThousandths applies without its range checks.
	switch {
	case n == 24 && p != CO:
		// The usual full day: constant divisors, which the compiler turns
		// into multiplications.
		return Conc(roundHalfEvenConst(uint64(sum), 24*ConcScale) * ConcScale)
	case n == 24:
		return Conc(roundHalfEvenConst(uint64(sum), 24*ConcScale/10) * (ConcScale / 10))
	}
	k, unit := 0, uint64(ConcScale)
	if p == CO {
		k, unit = 1, ConcScale/10
	}
	return Conc(roundHalfEvenDiv(uint64(sum), uint64(n)*unit, meanRecip[k][n]) * int64(unit))
}

// roundHalfEvenConst is Round8170(n, d, 0) for n ≥ 0 and a constant d (it
// is inlined, so the division by d is a multiplication).
func roundHalfEvenConst(n, d uint64) int64 {
	q := n / d
	r := n - q*d
	return int64(q + roundsUp(q, 2*r, d))
}

// validSum returns the sum and number of the valid values of a day. A
// value is valid when it is not negative (Missing is the most negative
// int32, and HJ 633 treats negative concentrations as invalid).
//
// It runs 1,825 times per station-year, so it works on two values at a
// time: the day's 96 bytes are read as twelve native-endian 64-bit words,
// each holding two int32 lanes. When no lane is negative or at least 2^27
// (134,217 µg/m³ — nothing a monitor reports as valid), twelve lane sums
// cannot carry out of their 32 bits and the sum is the two lanes added:
// three instructions per pair of hours. A day with gaps takes
// validSumMasked; absurd magnitudes take the scalar validSumScalar.
func validSum(h *[24]Conc) (sum int64, n int) {
	w := (*[96]byte)(unsafe.Pointer(h))
	le := binary.NativeEndian
	x0, x1, x2, x3 := le.Uint64(w[0:]), le.Uint64(w[8:]), le.Uint64(w[16:]), le.Uint64(w[24:])
	x4, x5, x6, x7 := le.Uint64(w[32:]), le.Uint64(w[40:]), le.Uint64(w[48:]), le.Uint64(w[56:])
	x8, x9, xa, xb := le.Uint64(w[64:]), le.Uint64(w[72:]), le.Uint64(w[80:]), le.Uint64(w[88:])
	or := (x0 | x1 | x2 | x3) | (x4 | x5 | x6 | x7) | (x8 | x9 | xa | xb)
	if or&laneHigh != 0 {
		return validSumMasked(w)
	}
	acc := (x0 + x1 + x2 + x3) + (x4 + x5 + x6 + x7) + (x8 + x9 + xa + xb)
	return int64(acc&0xFFFF_FFFF) + int64(acc>>32), 24
}

// laneHigh marks, in each 32-bit lane, the sign bit and bits 27–30: a lane
// without them is a valid value below 2^27.
const laneHigh = 0xF800_0000_F800_0000

// validSumMasked is validSum for a day with invalid hours: each lane's
// sign bit (t, 0 or 1 per lane) counts it as missing and, multiplied out
// to a lane mask, clears it from the sum.
func validSumMasked(w *[96]byte) (sum int64, n int) {
	const signs = 0x1_0000_0001 // bit 0 of each lane, after the shift
	var acc, or, miss uint64
	le := binary.NativeEndian
	for i := 0; i < 96; i += 32 { // four words a step: Go does not unroll
		x0, x1, x2, x3 := le.Uint64(w[i:]), le.Uint64(w[i+8:]), le.Uint64(w[i+16:]), le.Uint64(w[i+24:])
		t0, t1, t2, t3 := x0>>31&signs, x1>>31&signs, x2>>31&signs, x3>>31&signs
		miss += (t0 + t1) + (t2 + t3)
		v0, v1 := x0&^(t0*0xFFFF_FFFF), x1&^(t1*0xFFFF_FFFF)
		v2, v3 := x2&^(t2*0xFFFF_FFFF), x3&^(t3*0xFFFF_FFFF)
		acc += (v0 + v1) + (v2 + v3)
		or |= (v0 | v1) | (v2 | v3)
	}
	if or&0x7800_0000_7800_0000 != 0 {
		return validSumScalar((*[24]Conc)(unsafe.Pointer(w)))
	}
	return int64(acc&0xFFFF_FFFF) + int64(acc>>32), 24 - int(miss&0xFFFF_FFFF+miss>>32)
}

// validSumScalar is validSum one value at a time, for any magnitudes:
// max(c, 0) (a conditional move) drops an invalid value from the sum and
// its sign bit counts it.
func validSumScalar(h *[24]Conc) (sum int64, n int) {
	var s0, s1 int64
	var m0, m1 uint32
	for i := 0; i < 24; i += 4 {
		a, b, c, d := h[i], h[i+1], h[i+2], h[i+3]
		s0 += int64(uint32(max(a, 0))) + int64(uint32(max(b, 0)))
		s1 += int64(uint32(max(c, 0))) + int64(uint32(max(d, 0)))
		m0 += uint32(a)>>31 + uint32(b)>>31
		m1 += uint32(c)>>31 + uint32(d)>>31
	}
	return s0 + s1, 24 - int(m0+m1)
}

// MDA8 computes the O3 daily maximum 8-hour mean of one day's 24 hourly
// values (index 0 = hour ending 01:00) and the number of valid 8-hour
// windows, under the validity rules of r.
func MDA8(r *Rules, hours [24]Conc) (Value, int) {
	r = orDefault(r)
	var v, m Value
	mda8Into(r, &hours, &v, &m)
	return v, v.Coverage.Valid
}

// mda8Into writes the O3 daily maximum 8-hour mean and maximum 1-hour
// value of one day.
func mda8Into(r *Rules, h *[24]Conc, mda8, max1h *Value) {
	n1, nw, bs, bc, mx := mda8Scan(r.MinHours8H, h)
	mda8Values(r, n1, nw, bs, bc, mx, mda8, max1h)
}

// mda8Values writes the O3 daily maximum 8-hour mean and maximum 1-hour
// value of a day from its window search (mda8Scan's results).
func mda8Values(r *Rules, n1, nw int, bs, bc int64, mx Conc, mda8, max1h *Value) {
	mx64 := int64(mx)
	max1h.Coverage = Coverage{Valid: n1, Expected: 24}
	max1h.Exact, max1h.Rounded = Ratio{}, Missing
	switch {
	case n1 == 0:
		max1h.Coverage.Reason = reasonNoData
	case n1 < r.MinHoursO3Max1H:
		max1h.Exact = Ratio{mx64, 1}
		max1h.Coverage.Reason = reasonFewHours
	default:
		max1h.Exact = Ratio{mx64, 1}
		max1h.Coverage.OK = true
		max1h.Rounded = roundedMax1H(mx)
	}

	mda8.Coverage = Coverage{Valid: nw, Expected: 17}
	mda8.Exact, mda8.Rounded = Ratio{}, Missing
	if bc == 0 {
		mda8.Coverage.Reason = reasonNoData
		return
	}
	mda8.Exact = Ratio{bs, bc}
	rounded, reason := mda8Published(r, nw, bs, bc)
	mda8.Coverage.Reason = reason
	if rounded != Missing {
		mda8.Coverage.OK = true
		mda8.Rounded = rounded
	}
}

// roundedMax1H is the published O3 daily maximum 1-hour value of a day
// whose largest valid hour is mx ≥ 0 (integer µg/m³, a constant divisor).
func roundedMax1H(mx Conc) Conc {
	return Conc(roundHalfEvenConst(uint64(mx), ConcScale) * ConcScale)
}

// mda8Scan finds one day's O3 8-hour windows, each valid with minH valid
// hours (Rules.MinHours8H; see mda8Gaps for the results).
func mda8Scan(minH int, h *[24]Conc) (n1, nw int, bs, bc int64, mx Conc) {
	if !dayComplete(h) || minH > 8 {
		return mda8Gaps(minH, h)
	}
	// Every hour valid (the usual day): all 17 windows are valid with 8
	// hours each, so the best mean is the best sum, found by sliding one
	// window along the day. Written out four hours a step: Go does not
	// unroll loops, and the loop overhead would double the work.
	w := int64(h[0]) + int64(h[1]) + int64(h[2]) + int64(h[3]) +
		int64(h[4]) + int64(h[5]) + int64(h[6]) + int64(h[7])
	mx = max(h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7])
	bs = w
	for t := 8; t < 24; t += 4 {
		a, b, c, d := h[t], h[t+1], h[t+2], h[t+3]
		mx = max(mx, a, b, c, d)
		w0 := w + int64(a) - int64(h[t-8])
		w1 := w0 + int64(b) - int64(h[t-7])
		w2 := w1 + int64(c) - int64(h[t-6])
		w = w2 + int64(d) - int64(h[t-5])
		bs = max(bs, w0, w1, w2, w)
	}
	return 24, 17, bs, 8, mx
}

// mda8Published applies the validity of HJ 663 §6.1.2 to the best window
// (sum bs of bc ≥ 1 valid hours, nw valid windows): it returns the
// published MDA8, or Missing when the day has no valid MDA8, and the
// coverage reason.
func mda8Published(r *Rules, nw int, bs, bc int64) (Conc, string) {
	// One division path whatever the hour count (the reciprocal of
	// bc·1000): whether the best window has a gap is unpredictable.
	rounded := roundMeanThousandths(O3, bs, int(bc))
	if nw >= r.MinWindowsMDA8 && nw > 0 {
		return rounded, ""
	}
	above := rounded > r.MDA8ValidityLimit
	if !r.CompareRounded {
		above = Ratio{bs, bc}.Cmp(int64(r.MDA8ValidityLimit)) > 0
	}
	if !above {
		return Missing, reasonFewWindows
	}
	return rounded, reasonAboveLimit
}

// mda8Gaps is the window search of a day with missing hours: prefix sums
// of values and counts (negative = missing, as in validSum) give each
// window's valid hours; a window needs minH8 (Rules.MinHours8H) of them. It returns
// the valid hours n1, the valid windows nw, the best window's sum and count
// (bc 0 when no window is valid) and the largest valid hourly value (-1
// when none).
func mda8Gaps(minH8 int, h *[24]Conc) (n1, nw int, bs, bc int64, mx Conc) {
	var ps, pc [25]int64
	mx = -1
	for i := 0; i < 24; i += 4 {
		a, b, c, d := int64(h[i]), int64(h[i+1]), int64(h[i+2]), int64(h[i+3])
		ma, mb, mc, md := a>>63, b>>63, c>>63, d>>63 // -1 for a missing (negative) value
		ps[i+1] = ps[i] + (a &^ ma)
		ps[i+2] = ps[i+1] + (b &^ mb)
		ps[i+3] = ps[i+2] + (c &^ mc)
		ps[i+4] = ps[i+3] + (d &^ md)
		pc[i+1] = pc[i] + 1 + ma
		pc[i+2] = pc[i+1] + 1 + mb
		pc[i+3] = pc[i+2] + 1 + mc
		pc[i+4] = pc[i+3] + 1 + md
		mx = max(mx, h[i], h[i+1], h[i+2], h[i+3])
	}
	minH := max(int64(minH8), 1)
	// A window of c valid hours (1…8) and sum s ranks by s·840/c: 840 is
	// the least common multiple of 1…8, so the keys compare the window
	// means exactly without a division. The first best window is kept.
	best := int64(-1)
	for t := 8; t <= 24; t++ {
		c := pc[t] - pc[t-8]
		if c < minH {
			continue
		}
		nw++
		s := ps[t] - ps[t-8]
		if key := s * lcmOver[c]; key > best {
			best, bs, bc = key, s, c
		}
	}
	return int(pc[24]), nw, bs, bc, mx
}

// lcmOver[c] is 840/c: see mda8Gaps.
var lcmOver = [9]int64{0, 840, 420, 280, 210, 168, 140, 120, 105}

// dayComplete reports whether all 24 values of a day are valid (not
// negative), reading them two at a time as validSum does.
func dayComplete(h *[24]Conc) bool {
	w := (*[96]byte)(unsafe.Pointer(h))
	le := binary.NativeEndian
	or := (le.Uint64(w[0:]) | le.Uint64(w[8:]) | le.Uint64(w[16:]) | le.Uint64(w[24:])) |
		(le.Uint64(w[32:]) | le.Uint64(w[40:]) | le.Uint64(w[48:]) | le.Uint64(w[56:])) |
		(le.Uint64(w[64:]) | le.Uint64(w[72:]) | le.Uint64(w[80:]) | le.Uint64(w[88:]))
	return or&0x8000_0000_8000_0000 == 0
}

// aboveLimit compares an exact concentration with a limit, rounded first
// when Rules.CompareRounded (修约值比较法).
func (r *Rules) aboveLimit(p Pollutant, q Ratio, limit Conc) bool {
	if r.CompareRounded {
		return roundThousandths(q.Num, q.Den, p.PublishedDecimals()) > limit
	}
	return q.Cmp(int64(limit)) > 0
}

// DailyFromValues builds a Daily from daily concentrations obtained
// elsewhere (e.g. published daily data): vals holds the daily means and, at
// index O3, the daily maximum 8-hour mean; o3Max1H the daily maximum
// 1-hour value (Missing where absent). Present values are taken as valid
// with unknown hour counts (Coverage.Expected 0) and are used as given,
// already rounded or not; the daily AQI is computed under the day's edition.
func DailyFromValues(r *Rules, station string, date time.Time, vals [NumPollutants]Conc, o3Max1H Conc) Daily {
	r = orDefault(r)
	dn := DayNumber(date)
	d := Daily{Station: station, Date: DayFromNumber(dn), Day: dn, Edition: r.editionForDayNum(dn)}
	set := func(v *Value, p Pollutant, c Conc) {
		if c == Missing || c < 0 {
			*v = Value{Rounded: Missing, Coverage: Coverage{Reason: reasonNoData}}
			return
		}
		setValue(v, p, Ratio{int64(c), 1}, Coverage{Valid: 1, Expected: 1, OK: true})
	}
	for p := range Pollutant(NumPollutants) {
		set(&d.Values[p], p, vals[p])
	}
	set(&d.O3Max1H, O3, o3Max1H)
	dayAQIInto(r, &d, &d.AQI)
	return d
}
