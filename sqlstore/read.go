package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/standard"
)

// scanHour scans the columns of obsReadCols.
func scanHour(sc interface{ Scan(...any) error }, src *sourceNames) (*lantian.HourRecord, error) {
	var r lantian.HourRecord
	var vals [standard.NumPollutants]sql.NullInt64
	var flags, audit string
	var source int64
	var line sql.NullInt64
	if err := sc.Scan(&r.Station, timeScan{&r.Time}, &vals[0], &vals[1], &vals[2], &vals[3], &vals[4], &vals[5],
		&flags, &audit, &source, &line, timeScan{&r.ReceivedAt}, &r.Revision); err != nil {
		return nil, err
	}
	for p, v := range vals {
		r.Values[p] = standard.Missing
		if v.Valid {
			r.Values[p] = standard.Conc(v.Int64)
		}
	}
	for p := 0; p < standard.NumPollutants && p < len(flags); p++ {
		r.Flags[p] = lantian.Flag(flags[p])
	}
	r.Audit = lantian.AuditState(audit)
	r.Line = int(line.Int64)
	r.Source = src.name(source)
	return &r, nil
}

const obsReadCols = `station, t, so2, no2, co, o3, pm10, pm25, flags, audit, source, line, received_at, revision`

// sourceNames resolves source ids for one read.
type sourceNames struct {
	ids map[int64]string
}

