package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/standard"
)

// maxPlausible is the largest concentration the store accepts, per
// pollutant in thousandths: far above anything ever measured in ambient
// air (the HJ 633 scales end at 2,620 µg/m³ SO2 1-h, 3,840 NO2, 150 mg/m³
// CO, 1,200 O3, 600 PM10, 500 PM2.5), so that only absurd values — unit
// mix-ups, sensor garbage — are refused. Parsers apply tighter, configurable
// limits.
var maxPlausible = [standard.NumPollutants]standard.Conc{
	standard.SO2:  20000 * standard.ConcScale,
	standard.NO2:  20000 * standard.ConcScale,
	standard.CO:   1000 * standard.ConcScale,
	standard.O3:   20000 * standard.ConcScale,
	standard.PM10: 20000 * standard.ConcScale,
	standard.PM25: 20000 * standard.ConcScale,
}

// stationRef is what the writer needs to know of a station.
type stationRef struct {
	id         int32 // index in hourWriter.codes: small keys for the run's maps
	area       string
	evaluation bool
}

// hourPrint is what makes two records of a station-hour the same record:
// values, flags and audit state (auditCode).
type hourPrint struct {
	vals  [standard.NumPollutants]standard.Conc
	flags [standard.NumPollutants]byte
	audit byte
}

// seenHour is a station-hour a run has written: its record and line.
type seenHour struct {
	fp   hourPrint
	line int32
	set  bool
}

// seenPageBits sets the hours per page of seenHours: 256 hours, a little
// under 11 days, 9 KB a page.
const seenPageBits = 8

type seenPage [1 << seenPageBits]seenHour

type seenPageKey struct {
	station int32 // stationRef.id
	block   int64 // hour number (Unix hours) >> seenPageBits
}

// seenHours holds the station-hours a run has written, to keep a second
// record of the same hour from reaching the database. Rows come in runs
// of one station and consecutive hours, so the hours are kept in pages of
// consecutive hours per station, the last page at hand: a lookup is an
// array index, not a hash of the key in a map of every hour of the run.
type seenHours struct {
	pages   map[seenPageKey]*seenPage
	lastKey seenPageKey
	last    *seenPage
}

func newSeenHours() *seenHours { return &seenHours{pages: map[seenPageKey]*seenPage{}} }

// slot returns the entry of the station-hour ending at Unix second t (a
// full hour).
func (s *seenHours) slot(station int32, t int64) *seenHour {
	h := t / 3600
	if t%3600 < 0 {
		h--
	}
	k := seenPageKey{station, h >> seenPageBits}
	if s.last == nil || k != s.lastKey {
		p := s.pages[k]
		if p == nil {
			p = new(seenPage)
			s.pages[k] = p
		}
		s.last, s.lastKey = p, k
	}
	return &s.last[h&(1<<seenPageBits-1)]
}

// dirtyHourDay is a station-day touched by the run: the station's id and
// the Beijing calendar day as days since 1970-01-01.
type dirtyHourDay struct {
	station int32
	day     int32
}

// hourWriter writes hourly records inside one transaction (ex). It checks
// every record, keeps within-run duplicates from reaching the database,
// and collects the days whose statistics must be recomputed.
type hourWriter struct {
	db                 *DB
	ex                 execer
	conn               *sql.Conn // the connection under ex, for PostgreSQL COPY
	source             int64
	run                sql.NullInt64
	stations           map[string]stationRef
	lastCode           string // the station looked up last (station), with lastRef
	lastRef            stationRef
	lastOK             bool
	codes              []string   // station codes by stationRef.id
	seen               *seenHours // nil: no within-run duplicate check
	dirty              map[dirtyHourDay]struct{}
	lastDay            dirtyHourDay              // the last day marked, to skip the map for runs of one station-day
	months             map[string]bool           // PostgreSQL partitions known to exist for this run
	monthFrom, monthTo time.Time                 // PostgreSQL: bounds of the partition of the last row checked
	staged             bool                      // PostgreSQL: rows go to the staging table, merged at commit
	stageMade          bool                      // PostgreSQL: the staging table exists
	newParts           map[string]*newPart       // PostgreSQL import: the months this run creates, attached at commit
	curPart            string                    // PostgreSQL import: the new partition of the last row checked, "" for an existing one
	direct             bool                      // PostgreSQL: try copying straight into observation first
	pending            []obsRow                  // PostgreSQL: rows of existing months gathered for the next COPY
	streams            map[streamKey]*copyStream // PostgreSQL import: rows of new months, encoded for the next COPY
	streamOrder        []streamKey               // the keys of streams in the order they began
	curStream          *copyStream               // the stream of the last row encoded
	curKey             streamKey
	freeBufs           [][]byte            // PostgreSQL import: buffers of streams sent, for reuse
	gathered           int                 // PostgreSQL: rows gathered (pending and streams) since the last COPY
	stagedRows         int                 // PostgreSQL: rows staged in all
	flushAt            int                 // PostgreSQL: the number of gathered rows that starts the next COPY
	direct2            lantian.WriteResult // PostgreSQL: rows copied straight in
	copying            chan copyResult     // the write running in the background (a COPY, or SQLite inserts), nil when none
	async              bool                // SQLite import: rows are written in the background while the next batch is checked
	asyncRes           lantian.WriteResult // SQLite import: counts of the rows written in the background
	now                time.Time
	res                lantian.WriteResult
	full               *sql.Stmt      // the prepared upsert of a full batch
	plain              *sql.Stmt      // the prepared plain insert of a full batch of new hours
	probe              *sql.Stmt      // the prepared probe for stored hours of a full set of stations
	plainDrv           [2]*driverStmt // SQLite import: the plain insert of a full batch, of any rows and of a run (isRun)
}

// newPart is a monthly partition of observation that an import creates in
// its own transaction: a plain table the month's rows are copied into
// without an index, attached to observation (which builds its primary key
// in one sorted pass) just before the import commits.
type newPart struct {
	name     string
	from, to time.Time
}

// close waits for a background COPY and releases the prepared statements.
func (w *hourWriter) close() {
	w.settle()
	for _, st := range []**sql.Stmt{&w.full, &w.plain, &w.probe} {
		if *st != nil {
			(*st).Close()
			*st = nil
		}
	}
	for i, ds := range w.plainDrv {
		if ds != nil {
			w.conn.Raw(func(any) error { return ds.st.Close() })
			w.plainDrv[i] = nil
		}
	}
}

// station returns what the writer knows of station code. Rows come in
// runs of one station: the last one looked up is kept at hand.
func (w *hourWriter) station(code string) (stationRef, bool) {
	if w.lastOK && code == w.lastCode {
		return w.lastRef, true
	}
	ref, ok := w.stations[code]
	if ok {
		w.lastCode, w.lastRef, w.lastOK = code, ref, true
	}
	return ref, ok
}

// addStation makes code known to the writer.
func (w *hourWriter) addStation(code string, ref stationRef) {
	w.lastOK = false
	if old, ok := w.stations[code]; ok {
		ref.id = old.id
	} else {
		ref.id = int32(len(w.codes))
		w.codes = append(w.codes, code)
	}
	w.stations[code] = ref
}

