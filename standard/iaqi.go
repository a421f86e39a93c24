package standard

import (
	"fmt"
	"strings"
)

// Item is an AQI indicator: a pollutant with an averaging time, i.e. one
// column of the breakpoint table (HJ 633-2012 表1, HJ 633-2026 表3).
type Item uint8

// The AQI indicators. PM10_1H and PM25_1H have no column of their own: they
// use the daily breakpoints (HJ 633-2026 §4.2.4; CNEMC practice under
// HJ 633-2012 since 2014, standards.md §1.9).
const (
	SO2_24H Item = iota
	SO2_1H
	NO2_24H
	NO2_1H
	CO_24H
	CO_1H
	O3_1H
	O3_8H
	PM10_24H
	PM10_1H
	PM25_24H
	PM25_1H
	numItems
)

var itemNames = [numItems]string{"SO2_24H", "SO2_1H", "NO2_24H", "NO2_1H", "CO_24H", "CO_1H",
	"O3_1H", "O3_8H", "PM10_24H", "PM10_1H", "PM25_24H", "PM25_1H"}

var itemPollutant = [numItems]Pollutant{SO2, SO2, NO2, NO2, CO, CO, O3, O3, PM10, PM10, PM25, PM25}

// String returns the indicator name as used in the test vectors
// ("PM25_24H", "O3_8H", …).
func (it Item) String() string {
	if it < numItems {
		return itemNames[it]
	}
	return fmt.Sprintf("Item(%d)", uint8(it))
}

// MarshalText encodes the item by name.
func (it Item) MarshalText() ([]byte, error) { return []byte(it.String()), nil }

// UnmarshalText decodes an item name.
func (it *Item) UnmarshalText(b []byte) error {
	v, err := ParseItem(string(b))
	if err != nil {
		return err
	}
	*it = v
	return nil
}

// Pollutant returns the pollutant the indicator measures.
func (it Item) Pollutant() Pollutant { return itemPollutant[it] }

// ParseItem accepts names like "PM25_24H", "pm2.5_1h", "O3_8H"
// (case-insensitive; "_DAILY" is a synonym of "_24H").
func ParseItem(s string) (Item, error) {
	k := strings.ToUpper(strings.TrimSpace(s))
	k = strings.ReplaceAll(k, "PM2.5", "PM25")
	k = strings.ReplaceAll(k, "PM2_5", "PM25")
	k = strings.ReplaceAll(k, "_DAILY", "_24H")
	for i, n := range itemNames {
		if k == n {
			return Item(i), nil
		}
	}
	return 0, fmt.Errorf("unknown AQI item %q (want e.g. PM25_24H, SO2_1H, O3_8H)", s)
}

// Breakpoints are concentrations at IAQI 0, 50, 100, 150, 200, 300, 400,
// 500, in whole units (µg/m³; CO in mg/m³ ×10, i.e. 0.1 mg/m³). A zero after
// the first entry ends the column (no breakpoint, notes b and c).
type breakpoints [8]int32

var iaqiLevels = [8]int64{0, 50, 100, 150, 200, 300, 400, 500}

