package standard

import (
	"math/rand/v2"
	"testing"
)

// roundHalfEvenRef is GB/T 8170 rounding of n/d to an integer by hardware
// division, the reference for the reciprocal forms.
func roundHalfEvenRef(n, d uint64) uint64 {
	q, r := n/d, n%d
	if 2*r > d || (2*r == d && q%2 == 1) {
		q++
	}
	return q
}

// TestRoundRecip: the reciprocal division with its branch-free correction
// and rounding equals hardware division for every divisor the kernels
// use — hour counts × 1000 and × 100 (means), 1…8 × 1000 (8-hour windows),
// the breakpoint spans — on exact halves, their neighbours and random
// numerators up to 2^40, and up to 2^63 where the estimate needs its
// correction.
func TestRoundRecip(t *testing.T) {
	var divisors []uint64
	for n := uint64(1); n <= 24; n++ {
		divisors = append(divisors, n*1000, n*100)
	}
	for ti := range segRecip {
		for it := range segRecip[ti] {
			for _, m := range segRecip[ti][it] {
				if m != 0 {
					divisors = append(divisors, ^uint64(0)/(m-1)) // the span, within one
				}
			}
		}
	}
	rng := rand.New(rand.NewPCG(8170, 1))
	for _, d := range divisors {
		if d < 2 {
			continue
		}
		m := recip(d)
		check := func(n uint64) {
			if got, want := roundRecip(n, d, m), roundHalfEvenRef(n, d); got != want {
				t.Fatalf("roundRecip(%d, %d) = %d, want %d", n, d, got, want)
			}
			if got, want := roundHalfEvenDiv(n, d, m), int64(roundHalfEvenRef(n, d)); got != want {
				t.Fatalf("roundHalfEvenDiv(%d, %d) = %d, want %d", n, d, got, want)
			}
		}
		for q := uint64(0); q < 50; q++ {
			for _, off := range []int64{-1, 0, 1} {
				if n := int64(q*d+d/2) + off; n >= 0 {
					check(uint64(n)) // around the halves, odd and even q
				}
				if n := int64(q*d) + off; n >= 0 {
					check(uint64(n))
				}
			}
		}
		for range 2000 {
			check(rng.Uint64N(1 << 40))
			// Near 2^64/d the estimate is sometimes one too high.
			n := rng.Uint64N(1 << 63)
			check(n - n%d + d - 1)
			check(n)
		}
	}
}