func (db *DB) newHourWriter(ctx context.Context, ex execer, source string, run int64) (*hourWriter, error) {
	w := &hourWriter{db: db, ex: ex, dirty: map[dirtyHourDay]struct{}{}, lastDay: dirtyHourDay{station: -1}, months: map[string]bool{}, now: db.now()}
	if run > 0 {
		w.run = sql.NullInt64{Int64: run, Valid: true}
	}
	var err error
	if w.source, err = db.sourceID(ctx, ex, source); err != nil {
		return nil, err
	}
	if err := w.loadStations(ctx); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *hourWriter) loadStations(ctx context.Context) error {
	rows, err := w.ex.QueryContext(ctx, `SELECT code, area, evaluation FROM station`)
	if err != nil {
		return fmt.Errorf("load stations: %w", err)
	}
	defer rows.Close()
	w.stations = map[string]stationRef{}
	for rows.Next() {
		var code string
		var area sql.NullString
		var ref stationRef
		if err := rows.Scan(&code, &area, &ref.evaluation); err != nil {
			return fmt.Errorf("load stations: %w", err)
		}
		ref.area = area.String
		w.addStation(code, ref)
	}
	return wrap(rows.Err(), "load stations")
}

// flagString encodes the six flags of r in pollutant order.
func flagString(f *[standard.NumPollutants]lantian.Flag) string {
	normal := true
	for _, x := range f {
		if x != 0 && x != lantian.FlagNormal {
			normal = false
			break
		}
	}
	if normal {
		// Nearly every hour: no string to allocate per row.
		return defaultFlags
	}
	var b [standard.NumPollutants]byte
	for i, x := range f {
		if x == 0 {
			x = lantian.FlagNormal
		}
		b[i] = byte(x)
	}
	return string(b[:])
}

func validFlag(f lantian.Flag) bool {
	switch f {
	case 0, lantian.FlagNormal, lantian.FlagStopped, lantian.FlagMaintenance, lantian.FlagManual,
		lantian.FlagFault, lantian.FlagCalibration, lantian.FlagOverRange, lantian.FlagCommFailure:
		return true
	}
	return false
}

// check returns why the store refuses r, or "" and the error code.
func (w *hourWriter) check(r *lantian.HourRecord) (code, msg string) {
	if _, ok := w.station(r.Station); !ok {
		return lantian.ENOTFOUND, fmt.Sprintf("unknown station %q: import a station list first, or import with --create-stations", r.Station)
	}
	if r.Time.IsZero() || r.Time.Unix()%3600 != 0 || r.Time.Nanosecond() != 0 {
		return lantian.EINVALID, fmt.Sprintf("station %s time %s: want an hour-ending time on the full hour", r.Station, r.Time.In(standard.Beijing).Format(time.RFC3339))
	}
	if r.Time.After(w.now.Add(2 * time.Hour)) {
		return lantian.EINVALID, fmt.Sprintf("station %s time %s: lies in the future", r.Station, r.Time.In(standard.Beijing).Format(time.RFC3339))
	}
	for _, p := range standard.Pollutants {
		v := r.Values[p]
		if v == standard.Missing {
			continue
		}
		if v < 0 {
			return lantian.EINVALID, fmt.Sprintf("station %s time %s %s: %s is negative: want a concentration ≥ 0 %s",
				r.Station, r.Time.In(standard.Beijing).Format(time.RFC3339), p, v, p.Unit())
		}
		if v > maxPlausible[p] {
			return lantian.EINVALID, fmt.Sprintf("station %s time %s %s: %s %s is not a plausible ambient concentration (want ≤ %s)",
				r.Station, r.Time.In(standard.Beijing).Format(time.RFC3339), p, v, p.Unit(), maxPlausible[p])
		}
		if !validFlag(r.Flags[p]) {
			return lantian.EINVALID, fmt.Sprintf("station %s time %s %s: flag %q: want one of N F M S D C T B",
				r.Station, r.Time.In(standard.Beijing).Format(time.RFC3339), p, string(rune(r.Flags[p])))
		}
	}
	if !r.Audit.Valid() {
		return lantian.EINVALID, fmt.Sprintf("station %s time %s: audit state %q: want raw, reviewed or invalidated",
			r.Station, r.Time.In(standard.Beijing).Format(time.RFC3339), r.Audit)
	}
	return "", ""
}

func fingerprint(r *lantian.HourRecord) hourPrint {
	fp := hourPrint{vals: r.Values, audit: auditCode(r.Audit)}
	for i, x := range r.Flags {
		if x == 0 {
			x = lantian.FlagNormal
		}
		fp.flags[i] = byte(x)
	}
	return fp
}

// auditCode numbers the audit states for hourPrint.
func auditCode(a lantian.AuditState) byte {
	switch a {
	case "", lantian.AuditRaw:
		return 1
	case lantian.AuditReviewed:
		return 2
	case lantian.AuditInvalidated:
		return 3
	}
	return 0 // refused by check before it gets here
}

func audit(a lantian.AuditState) lantian.AuditState {
	if a == "" {
		return lantian.AuditRaw
	}
	return a
}

// obsRow is a checked record ready for the database.
type obsRow struct {
	station string
	sid     int32 // stationRef.id
	t       time.Time
	vals    [standard.NumPollutants]standard.Conc // standard.Missing: NULL
	flags   string
	audit   string
	line    int
	part    string // PostgreSQL import: the new partition the row goes to, "" when its month existed
}

// val is the bind argument of value p: NULL when missing.
func (r *obsRow) val(p int) any {
	if r.vals[p] == standard.Missing {
		return nil
	}
	return int64(r.vals[p])
}

