package standard

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// refDayMax is the largest valid (non-negative) value of a day, -1 when
// none, written as plainly as possible to check dayMax and the kernels.
func refDayMax(h []Conc) Conc {
	m := Conc(-1)
	for _, c := range h {
		if c >= 0 && c > m {
			m = c
		}
	}
	return m
}

// daySumsImpl is one implementation of daySumsMax under test; the plain
// variants (without the maximum) are wrapped to leave mx alone.
type daySumsImpl struct {
	name    string
	withMax bool
	run     func(h []Conc, sum []int64, n []uint8, mx []Conc)
}

// daySumsImpls lists every path: the dispatching daySums and daySumsMax
// (the AVX2 kernels on a machine that has AVX2) and the generic code they
// fall back on.
var daySumsImpls = []daySumsImpl{
	{"daySums", false, func(h []Conc, s []int64, n []uint8, _ []Conc) { daySums(h, s, n) }},
	{"daySumsMax", true, daySumsMax},
	{"daySumsGeneric", false, func(h []Conc, s []int64, n []uint8, _ []Conc) { daySumsGeneric(h, s, n) }},
	{"daySumsMaxGeneric", true, daySumsMaxGeneric},
}

// checkDaySumsAll runs every implementation on h and compares each day with
// validSumScalar and refDayMax. The outputs are pre-filled with garbage, so
// a day an implementation fails to write is caught.
func checkDaySumsAll(t *testing.T, h []Conc) {
	t.Helper()
	days := len(h) / 24
	for _, im := range daySumsImpls {
		sum, n, mx := make([]int64, days), make([]uint8, days+3), make([]Conc, days)
		for d := range sum {
			sum[d], n[d], mx[d] = -7, 99, -7
		}
		n[days] = 77 // beyond len(sum): must stay as it is
		im.run(h, sum, n, mx)
		for d := range days {
			day := h[24*d : 24*d+24]
			ws, wn := validSumScalar((*[24]Conc)(day))
			if sum[d] != ws || int(n[d]) != wn {
				t.Fatalf("%s: day %d of %d: sum, n = %d, %d, want %d, %d (values %v)",
					im.name, d, days, sum[d], n[d], ws, wn, day)
			}
			if im.withMax {
				if wm := refDayMax(day); mx[d] != wm {
					t.Fatalf("%s: day %d of %d: max = %d, want %d (values %v)", im.name, d, days, mx[d], wm, day)
				}
			}
		}
		if n[days] != 77 {
			t.Fatalf("%s: wrote n[%d] beyond the %d days", im.name, days, days)
		}
	}
}

// ordinaryDay is a complete day, 1 … 24 µg/m³: sum 300,000, maximum 24,000.
func ordinaryDay() [24]Conc {
	var d [24]Conc
	for i := range d {
		d[i] = Conc(1000 * (i + 1))
	}
	return d
}

// dayOf builds a day from a function of the hour.
func dayOf(f func(i int) Conc) [24]Conc {
	var d [24]Conc
	for i := range d {
		d[i] = f(i)
	}
	return d
}

