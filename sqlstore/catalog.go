package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/standard"
)

// ---- areas ----

const areaCols = `code, name, level, parent`

func scanArea(sc interface{ Scan(...any) error }) (*lantian.Area, error) {
	var a lantian.Area
	var parent sql.NullString
	if err := sc.Scan(&a.Code, &a.Name, &a.Level, &parent); err != nil {
		return nil, err
	}
	a.Parent = parent.String
	return &a, nil
}

// Area implements lantian.AreaService.
func (db *DB) Area(ctx context.Context, code string) (*lantian.Area, error) {
	a, err := scanArea(db.r.QueryRowContext(ctx, db.q(`SELECT `+areaCols+` FROM area WHERE code = ?`), code))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, lantian.Errorf(lantian.ENOTFOUND, "no area with code %q", code)
	}
	return a, wrap(err, "read area %s", code)
}

// Areas implements lantian.AreaService.
func (db *DB) Areas(ctx context.Context, f lantian.AreaFilter) ([]*lantian.Area, error) {
	var where []string
	var args []any
	if f.Parent != "" {
		where = append(where, "parent = ?")
		args = append(args, f.Parent)
	}
	if f.Level != "" {
		where = append(where, "level = ?")
		args = append(args, string(f.Level))
	}
	if len(f.Codes) > 0 {
		where = append(where, "code IN ("+bindList(len(f.Codes))+")")
		for _, c := range f.Codes {
			args = append(args, c)
		}
	}
	if f.Within != "" {
		where = append(where, "code IN (SELECT code FROM subtree)")
	}
	q := `SELECT ` + areaCols + ` FROM area`
	if f.Within != "" {
		q = withSubtree + q
		args = append([]any{f.Within}, args...)
	}
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY code"
	rows, err := db.r.QueryContext(ctx, db.q(q), args...)
	if err != nil {
		return nil, fmt.Errorf("list areas: %w", err)
	}
	defer rows.Close()
	var out []*lantian.Area
	for rows.Next() {
		a, err := scanArea(rows)
		if err != nil {
			return nil, fmt.Errorf("list areas: %w", err)
		}
		out = append(out, a)
	}
	return out, wrap(rows.Err(), "list areas")
}

// withSubtree defines subtree(code): the area given as the first argument
// and every area below it.
const withSubtree = `WITH RECURSIVE subtree(code) AS (
	SELECT code FROM area WHERE code = ?
	UNION SELECT a.code FROM area a JOIN subtree s ON a.parent = s.code
) `

func validArea(a *lantian.Area) error {
	switch {
	case a == nil:
		return lantian.Errorf(lantian.EINVALID, "no area given")
	case strings.TrimSpace(a.Code) == "" || a.Code != strings.TrimSpace(a.Code):
		return lantian.Errorf(lantian.EINVALID, "area code %q: want a non-empty code without surrounding spaces", a.Code)
	case strings.TrimSpace(a.Name) == "":
		return lantian.Errorf(lantian.EINVALID, "area %s: want a name", a.Code)
	case a.Parent == a.Code:
		return lantian.Errorf(lantian.EINVALID, "area %s cannot be its own parent", a.Code)
	}
	switch a.Level {
	case lantian.LevelProvince, lantian.LevelCity, lantian.LevelCounty, lantian.LevelTownship:
	default:
		return lantian.Errorf(lantian.EINVALID, "area %s level %q: want province, city, county or township", a.Code, a.Level)
	}
	return nil
}

// PutArea implements lantian.AreaService.
func (db *DB) PutArea(ctx context.Context, a *lantian.Area) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := db.putArea(ctx, tx, a)
		return err
	})
}