// write checks recs and writes the good ones.
func (w *hourWriter) write(ctx context.Context, recs []lantian.HourRecord) (lantian.WriteResult, error) {
	var res lantian.WriteResult
	rows := make([]obsRow, 0, len(recs))
	var hours []time.Time
	var claim []newPart // PostgreSQL import: months first seen in this batch
	for i := range recs {
		r := &recs[i]
		if code, msg := w.check(r); code != "" {
			res.Rejected = append(res.Rejected, lantian.RecordError{Index: i, Station: r.Station, Time: r.Time, Code: code, Message: msg})
			continue
		}
		ref, _ := w.station(r.Station)
		sid := ref.id
		if w.seen != nil {
			prev := w.seen.slot(sid, r.Time.Unix())
			fp := fingerprint(r)
			if prev.set {
				if prev.fp == fp {
					res.Unchanged++
					continue
				}
				msg := fmt.Sprintf("station %s hour ending %s: conflicts with different values given earlier in this file",
					r.Station, r.Time.In(standard.Beijing).Format(time.RFC3339))
				if prev.line > 0 {
					msg = fmt.Sprintf("station %s hour ending %s: conflicts with different values at line %d",
						r.Station, r.Time.In(standard.Beijing).Format(time.RFC3339), prev.line)
				}
				res.Rejected = append(res.Rejected, lantian.RecordError{Index: i, Station: r.Station, Time: r.Time, Code: lantian.ECONFLICT, Message: msg})
				continue
			}
			*prev = seenHour{fp: fp, line: int32(r.Line), set: true}
		}
		if w.db.d.Postgres && (r.Time.Before(w.monthFrom) || !r.Time.Before(w.monthTo)) {
			// Rows come in runs of one month: the partition is looked
			// up only when the month changes.
			var name string
			name, w.monthFrom, w.monthTo = partitionName(r.Time)
			w.curPart = ""
			if w.staged {
				// The row's month for now; whether the run creates
				// its partition is settled below, for all the new
				// months of the batch at once.
				w.curPart = name
				if !w.months[name] {
					w.months[name] = true
					claim = append(claim, newPart{name, w.monthFrom, w.monthTo})
				}
			} else if !w.months[name] {
				w.months[name] = true
				hours = append(hours, r.Time)
			}
		}
		rows = append(rows, obsRow{station: r.Station, sid: sid, t: r.Time, vals: r.Values, flags: flagString(&r.Flags),
			audit: string(audit(r.Audit)), line: r.Line, part: w.curPart})
	}
	if w.staged && len(rows) > 0 {
		if err := w.claimMonths(ctx, claim); err != nil {
			return res, err
		}
		// part names the new partition a row goes to, "" for a month
		// that existed; rows come in runs of one month.
		last, isNew := "", false
		for i := range rows {
			if p := rows[i].part; p != last {
				last, isNew = p, w.newParts[p] != nil
			}
			if !isNew {
				rows[i].part = ""
			}
		}
	}
	if len(hours) > 0 {
		if err := w.db.ensurePartitions(ctx, hours); err != nil {
			return res, err
		}
	}
	if len(rows) == 0 {
		w.res.Add(res)
		return res, nil
	}
	var err error
	if w.staged {
		err = w.stage(ctx, rows)
	} else if w.async {
		err = w.writeBehind(ctx, rows)
	} else {
		err = w.upsert(ctx, rows, &res)
	}
	if err != nil {
		return res, err
	}
	w.res.Add(res)
	return res, nil
}

// writeBehind writes rows in the background while the caller parses and
// checks the next batch: on SQLite, where one connection does all the
// writing, the database engine and the checks then run on two cores. At
// most one batch is in flight; anything else using the import's
// connection waits for it first (settle), and Commit adds its counts.
func (w *hourWriter) writeBehind(ctx context.Context, rows []obsRow) error {
	if err := w.settle(); err != nil {
		return err
	}
	done := make(chan copyResult, 1)
	w.copying = done
	go func() { done <- copyResult{err: w.upsert(ctx, rows, &w.asyncRes)} }()
	return nil
}

// upsertBatch is the number of rows per multi-row INSERT: 15 parameters a
// row stays well inside SQLite's 32,766 and PostgreSQL's 65,535.
const upsertBatch = 1000

const obsCols = `station, t, so2, no2, co, o3, pm10, pm25, flags, audit, source, run, line, received_at, revision`

// upsertSQL is the multi-row upsert of n rows.
func upsertSQL(n int) string {
	return insertRows(n, "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)") + upsertTail
}

// insertRows is an INSERT of n rows of observation, each row the VALUES
// tuple given.
func insertRows(n int, row string) string {
	var q strings.Builder
	q.Grow(40 + len(obsCols) + n*(len(row)+2))
	q.WriteString(`INSERT INTO observation (` + obsCols + `) VALUES `)
	for i := 0; i < n; i++ {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString(row)
	}
	return q.String()
}

// upsertTail inserts new station-hours and revises changed ones (the
// trigger keeps the old revision); identical ones are left alone and not
// returned.
const upsertTail = ` ON CONFLICT (station, t) DO UPDATE SET
	so2 = excluded.so2, no2 = excluded.no2, co = excluded.co, o3 = excluded.o3,
	pm10 = excluded.pm10, pm25 = excluded.pm25, flags = excluded.flags, audit = excluded.audit,
	source = excluded.source, run = excluded.run, line = excluded.line,
	received_at = excluded.received_at, revision = observation.revision + 1
WHERE observation.so2 IS DISTINCT FROM excluded.so2 OR observation.no2 IS DISTINCT FROM excluded.no2
	OR observation.co IS DISTINCT FROM excluded.co OR observation.o3 IS DISTINCT FROM excluded.o3
	OR observation.pm10 IS DISTINCT FROM excluded.pm10 OR observation.pm25 IS DISTINCT FROM excluded.pm25
	OR observation.flags <> excluded.flags OR observation.audit <> excluded.audit
RETURNING station, t, revision`

// upsert writes rows. On SQLite, when the run checks within-run duplicates
// (so no two rows share a station-hour), the rows of stations that have no
// stored hour in the batch's time range are new by construction and go
// through a plain INSERT — no conflict clause, no RETURNING — and only the
// rest through the upsert that keeps revisions.
func (w *hourWriter) upsert(ctx context.Context, rows []obsRow, res *lantian.WriteResult) error {
	if w.seen != nil && !w.db.d.Postgres {
		fresh, rest, err := w.splitFresh(ctx, rows)
		if err != nil {
			return err
		}
		if err := w.insertFresh(ctx, fresh, res); err != nil {
			return err
		}
		rows = rest
	}
	return w.upsertRows(ctx, rows, res)
}

// probeBatch is the number of stations probed per statement.
const probeBatch = 64

// probeSQL returns the stations among n (station, from, to) triples that
// have a stored hour in their range.
func probeSQL(n int) string {
	var q strings.Builder
	q.WriteString(`WITH r(s, lo, hi) AS (VALUES `)
	for i := 0; i < n; i++ {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?)")
	}
	q.WriteString(`) SELECT s FROM r WHERE EXISTS (SELECT 1 FROM observation o WHERE o.station = r.s AND o.t BETWEEN r.lo AND r.hi)`)
	return q.String()
}

