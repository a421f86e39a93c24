package standard

// The O3 daily maximum 8-hour mean (HJ 663-2013 §6.1.2, GB 3095 表1 日最大
// 8 小时平均) takes, for each day, the 17 moving 8-hour windows that end
// within the day (hours [t−8, t) for t = 8 … 24), keeps those with at least
// Rules.MinHours8H valid hours, and reports the largest window mean. The
// per-day mda8Scan does this one day at a time, 365 calls per
// station-year; mda8Days does it for a whole series in one call, so that an
// architecture with wide vectors (mda8days_amd64.s) computes a day's 17
// window sums with a few vector additions and compares their means
// without a call per day. Each architecture provides mda8DaysArch.

// mda8Days is mda8Scan for every whole day of h (len(h) = 24·len(bs)); the other slices are at least len(bs) long.
//
// For day d (hours h[24d] … h[24d+23]) it writes the results of
// mda8Scan(minH, day): the valid hours n1[d], the valid windows nw[d], the
// sum bs[d] and count bc[d] of a window with the largest mean (bc[d] = 0
// when no window is valid) and the largest valid hour mx[d] (−1 when none).
// Like mda8Scan it reports the first of several valid windows that share
// the largest mean (16,000 over 2 hours before 8,000 over 1): the ratio is
// the same number either way, but Value.Exact shows bs/bc as they are, so
// the batch and per-day paths must agree on the window. It is exact for
// every input, MaxConc included.
func mda8Days(h []Conc, minH int, n1, nw []uint8, bs []int64, bc []uint8, mx []Conc) {
	days := len(bs)
	if len(h) != 24*days || len(n1) < days || len(nw) < days || len(bc) < days || len(mx) < days {
		panic("standard: mda8Days: need len(h) = 24·len(bs) and n1, nw, bc, mx at least len(bs) long")
	}
	if days == 0 {
		return
	}
	mda8DaysArch(h, minH, n1[:days], nw[:days], bs, bc[:days], mx[:days])
}

// mda8DaysGeneric is mda8Days one day at a time with mda8Scan: exact for
// every input (ties included, it keeps the first best window). It serves
// architectures without a vector kernel and the days a kernel declines.
func mda8DaysGeneric(h []Conc, minH int, n1, nw []uint8, bs []int64, bc []uint8, mx []Conc) {
	n1, nw, bc, mx = n1[:len(bs)], nw[:len(bs)], bc[:len(bs)], mx[:len(bs)]
	for d := range bs {
		a, w, s, c, m := mda8Scan(minH, (*[24]Conc)(h[24*d:24*d+24]))
		n1[d], nw[d], bs[d], bc[d], mx[d] = uint8(a), uint8(w), s, uint8(c), m
	}
}
