package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"

	"github.com/lantian-aq/lantian"
)

// importTx is one file's import: a transaction on a dedicated connection,
// held from BeginImport to Commit or Rollback. On SQLite it is the write
// transaction (BEGIN IMMEDIATE), so other writers wait; readers go on
// reading the last committed state.
type importTx struct {
	db      *DB
	conn    *sql.Conn
	file    string
	format  string
	started time.Time
	run     int64
	w       *hourWriter
	catalog lantian.WriteResult // areas and stations
	done    bool
}

// BeginImport implements lantian.ObservationService.
func (db *DB) BeginImport(ctx context.Context, file, format string) (lantian.Import, error) {
	conn, err := db.w.Conn(ctx)
	if err != nil {
		return nil, fmt.Errorf("import %s: %w", file, err)
	}
	begin := "BEGIN"
	if !db.d.Postgres {
		begin = "BEGIN IMMEDIATE"
	}
	if _, err := conn.ExecContext(ctx, begin); err != nil {
		conn.Close()
		return nil, fmt.Errorf("import %s: begin: %w", file, err)
	}
	im := &importTx{db: db, conn: conn, file: file, format: format, started: db.now()}
	if err := im.start(ctx); err != nil {
		im.Rollback()
		return nil, fmt.Errorf("import %s: %w", file, err)
	}
	return im, nil
}

func (im *importTx) start(ctx context.Context) error {
	db := im.db
	err := im.conn.QueryRowContext(ctx, db.q(`INSERT INTO import_run (file, format, started_at, finished_at,
		rows_read, inserted, revised, unchanged, rejected) VALUES (?, ?, ?, ?, 0, 0, 0, 0, 0) RETURNING id`),
		im.file, im.format, db.d.timeArg(im.started), db.d.timeArg(im.started)).Scan(&im.run)
	if err != nil {
		return fmt.Errorf("record run: %w", err)
	}
	im.w, err = db.newHourWriter(ctx, im.conn, "import:"+filepath.Base(im.file), im.run)
	if err != nil {
		return err
	}
	im.w.conn = im.conn
	im.w.seen = newSeenHours()
	if db.d.Postgres {
		im.w.staged, im.w.direct = true, true
		return nil
	}
	im.w.async = true
	return nil
}

// PutAreas implements lantian.Import. Areas are written in the order given,
// so parents come before their children.
func (im *importTx) PutAreas(ctx context.Context, as []*lantian.Area) (lantian.WriteResult, error) {
	var res lantian.WriteResult
	if im.done {
		return res, errDone
	}
	if err := im.w.settle(); err != nil {
		return res, err
	}
	for i, a := range as {
		st, err := im.db.putArea(ctx, im.conn, a)
		if err != nil {
			if !isInputError(err) {
				return res, err
			}
			res.Rejected = append(res.Rejected, lantian.RecordError{Index: i, Code: lantian.ErrorCode(err), Message: lantian.ErrorMessage(err)})
			continue
		}
		count(&res, st)
	}
	im.catalog.Add(res)
	return res, nil
}

// PutStations implements lantian.Import.
func (im *importTx) PutStations(ctx context.Context, ss []*lantian.Station) (lantian.WriteResult, error) {
	var res lantian.WriteResult
	if im.done {
		return res, errDone
	}
	if err := im.w.settle(); err != nil {
		return res, err
	}
	for i, s := range ss {
		st, err := im.db.putStation(ctx, im.conn, s)
		if err != nil {
			if !isInputError(err) {
				return res, err
			}
			res.Rejected = append(res.Rejected, lantian.RecordError{Index: i, Station: s.Code, Code: lantian.ErrorCode(err), Message: lantian.ErrorMessage(err)})
			continue
		}
		count(&res, st)
		im.w.addStation(s.Code, stationRef{area: s.Area, evaluation: s.Evaluation})
	}
	im.catalog.Add(res)
	return res, nil
}

func count(res *lantian.WriteResult, st int) {
	switch st {
	case 0:
		res.Inserted++
	case 1:
		res.Revised++
	default:
		res.Unchanged++
	}
}

// isInputError reports whether err is the input's fault (the record is
// refused, the import goes on) rather than the store's.
func isInputError(err error) bool {
	switch lantian.ErrorCode(err) {
	case lantian.EINVALID, lantian.ECONFLICT, lantian.ENOTFOUND:
		return true
	}
	return false
}

