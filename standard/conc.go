package standard

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Conc is a concentration as an exact decimal: an integer count of
// thousandths of the pollutant's unit (µg/m³, or mg/m³ for CO). Monitoring
// data are published with at most one decimal, so three decimals hold every
// input exactly, and sums of a year of hourly values fit in an int64. Using
// integers keeps GB/T 8170 rounding and the IAQI interpolation free of
// binary-float artefacts.
type Conc int32

// ConcScale is the number of Conc units in one unit of concentration.
const ConcScale = 1000

// Missing marks an absent or invalid value in a series.
const Missing Conc = math.MinInt32

// MaxConc is the largest concentration a Conc can hold (about 2.1 million
// units); parsers reject anything larger as absurd long before this.
const MaxConc Conc = math.MaxInt32

// Valid reports whether c holds a value (it is not Missing).
func (c Conc) Valid() bool { return c != Missing }

// String formats c as a plain decimal with trailing zeros removed
// ("35", "1.2", "0.075"); Missing formats as the empty string.
func (c Conc) String() string {
	if c == Missing {
		return ""
	}
	return FormatScaled(int64(c), 3, -1)
}

// FormatScaled formats v/10^scale with exactly decimals digits after the point
// when decimals ≥ 0, or with trailing zeros trimmed when decimals < 0.
// It does not round: callers round first (see Round8170).
func FormatScaled(v int64, scale, decimals int) string {
	neg := v < 0
	if neg {
		v = -v
	}
	pow := int64(1)
	for i := 0; i < scale; i++ {
		pow *= 10
	}
	ip, fp := v/pow, v%pow
	frac := ""
	if scale > 0 {
		frac = fmt.Sprintf("%0*d", scale, fp)
	}
	switch {
	case decimals < 0:
		frac = strings.TrimRight(frac, "0")
	case decimals < len(frac):
		frac = frac[:decimals]
	default:
		frac += strings.Repeat("0", decimals-len(frac))
	}
	s := strconv.FormatInt(ip, 10)
	if frac != "" {
		s += "." + frac
	}
	if neg && (ip != 0 || strings.Trim(frac, "0") != "") {
		s = "-" + s
	}
	return s
}

// ParseConc parses a decimal concentration such as "35", "1.2" or "0.075"
// exactly. It accepts at most three decimals (more would be silently lost,
// which an exact engine must not do); an empty string is Missing.
// Negative values parse; deciding whether they are plausible is the
// caller's job.
func ParseConc(s string) (Conc, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Missing, nil
	}
	neg := false
	switch s[0] {
	case '-':
		neg = true
		s = s[1:]
	case '+':
		s = s[1:]
	}
	ip, fp, hasDot := strings.Cut(s, ".")
	if ip == "" && fp == "" {
		return Missing, fmt.Errorf("%q is not a number", s)
	}
	if len(fp) > 3 {
		// Allow trailing zeros beyond the third decimal ("1.2000").
		if strings.Trim(fp[3:], "0") != "" {
			return Missing, fmt.Errorf("%q has more than 3 decimals", s)
		}
		fp = fp[:3]
	}
	if hasDot && fp == "" && ip == "" {
		return Missing, fmt.Errorf("%q is not a number", s)
	}
	var v int64
	for _, r := range ip {
		if r < '0' || r > '9' {
			return Missing, fmt.Errorf("%q is not a decimal number", s)
		}
		v = v*10 + int64(r-'0')
		if v > int64(MaxConc)/ConcScale+1 {
			return Missing, fmt.Errorf("%q is out of range", s)
		}
	}
	v *= ConcScale
	mul := int64(100)
	for _, r := range fp {
		if r < '0' || r > '9' {
			return Missing, fmt.Errorf("%q is not a decimal number", s)
		}
		v += int64(r-'0') * mul
		mul /= 10
	}
	if v > int64(MaxConc) {
		return Missing, fmt.Errorf("%q is out of range", s)
	}
	if neg {
		v = -v
	}
	return Conc(v), nil
}

// ConcFromFloat converts a float to the nearest Conc, for inputs that arrive
// as binary floats (JSON numbers, HJ 212 values). It rounds half away from
// zero at the fourth decimal; values beyond range are Missing.
func ConcFromFloat(f float64) Conc {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return Missing
	}
	v := math.Round(f * ConcScale)
	if v > float64(MaxConc) || v <= float64(Missing) {
		return Missing
	}
	return Conc(v)
}

// Float returns c as a float64 in the pollutant's unit, for charts and
// statistics that are not bound by the standard's exactness; Missing is NaN.
func (c Conc) Float() float64 {
	if c == Missing {
		return math.NaN()
	}
	return float64(c) / ConcScale
}

// MarshalJSON encodes c as a JSON number in the pollutant's unit
// (35, 1.2, 0.075), or null when Missing.
func (c Conc) MarshalJSON() ([]byte, error) {
	if c == Missing {
		return []byte("null"), nil
	}
	return []byte(c.String()), nil
}

// UnmarshalJSON decodes a JSON number or null.
func (c *Conc) UnmarshalJSON(b []byte) error {
	s := strings.Trim(string(b), `"`)
	if s == "null" || s == "" {
		*c = Missing
		return nil
	}
	v, err := ParseConc(s)
	if err != nil {
		return err
	}
	*c = v
	return nil
}
