package standard

import "math/bits"

// The kernels divide by a small set of divisors (hour counts × unit scale,
// breakpoint spans). Hardware division dominates their cost, so they use
// exact reciprocal division: the estimate ⌊n·M/2^64⌋ with M = ⌈2^64/d⌉ is
// never below ⌊n/d⌋ and at most one above, and one integer correction makes
// it exact. No floating point is involved.

// recip returns ⌈2^64/d⌉ for d ≥ 2 (0 for d = 1, handled by divmod).
func recip(d uint64) uint64 {
	if d <= 1 {
		return 0
	}
	return ^uint64(0)/d + 1
}

// divmod returns ⌊n/d⌋ and n mod d using m = recip(d).
func divmod(n, d, m uint64) (q, r uint64) {
	if d == 1 {
		return n, 0
	}
	q, _ = bits.Mul64(n, m)
	p := q * d
	// The estimate is one too high for some n, unpredictably: the
	// correction is a conditional move, not a branch.
	over := b2u(p > n)
	q -= over
	p -= over * d
	return q, n - p
}

// roundsUp is 1 when GB/T 8170 rounds the quotient q with twice the
// remainder r2 of the divisor d up (r2 > d, or r2 = d and q odd), else 0.
// Whether a mean rounds up is as good as random, so this is computed with
// conditional moves: a branch would be mispredicted half the time.
func roundsUp(q, r2, d uint64) uint64 {
	// r2 + (q odd) > d is exactly that: r2 > d, or r2 = d with q odd
	// (with r2 < d, r2 + 1 > d cannot hold).
	return b2u(r2+q&1 > d)
}

// b2u is 1 for true and 0 for false (a SETcc or conditional move).
func b2u(b bool) uint64 {
	var x uint64
	if b {
		x = 1
	}
	return x
}

// roundHalfEvenDiv is Round8170(n, d, 0) for n ≥ 0 with a precomputed
// reciprocal.
func roundHalfEvenDiv(n, d, m uint64) int64 {
	if d == 1 {
		return int64(n)
	}
	return int64(roundRecip(n, d, m))
}

// roundRecip is roundHalfEvenDiv for d ≥ 2, small enough to be inlined
// into the kernels' loops.
func roundRecip(n, d, m uint64) uint64 {
	q, _ := bits.Mul64(n, m)
	over := b2u(q*d > n) // the estimate is at most one too high
	q -= over
	r := n - q*d
	return q + roundsUp(q, 2*r, d)
}

// meanRecip[k][n] is recip(n·scale) for scale 1000 (k = 0, integer
// publication) and 100 (k = 1, CO to 0.1), n = 0…24.
var meanRecip [2][25]uint64

// segRecip[t][item][i] is recip of the span of breakpoint segment i (in
// thousandths) of table t.
var segRecip [2][numItems][8]uint64

func init() {
	for n := 1; n <= 24; n++ {
		meanRecip[0][n] = recip(uint64(n) * 1000)
		meanRecip[1][n] = recip(uint64(n) * 100)
	}
	for t := range tables {
		for it := range tables[t] {
			scale := int64(ConcScale)
			if itemPollutant[it] == CO {
				scale = ConcScale / 10
			}
			bp := &tables[t][it]
			for i := 1; i < len(bp); i++ {
				if bp[i] == 0 {
					break
				}
				segRecip[t][it][i] = recip(uint64(int64(bp[i]-bp[i-1]) * scale))
			}
		}
	}
}

// roundMeanThousandths rounds sum/n (Conc thousandths, n ≤ 24 hours) to the
// published decimals of p and returns it in thousandths.
func roundMeanThousandths(p Pollutant, sum int64, n int) Conc {
	if sum < 0 || n <= 0 || n > 24 || sum >= 1<<60 {
		return roundThousandths(sum, int64(n), p.PublishedDecimals())
	}
	if p == CO {
		return Conc(roundHalfEvenDiv(uint64(sum), uint64(n)*100, meanRecip[1][n]) * 100)
	}
	return Conc(roundHalfEvenDiv(uint64(sum), uint64(n)*1000, meanRecip[0][n]) * 1000)
}
