package sqlstore

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/hj212"
	"github.com/lantian-aq/lantian/hj212/gateway"
	"github.com/lantian-aq/lantian/standard"
)

func TestDeviceRegistry(t *testing.T) {
	forEach(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seed(t, db)
		d := gateway.Device{MN: "88888880000001", Password: "123456", Station: "2403A", ST: "22",
			Units: map[standard.Pollutant]hj212.Unit{standard.CO: hj212.UnitMilligram}}
		if err := db.PutDevice(ctx, d); err != nil {
			t.Fatal(err)
		}
		got, err := db.LookupDevice(ctx, d.MN)
		if err != nil || got.Password != "123456" || got.Station != "2403A" || got.ST != "22" || got.Units[standard.CO] != hj212.UnitMilligram {
			t.Fatalf("LookupDevice = %+v, %v", got, err)
		}
		if _, err := db.LookupDevice(ctx, "nope"); !errors.Is(err, gateway.ErrUnknownDevice) {
			t.Errorf("unknown MN: %v, want ErrUnknownDevice", err)
		}
		tests := []struct {
			name string
			d    gateway.Device
		}{
			{"no MN", gateway.Device{Password: "x", Station: "2403A"}},
			{"no password", gateway.Device{MN: "m2", Station: "2403A"}},
			{"unknown station", gateway.Device{MN: "m2", Password: "x", Station: "9999A"}},
		}
		for _, tc := range tests {
			if err := db.PutDevice(ctx, tc.d); lantian.ErrorCode(err) != lantian.EINVALID {
				t.Errorf("%s: %v, want EINVALID", tc.name, err)
			}
		}
		ds, err := db.Devices(ctx)
		if err != nil || len(ds) != 1 {
			t.Fatalf("Devices = %v, %v", ds, err)
		}
	})
}

func obsOf(station string, t time.Time, vals map[standard.Pollutant]standard.Conc) lantian.Observation {
	o := lantian.Observation{Station: station, Time: t}
	for p := range o.Values {
		o.Values[p] = standard.Missing
	}
	for p, v := range vals {
		o.Values[p] = v
	}
	return o
}

