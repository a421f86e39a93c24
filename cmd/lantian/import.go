package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/ingest"
	"github.com/lantian-aq/lantian/sqlstore"
)

func init() {
	register(command{name: "import", summary: "import hourly data (china_sites, wide, long CSV) and station/area lists into the store", run: runImport})
}

// importOptions are the flags of `lantian import`.
type importOptions struct {
	format         ingest.Format
	strict         bool
	createStations bool
	progress       io.Writer // nil: no progress bar
	messages       io.Writer // where rejected rows are reported as they are found
	maxMessages    int       // messages printed per file before the rest are only counted
}

// fileResult is what happened to one file.
type fileResult struct {
	file   string
	format string
	run    *lantian.ImportRun
	sum    lantian.ImportSummary
	failed error // the file was not imported at all
}

const importUsage = `[--format FMT] [--strict] [--create-stations] [--defer-stats] [--data DIR] [--db URL] FILE…

Imports each FILE in its own transaction: a file is imported completely or
not at all, and importing it again changes nothing. A value that differs
from the stored one becomes a new revision (the old one is kept).

Formats (detected from the header unless --format is given): china_sites
(CNEMC daily files and the concatenated Nanyang file), wide
(station,time,pm25,…), long (station,time,pollutant,value[,unit][,flag]),
cnemc_stations (监测点编码,监测点名称,城市,经度,纬度,对照点), stations
(code,name,kind,area,…) and areas (code,name,level,parent).

Bad rows are reported with file, line, field and what was expected, and
left out; the rest of the file is imported. Rows of stations the store does
not know are rejected (import the station list first) unless
--create-stations is given, which creates each unknown station as a
national station without an area, to be completed by a station list.
With --strict, a file with any rejected row is not imported at all.

Exit status: 0 when everything was imported, 1 when any row or file was
rejected, 2 for usage errors.`

