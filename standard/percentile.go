package standard

import (
	"encoding/json"
	"math/big"
	"sort"
)

// Percentile returns the p-th percentile of vals by the HJ 663 formula
// (standards.md §3.5): sort ascending X(1…n), k = 1 + (n−1)·p/100,
// s = ⌊k⌋, m = X(s) + (X(s+1) − X(s))·(k − s); exact, in Conc units.
// Missing values are skipped; no valid value gives an absent Ratio. vals is
// not modified.
func Percentile(vals []Conc, p int) Ratio {
	buf := make([]Conc, 0, len(vals))
	for _, v := range vals {
		if v != Missing {
			buf = append(buf, v)
		}
	}
	return percentileInPlace(buf, p)
}

// percentileInPlace is Percentile on a slice without Missing values; it
// reorders buf. It runs in linear time (quickselect) since only two order
// statistics are needed.
func percentileInPlace(buf []Conc, p int) Ratio {
	n := len(buf)
	if n == 0 {
		return Ratio{}
	}
	t := (n - 1) * p // k − 1 = t/100
	s0 := t / 100    // 0-based index of X(s)
	frac := int64(t % 100)
	if xs, nx, ok := selectCounting(buf, s0); ok {
		if frac == 0 || s0+1 >= n {
			return Ratio{int64(xs), 1}
		}
		return reduce(Ratio{int64(xs)*100 + int64(nx-xs)*frac, 100})
	}
	selectK(buf, s0)
	xs := int64(buf[s0])
	if frac == 0 || s0+1 >= n {
		return Ratio{xs, 1}
	}
	// X(s+1) is the minimum of the part right of s0.
	nx := buf[s0+1]
	for _, v := range buf[s0+2:] {
		if v < nx {
			nx = v
		}
	}
	return reduce(Ratio{xs*100 + (int64(nx)-xs)*frac, 100})
}

// histBins bounds the span, in steps of the values' unit, that
// selectCounting counts in (a 4 KB array on the stack).
const histBins = 2048

// selectCounting returns the order statistics X(s) and X(s+1) (0-based;
// X(s+1) only when s+1 < len(buf)) of non-negative values that are all
// whole multiples of 1000 or of 100 — published daily values, in
// thousandths, are — and span fewer than histBins such steps; ok is false
// otherwise. Counting, unlike quickselect, has no comparison whose outcome
// is random, so it runs without mispredicted branches; buf is not
// reordered.
func selectCounting(buf []Conc, s int) (xs, next Conc, ok bool) {
	if len(buf) < 32 || s < 0 || s >= len(buf) {
		return 0, 0, false
	}
	lo, hi := buf[0], buf[0]
	var sum int64
	for _, v := range buf {
		lo, hi = min(lo, v), max(hi, v)
		sum += int64(v)
	}
	if lo < 0 {
		return 0, 0, false
	}
	var h [histBins]uint16
	g := Conc(1000)
	if !countBy(&h, buf, lo, hi, sum, 1000) {
		clear(h[:min(int(hi-lo)/1000+1, histBins)])
		if g = 100; !countBy(&h, buf, lo, hi, sum, 100) {
			return 0, 0, false
		}
	}
	span := int((hi - lo) / g)
	cum, j := 0, 0
	for ; j <= span; j++ {
		if cum += int(h[j]); cum > s {
			break
		}
	}
	xs = lo + Conc(j)*g
	if s+1 >= len(buf) || cum > s+1 {
		return xs, xs, true
	}
	for j++; j <= span && h[j] == 0; j++ {
	}
	return xs, lo + Conc(j)*g, true
}

// countBy counts buf (minimum lo, maximum hi, sum sum) into h in steps of
// g from lo, and reports whether every value is a whole number of steps
// from lo, lo a whole multiple of g, and the span inside h. The steps are
// truncated, so the values sum to sum exactly when none was truncated:
// one addition per value checks them all.
func countBy(h *[histBins]uint16, buf []Conc, lo, hi Conc, sum int64, g Conc) bool {
	if lo%g != 0 || (hi-lo)/g >= histBins {
		return false
	}
	var steps int64
	if g == 1000 {
		// The divisors are constants: the compiler multiplies.
		for _, v := range buf {
			q := uint32(v-lo) / 1000
			h[q%histBins]++
			steps += int64(q)
		}
	} else {
		for _, v := range buf {
			q := uint32(v-lo) / 100
			h[q%histBins]++
			steps += int64(q)
		}
	}
	return int64(len(buf))*int64(lo)+steps*int64(g) == sum
}