// tables[edition-is-2026][item]
var tables = [2][numItems]breakpoints{
	{ // HJ 633-2012 表1
		SO2_24H:  {0, 50, 150, 475, 800, 1600, 2100, 2620},
		SO2_1H:   {0, 150, 500, 650, 800},
		NO2_24H:  {0, 40, 80, 180, 280, 565, 750, 940},
		NO2_1H:   {0, 100, 200, 700, 1200, 2340, 3090, 3840},
		CO_24H:   {0, 20, 40, 140, 240, 360, 480, 600},
		CO_1H:    {0, 50, 100, 350, 600, 900, 1200, 1500},
		O3_1H:    {0, 160, 200, 300, 400, 800, 1000, 1200},
		O3_8H:    {0, 100, 160, 215, 265, 800},
		PM10_24H: {0, 50, 150, 250, 350, 420, 500, 600},
		PM10_1H:  {0, 50, 150, 250, 350, 420, 500, 600},
		PM25_24H: {0, 35, 75, 115, 150, 250, 350, 500},
		PM25_1H:  {0, 35, 75, 115, 150, 250, 350, 500},
	},
	{ // HJ 633-2026 表3
		SO2_24H:  {0, 50, 150, 475, 800, 1600, 2100, 2620},
		SO2_1H:   {0, 150, 500, 650, 800},
		NO2_24H:  {0, 40, 80, 180, 280, 565, 750, 940},
		NO2_1H:   {0, 100, 200, 700, 1200, 2340, 3090, 3840},
		CO_24H:   {0, 20, 40, 140, 240, 360, 480, 600},
		CO_1H:    {0, 50, 100, 350, 600, 900, 1200, 1500},
		O3_1H:    {0, 160, 200, 300, 400, 800, 1000, 1200},
		O3_8H:    {0, 100, 160, 215, 265, 800},
		PM10_24H: {0, 50, 120, 250, 350, 420, 500, 600},
		PM10_1H:  {0, 50, 120, 250, 350, 420, 500, 600},
		PM25_24H: {0, 35, 60, 115, 150, 250, 350, 500},
		PM25_1H:  {0, 35, 60, 115, 150, 250, 350, 500},
	},
}

func tableFor(e Edition, it Item) *breakpoints {
	return &tables[tableIndex(e)][it]
}

func tableIndex(e Edition) int {
	if e.Is2026() {
		return 1
	}
	return 0
}

// Breakpoints returns the breakpoint concentrations of an item under an
// edition, for IAQI 0, 50, 100, 150, 200, 300, 400, 500, as Concs; an
// absent breakpoint is Missing.
func Breakpoints(e Edition, it Item) [8]Conc {
	var out [8]Conc
	t := tableFor(e, it)
	scale := int32(ConcScale)
	if it.Pollutant() == CO {
		scale = ConcScale / 10
	}
	for i, v := range t {
		if i > 0 && v == 0 {
			out[i] = Missing
			continue
		}
		out[i] = Conc(v * scale)
	}
	return out
}

// IAQIStatus qualifies a sub-index.
type IAQIStatus uint8

const (
	// IAQIMissing: no valid concentration (absent or negative).
	IAQIMissing IAQIStatus = iota
	// IAQIOK: computed from the breakpoint table.
	IAQIOK
	// IAQIOverRange: the concentration is above the IAQI-500 breakpoint;
	// neither edition defines a value, so 500 is reported with this flag
	// and nothing is extrapolated (standards.md §1.3 ⚠️).
	IAQIOverRange
	// IAQIAbove800: 2012 rule — SO2 1-hour or O3 8-hour above 800 µg/m³ is
	// not computed; the value is reported from another indicator
	// (SO2 24-hour, O3 1-hour) and Value is 0 here.
	IAQIAbove800
	// IAQIFixed: 2026 rule — SO2 1-hour above 800 counts as 200, O3
	// 8-hour above 800 counts as 300 (HJ 633-2026 表3 notes b, c).
	IAQIFixed
	// IAQIFallback: the value was taken from the fallback indicator of a
	// 2012 above-800 rule.
	IAQIFallback
)

var iaqiStatusNames = [...]string{"missing", "ok", "over_range", "above_800", "fixed", "fallback"}

// String names the status as in JSON.
func (s IAQIStatus) String() string {
	if int(s) < len(iaqiStatusNames) {
		return iaqiStatusNames[s]
	}
	return fmt.Sprintf("IAQIStatus(%d)", uint8(s))
}

// MarshalText encodes the status by name.
func (s IAQIStatus) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// SubIndex is one IAQI with the concentration it was computed from.
type SubIndex struct {
	// Item is the indicator (averaging time) that produced the value.
	Item Item `json:"item"`
	// Conc is the concentration used: rounded by GB/T 8170 when the rules
	// round (integer µg/m³, CO 0.1 mg/m³).
	Conc Conc `json:"conc"`
	// Value is the integer IAQI (ceiling of the interpolation), 0…500.
	Value int `json:"iaqi"`
	// Status says how Value was obtained.
	Status IAQIStatus `json:"status"`
}

