package standard

import (
	"encoding/json"
	"strings"
	"time"
)

// PollutantSet is a set of pollutants (primary, exceeding or missing
// pollutants of an AQI), held in a bit mask so that results carry no
// allocations. It encodes to JSON as a list of names ("PM2.5", "O3").
type PollutantSet uint8

// Has reports whether p is in the set.
func (s PollutantSet) Has(p Pollutant) bool { return s&(1<<p) != 0 }

// With returns the set with p added.
func (s PollutantSet) With(p Pollutant) PollutantSet { return s | 1<<p }

// Len returns the number of pollutants in the set.
func (s PollutantSet) Len() int {
	n := 0
	for p := range Pollutant(NumPollutants) {
		if s.Has(p) {
			n++
		}
	}
	return n
}

// List returns the pollutants in canonical order.
func (s PollutantSet) List() []Pollutant {
	var out []Pollutant
	for p := range Pollutant(NumPollutants) {
		if s.Has(p) {
			out = append(out, p)
		}
	}
	return out
}

// Join joins the pollutant names with sep ("PM10;PM2.5"); empty for none.
func (s PollutantSet) Join(sep string) string {
	var b strings.Builder
	for _, p := range s.List() {
		if b.Len() > 0 {
			b.WriteString(sep)
		}
		b.WriteString(p.String())
	}
	return b.String()
}

// String joins the names with "+" as publications do ("PM10+PM2.5").
func (s PollutantSet) String() string { return s.Join("+") }

// MarshalJSON encodes the set as a list of names.
func (s PollutantSet) MarshalJSON() ([]byte, error) {
	names := make([]string, 0, NumPollutants)
	for _, p := range s.List() {
		names = append(names, p.String())
	}
	return json.Marshal(names)
}

// Report is the kind of AQI report (HJ 633 §5): real-time (hourly) or daily.
type Report uint8

const (
	// ReportHourly is the real-time report (实时报).
	ReportHourly Report = iota
	// ReportDaily is the daily report (日报).
	ReportDaily
)

// String returns "hourly" or "daily".
func (r Report) String() string {
	if r == ReportDaily {
		return "daily"
	}
	return "hourly"
}

// MarshalText encodes the report kind by name.
func (r Report) MarshalText() ([]byte, error) { return []byte(r.String()), nil }

// AQIResult is an AQI with everything HJ 633 publishes with it.
type AQIResult struct {
	// Edition is the edition whose AQI rules were applied; Standard names
	// its document ("HJ 633-2012" or "HJ 633-2026").
	Edition  Edition `json:"edition"`
	Standard string  `json:"standard"`
	Report   Report  `json:"report"`
	// Available is false when no AQI can be published: no indicator at all,
	// or (HJ 633-2026 §5.3.1) a pollutant is missing and the AQI of the
	// others is not above 100, in which case the AQI is "NA" while the
	// IAQIs are kept. AQI, Level, Category, Colour and Primary are set only
	// when Available.
	Available bool `json:"available"`
	AQI       int  `json:"aqi"`
	// PartialAQI is the maximum IAQI of the available indicators, kept when
	// the completeness gate withholds the AQI.
	PartialAQI int `json:"partial_aqi"`
	// Complete reports that all six pollutants had a valid indicator.
	Complete bool `json:"complete"`
	// OverRange is set when an indicator was above its IAQI-500 breakpoint.
	OverRange bool `json:"over_range"`
	// BelowRange flags a published AQI of 0 (all indicators at zero): HJ
	// 633-2026 §4.1.1 gives the range as 1～500; the value is kept and
	// classed 一级 (standards.md §1.3 ⚠️).
	BelowRange bool   `json:"below_range"`
	Level      Level  `json:"level"`
	Category   string `json:"category"`
	CategoryEN string `json:"category_en"`
	Colour     string `json:"colour"`
	// Primary are the primary pollutants (AQI > 50, all tied maxima).
	Primary PollutantSet `json:"primary"`
	// Exceeding are the pollutants with IAQI > 100 (HJ 633-2012 only; the
	// concept was deleted in 2026).
	Exceeding PollutantSet `json:"exceeding"`
	// Missing are the pollutants without a valid indicator ("NA").
	Missing PollutantSet `json:"missing"`
	// IAQI holds each pollutant's sub-index as reported; for O3 in the 2012
	// daily report (and optionally the 2012 real-time report) the larger
	// of the 1-hour and 8-hour sub-indices.
	IAQI [NumPollutants]SubIndex `json:"iaqi"`
	// O3Other is the other O3 indicator when two O3 indicators enter the
	// AQI (2012 daily: O3_1H and O3_8H); status "missing" otherwise.
	O3Other SubIndex `json:"o3_other"`
}

