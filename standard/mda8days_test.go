package standard

import (
	"math"
	"math/rand/v2"
	"testing"
)

// mda8Day is one day's results as mda8Scan returns them.
type mda8Day struct {
	n1, nw int
	bs, bc int64
	mx     Conc
}

// refWindow is one of the 17 windows of a day, computed plainly.
type refWindow struct {
	sum, count int64
	valid      bool
}

// refWindows lists the day's windows j = 0 … 16 (hours j … j+7) as HJ
// 663 §6.1.2 defines them, written as plainly as possible to check the
// hand-worked cases (and so mda8Scan) against: a window is valid with at
// least max(minH, 1) valid (non-negative) hours.
func refWindows(day []Conc, minH int) [17]refWindow {
	var ws [17]refWindow
	for j := range ws {
		for _, c := range day[j : j+8] {
			if c >= 0 {
				ws[j].sum += int64(c)
				ws[j].count++
			}
		}
		ws[j].valid = ws[j].count >= int64(max(minH, 1))
	}
	return ws
}

// refMDA8 is the day's results from refWindows: the first valid window
// with the largest mean (compared by cross-multiplication), the valid
// hours and windows and the largest valid hour.
func refMDA8(day []Conc, minH int) mda8Day {
	r := mda8Day{mx: refDayMax(day)}
	for _, c := range day {
		if c >= 0 {
			r.n1++
		}
	}
	for _, w := range refWindows(day, minH) {
		if !w.valid {
			continue
		}
		r.nw++
		if r.bc == 0 || w.sum*r.bc > r.bs*w.count {
			r.bs, r.bc = w.sum, w.count
		}
	}
	return r
}

// mda8Impl is one implementation of mda8Days under test.
type mda8Impl struct {
	name string
	run  func(h []Conc, minH int, n1, nw []uint8, bs []int64, bc []uint8, mx []Conc)
}

// mda8Impls lists every path: the dispatching mda8Days (the AVX2 kernel on
// a machine with AVX2) and the generic code it falls back on. Each must
// equal mda8Scan field by field, ties included (the first best window).
var mda8Impls = []mda8Impl{
	{"mda8Days", mda8Days},
	{"mda8DaysGeneric", mda8DaysGeneric},
}

// checkMDA8All runs every implementation on h with minH and compares each
// day with mda8Scan. The outputs are pre-filled with garbage, so a day an
// implementation fails to write is caught, and one element beyond the
// days must stay as it is.
func checkMDA8All(t *testing.T, h []Conc, minH int) {
	t.Helper()
	days := len(h) / 24
	for _, im := range mda8Impls {
		n1, nw, bc := make([]uint8, days+1), make([]uint8, days+1), make([]uint8, days+1)
		bs, mx := make([]int64, days), make([]Conc, days+1)
		for d := range days + 1 {
			n1[d], nw[d], bc[d], mx[d] = 99, 99, 99, -7
			if d < days {
				bs[d] = -7
			}
		}
		im.run(h, minH, n1, nw, bs, bc, mx)
		for d := range days {
			day := h[24*d : 24*d+24]
			a, w, s, c, m := mda8Scan(minH, (*[24]Conc)(day))
			want := mda8Day{a, w, s, c, m}
			got := mda8Day{int(n1[d]), int(nw[d]), bs[d], int64(bc[d]), mx[d]}
			if got != want {
				t.Fatalf("%s: day %d of %d, minH %d: got %+v, want %+v (values %v)",
					im.name, d, days, minH, got, want, day)
			}
		}
		if n1[days] != 99 || nw[days] != 99 || bc[days] != 99 || mx[days] != -7 {
			t.Fatalf("%s: wrote beyond the %d days", im.name, days)
		}
	}
}

