// Package standard is lantian's pure standards engine: the Chinese national
// rules that turn hourly monitoring data into AQI, validity, statistics,
// compliance and rankings, with no I/O. Every rule is versioned by date
// (see Edition and Rules.EditionFor):
//
//   - HJ 633-2012 / HJ 633-2026 (AQI): IAQI by exact integer interpolation
//     and ceiling after GB/T 8170 rounding of the concentration (IAQI,
//     IAQIExact); real-time and daily AQI (HourlyAQI, HourlyAQIWith,
//     DailyAQI) with primary pollutants and ties, 2012 exceeding pollutants,
//     levels, categories, colours and health advice (Level), the 2026 §5.3
//     completeness gate (AQIResult.ExemptNotMonitored for §5.3.2), over-range
//     values flagged (IAQIOverRange).
//   - GB 3095-2012 (+2018 amendment) / GB 3095-2026 transitional and final
//     limits (Limit, OtherLimit), the 2018 reference state
//     (StandardToReference) and the data-validity rules of 表4 (Coverage on
//     every aggregate); 1-hour evaluation (HourlyEvaluation).
//   - HJ 663-2013 / HJ 663-2026 (assessment): daily means, O3 daily maximum
//     8-hour mean with the ≥ 14-window rule (DailyStats, MDA8; DailyFromValues
//     for daily data obtained elsewhere), period means
//     and percentiles (Percentile), compliance, exceedance multiples,
//     good and heavy-pollution days, single and composite indices (Assess;
//     AssessSeries straight from the hours; CompositeIndex), area values from station means (AreaSeries,
//     AreaDailyStats), dust-day deduction (DustMask) with both variants.
//   - GB/T 8170-2008 rounding on exact rationals (Round8170, Ratio).
//   - MEE ranking: ascending with ties (Rank, RankDecimals), change rates
//     and their rankings (ChangeRate, RankChangeRates); heavy-pollution
//     warning levels and reduction ratios of 环大气〔2024〕6号 (PredictWarning).
//
// Section numbers in comments refer to the project's standards
// specification (standards.md). Rules marked ⚠️ there are unverified against
// a primary text; each is a named field of Rules with its documented default.
//
// Concentrations are Conc values (int32 thousandths of µg/m³, or of mg/m³
// for CO); means and percentiles are exact Ratios, rounded once for
// publication. Hours are labelled by their end in Beijing time and a day
// holds the hours ending 01:00 … 24:00.
//
// A station's hourly data live in a Series (one contiguous array per
// pollutant); the kernels read it one pollutant column at a time (batch
// day sums and 8-hour window searches, AVX2 assembly on amd64 with a pure
// Go twin) and allocate only their results:
//
//	r := standard.DefaultRules()
//	s := standard.NewSeries("2403A", time.Date(2019, 1, 1, 0, 0, 0, 0, standard.Beijing), 365)
//	_ = s.Set(hourEnd, standard.PM25, pm25)           // for every value
//	a := s.HourlyAQI(&r, i)                             // real-time AQI of slot i
//	days := standard.DailyStats(&r, s)                  // daily means, MDA8, daily AQI
//	year := standard.Assess(&r, days, from, to, nil)    // HJ 663 annual assessment
//	same := standard.AssessSeries(&r, s, from, to, nil) // the same, without the days
//	fmt.Println(year.Official.Composite, year.Official.Compliant, same.Official.Compliant)
//
// A nil *Rules stands for DefaultRules everywhere.
package standard