// Has reports whether the sub-index holds a value that enters the AQI.
func (s SubIndex) Has() bool {
	return s.Status != IAQIMissing && s.Status != IAQIAbove800
}

// IAQI computes the sub-index of one indicator by HJ 633 式(1) with exact
// integer arithmetic and the ceiling of §6.2 (2012) / §4.2.6 (2026). When
// round is true the concentration is first rounded by GB/T 8170 to integer
// µg/m³ (CO 0.1 mg/m³), as HJ 633-2026 §4.2.2 requires. Negative and
// Missing concentrations give IAQIMissing. Special rules above 800 µg/m³
// follow the edition (see IAQIStatus).
func IAQI(e Edition, it Item, c Conc, round bool) SubIndex {
	if c == Missing || c < 0 {
		return SubIndex{Item: it, Conc: Missing}
	}
	return iaqiRatio(e, it, int64(c), 1, round)
}

// IAQIExact is IAQI for an exact rational concentration num/den (in Conc
// thousandths), e.g. a daily mean before publication rounding, so that the
// GB/T 8170 rounding happens once on the exact value.
func IAQIExact(e Edition, it Item, q Ratio, round bool) SubIndex {
	if !q.Valid() || q.Num < 0 {
		return SubIndex{Item: it, Conc: Missing}
	}
	return iaqiRatio(e, it, q.Num, q.Den, round)
}

// IAQI is IAQI with the rounding the rules prescribe for the edition.
func (r *Rules) IAQI(e Edition, it Item, c Conc) SubIndex {
	return IAQI(e, it, c, r.roundFor(e))
}

func (r *Rules) roundFor(e Edition) bool {
	return e.Is2026() || r == nil || r.RoundConc2012
}

func iaqiRatio(e Edition, it Item, num, den int64, round bool) SubIndex {
	p := itemPollutant[it]
	if den == 1 && num <= int64(MaxConc)-ConcScale {
		if s, ok := iaqiWhole(e, it, p, num, round); ok {
			return s
		}
	}
	// unitScale: thousandths per table unit (CO table is in 0.1 mg/m³).
	unitScale := int64(ConcScale)
	if p == CO {
		unitScale = ConcScale / 10
	}
	var used Conc
	if round && !(den == 1 && onUnit(p, num)) {
		// One-step GB/T 8170 rounding of the exact value to table units.
		u := Round8170(num, den*unitScale, 0)
		num, den = u*unitScale, 1
	}
	switch {
	case den == 1 && num <= int64(MaxConc):
		used = Conc(num)
	case num/den > int64(MaxConc):
		used = MaxConc
	default:
		used = Conc(Round8170(num, den, 0))
	}
	s := SubIndex{Item: it, Conc: used, Status: IAQIOK}
	t := tableFor(e, it)
	// Special rules above 800 µg/m³ (表 notes b, c).
	if it == SO2_1H || it == O3_8H {
		if num > 800*ConcScale*den {
			s.Value, s.Status = above800(e, it)
			return s
		}
	}
	if den == 1 && onUnit(p, num) {
		// Whole table units (every rounded concentration): look the IAQI up
		// in the table precomputed by the same exact formula.
		u := num / 1000
		if p == CO {
			u = num / 100
		}
		if lut := iaqiLUT[tableIndex(e)][it]; u < int64(len(lut)) {
			s.Value = int(lut[u])
			return s
		}
	}
	return iaqiInterpolate(s, t, it, e, num, den, unitScale)
}

