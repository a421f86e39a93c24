package standard

import "fmt"

// WarningLevel is a heavy-pollution weather warning level (重污染天气预警).
type WarningLevel uint8

const (
	// WarningNone: no warning and no temporary measures.
	WarningNone WarningLevel = iota
	// WarningBelow: below the yellow criteria but predicted daily AQI > 150
	// or daily AQI > 100 for ≥ 48 h; localities may take temporary control
	// measures (☑️ 扬州 2026 explanation, standards.md §6.1).
	WarningBelow
	// WarningYellow is 黄色预警 (Ⅲ级响应).
	WarningYellow
	// WarningOrange is 橙色预警 (Ⅱ级响应).
	WarningOrange
	// WarningRed is 红色预警 (Ⅰ级响应).
	WarningRed
)

var warningNames = [...]string{"none", "below-warning", "yellow", "orange", "red"}
var warningNamesZH = [...]string{"无", "预警以下（可采取临时管控措施）", "黄色预警", "橙色预警", "红色预警"}

// String returns none, below-warning, yellow, orange or red.
func (w WarningLevel) String() string {
	if int(w) < len(warningNames) {
		return warningNames[w]
	}
	return fmt.Sprintf("WarningLevel(%d)", uint8(w))
}

// NameZH returns the Chinese name of the level.
func (w WarningLevel) NameZH() string {
	if int(w) < len(warningNamesZH) {
		return warningNamesZH[w]
	}
	return w.String()
}

// MarshalText encodes the level by name.
func (w WarningLevel) MarshalText() ([]byte, error) { return []byte(w.String()), nil }

// Warning is the warning level a predicted daily-AQI sequence calls for.
type Warning struct {
	Level WarningLevel `json:"level"`
	// HoursGT200, HoursGT150, HoursGT300 and HoursGT100 are the longest
	// consecutive durations, in hours, with daily AQI above the threshold
	// (a run above 150 includes hours above 200).
	HoursGT100 int `json:"hours_gt100"`
	HoursGT150 int `json:"hours_gt150"`
	HoursGT200 int `json:"hours_gt200"`
	HoursGT300 int `json:"hours_gt300"`
	// ReductionPercent is the required reduction of SO2, NOx, PM and VOCs
	// emissions (Rules.WarningReductionPercent) for yellow/orange/red.
	ReductionPercent int `json:"reduction_percent"`
}

// PredictWarning applies 环大气〔2024〕6号 = 豫政办〔2023〕52号 (standards.md
// §6.1/§6.2) to a sequence of predicted daily AQI values, each for one
// 24-hour period (rolling daily AQI, may cross natural days):
//
//	red:    AQI > 200 for ≥ 72 h and AQI > 300 for ≥ 24 h
//	orange: AQI > 200 for ≥ 48 h, or AQI > 150 for ≥ 72 h
//	yellow: any AQI > 200, or AQI > 150 for ≥ 48 h
//
// evaluated top-down, durations being the longest consecutive runs
// (⚠️ the parsing of "持续" is an interpretation). Below yellow, a
// predicted AQI > 150 or AQI > 100 for ≥ 48 h is WarningBelow.
func PredictWarning(r *Rules, dailyAQI []int) Warning {
	r = orDefault(r)
	run := func(th int) int {
		best, cur := 0, 0
		for _, a := range dailyAQI {
			if a > th {
				cur++
				best = max(best, cur)
			} else {
				cur = 0
			}
		}
		return best * 24
	}
	w := Warning{HoursGT100: run(100), HoursGT150: run(150), HoursGT200: run(200), HoursGT300: run(300)}
	switch {
	case w.HoursGT200 >= 72 && w.HoursGT300 >= 24:
		w.Level = WarningRed
	case w.HoursGT200 >= 48 || w.HoursGT150 >= 72:
		w.Level = WarningOrange
	case w.HoursGT200 >= 24 || w.HoursGT150 >= 48:
		w.Level = WarningYellow
	case w.HoursGT150 >= 24 || w.HoursGT100 >= 48:
		w.Level = WarningBelow
	}
	if w.Level >= WarningYellow {
		w.ReductionPercent = r.WarningReductionPercent[w.Level-WarningYellow]
	}
	return w
}
