package standard

import (
	"math/big"
	"slices"
	"testing"
)

// FuzzRound8170 checks the integer fast paths against math/big.
func FuzzRound8170(f *testing.F) {
	f.Add(int64(28165), int64(1000), 2)
	f.Add(int64(-365), int64(10000), 3)
	f.Add(int64(2500), int64(1), -3)
	f.Add(int64(1)<<62, int64(7), 4)
	f.Fuzz(func(t *testing.T, num, den int64, decimals int) {
		if den == 0 || decimals < -18 || decimals > 18 || num == -1<<63 || den == -1<<63 {
			return
		}
		want := new(big.Rat).SetFrac64(num, den)
		scale := new(big.Rat).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(abs(decimals))), nil))
		if decimals >= 0 {
			want.Mul(want, scale)
		} else {
			want.Quo(want, scale)
		}
		// Skip results that do not fit in int64.
		lim := new(big.Rat).SetInt64(1 << 62)
		if new(big.Rat).Abs(want).Cmp(lim) > 0 {
			return
		}
		if got, ref := Round8170(num, den, decimals), refRound(num, den, decimals); got != ref {
			t.Fatalf("Round8170(%d, %d, %d) = %d, want %d", num, den, decimals, got, ref)
		}
	})
}

// FuzzIAQI checks the integer IAQI against an exact math/big evaluation of
// HJ 633 式(1) with the ceiling, for every item and edition.
func FuzzIAQI(f *testing.F) {
	f.Add(uint8(10), int32(75500), true, true)
	f.Add(uint8(4), int32(2500), false, false)
	f.Add(uint8(7), int32(801000), true, false)
	f.Fuzz(func(t *testing.T, item uint8, c int32, is2026, round bool) {
		it := Item(item % uint8(numItems))
		e := Edition2012
		if is2026 {
			e = Edition2026
		}
		got := IAQI(e, it, Conc(c), round)
		if c < 0 {
			if got.Status != IAQIMissing {
				t.Fatalf("negative %d: %v", c, got.Status)
			}
			return
		}
		x := new(big.Rat).SetFrac64(int64(c), ConcScale)
		unit := big.NewRat(1, 1)
		if it.Pollutant() == CO {
			unit = big.NewRat(1, 10)
		}
		if round {
			q := new(big.Rat).Quo(x, unit)
			r := refRound(q.Num().Int64(), q.Denom().Int64(), 0)
			x = new(big.Rat).Mul(new(big.Rat).SetInt64(r), unit)
		}
		bp := Breakpoints(e, it)
		if (it == SO2_1H || it == O3_8H) && x.Cmp(big.NewRat(800, 1)) > 0 {
			if got.Status != IAQIFixed && got.Status != IAQIAbove800 {
				t.Fatalf("%v %v above 800: %v", e, it, got.Status)
			}
			return
		}
		for i := 1; i < 8 && bp[i] != Missing; i++ {
			hi := new(big.Rat).SetFrac64(int64(bp[i]), ConcScale)
			if x.Cmp(hi) <= 0 {
				lo := new(big.Rat).SetFrac64(int64(bp[i-1]), ConcScale)
				v := new(big.Rat).Sub(x, lo)
				v.Mul(v, big.NewRat(iaqiLevels[i]-iaqiLevels[i-1], 1))
				v.Quo(v, new(big.Rat).Sub(hi, lo))
				v.Add(v, big.NewRat(iaqiLevels[i-1], 1))
				ceil := new(big.Int).Quo(v.Num(), v.Denom())
				if new(big.Rat).SetInt(ceil).Cmp(v) < 0 {
					ceil.Add(ceil, big.NewInt(1))
				}
				if int64(got.Value) != ceil.Int64() || got.Status != IAQIOK {
					t.Fatalf("%v %v %v (round %v): IAQI %d %v, want %v", e, it, Conc(c), round, got.Value, got.Status, ceil)
				}
				return
			}
		}
		if got.Value != 500 || got.Status != IAQIOverRange {
			t.Fatalf("%v %v %v above the table: %d %v", e, it, Conc(c), got.Value, got.Status)
		}
	})
}

