package standard

import "fmt"

// Averaging is an averaging time of GB 3095 表1.
type Averaging uint8

const (
	// AvgAnnual is the annual mean (年平均).
	AvgAnnual Averaging = iota
	// AvgDaily is the 24-hour/daily mean (24小时平均 / 日平均).
	AvgDaily
	// AvgHourly is the 1-hour mean (1小时平均).
	AvgHourly
	// AvgMax8H is the daily maximum 8-hour mean (日最大8小时平均), O3 only.
	AvgMax8H
)

// String names the averaging time.
func (a Averaging) String() string {
	switch a {
	case AvgAnnual:
		return "annual"
	case AvgDaily:
		return "daily"
	case AvgHourly:
		return "1h"
	case AvgMax8H:
		return "max8h"
	}
	return fmt.Sprintf("Averaging(%d)", uint8(a))
}

// Grade is the limit class: grade I for class-1 zones (一类区), grade II for
// class-2 zones (二类区), which city assessments use.
type Grade uint8

const (
	// GradeI is 一级浓度限值.
	GradeI Grade = 1
	// GradeII is 二级浓度限值.
	GradeII Grade = 2
)

// limitTable[edition][grade-1][pollutant][averaging] in whole units
// (µg/m³; CO in 0.1 mg/m³); 0 = no limit. standards.md §2.2: 2012 ☑️,
// 2026 ✅ GB 3095-2026 表1.
var limitTable = [numEditions][2][NumPollutants][4]int32{
	Edition2012: {
		{SO2: {20, 50, 150, 0}, NO2: {40, 80, 200, 0}, CO: {0, 40, 100, 0}, O3: {0, 0, 160, 100}, PM10: {40, 50, 0, 0}, PM25: {15, 35, 0, 0}},
		{SO2: {60, 150, 500, 0}, NO2: {40, 80, 200, 0}, CO: {0, 40, 100, 0}, O3: {0, 0, 200, 160}, PM10: {70, 150, 0, 0}, PM25: {35, 75, 0, 0}},
	},
	Edition2026: {
		{SO2: {20, 50, 150, 0}, NO2: {40, 80, 200, 0}, CO: {0, 40, 100, 0}, O3: {0, 0, 160, 100}, PM10: {40, 50, 0, 0}, PM25: {15, 35, 0, 0}},
		{SO2: {60, 150, 500, 0}, NO2: {40, 80, 200, 0}, CO: {0, 40, 100, 0}, O3: {0, 0, 200, 160}, PM10: {60, 120, 0, 0}, PM25: {30, 60, 0, 0}},
	},
	Edition2031: {
		{SO2: {20, 50, 150, 0}, NO2: {30, 50, 200, 0}, CO: {0, 40, 100, 0}, O3: {0, 0, 160, 100}, PM10: {20, 50, 0, 0}, PM25: {10, 25, 0, 0}},
		{SO2: {20, 50, 150, 0}, NO2: {30, 50, 200, 0}, CO: {0, 40, 100, 0}, O3: {0, 0, 200, 160}, PM10: {50, 100, 0, 0}, PM25: {25, 50, 0, 0}},
	},
}

// Limit returns the GB 3095 concentration limit of a pollutant for an
// averaging time, grade and edition, as a Conc; ok is false when the
// standard sets no such limit (e.g. CO annual, PM 1-hour).
func Limit(e Edition, g Grade, p Pollutant, a Averaging) (c Conc, ok bool) {
	if e >= numEditions || g < GradeI || g > GradeII || p >= NumPollutants || a > AvgMax8H {
		return Missing, false
	}
	v := limitTable[e][g-1][p][a]
	if v == 0 {
		return Missing, false
	}
	scale := int32(ConcScale)
	if p == CO {
		scale = ConcScale / 10
	}
	return Conc(v * scale), true
}

// AssessedLimits returns, per pollutant, the grade-II limits HJ 663 annual
// assessment and the composite index use: the annual limit for the mean
// (SO2, NO2, PM10, PM2.5) and the short-term limit for the percentile
// (24-hour for SO2, NO2, PM10, PM2.5 and CO; 8-hour for O3).
func AssessedLimits(e Edition, g Grade) (annual, short [NumPollutants]Conc) {
	if e <= Edition2031 && (g == GradeI || g == GradeII) {
		l := &assessedLimits[e][g-GradeI]
		return l[0], l[1]
	}
	return assessedLimitsOf(e, g)
}

// assessedLimits holds AssessedLimits of every edition and grade, which
// Assess needs for every period of every station.
var assessedLimits = func() (t [Edition2031 + 1][2][2][NumPollutants]Conc) {
	for e := range t {
		for g := range t[e] {
			t[e][g][0], t[e][g][1] = assessedLimitsOf(Edition(e), GradeI+Grade(g))
		}
	}
	return t
}()

func assessedLimitsOf(e Edition, g Grade) (annual, short [NumPollutants]Conc) {
	for p := range Pollutant(NumPollutants) {
		annual[p], _ = Limit(e, g, p, AvgAnnual)
		if p == O3 {
			short[p], _ = Limit(e, g, p, AvgMax8H)
		} else {
			short[p], _ = Limit(e, g, p, AvgDaily)
		}
	}
	return annual, short
}

// IndexLimit returns S_i of the single quality index (standards.md §3.8):
// the grade-II annual limit for SO2, NO2, PM10 and PM2.5, the 24-hour
// limit for CO and the 8-hour limit for O3.
func IndexLimit(e Edition, p Pollutant) Conc {
	annual, short := AssessedLimits(e, GradeII)
	if p == CO || p == O3 {
		return short[p]
	}
	return annual[p]
}
