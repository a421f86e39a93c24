package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/hj212"
	"github.com/lantian-aq/lantian/hj212/gateway"
	"github.com/lantian-aq/lantian/standard"
)

// The store is the HJ 212 gateway's device registry, durable sink and
// sample source.
var (
	_ gateway.Registry     = (*DB)(nil)
	_ gateway.Sink         = (*DB)(nil)
	_ gateway.SampleSource = (*DB)(nil)
)

// ---- registry ----

// PutDevice registers a data logger or replaces its registration. The
// station must exist (an ambient station, or a pollution source registered
// as a station of its own). Replacing a registration keeps its disabled
// state (SetDeviceDisabled).
func (db *DB) PutDevice(ctx context.Context, d gateway.Device) error {
	if strings.TrimSpace(d.MN) == "" || d.MN != strings.TrimSpace(d.MN) {
		return lantian.Errorf(lantian.EINVALID, "device MN %q: want a non-empty MN without surrounding spaces", d.MN)
	}
	if d.Password == "" {
		return lantian.Errorf(lantian.EINVALID, "device %s: want a password (PW)", d.MN)
	}
	if _, err := db.Station(ctx, d.Station); err != nil {
		return lantian.Errorf(lantian.EINVALID, "device %s: station %q is not registered", d.MN, d.Station)
	}
	units := map[string]string{}
	for p, u := range d.Units {
		units[p.Code()] = u.String()
	}
	uj, err := json.Marshal(units)
	if err != nil {
		return err
	}
	return db.inTx(ctx, func(tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.q(`INSERT INTO device (mn, password, station, st, units, updated) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (mn) DO UPDATE SET password = excluded.password, station = excluded.station, st = excluded.st, units = excluded.units, updated = excluded.updated`),
			d.MN, d.Password, d.Station, d.ST, string(uj), db.d.timeArg(db.now()))
		return wrap(err, "register device %s", d.MN)
	})
}

func scanDevice(sc interface{ Scan(...any) error }) (gateway.Device, error) {
	var d gateway.Device
	var units string
	if err := sc.Scan(&d.MN, &d.Password, &d.Station, &d.ST, &units); err != nil {
		return d, err
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(units), &m); err != nil {
		return d, fmt.Errorf("device %s units: %w", d.MN, err)
	}
	for code, us := range m {
		p, err := standard.ParsePollutant(code)
		if err != nil {
			return d, fmt.Errorf("device %s units: %w", d.MN, err)
		}
		u, err := hj212.ParseUnit(us)
		if err != nil {
			return d, fmt.Errorf("device %s units: %w", d.MN, err)
		}
		if d.Units == nil {
			d.Units = map[standard.Pollutant]hj212.Unit{}
		}
		d.Units[p] = u
	}
	return d, nil
}

// LookupDevice implements gateway.Registry. A disabled device is unknown
// to the gateway: its packets are refused like those of an unregistered MN.
func (db *DB) LookupDevice(ctx context.Context, mn string) (gateway.Device, error) {
	d, err := scanDevice(db.r.QueryRowContext(ctx, db.q(`SELECT mn, password, station, st, units FROM device WHERE mn = ? AND disabled = `+db.d.False), mn))
	if errors.Is(err, sql.ErrNoRows) {
		return d, fmt.Errorf("MN %q (unregistered or disabled): %w", mn, gateway.ErrUnknownDevice)
	}
	return d, wrap(err, "look up device %s", mn)
}

