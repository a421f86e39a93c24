package standard

import (
	"strings"
	"time"
)

// ReferenceStateFrom is the day the GB 3095-2012 amendment took effect
// (☑️ 2018-09-01, standards.md §2.4): from then on gaseous pollutants are
// stated at the reference state (298.15 K, 1013.25 hPa) instead of the
// standard state (273 K, 101.325 kPa); particulate matter is stated at the
// actual conditions throughout.
var ReferenceStateFrom = time.Date(2018, 9, 1, 0, 0, 0, 0, Beijing)

// StandardToReference converts a gaseous concentration (SO2, NO2, CO, O3)
// stated at the standard state (273.15 K) to the reference state (298.15 K)
// at equal pressure, C_ref = C_std × 273.15/298.15 (ideal gas; derived, not
// from the standard, standards.md §2.4), rounded by GB/T 8170 to the Conc
// resolution. PM10 and PM2.5 are returned unchanged (actual conditions),
// as is Missing.
func StandardToReference(p Pollutant, c Conc) Conc {
	if c == Missing || p == PM10 || p == PM25 {
		return c
	}
	return Conc(Round8170(int64(c)*27315, 29815, 0))
}

// OtherLimit returns a GB 3095 limit of an item outside the six basic ones
// (其他项目, standards.md §2.3): "TSP", "NOx", "Pb" or "BaP", in µg/m³ as an
// exact Ratio (BaP limits are below the Conc resolution). Averaging is
// AvgAnnual, AvgDaily or AvgHourly, plus quarterly for Pb via
// OtherLimitQuarterPb. Under 2026 the NOx limits are the transitional 50
// (annual) and 100 (daily) until 2030-12-31, then 40 and 70 (✅ GB 3095-2026
// 表2 notes); the other values are unchanged between editions.
func OtherLimit(e Edition, g Grade, item string, a Averaging) (Ratio, bool) {
	type key struct {
		item string
		a    Averaging
	}
	grade1 := map[key]Ratio{
		{"TSP", AvgAnnual}: {80, 1}, {"TSP", AvgDaily}: {120, 1},
		{"NOX", AvgAnnual}: {50, 1}, {"NOX", AvgDaily}: {100, 1}, {"NOX", AvgHourly}: {250, 1},
		{"PB", AvgAnnual}:  {1, 2},
		{"BAP", AvgAnnual}: {1, 1000}, {"BAP", AvgDaily}: {25, 10000},
	}
	k := key{strings.ToUpper(strings.TrimSpace(item)), a}
	v, ok := grade1[k]
	if !ok || g < GradeI || g > GradeII {
		return Ratio{}, false
	}
	if g == GradeII && k.item == "TSP" {
		v = map[Averaging]Ratio{AvgAnnual: {200, 1}, AvgDaily: {300, 1}}[a]
	}
	if e == Edition2031 && k.item == "NOX" {
		switch a {
		case AvgAnnual:
			v = Ratio{40, 1}
		case AvgDaily:
			v = Ratio{70, 1}
		}
	}
	return v, true
}

// OtherLimitQuarterPb is the Pb quarterly-mean limit (1 µg/m³, both grades
// and editions).
var OtherLimitQuarterPb = Ratio{1, 1}

// OtherValidity gives the GB 3095 表4 minimum data for TSP, BaP and Pb
// (✅ standards.md §2.6): annual ≥ 60 evenly distributed daily values a year
// and ≥ 5 a month; Pb quarterly ≥ 15 a quarter and ≥ 5 a month; a daily
// value needs 24 hours of sampling.
var OtherValidity = struct {
	DaysPerYear, DaysPerMonth, PbDaysPerQuarter, SamplingHoursPerDay int
}{60, 5, 15, 24}
