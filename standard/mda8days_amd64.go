//go:build amd64 && !purego

package standard

// mda8DaysAVX2 computes mda8Days for up to days days of h, one day per
// loop step (see mda8days_amd64.s), with the window rule given as t =
// 8 − max(minH, 1) ∈ [0, 7]: a window is valid when at most t of its eight
// hours are invalid. It returns the number of days done, fewer than days
// when it stops before a day whose values are too large for its 32-bit
// lane sums: a day without invalid hours holding a value of 2^27 or more
// (window sums must stay below 2^31), or a day with invalid hours holding
// a valid value of 2^25 or more (its lanes pack the window sum below 2^28
// with the invalid count above it). 2^25 thousandths is 33,554 µg/m³,
// over thirty times the largest O3 hour any monitor reports as valid.
//
//go:noescape
func mda8DaysAVX2(h *Conc, t int, n1, nw *uint8, bs *int64, bc *uint8, mx *Conc, days int) (done int)

// maxMDA8Days bounds the days of one mda8DaysAVX2 call. The kernel cannot
// be preempted; 8,192 days (22 station-years, at about 12 ns a day) take
// about 0.1 ms, as one call of the day-sum kernels does.
const maxMDA8Days = 1 << 13

// mda8DaysArch runs the AVX2 kernel over the series. A day the kernel
// declines (a value too large for its lane sums) is scanned exactly by
// mda8Scan and the kernel resumes after it. With minH above 8 no window
// can be valid; the kernel's path for days without gaps assumes all 17
// windows valid, so that configuration takes the generic code.
func mda8DaysArch(h []Conc, minH int, n1, nw []uint8, bs []int64, bc []uint8, mx []Conc) {
	if !useAVX2 || minH > 8 {
		mda8DaysGeneric(h, minH, n1, nw, bs, bc, mx)
		return
	}
	t := 8 - max(minH, 1)
	days := len(bs)
	for d := 0; d < days; {
		b := min(days-d, maxMDA8Days)
		k := mda8DaysAVX2(&h[24*d], t, &n1[d], &nw[d], &bs[d], &bc[d], &mx[d], b)
		d += k
		if k < b {
			mda8DaysGeneric(h[24*d:24*d+24], minH, n1[d:d+1], nw[d:d+1], bs[d:d+1], bc[d:d+1], mx[d:d+1])
			d++
		}
	}
}
