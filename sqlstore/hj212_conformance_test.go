package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/hj212/gateway"
	"github.com/lantian-aq/lantian/hj212/gateway/sinktest"
	"github.com/lantian-aq/lantian/standard"
)

// sinkReader reads back what the gateway stored the way the platform
// does: the effective hour from Observations, daily values from
// hj212_daily.
type sinkReader struct{ db *DB }

func (r sinkReader) Hour(ctx context.Context, station string, end time.Time) (lantian.Observation, bool, error) {
	obs, err := r.db.Observations(ctx, lantian.ObservationFilter{Stations: []string{station}, From: end, To: end.Add(time.Second), Synthetic: true})
	if err != nil || len(obs) == 0 {
		return lantian.Observation{}, false, err
	}
	o := obs[0].Observation
	// The store reads every flag back as a letter, "N" also for a
	// missing value, where a sender leaves the zero Flag (the two mean the
	// same, see lantian.Flag.String); the suite compares flags as sent.
	for p, v := range o.Values {
		switch {
		case v == standard.Missing:
			o.Flags[p] = 0
		case o.Flags[p] == 0:
			o.Flags[p] = lantian.FlagNormal
		}
	}
	return o, true, nil
}

func (r sinkReader) Daily(ctx context.Context, station string, day time.Time) (gateway.DailyRecord, bool, error) {
	var (
		d gateway.DailyRecord
		v [standard.NumPollutants]sql.NullInt64
		f [standard.NumPollutants]sql.NullString
	)
	err := r.db.r.QueryRowContext(ctx, r.db.q(`SELECT station, mn, `+valueCols+` FROM hj212_daily WHERE station = ? AND day = `+r.db.d.dayParam()),
		station, r.db.d.dayArg(day)).Scan(&d.Station, &d.MN, &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &f[0], &f[1], &f[2], &f[3], &f[4], &f[5])
	if errors.Is(err, sql.ErrNoRows) {
		return d, false, nil
	}
	if err != nil {
		return d, false, err
	}
	d.Day = day
	for p := range v {
		d.Values[p] = standard.Missing
		if v[p].Valid {
			d.Values[p] = standard.Conc(v[p].Int64)
		}
		if f[p].Valid && f[p].String != "" {
			d.Flags[p] = lantian.Flag(f[p].String[0])
		}
	}
	return d, true, nil
}

// TestGatewaySinkConformance runs the gateway's Sink conformance suite
// (the same one the in-memory sink passes) against each backend, every
// subtest on a fresh store with the suite's stations registered.
func TestGatewaySinkConformance(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			sinktest.Run(t, func(t *testing.T) (gateway.Sink, sinktest.Reader) {
				db := b.open(t)
				ctx := context.Background()
				if err := db.PutArea(ctx, &lantian.Area{Code: "411300", Name: "南阳市", Level: lantian.LevelCity}); err != nil {
					t.Fatal(err)
				}
				for _, code := range []string{"S1", "A", "B", "E1"} {
					if err := db.PutStation(ctx, &lantian.Station{Code: code, Name: "站点 " + code, Kind: lantian.KindNational, Area: "411300"}); err != nil {
						t.Fatal(err)
					}
				}
				return db, sinkReader{db}
			})
		})
	}
}

// TestDeviceAdmin covers the administered registry: disable keeps the
// registration but hides the device from the gateway, enable brings it
// back, re-registering keeps the state, remove forgets it.
func TestDeviceAdmin(t *testing.T) {
	forEach(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seed(t, db)
		clock := time.Date(2026, 11, 28, 18, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return clock }
		a := gateway.Device{MN: "410000A0000001", Password: "pw-a", Station: "2403A", ST: "22"}
		b := gateway.Device{MN: "410000A0000002", Password: "pw-b", Station: "2404A"}
		for _, d := range []gateway.Device{b, a} {
			if err := db.PutDevice(ctx, d); err != nil {
				t.Fatal(err)
			}
		}
		regs, err := db.Registrations(ctx)
		if err != nil || len(regs) != 2 || regs[0].MN != a.MN || regs[1].MN != b.MN {
			t.Fatalf("Registrations = %+v, %v; want a then b", regs, err)
		}
		if regs[0].Disabled || !regs[0].Updated.Equal(clock) || regs[0].Password != "pw-a" {
			t.Errorf("registration a = %+v", regs[0])
		}

		clock = clock.Add(time.Hour)
		if err := db.SetDeviceDisabled(ctx, a.MN, true); err != nil {
			t.Fatal(err)
		}
		if _, err := db.LookupDevice(ctx, a.MN); !errors.Is(err, gateway.ErrUnknownDevice) {
			t.Errorf("disabled device looked up: %v, want ErrUnknownDevice", err)
		}
		r, err := db.Registration(ctx, a.MN)
		if err != nil || !r.Disabled || !r.Updated.Equal(clock) {
			t.Errorf("Registration(disabled) = %+v, %v", r, err)
		}
		// Re-registering (a new password) keeps it disabled.
		a.Password = "pw-a2"
		if err := db.PutDevice(ctx, a); err != nil {
			t.Fatal(err)
		}
		if r, _ := db.Registration(ctx, a.MN); !r.Disabled || r.Password != "pw-a2" {
			t.Errorf("after re-registering: %+v", r)
		}
		if err := db.SetDeviceDisabled(ctx, a.MN, false); err != nil {
			t.Fatal(err)
		}
		if d, err := db.LookupDevice(ctx, a.MN); err != nil || d.Password != "pw-a2" {
			t.Errorf("enabled device: %+v, %v", d, err)
		}

		if err := db.RemoveDevice(ctx, b.MN); err != nil {
			t.Fatal(err)
		}
		if _, err := db.LookupDevice(ctx, b.MN); !errors.Is(err, gateway.ErrUnknownDevice) {
			t.Errorf("removed device looked up: %v", err)
		}
		unknown := []struct {
			name string
			err  error
		}{
			{"remove twice", db.RemoveDevice(ctx, b.MN)},
			{"disable unknown", db.SetDeviceDisabled(ctx, "nope", true)},
			{"registration of unknown", func() error { _, err := db.Registration(ctx, "nope"); return err }()},
		}
		for _, tc := range unknown {
			if lantian.ErrorCode(tc.err) != lantian.ENOTFOUND {
				t.Errorf("%s: %v, want ENOTFOUND", tc.name, tc.err)
			}
		}
		if regs, _ := db.Registrations(ctx); len(regs) != 1 || regs[0].MN != a.MN {
			t.Errorf("after remove: %+v", regs)
		}
	})
}