// Devices returns the registered devices ordered by MN.
func (db *DB) Devices(ctx context.Context) ([]gateway.Device, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT mn, password, station, st, units FROM device ORDER BY mn`)
	if err != nil {
		return nil, fmt.Errorf("list devices: %w", err)
	}
	defer rows.Close()
	var out []gateway.Device
	for rows.Next() {
		d, err := scanDevice(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, wrap(rows.Err(), "list devices")
}

// ---- sink ----

// hourSource names the source of a gateway hour: "hj212:2061" for an hour
// a device reported, "hj212:2051"/"hj212:2011" for one the gateway
// aggregated from minute or real-time samples.
func aggregatedSource(name string) bool {
	return name == "hj212:2051" || name == "hj212:2011"
}

// StoreBatch implements gateway.Sink: the whole batch in one transaction,
// durable when it returns (SQLite synchronous=FULL; PostgreSQL commit).
// Records are upserts by their natural keys, so a resent packet changes
// nothing; a Missing value never replaces a stored one; a reported hour
// wins over an aggregated one. Hours of stations the store does not know
// are dropped (a resend could not fix them).
func (db *DB) StoreBatch(ctx context.Context, b gateway.Batch) error {
	hours, err := db.mergeHours(ctx, b)
	if err != nil {
		return err
	}
	var times []time.Time
	for _, r := range hours {
		times = append(times, r.Time)
	}
	if err := db.ensurePartitions(ctx, times); err != nil {
		return err
	}
	if err := db.prepareSink(ctx); err != nil {
		return err
	}
	defer db.statsChanged()
	return db.inTx(ctx, func(tx *sql.Tx) error {
		ts := &txStmts{ctx: ctx, tx: tx}
		bySource := map[string][]lantian.HourRecord{}
		for _, r := range hours {
			bySource[r.Source] = append(bySource[r.Source], r)
		}
		for src, recs := range bySource {
			w, err := db.newHourWriter(ctx, tx, src, 0)
			if err != nil {
				return err
			}
			_, err = w.write(ctx, recs)
			w.close()
			if err != nil {
				return err
			}
			if err := w.flushDirty(ctx); err != nil {
				return err
			}
		}
		if err := db.storeSamples(ctx, ts, b.Samples); err != nil {
			return err
		}
		if err := db.storeDaily(ctx, ts, b.Daily); err != nil {
			return err
		}
		if err := db.storeCEMS(ctx, ts, b.CEMS); err != nil {
			return err
		}
		return db.storeEvents(ctx, ts, b.Events)
	})
}

// mergeHours combines the batch's hours with the stored ones: reported
// hours first (they win), then aggregated hours where no reported hour
// exists; within each, a Missing value keeps what was there.
func (db *DB) mergeHours(ctx context.Context, b gateway.Batch) ([]lantian.HourRecord, error) {
	type key struct {
		station string
		t       int64
	}
	merged := map[key]*lantian.HourRecord{}
	var order []key
	if len(b.Hourly)+len(b.Aggregated) == 0 {
		return nil, nil
	}
	// What is stored for these station-hours.
	stored := map[key]*lantian.HourRecord{}
	var lo, hi time.Time
	stations := map[string]bool{}
	note := func(s string, t time.Time) {
		stations[s] = true
		if lo.IsZero() || t.Before(lo) {
			lo = t
		}
		if t.After(hi) {
			hi = t
		}
	}
	for _, o := range b.Hourly {
		note(o.Station, o.Time)
	}
	for _, a := range b.Aggregated {
		note(a.Station, a.Time)
	}
	codes := make([]string, 0, len(stations))
	for s := range stations {
		codes = append(codes, s)
	}
	old, err := db.Observations(ctx, lantian.ObservationFilter{Stations: codes, From: lo, To: hi.Add(time.Second), Synthetic: true})
	if err != nil {
		return nil, err
	}
	for _, r := range old {
		stored[key{r.Station, r.Time.Unix()}] = r
	}
	apply := func(o lantian.Observation, source string) {
		k := key{o.Station, o.Time.Unix()}
		cur := merged[k]
		if cur == nil {
			cur = &lantian.HourRecord{Observation: lantian.Observation{Station: o.Station, Time: o.Time}, Audit: lantian.AuditRaw, Source: source}
			for p := range cur.Values {
				cur.Values[p] = standard.Missing
			}
			if s := stored[k]; s != nil && (!aggregatedSource(source) || aggregatedSource(s.Source)) {
				cur.Values, cur.Flags, cur.Audit = s.Values, s.Flags, s.Audit
			}
			merged[k] = cur
			order = append(order, k)
		}
		for p, v := range o.Values {
			if v != standard.Missing {
				cur.Values[p], cur.Flags[p] = v, o.Flags[p]
			}
		}
	}
	for _, o := range b.Hourly {
		apply(o, "hj212:2061")
	}
	for _, a := range b.Aggregated {
		k := key{a.Station, a.Time.Unix()}
		if m := merged[k]; m != nil && !aggregatedSource(m.Source) {
			continue // a reported hour in this batch wins
		}
		if s := stored[k]; s != nil && !aggregatedSource(s.Source) {
			continue // a reported (or imported) hour is stored: it wins
		}
		src := "hj212:" + a.Source
		if !aggregatedSource(src) {
			src = "hj212:2051"
		}
		apply(a.Observation, src)
	}
	out := make([]lantian.HourRecord, 0, len(order))
	for _, k := range order {
		out = append(out, *merged[k])
	}
	return out, nil
}

// appendValueArgs appends the six values and flags of a sample or daily
// record as SQL arguments: a Missing value is NULL, and so is its flag.
func appendValueArgs(args []any, v *[standard.NumPollutants]standard.Conc, f *[standard.NumPollutants]lantian.Flag) []any {
	for p := range v {
		if v[p] == standard.Missing {
			args = append(args, nil)
		} else {
			args = append(args, int64(v[p]))
		}
	}
	for p := range f {
		switch {
		case v[p] == standard.Missing:
			args = append(args, nil)
		case int(f[p]) < len(flagArgs):
			args = append(args, flagArgs[f[p]])
		default:
			args = append(args, f[p].String())
		}
	}
	return args
}

// flagArgs holds every ASCII flag's text as an SQL argument, boxed once:
// a batch binds six flags per sample, and boxing each anew would be six of
// the sixteen allocations per sample.
var flagArgs = func() (a [128]any) {
	for i := range a {
		a[i] = lantian.Flag(i).String()
	}
	return a
}()

// mergeSet is the SET clause that keeps stored values where the new one is
// NULL (Missing), for table tbl.
func mergeSet(tbl string) string {
	var b strings.Builder
	for i, p := range []string{"so2", "no2", "co", "o3", "pm10", "pm25"} {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%[2]s = COALESCE(excluded.%[2]s, %[1]s.%[2]s), f_%[2]s = CASE WHEN excluded.%[2]s IS NULL THEN %[1]s.f_%[2]s ELSE excluded.f_%[2]s END", tbl, p)
	}
	return b.String()
}

const valueCols = `so2, no2, co, o3, pm10, pm25, f_so2, f_no2, f_co, f_o3, f_pm10, f_pm25`

// storeSamples upserts minute and real-time samples by (MN, CN, time); a
// Missing value keeps the stored one and its flag (split packets).
func (db *DB) storeSamples(ctx context.Context, ts *txStmts, ss []gateway.Sample) error {
	if len(ss) == 0 {
		return nil
	}
	// In key order: the loggers all send the current minute, so sorted
	// rows go in at the end of the table's B-tree one after the other,
	// where SQLite finds the place without a search from the root. Equal
	// keys stay in arrival order (the index breaks ties) and end up next
	// to each other, to be merged below.
	order := make([]int32, len(ss))
	for i := range order {
		order[i] = int32(i)
	}
	slices.SortFunc(order, func(a, b int32) int {
		x, y := &ss[a], &ss[b]
		if c := x.Time.Compare(y.Time); c != 0 {
			return c
		}
		if c := strings.Compare(x.MN, y.MN); c != 0 {
			return c
		}
		if c := strings.Compare(x.CN, y.CN); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	// One statement cannot upsert a key twice: a resent or split sample in
	// the same batch is merged into the first, later values winning. The
	// caller's samples are not changed (the gateway aggregates them next).
	sorted := make([]*gateway.Sample, 0, len(ss))
	var merged []gateway.Sample
	lastCopied := false
	for _, i := range order {
		s := &ss[i]
		n := len(sorted)
		if n == 0 || !s.Time.Equal(sorted[n-1].Time) || s.MN != sorted[n-1].MN || s.CN != sorted[n-1].CN {
			sorted = append(sorted, s)
			lastCopied = false
			continue
		}
		if !lastCopied {
			merged = append(merged, *sorted[n-1])
			sorted[n-1] = &merged[len(merged)-1]
			lastCopied = true
		}
		m := sorted[n-1]
		for p, v := range s.Values {
			if v != standard.Missing {
				m.Values[p], m.Flags[p] = v, s.Flags[p]
			}
		}
	}
	if db.d.Postgres {
		return db.storeSamplesArrays(ctx, ts, sorted)
	}
	// Chunks of the prepared sizes, largest first: at most one statement
	// of each smaller size after the full ones.
	args := make([]any, 0, 16<<min(sampleChunkLog2, bitLen(len(sorted))))
	for len(sorted) > 0 {
		k := min(sampleChunkLog2, bitLen(len(sorted))-1)
		n := 1 << k
		args = args[:0]
		for _, s := range sorted[:n] {
			args = append(args, s.MN, s.CN, db.d.timeArg(s.Time), s.Station)
			args = appendValueArgs(args, &s.Values, &s.Flags)
		}
		if _, err := ts.get(db.hj.samples[k]).ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("store samples: %w", err)
		}
		sorted = sorted[n:]
	}
	return nil
}

// storeSamplesArrays writes rows on PostgreSQL in one statement, a column
// per array; a Missing value is a NULL element, and so is its flag.
func (db *DB) storeSamplesArrays(ctx context.Context, ts *txStmts, rows []*gateway.Sample) error {
	n := len(rows)
	mn, cn, station := make([]string, n), make([]string, n), make([]string, n)
	t := make([]time.Time, n)
	var vals [standard.NumPollutants][]*int32
	var flags [standard.NumPollutants][]*string
	conc := make([]int32, n*standard.NumPollutants)
	text := make([]string, n*standard.NumPollutants)
	for p := range vals {
		vals[p], flags[p] = make([]*int32, n), make([]*string, n)
	}
	for i, s := range rows {
		mn[i], cn[i], t[i], station[i] = s.MN, s.CN, s.Time.UTC(), s.Station
		for p, v := range s.Values {
			if v == standard.Missing {
				continue
			}
			j := i*standard.NumPollutants + p
			conc[j], text[j] = int32(v), s.Flags[p].String()
			vals[p][i], flags[p][i] = &conc[j], &text[j]
		}
	}
	args := []any{mn, cn, t, station}
	for _, v := range vals {
		args = append(args, v)
	}
	for _, f := range flags {
		args = append(args, f)
	}
	if _, err := ts.get(db.hj.unnest).ExecContext(ctx, args...); err != nil {
		return fmt.Errorf("store samples: %w", err)
	}
	return nil
}

// bitLen is the number of bits n needs (n > 0).
func bitLen(n int) int {
	b := 0
	for ; n > 0; n >>= 1 {
		b++
	}
	return b
}

func (db *DB) storeDaily(ctx context.Context, ts *txStmts, ds []gateway.DailyRecord) error {
	for _, d := range ds {
		args := appendValueArgs([]any{d.Station, db.d.dayArg(d.Day), d.MN}, &d.Values, &d.Flags)
		if _, err := ts.get(db.hj.daily).ExecContext(ctx, args...); err != nil {
			return fmt.Errorf("store daily values: %w", err)
		}
	}
	return nil
}

func (db *DB) storeCEMS(ctx context.Context, ts *txStmts, cs []gateway.CEMSRecord) error {
	for _, c := range cs {
		t := db.d.timeArg(c.DataTime)
		if _, err := ts.get(db.hj.cemsRec).ExecContext(ctx, c.MN, c.CN, t, c.Station, c.ST, c.QN); err != nil {
			return fmt.Errorf("store source upload: %w", err)
		}
		for _, v := range c.Values {
			if _, err := ts.get(db.hj.cemsVal).ExecContext(ctx, c.MN, c.CN, t, v.Code, v.Field, v.Value); err != nil {
				return fmt.Errorf("store source upload: %w", err)
			}
		}
	}
	return nil
}

func (db *DB) storeEvents(ctx context.Context, ts *txStmts, es []gateway.Event) error {
	for _, e := range es {
		cp, err := json.Marshal(e.CP)
		if err != nil {
			return err
		}
		if _, err := ts.get(db.hj.event).ExecContext(ctx, e.MN, e.CN, e.QN, e.PNO, e.Station, e.ST,
			db.d.timeArg(e.Received), db.d.nullTimeArg(e.DataTime), string(cp)); err != nil {
			return fmt.Errorf("store device event: %w", err)
		}
	}
	return nil
}

// LoadSamples implements gateway.SampleSource.
func (db *DB) LoadSamples(ctx context.Context, since time.Time) ([]gateway.Sample, error) {
	rows, err := db.r.QueryContext(ctx, db.q(`SELECT mn, cn, t, station, `+valueCols+` FROM hj212_sample WHERE t >= ? ORDER BY t, mn, cn`),
		db.d.timeArg(since))
	if err != nil {
		return nil, fmt.Errorf("load samples: %w", err)
	}
	defer rows.Close()
	var out []gateway.Sample
	for rows.Next() {
		var s gateway.Sample
		var v [standard.NumPollutants]sql.NullInt64
		var f [standard.NumPollutants]sql.NullString
		if err := rows.Scan(&s.MN, &s.CN, timeScan{&s.Time}, &s.Station, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
			&f[0], &f[1], &f[2], &f[3], &f[4], &f[5]); err != nil {
			return nil, fmt.Errorf("load samples: %w", err)
		}
		for p := range v {
			s.Values[p] = standard.Missing
			if v[p].Valid {
				s.Values[p] = standard.Conc(v[p].Int64)
			}
			if f[p].Valid && f[p].String != "" && f[p].String != "N" {
				s.Flags[p] = lantian.Flag(f[p].String[0])
			}
		}
		out = append(out, s)
	}
	return out, wrap(rows.Err(), "load samples")
}
