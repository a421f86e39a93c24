package budget

import (
	"math"
	"testing"

	"github.com/lantian-aq/lantian/standard"
)

func TestNonGoodAllowance(t *testing.T) {
	tests := []struct {
		name                                     string
		days, elapsed, valid, good, target, want int
	}{
		// need ⌈0.765·365⌉ = 280 good days, so 85 may be non-good.
		{"start of a common year", 365, 0, 0, 0, 765, 85},
		// need ⌈0.765·366⌉ = 280, 86 may be non-good.
		{"start of a leap year", 366, 0, 0, 0, 765, 86},
		// total 364 valid days, need ⌈278.46⌉ = 279, 159 still needed of 184.
		{"mid-year with one invalid day", 365, 181, 180, 120, 765, 25},
		// need 280, 130 still needed but only 65 days left: 65 short.
		{"target already lost", 365, 300, 300, 150, 765, -65},
		// need ⌈0.765·360⌉ = 276 and 300 were good: nothing left to spend.
		{"year complete and met", 365, 365, 360, 300, 765, 0},
		{"exact half", 100, 0, 0, 0, 500, 50},
		// need 280, 300 already good: every one of the 25 days left may be non-good.
		{"more good days than needed", 365, 340, 340, 300, 765, 25},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := NonGoodAllowance(tc.days, tc.elapsed, tc.valid, tc.good, tc.target); got != tc.want {
				t.Errorf("NonGoodAllowance(%d, %d, %d, %d, %d) = %d, want %d", tc.days, tc.elapsed, tc.valid, tc.good, tc.target, got, tc.want)
			}
		})
	}
}

func TestHeavyAllowance(t *testing.T) {
	tests := []struct {
		name                                   string
		days, elapsed, valid, heavy, max, want int
	}{
		{"start of year: ⌊0.008·365⌋ = 2", 365, 0, 0, 0, 8, 2},
		{"one used, two invalid days", 365, 200, 198, 1, 8, 1},
		{"already exceeded", 365, 200, 200, 5, 8, -3},
		{"leap year ⌊2.928⌋", 366, 0, 0, 0, 8, 2},
		{"looser target 2 %", 365, 0, 0, 0, 20, 7},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := HeavyAllowance(tc.days, tc.elapsed, tc.valid, tc.heavy, tc.max); got != tc.want {
				t.Errorf("HeavyAllowance = %d, want %d", got, tc.want)
			}
		})
	}
}

func TestRemainingDailyAllowance(t *testing.T) {
	tests := []struct {
		name             string
		limit            standard.Conc
		sum              int64
		valid, remaining int
		want             standard.Conc
		ok               bool
	}{
		// (35·365 − 200·40)/165 = 4775/165 = 28.939…
		{"room left", 35000, 200 * 40000, 200, 165, 28939, true},
		// (35·365 − 300·50)/65 = −34.2307… floors to −34.231
		{"limit already lost", 35000, 300 * 50000, 300, 65, -34231, true},
		{"year over", 35000, 365 * 30000, 365, 0, standard.Missing, false},
		// (35·2 − 35)/1 = 35: one day left exactly at the limit
		{"exact", 35000, 35000, 1, 1, 35000, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := RemainingDailyAllowance(tc.limit, tc.sum, tc.valid, tc.remaining)
			if got != tc.want || ok != tc.ok {
				t.Errorf("RemainingDailyAllowance = %v, %v; want %v, %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func fill(n int, v float64) []float64 {
	xs := make([]float64, n)
	for i := range xs {
		xs[i] = v
	}
	return xs
}

// year builds a prior year whose days from `from` on have value v and
// earlier days value early.
func year(n, from int, early, v float64) []float64 {
	xs := fill(n, early)
	for i := from; i < n; i++ {
		xs[i] = v
	}
	return xs
}

func TestProject(t *testing.T) {
	const eps = 1e-9
	alternating := make([]float64, 100)
	for i := range alternating {
		alternating[i] = 30
		if i%2 == 1 {
			alternating[i] = 50
		}
	}
	tests := []struct {
		name      string
		current   []float64
		prior     [][]float64
		days      int
		threshold float64
		want      Projection
	}{
		{
			name: "complete year is the actual mean", current: fill(365, 40), days: 365, threshold: 35,
			want: Projection{Value: 40, Low: 40, High: 40, PMeet: 0, Method: "actual"},
		},
		{
			name: "constant series persists with no spread", current: fill(100, 30), days: 365, threshold: 35,
			want: Projection{Value: 30, Low: 30, High: 30, PMeet: 1, Method: "persistence"},
		},
		{
			// m = 60, σ = √200; value (4000 + 60·265)/365, sd σ·265/365.
			name: "two earlier years give the climatology and its spread", current: fill(100, 40),
			prior: [][]float64{year(365, 100, 10, 50), year(365, 100, 10, 70)}, days: 365, threshold: 35,
			want: Projection{Value: 19900.0 / 365, SD: math.Sqrt(200) * 265 / 365, Method: "climatology", Years: 2},
		},
		{
			name: "an earlier year covering too little of the rest is ignored", current: fill(100, 30),
			prior: [][]float64{fill(150, 90)}, days: 365, threshold: 35,
			want: Projection{Value: 30, Low: 30, High: 30, PMeet: 1, Method: "persistence"},
		},
		{
			// alternating 30/50: mean 40, s = √(100·100/99), ρ < 0 clamps to 0.
			name: "anti-correlated days use ρ = 0", current: alternating, days: 365, threshold: 40,
			want: Projection{Value: 40, SD: math.Sqrt(100.0*100/99) / math.Sqrt(265) * 265 / 365, PMeet: 0.5, Method: "persistence"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := Project(tc.current, tc.prior, tc.days, tc.threshold)
			if got.Method != tc.want.Method || got.Years != tc.want.Years {
				t.Fatalf("method %s/%d, want %s/%d", got.Method, got.Years, tc.want.Method, tc.want.Years)
			}
			if math.Abs(got.Value-tc.want.Value) > eps || math.Abs(got.SD-tc.want.SD) > eps {
				t.Errorf("value %v ± %v, want %v ± %v", got.Value, got.SD, tc.want.Value, tc.want.SD)
			}
			if math.Abs(got.Low-(got.Value-z90*got.SD)) > eps || math.Abs(got.High-(got.Value+z90*got.SD)) > eps {
				t.Errorf("interval [%v, %v] is not ±1.645 sd around %v", got.Low, got.High, got.Value)
			}
			if tc.want.SD == 0 || tc.want.PMeet == 0.5 {
				if math.Abs(got.PMeet-tc.want.PMeet) > 1e-6 {
					t.Errorf("PMeet %v, want %v", got.PMeet, tc.want.PMeet)
				}
			}
		})
	}
}

func TestProjectProbabilityFallsWithValue(t *testing.T) {
	// Higher so-far concentrations must never raise the chance of meeting
	// the same threshold.
	prev := 2.0
	for _, level := range []float64{20, 30, 35, 40, 60} {
		cur := make([]float64, 120)
		for i := range cur {
			cur[i] = level + float64(i%7) // some spread
		}
		p := Project(cur, nil, 365, 35)
		if p.PMeet > prev {
			t.Errorf("level %v: PMeet %v rose above %v", level, p.PMeet, prev)
		}
		prev = p.PMeet
	}
}
