package ingest

import (
	"bytes"
	"fmt"
	"io"
	"runtime/debug"
	"slices"
	"sync"
)

// The parallel wide reader: a splitter cuts the input into chunks at record
// boundaries, workers parse the chunks concurrently (each row's fingerprint
// included), and Next or NextBatch consumes the chunks in file order,
// doing the duplicate check (which needs the whole file's history) itself:
// one index probe per row. Results are identical to the sequential reader.

// parallelChunk is the target chunk size (a variable so that tests can cut
// small chunks).
var parallelChunk = 1 << 20

type chunkJob struct {
	data      []byte
	firstLine int
	res       *chunkResult
	mapped    bool // data lies in the mapped file, not in a buffer of the free list
}

// chunkResult is a parsed chunk. Its hours name stations by their index in
// codes; lines and fps (fingerprints, only with the duplicate check) go
// with hours, which include the rows without values (the consumer drops
// them after the duplicate check, as the sequential reader does).
type chunkResult struct {
	hours   []Hour
	lines   []int
	fps     []uint32
	codes   []string
	errs    []*RowError
	records int
	fatal   error
	done    chan struct{}
}

type parallelState struct {
	order chan *chunkResult
	stop  chan struct{}
	once  sync.Once
	cur   *chunkResult

	freeBufs chan []byte       // chunk buffers for reuse
	freeRes  chan *chunkResult // parsed results for reuse
	remap    []uint32          // chunk station index → reader station index
	workers  sync.WaitGroup    // the goroutines that touch the input
}

// startParallel launches the splitter and workers for a wide parser.
// Chunk buffers and result slices circulate through free lists, so a large
// file is read with a bounded, reused set of buffers.
func (r *Reader) startParallel(p *wide, workers int) {
	ps := &parallelState{
		order:    make(chan *chunkResult, 2*workers),
		stop:     make(chan struct{}),
		freeBufs: make(chan []byte, 3*workers+2),
		freeRes:  make(chan *chunkResult, 3*workers+2),
	}
	r.par = ps
	jobs := make(chan chunkJob, workers)
	// Unread bytes after the header start the first chunk.
	c := r.csv
	src := c.src
	if c.eof {
		src = nil
	}
	firstLine := c.line + 1
	mapped := c.src == nil && c.eof // the whole input lies in c.buf
	getBuf := func(n int) []byte {
		select {
		case b := <-ps.freeBufs:
			if cap(b) >= n {
				return b[:0]
			}
		default:
		}
		return make([]byte, 0, max(n, parallelChunk+parallelChunk/2))
	}
	var leftover []byte
	if !mapped {
		leftover = append(getBuf(c.end-c.start), c.buf[c.start:c.end]...)
	}
	ps.workers.Add(1)
	go func() {
		defer ps.workers.Done()
		defer close(ps.order)
		defer close(jobs)
		send := func(j chunkJob) bool {
			select {
			case jobs <- j:
			case <-ps.stop:
				return false
			}
			select {
			case ps.order <- j.res:
				return true
			case <-ps.stop:
				return false
			}
		}
		fail := func(err error) {
			res := &chunkResult{fatal: err, done: make(chan struct{})}
			close(res.done)
			select {
			case ps.order <- res:
			case <-ps.stop:
			}
		}
		newResult := func(lines int) *chunkResult {
			var res *chunkResult
			select {
			case res = <-ps.freeRes:
			default:
				res = new(chunkResult)
			}
			res.done = make(chan struct{})
			// A chunk holds at most lines+1 records: size the result
			// once rather than let it grow (and leave garbage) by append.
			if n := lines + 1; cap(res.hours) < n {
				n += n / 8
				res.hours, res.lines, res.fps = make([]Hour, 0, n), make([]int, 0, n), make([]uint32, 0, n)
			}
			return res
		}
		if mapped {
			debug.SetPanicOnFault(true)
			defer recoverFault(r.opt.File, fail)
			data := c.buf[c.start:c.end]
			for len(data) > 0 {
				cut := len(data)
				for w := parallelChunk; w < len(data); w *= 2 {
					if cut = recordCut(data[:w]); cut >= 0 {
						break
					}
					cut = len(data) // a record longer than the window: widen it
				}
				lines := bytes.Count(data[:cut], []byte{'\n'})
				if !send(chunkJob{data: data[:cut:cut], firstLine: firstLine, res: newResult(lines), mapped: true}) {
					return
				}
				firstLine += lines
				data = data[cut:]
			}
			return
		}
		buf := leftover
		eof := src == nil
		for {
			// Fill the buffer to a chunk, or to the end of the input.
			for !eof && len(buf) < parallelChunk {
				if cap(buf) == len(buf) {
					buf = append(buf, 0)[:len(buf)]
				}
				n, err := src.Read(buf[len(buf):cap(buf)])
				buf = buf[:len(buf)+n]
				if err != nil {
					eof = true
					if err != io.EOF {
						fail(err)
						return
					}
				}
			}
			if len(buf) == 0 {
				return
			}
			cut := len(buf)
			if !eof {
				if cut = recordCut(buf); cut < 0 {
					// One record longer than the buffer: read more.
					buf = append(buf, 0)[:len(buf)]
					n, err := src.Read(buf[len(buf):cap(buf)])
					buf = buf[:len(buf)+n]
					if err != nil {
						eof = true
						if err != io.EOF {
							fail(err)
							return
						}
					}
					continue
				}
			}
			next := append(getBuf(len(buf)-cut), buf[cut:]...)
			// Count lines before sending: once sent, the buffer belongs to
			// a worker and comes back to the free list after parsing.
			lines := bytes.Count(buf[:cut], []byte{'\n'})
			if !send(chunkJob{data: buf[:cut], firstLine: firstLine, res: newResult(lines)}) {
				return
			}
			firstLine += lines
			buf = next
		}
	}()
	for w := 0; w < workers; w++ {
		wp := *p // each worker keeps its own parsing state (date cache)
		wr := &Reader{opt: r.opt, limits: r.limits, format: Wide, worker: true, csv: &csvReader{}}
		ps.workers.Add(1)
		go func() {
			defer ps.workers.Done()
			if mapped {
				// A fault on the mapped file (it was truncated) becomes
				// an error of the chunk, not a crash.
				debug.SetPanicOnFault(true)
			}
			for j := range jobs {
				wr.parseChunk(&wp, j)
				if !j.mapped {
					select {
					case ps.freeBufs <- j.data[:0]:
					default:
					}
				}
			}
		}()
	}
}

