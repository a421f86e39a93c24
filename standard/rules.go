package standard

import "time"

// PartialPolicy decides how the GB 3095 表4 day counts (324 a year, 27 a
// month, 25 in February) apply to a period that is not a whole calendar
// year or month, e.g. a quarter or the year to date. GB 3095 gives counts
// only for the year; HJ 663/CNEMC practice applies the monthly count to
// monthly means (standards.md §2.6 ⚠️), so this is configuration.
type PartialPolicy uint8

const (
	// PartialProrate requires every whole calendar month inside the period
	// to meet the monthly count, and a partial month at either end of the
	// period to meet the monthly count prorated to its days
	// (ceil(days × 27 / days-in-month)). A whole calendar year must in
	// addition have 324 valid days.
	PartialProrate PartialPolicy = iota
	// PartialStrict requires the full monthly count even for a month only
	// partly inside the period, so a period starting or ending mid-month is
	// normally invalid.
	PartialStrict
	// PartialAnyData accepts any period with at least one valid day and
	// only reports the counts; for exploratory analysis, never for
	// assessment.
	PartialAnyData
)

// String names the policy as used in configuration files.
func (p PartialPolicy) String() string {
	switch p {
	case PartialStrict:
		return "strict"
	case PartialAnyData:
		return "any"
	default:
		return "prorate"
	}
}

// AreaMDA8Method chooses how an area's (city's, county's) O3 daily maximum
// 8-hour mean is formed (standards.md §3.3 ⚠️).
type AreaMDA8Method uint8

const (
	// AreaMDA8FromAreaHours computes the 8-hour means and the daily maximum
	// from the area's hourly O3 series (mean of its stations each hour),
	// as CNEMC does.
	AreaMDA8FromAreaHours AreaMDA8Method = iota
	// AreaMDA8MeanOfStations averages the stations' own daily maxima.
	AreaMDA8MeanOfStations
)

// Weights322 are the composite-index weights attributed to 环办监测〔2018〕19号
// (PM2.5 ×3, NO2 ×2, O3 ×2, others ×1; standards.md §4.2 ⚠️ unverified),
// indexed by Pollutant.
var Weights322 = [NumPollutants]int64{SO2: 1, NO2: 2, CO: 1, O3: 2, PM10: 1, PM25: 3}

// Unweighted are composite-index weights of 1 for every pollutant (Σ Ci/Si,
// standards.md §3.8).
var Unweighted = [NumPollutants]int64{1, 1, 1, 1, 1, 1}

