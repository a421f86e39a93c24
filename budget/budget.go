// Package budget computes what is left of a year's air-quality targets once
// part of the year has passed, and projects the year-end value from the
// area's own history. It turns the results of the standards engine
// (standard/, calc/) into the numbers of the 总览 target cards:
//
//   - NonGoodAllowance: how many more non-good days (daily AQI > 100) the
//     year can afford before the good-days ratio target (优良天数比例, e.g.
//     ≥ 76.5 % in 宛政办〔2024〕3号) is lost;
//   - HeavyAllowance: how many more heavy-pollution days (daily AQI > 200)
//     the heavy-days target (重污染天数比例, e.g. ≤ 0.8 %) still allows;
//   - RemainingDailyAllowance: 年剩余日控制值, the mean daily concentration
//     the remaining days must stay under for the annual mean (HJ 663-2013
//     §5.1: the arithmetic mean of the year's daily means) to meet a limit;
//   - Project: a projection of a year-end mean (a concentration, or a rate
//     such as the good-days ratio when the series holds 0/1 indicators)
//     with its uncertainty.
//
// The allowances are exact integer arithmetic on day counts and on
// standard.Conc thousandths. They assume every remaining day will be a
// valid day, which is how bureaus state 剩余日控制值 and which is the strict
// reading: missing days cannot be counted on to help.
//
// Projection method. Let the year have N days of which E have elapsed,
// with v valid days summing to S, and R = N − E days to come.
//
//  1. If earlier years of the same area are given and at least one covers
//     half or more of the remaining calendar days, the expected mean of the
//     remaining days m is the mean over those years of their own mean over
//     the same calendar days (seasonal climatology). With two or more such
//     years the uncertainty of m is their sample standard deviation.
//  2. Otherwise (or with a single earlier year for the spread) the current
//     year's own days are used: the spread is s·√((1+ρ)/(1−ρ))/√R, where s
//     is the standard deviation of this year's valid daily values and ρ their
//     lag-1 autocorrelation clamped to [0, 0.95] (the variance of a mean of
//     R autocorrelated days), and without earlier years m is this year's
//     mean so far (persistence).
//
// The projected year-end mean is (S + m·R)/(v + R), its standard deviation
// σ·R/(v + R), the interval the central 90 % (±1.645 standard deviations)
// of a normal distribution, and the probability of meeting a threshold
// Φ((threshold − projection)/sd). With no days remaining the projection is
// the year's actual mean with zero spread. These figures are estimates for
// steering, not assessment results, so they are floats.
package budget

import (
	"math"

	"github.com/lantian-aq/lantian/standard"
)

// NonGoodAllowance returns how many of the remaining days of the year may
// still be non-good (daily AQI > 100) while the year's good-days ratio stays
// at or above targetPermille (765 for 76.5 %). daysInYear is 365 or 366,
// elapsed the calendar days already past, valid and good the valid and good
// days among them. A negative result is the shortfall: the target cannot be
// met even if every remaining day is good.
func NonGoodAllowance(daysInYear, elapsed, valid, good, targetPermille int) int {
	remaining := daysInYear - elapsed
	if remaining < 0 {
		remaining = 0
	}
	total := valid + remaining
	// good days needed over the year: ⌈target·total/1000⌉
	need := (targetPermille*total + 999) / 1000
	stillNeeded := need - good
	if stillNeeded < 0 {
		stillNeeded = 0
	}
	return remaining - stillNeeded
}

// HeavyAllowance returns how many more heavy-pollution days (daily AQI >
// 200) the year may have while the ratio of heavy days to valid days stays
// at or below maxPermille (8 for 0.8 %), assuming every remaining day is
// valid. A negative result means the target is already lost by that many
// days.
func HeavyAllowance(daysInYear, elapsed, valid, heavy, maxPermille int) int {
	remaining := daysInYear - elapsed
	if remaining < 0 {
		remaining = 0
	}
	total := valid + remaining
	allowed := maxPermille * total / 1000 // ⌊max·total/1000⌋
	return allowed - heavy
}

// RemainingDailyAllowance returns 年剩余日控制值: the largest mean daily
// concentration the remaining days may have for the annual mean to be at or
// below limit, given the sum and count of the valid daily means so far
// (both in standard.Conc units). The result is rounded down to a whole
// thousandth. ok is false when no days remain. A result below zero means the
// limit can no longer be met.
func RemainingDailyAllowance(limit standard.Conc, sumSoFar int64, validSoFar, remaining int) (allowance standard.Conc, ok bool) {
	if remaining <= 0 {
		return standard.Missing, false
	}
	room := int64(limit)*int64(validSoFar+remaining) - sumSoFar
	q := room / int64(remaining)
	if room%int64(remaining) != 0 && room < 0 {
		q-- // floor, not truncation toward zero
	}
	if q < int64(standard.Missing)+1 {
		q = int64(standard.Missing) + 1
	}
	return standard.Conc(q), true
}

