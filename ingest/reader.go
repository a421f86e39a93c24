package ingest

import (
	"bytes"
	"errors"
	"io"
	"os"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/standard"
)

// Options control a Reader.
type Options struct {
	// File names the input in error messages (usually the base name).
	File string
	// Format forces a layout; empty detects it from the header.
	Format Format
	// Limits are the plausibility limits; the zero value means
	// DefaultLimits.
	Limits Limits
	// OnPublished, when set, receives every published derived value of a
	// china_sites file (AQI, X_24h, O3_8h, O3_8h_24h rows) as it is read.
	// These are CNEMC's own computations, useful to check the engine
	// against; they are never observations. When OnPublished is nil those
	// rows are skipped without parsing their cells.
	OnPublished func(PublishedValue)
	// AllowDuplicates turns off the duplicate check, and with it the
	// memory it needs (8 bytes per station-hour read). Repeated
	// station-hours are then passed on as they come.
	AllowDuplicates bool
	// Workers, when above 1, parses a wide file with that many goroutines
	// (the other layouts are read sequentially); a large regular file
	// given as an *os.File is then mapped into memory (see NewReader).
	// Results are the same as with one worker. Call Reader.Close when
	// abandoning such a reader before io.EOF.
	Workers int
}

// PublishedValue is one derived figure published in a china_sites file.
type PublishedValue struct {
	Station string
	Time    time.Time // hour end, Beijing time
	Type    string    // AQI, PM2.5_24h, PM10_24h, SO2_24h, NO2_24h, CO_24h, O3_24h, O3_8h, O3_8h_24h
	// Value is the published decimal exactly; for AQI it is the index
	// (an integer, 180 is Conc 180000).
	Value standard.Conc
}

// Summary counts what a Reader has seen so far.
type Summary struct {
	Records      int // data records read (header excluded)
	Observations int // observations returned
	RowErrors    int // row errors returned
	Repeats      int // records skipped because they repeat an earlier one exactly
}

// Reader reads hourly observations from one file in the china_sites, wide
// or long layout.
type Reader struct {
	opt     Options
	format  Format
	csv     *csvReader
	p       parser
	queue   []lantian.Observation // china_sites and long
	hours   []Hour                // wide
	conv    []Hour                // queue converted by NextBatch
	qi      int
	errs    []*RowError
	ei      int
	done    bool
	fatal   error
	sum     Summary
	ignored []string
	dup     dupIndex
	limits  *Limits

	stations stationTable
	par      *parallelState
	// worker is set on the per-chunk readers of a parallel wide reader:
	// rows are not checked for duplicates but queued with their lines and
	// fingerprints (also rows without values, which take part in the
	// check), for the consumer to check in file order.
	worker bool
	lines  []int
	fps    []uint32
	// unmap releases the mapped input (nil when the input is read as a
	// stream).
	unmap func() error
	// runRows bounds the records one step of the wide fast path reads (0:
	// no bound). Next reads one record per step, so that Summary().Records
	// is the line of the observation it returns, as importers rely on.
	runRows int
}

// parser reads one record per step, appending observations to r.queue (the
// wide parser: r.hours) and row errors to r.errs; it returns io.EOF when
// the input is exhausted.
type parser interface {
	step(r *Reader) error
}

// NewReader reads the header of r and prepares to read observations. It
// returns a *LayoutError when the header is unreadable, names no known
// layout, or does not match opt.Format.
//
// With Options.Workers above 1, a large regular file (an *os.File at its
// start) in the wide layout is mapped into memory rather than read, and
// its chunks are parsed where they lie; Close (or reading to io.EOF)
// releases the mapping. A file truncated while it is mapped stops the
// reading with a *LayoutError.
func NewReader(r io.Reader, opt Options) (*Reader, error) {
	if f, ok := r.(*os.File); ok && opt.Workers > 1 {
		if data, unmap, ok := mapFile(f); ok {
			rd, err := newReader(&csvReader{buf: data, end: len(data), eof: true}, opt)
			if err == nil && rd.par != nil {
				rd.unmap = unmap
				return rd, nil
			}
			// Not the parallel wide reader (or no layout at all): read
			// the file as a stream, from its start again.
			if rd != nil {
				rd.Close()
			}
			if uerr := unmap(); uerr != nil {
				return nil, &LayoutError{File: opt.File, Msg: "read error", Err: uerr}
			}
			if _, serr := f.Seek(0, io.SeekStart); serr != nil {
				return nil, &LayoutError{File: opt.File, Msg: "read error", Err: serr}
			}
		}
	}
	return newReader(newCSVReader(r), opt)
}