// WriteHours implements lantian.Import.
func (im *importTx) WriteHours(ctx context.Context, recs []lantian.HourRecord) (lantian.WriteResult, error) {
	if im.done {
		return lantian.WriteResult{}, errDone
	}
	return im.w.write(ctx, recs)
}

// Commit implements lantian.Import.
func (im *importTx) Commit(ctx context.Context, sum lantian.ImportSummary) (*lantian.ImportRun, error) {
	if im.done {
		return nil, errDone
	}
	run, err := im.commit(ctx, sum)
	if err != nil {
		im.Rollback()
		return nil, fmt.Errorf("import %s: %w", im.file, err)
	}
	return run, nil
}

func (im *importTx) commit(ctx context.Context, sum lantian.ImportSummary) (*lantian.ImportRun, error) {
	db := im.db
	if im.w.staged {
		res, err := im.w.merge(ctx)
		if err != nil {
			return nil, err
		}
		im.w.res.Add(res)
	}
	if err := im.w.settle(); err != nil {
		return nil, err
	}
	im.w.res.Add(im.w.asyncRes)
	im.w.close()
	if err := im.w.flushDirty(ctx); err != nil {
		return nil, err
	}
	run := &lantian.ImportRun{ID: im.run, File: im.file, Format: im.format, StartedAt: im.started, FinishedAt: db.now()}
	run.ImportSummary = sum
	run.Inserted = sum.Inserted + im.w.res.Inserted + im.catalog.Inserted
	run.Revised = sum.Revised + im.w.res.Revised + im.catalog.Revised
	run.Unchanged = sum.Unchanged + im.w.res.Unchanged + im.catalog.Unchanged
	run.Rejected = sum.Rejected + len(im.w.res.Rejected) + len(im.catalog.Rejected)
	msgs, err := json.Marshal(run.Messages)
	if err != nil {
		return nil, err
	}
	if run.Messages == nil {
		msgs = []byte("[]")
	}
	_, err = im.conn.ExecContext(ctx, db.q(`UPDATE import_run SET finished_at = ?, rows_read = ?, inserted = ?,
		revised = ?, unchanged = ?, rejected = ?, messages = ? WHERE id = ?`),
		db.d.timeArg(run.FinishedAt), run.Read, run.Inserted, run.Revised, run.Unchanged, run.Rejected, string(msgs), im.run)
	if err != nil {
		return nil, fmt.Errorf("record run: %w", err)
	}
	if _, err := im.conn.ExecContext(ctx, "COMMIT"); err != nil {
		return nil, fmt.Errorf("commit: %w", err)
	}
	im.done = true
	im.conn.Close()
	im.w.committed()
	db.statsChanged()
	return run, nil
}

// Rollback implements lantian.Import.
func (im *importTx) Rollback() error {
	if im.done {
		return nil
	}
	im.done = true
	if im.w != nil {
		im.w.close()
	}
	_, err := im.conn.ExecContext(context.Background(), "ROLLBACK")
	if err != nil {
		// The connection's state is unknown: make the pool discard it
		// rather than hand a connection inside a transaction to someone
		// else.
		im.conn.Raw(func(any) error { return driver.ErrBadConn })
	}
	im.conn.Close()
	return wrap(err, "roll back import of %s", im.file)
}

// ImportRuns implements lantian.ImportRunService.
func (db *DB) ImportRuns(ctx context.Context, limit int) ([]*lantian.ImportRun, error) {
	q := `SELECT id, file, format, started_at, finished_at, rows_read, inserted, revised, unchanged, rejected, messages
		FROM import_run ORDER BY id DESC`
	var args []any
	if limit > 0 {
		q += ` LIMIT ?`
		args = append(args, limit)
	}
	rows, err := db.r.QueryContext(ctx, db.q(q), args...)
	if err != nil {
		return nil, fmt.Errorf("list import runs: %w", err)
	}
	defer rows.Close()
	var out []*lantian.ImportRun
	for rows.Next() {
		var r lantian.ImportRun
		var msgs string
		if err := rows.Scan(&r.ID, &r.File, &r.Format, timeScan{&r.StartedAt}, timeScan{&r.FinishedAt},
			&r.Read, &r.Inserted, &r.Revised, &r.Unchanged, &r.Rejected, &msgs); err != nil {
			return nil, fmt.Errorf("list import runs: %w", err)
		}
		if err := json.Unmarshal([]byte(msgs), &r.Messages); err != nil {
			return nil, fmt.Errorf("import run %d messages: %w", r.ID, err)
		}
		out = append(out, &r)
	}
	return out, wrap(rows.Err(), "list import runs")
}