// selectK partially orders a so that a[k] is the k-th smallest, everything
// before it ≤ and everything after it ≥ (Hoare quickselect, median of
// three).
func selectK(a []Conc, k int) {
	lo, hi := 0, len(a)-1
	for hi > lo {
		if hi-lo < 16 {
			// insertion sort for small ranges
			for i := lo + 1; i <= hi; i++ {
				v := a[i]
				j := i - 1
				for j >= lo && a[j] > v {
					a[j+1] = a[j]
					j--
				}
				a[j+1] = v
			}
			return
		}
		mid := lo + (hi-lo)/2
		if a[mid] < a[lo] {
			a[mid], a[lo] = a[lo], a[mid]
		}
		if a[hi] < a[lo] {
			a[hi], a[lo] = a[lo], a[hi]
		}
		if a[hi] < a[mid] {
			a[hi], a[mid] = a[mid], a[hi]
		}
		pivot := a[mid]
		i, j := lo, hi
		for i <= j {
			for a[i] < pivot {
				i++
			}
			for a[j] > pivot {
				j--
			}
			if i <= j {
				a[i], a[j] = a[j], a[i]
				i++
				j--
			}
		}
		switch {
		case k <= j:
			hi = j
		case k >= i:
			lo = i
		default:
			return
		}
	}
}

// PercentileExact is Percentile on exact rational values (used when
// Rules.PeriodFromRoundedDaily is off).
func PercentileExact(vals []Ratio, p int) Ratio {
	buf := make([]Ratio, 0, len(vals))
	for _, v := range vals {
		if v.Den != 0 {
			buf = append(buf, v)
		}
	}
	n := len(buf)
	if n == 0 {
		return Ratio{}
	}
	sort.Slice(buf, func(i, j int) bool { return buf[i].Num*buf[j].Den < buf[j].Num*buf[i].Den })
	t := (n - 1) * p
	s0, frac := t/100, int64(t%100)
	if frac == 0 || s0+1 >= n {
		return reduce(buf[s0])
	}
	x := new(big.Rat).SetFrac64(buf[s0].Num, buf[s0].Den)
	y := new(big.Rat).SetFrac64(buf[s0+1].Num, buf[s0+1].Den)
	y.Sub(y, x)
	y.Mul(y, big.NewRat(frac, 100))
	x.Add(x, y)
	q, _ := RatioFromRat(x)
	return q
}

// reduce divides numerator and denominator by their gcd.
func reduce(q Ratio) Ratio {
	if q.Den == 0 {
		return q
	}
	a, b := q.Num, q.Den
	if a < 0 {
		a = -a
	}
	for b != 0 {
		a, b = b, a%b
	}
	if a > 1 {
		q.Num /= a
		q.Den /= a
	}
	if q.Den < 0 {
		q.Num, q.Den = -q.Num, -q.Den
	}
	return q
}

// Decimal is an exact dimensionless number published with a fixed number of
// decimals (indices, multiples, percentages). It encodes to JSON as the
// rounded number, or null when absent.
type Decimal struct {
	// Exact is the exact value; Den 0 when absent.
	Exact Ratio
	// Decimals is the number of decimals it is published with.
	Decimals int
}

// Valid reports whether the number is present.
func (d Decimal) Valid() bool { return d.Exact.Den != 0 }

// Scaled returns the value rounded by GB/T 8170, scaled by 10^Decimals.
func (d Decimal) Scaled() int64 { return d.Exact.Round(d.Decimals) }

// String returns the rounded value ("3.06"); empty when absent.
func (d Decimal) String() string { return d.Exact.Format(d.Decimals) }

// Float64 returns the exact value as a float (NaN when absent).
func (d Decimal) Float64() float64 { return d.Exact.Float64() }

// MarshalJSON encodes the rounded value as a JSON number, or null.
func (d Decimal) MarshalJSON() ([]byte, error) {
	if !d.Valid() {
		return []byte("null"), nil
	}
	return []byte(d.String()), nil
}

// UnmarshalJSON is not lossless (the exact value is not encoded) and
// decodes the published number.
func (d *Decimal) UnmarshalJSON(b []byte) error {
	var s json.Number
	if string(b) == "null" {
		*d = Decimal{}
		return nil
	}
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	q, err := ParseDecimalRatio(s.String())
	if err != nil {
		return err
	}
	d.Exact = q
	return nil
}