// TestMDA8DaysCases checks named days with their results worked out by
// hand (the first best window, as mda8Scan returns it), each placed alone,
// on every day of an 11-day series and as the one odd day among ordinary
// days at days 0, 5 and 10 (the first, a middle and the last day, which
// the kernel handles at the end of its loop).
func TestMDA8DaysCases(t *testing.T) {
	const M = Missing
	only := func(v map[int]Conc) [24]Conc { // Missing except the hours given
		return dayOf(func(i int) Conc {
			if c, ok := v[i]; ok {
				return c
			}
			return M
		})
	}
	but := func(base Conc, v map[int]Conc) [24]Conc { // base except the hours given
		return dayOf(func(i int) Conc {
			if c, ok := v[i]; ok {
				return c
			}
			return base
		})
	}
	tests := []struct {
		name string
		minH int
		day  [24]Conc
		want mda8Day
	}{
		{"all valid, rising: the last window", 6, dayOf(func(i int) Conc { return Conc(1000 * (i + 1)) }),
			mda8Day{24, 17, 1000 * (17 + 18 + 19 + 20 + 21 + 22 + 23 + 24), 8, 24000}},
		{"all valid, falling: the first window", 6, dayOf(func(i int) Conc { return Conc(1000 * (24 - i)) }),
			mda8Day{24, 17, 1000 * (24 + 23 + 22 + 21 + 20 + 19 + 18 + 17), 8, 24000}},
		{"all zero", 6, [24]Conc{}, mda8Day{24, 17, 0, 8, 0}},
		{"all missing", 6, dayOf(func(int) Conc { return M }), mda8Day{0, 0, 0, 0, -1}},
		{"exactly minH valid, in the first window only", 6,
			only(map[int]Conc{0: 10000, 1: 20000, 2: 30000, 3: 40000, 4: 50000, 5: 60000}),
			mda8Day{6, 1, 210000, 6, 60000}},
		{"exactly minH valid, in the last window only", 6,
			only(map[int]Conc{18: 18000, 19: 19000, 20: 20000, 21: 21000, 22: 22000, 23: 23000}),
			mda8Day{6, 1, 123000, 6, 23000}},
		{"gaps at the day's start", 6, dayOf(func(i int) Conc {
			if i < 2 {
				return M
			}
			return Conc(1000 * i)
		}), mda8Day{22, 17, 1000 * (16 + 17 + 18 + 19 + 20 + 21 + 22 + 23), 8, 23000}},
		// Windows 15 and 16 keep 7 and 6 hours; the first window is the best.
		{"gaps at the day's end", 6, dayOf(func(i int) Conc {
			if i >= 22 {
				return M
			}
			return Conc(1000 * (24 - i))
		}), mda8Day{22, 17, 164000, 8, 24000}},
		{"a peak beside two gaps: six hours beat seven and eight", 6,
			but(50000, map[int]Conc{10: M, 11: M, 12: 200000}),
			mda8Day{22, 17, 200000 + 5*50000, 6, 200000}},
		{"tie 8/1 before 16/2", 1, only(map[int]Conc{0: 8000, 20: 8000, 21: 8000}),
			mda8Day{3, 5, 8000, 1, 8000}},
		{"tie 16/2 before 8/1", 1, only(map[int]Conc{0: 8000, 1: 8000, 23: 8000}),
			mda8Day{3, 3, 16000, 2, 8000}},
		{"tie 7 hours before 8, just below 2^25", 6, but(1<<25-1, map[int]Conc{0: M}),
			mda8Day{23, 17, 7 * (1<<25 - 1), 7, 1<<25 - 1}},
		{"zeros beside a gap: a valid mean of 0", 6, but(0, map[int]Conc{3: M}),
			mda8Day{23, 17, 0, 7, 0}},
		{"values just below 2^26 beside a gap: too large to pack", 6, but(1<<26-1, map[int]Conc{0: M}),
			mda8Day{23, 17, 7 * (1<<26 - 1), 7, 1<<26 - 1}},
		{"a value of 2^25 beside a gap", 6, but(1000, map[int]Conc{0: M, 5: 1 << 25}),
			mda8Day{23, 17, 1<<25 + 6000, 7, 1 << 25}},
		{"a value of 2^27 in a complete day", 6, but(1000, map[int]Conc{9: 1 << 27}),
			mda8Day{24, 17, 1<<27 + 7000, 8, 1 << 27}},
		{"values just below 2^27", 6, but(1<<27-1, nil), mda8Day{24, 17, 8 * (1<<27 - 1), 8, 1<<27 - 1}},
		{"values of 2^28 and a zero: eight overflow 32-bit sums", 6, but(1<<28, map[int]Conc{0: 0}),
			mda8Day{24, 17, 8 << 28, 8, 1 << 28}},
		{"MaxInt32 values", 6, but(MaxConc, nil), mda8Day{24, 17, 8 * math.MaxInt32, 8, MaxConc}},
		{"every other hour, minH 6: no window", 6,
			dayOf(func(i int) Conc { return [...]Conc{M, 5000}[i%2] }), mda8Day{12, 0, 0, 0, 5000}},
		{"MaxInt32 between gaps, minH 6: no window", 6,
			dayOf(func(i int) Conc { return [...]Conc{M, MaxConc}[i%2] }), mda8Day{12, 0, 0, 0, MaxConc}},
		{"MaxInt32 between gaps, minH 4", 4,
			dayOf(func(i int) Conc { return [...]Conc{M, MaxConc}[i%2] }), mda8Day{12, 17, 4 * math.MaxInt32, 4, MaxConc}},
		{"negatives other than Missing are invalid", 6, but(2000, map[int]Conc{4: -1, 12: -1000, 20: M + 1}),
			mda8Day{21, 17, 14000, 7, 2000}},
		{"only negatives", 1, dayOf(func(i int) Conc { return Conc(-1 - i) }), mda8Day{0, 0, 0, 0, -1}},
		{"minH 8: a gap voids eight windows", 8, but(3000, map[int]Conc{11: M}),
			mda8Day{23, 9, 24000, 8, 3000}},
		{"minH 8, complete", 8, dayOf(func(i int) Conc { return Conc(1000 * (i + 1)) }),
			mda8Day{24, 17, 164000, 8, 24000}},
		{"minH 9: no window can be valid", 9, but(5000, nil), mda8Day{24, 0, 0, 0, 5000}},
		{"minH 9 with a gap", 9, but(5000, map[int]Conc{7: M}), mda8Day{23, 0, 0, 0, 5000}},
		{"minH 0 counts as 1", 0, only(map[int]Conc{12: 7000}), mda8Day{1, 8, 7000, 1, 7000}},
		{"minH 1, one valid hour", 1, only(map[int]Conc{23: 1}), mda8Day{1, 1, 1, 1, 1}},
		{"one valid hour, minH 6", 6, only(map[int]Conc{7: 99000}), mda8Day{1, 0, 0, 0, 99000}},
	}
	const days = 11
	ord := ordinaryDay()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			// The expectations are worked out by hand; the references must
			// agree with them first.
			if r := refMDA8(tt.day[:], tt.minH); r != tt.want {
				t.Fatalf("refMDA8 = %+v; the case says %+v", r, tt.want)
			}
			a, w, s, c, m := mda8Scan(tt.minH, &tt.day)
			if r := (mda8Day{a, w, s, c, m}); r != tt.want {
				t.Fatalf("mda8Scan = %+v; the case says %+v", r, tt.want)
			}
			ordWant := refMDA8(ord[:], tt.minH)
			layouts := dayLayouts(tt.day, tt.want, ord, ordWant, days, 0, 5, 10)
			for _, l := range layouts {
				nd := len(l.wants)
				for _, im := range mda8Impls {
					n1, nw, bc := make([]uint8, nd), make([]uint8, nd), make([]uint8, nd)
					bs, mx := make([]int64, nd), make([]Conc, nd)
					im.run(l.h, tt.minH, n1, nw, bs, bc, mx)
					for d, w := range l.wants {
						got := mda8Day{int(n1[d]), int(nw[d]), bs[d], int64(bc[d]), mx[d]}
						if got != w {
							t.Fatalf("%s, %s: day %d: got %+v, want %+v", l.name, im.name, d, got, w)
						}
					}
				}
			}
		})
	}
}