// TestDaySumsCases checks named days with their sums, counts and maxima
// worked out by hand, each placed alone, on every day of a 19-day series
// (two eight-day blocks and a tail of three), and as the one odd day among
// ordinary days: at day 3 (first block), day 13 (second block) and day 17
// (in the tail, which the AVX2 path sums again as the last eight days).
func TestDaySumsCases(t *testing.T) {
	const M = Missing
	tests := []struct {
		name string
		day  [24]Conc
		sum  int64
		n    uint8
		max  Conc
	}{
		{"all valid", dayOf(func(i int) Conc { return Conc(35000 + 1000*i) }), 24*35000 + 1000*276, 24, 58000},
		{"all zero", [24]Conc{}, 0, 24, 0},
		{"all missing", dayOf(func(int) Conc { return M }), 0, 0, -1},
		{"one gap", dayOf(func(i int) Conc {
			if i == 7 {
				return M
			}
			return 50000
		}), 23 * 50000, 23, 50000},
		{"gaps at both ends", dayOf(func(i int) Conc {
			if i == 0 || i == 23 {
				return M
			}
			return 1000
		}), 22 * 1000, 22, 1000},
		{"twenty hours, the 表4 minimum", dayOf(func(i int) Conc {
			if i%6 == 5 {
				return M
			}
			return Conc(2000 + i)
		}), 20*2000 + (276 - 5 - 11 - 17 - 23), 20, 2022},
		{"one valid hour", dayOf(func(i int) Conc {
			if i == 16 {
				return 123456
			}
			return M
		}), 123456, 1, 123456},
		{"mixed negatives that are not Missing", dayOf(func(i int) Conc {
			switch i % 4 {
			case 0:
				return -1
			case 1:
				return 2000
			case 2:
				return M + 1
			}
			return -1000
		}), 6 * 2000, 6, 2000},
		{"only negatives that are not Missing", dayOf(func(i int) Conc { return Conc(-1 - i) }), 0, 0, -1},
		{"values just below 2^27", dayOf(func(int) Conc { return 1<<27 - 1 }), 24 * (1<<27 - 1), 24, 1<<27 - 1},
		{"one value of 2^27", dayOf(func(i int) Conc {
			if i == 9 {
				return 1 << 27
			}
			return 1000
		}), 1<<27 + 23*1000, 24, 1 << 27},
		{"values of 2^28 and more", dayOf(func(i int) Conc { return Conc(1<<28 + i) }), 24<<28 + 276, 24, 1<<28 + 23},
		{"a large value beside a gap", dayOf(func(i int) Conc {
			switch i {
			case 0:
				return 1 << 30
			case 8, 16:
				return M
			}
			return 5
		}), 1<<30 + 21*5, 22, 1 << 30},
		{"MaxInt32 values", dayOf(func(int) Conc { return MaxConc }), 24 * math.MaxInt32, 24, MaxConc},
		{"MaxInt32 values between gaps", dayOf(func(i int) Conc {
			if i%2 == 0 {
				return M
			}
			return MaxConc
		}), 12 * math.MaxInt32, 12, MaxConc},
		{"MaxInt32 beside zeros", dayOf(func(i int) Conc {
			if i == 23 {
				return MaxConc
			}
			return 0
		}), math.MaxInt32, 24, MaxConc},
	}
	const days = 19
	ord := ordinaryDay()
	type want struct {
		sum int64
		n   uint8
		max Conc
	}
	ordWant := want{300000, 24, 24000}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The expectations are worked out by hand; the reference
			// functions must agree with them first.
			if s, n := validSumScalar(&tt.day); s != tt.sum || n != int(tt.n) {
				t.Fatalf("validSumScalar = %d, %d; the case says %d, %d", s, n, tt.sum, tt.n)
			}
			if m := refDayMax(tt.day[:]); m != tt.max {
				t.Fatalf("refDayMax = %d; the case says %d", m, tt.max)
			}
			caseWant := want{tt.sum, tt.n, tt.max}
			layouts := dayLayouts(tt.day, caseWant, ord, ordWant, days, 3, 13, 17)
			for _, l := range layouts {
				nd := len(l.wants)
				for _, im := range daySumsImpls {
					sum, n, mx := make([]int64, nd), make([]uint8, nd), make([]Conc, nd)
					im.run(l.h, sum, n, mx)
					for d, w := range l.wants {
						if sum[d] != w.sum || n[d] != w.n || (im.withMax && mx[d] != w.max) {
							t.Errorf("%s, %s: day %d: sum, n, max = %d, %d, %d, want %d, %d, %d",
								l.name, im.name, d, sum[d], n[d], mx[d], w.sum, w.n, w.max)
						}
					}
				}
			}
		})
	}
}