// recordCut returns the length of the longest prefix of b that ends with a
// newline outside quotes, or -1 when there is none.
func recordCut(b []byte) int {
	if bytes.IndexByte(b, '"') < 0 {
		i := bytes.LastIndexByte(b, '\n')
		if i < 0 {
			return -1
		}
		return i + 1
	}
	cut, inQuote := -1, false
	for i, c := range b {
		switch c {
		case '"':
			inQuote = !inQuote
		case '\n':
			if !inQuote {
				cut = i + 1
			}
		}
	}
	return cut
}

// parseChunk parses one chunk; w is the worker's own reader.
func (w *Reader) parseChunk(p *wide, j chunkJob) {
	res := j.res
	defer close(res.done)
	if j.mapped {
		defer recoverFault(w.opt.File, func(err error) { res.fatal = err })
	}
	*w.csv = csvReader{buf: j.data, end: len(j.data), eof: true, line: j.firstLine - 1,
		fields: w.csv.fields, offs: w.csv.offs, scratch: w.csv.scratch}
	w.hours, w.lines, w.fps, w.errs = res.hours[:0], res.lines[:0], res.fps[:0], res.errs[:0]
	w.sum = Summary{}
	w.stations.reset()
	for {
		if err := p.step(w); err != nil {
			if err != io.EOF {
				res.fatal = err
			}
			break
		}
	}
	res.hours, res.lines, res.fps, res.errs, res.records = w.hours, w.lines, w.fps, w.errs, w.sum.Records
	res.codes = append(res.codes[:0], w.stations.codes...)
}

// recoverFault turns a memory fault on the mapped input (the file shrank
// while it was read) into a *LayoutError passed to fail; other panics go
// on.
func recoverFault(file string, fail func(error)) {
	e := recover()
	if e == nil {
		return
	}
	if fe, ok := e.(interface{ Addr() uintptr }); ok && fe != nil {
		fail(&LayoutError{File: file, Msg: "read error: the file changed while it was read", Err: fmt.Errorf("%v", e)})
		return
	}
	panic(e)
}

// nextChunk loads the next parsed chunk into r.hours and r.errs, checking
// its rows for duplicates in file order; it returns io.EOF after the last
// one.
func (r *Reader) nextChunk() error {
	ps := r.par
	if ps.cur != nil {
		clear(ps.cur.errs)
		ps.cur.errs = ps.cur.errs[:0]
		select {
		case ps.freeRes <- ps.cur:
		default:
		}
		ps.cur = nil
	}
	res, ok := <-ps.order
	if !ok {
		return io.EOF
	}
	<-res.done
	if res.fatal != nil {
		return res.fatal
	}
	ps.cur = res
	r.sum.Records += res.records
	r.errs = append(r.errs[:0], res.errs...)
	remap := ps.remap[:0]
	for _, code := range res.codes {
		remap = append(remap, r.stations.lookupString(code))
	}
	ps.remap = remap
	nerr := len(r.errs)
	hs := res.hours
	check := !r.opt.AllowDuplicates
	d := &r.dup
	q := 0
	for i := range hs {
		h := &hs[i]
		st := remap[h.Station]
		if check {
			// The probe of dupIndex.check for a first occurrence in the
			// block of the row before, inline; anything else takes the
			// full path.
			hour := h.Time / 3600
			if b := d.last; b != nil && d.lastKey == (dupKey{st, 0, hour >> dupShift}) && b[hour&(dupBlock-1)].line == 0 {
				b[hour&(dupBlock-1)] = dupEntry{uint32(res.lines[i]), res.fps[i]}
			} else if r.wideDuplicate(st, h.Time, res.fps[i], res.lines[i]) {
				continue
			}
		}
		if !hasValue(&h.Values) {
			continue
		}
		h.Station = st
		if q != i { // move only after a dropped row
			hs[q] = *h
		}
		q++
	}
	r.hours = hs[:q]
	if len(r.errs) > nerr {
		slices.SortStableFunc(r.errs, func(a, b *RowError) int { return a.Line - b.Line })
	}
	return nil
}

// Close stops a reader that is abandoned before io.EOF, releasing the
// goroutines of a parallel reader. It is safe to call more than once and
// after io.EOF.
func (r *Reader) Close() error {
	return r.release()
}

// release stops the goroutines of a parallel reader and releases a mapped
// input once nothing reads it any more.
func (r *Reader) release() error {
	if r.par != nil {
		r.par.once.Do(func() { close(r.par.stop) })
		for range r.par.order { // let the splitter finish
		}
		r.par.workers.Wait()
	}
	if r.unmap != nil {
		unmap := r.unmap
		r.unmap = nil
		r.csv.buf = nil
		return unmap()
	}
	return nil
}
