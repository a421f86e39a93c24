package sqlstore

// The append-only, hash-chained audit log (lantian.AuditLog). This file
// has INSERT and SELECT statements only: the schema refuses UPDATE and
// DELETE on audit_log.

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lantian-aq/lantian"
)

var _ lantian.AuditLog = (*DB)(nil)

// auditLock is the PostgreSQL advisory lock that orders appends across
// processes (SQLite's single writer does that by itself).
const auditLock = 7212100

// AppendAudit implements lantian.AuditLog.
func (db *DB) AppendAudit(ctx context.Context, e *lantian.AuditEntry) error {
	if e.Time.IsZero() {
		e.Time = db.now()
	}
	e.Time = lantian.AuditTime(e.Time)
	if e.Action == "" || e.Kind == "" {
		return lantian.Errorf(lantian.EINVALID, "audit entry needs an action and a kind")
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		if db.d.Postgres {
			if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, auditLock); err != nil {
				return fmt.Errorf("audit lock: %w", err)
			}
		}
		var seq int64
		var prev string
		err := tx.QueryRowContext(ctx, `SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1`).Scan(&seq, &prev)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("audit head: %w", err)
		}
		e.Seq, e.PrevHash = seq+1, prev
		e.Hash = e.ChainHash()
		_, err = tx.ExecContext(ctx, db.q(`INSERT INTO audit_log (seq, at_us, actor_id, actor, via, action, kind, object, area,
			before_json, after_json, remote, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
			e.Seq, e.Time.UnixMicro(), e.ActorID, e.Actor, e.Via, e.Action, e.Kind, e.Object, e.Area,
			string(e.Before), string(e.After), e.Remote, e.PrevHash, e.Hash)
		return wrap(err, "append audit entry %d", e.Seq)
	})
}

const auditColumns = `seq, at_us, actor_id, actor, via, action, kind, object, area, before_json, after_json, remote, prev_hash, hash`

func scanAudit(sc interface{ Scan(...any) error }) (*lantian.AuditEntry, error) {
	var e lantian.AuditEntry
	var us int64
	var before, after string
	if err := sc.Scan(&e.Seq, &us, &e.ActorID, &e.Actor, &e.Via, &e.Action, &e.Kind, &e.Object, &e.Area,
		&before, &after, &e.Remote, &e.PrevHash, &e.Hash); err != nil {
		return nil, err
	}
	e.Time = time.UnixMicro(us).UTC()
	if before != "" {
		e.Before = json.RawMessage(before)
	}
	if after != "" {
		e.After = json.RawMessage(after)
	}
	return &e, nil
}

// AuditEntries implements lantian.AuditLog.
func (db *DB) AuditEntries(ctx context.Context, f lantian.AuditFilter) ([]*lantian.AuditEntry, error) {
	var where []string
	var args []any
	if f.Descending {
		if f.BeforeSeq > 0 {
			where, args = append(where, "seq < ?"), append(args, f.BeforeSeq)
		}
	} else if f.AfterSeq > 0 {
		where, args = append(where, "seq > ?"), append(args, f.AfterSeq)
	}
	if f.Kind != "" {
		where, args = append(where, "kind = ?"), append(args, f.Kind)
	}
	if f.Object != "" {
		where, args = append(where, "object = ?"), append(args, f.Object)
	}
	if f.ActorID != 0 {
		where, args = append(where, "actor_id = ?"), append(args, f.ActorID)
	}
	q := `SELECT ` + auditColumns + ` FROM audit_log`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	if f.Descending {
		q += ` ORDER BY seq DESC`
	} else {
		q += ` ORDER BY seq`
	}
	if f.Limit > 0 {
		q += ` LIMIT ?`
		args = append(args, f.Limit)
	}
	rows, err := db.r.QueryContext(ctx, db.q(q), args...)
	if err != nil {
		return nil, fmt.Errorf("read audit log: %w", err)
	}
	defer rows.Close()
	var out []*lantian.AuditEntry
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return nil, fmt.Errorf("read audit log: %w", err)
		}
		out = append(out, e)
	}
	return out, wrap(rows.Err(), "read audit log")
}

// auditPage is how many entries ScanAudit reads per query, so that a long
// verification holds no read transaction open for long.
const auditPage = 2000

// ScanAudit implements lantian.AuditLog.
func (db *DB) ScanAudit(ctx context.Context, fn func(*lantian.AuditEntry) error) error {
	var after int64
	for {
		es, err := db.AuditEntries(ctx, lantian.AuditFilter{AfterSeq: after, Limit: auditPage})
		if err != nil {
			return err
		}
		for _, e := range es {
			if err := fn(e); err != nil {
				return err
			}
		}
		if len(es) < auditPage {
			return nil
		}
		after = es[len(es)-1].Seq
	}
}
