package hj212

import (
	"fmt"
	"strings"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/standard"
)

// ambientCodes maps ambient-air factor codes (ST=22) to the six basic
// pollutants: the HJ 524-2009 codes of HJ 212-2017 Table B.2, the HJ/T
// 212-2005 old codes that Table B.2 lists in its 原编码 column (only SO2
// "02" and CO "04" have one; NO2, O3 and PM have none), and vendor aliases
// seen on real devices (o31104 for O3 on one VOC station).
var ambientCodes = map[string]standard.Pollutant{
	"a21026": standard.SO2,
	"a21004": standard.NO2,
	"a21005": standard.CO,
	"a05024": standard.O3,
	"a34002": standard.PM10,
	"a34004": standard.PM25,
	"02":     standard.SO2,
	"04":     standard.CO,
	"o31104": standard.O3,
}

// ambientAuxiliary are factor codes ambient stations send besides the six
// basic pollutants (HJ 212-2017 Table B.2 and §11.2 of the implementation
// spec): meteorology, TSP, PM1.0, NO, NOx, NMHC and noise.
var ambientAuxiliary = map[string]bool{
	"a01001": true, "a01002": true, "a01006": true, "a01007": true, "a01008": true,
	"a34001": true, "a34005": true, "a21003": true, "a21002": true, "a24088": true,
	"LA": true,
}

// IsAmbientAuxiliary reports whether code is a known ambient-air factor
// that is not one of the six basic pollutants (e.g. a01001 temperature).
func IsAmbientAuxiliary(code string) bool { return ambientAuxiliary[code] }

// AmbientCodes returns the 2017 factor code of each basic pollutant, the
// codes a compliant station sends and the emulator writes.
func AmbientCodes() [standard.NumPollutants]string {
	return [standard.NumPollutants]string{"a21026", "a21004", "a21005", "a05024", "a34002", "a34004"}
}

// AmbientPollutant returns the basic pollutant a factor code stands for.
func AmbientPollutant(code string) (standard.Pollutant, bool) {
	p, ok := ambientCodes[code]
	return p, ok
}

// SplitKey splits a CP key "a34004-Rtd" into factor code and suffix. Keys
// without "-" (DataTime, QnRtn …) return ok=false.
func SplitKey(key string) (code, suffix string, ok bool) {
	return strings.Cut(key, "-")
}

// Unit is a mass-concentration unit a device reports in.
type Unit uint8

// Concentration units. Table B.2 gives mg/m³ for the gases and ng/m³ (!)
// for the particulates; ambient stations in practice send µg/m³ for
// everything except CO (mg/m³). Devices differ, so the unit is configured
// per device and factor, defaulting to practice (DefaultAmbientUnit).
const (
	UnitDefault   Unit = iota // the pollutant's default unit (DefaultAmbientUnit)
	UnitMicrogram             // µg/m³
	UnitMilligram             // mg/m³
	UnitNanogram              // ng/m³
)

// String returns the unit symbol.
func (u Unit) String() string {
	switch u {
	case UnitMicrogram:
		return "ug/m3"
	case UnitMilligram:
		return "mg/m3"
	case UnitNanogram:
		return "ng/m3"
	}
	return "default"
}

// ParseUnit accepts ug/m3 (also µg/m³, μg/m3), mg/m3 and ng/m3.
func ParseUnit(s string) (Unit, error) {
	k := strings.ToLower(strings.TrimSpace(s))
	k = strings.NewReplacer("µ", "u", "μ", "u", "³", "3").Replace(k)
	switch k {
	case "ug/m3", "ug":
		return UnitMicrogram, nil
	case "mg/m3", "mg":
		return UnitMilligram, nil
	case "ng/m3", "ng":
		return UnitNanogram, nil
	case "", "default":
		return UnitDefault, nil
	}
	return UnitDefault, fmt.Errorf("unknown unit %q (want ug/m3, mg/m3 or ng/m3)", s)
}

// DefaultAmbientUnit is the unit ambient stations send a pollutant in
// practice: mg/m³ for CO, µg/m³ for the others. It is also the unit of
// standard.Conc for that pollutant, so no conversion happens by default.
func DefaultAmbientUnit(p standard.Pollutant) Unit {
	if p == standard.CO {
		return UnitMilligram
	}
	return UnitMicrogram
}

// exp10 is the power of ten of one unit expressed in nanograms/m³.
func (u Unit) exp10() int {
	switch u {
	case UnitMilligram:
		return 6
	case UnitNanogram:
		return 0
	}
	return 3
}