// TestMDA8DaysLengths checks the slice lengths mda8Days accepts: whole
// days only, the other outputs at least as long as bs, empty series.
func TestMDA8DaysLengths(t *testing.T) {
	tests := []struct {
		name                  string
		hours, days, n1, rest int
		panics                bool
	}{
		{"zero-length", 0, 0, 0, 0, false},
		{"zero days, spare outputs", 0, 0, 3, 3, false},
		{"one day", 24, 1, 1, 1, false},
		{"longer outputs", 24 * 9, 9, 12, 10, false},
		{"a partial day", 23, 1, 1, 1, true},
		{"an hour beyond the days", 24*8 + 1, 8, 8, 8, true},
		{"more days than hours", 24, 2, 2, 2, true},
		{"n1 too short", 24 * 9, 9, 8, 9, true},
		{"nw, bc and mx too short", 24 * 9, 9, 9, 8, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := make([]Conc, tt.hours)
			for i := range h {
				h[i] = Conc(1000 * i)
			}
			n1, nw, bc := make([]uint8, tt.n1), make([]uint8, tt.rest), make([]uint8, tt.rest)
			bs, mx := make([]int64, tt.days), make([]Conc, tt.rest)
			panicked := func() (p bool) {
				defer func() { p = recover() != nil }()
				mda8Days(h, 6, n1, nw, bs, bc, mx)
				return false
			}()
			if panicked != tt.panics {
				t.Fatalf("mda8Days panicked: %v, want %v", panicked, tt.panics)
			}
			if !tt.panics && tt.days > 0 {
				checkMDA8All(t, h, 6)
			}
		})
	}
}

