package standard

// The daily means of GB 3095 表4 need each day's sum of valid hourly
// values and how many there are (a daily mean is valid with ≥ 20 valid
// hours); the O3 daily maximum 1-hour value of HJ 633-2012 needs the day's
// largest valid value as well. The per-day kernels compute these one day at
// a time, 1,825 times per station-year; the batch kernels here compute them
// for a whole series in one call, so that an architecture with wide vectors
// (daysum_amd64.s) can process several days per step without a call per
// day. Each architecture provides daySumsArch and daySumsMaxArch.

// daySums writes, for each whole day d of h (len(h) must be 24*len(sum),
// len(n) ≥ len(sum)), the sum of the day's valid (non-negative) values into
// sum[d] and how many there are into n[d]. Day d holds the hourly values
// h[24d] … h[24d+23]; a value is valid when it is not negative (Missing is
// the most negative Conc, and HJ 633 treats every negative concentration as
// invalid). The sums are exact for any values, MaxConc included.
//
// It is the batch form of validSum: the daily-mean kernels (GB 3095 表4)
// take each day's sum and count from it and decide validity and the mean
// themselves.
func daySums(h []Conc, sum []int64, n []uint8) {
	checkDaySums(len(h), len(sum), len(n), len(sum))
	if len(sum) == 0 {
		return
	}
	daySumsArch(h[:24*len(sum)], sum, n[:len(sum)])
}

// daySumsMax is daySums that also writes each day's largest valid value
// into mx[d] (len(mx) ≥ len(sum)), or -1 for a day without one: the O3
// daily maximum 1-hour value (HJ 633-2012 日报) is read from the same 24
// values as the day's sum, so both come from one pass.
func daySumsMax(h []Conc, sum []int64, n []uint8, mx []Conc) {
	checkDaySums(len(h), len(sum), len(n), len(mx))
	if len(sum) == 0 {
		return
	}
	days := len(sum)
	daySumsMaxArch(h[:24*days], sum, n[:days], mx[:days])
}

// checkDaySums panics when the slices passed to daySums or daySumsMax do
// not fit: a caller passing a partial day would otherwise have the day
// silently dropped or read beyond it.
func checkDaySums(hours, days, counts, maxima int) {
	if hours != 24*days || counts < days || maxima < days {
		panic("standard: daySums: need len(h) = 24·len(sum) and len(n), len(mx) ≥ len(sum)")
	}
}

// daySumsGeneric is daySums one day at a time with validSum, exact for
// every input. It serves architectures without a vector implementation and
// the days a vector implementation leaves to scalar code.
func daySumsGeneric(h []Conc, sum []int64, n []uint8) {
	n = n[:len(sum)]
	for d := range sum {
		s, k := validSum((*[24]Conc)(h[24*d : 24*d+24]))
		sum[d], n[d] = s, uint8(k)
	}
}

// daySumsMaxGeneric is daySumsMax one day at a time (see daySumsGeneric).
func daySumsMaxGeneric(h []Conc, sum []int64, n []uint8, mx []Conc) {
	n, mx = n[:len(sum)], mx[:len(sum)]
	for d := range sum {
		day := (*[24]Conc)(h[24*d : 24*d+24])
		s, k := validSum(day)
		sum[d], n[d], mx[d] = s, uint8(k), dayMax(day)
	}
}

// dayMax is the largest valid value of a day, or -1 when there is none:
// starting from -1, the maximum passes over every invalid (negative) value.
func dayMax(h *[24]Conc) Conc {
	m0, m1 := Conc(-1), Conc(-1)
	for i := 0; i < 24; i += 4 { // two chains of four: Go does not unroll
		m0 = max(m0, h[i], h[i+1])
		m1 = max(m1, h[i+2], h[i+3])
	}
	return max(m0, m1)
}