// Health returns the health-effect text of the result's level and edition.
func (a *AQIResult) Health() string { return a.Level.Health(a.Edition) }

// Advice returns the recommended measures of the result's level and edition.
func (a *AQIResult) Advice() string { return a.Level.Advice(a.Edition) }

// HourlyExtra carries the moving averages a 2012 real-time AQI may need
// besides the six 1-hour values: the SO2 24-hour moving average (fallback
// when SO2 1-hour > 800), the O3 8-hour moving average (Rules.Realtime2012O3_8H)
// and the PM 24-hour moving averages (Rules.Realtime2012PM24H). Use
// NoHourlyExtra when they are not known; Series.HourlyAQI fills them.
// The values are exact means (a Ratio with Den 0 is absent; RatioOf
// converts a Conc).
type HourlyExtra struct {
	SO2_24H, O3_8H, PM10_24H, PM25_24H Ratio
}

// NoHourlyExtra is an HourlyExtra with every value absent.
var NoHourlyExtra = HourlyExtra{}

// HourlyAQI computes the real-time AQI (实时报) of the hour ending at
// hourEnd from the six 1-hour concentrations (Missing where absent), with
// the edition in force on that hour's day. See HourlyAQIWith for the 2012
// moving-average options.
func HourlyAQI(r *Rules, hourEnd time.Time, vals [NumPollutants]Conc) AQIResult {
	r = orDefault(r)
	return HourlyAQIWith(r, r.EditionFor(DayOfHour(hourEnd)), vals, NoHourlyExtra)
}

// HourlyAQIWith computes the real-time AQI under edition e.
//
// HJ 633-2026 §4.2.3: the six 1-hour values, PM on the daily breakpoints,
// SO2 1-hour above 800 counts 200. HJ 633-2012 as practised by CNEMC since
// 2014 (standards.md §1.9): the six 1-hour values with PM on the 24-hour
// breakpoints; with SO2 1-hour above 800 the SO2 24-hour IAQI is reported
// (Rules.SO2Above800Fallback2012); Rules.Realtime2012O3_8H adds the O3
// 8-hour moving average and Rules.Realtime2012PM24H takes PM from the 24-hour
// moving averages.
func HourlyAQIWith(r *Rules, e Edition, vals [NumPollutants]Conc, x HourlyExtra) AQIResult {
	r = orDefault(r)
	round := r.roundFor(e)
	var a AQIResult
	a.Edition, a.Standard, a.Report = e, e.AQIStandard(), ReportHourly
	a.O3Other = SubIndex{Item: O3_8H, Conc: Missing}
	a.IAQI[SO2] = IAQI(e, SO2_1H, vals[SO2], round)
	if a.IAQI[SO2].Status == IAQIAbove800 {
		if r.SO2Above800Fallback2012 {
			fb := IAQIExact(e, SO2_24H, x.SO2_24H, round)
			if fb.Has() {
				fb.Status = IAQIFallback
				a.IAQI[SO2] = fb
			}
		}
	}
	a.IAQI[NO2] = IAQI(e, NO2_1H, vals[NO2], round)
	a.IAQI[CO] = IAQI(e, CO_1H, vals[CO], round)
	a.IAQI[O3] = IAQI(e, O3_1H, vals[O3], round)
	if !e.Is2026() && r.Realtime2012PM24H {
		a.IAQI[PM10] = IAQIExact(e, PM10_24H, x.PM10_24H, round)
		a.IAQI[PM25] = IAQIExact(e, PM25_24H, x.PM25_24H, round)
	} else {
		a.IAQI[PM10] = IAQI(e, PM10_1H, vals[PM10], round)
		a.IAQI[PM25] = IAQI(e, PM25_1H, vals[PM25], round)
	}
	if !e.Is2026() && r.Realtime2012O3_8H {
		a.O3Other = IAQIExact(e, O3_8H, x.O3_8H, round)
		mergeO3(&a)
	}
	finish(&a)
	return a
}