// putArea creates or replaces a and reports whether it was new, changed or
// unchanged (0, 1, 2).
func (db *DB) putArea(ctx context.Context, ex execer, a *lantian.Area) (int, error) {
	if err := validArea(a); err != nil {
		return 0, err
	}
	if a.Parent != "" {
		// The parent must exist and must not lie below a (no cycles).
		var n int
		err := ex.QueryRowContext(ctx, db.q(withSubtree+`SELECT count(*) FROM subtree WHERE code = ?`), a.Code, a.Parent).Scan(&n)
		if err != nil {
			return 0, fmt.Errorf("check area %s: %w", a.Code, err)
		}
		if n > 0 {
			return 0, lantian.Errorf(lantian.EINVALID, "area %s cannot have %s as parent: %s lies within %s", a.Code, a.Parent, a.Parent, a.Code)
		}
		err = ex.QueryRowContext(ctx, db.q(`SELECT count(*) FROM area WHERE code = ?`), a.Parent).Scan(&n)
		if err != nil {
			return 0, fmt.Errorf("check area %s: %w", a.Code, err)
		}
		if n == 0 {
			return 0, lantian.Errorf(lantian.EINVALID, "area %s: parent area %q does not exist", a.Code, a.Parent)
		}
	}
	old, err := scanArea(ex.QueryRowContext(ctx, db.q(`SELECT `+areaCols+` FROM area WHERE code = ?`), a.Code))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		old = nil
	case err != nil:
		return 0, fmt.Errorf("read area %s: %w", a.Code, err)
	case *old == *a:
		return 2, nil
	}
	_, err = ex.ExecContext(ctx, db.q(`INSERT INTO area (code, name, level, parent) VALUES (?, ?, ?, ?)
		ON CONFLICT (code) DO UPDATE SET name = excluded.name, level = excluded.level, parent = excluded.parent`),
		a.Code, a.Name, string(a.Level), nullString(a.Parent))
	if err != nil {
		return 0, fmt.Errorf("store area %s: %w", a.Code, err)
	}
	if old == nil {
		return 0, nil
	}
	return 1, nil
}

// ---- stations ----

const stationCols = `code, name, kind, area, lon, lat, active_from, active_to, evaluation, mn, synthetic`

func scanStation(sc interface{ Scan(...any) error }) (*lantian.Station, error) {
	var s lantian.Station
	var area, mn sql.NullString
	if err := sc.Scan(&s.Code, &s.Name, &s.Kind, &area, &s.Lon, &s.Lat,
		timeScan{&s.ActiveFrom}, timeScan{&s.ActiveTo}, &s.Evaluation, &mn, &s.Synthetic); err != nil {
		return nil, err
	}
	s.Area, s.MN = area.String, mn.String
	return &s, nil
}

// Station implements lantian.StationService.
func (db *DB) Station(ctx context.Context, code string) (*lantian.Station, error) {
	s, err := scanStation(db.r.QueryRowContext(ctx, db.q(`SELECT `+stationCols+` FROM station WHERE code = ?`), code))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, lantian.Errorf(lantian.ENOTFOUND, "no station with code %q", code)
	}
	return s, wrap(err, "read station %s", code)
}

// StationByMN implements lantian.StationService.
func (db *DB) StationByMN(ctx context.Context, mn string) (*lantian.Station, error) {
	s, err := scanStation(db.r.QueryRowContext(ctx, db.q(`SELECT `+stationCols+` FROM station WHERE mn = ?`), mn))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, lantian.Errorf(lantian.ENOTFOUND, "no station with HJ 212 MN %q", mn)
	}
	return s, wrap(err, "read station by MN %s", mn)
}

