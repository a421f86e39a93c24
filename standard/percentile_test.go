package standard

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSelectCounting: the counting selection gives the order statistics a
// full sort gives, and declines the inputs it cannot count.
func TestSelectCounting(t *testing.T) {
	rng := rand.New(rand.NewPCG(8170, 663))
	gen := func(n int, f func() Conc) []Conc {
		v := make([]Conc, n)
		for i := range v {
			v[i] = f()
		}
		return v
	}
	cases := []struct {
		name string
		vals []Conc
		ok   bool
	}{
		{"PM2.5 year", gen(365, func() Conc { return Conc(rng.IntN(300)) * 1000 }), true},
		{"CO year", gen(365, func() Conc { return Conc(2+rng.IntN(40)) * 100 }), true},
		{"one value", gen(100, func() Conc { return 35000 }), true},
		{"two values", gen(64, func() Conc { return Conc(rng.IntN(2)) * 75000 }), true},
		{"widest span", append(gen(40, func() Conc { return 0 }), (histBins-1)*1000), true},
		{"too wide", append(gen(40, func() Conc { return 0 }), histBins*1000), false},
		{"not published", gen(100, func() Conc { return Conc(rng.IntN(300000)) }), false},
		{"tenths hidden in thousands", append(gen(40, func() Conc { return 64 }), 36), false},
		{"negative", append(gen(40, func() Conc { return 1000 }), -1000), false},
		{"short", gen(31, func() Conc { return Conc(rng.IntN(9)) * 1000 }), false},
	}
	for _, tc := range cases {
		sorted := slices.Clone(tc.vals)
		slices.Sort(sorted)
		for _, s := range []int{0, 1, len(sorted) / 2, len(sorted) * 95 / 100, len(sorted) - 2, len(sorted) - 1} {
			before := slices.Clone(tc.vals)
			xs, next, ok := selectCounting(tc.vals, s)
			if ok != tc.ok {
				t.Fatalf("%s: ok = %v, want %v", tc.name, ok, tc.ok)
			}
			if !slices.Equal(before, tc.vals) {
				t.Fatalf("%s: the values were reordered", tc.name)
			}
			if !ok {
				continue
			}
			if xs != sorted[s] {
				t.Errorf("%s: X(%d) = %d, want %d", tc.name, s, xs, sorted[s])
			}
			if s+1 < len(sorted) && next != sorted[s+1] {
				t.Errorf("%s: X(%d) = %d, want %d", tc.name, s+1, next, sorted[s+1])
			}
		}
	}
}

// TestLevelOfBounds: every band edge of HJ 633-2012 表2 / HJ 633-2026 表1.
func TestLevelOfBounds(t *testing.T) {
	for _, tc := range []struct {
		aqi  int
		want Level
	}{
		{-1, 0}, {0, 1}, {1, 1}, {50, 1}, {51, 2}, {100, 2}, {101, 3}, {150, 3}, {151, 4},
		{200, 4}, {201, 5}, {250, 5}, {251, 5}, {300, 5}, {301, 6}, {500, 6}, {1 << 40, 6},
	} {
		if got := LevelOf(tc.aqi); got != tc.want {
			t.Errorf("LevelOf(%d) = %d, want %d", tc.aqi, got, tc.want)
		}
	}
}