// DailyAQI computes the daily AQI (日报) under edition e from published or
// given daily concentrations: vals holds the daily (24-hour) means of SO2,
// NO2, CO, PM10, PM2.5 and, at index O3, the O3 daily maximum 8-hour mean;
// o3Max1H is the O3 daily maximum 1-hour value, used by HJ 633-2012 only
// (pass Missing under 2026). Missing marks absent values.
func DailyAQI(r *Rules, e Edition, vals [NumPollutants]Conc, o3Max1H Conc) AQIResult {
	var q [NumPollutants]Ratio
	for p, v := range vals {
		if v != Missing {
			q[p] = Ratio{int64(v), 1}
		}
	}
	var o Ratio
	if o3Max1H != Missing {
		o = Ratio{int64(o3Max1H), 1}
	}
	return dailyAQIExact(r, e, &q, o)
}

// dailyAQIExact is DailyAQI on exact daily values (absent = Den 0).
func dailyAQIExact(r *Rules, e Edition, q *[NumPollutants]Ratio, o3Max1H Ratio) AQIResult {
	var a AQIResult
	dailyAQIInto(r, e, q, o3Max1H, &a)
	return a
}

// dailyAQIInto writes the daily AQI into *a (overwriting every field).
func dailyAQIInto(r *Rules, e Edition, q *[NumPollutants]Ratio, o3Max1H Ratio, a *AQIResult) {
	r = orDefault(r)
	round := r.roundFor(e)
	*a = AQIResult{}
	a.Edition, a.Standard, a.Report = e, e.AQIStandard(), ReportDaily
	a.IAQI[SO2] = IAQIExact(e, SO2_24H, q[SO2], round)
	a.IAQI[NO2] = IAQIExact(e, NO2_24H, q[NO2], round)
	a.IAQI[CO] = IAQIExact(e, CO_24H, q[CO], round)
	a.IAQI[PM10] = IAQIExact(e, PM10_24H, q[PM10], round)
	a.IAQI[PM25] = IAQIExact(e, PM25_24H, q[PM25], round)
	a.IAQI[O3] = IAQIExact(e, O3_8H, q[O3], round)
	if e.Is2026() {
		a.O3Other = SubIndex{Item: O3_1H, Conc: Missing}
	} else {
		// HJ 633-2012 §5.1.3: the 7th indicator, O3 daily max 1-hour; it
		// also carries O3 when the 8-hour value is above 800 (表1 note 3).
		a.O3Other = IAQIExact(e, O3_1H, o3Max1H, round)
		mergeO3(a)
	}
	finish(a)
}

// mergeO3 makes IAQI[O3] the larger of the two O3 indicators and O3Other
// the other one.
func mergeO3(a *AQIResult) {
	x, y := a.IAQI[O3], a.O3Other
	if !x.Has() || (y.Has() && y.Value > x.Value) {
		if x.Status == IAQIAbove800 && y.Has() {
			y.Status = IAQIFallback
		}
		a.IAQI[O3], a.O3Other = y, x
	}
}

// finish derives AQI, completeness gate, level, primary and exceeding
// pollutants from the sub-indices.
func finish(a *AQIResult) { finishGate(a, 0) }

