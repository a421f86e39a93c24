package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/hj212/gateway"
)

// The store administers the HJ 212 device registry (lantian device, the
// /api/v1/devices routes).
var _ gateway.DeviceAdmin = (*DB)(nil)

const registrationCols = `mn, password, station, st, units, disabled, updated`

func scanRegistration(sc interface{ Scan(...any) error }) (gateway.Registration, error) {
	var (
		r       gateway.Registration
		units   string
		updated time.Time
	)
	if err := sc.Scan(&r.MN, &r.Password, &r.Station, &r.ST, &units, &r.Disabled, timeScan{&updated}); err != nil {
		return r, err
	}
	d, err := deviceFromColumns(r.MN, r.Password, r.Station, r.ST, units)
	if err != nil {
		return r, err
	}
	r.Device, r.Updated = d, updated
	return r, nil
}

// deviceFromColumns rebuilds a device from its row (units as stored JSON).
func deviceFromColumns(mn, pw, station, st, units string) (gateway.Device, error) {
	return scanDevice(rowValues{mn, pw, station, st, units})
}

// rowValues lets scanDevice decode columns already read.
type rowValues []string

func (v rowValues) Scan(dest ...any) error {
	if len(dest) != len(v) {
		return fmt.Errorf("scan: %d columns into %d values", len(v), len(dest))
	}
	for i, d := range dest {
		p, ok := d.(*string)
		if !ok {
			return fmt.Errorf("scan: column %d: want *string, got %T", i, d)
		}
		*p = v[i]
	}
	return nil
}

// Registrations returns every registered device, enabled or not, ordered
// by MN.
func (db *DB) Registrations(ctx context.Context) ([]gateway.Registration, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+registrationCols+` FROM device ORDER BY mn`)
	if err != nil {
		return nil, fmt.Errorf("list devices: %w", err)
	}
	defer rows.Close()
	out := []gateway.Registration{}
	for rows.Next() {
		r, err := scanRegistration(rows)
		if err != nil {
			return nil, fmt.Errorf("list devices: %w", err)
		}
		out = append(out, r)
	}
	return out, wrap(rows.Err(), "list devices")
}

// Registration returns the registration of one device, enabled or not.
func (db *DB) Registration(ctx context.Context, mn string) (gateway.Registration, error) {
	r, err := scanRegistration(db.r.QueryRowContext(ctx, db.q(`SELECT `+registrationCols+` FROM device WHERE mn = ?`), mn))
	if errors.Is(err, sql.ErrNoRows) {
		return r, lantian.Errorf(lantian.ENOTFOUND, "device MN %q is not registered", mn)
	}
	return r, wrap(err, "look up device %s", mn)
}

// SetDeviceDisabled disables a device (the gateway then refuses its
// packets within its registry cache time) or enables it again.
func (db *DB) SetDeviceDisabled(ctx context.Context, mn string, disabled bool) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.q(`UPDATE device SET disabled = ?, updated = ? WHERE mn = ?`), disabled, db.d.timeArg(db.now()), mn)
		if err != nil {
			return fmt.Errorf("disable device %s: %w", mn, err)
		}
		return oneRow(res, mn)
	})
}

// RemoveDevice forgets a device. What it sent stays in the store, filed
// under its station.
func (db *DB) RemoveDevice(ctx context.Context, mn string) error {
	return db.inTx(ctx, func(tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.q(`DELETE FROM device WHERE mn = ?`), mn)
		if err != nil {
			return fmt.Errorf("remove device %s: %w", mn, err)
		}
		return oneRow(res, mn)
	})
}

func oneRow(res sql.Result, mn string) error {
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("device %s: %w", mn, err)
	}
	if n == 0 {
		return lantian.Errorf(lantian.ENOTFOUND, "device MN %q is not registered", mn)
	}
	return nil
}