// TestDaySumsLengths checks the slice lengths daySums accepts: whole days
// only, counts and maxima at least as long as the sums, and empty series.
func TestDaySumsLengths(t *testing.T) {
	tests := []struct {
		name         string
		hours, days  int
		counts       int
		maxima       int
		panicSums    bool // daySums must panic
		panicSumsMax bool // daySumsMax must panic
	}{
		{"zero-length", 0, 0, 0, 0, false, false},
		{"zero days, spare counts and maxima", 0, 0, 5, 5, false, false},
		{"one day", 24, 1, 1, 1, false, false},
		{"longer counts and maxima", 24 * 9, 9, 12, 10, false, false},
		{"a partial day", 23, 1, 1, 1, true, true},
		{"an hour beyond the days", 24*8 + 1, 8, 8, 8, true, true},
		{"more days than hours", 24, 2, 2, 2, true, true},
		{"counts too short", 24 * 9, 9, 8, 9, true, true},
		{"maxima too short", 24 * 9, 9, 9, 8, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := make([]Conc, tt.hours)
			for i := range h {
				h[i] = Conc(i)
			}
			sum, n, mx := make([]int64, tt.days), make([]uint8, tt.counts), make([]Conc, tt.maxima)
			panics := func(f func()) (p bool) {
				defer func() { p = recover() != nil }()
				f()
				return false
			}
			if got := panics(func() { daySums(h, sum, n) }); got != tt.panicSums {
				t.Errorf("daySums panicked: %v, want %v", got, tt.panicSums)
			}
			if got := panics(func() { daySumsMax(h, sum, n, mx) }); got != tt.panicSumsMax {
				t.Errorf("daySumsMax panicked: %v, want %v", got, tt.panicSumsMax)
			}
			if !tt.panicSums && tt.days > 0 {
				checkDaySumsAll(t, h)
			}
		})
	}
}

// randomSeries is a series of random days: runs of days share a gap rate
// (none, a few per cent, a third, most, all) and a magnitude; a few values
// are huge (2^27 and more, up to MaxConc) and a few invalid ones are
// negatives other than Missing.
func randomSeries(rng *rand.Rand, days int) []Conc {
	h := make([]Conc, 24*days)
	gapRates := [...]float64{0, 0, 0.02, 0.02, 0.1, 0.35, 0.9, 1}
	scales := [...]int32{1000, 500_000, 5_000_000, 1 << 27}
	var gap float64
	var scale int32
	huge := 0.0
	for i := range h {
		if i%(24*37) == 0 { // a new run every 37 days, off the 8-day blocks
			gap = gapRates[rng.IntN(len(gapRates))]
			scale = scales[rng.IntN(len(scales))]
			huge = [...]float64{0, 0, 1e-4, 1e-2}[rng.IntN(4)]
		}
		switch r := rng.Float64(); {
		case r < gap && rng.IntN(10) == 0:
			h[i] = Conc(-1 - rng.Int32()) // any negative other than Missing
		case r < gap:
			h[i] = Missing
		case rng.Float64() < huge:
			h[i] = Conc(1<<27 + rng.Int32N(math.MaxInt32-1<<27+1))
		default:
			h[i] = Conc(rng.Int32N(scale))
		}
	}
	return h
}

// TestDaySumsRandom compares every implementation with validSumScalar and
// refDayMax on 40,000 random days, whole and in random sub-series (other
// starts, so other alignments, and other tails).
func TestDaySumsRandom(t *testing.T) {
	if !useAVX2 {
		t.Log("no AVX2 kernel on this machine: daySums is the generic code")
	}
	rng := rand.New(rand.NewPCG(20261128, 3095))
	const days = 40_000
	h := randomSeries(rng, days)
	checkDaySumsAll(t, h)
	for range 300 {
		a := rng.IntN(days)
		b := a + rng.IntN(min(days-a, 100)+1)
		checkDaySumsAll(t, h[24*a:24*b])
	}
}

// TestDaySumsDispatch runs daySums and daySumsMax with the AVX2 kernels
// switched off, as on a machine without AVX2, to check the dispatch.
func TestDaySumsDispatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 24))
	h := randomSeries(rng, 1000)
	checkDaySumsAll(t, h)
	setUseAVX2(t, false)
	checkDaySumsAll(t, h)
}

