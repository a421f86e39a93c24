//go:build amd64 && !purego

package standard

import (
	"math/rand/v2"
	"testing"
)

// TestMDA8DaysKernelTakesOrdinaryDays checks that the AVX2 kernel itself
// computes ordinary days rather than declining them to mda8Scan (the
// comparisons elsewhere would pass through the fallback alone), and that
// it declines exactly the days its lane sums cannot hold: a complete day
// with a value of 2^27 and a day with gaps holding a valid 2^25.
func TestMDA8DaysKernelTakesOrdinaryDays(t *testing.T) {
	if !useAVX2 {
		t.Skip("no AVX2 on this machine")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	const days = 3000
	h := make([]Conc, 24*days)
	for i := range h {
		switch r := rng.IntN(100); {
		case r < 3:
			h[i] = Missing
		case r < 4:
			h[i] = -1
		default:
			h[i] = Conc(rng.Int32N(1 << 25))
		}
	}
	tests := []struct {
		name string
		day  int
		set  map[int]Conc
	}{
		{"none", -1, nil},
		{"2^27 in a complete day", 1700, map[int]Conc{5: 1 << 27}},
		{"2^25 in a day with a gap", 2999, map[int]Conc{5: 1 << 25, 6: Missing}},
		{"MaxConc in a day with a gap", 0, map[int]Conc{23: MaxConc, 0: Missing}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := append([]Conc(nil), h...)
			want := days
			if tt.day >= 0 {
				for i := range 24 { // a complete day unless the case sets a gap
					g[24*tt.day+i] = Conc(1000 * i)
				}
				for i, c := range tt.set {
					g[24*tt.day+i] = c
				}
				want = min(want, tt.day)
			}
			n1, nw, bc := make([]uint8, days), make([]uint8, days), make([]uint8, days)
			bs, mx := make([]int64, days), make([]Conc, days)
			if got := mda8DaysAVX2(&g[0], 2, &n1[0], &nw[0], &bs[0], &bc[0], &mx[0], days); got != want {
				t.Fatalf("kernel did %d days, want %d", got, want)
			}
			checkMDA8All(t, g, 6)
		})
	}
}

// TestMDA8DaysCallBoundaries runs mda8Days over more days than one kernel
// call takes, with days the kernel declines just before, at and after the
// end of a call and as the series' last day, where the Go loop resumes.
func TestMDA8DaysCallBoundaries(t *testing.T) {
	const days = 2*maxMDA8Days + 5
	h := make([]Conc, 24*days)
	for i := range h {
		h[i] = Conc(1000 * (i%24 + 1))
		if i%97 == 0 {
			h[i] = Missing
		}
	}
	for _, d := range []int{0, maxMDA8Days - 1, maxMDA8Days, maxMDA8Days + 1, 2 * maxMDA8Days, days - 1} {
		h[24*d+3] = MaxConc
		h[24*d+4] = Conc(d%3) - 1 // a gap on some of them, -1 or 0 or 1
	}
	for _, minH := range []int{1, 6, 8} {
		checkMDA8All(t, h, minH)
	}
}