// iaqiInterpolate evaluates HJ 633 式(1) on the segment containing num/den.
func iaqiInterpolate(s SubIndex, t *breakpoints, it Item, e Edition, num, den, unitScale int64) SubIndex {
	for i := 1; i < len(t); i++ {
		if t[i] == 0 {
			break
		}
		hi := int64(t[i]) * unitScale
		if num <= hi*den {
			lo := int64(t[i-1]) * unitScale
			ilo, ihi := iaqiLevels[i-1], iaqiLevels[i]
			// IAQI = ilo + ceil((ihi-ilo)·(num/den − lo)/(hi − lo))
			n := (ihi - ilo) * (num - lo*den)
			d := (hi - lo) * den
			if den == 1 {
				q, rem := divmod(uint64(n), uint64(d), segRecip[tableIndex(e)][it][i])
				if rem != 0 {
					q++
				}
				s.Value = int(ilo + int64(q))
				return s
			}
			s.Value = int(ilo + ceilDiv(n, d))
			return s
		}
	}
	s.Value, s.Status = 500, IAQIOverRange
	return s
}

// iaqiWhole is the fast path for a concentration num (thousandths, 0 ≤ num
// ≤ MaxConc − 1000, so rounding up cannot overflow a Conc) that is, or is to be rounded to, whole table units: GB/T 8170
// rounding with constant divisors, the above-800 rules, then the lookup
// table. ok is false when the value is not on a unit and not rounded.
func iaqiWhole(e Edition, it Item, p Pollutant, num int64, round bool) (s SubIndex, ok bool) {
	var u, rem, half int64
	if p == CO {
		u, rem, half = num/100, num%100, 50
	} else {
		u, rem, half = num/1000, num%1000, 500
	}
	if rem != 0 {
		if !round {
			return s, false
		}
		if rem > half || (rem == half && u&1 == 1) {
			u++
		}
	}
	unit := 2 * half
	s = SubIndex{Item: it, Conc: Conc(u * unit), Status: IAQIOK}
	if (it == SO2_1H || it == O3_8H) && u*unit > 800*ConcScale {
		s.Value, s.Status = above800(e, it)
		return s, true
	}
	lut := iaqiLUT[tableIndex(e)][it]
	if u < int64(len(lut)) {
		s.Value = int(lut[u])
		return s, true
	}
	s.Value, s.Status = 500, IAQIOverRange
	return s, true
}

// above800 is the sub-index of SO2 1-hour or O3 8-hour above 800 µg/m³
// (表 notes b, c): HJ 633-2026 fixes it at 200 (SO2) or 300 (O3); HJ
// 633-2012 does not compute it (the value comes from another indicator).
func above800(e Edition, it Item) (int, IAQIStatus) {
	switch {
	case e.Is2026() && it == SO2_1H:
		return 200, IAQIFixed
	case e.Is2026():
		return 300, IAQIFixed
	default:
		return 0, IAQIAbove800
	}
}

// ceilDiv is ⌈n/d⌉ for n ≥ 0, d > 0.
func ceilDiv(n, d int64) int64 {
	return (n + d - 1) / d
}

// onUnit reports whether a concentration in thousandths is already a whole
// number of table units (1 µg/m³; 0.1 mg/m³ for CO). The constant divisors
// keep this free of hardware division.
func onUnit(p Pollutant, num int64) bool {
	if p == CO {
		return num%100 == 0
	}
	return num%1000 == 0
}

// iaqiLUT[t][item][u] is the IAQI of a concentration of u whole table units
// (µg/m³; CO 0.1 mg/m³) for u from 0 to the item's top breakpoint, computed
// at start-up by iaqiInterpolate. About 60 KB; it turns the IAQI of a
// rounded concentration into one load.
var iaqiLUT [2][numItems][]int16

func init() {
	for ti := range tables {
		e := Edition2012
		if ti == 1 {
			e = Edition2026
		}
		for it := range Item(numItems) {
			t := &tables[ti][it]
			top := t[0]
			for _, v := range t[1:] {
				if v == 0 {
					break
				}
				top = v
			}
			unitScale := int64(ConcScale)
			if itemPollutant[it] == CO {
				unitScale = ConcScale / 10
			}
			lut := make([]int16, top+1)
			for u := range lut {
				s := iaqiInterpolate(SubIndex{}, t, it, e, int64(u)*unitScale, 1, unitScale)
				lut[u] = int16(s.Value)
			}
			iaqiLUT[ti][it] = lut
		}
	}
}