func (db *DB) sourceNames(ctx context.Context) (*sourceNames, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT id, name FROM source`)
	if err != nil {
		return nil, fmt.Errorf("read sources: %w", err)
	}
	defer rows.Close()
	s := &sourceNames{ids: map[int64]string{}}
	for rows.Next() {
		var id int64
		var name string
		if err := rows.Scan(&id, &name); err != nil {
			return nil, fmt.Errorf("read sources: %w", err)
		}
		s.ids[id] = name
	}
	return s, wrap(rows.Err(), "read sources")
}

func (s *sourceNames) name(id int64) string {
	if n, ok := s.ids[id]; ok {
		return n
	}
	return fmt.Sprintf("source %d", id)
}

// stationCodes resolves the stations an observation filter names.
func (db *DB) stationCodes(ctx context.Context, stations []string, area string, synthetic bool) ([]string, error) {
	codes := append([]string(nil), stations...)
	if area != "" {
		ss, err := db.Stations(ctx, lantian.StationFilter{Area: area, Within: true, Synthetic: synthetic})
		if err != nil {
			return nil, err
		}
		for _, s := range ss {
			codes = append(codes, s.Code)
		}
	}
	return codes, nil
}

// Observations implements lantian.ObservationService.
func (db *DB) Observations(ctx context.Context, f lantian.ObservationFilter) ([]*lantian.HourRecord, error) {
	if f.From.IsZero() || f.To.IsZero() || !f.To.After(f.From) {
		return nil, lantian.Errorf(lantian.EINVALID, "observations: want a time range with from before to")
	}
	if f.To.Sub(f.From) > 5*366*24*time.Hour {
		return nil, lantian.Errorf(lantian.EINVALID, "observations: the time range may span at most five years")
	}
	if len(f.Stations) == 0 && f.Area == "" {
		return nil, lantian.Errorf(lantian.EINVALID, "observations: name stations or an area")
	}
	codes, err := db.stationCodes(ctx, f.Stations, f.Area, f.Synthetic)
	if err != nil {
		return nil, err
	}
	if len(codes) == 0 {
		return nil, nil
	}
	// Time bounds are half-open [From, To) on the hour-ending instant.
	args := []any{db.d.timeArg(f.From), db.d.timeArg(f.To)}
	q := `SELECT ` + obsReadCols + ` FROM observation WHERE t >= ? AND t < ? AND station IN (` + bindList(len(codes)) + `)`
	for _, c := range codes {
		args = append(args, c)
	}
	if f.AfterStation != "" {
		q += ` AND (station > ? OR (station = ? AND t > ?))`
		args = append(args, f.AfterStation, f.AfterStation, db.d.timeArg(f.AfterTime))
	}
	q += ` ORDER BY station, t`
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	return db.queryHours(ctx, q, args...)
}

func (db *DB) queryHours(ctx context.Context, q string, args ...any) ([]*lantian.HourRecord, error) {
	src, err := db.sourceNames(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := db.r.QueryContext(ctx, db.q(q), args...)
	if err != nil {
		return nil, fmt.Errorf("read observations: %w", err)
	}
	defer rows.Close()
	var out []*lantian.HourRecord
	for rows.Next() {
		r, err := scanHour(rows, src)
		if err != nil {
			return nil, fmt.Errorf("read observations: %w", err)
		}
		out = append(out, r)
	}
	return out, wrap(rows.Err(), "read observations")
}

// LatestHours implements lantian.ObservationService. Each station's latest
// hour is found through the primary key (one index probe per station).
func (db *DB) LatestHours(ctx context.Context, f lantian.StationFilter) ([]*lantian.HourRecord, error) {
	ss, err := db.Stations(ctx, f)
	if err != nil {
		return nil, err
	}
	if len(ss) == 0 {
		return nil, nil
	}
	args := make([]any, 0, len(ss))
	for _, s := range ss {
		args = append(args, s.Code)
	}
	q := `SELECT ` + obsReadCols + ` FROM observation o WHERE o.station IN (` + bindList(len(ss)) + `)
		AND o.t = (SELECT max(t) FROM observation m WHERE m.station = o.station) ORDER BY o.station`
	return db.queryHours(ctx, q, args...)
}

// Revisions implements lantian.ObservationService.
func (db *DB) Revisions(ctx context.Context, station string, hour time.Time) ([]*lantian.HourRecord, error) {
	t := db.d.timeArg(hour)
	old, err := db.queryHours(ctx, `SELECT station, t, so2, no2, co, o3, pm10, pm25, flags, audit, source, line, received_at, revision
		FROM observation_revision WHERE station = ? AND t = ? ORDER BY revision`, station, t)
	if err != nil {
		return nil, err
	}
	cur, err := db.queryHours(ctx, `SELECT `+obsReadCols+` FROM observation WHERE station = ? AND t = ?`, station, t)
	if err != nil {
		return nil, err
	}
	if len(cur) == 0 {
		return nil, lantian.Errorf(lantian.ENOTFOUND, "station %s has no hour ending %s", station, hour.In(standard.Beijing).Format(time.RFC3339))
	}
	return append(old, cur...), nil
}

// ---- dust days ----

// DustDays implements lantian.DustService.
func (db *DB) DustDays(ctx context.Context, area string, from, to time.Time) ([]*lantian.DustDay, error) {
	rows, err := db.r.QueryContext(ctx, db.q(`SELECT area, day, note FROM dust_day WHERE area = ? AND day >= ? AND day <= ? ORDER BY day`),
		area, db.d.dayArg(from), db.d.dayArg(to))
	if err != nil {
		return nil, fmt.Errorf("read dust days: %w", err)
	}
	defer rows.Close()
	var out []*lantian.DustDay
	for rows.Next() {
		var d lantian.DustDay
		if err := rows.Scan(&d.Area, dayScan{&d.Date}, &d.Note); err != nil {
			return nil, fmt.Errorf("read dust days: %w", err)
		}
		out = append(out, &d)
	}
	return out, wrap(rows.Err(), "read dust days")
}

// SetDustDay implements lantian.DustService. Daily statistics do not depend
// on dust flags (only the period assessment does, which reads them when it
// runs), so nothing needs recomputing.
func (db *DB) SetDustDay(ctx context.Context, d *lantian.DustDay) error {
	if d == nil || d.Area == "" || d.Date.IsZero() {
		return lantian.Errorf(lantian.EINVALID, "dust day: want an area and a date")
	}
	if _, err := db.Area(ctx, d.Area); err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.q(`INSERT INTO dust_day (area, day, note) VALUES (?, ?, ?)
			ON CONFLICT (area, day) DO UPDATE SET note = excluded.note`), d.Area, db.d.dayArg(d.Date), strings.TrimSpace(d.Note))
		return wrap(err, "store dust day")
	})
}

// ClearDustDay implements lantian.DustService.
func (db *DB) ClearDustDay(ctx context.Context, area string, date time.Time) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.q(`DELETE FROM dust_day WHERE area = ? AND day = ?`), area, db.d.dayArg(date))
		return wrap(err, "clear dust day")
	})
}