// splitFresh separates the rows of stations without any stored hour
// between their first and last hour in rows (fresh) from the others
// (rest), keeping the order within each.
func (w *hourWriter) splitFresh(ctx context.Context, rows []obsRow) (fresh, rest []obsRow, err error) {
	type span struct{ lo, hi int64 }
	spans := map[int32]*span{}
	var order []int32
	for i := range rows {
		t := rows[i].t.Unix()
		sp := spans[rows[i].sid]
		if sp == nil {
			spans[rows[i].sid] = &span{t, t}
			order = append(order, rows[i].sid)
			continue
		}
		sp.lo, sp.hi = min(sp.lo, t), max(sp.hi, t)
	}
	stored := map[int32]bool{}
	for len(order) > 0 {
		n := min(len(order), probeBatch)
		args := make([]any, 0, 3*n)
		for _, sid := range order[:n] {
			args = append(args, w.codes[sid], spans[sid].lo, spans[sid].hi)
		}
		var rs *sql.Rows
		if n == probeBatch {
			if w.probe == nil {
				if w.probe, err = w.ex.PrepareContext(ctx, probeSQL(n)); err != nil {
					return nil, nil, fmt.Errorf("look up stored hours: %w", err)
				}
			}
			rs, err = w.probe.QueryContext(ctx, args...)
		} else {
			rs, err = w.ex.QueryContext(ctx, probeSQL(n), args...)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("look up stored hours: %w", err)
		}
		for rs.Next() {
			var code string
			if err := rs.Scan(&code); err != nil {
				rs.Close()
				return nil, nil, fmt.Errorf("look up stored hours: %w", err)
			}
			stored[w.stations[code].id] = true
		}
		rs.Close()
		if err := rs.Err(); err != nil {
			return nil, nil, fmt.Errorf("look up stored hours: %w", err)
		}
		order = order[n:]
	}
	if len(stored) == 0 {
		return rows, nil, nil
	}
	for _, r := range rows {
		if stored[r.sid] {
			rest = append(rest, r)
		} else {
			fresh = append(fresh, r)
		}
	}
	return fresh, rest, nil
}

// plainBatch is the number of rows per plain multi-row INSERT.
const plainBatch = 64

// plainSQL is the multi-row plain INSERT of n new station-hours. The
// writer's source, run and time of receipt are the same in every row and
// written into the statement as integer literals (SQLite stores instants as
// Unix seconds): binding three fewer values a row is a fifth less binding.
func (w *hourWriter) plainSQL(n int) string {
	run := "NULL"
	if w.run.Valid {
		run = strconv.FormatInt(w.run.Int64, 10)
	}
	tail := ", " + strconv.FormatInt(w.source, 10) + ", " + run + ", ?, " + strconv.FormatInt(w.now.Unix(), 10) + ", 1)"
	return insertRows(n, "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?"+tail)
}

// insertFresh inserts station-hours known not to be stored. Should one be
// stored after all, SQLite undoes just the failed statement, and its rows
// go through the upsert instead.
func (w *hourWriter) insertFresh(ctx context.Context, rows []obsRow, res *lantian.WriteResult) error {
	args := make([]any, 0, plainBatch*11)
	for len(rows) > 0 {
		n := min(len(rows), plainBatch)
		batch := rows[:n]
		rows = rows[n:]
		args = args[:0]
		if n < plainBatch || w.conn == nil {
			for _, r := range batch {
				args = append(args, r.station, r.t.Unix(), r.val(0), r.val(1), r.val(2), r.val(3), r.val(4), r.val(5),
					r.flags, r.audit, nullInt(r.line))
			}
		}
		var err error
		if n == plainBatch && w.conn != nil {
			err = w.execPlain(ctx, batch)
		} else if n == plainBatch {
			if w.plain == nil {
				if w.plain, err = w.ex.PrepareContext(ctx, w.plainSQL(n)); err != nil {
					return fmt.Errorf("write hourly observations: %w", err)
				}
			}
			_, err = w.plain.ExecContext(ctx, args...)
		} else {
			_, err = w.ex.ExecContext(ctx, w.plainSQL(n), args...)
		}
		if err != nil {
			if err := w.upsertRows(ctx, batch, res); err != nil {
				return err
			}
			continue
		}
		res.Inserted += n
		for i := range batch {
			w.markDirty(batch[i].sid, batch[i].t)
		}
	}
	return nil
}

// defaultFlags is the flags column of an hour whose six values are all
// flagged N (normal), as flagString writes it.
var defaultFlags = strings.Repeat(string(lantian.FlagNormal), standard.NumPollutants)

// isRun reports whether rows are consecutive hours of one station on
// consecutive lines, all flagged normal and unaudited: the rows of a wide
// or long file, almost always.
func isRun(rows []obsRow) bool {
	r0 := &rows[0]
	if r0.line <= 0 {
		return false
	}
	t0 := r0.t.Unix()
	for k := range rows {
		r := &rows[k]
		if r.sid != r0.sid || r.t.Unix() != t0+3600*int64(k) || r.line != r0.line+k ||
			r.flags != defaultFlags || r.audit != string(lantian.AuditRaw) {
			return false
		}
	}
	return true
}

// plainRunSQL is plainSQL for a run (isRun) of n rows: the station, the
// first hour and the first line are bound once, the later hours and lines
// are computed from them, flags and audit state are literals, and only
// the six values are bound per row — a bind costs more than the
// arithmetic.
func (w *hourWriter) plainRunSQL(n int) string {
	run := "NULL"
	if w.run.Valid {
		run = strconv.FormatInt(w.run.Int64, 10)
	}
	tail := ", '" + defaultFlags + "', '" + string(lantian.AuditRaw) + "', " + strconv.FormatInt(w.source, 10) + ", " + run + ", " +
		strconv.FormatInt(w.now.Unix(), 10) + ", 1)"
	var q strings.Builder
	// The columns bound once come first, so that ?1, ?2 and ?3 are
	// numbered before the anonymous parameters of the values.
	q.WriteString(`INSERT INTO observation (station, t, line, so2, no2, co, o3, pm10, pm25, flags, audit, source, run, received_at, revision) VALUES `)
	for i := 0; i < n; i++ {
		if i > 0 {
			q.WriteString(", ")
		}
		if i == 0 {
			q.WriteString("(?1, ?2, ?3")
		} else {
			fmt.Fprintf(&q, "(?1, ?2 + %d, ?3 + %d", 3600*i, i)
		}
		q.WriteString(", ?, ?, ?, ?, ?, ?")
		q.WriteString(tail)
	}
	return q.String()
}

// driverStmt is a statement prepared on the import's SQLite connection
// and run on the driver directly, with its argument list kept between
// runs: for the thousands of plain inserts of a bulk load, database/sql's
// per-argument conversion and the driver's per-call cancellation watch
// cost as much as binding itself.
type driverStmt struct {
	st   driver.Stmt
	args []driver.NamedValue
}

