package calc

import (
	"io"
	"sort"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/ingest"
	"github.com/lantian-aq/lantian/standard"
)

// Collector gathers observations into one hourly series per station. It
// accepts observations in any order; values flagged as not usable
// (lantian.Flag.Usable is false: stopped, maintenance, fault, calibration,
// over range, communication failure, manual) are left out of the series, as
// HJ 630/HJ 818 audit rules keep them out of statistics. When several
// observations give the same station-hour and pollutant, the last one read
// wins; a Missing value never overwrites a value.
type Collector struct {
	byCode map[string]*stationBuf
	last   *stationBuf
	// Dropped counts values left out because of their flag.
	Dropped int
}

type stationBuf struct {
	code     string
	firstDay int32 // Beijing day number of the first day held
	vals     [standard.NumPollutants][]standard.Conc
	days     int32 // days held (len of each vals slice / 24)
	any      bool
	// base is the hour index (beijingHour) of vals[p][0]; n is the
	// length of each vals slice.
	base int64
	n    int64
}

// NewCollector returns an empty collector.
func NewCollector() *Collector { return &Collector{byCode: map[string]*stationBuf{}} }

// beijingHour returns the hour-start index of the hour ending at t, counted
// in Beijing local hours since 1970-01-01 00:00: the hour ending 01:00 of
// day d has index 24d.
func beijingHour(unix int64) int64 {
	return floorDiv(unix+8*3600, 3600) - 1
}

func floorDiv(a, b int64) int64 {
	q := a / b
	if (a%b != 0) && ((a < 0) != (b < 0)) {
		q--
	}
	return q
}

// Add stores one observation.
func (c *Collector) Add(o *lantian.Observation) {
	b := c.last
	if b == nil || b.code != o.Station {
		b = c.station(o.Station)
		c.last = b
	}
	c.put(b, o.Time.Unix(), &o.Values, &o.Flags)
}

// Collect stores everything rd reads, by the batch, and passes each row
// error to rowErr in file order. It returns nil at the end of the input and
// the error that stopped the reading otherwise (a *ingest.LayoutError).
func (c *Collector) Collect(rd *ingest.Reader, rowErr func(*ingest.RowError)) error {
	var bufs []*stationBuf // by the reader's station index
	for {
		batch, err := rd.NextBatch()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		for _, e := range batch.Errors {
			rowErr(e)
		}
		if codes := rd.Stations(); len(bufs) < len(codes) {
			for _, code := range codes[len(bufs):] {
				bufs = append(bufs, c.station(code))
			}
		}
		for i := range batch.Hours {
			h := &batch.Hours[i]
			c.put(bufs[h.Station], h.Time, &h.Values, &h.Flags)
		}
	}
}

// station returns the buffer of a station, making it on first use.
func (c *Collector) station(code string) *stationBuf {
	b := c.byCode[code]
	if b == nil {
		b = &stationBuf{code: code}
		c.byCode[code] = b
	}
	return b
}

// put's unrolled loop is written for six pollutants; this fails to compile
// otherwise.
var _ = [1]int{}[standard.NumPollutants-6]

// put stores the values of the hour ending at unix.
func (c *Collector) put(b *stationBuf, unix int64, vals *[standard.NumPollutants]standard.Conc, flags *[standard.NumPollutants]lantian.Flag) {
	g := beijingHour(unix)
	i := g - b.base
	if uint64(i) >= uint64(b.n) { // also when nothing is held yet (n = 0)
		b.ensure(int32(floorDiv(g, 24)))
		i = g - b.base
	}
	if *flags == ([standard.NumPollutants]lantian.Flag{}) {
		// Unrolled: this runs for every row of a file.
		v := &b.vals
		if x := vals[0]; x != standard.Missing {
			v[0][i] = x
		}
		if x := vals[1]; x != standard.Missing {
			v[1][i] = x
		}
		if x := vals[2]; x != standard.Missing {
			v[2][i] = x
		}
		if x := vals[3]; x != standard.Missing {
			v[3][i] = x
		}
		if x := vals[4]; x != standard.Missing {
			v[4][i] = x
		}
		if x := vals[5]; x != standard.Missing {
			v[5][i] = x
		}
		return
	}
	for p, x := range vals {
		if x == standard.Missing {
			continue
		}
		if !flags[p].Usable() {
			c.Dropped++
			continue
		}
		b.vals[p][i] = x
	}
}

