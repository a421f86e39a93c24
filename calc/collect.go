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

// put stores the values of the hour ending at unix.
func (c *Collector) put(b *stationBuf, unix int64, vals *[standard.NumPollutants]standard.Conc, flags *[standard.NumPollutants]lantian.Flag) {
	g := beijingHour(unix)
	day := int32(floorDiv(g, 24))
	if !b.any || day < b.firstDay || day >= b.firstDay+b.days {
		b.ensure(day)
	}
	i := int(g - int64(b.firstDay)*24)
	if *flags == ([standard.NumPollutants]lantian.Flag{}) {
		for p, v := range vals {
			if v != standard.Missing {
				b.vals[p][i] = v
			}
		}
		return
	}
	for p, v := range vals {
		if v == standard.Missing {
			continue
		}
		if !flags[p].Usable() {
			c.Dropped++
			continue
		}
		b.vals[p][i] = v
	}
}

// ensure makes day part of the buffer, growing it at either end.
func (b *stationBuf) ensure(day int32) {
	if !b.any {
		b.any = true
		b.firstDay = day
		b.grow(0, 1)
		return
	}
	if day < b.firstDay {
		b.grow(b.firstDay-day, 0)
		b.firstDay = day
		return
	}
	if day >= b.firstDay+b.days {
		b.grow(0, day-b.firstDay-b.days+1)
	}
}

// grow adds front days before and back days after the held days.
func (b *stationBuf) grow(front, back int32) {
	n := int(b.days+front+back) * 24
	for p := range b.vals {
		old := b.vals[p]
		var nv []standard.Conc
		if front == 0 && cap(old) >= n {
			nv = old[:n]
		} else {
			c := n
			if front == 0 {
				// A year at first, then doubling: most inputs are whole
				// years, which then need no copying at all.
				c = max(n, 2*cap(old), 24*366)
			}
			nv = make([]standard.Conc, n, c)
			copy(nv[int(front)*24:], old)
			for i := 0; i < int(front)*24; i++ {
				nv[i] = standard.Missing
			}
		}
		for i := int(front)*24 + len(old); i < n; i++ {
			nv[i] = standard.Missing
		}
		b.vals[p] = nv
	}
	b.days += front + back
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
		b.any = false
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
	for i := range buf {
		buf[i] = standard.Missing
	}
	for p := range b.vals {
		nv := buf[p*n : (p+1)*n : (p+1)*n]
		copy(nv[off:], b.vals[p])
		b.vals[p] = nv
	}
	b.firstDay, b.days = first, end-first
}
