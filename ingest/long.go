package ingest

import (
	"io"
	"strconv"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/standard"
)

// Units accepted in the long layout. CO is stated in mg/m³ and the other
// pollutants in µg/m³ (GB 3095). A value given in the other unit is
// converted exactly: µg/m³ → mg/m³ divides by 1000, which is exact only
// for whole µg/m³ (Conc holds thousandths), so a CO value in µg/m³ with
// decimals is rejected rather than rounded; mg/m³ → µg/m³ multiplies by
// 1000 and is always exact.
type unit uint8

const (
	unitDefault unit = iota // column absent or cell empty: the standard unit
	unitMicro               // µg/m³
	unitMilli               // mg/m³
)

func parseUnit(b []byte) (unit, bool) {
	b = trimBlank(b)
	switch string(b) {
	case "":
		return unitDefault, true
	case "µg/m³", "μg/m³", "ug/m3", "ug/m³", "µg/m3", "μg/m3", "ug/m^3", "µg/m^3", "μg/m^3", "UG/M3", "微克/立方米":
		return unitMicro, true
	case "mg/m³", "mg/m3", "mg/m^3", "MG/M3", "毫克/立方米":
		return unitMilli, true
	}
	return 0, false
}

const wantUnit = "a unit µg/m³ (ug/m3) or mg/m³ (mg/m3)"

// convertUnit brings v to the pollutant's standard unit; want is non-empty
// when that cannot be done exactly.
func convertUnit(p standard.Pollutant, u unit, v standard.Conc) (standard.Conc, string) {
	if v == standard.Missing || u == unitDefault {
		return v, ""
	}
	if p == standard.CO && u == unitMicro {
		if v%standard.ConcScale != 0 {
			return standard.Missing, "a CO value in mg/m³, or in whole µg/m³ (converted exactly to mg/m³)"
		}
		return v / standard.ConcScale, ""
	}
	if p != standard.CO && u == unitMilli {
		w := int64(v) * standard.ConcScale
		if w > int64(standard.MaxConc) || w < -int64(standard.MaxConc) {
			return standard.Missing, "a " + p.String() + " value small enough to convert to µg/m³"
		}
		return standard.Conc(w), ""
	}
	return v, ""
}

// pollutantCell parses a pollutant name cell without allocating for the
// common spellings.
func pollutantCell(b []byte) (standard.Pollutant, bool) {
	b = trimBlank(b)
	switch string(b) {
	case "so2", "SO2":
		return standard.SO2, true
	case "no2", "NO2":
		return standard.NO2, true
	case "co", "CO":
		return standard.CO, true
	case "o3", "O3":
		return standard.O3, true
	case "pm10", "PM10":
		return standard.PM10, true
	case "pm25", "PM25", "PM2.5", "pm2.5", "PM2_5", "pm2_5":
		return standard.PM25, true
	}
	p, err := standard.ParsePollutant(string(b))
	return p, err == nil
}

// longWindow is how many station-hours the long reader keeps open while
// their rows arrive.
const longWindow = 4096

type longKey struct {
	st   uint32
	hour int64
}

type long struct {
	nf                                    int
	station, time, pollutant, value, unit int
	flag                                  int
	valueName                             string

	pending map[longKey]int // index into obs
	obs     []lantian.Observation
	keys    []longKey
	head    int // first open entry in obs/keys
}

func newLong(r *Reader, header []string) (parser, error) {
	p := &long{nf: len(header), station: -1, time: -1, pollutant: -1, value: -1, unit: -1, flag: -1,
		pending: make(map[longKey]int)}
	for i, h := range header {
		var dst *int
		switch {
		case isAlias(h, stationAliases):
			dst = &p.station
		case isAlias(h, timeAliases):
			dst = &p.time
		case isAlias(h, pollutantAliases):
			dst = &p.pollutant
		case isAlias(h, valueAliases):
			dst = &p.value
			p.valueName = h
		case isAlias(h, unitAliases):
			dst = &p.unit
		case isAlias(h, flagAliases):
			dst = &p.flag
		default:
			r.ignored = append(r.ignored, h)
			continue
		}
		if *dst >= 0 {
			return nil, layoutErrorf(r.opt.File, 1, "column %q appears twice in the header", h)
		}
		*dst = i
	}
	if p.station < 0 || p.time < 0 || p.pollutant < 0 || p.value < 0 {
		return nil, layoutErrorf(r.opt.File, 1, "long layout needs station, time, pollutant and value columns (unit and flag optional); header is %q", shortenHeader(header))
	}
	return p, nil
}

