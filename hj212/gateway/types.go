// Package gateway is lantian's HJ 212 receiving end: a TCP server that
// field data loggers (数采仪) of ambient-air stations and enterprise CEMS
// connect to. It de-frames and checks packets with package hj212, checks
// each device's MN and password against a Registry, turns the data into
// lantian's records, writes them in group-committed batches to a durable
// Sink, and only then sends the acknowledgement the protocol requires
// (HJ 212-2017 §6.5: 9014 when Flag bit A asks for it, 9013 for notices).
// Acknowledged therefore means stored.
//
// Minute (CN 2051) and real-time (CN 2011) values are stored as samples and
// also folded into hourly values in memory, following the GB 3095-2012
// Table 4 validity rule of at least 45 minutes of sampling in an hour (see
// aggregate.go for exactly how). Hourly (2061) and daily (2031) uploads are
// stored as reported. CEMS (ST=31) data are kept verbatim for source
// supervision.
//
// The gateway protects itself and other devices from a misbehaving or
// hostile client: maximum packet size, per-read and idle timeouts, a bound
// on garbage bytes and on consecutive authentication failures, maximum
// connections in total and per remote address, write deadlines for slow
// readers, and bounded memory per connection (one frame buffer, a bounded
// queue of pending acknowledgements). Everything is counted in Prometheus
// metrics registered on the registry given in Config.
//
// Wiring: `lantian hj212 serve` runs the gateway alone with a
// MemoryRegistry (devices from a CSV) and a FileSink (JSON lines, fsync'd
// per batch). Inside the platform, `lantian serve --hj212-addr HOST:PORT`
// runs it on the store, which implements Registry (the devices registered
// with `lantian device add`), Sink and SampleSource.
package gateway

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/hj212"
	"github.com/lantian-aq/lantian/standard"
)

// Device is a registered data logger.
type Device struct {
	MN       string // HJ 212 device number, matched exactly
	Password string // access password (PW) the device must send
	Station  string // station code its data are filed under (e.g. 2403A)
	// ST is the system code the device must use: "22" for an ambient-air
	// station, "31" for a waste-gas source (CEMS). Empty accepts any.
	ST string
	// Units overrides the unit a pollutant is sent in; absent pollutants use
	// hj212.DefaultAmbientUnit (µg/m³, CO mg/m³).
	Units map[standard.Pollutant]hj212.Unit
}

// ErrUnknownDevice is returned by a Registry for an MN it does not know.
var ErrUnknownDevice = errors.New("unknown device")

// Registry looks devices up by MN. The store implements it over the device
// table that `lantian device add` fills; MemoryRegistry serves tests and the
// standalone gateway. It must return an error wrapping ErrUnknownDevice for
// an unknown MN; other errors are treated as temporary (the packet is not
// acknowledged, so the device resends it).
type Registry interface {
	LookupDevice(ctx context.Context, mn string) (Device, error)
}

// Sink stores batches durably. StoreBatch must return only once every
// record of the batch is durable (committed, fsync'd): the gateway
// acknowledges the packets of a batch as soon as it returns nil, and sends
// nothing for a batch that failed, so the devices resend.
//
// Contract for implementations (the SQL store must honour it):
//   - Idempotent: devices resend unacknowledged packets, so storing the
//     same record twice must leave one record (upsert by the natural key
//     given on each record type).
//   - Merge: a Missing value (standard.Missing) never replaces a stored
//     value. Split packets (HJ 212 §5.3) deliver one hour's pollutants in
//     several parts, each stored on its own.
//   - Precedence: an hour a device reported (Batch.Hourly, CN 2061) wins
//     over an hour the gateway aggregated (Batch.Aggregated) for the same
//     station and hour, whatever their order of arrival.
//
// It is called from one goroutine at a time.
type Sink interface {
	StoreBatch(ctx context.Context, b Batch) error
}

// SampleSource is implemented by sinks that can read back the samples they
// stored. On Start the gateway reloads the samples of the last
// Config.RecoverWindow to rebuild its hourly accumulators, so that an hour
// cut by a restart is still aggregated from all its minutes.
type SampleSource interface {
	LoadSamples(ctx context.Context, since time.Time) ([]Sample, error)
}

// Batch is what the gateway writes in one durable step. Record slices may
// be empty.
type Batch struct {
	// Hourly holds the hours devices reported (CN 2061, -Avg values), labelled
	// by the hour's END like every lantian.Observation. Key: Station, Time.
	Hourly []lantian.Observation
	// Aggregated holds hours the gateway computed from samples.
	// Key: Station, Time.
	Aggregated []HourlyAggregate
	// Samples holds minute (2051) and real-time (2011) ambient values.
	// Key: MN, CN, Time.
	Samples []Sample
	// Daily holds daily values devices reported (CN 2031). Key: Station, Day.
	Daily []DailyRecord
	// CEMS holds pollution-source data (ST=31 and the other source system
	// codes) verbatim. Key: MN, CN, DataTime, and Code+Field per value.
	CEMS []CEMSRecord
	// Events holds the other uploads (2081 boot time, 2021 status, 3020
	// logs, 3019 instrument ids …) verbatim. Key: MN, CN, QN, PNO.
	Events []Event
}