// TestSink checks the gateway.Sink contract: idempotent, Missing never
// replaces a stored value, reported hours win over aggregated ones.
func TestSink(t *testing.T) {
	forEach(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		seed(t, db)
		h1 := hour(2024, 5, 1, 10)
		h2 := h1.Add(time.Hour)
		// A split hour: PM2.5 first, then the gases.
		part1 := gateway.Batch{Hourly: []lantian.Observation{obsOf("2403A", h1, map[standard.Pollutant]standard.Conc{standard.PM25: 35000})}}
		part2 := gateway.Batch{Hourly: []lantian.Observation{obsOf("2403A", h1, map[standard.Pollutant]standard.Conc{standard.SO2: 8000, standard.NO2: 30000})}}
		for _, b := range []gateway.Batch{part1, part2, part2, part1} { // resends change nothing
			if err := db.StoreBatch(ctx, b); err != nil {
				t.Fatal(err)
			}
		}
		revs, err := db.Revisions(ctx, "2403A", h1)
		if err != nil {
			t.Fatal(err)
		}
		cur := revs[len(revs)-1]
		if cur.Values[standard.PM25] != 35000 || cur.Values[standard.SO2] != 8000 || cur.Values[standard.NO2] != 30000 || cur.Source != "hj212:2061" {
			t.Errorf("merged hour = %+v", cur)
		}
		if len(revs) != 2 {
			t.Errorf("%d revisions, want 2 (first part, merged)", len(revs))
		}
		// An aggregated hour never replaces a reported one…
		agg := gateway.HourlyAggregate{Observation: obsOf("2403A", h1, map[standard.Pollutant]standard.Conc{standard.PM25: 99000}), Source: "2051"}
		// …but fills an hour nobody reported, until a reported one comes.
		agg2 := gateway.HourlyAggregate{Observation: obsOf("2403A", h2, map[standard.Pollutant]standard.Conc{standard.PM25: 40000, standard.O3: 60000}), Source: "2051"}
		if err := db.StoreBatch(ctx, gateway.Batch{Aggregated: []gateway.HourlyAggregate{agg, agg2}}); err != nil {
			t.Fatal(err)
		}
		obs, _ := db.Observations(ctx, lantian.ObservationFilter{Stations: []string{"2403A"}, From: h1, To: h2.Add(time.Hour)})
		if len(obs) != 2 || obs[0].Values[standard.PM25] != 35000 || obs[1].Values[standard.PM25] != 40000 || obs[1].Source != "hj212:2051" {
			t.Fatalf("after aggregates: %+v", obs)
		}
		rep := obsOf("2403A", h2, map[standard.Pollutant]standard.Conc{standard.PM25: 42000})
		if err := db.StoreBatch(ctx, gateway.Batch{Hourly: []lantian.Observation{rep}, Aggregated: []gateway.HourlyAggregate{agg2}}); err != nil {
			t.Fatal(err)
		}
		obs, _ = db.Observations(ctx, lantian.ObservationFilter{Stations: []string{"2403A"}, From: h2, To: h2.Add(time.Hour)})
		if obs[0].Values[standard.PM25] != 42000 || obs[0].Source != "hj212:2061" {
			t.Errorf("reported hour did not win: %+v", obs[0])
		}

		// Samples: merged, idempotent, read back.
		m1 := gateway.Sample{MN: "MN1", Station: "2403A", CN: "2051", Time: h1.Add(-30 * time.Minute)}
		for p := range m1.Values {
			m1.Values[p] = standard.Missing
		}
		m1.Values[standard.PM25] = 33000
		m2 := m1
		m2.Values[standard.PM25] = standard.Missing
		m2.Values[standard.CO] = 800
		m2.Flags[standard.CO] = lantian.FlagCalibration
		for _, b := range []gateway.Batch{{Samples: []gateway.Sample{m1}}, {Samples: []gateway.Sample{m2, m2}}, {Samples: []gateway.Sample{m1}}} {
			if err := db.StoreBatch(ctx, b); err != nil {
				t.Fatal(err)
			}
		}
		ss, err := db.LoadSamples(ctx, h1.Add(-time.Hour))
		if err != nil || len(ss) != 1 {
			t.Fatalf("LoadSamples = %v, %v", ss, err)
		}
		if s := ss[0]; s.Values[standard.PM25] != 33000 || s.Values[standard.CO] != 800 || s.Flags[standard.CO] != lantian.FlagCalibration || s.Station != "2403A" {
			t.Errorf("sample = %+v", s)
		}

		// Daily, CEMS and events: stored once however often they come.
		day := gateway.DailyRecord{MN: "MN1", Station: "2403A", Day: hour(2024, 5, 1, 0)}
		for p := range day.Values {
			day.Values[p] = standard.Conc(1000 * (p + 1))
		}
		cems := gateway.CEMSRecord{MN: "SRC1", Station: "S1", ST: "31", CN: "2061", QN: "q1", DataTime: h1,
			Values: []gateway.CEMSValue{{Code: "a21026", Field: "Avg", Value: "12.5"}, {Code: "a21026", Field: "Flag", Value: "N"}}}
		ev := gateway.Event{MN: "MN1", Station: "2403A", ST: "22", CN: "2081", QN: "q2", PNO: 1, Received: h1, CP: []hj212.Field{{Key: "RestartTime", Value: "20240501100000"}}}
		for i := 0; i < 2; i++ {
			if err := db.StoreBatch(ctx, gateway.Batch{Daily: []gateway.DailyRecord{day}, CEMS: []gateway.CEMSRecord{cems}, Events: []gateway.Event{ev}}); err != nil {
				t.Fatal(err)
			}
		}
		for table, want := range map[string]int{"hj212_daily": 1, "cems_record": 1, "cems_value": 2, "hj212_event": 1} {
			var n int
			if err := db.r.QueryRowContext(ctx, "SELECT count(*) FROM "+table).Scan(&n); err != nil || n != want {
				t.Errorf("%s has %d rows (%v), want %d", table, n, err, want)
			}
		}
	})
}