// ensure makes day part of the buffer, growing it at either end.
func (b *stationBuf) ensure(day int32) {
	switch {
	case !b.any:
		b.any = true
		b.firstDay = day
		b.grow(0, 1)
	case day < b.firstDay:
		b.grow(b.firstDay-day, 0)
		b.firstDay = day
	case day >= b.firstDay+b.days:
		b.grow(0, day-b.firstDay-b.days+1)
	}
	b.base, b.n = int64(b.firstDay)*24, int64(b.days)*24
}

// grow adds front days before and back days after the held days. The
// spare capacity of a buffer holds Missing already, so that growing into
// it (a day at a time, as a file is read) writes nothing.
func (b *stationBuf) grow(front, back int32) {
	n := int(b.days+front+back) * 24
	f := int(front) * 24
	for p := range b.vals {
		old := b.vals[p]
		if front == 0 && cap(old) >= n {
			b.vals[p] = old[:n]
			continue
		}
		c := n
		if front == 0 {
			// A year at first, then doubling: most inputs are whole
			// years, which then need no copying at all.
			c = max(n, 2*cap(old), 24*366)
		}
		nv := make([]standard.Conc, c)
		fillMissing(nv[:f])
		copy(nv[f:], old)
		fillMissing(nv[f+len(old):])
		b.vals[p] = nv[:n]
	}
	b.days += front + back
}

// fillMissing sets every element of v to standard.Missing, by doubling
// copies.
func fillMissing(v []standard.Conc) {
	if len(v) == 0 {
		return
	}
	v[0] = standard.Missing
	for k := 1; k < len(v); k *= 2 {
		copy(v[k:], v[:k])
	}
}

// Len returns the number of stations collected.
func (c *Collector) Len() int { return len(c.byCode) }

// Series returns one series per station, sorted by station code, all over
// the same whole days (the union of every station's days), as
// standard.AreaSeries requires. It returns nil when nothing was collected.
// The series take over the collector's buffers: the collector is empty
// afterwards.
func (c *Collector) Series() []*standard.Series {
	if len(c.byCode) == 0 {
		return nil
	}
	first, end := int32(1<<30), int32(-1<<30)
	codes := make([]string, 0, len(c.byCode))
	for code, b := range c.byCode {
		codes = append(codes, code)
		first = min(first, b.firstDay)
		end = max(end, b.firstDay+b.days)
	}
	sort.Strings(codes)
	out := make([]*standard.Series, len(codes))
	ndays := int(end - first)
	for i, code := range codes {
		b := c.byCode[code]
		// A series over zero days, then given the station's buffer: the
		// common case (every station over the same days) needs no copy.
		s := standard.NewSeries(code, standard.DayFromNumber(first), 0)
		s.Days = ndays
		if b.firstDay != first || b.days != end-first {
			b.rebase(first, end)
		}
		for p := range s.V {
			s.V[p] = b.vals[p][: 24*ndays : 24*ndays]
		}
		b.vals = [standard.NumPollutants][]standard.Conc{} // the series owns them now
		b.any, b.n = false, 0
		out[i] = s
	}
	c.byCode = map[string]*stationBuf{}
	c.last = nil
	return out
}

// rebase moves the buffer onto the days first … end−1.
func (b *stationBuf) rebase(first, end int32) {
	n := int(end-first) * 24
	off := int(b.firstDay-first) * 24
	buf := make([]standard.Conc, standard.NumPollutants*n)
	fillMissing(buf)
	for p := range b.vals {
		nv := buf[p*n : (p+1)*n : (p+1)*n]
		copy(nv[off:], b.vals[p])
		b.vals[p] = nv
	}
	b.firstDay, b.days = first, end-first
	b.base, b.n = int64(first)*24, int64(n)
}