// emit moves the oldest n open station-hours to the queue.
func (p *long) emit(r *Reader, n int) {
	for ; n > 0 && p.head < len(p.obs); n-- {
		delete(p.pending, p.keys[p.head])
		if hasValue(&p.obs[p.head].Values) {
			r.queue = append(r.queue, p.obs[p.head])
		}
		p.head++
	}
	if p.head == len(p.obs) {
		p.obs, p.keys, p.head = p.obs[:0], p.keys[:0], 0
	} else if p.head > longWindow {
		m := copy(p.obs, p.obs[p.head:])
		copy(p.keys, p.keys[p.head:])
		p.obs, p.keys = p.obs[:m], p.keys[:m]
		for i, k := range p.keys {
			p.pending[k] = i
		}
		p.head = 0
	}
}

func (p *long) step(r *Reader) error {
	f, err := r.record()
	if err != nil {
		if err == io.EOF {
			p.emit(r, len(p.obs))
		}
		return err
	}
	if f == nil {
		return nil
	}
	line := r.csv.recLine
	if len(f) != p.nf {
		r.rowErr(line, "", shorten(joinFields(f)), strconv.Itoa(p.nf)+" fields as in the header, got "+strconv.Itoa(len(f)), "row")
		return nil
	}
	code := trimBlank(f[p.station])
	if len(code) == 0 {
		r.rowErr(line, "station", "", "a station code", "row")
		return nil
	}
	sec, terr := parseHourEnd(f[p.time])
	if terr != "" {
		r.rowErr(line, "time", shorten(f[p.time]), string(terr), "row")
		return nil
	}
	pol, ok := pollutantCell(f[p.pollutant])
	if !ok {
		r.rowErr(line, "pollutant", shorten(f[p.pollutant]), "one of so2, no2, co, o3, pm10, pm25", "row")
		return nil
	}
	u := unitDefault
	if p.unit >= 0 {
		if u, ok = parseUnit(f[p.unit]); !ok {
			r.rowErr(line, "unit", shorten(f[p.unit]), wantUnit, "row")
			return nil
		}
	}
	v, ok := parseConc(f[p.value])
	if !ok {
		r.rowErr(line, p.valueName, shorten(f[p.value]), "a decimal number with at most 3 decimals", "row")
		return nil
	}
	v, want := convertUnit(pol, u, v)
	if want == "" {
		want = checkConc(pol, v, r.limits)
	}
	if want != "" {
		r.rowErr(line, p.valueName, shorten(f[p.value]), want, "row")
		return nil
	}
	var fl lantian.Flag
	if p.flag >= 0 {
		if fl, ok = parseFlag(f[p.flag]); !ok {
			r.rowErr(line, "flag", shorten(f[p.flag]), wantFlag, "row")
			return nil
		}
	}
	st := r.stations.lookup(code)
	hour := sec / 3600
	if !r.opt.AllowDuplicates {
		if prev, same := r.dup.check(st, uint8(pol)+1, hour, fingerprint([]int32{int32(v), int32(fl)}), line); prev != 0 {
			if same {
				r.sum.Repeats++
				return nil
			}
			r.rowErr(line, p.valueName, shorten(f[p.value]), "one "+pol.String()+" value per station-hour: line "+strconv.Itoa(prev)+" has a different value for station "+string(code)+" at this hour", "row")
			return nil
		}
	}
	if v == standard.Missing {
		return nil
	}
	k := longKey{st, hour}
	i, ok := p.pending[k]
	if !ok {
		if len(p.obs)-p.head >= longWindow {
			p.emit(r, longWindow/2)
		}
		i = len(p.obs)
		p.obs = append(p.obs, lantian.Observation{Station: r.stations.codes[st], Time: hourTime(sec), Values: missingValues()})
		p.keys = append(p.keys, k)
		p.pending[k] = i
	}
	p.obs[i].Values[pol] = v
	p.obs[i].Flags[pol] = fl
	return nil
}