// minMapped is the size from which NewReader maps a file (a variable so
// that tests can map small files).
var minMapped int64 = 4 << 20

func newReader(c *csvReader, opt Options) (*Reader, error) {
	rd := &Reader{opt: opt, csv: c}
	rd.limits = &rd.opt.Limits
	if rd.opt.Limits == (Limits{}) {
		rd.limits = &DefaultLimits
	}
	fields, err := c.read()
	if err != nil {
		if err == io.EOF {
			return nil, &LayoutError{File: opt.File, Msg: "empty file: want a header row"}
		}
		var se *csvSyntax
		if errors.As(err, &se) {
			return nil, &LayoutError{File: opt.File, Line: se.line, Msg: "unreadable header: " + se.msg}
		}
		return nil, &LayoutError{File: opt.File, Msg: "read error", Err: err}
	}
	header := make([]string, len(fields))
	for i, f := range fields {
		header[i] = string(f)
	}
	f, derr := Detect(header)
	if opt.Format != "" {
		if derr == nil && f != opt.Format {
			return nil, layoutErrorf(opt.File, 1, "header is in the %s layout, not %s as requested: %q", f, opt.Format, shortenHeader(header))
		}
		f = opt.Format
	} else if derr != nil {
		return nil, &LayoutError{File: opt.File, Line: 1, Msg: derr.Error()}
	}
	rd.format = f
	switch f {
	case ChinaSites:
		rd.p, err = newChinaSites(rd, header)
	case Wide:
		rd.p, err = newWide(rd, header)
		if err == nil && opt.Workers > 1 {
			rd.startParallel(rd.p.(*wide), opt.Workers)
		}
	case Long:
		rd.p, err = newLong(rd, header)
	default:
		err = layoutErrorf(opt.File, 1, "%s is a station or area list, not hourly observations", f)
	}
	if err != nil {
		return nil, err
	}
	return rd, nil
}

// Format returns the layout being read.
func (r *Reader) Format() Format { return r.format }

// IgnoredColumns lists header columns the reader does not use.
func (r *Reader) IgnoredColumns() []string { return r.ignored }

// Summary returns the counts so far.
func (r *Reader) Summary() Summary { return r.sum }

// Next returns the next observation. It returns a *RowError for a bad row
// or cell (call Next again to continue), a *LayoutError for a fatal
// problem, and io.EOF at the end.
//
// Values the file does not give are standard.Missing. Observations without
// any value are not returned. In the long layout a station-hour whose rows
// lie far apart in the file (more than 4096 other station-hours between
// them) arrives as several Observations with part of the values each:
// consumers merge by station-hour and never overwrite a value with Missing.
func (r *Reader) Next() (lantian.Observation, error) {
	for {
		if r.ei < len(r.errs) {
			e := r.errs[r.ei]
			r.errs[r.ei] = nil
			r.ei++
			r.sum.RowErrors++
			return lantian.Observation{}, e
		}
		if r.format == Wide {
			if r.qi < len(r.hours) {
				h := &r.hours[r.qi]
				r.qi++
				r.sum.Observations++
				return h.Observation(r.stations.codes), nil
			}
		} else if r.qi < len(r.queue) {
			o := r.queue[r.qi]
			r.qi++
			r.sum.Observations++
			return o, nil
		}
		if err := r.refill(1); err != nil {
			return lantian.Observation{}, err
		}
	}
}

