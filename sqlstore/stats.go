package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/standard"
)

// Statistics are derived data. A station-day is the engine's DailyStats of
// the station's hours; an area-day is AreaDailyStats of the hours of the
// area's evaluation stations. Both are stored in stat_day as an exact
// record of the engine's result (dayRec), so that period statistics are
// the engine's Assess of stored days and equal what `lantian calc` computes
// from the same hours. Dust flags are not part of a day's statistics: they
// are applied when a period is assessed.

// statFormat versions the encoding of stat_day.data; rows of another
// version are recomputed.
const statFormat = 1

// valRec is a standard.Value, exactly.
type valRec struct {
	N   int64  `json:"n"`
	D   int64  `json:"d"`
	R   int32  `json:"r"`
	V   int    `json:"v"`
	E   int    `json:"e"`
	OK  bool   `json:"ok"`
	Why string `json:"why,omitempty"`
}

type subRec struct {
	It uint8 `json:"it"`
	C  int32 `json:"c"`
	V  int   `json:"v"`
	S  uint8 `json:"s"`
}

type aqiRec struct {
	E    uint8     `json:"e"`
	Std  string    `json:"std"`
	Rep  uint8     `json:"rep"`
	Av   bool      `json:"av"`
	AQI  int       `json:"aqi"`
	Part int       `json:"part"`
	Comp bool      `json:"comp"`
	Over bool      `json:"over"`
	Lv   uint8     `json:"lv"`
	Cat  string    `json:"cat"`
	CatE string    `json:"cat_en"`
	Col  string    `json:"col"`
	Pri  uint8     `json:"pri"`
	Exc  uint8     `json:"exc"`
	Mis  uint8     `json:"mis"`
	IAQI [6]subRec `json:"iaqi"`
	O3O  subRec    `json:"o3o"`
}

// dayRec is a standard.Daily as stored (the date, subject and dust flag
// live in columns and tables of their own).
type dayRec struct {
	F   int       `json:"f"` // statFormat
	Ed  uint8     `json:"ed"`
	V   [6]valRec `json:"v"`
	O1  valRec    `json:"o1"`
	AQI aqiRec    `json:"aqi"`
	// St lists the stations an area-day was formed from.
	St []string `json:"st,omitempty"`
}

func toValRec(v standard.Value) valRec {
	return valRec{N: v.Exact.Num, D: v.Exact.Den, R: int32(v.Rounded), V: v.Coverage.Valid, E: v.Coverage.Expected, OK: v.Coverage.OK, Why: v.Coverage.Reason}
}

func (r valRec) value() standard.Value {
	return standard.Value{Exact: standard.Ratio{Num: r.N, Den: r.D}, Rounded: standard.Conc(r.R),
		Coverage: standard.Coverage{Valid: r.V, Expected: r.E, OK: r.OK, Reason: r.Why}}
}

func toSubRec(s standard.SubIndex) subRec {
	return subRec{It: uint8(s.Item), C: int32(s.Conc), V: s.Value, S: uint8(s.Status)}
}

func (s subRec) sub() standard.SubIndex {
	return standard.SubIndex{Item: standard.Item(s.It), Conc: standard.Conc(s.C), Value: s.V, Status: standard.IAQIStatus(s.S)}
}

func encodeDay(d *standard.Daily, stations []string) ([]byte, error) {
	rec := dayRec{F: statFormat, Ed: uint8(d.Edition), O1: toValRec(d.O3Max1H), St: stations}
	for p := range d.Values {
		rec.V[p] = toValRec(d.Values[p])
	}
	a := &d.AQI
	rec.AQI = aqiRec{E: uint8(a.Edition), Std: a.Standard, Rep: uint8(a.Report), Av: a.Available, AQI: a.AQI,
		Part: a.PartialAQI, Comp: a.Complete, Over: a.OverRange, Lv: uint8(a.Level), Cat: a.Category,
		CatE: a.CategoryEN, Col: a.Colour, Pri: uint8(a.Primary), Exc: uint8(a.Exceeding), Mis: uint8(a.Missing),
		O3O: toSubRec(a.O3Other)}
	for p := range a.IAQI {
		rec.AQI.IAQI[p] = toSubRec(a.IAQI[p])
	}
	return json.Marshal(rec)
}