// execPlain inserts a full batch (plainBatch rows) of new hours through a
// driverStmt: the run statement when the rows are a run, else the plain
// one.
func (w *hourWriter) execPlain(ctx context.Context, rows []obsRow) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	run := isRun(rows)
	ds := w.plainDrv[0]
	if run {
		ds = w.plainDrv[1]
	}
	return w.conn.Raw(func(dc any) error {
		if ds == nil {
			q := w.plainSQL(len(rows))
			if run {
				q = w.plainRunSQL(len(rows))
			}
			pc, ok := dc.(driver.ConnPrepareContext)
			if !ok {
				return fmt.Errorf("unexpected driver connection %T", dc)
			}
			st, err := pc.PrepareContext(ctx, q)
			if err != nil {
				return err
			}
			n := 11 * len(rows)
			if run {
				n = 3 + 6*len(rows)
			}
			ds = &driverStmt{st: st, args: make([]driver.NamedValue, n)}
			for i := range ds.args {
				ds.args[i].Ordinal = i + 1
			}
			if run {
				w.plainDrv[1] = ds
			} else {
				w.plainDrv[0] = ds
			}
		}
		a := ds.args
		val := func(v standard.Conc) driver.Value {
			if v == standard.Missing {
				return nil
			}
			return int64(v)
		}
		if run {
			a[0].Value, a[1].Value, a[2].Value = rows[0].station, rows[0].t.Unix(), int64(rows[0].line)
			a = a[3:]
			for i := range rows {
				v := &rows[i].vals
				a[0].Value, a[1].Value, a[2].Value, a[3].Value, a[4].Value, a[5].Value = val(v[0]), val(v[1]), val(v[2]), val(v[3]), val(v[4]), val(v[5])
				a = a[6:]
			}
		} else {
			for i := range rows {
				r := &rows[i]
				a[0].Value, a[1].Value = r.station, r.t.Unix()
				a[2].Value, a[3].Value, a[4].Value, a[5].Value, a[6].Value, a[7].Value = val(r.vals[0]), val(r.vals[1]), val(r.vals[2]), val(r.vals[3]), val(r.vals[4]), val(r.vals[5])
				a[8].Value, a[9].Value, a[10].Value = r.flags, r.audit, nullInt(r.line)
				a = a[11:]
			}
		}
		ex, ok := ds.st.(driver.StmtExecContext)
		if !ok {
			return fmt.Errorf("unexpected driver statement %T", ds.st)
		}
		// Without a cancellation watch per statement: the context is
		// checked before each batch instead.
		_, err := ex.ExecContext(context.WithoutCancel(ctx), ds.args)
		return err
	})
}

// upsertRows writes rows through the upsert that keeps revisions.
func (w *hourWriter) upsertRows(ctx context.Context, rows []obsRow, res *lantian.WriteResult) error {
	recv := w.db.d.timeArg(w.now)
	for len(rows) > 0 {
		n := min(len(rows), upsertBatch)
		batch := rows[:n]
		rows = rows[n:]
		args := make([]any, 0, n*14)
		for _, r := range batch {
			args = append(args, r.station, w.db.d.timeArg(r.t), r.val(0), r.val(1), r.val(2), r.val(3), r.val(4), r.val(5),
				r.flags, r.audit, w.source, w.run, nullInt(r.line), recv)
		}
		var changed [2]int
		var err error
		if n == upsertBatch {
			// Full batches reuse one prepared statement: parsing a
			// thousand-row INSERT costs as much as running it.
			if w.full == nil {
				if w.full, err = w.ex.PrepareContext(ctx, w.db.q(upsertSQL(n))); err != nil {
					return fmt.Errorf("write hourly observations: %w", err)
				}
			}
			changed, err = w.collectRows(w.full.QueryContext(ctx, args...))
		} else {
			changed, err = w.collectRows(w.ex.QueryContext(ctx, w.db.q(upsertSQL(n)), args...))
		}
		if err != nil {
			return err
		}
		res.Inserted += changed[0]
		res.Revised += changed[1]
		res.Unchanged += n - changed[0] - changed[1]
	}
	return nil
}

// collect runs an upsert … RETURNING station, t, revision, marks the days
// of the returned rows dirty and counts inserted (revision 1) and revised
// rows.
func (w *hourWriter) collect(ctx context.Context, q string, args ...any) ([2]int, error) {
	return w.collectRows(w.ex.QueryContext(ctx, q, args...))
}

func (w *hourWriter) collectRows(rs *sql.Rows, err error) ([2]int, error) {
	var n [2]int
	if err != nil {
		return n, fmt.Errorf("write hourly observations: %w", err)
	}
	defer rs.Close()
	for rs.Next() {
		var station string
		var t time.Time
		var rev int
		if err := rs.Scan(&station, timeScan{&t}, &rev); err != nil {
			return n, fmt.Errorf("write hourly observations: %w", err)
		}
		if rev == 1 {
			n[0]++
		} else {
			n[1]++
		}
		w.markDirty(w.stations[station].id, t)
	}
	return n, wrap(rs.Err(), "write hourly observations")
}

// beijingOffset is China Standard Time's offset from UTC, in seconds (no
// daylight saving since 1991).
const beijingOffset = 8 * 3600

// hourDay is standard.DayOfHour of the hour ending at t, as days since
// 1970-01-01 of the Beijing calendar: a map key without formatting a date
// per row. The hour ending at midnight belongs to the day before.
func hourDay(t time.Time) int32 {
	s := t.Unix() + beijingOffset - 3600
	d := s / 86400
	if s%86400 < 0 {
		d--
	}
	return int32(d)
}

// markDirty marks the station-day of the hour ending at t (and, at flush,
// its area's day when the station is an evaluation station).
func (w *hourWriter) markDirty(sid int32, t time.Time) {
	k := dirtyHourDay{sid, hourDay(t)}
	if k == w.lastDay {
		return
	}
	w.lastDay = k
	w.dirty[k] = struct{}{}
}

// flushDirty records the collected dirty days in the transaction, as runs
// of consecutive days per station and per area: a bulk load marks a row
// per station and area, not one per day.
func (w *hourWriter) flushDirty(ctx context.Context) error {
	if len(w.dirty) == 0 {
		return nil
	}
	days := map[subjectKey][]int32{}
	for k := range w.dirty {
		code := w.codes[k.station]
		sk := subjectKey{lantian.SubjectStation, code}
		days[sk] = append(days[sk], k.day)
		if ref := w.stations[code]; ref.area != "" && ref.evaluation {
			ak := subjectKey{lantian.SubjectArea, ref.area}
			days[ak] = append(days[ak], k.day)
		}
	}
	if err := w.db.markRuns(ctx, w.ex, runsOf(days)); err != nil {
		return err
	}
	w.dirty = map[dirtyHourDay]struct{}{}
	w.lastDay = dirtyHourDay{station: -1}
	return nil
}

// ---- PostgreSQL staging: COPY into a temporary table, merge at commit ----

const stageTable = `lantian_stage_observation`

// createStage creates the staging table when the first rows go there: a
// load of new months never needs it.
func (w *hourWriter) createStage(ctx context.Context) error {
	if w.stageMade {
		return nil
	}
	w.stageMade = true
	_, err := w.ex.ExecContext(ctx, `CREATE TEMPORARY TABLE `+stageTable+` (
		station text NOT NULL, t timestamptz NOT NULL,
		so2 integer, no2 integer, co integer, o3 integer, pm10 integer, pm25 integer,
		flags text NOT NULL, audit text NOT NULL, line integer) ON COMMIT DROP`)
	return wrap(err, "create staging table")
}