// Rules is the full configuration of the engine. Fields marked ⚠️ are rules
// the specification could not verify against a primary text; they are
// configuration with the documented default and every result states the
// edition it used. Obtain a Rules with DefaultRules and change fields as
// needed; the zero value is not useful.
type Rules struct {
	// Cutover2026 is the first day of GB 3095-2026, HJ 633-2026 and
	// HJ 663-2026 (✅ 2026-03-01, standards.md §0).
	Cutover2026 time.Time
	// FinalLimitsFrom is the first day of the GB 3095-2026 final limits
	// (✅ 2031-01-01, GB 3095-2026 §4.4).
	FinalLimitsFrom time.Time
	// Straddle chooses the edition for a period statistic spanning a
	// cut-over (⚠️ not stated by the texts, standards.md §0; default: the
	// edition of the period's last day).
	Straddle StraddlePolicy

	// RoundConc2012 rounds concentrations by GB/T 8170 (integer µg/m³, CO
	// 0.1 mg/m³) before computing IAQI under HJ 633-2012 too, as HJ 633-2026
	// §4.2.2 requires for 2026 (⚠️ HJ 633-2012 is silent, standards.md
	// §1.3; default on, the common practice).
	RoundConc2012 bool
	// Realtime2012O3_8H includes the O3 8-hour moving-average IAQI in the
	// 2012 real-time AQI as HJ 633-2012 §5.1.4 lists it (⚠️ whether CNEMC
	// did, 2014–2026, is unknown, standards.md §1.9; default off: CNEMC
	// practice is the six 1-hour values).
	Realtime2012O3_8H bool
	// Realtime2012PM24H takes the 2012 real-time PM10/PM2.5 IAQI from the
	// 24-hour moving average, as the platform did before 2014-01-01
	// (☑️ standards.md §1.9; default off: since 2014 CNEMC uses the 1-hour
	// value on the 24-hour breakpoints).
	Realtime2012PM24H bool
	// SO2Above800Fallback2012, under HJ 633-2012, reports the SO2 IAQI of
	// an hour whose 1-hour SO2 exceeds 800 µg/m³ from the 24-hour moving
	// average on the 24-hour breakpoints (✅ note 2 of 表1 says "按 24 小时
	// 平均浓度计算的分指数报告"; ⚠️ which 24-hour value is not stated,
	// standards.md §1.3; default on, moving 24 h). Off: the SO2 IAQI is
	// missing for that hour.
	SO2Above800Fallback2012 bool

	// MinHoursDaily is the minimum number of valid hourly values for a
	// daily mean (✅ GB 3095 表4: 20).
	MinHoursDaily int
	// MinHoursO3Max1H is the minimum number of valid hours for the O3
	// daily maximum 1-hour value used by the 2012 daily AQI (⚠️ GB 3095 表4
	// has no row for it; default 20, as for a daily mean).
	MinHoursO3Max1H int
	// MinHours8H is the minimum number of valid hours in an 8-hour window
	// (✅ GB 3095 表4: 6).
	MinHours8H int
	// MinWindowsMDA8 is the minimum number of valid 8-hour means (of the 17
	// ending 08:00…24:00) for a daily maximum 8-hour mean (☑️ HJ 663
	// §6.1.2: 14).
	MinWindowsMDA8 int
	// MDA8ValidityLimit is the limit that a daily maximum 8-hour mean with
	// too few windows must exceed to stay valid (⚠️ "exceeds the
	// concentration limit", which limit is not stated, standards.md §3.4;
	// default the grade-II 8-hour limit, 160 µg/m³).
	MDA8ValidityLimit Conc
	// MinDaysYear is the minimum number of valid daily values in a calendar
	// year for an annual statistic (✅ GB 3095 表4: 324).
	MinDaysYear int
	// MinDaysMonth is the minimum number of valid daily values in each
	// calendar month (✅ GB 3095 表4: 27).
	MinDaysMonth int
	// MinDaysFebruary replaces MinDaysMonth for February (✅ 表4: 25).
	MinDaysFebruary int
	// Partial chooses how the day counts apply to periods that are not a
	// whole year (⚠️ standards.md §2.6; default PartialProrate).
	Partial PartialPolicy
	// DayCountsForCOO3 applies the annual/monthly day counts also to the CO
	// 95th and O3 8-hour 90th percentiles (⚠️ 表4 has no annual row for CO
	// and O3, standards.md §2.6; default on, so every annual item needs a
	// representative year).
	DayCountsForCOO3 bool

	// CompareRounded compares the rounded value (integer µg/m³, CO 0.1
	// mg/m³) with a limit, GB/T 8170 修约值比较法 (⚠️ standards.md §3.6;
	// default on). Off: the exact value is compared (全数值比较法).
	CompareRounded bool
	// PeriodFromRoundedDaily computes period means and percentiles from the
	// daily values rounded for publication rather than from the exact daily
	// means (⚠️ standards.md §3.5/§3.7; default on, CNEMC order of
	// operations).
	PeriodFromRoundedDaily bool
	// Percentiles gives the percentile of daily values assessed for each
	// pollutant (☑️ HJ 663 年评价: SO2, NO2 98th; PM10, PM2.5, CO 95th;
	// O3 8-hour 90th, standards.md §3.2).
	Percentiles [NumPollutants]int
	// ExceedanceDecimals is the number of decimals of an exceedance
	// multiple (⚠️ standards.md §3.6; default 2).
	ExceedanceDecimals int
	// IndexDecimals is the number of decimals of single and composite
	// indices (⚠️ standards.md §3.7; default 2).
	IndexDecimals int
	// ChangeRateDecimals is the number of decimals of a change rate in
	// percent (⚠️ standards.md §3.7; default 1).
	ChangeRateDecimals int
	// PercentDecimals is the number of decimals of day ratios in percent
	// (good days, heavy days; ☑️ CNEMC publishes one decimal).
	PercentDecimals int
	// CompositeWeights are the weights of the composite index used for the
	// headline index and ranking (⚠️ standards.md §4.2: default unweighted;
	// Weights322 is the 3/2/2 form). Assessments always report both forms.
	CompositeWeights [NumPollutants]int64
	// GoodDaysRequireComplete2012 counts a day in the good-days ratio under
	// the 2012 edition only when all six pollutants have a valid daily value
	// (⚠️ standards.md §3.6; default on). Under 2026 the §5.3 completeness
	// gate decides (a day with a published AQI counts).
	GoodDaysRequireComplete2012 bool

	// AreaMinSharePercent is the minimum share, in percent, of an area's
	// evaluation stations that must have a valid value for the area value
	// to be valid (⚠️ not in the sources, standards.md §3.3; default 75; at
	// least one station is always required).
	AreaMinSharePercent int
	// AreaMDA8 chooses how an area's O3 daily maximum 8-hour mean is formed
	// (⚠️ standards.md §3.3; default from the area's hourly series).
	AreaMDA8 AreaMDA8Method

	// DustDeductConcentrations removes PM10 and PM2.5 daily values of dust
	// days from the period means, percentiles, compliance and composite
	// index of the official variant (☑️ 环办监测〔2016〕120号 and CNEMC
	// practice, standards.md §5; default on).
	DustDeductConcentrations bool
	// DustDaysCountAsValid counts the deducted dust days of a pollutant as
	// valid days for the GB 3095 表4 day counts (324 a year, 27 a month)
	// although their values are left out of the statistics (⚠️ standards.md
	// §5: third-party practice evaluates the counts on the remaining data;
	// default off).
	DustDaysCountAsValid bool
	// DustDeductAQIDays removes dust days from the good-days and
	// heavy-pollution-days counts of the official variant (☑️ CNEMC keeps
	// them, standards.md §5; default off).
	DustDeductAQIDays bool

	// WarningReductionPercent are the emission-reduction ratios of SO2,
	// NOx, PM and VOCs for yellow, orange and red warnings (☑️ 豫政办〔2023〕
	// 52号 orange 20 %; ⚠️ 10/30 % recalled, standards.md §6.2).
	WarningReductionPercent [3]int
}

