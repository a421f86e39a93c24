package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"sync"
)

// The HJ 212 sink writes the same few statements in every batch, a batch
// every few tens of milliseconds under load. Parsing a multi-row INSERT of
// a few hundred rows costs SQLite about as much as executing it, so the
// statements are prepared once on the writer and reused by every batch's
// transaction (database/sql re-prepares a statement by itself on a new
// connection).

// sampleChunkLog2 bounds the rows of one sample INSERT: 1<<8 rows of 16
// parameters, within both databases' parameter limits and large enough
// that the per-statement cost is noise.
const sampleChunkLog2 = 8

// sinkStmts are the sink's prepared statements, prepared together on first
// use. They live as long as the store: closing the store's connections
// closes them.
type sinkStmts struct {
	mu       sync.Mutex
	ready    bool
	samples  [sampleChunkLog2 + 1]*sql.Stmt // samples[k] inserts 1<<k rows (SQLite)
	unnest   *sql.Stmt                      // inserts any number of rows from arrays (PostgreSQL)
	daily    *sql.Stmt
	cemsRec  *sql.Stmt
	cemsVal  *sql.Stmt
	event    *sql.Stmt
	prepared []*sql.Stmt // every statement above, closed if one fails
}

// sampleInsertSQL is the upsert of n samples: a Missing value (NULL) keeps
// the stored one, so the parts of a split packet add up.
func sampleInsertSQL(n int) string {
	var q strings.Builder
	q.WriteString(`INSERT INTO hj212_sample (mn, cn, t, station, ` + valueCols + `) VALUES `)
	for i := range n {
		if i > 0 {
			q.WriteString(", ")
		}
		q.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
	}
	q.WriteString(` ON CONFLICT (mn, cn, t) DO UPDATE SET station = excluded.station, ` + mergeSet("hj212_sample"))
	return q.String()
}

// sampleUnnestSQL is sampleInsertSQL for PostgreSQL with one array per
// column: a batch is one statement with 16 parameters whatever its size,
// which the server binds and plans far faster than thousands of scalars.
const sampleUnnestSQL = `INSERT INTO hj212_sample (mn, cn, t, station, ` + valueCols + `)
	SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[], $4::text[],
		$5::integer[], $6::integer[], $7::integer[], $8::integer[], $9::integer[], $10::integer[],
		$11::text[], $12::text[], $13::text[], $14::text[], $15::text[], $16::text[])
	ON CONFLICT (mn, cn, t) DO UPDATE SET station = excluded.station, `

// prepareSink prepares the sink's statements unless they are. It must run
// outside a transaction: SQLite's writer has one connection, which the
// transaction would hold.
func (db *DB) prepareSink(ctx context.Context) error {
	s := &db.hj
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ready {
		return nil
	}
	prep := func(q string) (*sql.Stmt, error) {
		st, err := db.w.PrepareContext(ctx, db.q(q))
		if err != nil {
			return nil, fmt.Errorf("prepare HJ 212 sink statement: %w", err)
		}
		s.prepared = append(s.prepared, st)
		return st, nil
	}
	fail := func(err error) error {
		for _, st := range s.prepared {
			st.Close()
		}
		s.prepared = nil
		return err
	}
	var err error
	if db.d.Postgres {
		if s.unnest, err = prep(sampleUnnestSQL + mergeSet("hj212_sample")); err != nil {
			return fail(err)
		}
	} else {
		for k := range s.samples {
			if s.samples[k], err = prep(sampleInsertSQL(1 << k)); err != nil {
				return fail(err)
			}
		}
	}
	if s.daily, err = prep(`INSERT INTO hj212_daily (station, day, mn, ` + valueCols + `)
			VALUES (?, ` + db.d.dayParam() + `, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (station, day) DO UPDATE SET mn = excluded.mn, ` + mergeSet("hj212_daily")); err != nil {
		return fail(err)
	}
	if s.cemsRec, err = prep(`INSERT INTO cems_record (mn, cn, data_time, station, st, qn) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (mn, cn, data_time) DO NOTHING`); err != nil {
		return fail(err)
	}
	if s.cemsVal, err = prep(`INSERT INTO cems_value (mn, cn, data_time, code, field, value) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (mn, cn, data_time, code, field) DO UPDATE SET value = excluded.value`); err != nil {
		return fail(err)
	}
	if s.event, err = prep(`INSERT INTO hj212_event (mn, cn, qn, pno, station, st, received, data_time, cp)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (mn, cn, qn, pno) DO NOTHING`); err != nil {
		return fail(err)
	}
	s.ready, s.prepared = true, nil
	return nil
}

// txStmts hands out the sink's statements bound to one transaction,
// binding each at most once.
type txStmts struct {
	ctx   context.Context
	tx    *sql.Tx
	bound map[*sql.Stmt]*sql.Stmt
}

func (t *txStmts) get(st *sql.Stmt) *sql.Stmt {
	if b, ok := t.bound[st]; ok {
		return b
	}
	if t.bound == nil {
		t.bound = map[*sql.Stmt]*sql.Stmt{}
	}
	b := t.tx.StmtContext(t.ctx, st)
	t.bound[st] = b
	return b
}
