package standard

import (
	"fmt"
	"math"
	"math/big"
	"math/bits"
	"strconv"
)

var pow10 = [...]int64{1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000,
	1000000000, 10000000000, 100000000000, 1000000000000, 10000000000000,
	100000000000000, 1000000000000000, 10000000000000000, 100000000000000000,
	1000000000000000000}

// Round8170 rounds the exact rational num/den to decimals decimal places by
// GB/T 8170-2008 clause 3 (进舍规则): below half is dropped, above half is
// carried, exactly half goes to the even neighbour; negative values are
// rounded by magnitude and the sign restored; the rounding is done in one
// step from the exact value (修约应一次完成). The result is the rounded value
// scaled by 10^decimals: Round8170(28165, 1000, 2) = 2816 (28.16).
// decimals may be negative (round to tens, hundreds …). den must be
// non-zero.
func Round8170(num, den int64, decimals int) int64 {
	// Fast path: non-negative operands small enough for int64 products,
	// the case of every concentration statistic.
	if num >= 0 && den > 0 && decimals >= 0 && decimals <= 6 && num < 1<<43 {
		n := num * pow10[decimals]
		q := n / den
		r := n - q*den
		if r2 := 2 * r; r2 > den || (r2 == den && q&1 == 1) {
			q++
		}
		return q
	}
	if den < 0 {
		num, den = -num, -den
	}
	neg := num < 0
	n := uabs(num)
	d := uint64(den)
	var q, r, dd uint64
	if decimals >= 0 {
		// (n·10^decimals) / d in 128 bits.
		hi, lo := bits.Mul64(n, uint64(pow10[decimals]))
		if hi >= d {
			return roundBig(num, den, decimals)
		}
		q, r = bits.Div64(hi, lo, d)
		dd = d
	} else {
		// n / (d·10^-decimals)
		hi, lo := bits.Mul64(d, uint64(pow10[-decimals]))
		if hi != 0 {
			return 0 // |num/den| < 10^(-decimals)/2 is certain: |num| < 2^64 ≤ d·10^k.
		}
		dd = lo
		q, r = n/dd, n%dd
	}
	// Compare the remainder with half the divisor without overflow.
	switch {
	case r > dd-r: // r > dd/2
		q++
	case r == dd-r && q&1 == 1: // exactly half, odd: carry to even
		q++
	}
	v := int64(q)
	if decimals < 0 {
		v *= pow10[-decimals]
	}
	if neg {
		v = -v
	}
	return v
}

func uabs(x int64) uint64 {
	if x < 0 {
		return uint64(-x)
	}
	return uint64(x)
}

// roundBig handles the rare products that overflow 128 bits.
func roundBig(num, den int64, decimals int) int64 {
	n := new(big.Int).Abs(big.NewInt(num))
	n.Mul(n, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(decimals)), nil))
	d := new(big.Int).Abs(big.NewInt(den))
	q, r := new(big.Int).QuoRem(n, d, new(big.Int))
	r2 := new(big.Int).Lsh(r, 1)
	switch c := r2.Cmp(d); {
	case c > 0, c == 0 && q.Bit(0) == 1:
		q.Add(q, big.NewInt(1))
	}
	if !q.IsInt64() {
		if (num < 0) != (den < 0) {
			return math.MinInt64
		}
		return math.MaxInt64
	}
	v := q.Int64()
	if (num < 0) != (den < 0) {
		v = -v
	}
	return v
}

// Ratio is an exact rational Num/Den. Means, percentiles and indices are
// carried as Ratios so that the single GB/T 8170 rounding for publication
// happens on the exact value. A Ratio with Den == 0 is absent.
type Ratio struct {
	Num int64 `json:"num"`
	Den int64 `json:"den"`
}

// Valid reports whether the ratio holds a value.
func (q Ratio) Valid() bool { return q.Den != 0 }

// Round returns the value rounded by GB/T 8170 to decimals places, scaled by
// 10^decimals. An absent ratio rounds to 0.
func (q Ratio) Round(decimals int) int64 {
	if q.Den == 0 {
		return 0
	}
	return Round8170(q.Num, q.Den, decimals)
}