// AmbientConc converts a value sent in unit u to a standard.Conc of pollutant
// p (thousandths of µg/m³, or of mg/m³ for CO). The decimal text is converted
// exactly; digits below a thousandth of the target unit (which no published
// figure uses) are rounded half to even (GB/T 8170).
func AmbientConc(value string, p standard.Pollutant, u Unit) (standard.Conc, error) {
	if u == UnitDefault {
		u = DefaultAmbientUnit(p)
	}
	target := DefaultAmbientUnit(p)
	// value in thousandths of target = mant * 10^(-scale) * 10^(u.exp10 - target.exp10) * 1000
	mant, scale, err := parseDecimal(value)
	if err != nil {
		return standard.Missing, err
	}
	shift := u.exp10() - target.exp10() + 3 - scale
	v, err := shiftRound(mant, shift)
	if err != nil {
		return standard.Missing, fmt.Errorf("%q: %w", value, err)
	}
	if v > int64(standard.MaxConc) || v <= int64(standard.Missing) {
		return standard.Missing, fmt.Errorf("%q is out of range", value)
	}
	return standard.Conc(v), nil
}

// parseDecimal parses an HJ 212 number (N14.2 style: sign, digits, one
// point, at most 18 characters) into mantissa and decimal scale.
func parseDecimal(s string) (mant int64, scale int, err error) {
	if s == "" || len(s) > 24 {
		return 0, 0, fmt.Errorf("%q is not an HJ 212 number", s)
	}
	neg := false
	i := 0
	switch s[0] {
	case '-':
		neg, i = true, 1
	case '+':
		i = 1
	}
	digits, dot := 0, false
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			if mant > (1<<62)/10 {
				return 0, 0, fmt.Errorf("%q has too many digits", s)
			}
			mant = mant*10 + int64(c-'0')
			digits++
			if dot {
				scale++
			}
		case c == '.' && !dot:
			dot = true
		default:
			return 0, 0, fmt.Errorf("%q is not a decimal number", s)
		}
	}
	if digits == 0 {
		return 0, 0, fmt.Errorf("%q is not a decimal number", s)
	}
	if neg {
		mant = -mant
	}
	return mant, scale, nil
}

// shiftRound returns mant * 10^shift, rounding half to even when shift < 0.
func shiftRound(mant int64, shift int) (int64, error) {
	for ; shift > 0; shift-- {
		if mant > (1<<62)/10 || mant < -(1<<62)/10 {
			return 0, fmt.Errorf("out of range")
		}
		mant *= 10
	}
	if shift == 0 {
		return mant, nil
	}
	if shift < -18 {
		return 0, nil
	}
	div := int64(1)
	for ; shift < 0; shift++ {
		div *= 10
	}
	q, r := mant/div, mant%div
	if r < 0 {
		r = -r
	}
	switch {
	case 2*r > div, 2*r == div && q%2 != 0:
		if mant < 0 {
			q--
		} else {
			q++
		}
	}
	return q, nil
}

// ParseDataFlag maps the data flag text of a value (xxxxxx-Flag, §6.6.4
// Table 8) to lantian's flag for the given standard version. 2017 flags
// (N F M S D C T B) map to themselves. The 2005 set adds P (power failure,
// mapped to D: the instrument could not measure) and, on air stations, the
// digit flags 0 (calibration → C), 1 (meteorological parameter → N),
// 2 (abnormal → D) and 3 (normal → N). An empty flag is N. Unknown flags
// map to D (not usable) with known=false, so the caller can count them and
// keep the raw text where it stores records verbatim.
func ParseDataFlag(s string, version int) (f lantian.Flag, known bool) {
	s = strings.TrimSpace(s)
	switch s {
	case "", "N":
		return lantian.FlagNormal, true
	case "F":
		return lantian.FlagStopped, true
	case "M":
		return lantian.FlagMaintenance, true
	case "S":
		return lantian.FlagManual, true
	case "D":
		return lantian.FlagFault, true
	case "C":
		return lantian.FlagCalibration, true
	case "T":
		return lantian.FlagOverRange, true
	case "B":
		if version != Version2005 {
			return lantian.FlagCommFailure, true
		}
	case "P":
		if version == Version2005 {
			return lantian.FlagFault, true
		}
	case "0":
		if version == Version2005 {
			return lantian.FlagCalibration, true
		}
	case "1", "3":
		if version == Version2005 {
			return lantian.FlagNormal, true
		}
	case "2":
		if version == Version2005 {
			return lantian.FlagFault, true
		}
	}
	return lantian.FlagFault, false
}

// ValidNumber reports whether s is a number as HJ 212 writes them (sign,
// digits, at most one decimal point; no exponent).
func ValidNumber(s string) bool {
	_, _, err := parseDecimal(s)
	return err == nil
}