// FuzzDaySums decodes the input into a series and compares every
// implementation with validSumScalar and refDayMax. The first byte picks
// how the values are read (raw int32, small values with gaps, large valid
// values, arbitrary with Missing) and a starting day, the second the number
// of days (up to 40, five AVX2 blocks); the rest supplies the values,
// repeated as needed.
func FuzzDaySums(f *testing.F) {
	f.Add([]byte{0, 9, 1, 2, 3, 4})
	f.Add([]byte{1, 39, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0x80, 7, 0, 0, 0})
	f.Add([]byte{2, 17, 0, 0, 0, 8, 1, 0, 0, 0})
	f.Add([]byte{3, 24, 0x10, 0x27, 0, 0, 0x20, 0x4e, 0, 0, 0, 0, 0, 0x80})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 6 {
			return
		}
		mode, days := data[0], 1+int(data[1])%40
		h := fuzzHours(data[2:], 24*days, func(v int32) int32 {
			switch mode % 4 {
			case 1: // small magnitudes, negative ones invalid
				v >>= 12
			case 2: // valid, of any size
				v &= math.MaxInt32
			case 3: // usual concentrations with Missing hours
				if uint32(v)%7 == 0 {
					v = int32(Missing)
				} else {
					v &= 1<<20 - 1
				}
			}
			return v
		})
		start := min(int(mode>>2)%8, days)
		checkDaySumsAll(t, h[24*start:])
	})
}

// BenchmarkDaySums is the day sums of one station-year of five pollutants
// (the daily means' inputs, 1,825 days): the per-day validSum loop the
// kernels replaced, then the batch kernels. ns/op is per
// station-year; cpu-ns/station-year is the process's CPU time (the
// machine is shared); x-validSum is how many times faster than the
// validSum loop measured in the same run (CPU time, mean of its runs).
func BenchmarkDaySums(b *testing.B) {
	s := benchSeries(11)
	pollutants := [...]Pollutant{SO2, NO2, CO, PM10, PM25}
	sum, n, mx := make([]int64, s.Days), make([]uint8, s.Days), make([]Conc, s.Days)
	benchAgainst(b, []benchKernel{
		{"validSum", func() {
			for _, p := range pollutants {
				h := s.V[p]
				for d := range sum {
					v, k := validSum((*[24]Conc)(h[24*d : 24*d+24]))
					sum[d], n[d] = v, uint8(k)
				}
			}
		}},
		{"daySums", func() {
			for _, p := range pollutants {
				daySums(s.V[p], sum, n)
			}
		}},
		{"daySumsMax", func() {
			for _, p := range pollutants {
				daySumsMax(s.V[p], sum, n, mx)
			}
		}},
		{"daySumsGeneric", func() {
			for _, p := range pollutants {
				daySumsGeneric(s.V[p], sum, n)
			}
		}},
	})
}

// dayLayout is a series of whole days and what a batch kernel must give
// for each of them.
type dayLayout[W any] struct {
	name  string
	h     []Conc
	wants []W
}

// dayLayouts places a test day (with its expected result want) in a batch
// kernel's input every way that matters to a kernel working several days
// at a time: alone, as every one of n days, and as day at (for each at)
// among n ordinary days ord (expected ordWant).
func dayLayouts[W any](day [24]Conc, want W, ord [24]Conc, ordWant W, n int, at ...int) []dayLayout[W] {
	layouts := []dayLayout[W]{{"alone", day[:], []W{want}}}
	every := dayLayout[W]{name: "every day"}
	for range n {
		every.h = append(every.h, day[:]...)
		every.wants = append(every.wants, want)
	}
	layouts = append(layouts, every)
	for _, a := range at {
		l := dayLayout[W]{name: fmt.Sprintf("among ordinary days at day %d", a)}
		for d := range n {
			if d == a {
				l.h, l.wants = append(l.h, day[:]...), append(l.wants, want)
			} else {
				l.h, l.wants = append(l.h, ord[:]...), append(l.wants, ordWant)
			}
		}
		layouts = append(layouts, l)
	}
	return layouts
}

// fuzzHours makes n hourly values of a fuzz input, reading vals four bytes
// at a time (cycling when it runs out) and passing each through shape,
// which gives the values the distribution a test wants. vals must hold at
// least four bytes.
func fuzzHours(vals []byte, n int, shape func(int32) int32) []Conc {
	h := make([]Conc, n)
	for i := range h {
		j := 4 * i % (len(vals) - 3)
		h[i] = Conc(shape(int32(binary.LittleEndian.Uint32(vals[j:]))))
	}
	return h
}