// Format returns the value rounded by GB/T 8170 to decimals places as a
// decimal string ("" when absent).
func (q Ratio) Format(decimals int) string {
	if q.Den == 0 {
		return ""
	}
	if decimals < 0 {
		return strconv.FormatInt(q.Round(decimals), 10)
	}
	return FormatScaled(q.Round(decimals), decimals, decimals)
}

// Float64 returns the nearest float64, for charts and JSON.
func (q Ratio) Float64() float64 {
	if q.Den == 0 {
		return math.NaN()
	}
	f, _ := new(big.Rat).SetFrac64(q.Num, q.Den).Float64()
	return f
}

// Cmp compares q with the integer v exactly: -1, 0 or +1.
func (q Ratio) Cmp(v int64) int {
	// q.Num/q.Den vs v with Den > 0.
	num, den := q.Num, q.Den
	if den < 0 {
		num, den = -num, -den
	}
	hi, lo := bits.Mul64(uabs(v), uint64(den))
	if hi != 0 || lo > math.MaxInt64 {
		return new(big.Rat).SetFrac64(num, den).Cmp(new(big.Rat).SetInt64(v))
	}
	p := int64(lo)
	if v < 0 {
		p = -p
	}
	switch {
	case num < p:
		return -1
	case num > p:
		return 1
	}
	return 0
}

// String formats the ratio as an exact decimal when it terminates within 12
// places, otherwise with 12 decimals followed by "…".
func (q Ratio) String() string {
	if q.Den == 0 {
		return ""
	}
	r := new(big.Rat).SetFrac64(q.Num, q.Den)
	s := r.FloatString(12)
	if exact := new(big.Rat).SetFrac(
		new(big.Int).Mul(r.Num(), new(big.Int).Exp(big.NewInt(10), big.NewInt(12), nil)), r.Denom()); !exact.IsInt() {
		return s + "…"
	}
	// trim trailing zeros
	for len(s) > 0 && s[len(s)-1] == '0' {
		s = s[:len(s)-1]
	}
	if len(s) > 0 && s[len(s)-1] == '.' {
		s = s[:len(s)-1]
	}
	return s
}

// RatioFromRat converts an exact big.Rat whose numerator and denominator fit
// in int64; ok is false otherwise.
func RatioFromRat(r *big.Rat) (q Ratio, ok bool) {
	if !r.Num().IsInt64() || !r.Denom().IsInt64() {
		return Ratio{}, false
	}
	return Ratio{r.Num().Int64(), r.Denom().Int64()}, true
}

// ParseDecimalRatio parses a decimal string of any length ("2.154546",
// "-0.0365") into an exact Ratio.
func ParseDecimalRatio(s string) (Ratio, error) {
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		return Ratio{}, fmt.Errorf("%q is not a decimal number", s)
	}
	q, ok := RatioFromRat(r)
	if !ok {
		return Ratio{}, fmt.Errorf("%q is out of range", s)
	}
	return q, nil
}

// RoundConc rounds a concentration by GB/T 8170 to the decimals the
// standard publishes for pollutant p (integer µg/m³; CO 0.1 mg/m³) and
// returns it again as a Conc. Missing stays Missing.
func RoundConc(p Pollutant, c Conc) Conc {
	if c == Missing {
		return Missing
	}
	return roundThousandths(int64(c), 1, p.PublishedDecimals())
}

// roundThousandths rounds num/den (in thousandths of a unit) to decimals
// places and returns the result in thousandths.
func roundThousandths(num, den int64, decimals int) Conc {
	v := Round8170(num, den*pow10[3-decimals], 0)
	return Conc(v * pow10[3-decimals])
}

// RatioOf converts a concentration to an exact Ratio (absent for Missing).
func RatioOf(c Conc) Ratio {
	if c == Missing {
		return Ratio{}
	}
	return Ratio{int64(c), 1}
}