// tieSeries is a series whose valid values come from a small set (0, 1, 2
// or 3 µg/m³) with many gaps, so that windows of different counts often
// share the largest mean (3/1 and 6/2, 0/6 and 0/8, …) and only the order
// of the windows decides which one is reported.
func tieSeries(rng *rand.Rand, days int) []Conc {
	h := make([]Conc, 24*days)
	for i := range h {
		if rng.IntN(3) == 0 {
			h[i] = Missing
		} else {
			h[i] = Conc(1000 * rng.IntN(4))
		}
	}
	return h
}

// TestMDA8DaysRandom compares every implementation with mda8Scan on
// 60,000 random days (randomSeries: runs of gap rates from none to all,
// magnitudes up to MaxConc, negatives other than Missing) and 20,000 days
// full of ties, for every window rule from minH 0 to 9, whole and in
// random sub-series.
func TestMDA8DaysRandom(t *testing.T) {
	if !useAVX2 {
		t.Log("no AVX2 kernel on this machine: mda8Days is the generic code")
	}
	rng := rand.New(rand.NewPCG(20261128, 663))
	series := [][]Conc{randomSeries(rng, 60_000), tieSeries(rng, 20_000)}
	for _, h := range series {
		for minH := 0; minH <= 9; minH++ {
			checkMDA8All(t, h, minH)
		}
		days := len(h) / 24
		for range 200 {
			a := rng.IntN(days)
			b := a + rng.IntN(min(days-a, 50)+1)
			checkMDA8All(t, h[24*a:24*b], 6)
		}
	}
}

// TestMDA8DaysDispatch runs mda8Days with the AVX2 kernel switched off, as
// on a machine without AVX2, to check the dispatch.
func TestMDA8DaysDispatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 663))
	h := randomSeries(rng, 1000)
	checkMDA8All(t, h, 6)
	setUseAVX2(t, false)
	checkMDA8All(t, h, 6)
}

// FuzzMDA8Days decodes the input into a series and a window rule and
// compares every implementation with mda8Scan. The first byte picks how
// the values are read (raw int32, small values with gaps, few distinct
// values with gaps for ties, arbitrary valid values with Missing) and the
// window rule minH (0 … 9), the second the number of days (1 … 40); the
// rest supplies the values, repeated as needed.
func FuzzMDA8Days(f *testing.F) {
	f.Add([]byte{0, 9, 1, 2, 3, 4})
	f.Add([]byte{1, 39, 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0x80, 7, 0, 0, 0})
	f.Add([]byte{2, 17, 0, 0, 0, 2, 1, 0, 0, 0, 5, 0, 0, 0})
	f.Add([]byte{3, 24, 0x10, 0x27, 0, 0, 0x20, 0x4e, 0, 0, 0, 0, 0, 0x80})
	f.Add([]byte{0x1b, 3, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 6 {
			return
		}
		mode, days := data[0], 1+int(data[1])%40
		minH := int(mode>>2) % 10
		h := fuzzHours(data[2:], 24*days, func(v int32) int32 {
			switch mode % 4 {
			case 1: // small magnitudes, negative ones invalid
				v >>= 12
			case 2: // few distinct values with gaps: ties
				if v < 0 {
					v = int32(Missing)
				} else {
					v = 1000 * (v % 4)
				}
			case 3: // valid values of any size, and Missing
				if uint32(v)%5 == 0 {
					v = int32(Missing)
				} else {
					v &= math.MaxInt32
				}
			}
			return v
		})
		checkMDA8All(t, h, minH)
	})
}

// BenchmarkMDA8Days is the MDA8 window search of one station-year of O3
// (365 days, 2 % of the hours missing as in benchSeries): the per-day
// mda8Scan loop that seriesRows runs, then mda8Days and its generic form.
// ns/op is per station-year; cpu-ns/station-year is the process's CPU
// time (the machine is shared); x-mda8Scan is how many times faster than
// the mda8Scan loop measured in the same run (CPU time, mean of its runs).
func BenchmarkMDA8Days(b *testing.B) {
	s := benchSeries(11)
	h := s.V[O3]
	days := s.Days
	n1, nw, bc := make([]uint8, days), make([]uint8, days), make([]uint8, days)
	bs, mx := make([]int64, days), make([]Conc, days)
	benchAgainst(b, []benchKernel{
		{"mda8Scan", func() {
			for d := range bs {
				a, w, sum, c, m := mda8Scan(6, (*[24]Conc)(h[24*d:24*d+24]))
				n1[d], nw[d], bs[d], bc[d], mx[d] = uint8(a), uint8(w), sum, uint8(c), m
			}
		}},
		{"mda8Days", func() { mda8Days(h, 6, n1, nw, bs, bc, mx) }},
		{"mda8DaysGeneric", func() { mda8DaysGeneric(h, 6, n1, nw, bs, bc, mx) }},
	})
}