func decodeDay(data []byte, subject string, day time.Time) (*standard.Daily, []string, error) {
	var rec dayRec
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, nil, err
	}
	if rec.F != statFormat {
		return nil, nil, fmt.Errorf("statistics format %d, want %d", rec.F, statFormat)
	}
	d := &standard.Daily{Station: subject, Date: day, Day: standard.DayNumber(day), Edition: standard.Edition(rec.Ed), O3Max1H: rec.O1.value()}
	for p := range d.Values {
		d.Values[p] = rec.V[p].value()
	}
	a := rec.AQI
	d.AQI = standard.AQIResult{Edition: standard.Edition(a.E), Standard: a.Std, Report: standard.Report(a.Rep),
		Available: a.Av, AQI: a.AQI, PartialAQI: a.Part, Complete: a.Comp, OverRange: a.Over, Level: standard.Level(a.Lv),
		Category: a.Cat, CategoryEN: a.CatE, Colour: a.Col, Primary: standard.PollutantSet(a.Pri),
		Exceeding: standard.PollutantSet(a.Exc), Missing: standard.PollutantSet(a.Mis), O3Other: a.O3O.sub()}
	for p := range d.AQI.IAQI {
		d.AQI.IAQI[p] = a.IAQI[p].sub()
	}
	return d, rec.St, nil
}

// rules returns the engine rules the store computes with.
func (db *DB) rules() *standard.Rules {
	if db.Rules != nil {
		return db.Rules
	}
	r := standard.DefaultRules()
	return &r
}

// dayRange is a run of calendar days [first, first+n).
type dayRange struct {
	first time.Time
	n     int
}

func spanOf(days []time.Time) dayRange {
	lo, hi := days[0], days[0]
	for _, d := range days[1:] {
		if d.Before(lo) {
			lo = d
		}
		if d.After(hi) {
			hi = d
		}
	}
	return dayRange{lo, int(standard.DayNumber(hi)-standard.DayNumber(lo)) + 1}
}

// loadSeries reads the hours of a station over whole days into an engine
// series. Only values that may enter statistics are kept: flag N and an
// audit state other than invalidated. Invalidated hours are left out by
// the query, and the flags come back only when one of them is not N: a
// bulk recomputation reads hundreds of thousands of hours, and every
// column and string per row counts.
func (db *DB) loadSeries(ctx context.Context, ex execer, station string, r dayRange) (*standard.Series, error) {
	s := standard.NewSeries(station, r.first, r.n)
	from := s.First
	to := s.First.AddDate(0, 0, r.n)
	rows, err := ex.QueryContext(ctx, db.q(`SELECT t, so2, no2, co, o3, pm10, pm25,
		CASE WHEN flags = '`+defaultFlags+`' THEN NULL ELSE flags END FROM observation
		WHERE station = ? AND t > ? AND t <= ? AND audit <> '`+string(lantian.AuditInvalidated)+`'`),
		station, db.d.timeArg(from), db.d.timeArg(to))
	if err != nil {
		return nil, fmt.Errorf("read hours of %s: %w", station, err)
	}
	defer rows.Close()
	for rows.Next() {
		var t time.Time
		var v [standard.NumPollutants]standard.Conc
		var flags sql.NullString
		if err := rows.Scan(timeScan{&t}, concScan{&v[0]}, concScan{&v[1]}, concScan{&v[2]}, concScan{&v[3]},
			concScan{&v[4]}, concScan{&v[5]}, &flags); err != nil {
			return nil, fmt.Errorf("read hours of %s: %w", station, err)
		}
		i, ok := s.Index(t)
		if !ok {
			continue
		}
		for p := range v {
			if flags.Valid && (p >= len(flags.String) || !lantian.Flag(flags.String[p]).Usable()) {
				continue
			}
			s.V[p][i] = v[p]
		}
	}
	return s, wrap(rows.Err(), "read hours of %s", station)
}

// concScan scans a concentration column, NULL as standard.Missing,
// without database/sql's conversion through text that an *int64 or
// sql.NullInt64 destination costs.
type concScan struct{ c *standard.Conc }

func (s concScan) Scan(src any) error {
	switch v := src.(type) {
	case nil:
		*s.c = standard.Missing
	case int64:
		*s.c = standard.Conc(v)
	case int32:
		*s.c = standard.Conc(v)
	default:
		return fmt.Errorf("cannot scan %T as a concentration", src)
	}
	return nil
}

// seriesCache keeps the series loaded within one recomputation: an area's
// days need the same station series its stations' days were computed
// from. A nil cache loads every time.
type seriesCache map[seriesKey]*seriesFuture

type seriesKey struct {
	station string
	r       dayRange
}