// stage writes rows for the merge at commit. The rows of months the run
// creates are encoded at once into COPY streams of their partitions, here
// in the caller's goroutine, while the previous COPY runs. While the file
// has brought only new station-hours, the other rows are first copied
// straight into observation inside a savepoint — COPY speed for the common
// case of loading new data; the first batch that collides with stored
// hours is rolled back to the savepoint and staged, as is everything after
// it.
func (w *hourWriter) stage(ctx context.Context, rows []obsRow) error {
	// Rows are gathered into large COPYs: each COPY is a round trip (and
	// a savepoint, straight into observation). The counts of gathered
	// rows are added at commit.
	for i := range rows {
		r := &rows[i]
		if r.part != "" {
			w.encodeNew(r)
			continue
		}
		if w.pending == nil {
			w.pending = make([]obsRow, 0, copyBatch+len(rows))
		}
		w.pending = append(w.pending, *r)
	}
	w.gathered += len(rows)
	w.stagedRows += len(rows)
	if w.flushAt == 0 {
		w.flushAt = firstCopyBatch
	}
	if w.gathered < w.flushAt {
		return nil
	}
	// The first COPYs are small, so that the server starts loading while
	// the rest of the file is read; later ones large.
	limit := copyBatch
	if len(w.streams) > 0 {
		limit = streamBatch
	}
	w.flushAt = min(2*w.flushAt, limit)
	return w.flush(ctx, false)
}

// copyBatch is the number of rows gathered per COPY of rows of existing
// months and firstCopyBatch the number of the first COPY of a run;
// streamBatch is the number of rows gathered between two COPYs while new
// months are loaded, and streamBuffer the number of rows of new months
// that may wait in their streams (see flush).
const (
	copyBatch      = 32768
	firstCopyBatch = 4096
	streamBatch    = 8192
	streamBuffer   = 65536
)

// streamKey names a COPY stream of a new partition: its rows either all
// have the default flags and audit state (narrow), which the COPY then
// leaves to the partition's column defaults, or carry their own.
type streamKey struct {
	part   string
	narrow bool
}

// copyStream is a binary COPY stream being filled.
type copyStream struct {
	key streamKey
	buf []byte
	n   int
}

// copySQL is the COPY statement of the stream: the columns that are the
// same in every row the run writes (source, run, time of receipt,
// revision 1 and, when narrow, flags and audit) are the new partition's
// column defaults (see claimMonth), not sent with every row.
func (st *copyStream) copySQL() string {
	if st.key.narrow {
		return `COPY ` + st.key.part + ` (station, t, so2, no2, co, o3, pm10, pm25, line) FROM STDIN (FORMAT binary)`
	}
	return `COPY ` + st.key.part + ` (station, t, so2, no2, co, o3, pm10, pm25, flags, audit, line) FROM STDIN (FORMAT binary)`
}

// encodeNew appends a row of a month the run creates to its partition's
// stream and marks its day: nothing can be stored in that month yet, and
// the run's duplicate check keeps two rows from sharing an hour, so the
// row will be inserted.
func (w *hourWriter) encodeNew(r *obsRow) {
	k := streamKey{r.part, r.flags == defaultFlags && r.audit == string(lantian.AuditRaw)}
	if w.curStream == nil || k != w.curKey {
		st := w.streams[k]
		if st == nil {
			if w.streams == nil {
				w.streams = map[streamKey]*copyStream{}
			}
			var buf []byte
			if n := len(w.freeBufs); n > 0 {
				buf, w.freeBufs = w.freeBufs[n-1][:0], w.freeBufs[:n-1]
			} else {
				buf = make([]byte, 0, 512<<10)
			}
			st = &copyStream{key: k, buf: copyHeader(buf)}
			w.streams[k] = st
			w.streamOrder = append(w.streamOrder, k)
		}
		w.curStream, w.curKey = st, k
	}
	w.curStream.buf = appendCopyRow(w.curStream.buf, r, nil, k.narrow)
	w.curStream.n++
	w.markDirty(r.sid, r.t)
}

// copyResult is what a background write reports to settle.
type copyResult struct {
	err      error
	inserted int      // rows copied into new partitions or straight into observation
	direct   []obsRow // rows copied straight into observation, whose days settle marks
	bufs     [][]byte // the buffers of the streams sent, for reuse
}

// flush starts the next COPY in the background, while the caller parses,
// checks and encodes the next rows: the server inserts while the client
// reads, which halves the time of a bulk load on a machine with two cores.
// Only one COPY runs at a time, and everything else that uses the import's
// connection waits for it first (settle).
//
// The pending rows of existing months go with every flush; of the streams
// of new months, all at the end (all), else the largest ones until at most
// streamBuffer rows (half the rows staged so far, at first) are left
// waiting. A file lists a station's year before the next station's, so
// every month's stream grows at once, each by a thirteenth of the rows:
// sending all of them with each flush cuts the year into a COPY per month
// per flush, and each COPY costs the server a millisecond or two besides
// its rows (a thousand tuple slots set up and dropped among other things).
// Sending the largest lets the streams take turns, each growing to several
// flushes' worth of rows: a third of the COPYs for the same flow of rows.
func (w *hourWriter) flush(ctx context.Context, all bool) error {
	if err := w.settle(); err != nil {
		return err
	}
	rows := w.pending
	w.pending = nil
	send := make([]*copyStream, 0, len(w.streamOrder))
	for _, k := range w.streamOrder {
		send = append(send, w.streams[k])
	}
	if !all && len(send) > 0 {
		// Largest first; among equals the one begun first.
		sort.SliceStable(send, func(i, j int) bool { return send[i].n > send[j].n })
		wait := 0
		for _, st := range send {
			wait += st.n
		}
		keep := min(streamBuffer, w.stagedRows/2)
		n := 0
		for n < len(send) && (n == 0 || wait > keep) {
			wait -= send[n].n
			n++
		}
		send = send[:n]
	}
	for _, st := range send {
		delete(w.streams, st.key)
	}
	w.streamOrder = slices.DeleteFunc(w.streamOrder, func(k streamKey) bool { return w.streams[k] == nil })
	w.curStream = nil
	w.gathered = 0
	if len(rows) == 0 && len(send) == 0 {
		return nil
	}
	done := make(chan copyResult, 1)
	w.copying = done
	go func() { done <- w.copyPending(ctx, send, rows) }()
	return nil
}

// settle waits for the background write, if any, counts and marks what it
// copied, and returns its error.
func (w *hourWriter) settle() error {
	if w.copying == nil {
		return nil
	}
	res := <-w.copying
	w.copying = nil
	w.direct2.Inserted += res.inserted
	w.freeBufs = append(w.freeBufs, res.bufs...)
	for i := range res.direct {
		w.markDirty(res.direct[i].sid, res.direct[i].t)
	}
	return res.err
}

// copyPending copies the streams into their new partitions, then rows,
// straight into observation while that works, else into the staging table.
func (w *hourWriter) copyPending(ctx context.Context, streams []*copyStream, rows []obsRow) (res copyResult) {
	for _, st := range streams {
		if err := w.copyRaw(ctx, copyTrailer(st.buf), st.copySQL()); err != nil {
			res.err = fmt.Errorf("copy hourly observations into %s: %w", st.key.part, err)
			return res
		}
		res.inserted += st.n
		res.bufs = append(res.bufs, st.buf)
	}
	if len(rows) == 0 {
		return res
	}
	if w.direct {
		ok, err := w.copyDirect(ctx, rows)
		if err != nil {
			res.err = err
			return res
		}
		if ok {
			res.inserted += len(rows)
			res.direct = rows
			return res
		}
		w.direct = false
	}
	if res.err = w.createStage(ctx); res.err != nil {
		return res
	}
	res.err = wrap(w.copyRaw(ctx, encodeCopy(rows, nil), `COPY `+stageTable+` (station, t, so2, no2, co, o3, pm10, pm25, flags, audit, line) FROM STDIN (FORMAT binary)`),
		"copy hourly observations")
	return res
}

