package ingest

import "github.com/lantian-aq/lantian/standard"

// Limits are the plausibility limits applied to every 1-hour concentration
// read, in the pollutant's unit (µg/m³, CO mg/m³). A value above its limit
// is rejected as absurd: it is an instrument or transcription fault, not
// air. The limits are deliberately far above anything measured in China so
// that genuine extremes (dust storms drive hourly PM10 past 5,000 µg/m³)
// are kept; values above the top of the IAQI tables are not absurd and are
// left to the standards engine, which flags them as over range.
type Limits [standard.NumPollutants]standard.Conc

// DefaultLimits are the plausibility limits used when Options.Limits is
// the zero value:
//
//	SO2   10000 µg/m³   NO2  5000 µg/m³   CO  150 mg/m³
//	O3     2000 µg/m³   PM10 20000 µg/m³  PM2.5 5000 µg/m³
var DefaultLimits = Limits{
	standard.SO2:  10000 * standard.ConcScale,
	standard.NO2:  5000 * standard.ConcScale,
	standard.CO:   150 * standard.ConcScale,
	standard.O3:   2000 * standard.ConcScale,
	standard.PM10: 20000 * standard.ConcScale,
	standard.PM25: 5000 * standard.ConcScale,
}

// parseConc parses an exact decimal with at most three decimals from b
// (surrounding blanks allowed). Empty is Missing. It does not allocate.
func parseConc(b []byte) (v standard.Conc, ok bool) {
	// Fast path for what monitoring files hold: up to six digits and at
	// most one decimal ("35", "0.8", "118.5").
	if n := len(b); n > 0 && n <= 8 {
		var x int64
		i := 0
		for ; i < n && i < 6; i++ {
			d := b[i] - '0'
			if d > 9 {
				break
			}
			x = x*10 + int64(d)
		}
		switch {
		case i == n:
			return standard.Conc(x * standard.ConcScale), true
		case i > 0 && i == n-2 && b[i] == '.' && b[i+1]-'0' <= 9:
			return standard.Conc(x*standard.ConcScale + int64(b[i+1]-'0')*100), true
		}
	}
	return parseConcSlow(b)
}

// parseConcSlow is the general form of parseConc: blanks, signs, up to
// three decimals, trailing zeros beyond them.
func parseConcSlow(b []byte) (v standard.Conc, ok bool) {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	if len(b) == 0 {
		return standard.Missing, true
	}
	neg := false
	switch b[0] {
	case '-':
		neg = true
		b = b[1:]
	case '+':
		b = b[1:]
	}
	var n int64
	digits := 0
	i := 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + int64(b[i]-'0')
		digits++
		if n > int64(standard.MaxConc)/standard.ConcScale+1 {
			return standard.Missing, false
		}
	}
	n *= standard.ConcScale
	if i < len(b) && b[i] == '.' {
		i++
		mul := int64(standard.ConcScale / 10)
		for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
			d := int64(b[i] - '0')
			if mul == 0 {
				if d != 0 { // a fourth non-zero decimal cannot be held exactly
					return standard.Missing, false
				}
			} else {
				n += d * mul
				mul /= 10
			}
			digits++
		}
	}
	if i != len(b) || digits == 0 || n > int64(standard.MaxConc) {
		return standard.Missing, false
	}
	if neg {
		n = -n
	}
	return standard.Conc(n), true
}

// checkConc validates a parsed concentration against plausibility; want is
// empty when the value is acceptable.
func checkConc(p standard.Pollutant, v standard.Conc, lim *Limits) (want string) {
	if v == standard.Missing {
		return ""
	}
	if v < 0 {
		return "a non-negative concentration in " + p.Unit()
	}
	if v > lim[p] {
		return "at most " + lim[p].String() + " " + p.Unit() + " (plausibility limit for " + p.String() + ")"
	}
	return ""
}

func wantConc(p standard.Pollutant) string {
	return "a decimal concentration in " + p.Unit() + " with at most 3 decimals"
}

// parseUint parses a small non-negative decimal integer.
func parseUint(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}