// Projection is a projected year-end mean with its uncertainty.
type Projection struct {
	Value float64 `json:"value"` // projected year-end mean
	SD    float64 `json:"sd"`    // standard deviation of the projection
	Low   float64 `json:"low"`   // lower end of the central 90 % interval
	High  float64 `json:"high"`  // upper end of the central 90 % interval
	// PMeet is the probability that the year-end value is at or below the
	// threshold passed to Project (for "at least" targets use 1 − PMeet
	// or pass the series negated).
	PMeet float64 `json:"p_meet"`
	// Method names the estimate used: "actual" (year complete),
	// "climatology" (earlier years) or "persistence" (this year only).
	Method string `json:"method"`
	// Years is the number of earlier years used by the climatology.
	Years int `json:"years"`
}

// z90 is the standard-normal quantile of the central 90 % interval.
const z90 = 1.6448536269514722

// Project projects the year-end mean of a daily series. current holds the
// values of the elapsed days (day-of-year order, NaN for invalid days);
// prior holds earlier years of the same area, each indexed by day of year
// (NaN for invalid days, shorter slices for missing tails); daysInYear is
// the length of the current year; threshold is the value the target
// requires the year-end mean to stay at or below.
func Project(current []float64, prior [][]float64, daysInYear int, threshold float64) Projection {
	elapsed := len(current)
	remaining := daysInYear - elapsed
	var sum float64
	var valid int
	for _, x := range current {
		if !math.IsNaN(x) {
			sum += x
			valid++
		}
	}
	if remaining <= 0 || valid == 0 && len(prior) == 0 {
		p := Projection{Method: "actual", Value: math.NaN(), Low: math.NaN(), High: math.NaN(), PMeet: math.NaN()}
		if valid > 0 {
			p.Value = sum / float64(valid)
			p.Low, p.High = p.Value, p.Value
			p.PMeet = 0
			if p.Value <= threshold {
				p.PMeet = 1
			}
		}
		if remaining > 0 {
			p.Method = "none"
		}
		return p
	}

	// Climatology of the remaining calendar days from earlier years.
	var means []float64
	for _, y := range prior {
		var s float64
		var n int
		for d := elapsed; d < daysInYear && d < len(y); d++ {
			if !math.IsNaN(y[d]) {
				s += y[d]
				n++
			}
		}
		if 2*n >= remaining && n > 0 {
			means = append(means, s/float64(n))
		}
	}
	p := Projection{Years: len(means)}
	var m, sdm float64
	switch {
	case len(means) > 0:
		p.Method = "climatology"
		m = mean(means)
		if len(means) >= 2 {
			sdm = stddev(means, m)
		} else {
			sdm = persistenceSD(current, remaining)
		}
	default:
		p.Method = "persistence"
		m = sum / float64(valid)
		sdm = persistenceSD(current, remaining)
	}
	total := float64(valid + remaining)
	p.Value = (sum + m*float64(remaining)) / total
	p.SD = sdm * float64(remaining) / total
	p.Low = p.Value - z90*p.SD
	p.High = p.Value + z90*p.SD
	switch {
	case p.SD > 0:
		p.PMeet = normalCDF((threshold - p.Value) / p.SD)
	case p.Value <= threshold:
		p.PMeet = 1
	default:
		p.PMeet = 0
	}
	return p
}

// persistenceSD is the standard deviation of the mean of the next
// remaining days, estimated from the current year's own variability and
// lag-1 autocorrelation.
func persistenceSD(current []float64, remaining int) float64 {
	var xs []float64
	for _, x := range current {
		if !math.IsNaN(x) {
			xs = append(xs, x)
		}
	}
	if len(xs) < 2 || remaining <= 0 {
		return 0
	}
	m := mean(xs)
	s := stddev(xs, m)
	var num, den float64
	for i, x := range current {
		if math.IsNaN(x) {
			continue
		}
		den += (x - m) * (x - m)
		if i+1 < len(current) && !math.IsNaN(current[i+1]) {
			num += (x - m) * (current[i+1] - m)
		}
	}
	rho := 0.0
	if den > 0 {
		rho = num / den
	}
	rho = math.Max(0, math.Min(0.95, rho))
	return s * math.Sqrt((1+rho)/(1-rho)/float64(remaining))
}

func mean(xs []float64) float64 {
	var s float64
	for _, x := range xs {
		s += x
	}
	return s / float64(len(xs))
}

func stddev(xs []float64, m float64) float64 {
	if len(xs) < 2 {
		return 0
	}
	var s float64
	for _, x := range xs {
		s += (x - m) * (x - m)
	}
	return math.Sqrt(s / float64(len(xs)-1))
}

func normalCDF(z float64) float64 { return 0.5 * math.Erfc(-z/math.Sqrt2) }