// FuzzPercentile checks the quickselect percentile against a sorted copy.
func FuzzPercentile(f *testing.F) {
	f.Add([]byte{3, 4, 8, 2, 5, 4}, uint8(90))
	f.Add([]byte{1}, uint8(95))
	f.Fuzz(func(t *testing.T, raw []byte, p uint8) {
		pp := int(p % 101)
		vals := make([]Conc, len(raw))
		for i, b := range raw {
			vals[i] = Conc(int(b) * 1000)
			if b == 255 {
				vals[i] = Missing
			}
		}
		got := Percentile(vals, pp)
		var s []Conc
		for _, v := range vals {
			if v != Missing {
				s = append(s, v)
			}
		}
		if len(s) == 0 {
			if got.Valid() {
				t.Fatal("percentile of nothing")
			}
			return
		}
		slices.Sort(s)
		k := (len(s) - 1) * pp
		i, frac := k/100, int64(k%100)
		want := Ratio{int64(s[i]) * 100, 100}
		if frac != 0 {
			want = Ratio{int64(s[i])*100 + (int64(s[i+1])-int64(s[i]))*frac, 100}
		}
		if got.Num*want.Den != want.Num*got.Den {
			t.Fatalf("P%d of %v = %v, want %v", pp, s, got, want)
		}
	})
}

// FuzzParse covers the name parsers used on user input.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"PM2.5_24H", "pm25_1h", "O3_8H", "2026", "hj 633-2012", "2.154546", "-0.0365", "", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if it, err := ParseItem(s); err == nil {
			if back, err := ParseItem(it.String()); err != nil || back != it {
				t.Fatalf("item %q → %v does not round-trip", s, it)
			}
		}
		if e, err := ParseEdition(s); err == nil {
			if back, err := ParseEdition(e.String()); err != nil || back != e {
				t.Fatalf("edition %q → %v does not round-trip", s, e)
			}
		}
		if q, err := ParseDecimalRatio(s); err == nil && q.Den == 0 {
			t.Fatalf("%q parsed to a zero denominator", s)
		}
		if c, err := ParseConc(s); err == nil && c != Missing {
			if back, err := ParseConc(c.String()); err != nil || back != c {
				t.Fatalf("conc %q → %v does not round-trip", s, c)
			}
		}
	})
}

// refValidSum is the day sum of GB 3095 表4 written plainly: valid values
// are the non-negative ones.
func refValidSum(h *[24]Conc) (sum int64, n int) {
	for _, c := range h {
		if c >= 0 {
			sum += int64(c)
			n++
		}
	}
	return sum, n
}

// FuzzValidSum checks the two-lanes-at-a-time day sum against the plain
// loop for any 24 values: gaps, negative values other than Missing, and
// magnitudes up to the int32 limit (which must leave the lane fast paths).
func FuzzValidSum(f *testing.F) {
	f.Add(make([]byte, 96))
	f.Add(bytesOfDay([24]Conc{0: Missing, 5: -3, 23: 1 << 27}))
	f.Add(bytesOfDay([24]Conc{0: 1<<31 - 1, 1: 1<<31 - 1, 2: 1<<31 - 1}))
	f.Fuzz(func(t *testing.T, b []byte) {
		var h [24]Conc
		for i := range h {
			if 4*i+4 > len(b) {
				break
			}
			h[i] = Conc(int32(uint32(b[4*i]) | uint32(b[4*i+1])<<8 | uint32(b[4*i+2])<<16 | uint32(b[4*i+3])<<24))
		}
		sum, n := validSum(&h)
		ws, wn := refValidSum(&h)
		if sum != ws || n != wn {
			t.Fatalf("validSum(%v) = %d, %d; want %d, %d", h, sum, n, ws, wn)
		}
	})
}

func bytesOfDay(h [24]Conc) []byte {
	b := make([]byte, 0, 96)
	for _, c := range h {
		u := uint32(c)
		b = append(b, byte(u), byte(u>>8), byte(u>>16), byte(u>>24))
	}
	return b
}