// seriesFuture is a series being loaded, or loaded: done is closed when s
// and err are set.
type seriesFuture struct {
	done chan struct{}
	s    *standard.Series
	err  error
}

func (c seriesCache) key(station string, r dayRange) seriesKey {
	return seriesKey{station, dayRange{r.first.In(standard.Beijing), r.n}}
}

func (c seriesCache) load(ctx context.Context, db *DB, ex execer, station string, r dayRange) (*standard.Series, error) {
	k := c.key(station, r)
	if f, ok := c[k]; ok {
		select {
		case <-f.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if f.err == nil {
			return f.s, nil
		}
		// A prefetch that failed is retried in the transaction, whose
		// error is the one that counts.
	}
	s, err := db.loadSeries(ctx, ex, station, r)
	if err == nil && c != nil {
		f := &seriesFuture{done: make(chan struct{}), s: s}
		close(f.done)
		c[k] = f
	}
	return s, err
}

// prefetchWorkers is the number of series loaded at once ahead of the
// recomputation.
const prefetchWorkers = 2

// prefetch starts loading the series of the given stations and ranges on
// the read pool, prefetchWorkers at a time, while the caller computes the
// days of the series already loaded: reading the hours back is most of a
// recomputation's time, and the database (or, for SQLite, the reading
// connection) can do it on another core. The read pool sees what the
// recomputing transaction sees: on SQLite that transaction holds the only
// write lock, on PostgreSQL both read committed hours, and a writer
// changing hours meanwhile marks their days again, to be recomputed next
// round. The returned function waits for the loads still running.
func (c seriesCache) prefetch(ctx context.Context, db *DB, keys []seriesKey) (wait func()) {
	var todo []seriesKey
	for _, k := range keys {
		k = c.key(k.station, k.r)
		if _, ok := c[k]; ok {
			continue
		}
		c[k] = &seriesFuture{done: make(chan struct{})}
		todo = append(todo, k)
	}
	futures := make([]*seriesFuture, len(todo))
	for i, k := range todo {
		futures[i] = c[k]
	}
	next := make(chan int, len(todo))
	for i := range todo {
		next <- i
	}
	close(next)
	var wg sync.WaitGroup
	for range min(prefetchWorkers, len(todo)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f := futures[i]
				if err := ctx.Err(); err != nil {
					f.err = err
				} else {
					f.s, f.err = db.loadSeries(ctx, db.r, todo[i].station, todo[i].r)
				}
				close(f.done)
			}
		}()
	}
	return wg.Wait
}