// DefaultRules returns the rules with every documented default.
func DefaultRules() Rules {
	return Rules{
		Cutover2026:                 time.Date(2026, 3, 1, 0, 0, 0, 0, Beijing),
		FinalLimitsFrom:             time.Date(2031, 1, 1, 0, 0, 0, 0, Beijing),
		Straddle:                    StraddleByEnd,
		RoundConc2012:               true,
		Realtime2012O3_8H:           false,
		Realtime2012PM24H:           false,
		SO2Above800Fallback2012:     true,
		MinHoursDaily:               20,
		MinHoursO3Max1H:             20,
		MinHours8H:                  6,
		MinWindowsMDA8:              14,
		MDA8ValidityLimit:           160 * ConcScale,
		MinDaysYear:                 324,
		MinDaysMonth:                27,
		MinDaysFebruary:             25,
		Partial:                     PartialProrate,
		DayCountsForCOO3:            true,
		CompareRounded:              true,
		PeriodFromRoundedDaily:      true,
		Percentiles:                 [NumPollutants]int{SO2: 98, NO2: 98, CO: 95, O3: 90, PM10: 95, PM25: 95},
		ExceedanceDecimals:          2,
		IndexDecimals:               2,
		ChangeRateDecimals:          1,
		PercentDecimals:             1,
		CompositeWeights:            Unweighted,
		GoodDaysRequireComplete2012: true,
		AreaMinSharePercent:         75,
		AreaMDA8:                    AreaMDA8FromAreaHours,
		DustDeductConcentrations:    true,
		DustDaysCountAsValid:        false,
		DustDeductAQIDays:           false,
		WarningReductionPercent:     [3]int{10, 20, 30},
	}
}

var defaultRules = DefaultRules()

// orDefault lets every function accept a nil *Rules meaning DefaultRules.
func orDefault(r *Rules) *Rules {
	if r == nil {
		return &defaultRules
	}
	return r
}
