package ingest

import (
	"bytes"
	"io"
	"slices"
	"sync"

	"github.com/lantian-aq/lantian"
)

// The parallel wide reader: a splitter cuts the input into chunks at record
// boundaries, workers parse the chunks concurrently, and Next consumes the
// chunks in file order, doing the duplicate check (which needs the whole
// file's history) itself. Results are identical to the sequential reader.

// parallelChunk is the target chunk size (a variable so that tests can cut
// small chunks).
var parallelChunk = 1 << 20

type chunkJob struct {
	data      []byte
	firstLine int
	res       *chunkResult
}

type chunkResult struct {
	obs     []lantian.Observation
	lines   []int
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
}

var chunkPool = sync.Pool{New: func() any { return new(chunkResult) }}

// startParallel launches the splitter and workers for a wide parser.
func (r *Reader) startParallel(p *wide, workers int) {
	ps := &parallelState{order: make(chan *chunkResult, 2*workers), stop: make(chan struct{})}
	r.par = ps
	jobs := make(chan chunkJob, workers)
	// Unread bytes after the header start the first chunk.
	c := r.csv
	leftover := append([]byte(nil), c.buf[c.start:c.end]...)
	src := c.src
	if c.eof {
		src = nil
	}
	firstLine := c.line + 1
	go func() {
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
		buf := leftover
		eof := src == nil
		for {
			for !eof && len(buf) < parallelChunk {
				if cap(buf)-len(buf) < parallelChunk/4 {
					nb := make([]byte, len(buf), 2*cap(buf)+parallelChunk)
					copy(nb, buf)
					buf = nb
				}
				n, err := src.Read(buf[len(buf):cap(buf)])
				buf = buf[:len(buf)+n]
				if err != nil {
					eof = true
					if err != io.EOF {
						res := &chunkResult{fatal: err, done: make(chan struct{})}
						close(res.done)
						select {
						case ps.order <- res:
						case <-ps.stop:
						}
						return
					}
				}
			}
			if len(buf) == 0 {
				return
			}
			cut := len(buf)
			if !eof {
				cut = recordCut(buf)
				if cut < 0 { // one record longer than the buffer: read more
					if cap(buf) < 2*len(buf) {
						nb := make([]byte, len(buf), 2*len(buf))
						copy(nb, buf)
						buf = nb
					}
					n, err := src.Read(buf[len(buf):cap(buf)])
					buf = buf[:len(buf)+n]
					if err != nil {
						eof = true
					}
					continue
				}
			}
			chunk := buf[:cut]
			res := chunkPool.Get().(*chunkResult)
			res.done = make(chan struct{})
			if !send(chunkJob{data: chunk, firstLine: firstLine, res: res}) {
				return
			}
			firstLine += bytes.Count(chunk, []byte{'\n'})
			rest := buf[cut:]
			nb := make([]byte, len(rest), max(parallelChunk+parallelChunk/2, len(rest)+parallelChunk/2))
			copy(nb, rest)
			buf = nb
		}
	}()
	for w := 0; w < workers; w++ {
		go func() {
			for j := range jobs {
				parseChunk(r, p, j)
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

// parseChunk parses one chunk with a worker-local reader.
func parseChunk(r *Reader, p *wide, j chunkJob) {
	res := j.res
	w := &Reader{opt: r.opt, limits: r.limits, csv: newCSVBytes(j.data, j.firstLine),
		queue: res.obs[:0], lines: res.lines[:0], errs: res.errs[:0], trackLines: true}
	w.opt.AllowDuplicates = true
	for {
		if err := p.step(w); err != nil {
			if err != io.EOF {
				res.fatal = err
			}
			break
		}
	}
	res.obs, res.lines, res.errs, res.records = w.queue, w.lines, w.errs, w.sum.Records
	close(res.done)
}

// nextChunk loads the next parsed chunk into r.queue and r.errs; it returns
// io.EOF after the last one.
func (r *Reader) nextChunk() error {
	ps := r.par
	if ps.cur != nil {
		clear(ps.cur.errs)
		ps.cur.errs = ps.cur.errs[:0]
		chunkPool.Put(ps.cur)
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
	if r.opt.AllowDuplicates {
		r.queue = res.obs
		return nil
	}
	nerr := len(r.errs)
	q := res.obs[:0]
	for i := range res.obs {
		o := &res.obs[i]
		st := r.stations.lookupString(o.Station)
		if r.wideDuplicate(st, o.Time.Unix(), &o.Values, &o.Flags, res.lines[i]) {
			continue
		}
		q = append(q, *o)
	}
	r.queue = q
	if len(r.errs) > nerr {
		slices.SortStableFunc(r.errs, func(a, b *RowError) int { return a.Line - b.Line })
	}
	return nil
}

// Close stops a reader that is abandoned before io.EOF, releasing the
// goroutines of a parallel reader. It is safe to call more than once and
// after io.EOF.
func (r *Reader) Close() error {
	if r.par != nil {
		r.par.once.Do(func() { close(r.par.stop) })
		for range r.par.order { // let the splitter finish
		}
	}
	return nil
}

func (t *stationTable) lookupString(s string) uint32 {
	if t.codes != nil && s == string(t.lastCode) {
		return t.lastIdx
	}
	i, ok := t.idx[s]
	if !ok {
		if t.idx == nil {
			t.idx = make(map[string]uint32)
		}
		i = uint32(len(t.codes))
		t.codes = append(t.codes, s)
		t.idx[s] = i
	}
	t.lastCode = append(t.lastCode[:0], s...)
	t.lastIdx = i
	return i
}
