// Package sqlstore is lantian's persistent store: the services of the root
// package (areas, stations, hourly observations with every revision kept,
// imports, dust days, derived statistics) on SQLite, the embedded default,
// and on PostgreSQL, behind the same code. What differs between the two
// lives in dialect.go; the schema is a set of embedded, versioned
// migrations (migrations/*.sql) recorded in schema_migrations.
//
// Design:
//
//   - observation holds the current revision of each station-hour, keyed by
//     (station, hour-ending time); a trigger copies the row it replaces into
//     observation_revision, so no code path can lose a revision. Readers and
//     statistics touch only the compact current table; the history is read
//     only when someone asks for it.
//   - Values are integer thousandths (standard.Conc), so what was imported
//     is what is read back, exactly.
//   - Statistics are derived: a write marks the station-days and area-days it
//     changed in dirty_day (as runs of consecutive days of a station or
//     area) in the same transaction; RefreshStats (run after
//     every import and before every statistics read) recomputes them with
//     the standard engine and clears the marks in the transaction that
//     stores the result. A crash at any point leaves either the old data
//     with no mark, or the new data with a mark — never new data with stale
//     statistics and no mark.
//   - SQLite runs in WAL mode with one writer connection and a pool of
//     read-only connections, so readers never block the writer and see only
//     committed data. PostgreSQL partitions observation by month (partitions
//     created on demand, outside the writing transaction) and leads every
//     key with the station, ready for distribution by station.
//   - An import is one transaction per file. On PostgreSQL new hours are
//     copied straight into observation (COPY inside a savepoint); the first
//     batch that collides with stored hours goes to a staging table instead
//     and is merged with INSERT … ON CONFLICT at commit.
//
// Besides lantian.Store, the DB is the plan ledger (plan.LedgerStore,
// append-only) and the HJ 212 gateway's device registry, durable sink and
// sample source (hj212/gateway.Registry, Sink, SampleSource).
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/standard"
)

// FileName is the name of the SQLite database file in the data directory.
const FileName = "lantian.db"

// DB is a lantian store on SQLite or PostgreSQL. It implements
// lantian.Store and is safe for concurrent use.
type DB struct {
	d  *dialect
	w  *sql.DB // the writer: one connection on SQLite
	r  *sql.DB // readers: a read-only pool on SQLite; the same pool as w on PostgreSQL
	pg *pgExtra

	// Now returns the current time; tests replace it.
	Now func() time.Time
	// Rules are the engine rules statistics are computed with; nil means
	// standard.DefaultRules. Changing them requires recomputing every
	// statistic (RecomputeAll).
	Rules *standard.Rules

	mu      sync.Mutex
	sources map[string]int64 // source name → id, filled lazily
	kick    chan struct{}    // wakes the background refresher, when one runs

	// refresh serialises statistics recomputation within the process.
	refresh sync.Mutex

	// hj holds the HJ 212 sink's statements, prepared once (hj212_stmt.go).
	hj sinkStmts
}

var _ lantian.Store = (*DB)(nil)

// Open opens (creating and migrating if needed) the store named by url:
// empty for the SQLite file FileName in dataDir, "sqlite:PATH" or a path
// ending in .db for another SQLite file, or a postgres:// (postgresql://)
// URL for PostgreSQL.
func Open(ctx context.Context, url, dataDir string) (*DB, error) {
	var (
		db  *DB
		err error
	)
	switch {
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		db, err = openPostgres(ctx, url)
	case url == "":
		if dataDir == "" {
			return nil, lantian.Errorf(lantian.EINVALID, "no data directory and no database URL given")
		}
		if err := os.MkdirAll(dataDir, 0o755); err != nil {
			return nil, fmt.Errorf("create data directory: %w", err)
		}
		db, err = openSQLite(ctx, filepath.Join(dataDir, FileName))
	case strings.HasPrefix(url, "sqlite:"):
		db, err = openSQLite(ctx, strings.TrimPrefix(url, "sqlite:"))
	case strings.HasSuffix(url, ".db"), strings.HasSuffix(url, ".sqlite"):
		db, err = openSQLite(ctx, url)
	default:
		return nil, lantian.Errorf(lantian.EINVALID, "database URL %q: want empty (SQLite in the data directory), sqlite:PATH, a .db file, or postgres://…", url)
	}
	if err != nil {
		return nil, err
	}
	if err := db.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// Dialect returns "sqlite" or "postgres".
func (db *DB) Dialect() string { return db.d.Name }

// Close closes the store's connections.
func (db *DB) Close() error {
	var errs []error
	if db.r != nil && db.r != db.w {
		errs = append(errs, db.r.Close())
	}
	if db.w != nil {
		errs = append(errs, db.w.Close())
	}
	return errors.Join(errs...)
}

func (db *DB) now() time.Time {
	if db.Now != nil {
		return db.Now()
	}
	return time.Now()
}

// q adapts a query written with ? bind parameters to the dialect.
func (db *DB) q(query string) string { return db.d.rebind(query) }

// execer is what *sql.DB, *sql.Tx and *sql.Conn have in common.
type execer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
	PrepareContext(ctx context.Context, query string) (*sql.Stmt, error)
}

// inTx runs fn in a write transaction and commits it if fn returns nil.
func (db *DB) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := db.w.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	if err := fn(tx); err != nil {
		tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// sourceID returns the id of the named source, creating it in ex (inside
// the caller's transaction) when it is new.
func (db *DB) sourceID(ctx context.Context, ex execer, name string) (int64, error) {
	db.mu.Lock()
	id, ok := db.sources[name]
	db.mu.Unlock()
	if ok {
		return id, nil
	}
	err := ex.QueryRowContext(ctx, db.q(`SELECT id FROM source WHERE name = ?`), name).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		err = ex.QueryRowContext(ctx, db.q(`INSERT INTO source (name) VALUES (?) RETURNING id`), name).Scan(&id)
		// Not cached: the transaction creating it may still roll back.
		return id, wrap(err, "create source %q", name)
	}
	if err != nil {
		return 0, fmt.Errorf("look up source %q: %w", name, err)
	}
	db.mu.Lock()
	if db.sources == nil {
		db.sources = map[string]int64{}
	}
	db.sources[name] = id
	db.mu.Unlock()
	return id, nil
}

// wrap adds context to a non-nil error.
func wrap(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}