// evaluationStations returns the evaluation stations assessing an area
// (directly: a county's stations make the county, the city's own stations
// the city).
func (db *DB) evaluationStations(ctx context.Context, ex execer, area string) ([]string, error) {
	rows, err := ex.QueryContext(ctx, db.q(`SELECT code FROM station WHERE area = ? AND evaluation = ? AND synthetic = ? ORDER BY code`), area, true, false)
	if err != nil {
		return nil, fmt.Errorf("stations of area %s: %w", area, err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var c string
		if err := rows.Scan(&c); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// computeDays computes the daily statistics of a station or area on the
// given days from the hours in ex. Days without any data are left out.
func (db *DB) computeDays(ctx context.Context, ex execer, kind lantian.SubjectKind, code string, days []time.Time, cache seriesCache) ([]standard.Daily, [][]string, error) {
	if len(days) == 0 {
		return nil, nil, nil
	}
	r := spanOf(days)
	want := map[int32]bool{}
	for _, d := range days {
		want[standard.DayNumber(d)] = true
	}
	var all []standard.Daily
	var stations []string
	if kind == lantian.SubjectStation {
		s, err := cache.load(ctx, db, ex, code, r)
		if err != nil {
			return nil, nil, err
		}
		all = standard.DailyStats(db.rules(), s)
		stations = []string{code}
	} else {
		codes, err := db.evaluationStations(ctx, ex, code)
		if err != nil {
			return nil, nil, err
		}
		if len(codes) == 0 {
			return nil, nil, nil
		}
		series := make([]*standard.Series, len(codes))
		for i, c := range codes {
			if series[i], err = cache.load(ctx, db, ex, c, r); err != nil {
				return nil, nil, err
			}
		}
		var info *standard.AreaInfo
		all, info, err = standard.AreaDailyStats(db.rules(), code, series)
		if err != nil {
			return nil, nil, fmt.Errorf("area %s: %w", code, err)
		}
		stations = info.Stations
	}
	var out []standard.Daily
	var st [][]string
	for i := range all {
		d := &all[i]
		if !want[d.Day] || !hasData(d) {
			continue
		}
		out = append(out, *d)
		st = append(st, stations)
	}
	return out, st, nil
}

// hasData reports whether any hour of the day had a value.
func hasData(d *standard.Daily) bool {
	for _, v := range d.Values {
		if v.Coverage.Valid > 0 {
			return true
		}
	}
	return d.O3Max1H.Coverage.Valid > 0
}

// refreshBatch is the number of dirty subjects recomputed per transaction.
const refreshBatch = 64

// RefreshStats implements lantian.StatisticService: it recomputes the
// marked days in transactions of a few subjects each, storing the result
// and clearing the mark together.
func (db *DB) RefreshStats(ctx context.Context) (int, error) {
	db.refresh.Lock()
	defer db.refresh.Unlock()
	total := 0
	for {
		n, more, err := db.refreshSome(ctx)
		total += n
		if err != nil || !more {
			return total, err
		}
	}
}

type subjectKey struct {
	kind lantian.SubjectKind
	code string
}

func (db *DB) refreshSome(ctx context.Context) (n int, more bool, err error) {
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		// On PostgreSQL the marks are locked: a writer whose change lies
		// under one of them while we compute marks its days anew instead
		// of relying on it (markRuns), and we delete only the rows read
		// here, so its change is recomputed next time.
		rows, err := tx.QueryContext(ctx, `SELECT id, kind, code, first_day, last_day FROM dirty_day
			ORDER BY kind DESC, code, first_day`+db.d.forUpdate())
		if err != nil {
			return fmt.Errorf("read marked days: %w", err)
		}
		marks := map[subjectKey][]dayRun{}
		var order []subjectKey
		var ids []int64
		for rows.Next() {
			var id int64
			var k subjectKey
			var first, last time.Time
			if err := rows.Scan(&id, &k.kind, &k.code, dayScan{&first}, dayScan{&last}); err != nil {
				rows.Close()
				return fmt.Errorf("read marked days: %w", err)
			}
			if _, ok := marks[k]; !ok {
				if len(order) == refreshBatch {
					more = true
					continue
				}
				order = append(order, k)
			}
			marks[k] = append(marks[k], dayRun{first: standard.DayNumber(first), last: standard.DayNumber(last)})
			ids = append(ids, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read marked days: %w", err)
		}
		now := db.d.timeArg(db.now())
		cache := seriesCache{}
		days := make(map[subjectKey][]time.Time, len(order))
		var keys []seriesKey
		for _, k := range order {
			days[k] = runDays(marks[k], math.MinInt32, math.MaxInt32)
			if k.kind == lantian.SubjectStation {
				keys = append(keys, seriesKey{k.code, spanOf(days[k])})
			}
		}
		defer cache.prefetch(ctx, db, keys)()
		var put []statRow
		for _, k := range order {
			days := days[k]
			computed, stations, err := db.computeDays(ctx, tx, k.kind, k.code, days, cache)
			if err != nil {
				return err
			}
			got := map[int32]bool{}
			for i := range computed {
				d := &computed[i]
				got[d.Day] = true
				data, err := encodeDay(d, areaStations(k.kind, stations[i]))
				if err != nil {
					return err
				}
				put = append(put, statRow{k, d.Date, d.Edition.String(), dayAQI(d), string(data)})
			}
			for _, day := range days {
				if !got[standard.DayNumber(day)] {
					// No data left beneath the day (e.g. a station moved to
					// another area): the statistic goes too.
					if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM stat_day WHERE kind = ? AND code = ? AND day = ?`),
						string(k.kind), k.code, db.d.dayArg(day)); err != nil {
						return fmt.Errorf("drop statistics of %s %s: %w", k.kind, k.code, err)
					}
				}
			}
			n += len(days)
		}
		if err := db.putStats(ctx, tx, put, now); err != nil {
			return err
		}
		return db.unmark(ctx, tx, ids)
	})
	return n, more, err
}

// dayRun is a row of dirty_day: the days first … last (standard.DayNumber)
// of one station or area, whose statistics must be recomputed.
type dayRun struct {
	kind        lantian.SubjectKind
	code        string
	first, last int32
}

// runDays returns the days the runs cover within [lo, hi], in order, each
// once: runs may overlap.
func runDays(runs []dayRun, lo, hi int32) []time.Time {
	var ns []int32
	for _, r := range runs {
		for d := max(r.first, lo); d <= min(r.last, hi); d++ {
			ns = append(ns, d)
			if d == math.MaxInt32 {
				break
			}
		}
	}
	slices.Sort(ns)
	ns = slices.Compact(ns)
	out := make([]time.Time, len(ns))
	for i, d := range ns {
		out[i] = standard.DayFromNumber(d)
	}
	return out
}

// runsOf turns the marked days of each subject (standard.DayNumber, in any
// order, repeats allowed) into runs of consecutive days, ordered by
// subject and first day.
func runsOf(days map[subjectKey][]int32) []dayRun {
	var runs []dayRun
	for k, ds := range days {
		slices.Sort(ds)
		for i := 0; i < len(ds); {
			j := i + 1
			for j < len(ds) && ds[j] <= ds[j-1]+1 {
				j++
			}
			runs = append(runs, dayRun{kind: k.kind, code: k.code, first: ds[i], last: ds[j-1]})
			i = j
		}
	}
	slices.SortFunc(runs, func(a, b dayRun) int {
		if c := strings.Compare(string(b.kind), string(a.kind)); c != 0 {
			return c
		}
		if c := strings.Compare(a.code, b.code); c != 0 {
			return c
		}
		return int(a.first) - int(b.first)
	})
	return runs
}

// markRuns marks runs of days for recomputation in ex's transaction. A run
// that one marked run already covers is left out, so that a stream of small
// writes to the same days (the HJ 212 gateway) does not pile up rows. On
// PostgreSQL a covering run only counts while no recomputation holds it
// (SKIP LOCKED): one that does may have read the hours before this
// transaction commits, and deletes the run when it is done; the covering
// run is then locked (KEY SHARE) until this transaction ends, so a
// recomputation that reaches it later waits for this change.
func (db *DB) markRuns(ctx context.Context, ex execer, runs []dayRun) error {
	if len(runs) == 0 {
		return nil
	}
	if db.d.Postgres {
		// One statement with four array parameters: a multi-row VALUES
		// of many runs costs PostgreSQL more to parse and plan than to
		// run.
		kinds, codes := make([]string, len(runs)), make([]string, len(runs))
		firsts, lasts := make([]string, len(runs)), make([]string, len(runs))
		for i, r := range runs {
			kinds[i], codes[i] = string(r.kind), r.code
			firsts[i] = standard.DayFromNumber(r.first).Format(time.DateOnly)
			lasts[i] = standard.DayFromNumber(r.last).Format(time.DateOnly)
		}
		_, err := ex.ExecContext(ctx, `INSERT INTO dirty_day (kind, code, first_day, last_day)
			SELECT r.kind, r.code, r.first_day, r.last_day
			FROM unnest($1::text[], $2::text[], $3::date[], $4::date[]) AS r (kind, code, first_day, last_day)
			WHERE NOT EXISTS (SELECT 1 FROM dirty_day d WHERE d.kind = r.kind AND d.code = r.code
				AND d.first_day <= r.first_day AND d.last_day >= r.last_day FOR KEY SHARE OF d SKIP LOCKED)`,
			kinds, codes, firsts, lasts)
		return wrap(err, "mark days for recomputation")
	}
	for len(runs) > 0 {
		n := min(len(runs), 500)
		var q strings.Builder
		q.WriteString(`WITH r (kind, code, first_day, last_day) AS (VALUES `)
		args := make([]any, 0, 4*n)
		for i, r := range runs[:n] {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, ?, ?)")
			args = append(args, string(r.kind), r.code,
				standard.DayFromNumber(r.first).Format(time.DateOnly), standard.DayFromNumber(r.last).Format(time.DateOnly))
		}
		q.WriteString(`) INSERT INTO dirty_day (kind, code, first_day, last_day)
			SELECT kind, code, first_day, last_day FROM r
			WHERE NOT EXISTS (SELECT 1 FROM dirty_day d WHERE d.kind = r.kind AND d.code = r.code
				AND d.first_day <= r.first_day AND d.last_day >= r.last_day)`)
		if _, err := ex.ExecContext(ctx, q.String(), args...); err != nil {
			return fmt.Errorf("mark days for recomputation: %w", err)
		}
		runs = runs[n:]
	}
	return nil
}

type statRow struct {
	k       subjectKey
	day     time.Time
	edition string
	aqi     int
	data    string
}

// putStats upserts computed days in multi-row statements.
func (db *DB) putStats(ctx context.Context, tx *sql.Tx, rows []statRow, now any) error {
	const chunk = 200
	insert := func(n int) string {
		var q strings.Builder
		q.WriteString(`INSERT INTO stat_day (kind, code, day, edition, aqi, data, computed_at) VALUES `)
		for i := 0; i < n; i++ {
			if i > 0 {
				q.WriteString(", ")
			}
			q.WriteString("(?, ?, " + db.d.dayParam() + ", ?, ?, ?, ?)")
		}
		q.WriteString(` ON CONFLICT (kind, code, day) DO UPDATE SET edition = excluded.edition,
			aqi = excluded.aqi, data = excluded.data, computed_at = excluded.computed_at`)
		return db.q(q.String())
	}
	// Several full chunks share one prepared statement: parsing a
	// statement of 1,400 parameters costs about as much as running it.
	var full *sql.Stmt
	defer func() {
		if full != nil {
			full.Close()
		}
	}()
	args := make([]any, 0, 7*chunk)
	for len(rows) > 0 {
		n := min(len(rows), chunk)
		args = args[:0]
		for _, r := range rows[:n] {
			args = append(args, string(r.k.kind), r.k.code, db.d.dayArg(r.day), r.edition, r.aqi, r.data, now)
		}
		var err error
		switch {
		case n == chunk && (full != nil || len(rows) > chunk):
			if full == nil {
				if full, err = tx.PrepareContext(ctx, insert(n)); err != nil {
					return fmt.Errorf("store statistics: %w", err)
				}
			}
			_, err = full.ExecContext(ctx, args...)
		default:
			_, err = tx.ExecContext(ctx, insert(n), args...)
		}
		if err != nil {
			return fmt.Errorf("store statistics: %w", err)
		}
		rows = rows[n:]
	}
	return nil
}

// unmark deletes the recomputed marks, the rows read, by id.
func (db *DB) unmark(ctx context.Context, tx *sql.Tx, ids []int64) error {
	for len(ids) > 0 {
		n := min(len(ids), 500)
		args := make([]any, n)
		for i, id := range ids[:n] {
			args[i] = id
		}
		if _, err := tx.ExecContext(ctx, db.q(`DELETE FROM dirty_day WHERE id IN (`+bindList(n)+`)`), args...); err != nil {
			return fmt.Errorf("clear marks: %w", err)
		}
		ids = ids[n:]
	}
	return nil
}

func areaStations(kind lantian.SubjectKind, st []string) []string {
	if kind == lantian.SubjectArea {
		return st
	}
	return nil
}

// dayAQI is the AQI column of stat_day: the daily AQI, 0 when withheld.
func dayAQI(d *standard.Daily) int {
	if d.AQI.Available {
		return d.AQI.AQI
	}
	return 0
}

// statsChanged is called after a commit that marked days. It wakes the
// background refresher, if one runs; otherwise the days wait for the next
// RefreshStats (the importer calls it after its files). Reads never wait
// for either: they compute marked days on the fly.
func (db *DB) statsChanged() {
	db.mu.Lock()
	kick := db.kick
	db.mu.Unlock()
	if kick != nil {
		select {
		case kick <- struct{}{}:
		default: // a refresh is already due
		}
	}
}

// StartRefresher recomputes marked statistics in the background until ctx
// ends: after every commit that marked days, at most once per gap, so that
// a stream of small writes (the HJ 212 gateway) costs one recomputation per
// gap. Errors go to onErr (which may be nil) and the marks stay for the
// next round.
func (db *DB) StartRefresher(ctx context.Context, gap time.Duration, onErr func(error)) {
	kick := make(chan struct{}, 1)
	db.mu.Lock()
	db.kick = kick
	db.mu.Unlock()
	kick <- struct{}{} // marks left by an earlier process
	go func() {
		defer func() {
			db.mu.Lock()
			db.kick = nil
			db.mu.Unlock()
		}()
		for {
			select {
			case <-ctx.Done():
				return
			case <-kick:
			}
			if _, err := db.RefreshStats(ctx); err != nil && onErr != nil && ctx.Err() == nil {
				onErr(err)
			}
			select {
			case <-ctx.Done():
				return
			case <-time.After(gap):
			}
		}
	}()
}

// ---- reads ----

// days returns the engine days of a subject over [from, to]: stored days,
// with days still marked for recomputation computed on the fly from the
// committed hours, so that a read always reflects every committed hour.
func (db *DB) days(ctx context.Context, subj lantian.Subject, from, to time.Time) ([]standard.Daily, [][]string, error) {
	if subj.Kind != lantian.SubjectStation && subj.Kind != lantian.SubjectArea {
		return nil, nil, lantian.Errorf(lantian.EINVALID, "statistics: subject kind %q: want station or area", subj.Kind)
	}
	from, to = standard.DayOfHour(from.Add(time.Hour)), standard.DayOfHour(to.Add(time.Hour))
	if to.Before(from) {
		return nil, nil, lantian.Errorf(lantian.EINVALID, "statistics: the range ends (%s) before it starts (%s)", to.Format(time.DateOnly), from.Format(time.DateOnly))
	}
	// Stored days and marks are read in one transaction so they agree.
	tx, err := db.r.BeginTx(ctx, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, nil, fmt.Errorf("read statistics: %w", err)
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, db.q(`SELECT day, data FROM stat_day WHERE kind = ? AND code = ? AND day >= ? AND day <= ? ORDER BY day`),
		string(subj.Kind), subj.Code, db.d.dayArg(from), db.d.dayArg(to))
	if err != nil {
		return nil, nil, fmt.Errorf("read statistics: %w", err)
	}
	var out []standard.Daily
	var st [][]string
	var stale []time.Time
	for rows.Next() {
		var day time.Time
		var data string
		if err := rows.Scan(dayScan{&day}, &data); err != nil {
			rows.Close()
			return nil, nil, fmt.Errorf("read statistics: %w", err)
		}
		d, stations, err := decodeDay([]byte(data), subj.Code, day)
		if err != nil {
			stale = append(stale, day) // an old format: recompute
			continue
		}
		out = append(out, *d)
		st = append(st, stations)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, nil, fmt.Errorf("read statistics: %w", err)
	}
	mrows, err := tx.QueryContext(ctx, db.q(`SELECT first_day, last_day FROM dirty_day
		WHERE kind = ? AND code = ? AND first_day <= `+db.d.dayParam()+` AND last_day >= `+db.d.dayParam()),
		string(subj.Kind), subj.Code, db.d.dayArg(to), db.d.dayArg(from))
	if err != nil {
		return nil, nil, fmt.Errorf("read statistics: %w", err)
	}
	var runs []dayRun
	for mrows.Next() {
		var first, last time.Time
		if err := mrows.Scan(dayScan{&first}, dayScan{&last}); err != nil {
			mrows.Close()
			return nil, nil, fmt.Errorf("read statistics: %w", err)
		}
		runs = append(runs, dayRun{first: standard.DayNumber(first), last: standard.DayNumber(last)})
	}
	mrows.Close()
	if err := mrows.Err(); err != nil {
		return nil, nil, fmt.Errorf("read statistics: %w", err)
	}
	stale = append(stale, runDays(runs, standard.DayNumber(from), standard.DayNumber(to))...)
	if len(stale) > 0 {
		fresh, fst, err := db.computeDays(ctx, tx, subj.Kind, subj.Code, stale, nil)
		if err != nil {
			return nil, nil, err
		}
		drop := map[int32]bool{}
		for _, d := range stale {
			drop[standard.DayNumber(d)] = true
		}
		var kept []standard.Daily
		var kst [][]string
		for i := range out {
			if !drop[out[i].Day] {
				kept = append(kept, out[i])
				kst = append(kst, st[i])
			}
		}
		out, st = append(kept, fresh...), append(kst, fst...)
		idx := make([]int, len(out))
		for i := range idx {
			idx[i] = i
		}
		sort.Slice(idx, func(a, b int) bool { return out[idx[a]].Day < out[idx[b]].Day })
		so, ss := make([]standard.Daily, len(out)), make([][]string, len(out))
		for i, j := range idx {
			so[i], ss[i] = out[j], st[j]
		}
		out, st = so, ss
	}
	return out, st, nil
}

// dustMask returns the dust days that apply to a subject: those of its
// area (a station's area) and of every area above it.
func (db *DB) dustMask(ctx context.Context, subj lantian.Subject, from, to time.Time) (standard.DustMask, error) {
	area := subj.Code
	if subj.Kind == lantian.SubjectStation {
		s, err := db.Station(ctx, subj.Code)
		if err != nil {
			return nil, err
		}
		area = s.Area
	}
	m := standard.DustMask{}
	seen := map[string]bool{}
	for area != "" && !seen[area] {
		seen[area] = true
		ds, err := db.DustDays(ctx, area, from, to)
		if err != nil {
			return nil, err
		}
		for _, d := range ds {
			m.Add(d.Date)
		}
		a, err := db.Area(ctx, area)
		if lantian.ErrorCode(err) == lantian.ENOTFOUND {
			break
		} else if err != nil {
			return nil, err
		}
		area = a.Parent
	}
	return m, nil
}

// DailyStats implements lantian.StatisticService.
func (db *DB) DailyStats(ctx context.Context, f lantian.StatFilter) ([]*lantian.DailyStat, error) {
	days, st, err := db.days(ctx, f.Subject, f.From, f.To)
	if err != nil {
		return nil, err
	}
	dust, err := db.dustMask(ctx, f.Subject, f.From, f.To)
	if err != nil {
		return nil, err
	}
	out := make([]*lantian.DailyStat, len(days))
	for i := range days {
		d := &days[i]
		d.Dust = dust.Has(d.Day)
		out[i] = dailyStat(f.Subject, d, len(st[i]))
	}
	return out, nil
}

func rootValue(v standard.Value) lantian.Value {
	return lantian.Value{Value: v.Rounded, Coverage: v.Coverage}
}

func dailyStat(subj lantian.Subject, d *standard.Daily, stations int) *lantian.DailyStat {
	ds := &lantian.DailyStat{Subject: subj, Date: d.Date, Edition: d.Edition.String(), O3Max1h: rootValue(d.O3Max1H),
		AQI: dayAQI(d), Dust: d.Dust, Stations: max(stations, 1), Detail: d}
	for p := range d.Values {
		ds.Means[p] = rootValue(d.Values[p])
	}
	if d.AQI.Available {
		ds.Primary = d.AQI.Primary.List()
	}
	return ds
}

// PeriodStats implements lantian.StatisticService: the engine's HJ 663
// assessment of the stored days, per month, per year or for the whole
// range.
func (db *DB) PeriodStats(ctx context.Context, f lantian.StatFilter, kind lantian.PeriodKind) ([]*lantian.PeriodStat, error) {
	switch kind {
	case lantian.PeriodMonth, lantian.PeriodYear, lantian.PeriodWhole:
	default:
		return nil, lantian.Errorf(lantian.EINVALID, "period kind %q: want month, year or period", kind)
	}
	days, _, err := db.days(ctx, f.Subject, f.From, f.To)
	if err != nil {
		return nil, err
	}
	dust, err := db.dustMask(ctx, f.Subject, f.From, f.To)
	if err != nil {
		return nil, err
	}
	from := standard.DayOfHour(f.From.Add(time.Hour))
	to := standard.DayOfHour(f.To.Add(time.Hour))
	var out []*lantian.PeriodStat
	for a := from; !a.After(to); {
		b := to
		switch kind {
		case lantian.PeriodMonth:
			b = time.Date(a.Year(), a.Month()+1, 1, 0, 0, 0, 0, standard.Beijing).AddDate(0, 0, -1)
		case lantian.PeriodYear:
			b = time.Date(a.Year()+1, 1, 1, 0, 0, 0, 0, standard.Beijing).AddDate(0, 0, -1)
		}
		if b.After(to) {
			b = to
		}
		as := standard.Assess(db.rules(), days, a, b, dust)
		if as.Station == "" {
			as.Station = f.Subject.Code
		}
		out = append(out, periodStat(f.Subject, kind, &as))
		a = b.AddDate(0, 0, 1)
	}
	return out, nil
}

func periodStat(subj lantian.Subject, kind lantian.PeriodKind, as *standard.Assessment) *lantian.PeriodStat {
	ps := &lantian.PeriodStat{Subject: subj, Kind: kind, From: as.From, To: as.To, Edition: as.Edition.String(),
		DustDays: as.DustDays, Assessment: as}
	o := &as.Official
	for p := range standard.Pollutant(standard.NumPollutants) {
		mean, dmean := rootValue(as.WithDust.Items[p].Mean), rootValue(as.DustDeducted.Items[p].Mean)
		if p == standard.CO || p == standard.O3 {
			mean.Value, dmean.Value = standard.Missing, standard.Missing
		}
		ps.Means[p], ps.DustDeductedMeans[p] = mean, dmean
		ps.Percentiles[p] = rootValue(as.WithDust.Items[p].Percentile)
		ps.DustDeductedPercentiles[p] = rootValue(as.DustDeducted.Items[p].Percentile)
		ps.Compliant[p] = o.Items[p].Compliant
	}
	ps.Compliant[standard.NumPollutants] = o.Compliant
	ps.ValidDays, ps.GoodDays, ps.HeavyDays = o.AQIDays.Valid, o.GoodDays, o.HeavyDays
	if o.Composite.Valid() {
		ps.CompositeIndex = o.Composite.Exact.Round(2)
	}
	return ps
}
