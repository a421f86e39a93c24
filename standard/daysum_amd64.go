//go:build amd64 && !purego

package standard

import "golang.org/x/sys/cpu"

// useAVX2 selects the AVX2 kernels (daysum_amd64.s, mda8days_amd64.s).
// cpu.X86.HasAVX2 is set only when the operating system saves the YMM
// registers as well; the MDA8 kernel also counts bits with POPCNT, which
// every AVX2 processor has but which is asked for all the same.
var useAVX2 = cpu.X86.HasAVX2 && cpu.X86.HasPOPCNT

// daySumsAVX2 computes daySums for blocks·8 days of h, eight days per
// step (see daysum_amd64.s). It returns the number of blocks done, fewer
// than blocks when it stops before a block whose values could carry out
// of the kernel's 32-bit lane sums: two valid values of one lane (hours i
// and i+8) adding up to 2^28 or more, or a third (hour i+16) of 2^28 or
// more. Valid values below 2^27 (134,217 µg/m³, beyond anything a monitor
// reports as valid) always pass.
//
//go:noescape
func daySumsAVX2(h *Conc, sum *int64, n *uint8, blocks int) (done int)

// daySumsMaxAVX2 is daySumsAVX2 that also writes each day's largest valid
// value (-1 when none) to mx. It stops before a block holding a valid
// value of 2^27 or more: the block's maxima replace the range check.
//
//go:noescape
func daySumsMaxAVX2(h *Conc, sum *int64, n *uint8, mx *Conc, blocks int) (done int)

// maxBlocks bounds the eight-day blocks of one kernel call. The kernels
// cannot be preempted; 4,096 blocks (about 90 years of one pollutant)
// take under 0.1 ms.
const maxBlocks = 1 << 12

// daySumsArch runs the AVX2 kernel over the whole eight-day blocks. A
// block the kernel declines (a value too large for 32-bit lane sums) is
// summed exactly by daySumsGeneric, and the kernel resumes after it.
// Valid values are below 2^27 in practice, so that path is not taken. The
// last days, fewer than eight, are summed again as the last eight-day
// block, which rewrites a few days with the same values instead of
// leaving up to seven days to the scalar code.
func daySumsArch(h []Conc, sum []int64, n []uint8) {
	days := len(sum)
	if !useAVX2 || days < 8 {
		daySumsGeneric(h, sum, n)
		return
	}
	d := 0
	for days-d >= 8 {
		b := min((days-d)/8, maxBlocks)
		k := daySumsAVX2(&h[24*d], &sum[d], &n[d], b)
		d += 8 * k
		if k < b {
			daySumsGeneric(h[24*d:24*d+192], sum[d:d+8], n[d:d+8])
			d += 8
		}
	}
	if d < days {
		t := days - 8
		if daySumsAVX2(&h[24*t], &sum[t], &n[t], 1) == 0 {
			daySumsGeneric(h[24*d:], sum[d:], n[d:])
		}
	}
}

// daySumsMaxArch is daySumsArch for daySumsMax.
func daySumsMaxArch(h []Conc, sum []int64, n []uint8, mx []Conc) {
	days := len(sum)
	if !useAVX2 || days < 8 {
		daySumsMaxGeneric(h, sum, n, mx)
		return
	}
	d := 0
	for days-d >= 8 {
		b := min((days-d)/8, maxBlocks)
		k := daySumsMaxAVX2(&h[24*d], &sum[d], &n[d], &mx[d], b)
		d += 8 * k
		if k < b {
			daySumsMaxGeneric(h[24*d:24*d+192], sum[d:d+8], n[d:d+8], mx[d:d+8])
			d += 8
		}
	}
	if d < days {
		t := days - 8
		if daySumsMaxAVX2(&h[24*t], &sum[t], &n[t], &mx[t], 1) == 0 {
			daySumsMaxGeneric(h[24*d:], sum[d:], n[d:], mx[d:])
		}
	}
}
