package plan

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Date is a civil date (no time of day, no zone). Deadlines in a plan are
// days: "2024年年底前" is the whole of 2024-12-31 in Beijing time, so dates
// are compared as days, never as instants.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// NewDate returns the date y-m-d.
func NewDate(y int, m time.Month, d int) Date { return Date{y, m, d} }

// DateOf returns the civil date of t in t's location.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate parses an ISO date "2006-01-02" and rejects impossible dates.
func ParseDate(s string) (Date, error) {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("invalid date %q: want YYYY-MM-DD", s)
	}
	return DateOf(t), nil
}

// IsZero reports whether d is the zero date (unset).
func (d Date) IsZero() bool { return d == Date{} }

// String formats d as YYYY-MM-DD, or "" for the zero date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

func (d Date) t() time.Time { return time.Date(d.Year, d.Month, d.Day, 0, 0, 0, 0, time.UTC) }

// key orders dates as integers YYYYMMDD (dates are compared often in the
// ledger; building time.Time values for that is needlessly slow).
func (d Date) key() int { return d.Year*10000 + int(d.Month)*100 + d.Day }

// Before reports whether d is strictly before e.
func (d Date) Before(e Date) bool { return d.key() < e.key() }

// After reports whether d is strictly after e.
func (d Date) After(e Date) bool { return d.key() > e.key() }

// DaysUntil returns the number of days from d to e (negative when e is earlier).
func (d Date) DaysUntil(e Date) int { return int(e.t().Sub(d.t()).Hours() / 24) }

// AddDays returns d moved by n days.
func (d Date) AddDays(n int) Date { return DateOf(d.t().AddDate(0, 0, n)) }

// UnmarshalYAML reads a YAML scalar "YYYY-MM-DD".
func (d *Date) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: want a date YYYY-MM-DD", n.Line)
	}
	v, err := ParseDate(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*d = v
	return nil
}

// MarshalText formats d as YYYY-MM-DD (used by JSON).
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText parses YYYY-MM-DD (used by JSON).
func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// decimalScale is the number of thousandths in one unit of a Decimal.
const decimalScale = 1000

// Decimal is an exact decimal with three fractional digits, stored as
// thousandths. Plan values such as 76.5 % or 0.8 % are compared exactly
// against reported and computed values; binary floating point would make
// "76.5 ≥ 76.5" depend on how each side was produced.
type Decimal struct {
	m int64 // thousandths
}

// DecimalFromInt returns the decimal n.
func DecimalFromInt(n int64) Decimal { return Decimal{n * decimalScale} }

// DecimalFromMilli returns the decimal m/1000.
func DecimalFromMilli(m int64) Decimal { return Decimal{m} }

// Milli returns the value in thousandths.
func (x Decimal) Milli() int64 { return x.m }

// ParseDecimal parses a decimal such as "76.5", "-10" or "0.125". More than
// three fractional digits is an error rather than a silent rounding.
func ParseDecimal(s string) (Decimal, error) {
	s = strings.TrimSpace(s)
	orig := s
	neg := false
	switch {
	case strings.HasPrefix(s, "-"):
		neg, s = true, s[1:]
	case strings.HasPrefix(s, "+"):
		s = s[1:]
	}
	ip, fp, hasDot := strings.Cut(s, ".")
	if ip == "" && (!hasDot || fp == "") {
		return Decimal{}, fmt.Errorf("invalid number %q", orig)
	}
	if len(fp) > 3 {
		return Decimal{}, fmt.Errorf("invalid number %q: at most 3 decimal places", orig)
	}
	for _, part := range []string{ip, fp} {
		for _, c := range part {
			if c < '0' || c > '9' {
				return Decimal{}, fmt.Errorf("invalid number %q", orig)
			}
		}
	}
	if len(ip) > 12 {
		return Decimal{}, fmt.Errorf("invalid number %q: too large", orig)
	}
	var m int64
	if ip != "" {
		v, err := strconv.ParseInt(ip, 10, 64)
		if err != nil {
			return Decimal{}, fmt.Errorf("invalid number %q", orig)
		}
		m = v * decimalScale
	}
	frac := fp + strings.Repeat("0", 3-len(fp))
	f, _ := strconv.ParseInt(frac, 10, 64)
	m += f
	if neg {
		m = -m
	}
	return Decimal{m}, nil
}

// String formats x without trailing zeros: 76.5, 3000, -10, 0.125.
func (x Decimal) String() string {
	m := x.m
	sign := ""
	if m < 0 {
		sign, m = "-", -m
	}
	ip, fp := m/decimalScale, m%decimalScale
	if fp == 0 {
		return fmt.Sprintf("%s%d", sign, ip)
	}
	return strings.TrimRight(fmt.Sprintf("%s%d.%03d", sign, ip, fp), "0")
}

// Cmp compares x and y: -1, 0 or +1.
func (x Decimal) Cmp(y Decimal) int {
	switch {
	case x.m < y.m:
		return -1
	case x.m > y.m:
		return 1
	}
	return 0
}

// Sub returns x − y.
func (x Decimal) Sub(y Decimal) Decimal { return Decimal{x.m - y.m} }

// UnmarshalYAML reads a YAML number scalar exactly (never through float64).
func (x *Decimal) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.ScalarNode {
		return fmt.Errorf("line %d: want a number", n.Line)
	}
	v, err := ParseDecimal(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %w", n.Line, err)
	}
	*x = v
	return nil
}

// MarshalJSON writes x as a JSON number.
func (x Decimal) MarshalJSON() ([]byte, error) { return []byte(x.String()), nil }

// UnmarshalJSON reads a JSON number exactly.
func (x *Decimal) UnmarshalJSON(b []byte) error {
	v, err := ParseDecimal(strings.Trim(string(b), `"`))
	if err != nil {
		return err
	}
	*x = v
	return nil
}
