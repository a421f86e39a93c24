package ingest

import (
	"strconv"
	"strings"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/standard"
)

// pollutantColumn recognises a pollutant column header (pm25, PM2.5, so2 …).
func pollutantColumn(h string) (standard.Pollutant, bool) {
	switch normHeader(h) {
	case "so2":
		return standard.SO2, true
	case "no2":
		return standard.NO2, true
	case "co":
		return standard.CO, true
	case "o3":
		return standard.O3, true
	case "pm10":
		return standard.PM10, true
	case "pm25":
		return standard.PM25, true
	}
	return 0, false
}

// flagColumn recognises a per-pollutant flag column (pm25_flag …).
func flagColumn(h string) (standard.Pollutant, bool) {
	n := normHeader(h)
	for _, suf := range []string{"flag", "mark"} {
		if base, ok := strings.CutSuffix(n, suf); ok {
			return pollutantColumn(base)
		}
	}
	return 0, false
}

// parseFlag parses an HJ 212 data flag; empty is N.
func parseFlag(b []byte) (lantian.Flag, bool) {
	for len(b) > 0 && b[0] == ' ' {
		b = b[1:]
	}
	for len(b) > 0 && b[len(b)-1] == ' ' {
		b = b[:len(b)-1]
	}
	if len(b) == 0 {
		return 0, true
	}
	if len(b) != 1 {
		return 0, false
	}
	c := b[0]
	if c >= 'a' && c <= 'z' {
		c -= 'a' - 'A'
	}
	switch f := lantian.Flag(c); f {
	case lantian.FlagNormal:
		return 0, true
	case lantian.FlagStopped, lantian.FlagMaintenance, lantian.FlagManual, lantian.FlagFault,
		lantian.FlagCalibration, lantian.FlagOverRange, lantian.FlagCommFailure:
		return f, true
	}
	return 0, false
}

const wantFlag = "an HJ 212 data flag N, F, M, S, D, C, T or B (empty means N)"

type wide struct {
	nf       int
	station  int
	time     int
	col      [standard.NumPollutants]int // field index or -1
	flag     [standard.NumPollutants]int
	colName  [standard.NumPollutants]string
	flagName [standard.NumPollutants]string
	hours    hourParser
	spec     []fieldSpec // per column, for the fast path
	canon    []valueSpec // value columns, when the header is station,time,<values…>
}

func newWide(r *Reader, header []string) (parser, error) {
	p := &wide{nf: len(header), station: -1, time: -1}
	for i := range p.col {
		p.col[i], p.flag[i] = -1, -1
	}
	any := false
	for i, h := range header {
		dupCol := func() error {
			return layoutErrorf(r.opt.File, 1, "column %q appears twice in the header", h)
		}
		switch {
		case isAlias(h, stationAliases):
			if p.station >= 0 {
				return nil, dupCol()
			}
			p.station = i
		case isAlias(h, timeAliases):
			if p.time >= 0 {
				return nil, dupCol()
			}
			p.time = i
		default:
			if pol, ok := pollutantColumn(h); ok {
				if p.col[pol] >= 0 {
					return nil, dupCol()
				}
				p.col[pol], p.colName[pol] = i, h
				any = true
			} else if pol, ok := flagColumn(h); ok {
				if p.flag[pol] >= 0 {
					return nil, dupCol()
				}
				p.flag[pol], p.flagName[pol] = i, h
			} else {
				r.ignored = append(r.ignored, h)
			}
		}
	}
	if p.station < 0 || p.time < 0 || !any {
		return nil, layoutErrorf(r.opt.File, 1, "wide layout needs a station column, a time column and at least one of so2, no2, co, o3, pm10, pm25; header is %q", shortenHeader(header))
	}
	for pol, fc := range p.flag {
		if fc >= 0 && p.col[pol] < 0 {
			return nil, layoutErrorf(r.opt.File, 1, "flag column %q has no value column %s", header[fc], standard.Pollutant(pol).Code())
		}
	}
	p.spec = p.fieldSpecs(r.limits)
	return p, nil
}

func (p *wide) step(r *Reader) error {
	if wideFastPath && p.fastRun(r) {
		return nil
	}
	f, err := r.record()
	if err != nil || f == nil {
		return err
	}
	p.parse(r, f, r.csv.recLine)
	return nil
}

// parse handles one record split into fields, reporting every problem.
func (p *wide) parse(r *Reader, f [][]byte, line int) {
	if len(f) != p.nf {
		r.rowErr(line, "", shorten(joinFields(f)), strconv.Itoa(p.nf)+" fields as in the header, got "+strconv.Itoa(len(f)), "row")
		return
	}
	code := trimBlank(f[p.station])
	if len(code) == 0 {
		r.rowErr(line, "station", "", "a station code", "row")
		return
	}
	sec, terr := p.hours.parse(f[p.time])
	if terr != "" {
		r.rowErr(line, "time", shorten(f[p.time]), string(terr), "row")
		return
	}
	vals := missingValues()
	var flags [standard.NumPollutants]lantian.Flag
	for pol, c := range p.col {
		if c < 0 {
			continue
		}
		v, ok := parseConc(f[c])
		if !ok {
			r.rowErr(line, p.colName[pol], shorten(f[c]), wantConc(standard.Pollutant(pol)), "value")
			continue
		}
		if want := checkConc(standard.Pollutant(pol), v, r.limits); want != "" {
			r.rowErr(line, p.colName[pol], shorten(f[c]), want, "value")
			continue
		}
		if fc := p.flag[pol]; fc >= 0 {
			fl, ok := parseFlag(f[fc])
			if !ok {
				r.rowErr(line, p.flagName[pol], shorten(f[fc]), wantFlag, "value")
				continue
			}
			flags[pol] = fl
		}
		vals[pol] = v
	}
	p.emit(r, r.stations.lookup(code), sec, &vals, &flags, line)
}

// emit queues a parsed row: after the duplicate check, or, on the reader of
// a parallel worker, with what the consumer needs to do that check.
func (p *wide) emit(r *Reader, st uint32, sec int64, vals *[standard.NumPollutants]standard.Conc, flags *[standard.NumPollutants]lantian.Flag, line int) {
	if r.worker {
		r.hours = append(r.hours, Hour{Time: sec, Station: st, Values: *vals, Flags: *flags})
		r.lines = append(r.lines, line)
		if !r.opt.AllowDuplicates {
			r.fps = append(r.fps, rowFingerprint(vals, flags))
		}
		return
	}
	// Rows without values take part in the duplicate check: a file that
	// says an hour is empty and later gives values for it contradicts
	// itself.
	if !r.opt.AllowDuplicates && r.wideDuplicate(st, sec, rowFingerprint(vals, flags), line) {
		return
	}
	if !hasValue(vals) {
		return
	}
	r.hours = append(r.hours, Hour{Time: sec, Station: st, Values: *vals, Flags: *flags})
}

// wideDuplicate checks a wide row against the station-hours already read;
// it reports whether the row is to be dropped (an exact repeat, counted,
// or a conflict, reported).
func (r *Reader) wideDuplicate(st uint32, sec int64, fp uint32, line int) bool {
	prev, same := r.dup.check(st, 0, sec/3600, fp, line)
	if prev == 0 {
		return false
	}
	if same {
		r.sum.Repeats++
		return true
	}
	r.rowErr(line, "time", hourTime(sec).Format(time.RFC3339), "one row per station-hour: line "+strconv.Itoa(prev)+" has different values for station "+r.stations.codes[st]+" at this hour", "row")
	return true
}

func trimBlank(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}