// finishGate is finish with the pollutants in exempt not withholding the
// AQI under the 2026 completeness gate (§5.3.2).
func finishGate(a *AQIResult, exempt PollutantSet) {
	// This runs once per daily and hourly AQI, so it is written out for
	// the six pollutants (Go does not unroll loops) and kept to loads,
	// compares and bit sets.
	i := &a.IAQI
	// statusBits per status: bit 0 "has a value", bit 1 "over range".
	t0, t1, t2 := statusBits[i[0].Status&7], statusBits[i[1].Status&7], statusBits[i[2].Status&7]
	t3, t4, t5 := statusBits[i[3].Status&7], statusBits[i[4].Status&7], statusBits[i[5].Status&7]
	has := t0&1 | (t1&1)<<1 | (t2&1)<<2 | (t3&1)<<3 | (t4&1)<<4 | (t5&1)<<5
	a.Missing |= allPollutants &^ has
	if (t0|t1|t2|t3|t4|t5|statusBits[a.O3Other.Status&7])&2 != 0 {
		a.OverRange = true
	}
	a.Complete = a.Missing == 0
	if has == 0 {
		return
	}
	// Absent sub-indices count 0, below every present one's maximum or
	// equal to a maximum of 0, which makes no pollutant primary.
	v0, v1, v2 := i[0].Value*int(has&1), i[1].Value*int(has>>1&1), i[2].Value*int(has>>2&1)
	v3, v4, v5 := i[3].Value*int(has>>3&1), i[4].Value*int(has>>4&1), i[5].Value*int(has>>5&1)
	max, primary, ok := aqiGate(a.Edition, int16(v0), int16(v1), int16(v2), int16(v3), int16(v4), int16(v5), a.Missing&^exempt)
	a.PartialAQI = max
	if !ok {
		return
	}
	a.Available = true
	a.AQI = max
	a.BelowRange = max == 0
	a.Level = LevelOf(max)
	info := a.Level.info()
	a.Category, a.CategoryEN, a.Colour = info.category, info.categoryEN, info.hex
	a.Primary |= primary
	if !a.Edition.Is2026() { // 2012 only: the concept was deleted in 2026
		a.Exceeding |= setIf(v0 > 100) | setIf(v1 > 100)<<1 | setIf(v2 > 100)<<2 |
			setIf(v3 > 100)<<3 | setIf(v4 > 100)<<4 | setIf(v5 > 100)<<5
	}
}

// aqiGate derives the AQI from the six sub-indices v0…v5 (by pollutant;
// 0 or negative for an absent one, at least one present): their maximum;
// the primary pollutants, every sub-index tied at the maximum when it is
// above 50; and whether the AQI is published, which HJ 633-2026 §5.3.1
// refuses when a pollutant in withheld is missing and the maximum is not
// above 100. The sub-indices (at most 500) are passed in registers, not
// as an array.
func aqiGate(e Edition, v0, v1, v2, v3, v4, v5 int16, withheld PollutantSet) (aqi int, primary PollutantSet, ok bool) {
	m := max(v0, v1, v2, v3, v4, v5)
	if e.Is2026() && withheld != 0 && m <= 100 {
		return int(m), 0, false
	}
	// The tied maxima, kept only above 50 (a mask, not a branch: whether
	// a day is above 50 is the weather's choice).
	primary = setIf(v0 == m) | setIf(v1 == m)<<1 | setIf(v2 == m)<<2 |
		setIf(v3 == m)<<3 | setIf(v4 == m)<<4 | setIf(v5 == m)<<5
	primary &= -setIf(m > 50)
	return int(m), primary, true
}

// statusBits describes each IAQIStatus (indexed modulo 8): bit 0 is set
// for the statuses with a value (SubIndex.Has), bit 1 for IAQIOverRange.
var statusBits = [8]PollutantSet{IAQIOK: 1, IAQIOverRange: 3, IAQIFixed: 1, IAQIFallback: 1}

// setIf is 1 for true and 0 for false (a SETcc, no branch).
func setIf(b bool) PollutantSet {
	var x PollutantSet
	if b {
		x = 1
	}
	return x
}

// allPollutants is the set of the six pollutants.
const allPollutants PollutantSet = 1<<NumPollutants - 1

// ExemptNotMonitored applies HJ 633-2026 §5.3.2: a pollutant that is
// missing because the station's monitoring plan does not include it, and
// that has not been the primary pollutant of a lightly-polluted-or-worse
// day in the last three years, does not withhold the AQI. The caller, who
// knows the plan and the history, passes those pollutants; if every missing
// pollutant is among them the AQI is published (Missing still lists them,
// to be shown as "/"). Results under 2012, or already available, are
// unchanged.
func (a *AQIResult) ExemptNotMonitored(exempt PollutantSet) {
	if a.Available || !a.Edition.Is2026() || a.Missing == 0 || a.Missing&^exempt != 0 {
		return
	}
	if a.Missing.Len() == NumPollutants {
		return
	}
	a.Missing, a.OverRange, a.Primary, a.Exceeding = 0, false, 0, 0
	finishGate(a, exempt)
}
