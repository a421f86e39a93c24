package ingest

import (
	"io"
	"strconv"
	"strings"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/standard"
)

// china_sites row types: the six 1-hour observations and the published
// derived figures.
var csTypes = []struct {
	name      string
	pollutant standard.Pollutant
	observed  bool
}{
	{"AQI", 0, false},
	{"PM2.5", standard.PM25, true},
	{"PM2.5_24h", standard.PM25, false},
	{"PM10", standard.PM10, true},
	{"PM10_24h", standard.PM10, false},
	{"SO2", standard.SO2, true},
	{"SO2_24h", standard.SO2, false},
	{"NO2", standard.NO2, true},
	{"NO2_24h", standard.NO2, false},
	{"O3", standard.O3, true},
	{"O3_24h", standard.O3, false},
	{"O3_8h", standard.O3, false},
	{"O3_8h_24h", standard.O3, false},
	{"CO", standard.CO, true},
	{"CO_24h", standard.CO, false},
}

var csTypeNames = func() string {
	n := make([]string, len(csTypes))
	for i, t := range csTypes {
		n[i] = t.name
	}
	return strings.Join(n, ", ")
}()

func csType(b []byte) int {
	for i, t := range csTypes {
		if string(b) == t.name {
			return i
		}
	}
	return -1
}

type chinaSites struct {
	codes []string
	nf    int // fields per record

	// the hour block being assembled
	open bool
	hour int64 // Unix hours of the block's hour end
	vals [][standard.NumPollutants]standard.Conc
	fps  []int32 // parsed cells of the current row
}

func newChinaSites(r *Reader, header []string) (parser, error) {
	p := &chinaSites{nf: len(header)}
	if len(header) < 3 || normHeader(header[0]) != "date" || normHeader(header[1]) != "hour" || normHeader(header[2]) != "type" {
		return nil, layoutErrorf(r.opt.File, 1, "china_sites layout needs a header date,hour,type,<station codes…>; header is %q", shortenHeader(header))
	}
	seen := map[string]bool{}
	for i, h := range header[3:] {
		h = strings.TrimSpace(h)
		if h == "" {
			return nil, layoutErrorf(r.opt.File, 1, "column %d of the header is empty: want a station code", i+4)
		}
		if seen[h] {
			return nil, layoutErrorf(r.opt.File, 1, "station %s appears twice in the header", h)
		}
		seen[h] = true
		p.codes = append(p.codes, h)
	}
	if len(p.codes) == 0 {
		return nil, layoutErrorf(r.opt.File, 1, "no station columns after date,hour,type")
	}
	p.vals = make([][standard.NumPollutants]standard.Conc, len(p.codes))
	p.fps = make([]int32, len(p.codes))
	return p, nil
}

// flush turns the open hour block into observations.
func (p *chinaSites) flush(r *Reader) {
	if !p.open {
		return
	}
	t := hourTime(p.hour * 3600)
	for s := range p.vals {
		if hasValue(&p.vals[s]) {
			r.queue = append(r.queue, lantian.Observation{Station: p.codes[s], Time: t, Values: p.vals[s]})
		}
	}
	p.open = false
}

func (p *chinaSites) step(r *Reader) error {
	f, err := r.record()
	if err != nil {
		if err == io.EOF {
			p.flush(r)
		}
		return err
	}
	if f == nil {
		return nil
	}
	line := r.csv.recLine
	if len(f) != p.nf {
		want := strconv.Itoa(p.nf) + " fields (date, hour, type and one per station), got " + strconv.Itoa(len(f))
		if len(f) < p.nf {
			want += ": the row is truncated"
		}
		r.rowErr(line, "", shorten(joinFields(f)), want, "row")
		return nil
	}
	date, okd := parseDate8(f[0])
	if !okd {
		r.rowErr(line, "date", shorten(f[0]), "a date as YYYYMMDD", "row")
		return nil
	}
	h, okh := parseUint(f[1])
	if !okh || h > 23 {
		r.rowErr(line, "hour", shorten(f[1]), "an hour 0…23 (0 is the hour ending 00:00, the last hour of the previous day)", "row")
		return nil
	}
	ti := csType(f[2])
	if ti < 0 {
		r.rowErr(line, "type", shorten(f[2]), "one of "+csTypeNames, "row")
		return nil
	}
	hour := date*24 + int64(h) - beijingOffset/3600
	typ := csTypes[ti]
	if !typ.observed && r.opt.OnPublished == nil {
		// Published figures are not needed: skip without parsing, but a
		// new hour still closes the previous block.
		if p.open && hour != p.hour {
			p.flush(r)
		}
		return nil
	}
	// Parse the cells first so that a repeated row can be recognised.
	cells := f[3:]
	for s, c := range cells {
		v, ok := parseConc(c)
		if !ok {
			v = standard.Missing
		}
		p.fps[s] = int32(v)
	}
	if !r.opt.AllowDuplicates {
		if prev, same := r.dup.check(0, uint8(ti), hour, fingerprint(p.fps), line); prev != 0 {
			if same {
				r.sum.Repeats++
				return nil
			}
			r.rowErr(line, "type", typ.name, "one "+typ.name+" row per hour: line "+strconv.Itoa(prev)+" has different values for "+string(f[0])+" hour "+string(f[1]), "row")
			return nil
		}
	}
	if p.open && hour != p.hour {
		p.flush(r)
	}
	if !p.open {
		p.open, p.hour = true, hour
		for s := range p.vals {
			p.vals[s] = missingValues()
		}
	}
	for s, c := range cells {
		v := standard.Conc(p.fps[s])
		if v == standard.Missing && len(c) != 0 {
			if _, ok := parseConc(c); !ok {
				want := wantConc(typ.pollutant)
				if ti == 0 {
					want = "an index value"
				}
				r.rowErr(line, typ.name+" ("+p.codes[s]+")", shorten(c), want, "value")
				continue
			}
		}
		if v == standard.Missing {
			continue
		}
		if !typ.observed {
			if v < 0 {
				r.rowErr(line, typ.name+" ("+p.codes[s]+")", shorten(c), "a non-negative published value", "value")
				continue
			}
			r.opt.OnPublished(PublishedValue{Station: p.codes[s], Time: hourTime(hour * 3600), Type: typ.name, Value: v})
			continue
		}
		if want := checkConc(typ.pollutant, v, r.limits); want != "" {
			r.rowErr(line, typ.name+" ("+p.codes[s]+")", shorten(c), want, "value")
			continue
		}
		p.vals[s][typ.pollutant] = v
	}
	return nil
}

// parseDate8 parses YYYYMMDD and returns its day number counted from
// 1970-01-01 (the caller converts Beijing wall-clock hours to Unix hours).
func parseDate8(b []byte) (int64, bool) {
	if len(b) != 8 {
		return 0, false
	}
	n, ok := parseUint(b)
	if !ok {
		return 0, false
	}
	y, m, d := n/10000, n/100%100, n%100
	if m < 1 || m > 12 || d < 1 || d > daysIn(y, m) {
		return 0, false
	}
	return daysFromCivil(y, m, d), true
}

func joinFields(f [][]byte) string {
	var b strings.Builder
	for i, x := range f {
		if i > 0 {
			b.WriteByte(',')
		}
		b.Write(x)
	}
	return b.String()
}