// stationQuery builds the WHERE clause of a station filter.
func (db *DB) stationQuery(f lantian.StationFilter) (prefix string, where []string, args []any) {
	if f.Area != "" {
		if f.Within {
			prefix = withSubtree
			args = append(args, f.Area)
			where = append(where, "area IN (SELECT code FROM subtree)")
		} else {
			where = append(where, "area = ?")
			args = append(args, f.Area)
		}
	}
	if len(f.Kinds) > 0 {
		where = append(where, "kind IN ("+bindList(len(f.Kinds))+")")
		for _, k := range f.Kinds {
			args = append(args, string(k))
		}
	}
	if f.Evaluation != nil {
		where = append(where, "evaluation = ?")
		args = append(args, *f.Evaluation)
	}
	if !f.ActiveAt.IsZero() {
		where = append(where, "(active_from IS NULL OR active_from <= ?) AND (active_to IS NULL OR active_to > ?)")
		args = append(args, db.d.timeArg(f.ActiveAt), db.d.timeArg(f.ActiveAt))
	}
	if len(f.Codes) > 0 {
		where = append(where, "code IN ("+bindList(len(f.Codes))+")")
		for _, c := range f.Codes {
			args = append(args, c)
		}
	}
	if !f.Synthetic {
		where = append(where, "synthetic = ?")
		args = append(args, false)
	}
	return prefix, where, args
}

// Stations implements lantian.StationService.
func (db *DB) Stations(ctx context.Context, f lantian.StationFilter) ([]*lantian.Station, error) {
	prefix, where, args := db.stationQuery(f)
	q := prefix + `SELECT ` + stationCols + ` FROM station`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY code"
	rows, err := db.r.QueryContext(ctx, db.q(q), args...)
	if err != nil {
		return nil, fmt.Errorf("list stations: %w", err)
	}
	defer rows.Close()
	var out []*lantian.Station
	for rows.Next() {
		s, err := scanStation(rows)
		if err != nil {
			return nil, fmt.Errorf("list stations: %w", err)
		}
		out = append(out, s)
	}
	return out, wrap(rows.Err(), "list stations")
}

func validStation(s *lantian.Station) error {
	switch {
	case s == nil:
		return lantian.Errorf(lantian.EINVALID, "no station given")
	case strings.TrimSpace(s.Code) == "" || s.Code != strings.TrimSpace(s.Code):
		return lantian.Errorf(lantian.EINVALID, "station code %q: want a non-empty code without surrounding spaces", s.Code)
	case strings.TrimSpace(s.Name) == "":
		return lantian.Errorf(lantian.EINVALID, "station %s: want a name", s.Code)
	case !s.Kind.Valid():
		return lantian.Errorf(lantian.EINVALID, "station %s kind %q: want national, provincial, county, township, micro or background", s.Code, s.Kind)
	case s.Lon < -180 || s.Lon > 180 || s.Lat < -90 || s.Lat > 90:
		return lantian.Errorf(lantian.EINVALID, "station %s coordinates %g,%g: want longitude in [-180,180] and latitude in [-90,90]", s.Code, s.Lon, s.Lat)
	case !s.ActiveTo.IsZero() && !s.ActiveFrom.IsZero() && !s.ActiveTo.After(s.ActiveFrom):
		return lantian.Errorf(lantian.EINVALID, "station %s: active period ends (%s) before it starts (%s)", s.Code,
			s.ActiveTo.Format(time.RFC3339), s.ActiveFrom.Format(time.RFC3339))
	}
	return nil
}

// PutStation implements lantian.StationService.
func (db *DB) PutStation(ctx context.Context, s *lantian.Station) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := db.putStation(ctx, tx, s)
		return err
	})
}