// Len returns the number of records in b.
func (b *Batch) Len() int {
	return len(b.Hourly) + len(b.Aggregated) + len(b.Samples) + len(b.Daily) + len(b.CEMS) + len(b.Events)
}

func (b *Batch) append(o *Batch) {
	b.Hourly = append(b.Hourly, o.Hourly...)
	b.Aggregated = append(b.Aggregated, o.Aggregated...)
	b.Samples = append(b.Samples, o.Samples...)
	b.Daily = append(b.Daily, o.Daily...)
	b.CEMS = append(b.CEMS, o.CEMS...)
	b.Events = append(b.Events, o.Events...)
}

// HourlyAggregate is an hour computed from minute or real-time samples.
type HourlyAggregate struct {
	lantian.Observation
	MN     string
	Source string // CN of the samples used: "2051" minute or "2011" real-time
	// Coverage is, per pollutant, the sampling time covered by usable (N)
	// values; the value is valid when it reaches 45 minutes.
	Coverage [standard.NumPollutants]time.Duration
	// Count is the number of usable samples averaged per pollutant.
	Count [standard.NumPollutants]int
}

// Sample is one minute-data or real-time upload of an ambient station.
type Sample struct {
	MN      string
	Station string
	CN      string    // "2051" minute (Time = interval start) or "2011" real-time (Time = sampling instant)
	Time    time.Time // DataTime
	Values  [standard.NumPollutants]standard.Conc
	Flags   [standard.NumPollutants]lantian.Flag
}

// DailyRecord is a daily upload (CN 2031) of an ambient station.
type DailyRecord struct {
	MN      string
	Station string
	Day     time.Time // 00:00 Beijing time of the day (DataTime)
	Values  [standard.NumPollutants]standard.Conc
	Flags   [standard.NumPollutants]lantian.Flag
}

// CEMSRecord is one data upload of a pollution source, kept verbatim.
type CEMSRecord struct {
	MN       string
	Station  string // the source's code in the registry
	ST       string
	CN       string // 2011, 2051, 2061 or 2031
	QN       string
	DataTime time.Time
	Values   []CEMSValue
}

// CEMSValue is one CP field of a source upload: factor code, field suffix
// (Rtd, Avg, ZsAvg, Cou, Flag …) and the value as sent (numbers are checked
// to be decimals; flags are kept as sent, including local extensions).
type CEMSValue struct {
	Code  string // a34013, a21026, 01 (2005) …
	Field string // Rtd, Min, Avg, Max, Cou, ZsRtd, ZsAvg, Flag, EFlag …
	Value string
}

// Event is any other upload a device sent, kept verbatim.
type Event struct {
	MN       string
	Station  string
	ST       string
	CN       string
	QN       string
	PNO      int
	Received time.Time
	DataTime time.Time // zero when the packet had none
	CP       []hj212.Field
}

// ParseUnits reads the units a device sends, written as pollutant=unit
// pairs separated by semicolons ("so2=mg/m3;pm25=ug/m3"), the form of the
// devices CSV and of `lantian device add --units`. Empty text is no
// override.
func ParseUnits(s string) (map[standard.Pollutant]hj212.Unit, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	m := map[string]string{}
	for _, kv := range strings.Split(s, ";") {
		k, v, ok := strings.Cut(strings.TrimSpace(kv), "=")
		if !ok {
			return nil, fmt.Errorf("%q is not pollutant=unit (e.g. so2=mg/m3)", kv)
		}
		m[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return UnitsOf(m)
}

// UnitsOf reads units keyed by pollutant code (so2 … pm25), as the API
// carries them; an empty map is no override.
func UnitsOf(codes map[string]string) (map[standard.Pollutant]hj212.Unit, error) {
	var out map[standard.Pollutant]hj212.Unit
	for code, us := range codes {
		p, err := standard.ParsePollutant(code)
		if err != nil {
			return nil, err
		}
		u, err := hj212.ParseUnit(us)
		if err != nil {
			return nil, &UnitError{Code: code, Err: err}
		}
		if out == nil {
			out = map[standard.Pollutant]hj212.Unit{}
		}
		out[p] = u
	}
	return out, nil
}

// UnitError is a unit that could not be read, with the code of the
// pollutant it was given for (so that the API can name the field).
type UnitError struct {
	Code string
	Err  error
}

func (e *UnitError) Error() string { return e.Code + ": " + e.Err.Error() }

// Unwrap returns the parse error.
func (e *UnitError) Unwrap() error { return e.Err }

// UnitCodes returns the units keyed by pollutant code, as the API and the
// audit log show them (nil when there is no override).
func UnitCodes(units map[standard.Pollutant]hj212.Unit) map[string]string {
	var out map[string]string
	for p, u := range units {
		if out == nil {
			out = map[string]string{}
		}
		out[p.Code()] = u.String()
	}
	return out
}