// copyRaw runs a COPY … FROM STDIN of data on the import's connection.
func (w *hourWriter) copyRaw(ctx context.Context, data []byte, copySQL string) error {
	return w.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		_, err := c.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(data), copySQL)
		return err
	})
}

// claimMonths makes the months of a batch that the run has not seen before
// ready for its rows. A month observation has no partition for yet is
// created by the run itself, in its transaction, as a plain table without
// indexes: copying into it costs a fraction of copying through the
// partitioned table's primary key, and attaching it at commit builds that
// key in one sorted pass. Should the import fail or be killed, the table
// goes with its transaction. The month's advisory lock, held until then,
// keeps ensurePartitions and other imports from creating the same month
// meanwhile; it is taken on the import's own connection, so that a cycle
// of waits between two imports is one PostgreSQL detects. The months of a
// batch are claimed together: one wait for the background COPY, one round
// trip per month for its lock and existence, one for all the new tables.
func (w *hourWriter) claimMonths(ctx context.Context, ms []newPart) error {
	w.db.pg.mu.Lock()
	ms = slices.DeleteFunc(ms, func(m newPart) bool { return w.db.pg.partitions[m.name] })
	w.db.pg.mu.Unlock()
	if len(ms) == 0 {
		return nil
	}
	// The connection may be busy with the background COPY.
	if err := w.settle(); err != nil {
		return err
	}
	var create strings.Builder
	var created []newPart
	for _, m := range ms {
		// The function in FROM runs first: the lock is held before
		// the table is looked for.
		var exists bool
		if err := w.ex.QueryRowContext(ctx, `SELECT to_regclass($3) IS NOT NULL FROM pg_advisory_xact_lock($1, $2)`,
			monthLockClass, monthLockKey(m.from), m.name).Scan(&exists); err != nil {
			return fmt.Errorf("create partition %s: %w", m.name, err)
		}
		if exists {
			w.db.pg.mu.Lock()
			w.db.pg.partitions[m.name] = true
			w.db.pg.mu.Unlock()
			continue
		}
		w.createSQL(&create, m)
		created = append(created, m)
	}
	if len(created) == 0 {
		return nil
	}
	if _, err := w.ex.ExecContext(ctx, create.String()); err != nil {
		return fmt.Errorf("create partitions %s…%s: %w", created[0].name, created[len(created)-1].name, err)
	}
	if w.newParts == nil {
		w.newParts = map[string]*newPart{}
	}
	for i := range created {
		w.newParts[created[i].name] = &created[i]
	}
	return nil
}

// createSQL appends the statements that create the table of new month m.
// The CHECK states the partition's bounds, so that attaching it need not
// scan the rows to prove them. The columns that are the same in every row
// of the run default to the run's values, so that its COPYs need not send
// them (copyStream.copySQL); flags and audit state default to those of
// nearly every row. Constraint and defaults are dropped once the table is
// attached (attachNew).
func (w *hourWriter) createSQL(b *strings.Builder, m newPart) {
	run := "NULL"
	if w.run.Valid {
		run = strconv.FormatInt(w.run.Int64, 10)
	}
	fmt.Fprintf(b, `CREATE TABLE %[1]s (LIKE observation INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
			CONSTRAINT %[1]s_bounds CHECK (t >= '%[2]s' AND t < '%[3]s'));
		ALTER TABLE %[1]s ALTER flags SET DEFAULT '%[4]s', ALTER audit SET DEFAULT '%[5]s',
			ALTER source SET DEFAULT %[6]d, ALTER run SET DEFAULT %[7]s,
			ALTER received_at SET DEFAULT '%[8]s', ALTER revision SET DEFAULT 1;
		`,
		m.name, m.from.Format(time.RFC3339), m.to.Format(time.RFC3339), defaultFlags, lantian.AuditRaw,
		w.source, run, w.now.UTC().Format("2006-01-02 15:04:05.000000Z07:00"))
}

// attachNew attaches the partitions the run created, building their
// primary keys, before the staged rows are merged and the run commits. All
// in one round trip.
func (w *hourWriter) attachNew(ctx context.Context) error {
	if len(w.newParts) == 0 {
		return nil
	}
	names := make([]string, 0, len(w.newParts))
	for name := range w.newParts {
		names = append(names, name)
	}
	sort.Strings(names)
	var q strings.Builder
	for _, name := range names {
		b := w.newParts[name]
		fmt.Fprintf(&q, `ALTER TABLE observation ATTACH PARTITION %[1]s FOR VALUES FROM ('%[2]s') TO ('%[3]s');
			ALTER TABLE %[1]s DROP CONSTRAINT %[1]s_bounds,
				ALTER flags DROP DEFAULT, ALTER audit DROP DEFAULT, ALTER source DROP DEFAULT, ALTER run DROP DEFAULT,
				ALTER received_at DROP DEFAULT, ALTER revision DROP DEFAULT;
			`, name, b.from.Format(time.RFC3339), b.to.Format(time.RFC3339))
	}
	if _, err := w.ex.ExecContext(ctx, q.String()); err != nil {
		return fmt.Errorf("attach partitions %s…%s: %w", names[0], names[len(names)-1], err)
	}
	return nil
}

// committed records, once the run has committed, that the partitions it
// created exist.
func (w *hourWriter) committed() {
	if len(w.newParts) == 0 {
		return
	}
	w.db.pg.mu.Lock()
	for name := range w.newParts {
		w.db.pg.partitions[name] = true
	}
	w.db.pg.mu.Unlock()
}

// copyDirect copies rows into observation as new station-hours. It reports
// false, with the savepoint rolled back, when one of them already exists.
func (w *hourWriter) copyDirect(ctx context.Context, rows []obsRow) (bool, error) {
	if _, err := w.ex.ExecContext(ctx, `SAVEPOINT lantian_copy`); err != nil {
		return false, fmt.Errorf("copy hourly observations: %w", err)
	}
	buf := encodeCopy(rows, &copyConst{source: int32(w.source), run: w.run, recv: w.now})
	err := w.conn.Raw(func(dc any) error {
		c, ok := dc.(*stdlib.Conn)
		if !ok {
			return fmt.Errorf("unexpected driver connection %T", dc)
		}
		_, err := c.Conn().PgConn().CopyFrom(ctx, bytes.NewReader(buf),
			`COPY observation (`+obsCols+`) FROM STDIN (FORMAT binary)`)
		return err
	})
	var pe *pgconn.PgError
	switch {
	case err == nil:
		_, err = w.ex.ExecContext(ctx, `RELEASE SAVEPOINT lantian_copy`)
		return err == nil, wrap(err, "copy hourly observations")
	case errors.As(err, &pe) && pe.Code == "23505": // unique_violation: hours already stored
		if _, err := w.ex.ExecContext(ctx, `ROLLBACK TO SAVEPOINT lantian_copy`); err != nil {
			return false, fmt.Errorf("copy hourly observations: %w", err)
		}
		_, err = w.ex.ExecContext(ctx, `RELEASE SAVEPOINT lantian_copy`)
		return false, wrap(err, "copy hourly observations")
	}
	return false, fmt.Errorf("copy hourly observations: %w", err)
}