// putStation creates or replaces s and reports whether it was new, changed
// or unchanged (0, 1, 2). When the area or the evaluation flag changes, the
// days of the areas concerned that have data of the station are marked for
// recomputation.
func (db *DB) putStation(ctx context.Context, ex execer, s *lantian.Station) (int, error) {
	if err := validStation(s); err != nil {
		return 0, err
	}
	if s.Area != "" {
		var n int
		if err := ex.QueryRowContext(ctx, db.q(`SELECT count(*) FROM area WHERE code = ?`), s.Area).Scan(&n); err != nil {
			return 0, fmt.Errorf("check station %s: %w", s.Code, err)
		}
		if n == 0 {
			return 0, lantian.Errorf(lantian.EINVALID, "station %s: area %q does not exist", s.Code, s.Area)
		}
	}
	if s.MN != "" {
		var other string
		err := ex.QueryRowContext(ctx, db.q(`SELECT code FROM station WHERE mn = ? AND code <> ?`), s.MN, s.Code).Scan(&other)
		if err == nil {
			return 0, lantian.Errorf(lantian.ECONFLICT, "station %s: HJ 212 MN %s already belongs to station %s", s.Code, s.MN, other)
		} else if !errors.Is(err, sql.ErrNoRows) {
			return 0, fmt.Errorf("check station %s: %w", s.Code, err)
		}
	}
	old, err := scanStation(ex.QueryRowContext(ctx, db.q(`SELECT `+stationCols+` FROM station WHERE code = ?`), s.Code))
	switch {
	case errors.Is(err, sql.ErrNoRows):
		old = nil
	case err != nil:
		return 0, fmt.Errorf("read station %s: %w", s.Code, err)
	}
	if old != nil && sameStation(old, s) {
		return 2, nil
	}
	_, err = ex.ExecContext(ctx, db.q(`INSERT INTO station (`+stationCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (code) DO UPDATE SET name = excluded.name, kind = excluded.kind, area = excluded.area,
			lon = excluded.lon, lat = excluded.lat, active_from = excluded.active_from, active_to = excluded.active_to,
			evaluation = excluded.evaluation, mn = excluded.mn, synthetic = excluded.synthetic`),
		s.Code, s.Name, string(s.Kind), nullString(s.Area), s.Lon, s.Lat,
		db.d.nullTimeArg(s.ActiveFrom), db.d.nullTimeArg(s.ActiveTo), s.Evaluation, nullString(s.MN), s.Synthetic)
	if err != nil {
		return 0, fmt.Errorf("store station %s: %w", s.Code, err)
	}
	if old == nil {
		return 0, nil
	}
	if old.Area != s.Area || old.Evaluation != s.Evaluation {
		// The membership of areas changed: every day with data of the
		// station must be recomputed for the old and the new area.
		var days []int32
		for _, area := range []string{old.Area, s.Area} {
			if area == "" {
				continue
			}
			if days == nil {
				if days, err = db.stationDays(ctx, ex, s.Code); err != nil {
					return 0, err
				}
			}
			runs := runsOf(map[subjectKey][]int32{{lantian.SubjectArea, area}: slices.Clone(days)})
			if err := db.markRuns(ctx, ex, runs); err != nil {
				return 0, fmt.Errorf("mark days of area %s: %w", area, err)
			}
		}
	}
	return 1, nil
}

// stationDays returns the days (standard.DayNumber) on which station has
// stored hours.
func (db *DB) stationDays(ctx context.Context, ex execer, station string) ([]int32, error) {
	rows, err := ex.QueryContext(ctx, db.q(`SELECT DISTINCT `+db.d.dayOfHourSQL("t")+` FROM observation WHERE station = ?`), station)
	if err != nil {
		return nil, fmt.Errorf("days of station %s: %w", station, err)
	}
	defer rows.Close()
	days := []int32{}
	for rows.Next() {
		var d time.Time
		if err := rows.Scan(dayScan{&d}); err != nil {
			return nil, fmt.Errorf("days of station %s: %w", station, err)
		}
		days = append(days, standard.DayNumber(d))
	}
	return days, wrap(rows.Err(), "days of station %s", station)
}

func sameStation(a, b *lantian.Station) bool {
	return a.Code == b.Code && a.Name == b.Name && a.Kind == b.Kind && a.Area == b.Area &&
		a.Lon == b.Lon && a.Lat == b.Lat && a.ActiveFrom.Equal(b.ActiveFrom) && a.ActiveTo.Equal(b.ActiveTo) &&
		a.Evaluation == b.Evaluation && a.MN == b.MN && a.Synthetic == b.Synthetic
}

// ---- helpers ----

func bindList(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