// refill reads on until at least n observations or some row errors are
// queued, or the input ends; it returns io.EOF or the fatal error once
// everything read before it has been handed out.
func (r *Reader) refill(n int) error {
	if r.done {
		if r.fatal != nil {
			return r.fatal
		}
		return io.EOF
	}
	r.queue, r.hours, r.qi = r.queue[:0], r.hours[:0], 0
	r.errs, r.ei = r.errs[:0], 0
	r.runRows = n
	for len(r.queue)+len(r.hours) < n && len(r.errs) == 0 {
		var err error
		if r.par != nil {
			err = r.nextChunk()
		} else {
			err = r.p.step(r)
		}
		if err != nil {
			r.done = true
			r.release() // every chunk is consumed, or reading stops here
			if err != io.EOF {
				var le *LayoutError
				if !errors.As(err, &le) {
					le = &LayoutError{File: r.opt.File, Line: r.csv.line, Msg: "read error", Err: err}
				}
				r.fatal = le
			}
			return nil
		}
		if r.par != nil {
			break // a chunk is a batch
		}
	}
	return nil
}

// rowErr queues a row error.
func (r *Reader) rowErr(line int, field, value, want, skipped string) {
	r.errs = append(r.errs, &RowError{File: r.opt.File, Line: line, Field: field, Value: value, Want: want, Skipped: skipped})
}

// record reads the next CSV record. A malformed record is queued as a row
// error and returned as nil fields with a nil error.
func (r *Reader) record() ([][]byte, error) {
	f, err := r.csv.read()
	if err == nil {
		r.sum.Records++
		return f, nil
	}
	var se *csvSyntax
	if errors.As(err, &se) {
		r.sum.Records++
		r.rowErr(se.line, "", se.text, "well-formed CSV ("+se.msg+")", "row")
		return nil, nil
	}
	return nil, err
}

// stationTable interns station codes to small integers without allocating
// for codes already seen.
type stationTable struct {
	idx      map[string]uint32
	codes    []string
	lastCode []byte
	lastIdx  uint32
	// lastPlain says that lastCode holds no comma, quote or line break, so
	// that a field of an unquoted record equal to it is that code; when
	// lastCode is plain and at most eight bytes long, lastWord holds it
	// (little-endian) and lastMask covers its bytes.
	lastPlain          bool
	lastWord, lastMask uint64
}

func (t *stationTable) lookup(b []byte) uint32 {
	if len(t.codes) > 0 && string(b) == string(t.lastCode) {
		return t.lastIdx
	}
	i, ok := t.idx[string(b)]
	if !ok {
		i = t.add(string(b))
	}
	t.setLast(b, i)
	return i
}

func (t *stationTable) lookupString(s string) uint32 {
	if len(t.codes) > 0 && s == string(t.lastCode) {
		return t.lastIdx
	}
	i, ok := t.idx[s]
	if !ok {
		i = t.add(s)
	}
	t.setLast([]byte(s), i)
	return i
}

func (t *stationTable) add(s string) uint32 {
	if t.idx == nil {
		t.idx = make(map[string]uint32)
	}
	i := uint32(len(t.codes))
	t.codes = append(t.codes, s)
	t.idx[s] = i
	return i
}

func (t *stationTable) setLast(code []byte, i uint32) {
	t.lastCode = append(t.lastCode[:0], code...)
	t.lastIdx = i
	t.lastPlain = !bytes.ContainsAny(code, ",\"\r\n")
	t.lastWord, t.lastMask = 0, 0
	if t.lastPlain && len(code) <= 8 {
		for k := len(code) - 1; k >= 0; k-- {
			t.lastWord = t.lastWord<<8 | uint64(code[k])
			t.lastMask = t.lastMask<<8 | 0xFF
		}
	}
}

// reset empties the table, keeping its memory.
func (t *stationTable) reset() {
	clear(t.idx)
	t.codes = t.codes[:0]
	t.lastCode = t.lastCode[:0]
	t.lastPlain, t.lastWord, t.lastMask = false, 0, 0
}

func missingValues() [standard.NumPollutants]standard.Conc {
	var v [standard.NumPollutants]standard.Conc
	for i := range v {
		v[i] = standard.Missing
	}
	return v
}

func hasValue(v *[standard.NumPollutants]standard.Conc) bool {
	for _, c := range v {
		if c != standard.Missing {
			return true
		}
	}
	return false
}