func runImport(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("import", stderr, importUsage)
	var sf storeFlags
	sf.register(fs)
	format := fs.String("format", "", "input layout: china_sites, wide, long, cnemc_stations, stations, areas (default: detect)")
	strict := fs.Bool("strict", false, "reject a whole file when any of its rows is rejected")
	create := fs.Bool("create-stations", false, "create unknown stations instead of rejecting their rows")
	quiet := fs.Bool("q", false, "no progress bar")
	defer_ := fs.Bool("defer-stats", false, "leave the statistics of the changed days marked, to be recomputed by the next import or the server (bulk loads)")
	files, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		fmt.Fprintln(stderr, "lantian import: no files given")
		fs.Usage()
		return errUsage
	}
	opt := importOptions{strict: *strict, createStations: *create, messages: stderr, maxMessages: 50}
	if *format != "" {
		f, err := ingest.ParseFormat(*format)
		if err != nil {
			fmt.Fprintf(stderr, "lantian import: %v\n", err)
			return errUsage
		}
		opt.format = f
	}
	if !*quiet && isTerminal(stderr) {
		opt.progress = stderr
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	st, err := sqlstore.Open(ctx, sf.db, sf.data)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()

	var results []fileResult
	for _, f := range files {
		r := importFile(ctx, st, f, opt)
		results = append(results, r)
		if ctx.Err() != nil {
			break
		}
	}
	// Statistics of the changed days are recomputed once, after all files.
	// Until then (or with --defer-stats) the days stay marked, and reads
	// compute them from the hours.
	if !*defer_ {
		if _, err := st.RefreshStats(ctx); err != nil {
			fmt.Fprintf(stderr, "lantian import: recomputing statistics: %v (they are recomputed on the next import or read)\n", err)
		}
	}
	printSummary(stdout, results)
	for _, r := range results {
		if r.failed != nil || r.sum.Rejected > 0 {
			return &exitError{code: 1}
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return nil
}

// isTerminal reports whether w is a terminal (a character device).
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// importFile imports one file in one transaction and reports what happened.
func importFile(ctx context.Context, st lantian.Store, path string, opt importOptions) fileResult {
	res := fileResult{file: path}
	f, err := os.Open(path)
	if err != nil {
		res.failed = err
		fmt.Fprintf(opt.messages, "%s: not imported: %v\n", path, err)
		return res
	}
	defer f.Close()
	var size int64
	if fi, err := f.Stat(); err == nil {
		size = fi.Size()
	}
	cr := &countingReader{r: f}
	br := bufio.NewReaderSize(cr, 1<<16)
	format := opt.format
	if format == "" {
		format, err = detect(br)
		if err != nil {
			res.failed = err
			fmt.Fprintf(opt.messages, "%s line 1: not imported: %v\n", path, err)
			return res
		}
	}
	res.format = string(format)
	im, err := st.BeginImport(ctx, path, string(format))
	if err != nil {
		res.failed = err
		fmt.Fprintf(opt.messages, "%s: not imported: %v\n", path, err)
		return res
	}
	rep := &reporter{file: filepath.Base(path), w: opt.messages, max: opt.maxMessages}
	var bar *progressBar
	if opt.progress != nil {
		bar = &progressBar{w: opt.progress, name: filepath.Base(path), size: size, read: cr}
	}
	var sum lantian.ImportSummary
	if format.IsObservations() {
		err = importHours(ctx, st, im, br, format, opt, rep, bar, &sum)
	} else {
		err = importStations(ctx, im, br, format, rep, &sum)
	}
	bar.done()
	if err == nil && opt.strict && (sum.Rejected > 0 || rep.storeRejected > 0) {
		err = fmt.Errorf("%d rows rejected and --strict given: the whole file is rejected", sum.Rejected+rep.storeRejected)
	}
	if err != nil {
		im.Rollback()
		res.failed = err
		res.sum = sum
		res.sum.Rejected = max(sum.Rejected+rep.storeRejected, 1)
		res.sum.Inserted, res.sum.Revised, res.sum.Unchanged = 0, 0, 0
		fmt.Fprintf(opt.messages, "%s: not imported: %v\n", path, err)
		return res
	}
	rep.flush()
	sum.Messages = rep.kept
	run, err := im.Commit(ctx, sum)
	if err != nil {
		res.failed = err
		res.sum = sum
		fmt.Fprintf(opt.messages, "%s: not imported: %v\n", path, err)
		return res
	}
	res.run = run
	res.sum = run.ImportSummary
	return res
}

// detect reads the header line without consuming it.
func detect(br *bufio.Reader) (ingest.Format, error) {
	line, err := br.Peek(br.Size())
	if err != nil && !errors.Is(err, io.EOF) && !errors.Is(err, bufio.ErrBufferFull) {
		return "", err
	}
	if i := strings.IndexAny(string(line), "\r\n"); i >= 0 {
		line = line[:i]
	}
	if len(line) == 0 {
		return "", errors.New("empty file: want a header row")
	}
	var header []string
	for _, h := range strings.Split(string(line), ",") {
		header = append(header, strings.Trim(strings.TrimSpace(h), `"`))
	}
	return ingest.Detect(header)
}

// importBatch is the number of station-hours written per call.
const importBatch = 4096

func importHours(ctx context.Context, st lantian.Store, im lantian.Import, r io.Reader, format ingest.Format,
	opt importOptions, rep *reporter, bar *progressBar, sum *lantian.ImportSummary) error {
	rd, err := ingest.NewReader(r, ingest.Options{File: rep.file, Format: format})
	if err != nil {
		return err
	}
	known := map[string]bool{}
	stations, err := st.Stations(ctx, lantian.StationFilter{Synthetic: true})
	if err != nil {
		return err
	}
	for _, s := range stations {
		known[s.Code] = true
	}
	source := "import:" + rep.file
	batch := make([]lantian.HourRecord, 0, importBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if opt.createStations {
			var add []*lantian.Station
			for _, r := range batch {
				if !known[r.Station] {
					known[r.Station] = true
					add = append(add, &lantian.Station{Code: r.Station, Name: r.Station, Kind: lantian.KindNational})
				}
			}
			if len(add) > 0 {
				res, err := im.PutStations(ctx, add)
				if err != nil {
					return err
				}
				for _, e := range res.Rejected {
					rep.store(add[e.Index].Code, 0, e)
				}
				for _, s := range add {
					rep.note(fmt.Sprintf("%s: created station %s (national, no area: complete it with a station list)", rep.file, s.Code))
				}
			}
		}
		res, err := im.WriteHours(ctx, batch)
		if err != nil {
			return err
		}
		for _, e := range res.Rejected {
			rep.store(batch[e.Index].Station, batch[e.Index].Line, e)
		}
		batch = batch[:0]
		return nil
	}
	for {
		o, err := rd.Next()
		if err == io.EOF {
			break
		}
		var re *ingest.RowError
		if errors.As(err, &re) {
			rep.row(re)
			continue
		}
		if err != nil {
			return err // a *LayoutError: the file as a whole is unusable
		}
		rec := lantian.HourRecord{Observation: o, Source: source, Audit: lantian.AuditRaw}
		if format != ingest.ChinaSites {
			// One record per observation in these layouts: the record
			// just read is the observation's line (header = line 1).
			rec.Line = rd.Summary().Records + 1
		}
		batch = append(batch, rec)
		if len(batch) == cap(batch) {
			if err := flush(); err != nil {
				return err
			}
			bar.update()
			if err := ctx.Err(); err != nil {
				return err
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	s := rd.Summary()
	sum.Read = s.Records
	sum.Rejected = rep.rowRejected
	return nil
}

func importStations(ctx context.Context, im lantian.Import, r io.Reader, format ingest.Format, rep *reporter, sum *lantian.ImportSummary) error {
	list, rowErrs, err := ingest.ReadStations(r, ingest.Options{File: rep.file, Format: format})
	if err != nil {
		return err
	}
	for _, e := range rowErrs {
		rep.row(e)
	}
	// Parents before children, whatever the file's order.
	areas := make([]*lantian.Area, len(list.Areas))
	for i := range list.Areas {
		areas[i] = &list.Areas[i]
	}
	depth := map[lantian.AreaLevel]int{lantian.LevelProvince: 0, lantian.LevelCity: 1, lantian.LevelCounty: 2, lantian.LevelTownship: 3}
	sort.SliceStable(areas, func(i, j int) bool { return depth[areas[i].Level] < depth[areas[j].Level] })
	res, err := im.PutAreas(ctx, areas)
	if err != nil {
		return err
	}
	for _, e := range res.Rejected {
		rep.store(areas[e.Index].Code, 0, e)
	}
	stations := make([]*lantian.Station, len(list.Stations))
	for i := range list.Stations {
		stations[i] = &list.Stations[i]
	}
	res, err = im.PutStations(ctx, stations)
	if err != nil {
		return err
	}
	for _, e := range res.Rejected {
		rep.store(stations[e.Index].Code, 0, e)
	}
	sum.Read = len(list.Areas) + len(list.Stations) + len(rowErrs)
	sum.Rejected = rep.rowRejected
	return nil
}

// reporter prints rejected rows as they are found (up to max per file, the
// rest counted) and keeps them for the import run's record. Rows of an
// unknown station are reported once per station with their count.
type reporter struct {
	file          string
	w             io.Writer
	max           int
	printed       int
	kept          []string
	rowRejected   int // rows or cells refused by the parser
	storeRejected int // station-hours refused by the store
	unknown       map[string]*unknownStation
	unknownOrder  []string
}

type unknownStation struct {
	line, count int
	msg         string
}

func (r *reporter) say(msg string) {
	if len(r.kept) < 1000 {
		r.kept = append(r.kept, msg)
	}
	if r.printed < r.max {
		fmt.Fprintln(r.w, msg)
	} else if r.printed == r.max {
		fmt.Fprintf(r.w, "%s: further rejected rows are counted, not shown\n", r.file)
	}
	r.printed++
}

// note reports something that is not a rejection.
func (r *reporter) note(msg string) {
	fmt.Fprintln(r.w, msg)
	if len(r.kept) < 1000 {
		r.kept = append(r.kept, msg)
	}
}

func (r *reporter) row(e *ingest.RowError) {
	r.rowRejected++
	r.say(e.Error())
}

func (r *reporter) store(station string, line int, e lantian.RecordError) {
	r.storeRejected++
	if e.Code == lantian.ENOTFOUND {
		if r.unknown == nil {
			r.unknown = map[string]*unknownStation{}
		}
		u := r.unknown[station]
		if u == nil {
			u = &unknownStation{line: line, msg: e.Message}
			r.unknown[station] = u
			r.unknownOrder = append(r.unknownOrder, station)
		}
		u.count++
		return
	}
	where := r.file
	if line > 0 {
		where += fmt.Sprintf(" line %d", line)
	}
	r.say(fmt.Sprintf("%s field station: %s", where, e.Message))
}

// flush reports the unknown stations.
func (r *reporter) flush() {
	for _, code := range r.unknownOrder {
		u := r.unknown[code]
		where := r.file + " line 1 field " + code // china_sites: the header column naming the station
		if u.line > 0 {
			where = fmt.Sprintf("%s line %d field station", r.file, u.line)
		}
		r.say(fmt.Sprintf("%s: %s (%d station-hours rejected)", where, u.msg, u.count))
	}
	r.unknown, r.unknownOrder = nil, nil
}

func printSummary(w io.Writer, results []fileResult) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "file\tformat\tread\tinserted\trevised\tunchanged\trejected\tstatus\t")
	var total lantian.ImportSummary
	for _, r := range results {
		status := "imported"
		if r.failed != nil {
			status = "NOT IMPORTED"
		} else if r.sum.Rejected > 0 {
			status = "imported, rows rejected"
		}
		s := r.sum
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\t\n", filepath.Base(r.file), r.format, s.Read, s.Inserted, s.Revised, s.Unchanged, s.Rejected, status)
		total.Read += s.Read
		total.Inserted += s.Inserted
		total.Revised += s.Revised
		total.Unchanged += s.Unchanged
		total.Rejected += s.Rejected
	}
	if len(results) > 1 {
		fmt.Fprintf(tw, "total (%d files)\t\t%d\t%d\t%d\t%d\t%d\t\t\n", len(results), total.Read, total.Inserted, total.Revised, total.Unchanged, total.Rejected)
	}
	tw.Flush()
	fmt.Fprintln(w, "read: data rows; inserted, revised, unchanged: station-hours (stations and areas for lists); rejected: rows and station-hours refused")
}

// countingReader counts the bytes read, for the progress bar.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// progressBar draws a one-line bar on a terminal, at most ten times a
// second.
type progressBar struct {
	w     io.Writer
	name  string
	size  int64
	read  *countingReader
	start time.Time
	last  time.Time
}

func (b *progressBar) update() {
	if b == nil {
		return
	}
	now := time.Now()
	if b.start.IsZero() {
		b.start = now
	}
	if now.Sub(b.last) < 100*time.Millisecond {
		return
	}
	b.last = now
	frac := 0.0
	if b.size > 0 {
		frac = min(float64(b.read.n)/float64(b.size), 1)
	}
	const width = 30
	n := int(frac * width)
	fmt.Fprintf(b.w, "\r%-32.32s [%s%s] %3.0f%% %s", b.name, strings.Repeat("=", n), strings.Repeat(" ", width-n), frac*100,
		now.Sub(b.start).Round(100*time.Millisecond))
}

func (b *progressBar) done() {
	if b == nil || b.last.IsZero() {
		return
	}
	fmt.Fprintf(b.w, "\r%s\r", strings.Repeat(" ", 80))
}
