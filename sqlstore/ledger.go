package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/lantian-aq/lantian/plan"
)

var _ plan.LedgerStore = (*DB)(nil)

// AddReport implements plan.LedgerStore: the report is appended with the
// next ID. The filing time is kept to the second.
func (db *DB) AddReport(ctx context.Context, r plan.Report) (plan.Report, error) {
	att, err := json.Marshal(r.Attachments)
	if err != nil {
		return plan.Report{}, err
	}
	if r.Attachments == nil {
		att = []byte("[]")
	}
	if r.When.IsZero() {
		r.When = db.now()
	}
	r.When = r.When.Truncate(time.Second)
	var value, progress any
	if r.Value != nil {
		value = r.Value.Milli()
	}
	if r.Progress != nil {
		progress = int64(*r.Progress)
	}
	err = db.inTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, db.q(`INSERT INTO ledger_report (plan, task, item, reporter, day, value_milli,
			progress, done, narrative, attachments, who, filed_at) VALUES (?, ?, ?, ?, `+db.d.dayParam()+`, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			r.Plan, r.Task, r.Item, r.Reporter, r.Date.String(), value, progress, r.Done, r.Narrative, string(att), r.Who,
			db.d.timeArg(r.When)).Scan(&r.ID)
	})
	if err != nil {
		return plan.Report{}, fmt.Errorf("store report: %w", err)
	}
	return r, nil
}

// Reports implements plan.LedgerStore: matching reports in filing order.
func (db *DB) Reports(ctx context.Context, f plan.ReportFilter) ([]plan.Report, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		where = append(where, cond)
		args = append(args, v)
	}
	if f.Plan != "" {
		add("plan = ?", f.Plan)
	}
	if f.Task != 0 {
		add("task = ?", f.Task)
	}
	if f.Item != "" {
		add("item = ?", f.Item)
	}
	if f.Reporter != "" {
		add("reporter = ?", f.Reporter)
	}
	if !f.From.IsZero() {
		add("day >= "+db.d.dayParam(), f.From.String())
	}
	if !f.To.IsZero() {
		add("day <= "+db.d.dayParam(), f.To.String())
	}
	q := `SELECT id, plan, task, item, reporter, day, value_milli, progress, done, narrative, attachments, who, filed_at FROM ledger_report`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY id"
	rows, err := db.r.QueryContext(ctx, db.q(q), args...)
	if err != nil {
		return nil, fmt.Errorf("read reports: %w", err)
	}
	defer rows.Close()
	var out []plan.Report
	for rows.Next() {
		var r plan.Report
		var day time.Time
		var value, progress sql.NullInt64
		var att string
		if err := rows.Scan(&r.ID, &r.Plan, &r.Task, &r.Item, &r.Reporter, dayScan{&day}, &value, &progress, &r.Done,
			&r.Narrative, &att, &r.Who, timeScan{&r.When}); err != nil {
			return nil, fmt.Errorf("read reports: %w", err)
		}
		r.Date = plan.NewDate(day.Year(), day.Month(), day.Day())
		if value.Valid {
			v := plan.DecimalFromMilli(value.Int64)
			r.Value = &v
		}
		if progress.Valid {
			p := int(progress.Int64)
			r.Progress = &p
		}
		if err := json.Unmarshal([]byte(att), &r.Attachments); err != nil {
			return nil, fmt.Errorf("report %d attachments: %w", r.ID, err)
		}
		if len(r.Attachments) == 0 {
			r.Attachments = nil
		}
		out = append(out, r)
	}
	return out, wrap(rows.Err(), "read reports")
}