// copyConst holds the columns that are the same in every row a run copies
// into observation; nil when copying into the staging table, which lacks
// them.
type copyConst struct {
	source int32
	run    sql.NullInt64
	recv   time.Time
}

// pgEpoch is the origin of PostgreSQL's binary timestamps.
var pgEpoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// encodeCopy encodes rows in PostgreSQL's binary COPY format: station, t,
// the six values, flags, audit, then with c source, run, line, received_at
// and revision 1, or without it only line. Encoding by hand, knowing every
// column's type, costs a fraction of encoding each value through pgx's
// type map.
func encodeCopy(rows []obsRow, c *copyConst) []byte {
	buf := copyHeader(make([]byte, 0, 21+len(rows)*140))
	for i := range rows {
		buf = appendCopyRow(buf, &rows[i], c, false)
	}
	return copyTrailer(buf)
}

// copyHeader appends the header of a binary COPY stream.
func copyHeader(buf []byte) []byte {
	buf = append(buf, "PGCOPY\n\xff\r\n\x00"...)
	buf = binary.BigEndian.AppendUint32(buf, 0)  // flags
	return binary.BigEndian.AppendUint32(buf, 0) // header extension
}

// copyTrailer appends the end of a binary COPY stream.
func copyTrailer(buf []byte) []byte { return binary.BigEndian.AppendUint16(buf, 0xffff) }

// appendCopyRow appends one row of encodeCopy's layout; narrow (without
// c) leaves out flags and audit: station, t, the six values and line.
func appendCopyRow(buf []byte, r *obsRow, c *copyConst, narrow bool) []byte {
	be := binary.BigEndian
	fields := uint16(11)
	switch {
	case c != nil:
		fields = 15
	case narrow:
		fields = 9
	}
	buf = be.AppendUint16(buf, fields)
	buf = be.AppendUint32(buf, uint32(len(r.station)))
	buf = append(buf, r.station...)
	buf = appendStamp(buf, r.t)
	for _, v := range r.vals {
		if v == standard.Missing {
			buf = be.AppendUint32(buf, 0xffffffff)
		} else {
			buf = be.AppendUint32(buf, 4)
			buf = be.AppendUint32(buf, uint32(v))
		}
	}
	if !narrow || c != nil {
		buf = be.AppendUint32(buf, uint32(len(r.flags)))
		buf = append(buf, r.flags...)
		buf = be.AppendUint32(buf, uint32(len(r.audit)))
		buf = append(buf, r.audit...)
	}
	if c != nil {
		buf = be.AppendUint32(buf, 4)
		buf = be.AppendUint32(buf, uint32(c.source))
		if c.run.Valid {
			buf = be.AppendUint32(buf, 4)
			buf = be.AppendUint32(buf, uint32(c.run.Int64))
		} else {
			buf = be.AppendUint32(buf, 0xffffffff)
		}
	}
	if r.line == 0 {
		buf = be.AppendUint32(buf, 0xffffffff)
	} else {
		buf = be.AppendUint32(buf, 4)
		buf = be.AppendUint32(buf, uint32(r.line))
	}
	if c != nil {
		buf = appendStamp(buf, c.recv)
		buf = be.AppendUint32(buf, 4)
		buf = be.AppendUint32(buf, 1)
	}
	return buf
}

// appendStamp appends a timestamptz field: microseconds since pgEpoch,
// truncated as pgx truncates a time.Time it sends.
func appendStamp(buf []byte, t time.Time) []byte {
	buf = binary.BigEndian.AppendUint32(buf, 8)
	return binary.BigEndian.AppendUint64(buf, uint64((t.Unix()-pgEpoch.Unix())*1e6+int64(t.Nanosecond()/1e3)))
}

// merge moves the staged rows into observation in one statement.
func (w *hourWriter) merge(ctx context.Context) (lantian.WriteResult, error) {
	if err := w.flush(ctx, true); err != nil {
		return lantian.WriteResult{}, err
	}
	if err := w.settle(); err != nil {
		return lantian.WriteResult{}, err
	}
	if err := w.attachNew(ctx); err != nil {
		return lantian.WriteResult{}, err
	}
	res := w.direct2
	if !w.stageMade {
		return res, nil
	}
	var total int
	if err := w.ex.QueryRowContext(ctx, `SELECT count(*) FROM `+stageTable).Scan(&total); err != nil {
		return res, fmt.Errorf("count staged rows: %w", err)
	}
	if total == 0 {
		return res, nil
	}
	q := `INSERT INTO observation (` + obsCols + `)
		SELECT station, t, so2, no2, co, o3, pm10, pm25, flags, audit, $1, $2, line, $3, 1 FROM ` + stageTable + upsertTail
	changed, err := w.collect(ctx, q, w.source, w.run, w.db.d.timeArg(w.now))
	if err != nil {
		return res, err
	}
	res.Inserted += changed[0]
	res.Revised += changed[1]
	res.Unchanged += total - changed[0] - changed[1]
	return res, nil
}

func nullInt(n int) any {
	if n == 0 {
		return nil
	}
	return int64(n)
}

// WriteHours implements lantian.ObservationService: one transaction, records
// refused one by one.
func (db *DB) WriteHours(ctx context.Context, recs []lantian.HourRecord) (lantian.WriteResult, error) {
	var res lantian.WriteResult
	if len(recs) == 0 {
		return res, nil
	}
	// Group by source so that each record keeps the source it names.
	bySource := map[string][]int{}
	var order []string
	for i := range recs {
		s := recs[i].Source
		if s == "" {
			s = "api"
		}
		if _, ok := bySource[s]; !ok {
			order = append(order, s)
		}
		bySource[s] = append(bySource[s], i)
	}
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		for _, s := range order {
			w, err := db.newHourWriter(ctx, tx, s, 0)
			if err != nil {
				return err
			}
			w.seen = newSeenHours()
			idx := bySource[s]
			part := make([]lantian.HourRecord, len(idx))
			for j, i := range idx {
				part[j] = recs[i]
			}
			r, err := w.write(ctx, part)
			w.close()
			if err != nil {
				return err
			}
			for k := range r.Rejected {
				r.Rejected[k].Index = idx[r.Rejected[k].Index]
			}
			res.Add(r)
			if err := w.flushDirty(ctx); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return lantian.WriteResult{}, err
	}
	db.statsChanged()
	return res, nil
}

// errDone is returned by an Import used after Commit or Rollback.
var errDone = errors.New("import already committed or rolled back")
