// Package sinktest is the conformance suite for implementations of the
// HJ 212 gateway's Sink (and SampleSource): the semantics the gateway relies
// on to acknowledge packets safely — idempotent upserts, Missing never
// overwriting a stored value, device-reported hours winning over
// aggregated ones. The in-memory sink runs it in this package's tests; the
// SQL store runs the same suite against SQLite and PostgreSQL.
package sinktest

import (
	"context"
	"testing"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/hj212/gateway"
	"github.com/lantian-aq/lantian/standard"
)

// Reader reads back what a sink stored, as the rest of the platform will
// see it.
type Reader interface {
	// Hour returns the effective hour of a station (labelled by its end):
	// the device-reported hour when there is one, else the aggregated hour.
	Hour(ctx context.Context, station string, end time.Time) (lantian.Observation, bool, error)
	// Daily returns a station's daily record for the day starting at day.
	Daily(ctx context.Context, station string, day time.Time) (gateway.DailyRecord, bool, error)
}

// Open returns a fresh, empty sink and its reader.
type Open func(t *testing.T) (gateway.Sink, Reader)

// Run runs the suite.
func Run(t *testing.T, open Open) {
	ctx := context.Background()
	end := time.Date(2026, 11, 28, 10, 0, 0, 0, standard.Beijing)
	obs := func(station string, vals map[standard.Pollutant]standard.Conc, flag lantian.Flag) lantian.Observation {
		o := lantian.Observation{Station: station, Time: end}
		for p := range o.Values {
			o.Values[p] = standard.Missing
		}
		for p, v := range vals {
			o.Values[p], o.Flags[p] = v, flag
		}
		return o
	}
	agg := func(station string, vals map[standard.Pollutant]standard.Conc) gateway.HourlyAggregate {
		return gateway.HourlyAggregate{Observation: obs(station, vals, lantian.FlagNormal), MN: "MN-" + station, Source: "2051"}
	}
	store := func(t *testing.T, s gateway.Sink, b gateway.Batch) {
		t.Helper()
		if err := s.StoreBatch(ctx, b); err != nil {
			t.Fatalf("StoreBatch: %v", err)
		}
	}
	hour := func(t *testing.T, r Reader, station string) lantian.Observation {
		t.Helper()
		o, ok, err := r.Hour(ctx, station, end)
		if err != nil || !ok {
			t.Fatalf("Hour(%s, %s): found %v, %v", station, end, ok, err)
		}
		return o
	}
	pm := func(v standard.Conc) map[standard.Pollutant]standard.Conc {
		return map[standard.Pollutant]standard.Conc{standard.PM25: v}
	}

	t.Run("resent hour stored once, same values", func(t *testing.T) {
		s, r := open(t)
		o := obs("S1", pm(33000), lantian.FlagNormal)
		store(t, s, gateway.Batch{Hourly: []lantian.Observation{o}})
		store(t, s, gateway.Batch{Hourly: []lantian.Observation{o}})
		if got := hour(t, r, "S1"); got.Values != o.Values || got.Flags != o.Flags {
			t.Errorf("got %v %v, want %v %v", got.Values, got.Flags, o.Values, o.Flags)
		}
	})
	t.Run("split parts merge per pollutant", func(t *testing.T) {
		s, r := open(t)
		store(t, s, gateway.Batch{Hourly: []lantian.Observation{obs("S1", pm(33000), lantian.FlagNormal)}})
		store(t, s, gateway.Batch{Hourly: []lantian.Observation{obs("S1", map[standard.Pollutant]standard.Conc{standard.SO2: 8000}, lantian.FlagCalibration)}})
		got := hour(t, r, "S1")
		if got.Values[standard.PM25] != 33000 || got.Values[standard.SO2] != 8000 || got.Flags[standard.SO2] != lantian.FlagCalibration {
			t.Errorf("merged hour %v %v", got.Values, got.Flags)
		}
	})
	t.Run("a present value replaces a stored one", func(t *testing.T) {
		s, r := open(t)
		store(t, s, gateway.Batch{Hourly: []lantian.Observation{obs("S1", pm(33000), lantian.FlagNormal)}})
		store(t, s, gateway.Batch{Hourly: []lantian.Observation{obs("S1", pm(34000), lantian.FlagMaintenance)}})
		if got := hour(t, r, "S1"); got.Values[standard.PM25] != 34000 || got.Flags[standard.PM25] != lantian.FlagMaintenance {
			t.Errorf("revised hour %v %v", got.Values, got.Flags)
		}
	})
	t.Run("device hour wins over aggregated, either order", func(t *testing.T) {
		s, r := open(t)
		store(t, s, gateway.Batch{Aggregated: []gateway.HourlyAggregate{agg("A", pm(40000))}})
		store(t, s, gateway.Batch{Hourly: []lantian.Observation{obs("A", pm(33000), lantian.FlagNormal)}})
		store(t, s, gateway.Batch{Hourly: []lantian.Observation{obs("B", pm(33000), lantian.FlagNormal)}})
		store(t, s, gateway.Batch{Aggregated: []gateway.HourlyAggregate{agg("B", pm(40000))}})
		for _, st := range []string{"A", "B"} {
			if got := hour(t, r, st); got.Values[standard.PM25] != 33000 {
				t.Errorf("station %s: %v, want the device's 33", st, got.Values[standard.PM25])
			}
		}
	})
	t.Run("aggregated hour revised", func(t *testing.T) {
		s, r := open(t)
		store(t, s, gateway.Batch{Aggregated: []gateway.HourlyAggregate{agg("A", pm(standard.Missing))}})
		store(t, s, gateway.Batch{Aggregated: []gateway.HourlyAggregate{agg("A", pm(41000))}})
		if got := hour(t, r, "A"); got.Values[standard.PM25] != 41000 {
			t.Errorf("revision: %v", got.Values[standard.PM25])
		}
	})
	t.Run("daily records merge", func(t *testing.T) {
		s, r := open(t)
		day := time.Date(2026, 11, 28, 0, 0, 0, 0, standard.Beijing)
		d := gateway.DailyRecord{MN: "M", Station: "S1", Day: day}
		for p := range d.Values {
			d.Values[p] = standard.Missing
		}
		a, b := d, d
		a.Values[standard.PM25], a.Flags[standard.PM25] = 35000, lantian.FlagNormal
		b.Values[standard.CO], b.Flags[standard.CO] = 800, lantian.FlagNormal
		store(t, s, gateway.Batch{Daily: []gateway.DailyRecord{a}})
		store(t, s, gateway.Batch{Daily: []gateway.DailyRecord{b, b}})
		got, ok, err := r.Daily(ctx, "S1", day)
		if err != nil || !ok || got.Values[standard.PM25] != 35000 || got.Values[standard.CO] != 800 {
			t.Errorf("daily %v %v %v", got.Values, ok, err)
		}
	})
	t.Run("samples idempotent and read back", func(t *testing.T) {
		s, _ := open(t)
		src, ok := s.(gateway.SampleSource)
		if !ok {
			t.Skip("sink does not implement SampleSource")
		}
		x := gateway.Sample{MN: "M", Station: "S1", CN: "2051", Time: end.Add(-30 * time.Minute)}
		for p := range x.Values {
			x.Values[p] = standard.Missing
		}
		y := x
		x.Values[standard.PM25], x.Flags[standard.PM25] = 30000, lantian.FlagNormal
		y.Values[standard.SO2], y.Flags[standard.SO2] = 7000, lantian.FlagNormal
		store(t, s, gateway.Batch{Samples: []gateway.Sample{x, x}})
		store(t, s, gateway.Batch{Samples: []gateway.Sample{y}})
		got, err := src.LoadSamples(ctx, end.Add(-time.Hour))
		if err != nil || len(got) != 1 {
			t.Fatalf("LoadSamples: %d samples, %v", len(got), err)
		}
		if got[0].Values[standard.PM25] != 30000 || got[0].Values[standard.SO2] != 7000 || !got[0].Time.Equal(x.Time) {
			t.Errorf("sample %+v", got[0])
		}
		if later, _ := src.LoadSamples(ctx, end); len(later) != 0 {
			t.Errorf("LoadSamples(since after the sample) = %d samples", len(later))
		}
	})
	t.Run("CEMS and events accepted", func(t *testing.T) {
		s, _ := open(t)
		store(t, s, gateway.Batch{
			CEMS:   []gateway.CEMSRecord{{MN: "M", Station: "E1", ST: "31", CN: "2051", QN: "20261128101000001", DataTime: end, Values: []gateway.CEMSValue{{Code: "a21026", Field: "ZsAvg", Value: "39.6"}}}},
			Events: []gateway.Event{{MN: "M", Station: "E1", ST: "31", CN: "2081", QN: "20261128101000002", Received: end}},
		})
	})
}
