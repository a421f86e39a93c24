package gateway

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/standard"
)

// MemoryRegistry is a Registry held in memory, for tests and the
// standalone gateway (`lantian hj212 serve --devices FILE`). `lantian
// serve --hj212-addr` uses the store's device table instead.
type MemoryRegistry struct {
	mu      sync.RWMutex
	devices map[string]Device
}

// NewMemoryRegistry returns a registry holding devs.
func NewMemoryRegistry(devs ...Device) *MemoryRegistry {
	r := &MemoryRegistry{devices: make(map[string]Device)}
	for _, d := range devs {
		r.Add(d)
	}
	return r
}

// Add registers or replaces a device.
func (r *MemoryRegistry) Add(d Device) {
	r.mu.Lock()
	r.devices[d.MN] = d
	r.mu.Unlock()
}

// LookupDevice implements Registry.
func (r *MemoryRegistry) LookupDevice(_ context.Context, mn string) (Device, error) {
	r.mu.RLock()
	d, ok := r.devices[mn]
	r.mu.RUnlock()
	if !ok {
		return Device{}, fmt.Errorf("MN %q: %w", mn, ErrUnknownDevice)
	}
	return d, nil
}

// Len returns the number of devices.
func (r *MemoryRegistry) Len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.devices)
}

// ReadDevicesCSV reads devices from CSV with the header
// mn,password,station,st[,units]; units is optional, e.g.
// "so2=mg/m3;pm25=ng/m3". name is used in error messages.
func ReadDevicesCSV(r io.Reader, name string) ([]Device, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	cr.Comment = '#'
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: reading header: %w", name, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	for _, need := range []string{"mn", "password", "station"} {
		if _, ok := col[need]; !ok {
			return nil, fmt.Errorf("%s:1: header has no %q column (want mn,password,station,st[,units])", name, need)
		}
	}
	get := func(rec []string, k string) string {
		if i, ok := col[k]; ok && i < len(rec) {
			return strings.TrimSpace(rec[i])
		}
		return ""
	}
	var out []Device
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		d := Device{MN: get(rec, "mn"), Password: get(rec, "password"), Station: get(rec, "station"), ST: get(rec, "st")}
		if d.MN == "" || d.Station == "" {
			return nil, fmt.Errorf("%s:%d: mn and station must not be empty", name, line)
		}
		units, err := ParseUnits(get(rec, "units"))
		if err != nil {
			return nil, fmt.Errorf("%s:%d: units: %w", name, line, err)
		}
		d.Units = units
		out = append(out, d)
	}
}

// MemorySink is a Sink held in memory that follows the Sink contract
// (upsert by natural key, Missing never overwrites, device hours win over
// aggregates). It serves tests and `lantian hj212 serve --memory`; it is
// "durable" only for the life of the process.
type MemorySink struct {
	mu         sync.Mutex
	hourly     map[stationHour]lantian.Observation
	aggregated map[stationHour]HourlyAggregate
	samples    map[sampleKey]Sample
	daily      map[stationHour]DailyRecord
	cems       []CEMSRecord
	events     []Event
	batches    int
}

type stationHour struct {
	station string
	t       int64
}

type sampleKey struct {
	mn, cn string
	t      int64
}

// NewMemorySink returns an empty sink.
func NewMemorySink() *MemorySink {
	return &MemorySink{
		hourly:     make(map[stationHour]lantian.Observation),
		aggregated: make(map[stationHour]HourlyAggregate),
		samples:    make(map[sampleKey]Sample),
		daily:      make(map[stationHour]DailyRecord),
	}
}

func mergeValues(dstV *[standard.NumPollutants]standard.Conc, dstF *[standard.NumPollutants]lantian.Flag,
	v [standard.NumPollutants]standard.Conc, f [standard.NumPollutants]lantian.Flag) {
	for i := range v {
		if v[i] != standard.Missing || dstV[i] == standard.Missing && f[i] != 0 {
			dstV[i], dstF[i] = v[i], f[i]
		}
	}
}

// StoreBatch implements Sink.
func (s *MemorySink) StoreBatch(_ context.Context, b Batch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.batches++
	for _, o := range b.Hourly {
		k := stationHour{o.Station, o.Time.Unix()}
		if old, ok := s.hourly[k]; ok {
			mergeValues(&old.Values, &old.Flags, o.Values, o.Flags)
			o = old
		}
		s.hourly[k] = o
	}
	for _, a := range b.Aggregated {
		s.aggregated[stationHour{a.Station, a.Time.Unix()}] = a
	}
	for _, x := range b.Samples {
		k := sampleKey{x.MN, x.CN, x.Time.UnixNano()}
		if old, ok := s.samples[k]; ok {
			mergeValues(&old.Values, &old.Flags, x.Values, x.Flags)
			x = old
		}
		s.samples[k] = x
	}
	for _, d := range b.Daily {
		k := stationHour{d.Station, d.Day.Unix()}
		if old, ok := s.daily[k]; ok {
			mergeValues(&old.Values, &old.Flags, d.Values, d.Flags)
			d = old
		}
		s.daily[k] = d
	}
	s.cems = append(s.cems, b.CEMS...)
	s.events = append(s.events, b.Events...)
	return nil
}

// LoadSamples implements SampleSource.
func (s *MemorySink) LoadSamples(_ context.Context, since time.Time) ([]Sample, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Sample
	for _, x := range s.samples {
		if !x.Time.Before(since) {
			out = append(out, x)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out, nil
}

// Hour returns the hour a station's data say for the hour ending at end:
// the device-reported hour when there is one, else the aggregated hour.
func (s *MemorySink) Hour(station string, end time.Time) (lantian.Observation, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := stationHour{station, end.Unix()}
	if o, ok := s.hourly[k]; ok {
		return o, true
	}
	if a, ok := s.aggregated[k]; ok {
		return a.Observation, true
	}
	return lantian.Observation{}, false
}

// Snapshot returns a copy of everything stored, each kind sorted by
// station (or MN) and time.
func (s *MemorySink) Snapshot() Batch {
	s.mu.Lock()
	defer s.mu.Unlock()
	var b Batch
	for _, o := range s.hourly {
		b.Hourly = append(b.Hourly, o)
	}
	for _, a := range s.aggregated {
		b.Aggregated = append(b.Aggregated, a)
	}
	for _, x := range s.samples {
		b.Samples = append(b.Samples, x)
	}
	for _, d := range s.daily {
		b.Daily = append(b.Daily, d)
	}
	b.CEMS = append(b.CEMS, s.cems...)
	b.Events = append(b.Events, s.events...)
	sort.Slice(b.Hourly, func(i, j int) bool {
		return lessST(b.Hourly[i].Station, b.Hourly[i].Time, b.Hourly[j].Station, b.Hourly[j].Time)
	})
	sort.Slice(b.Aggregated, func(i, j int) bool {
		return lessST(b.Aggregated[i].Station, b.Aggregated[i].Time, b.Aggregated[j].Station, b.Aggregated[j].Time)
	})
	sort.Slice(b.Samples, func(i, j int) bool {
		return lessST(b.Samples[i].MN, b.Samples[i].Time, b.Samples[j].MN, b.Samples[j].Time)
	})
	sort.Slice(b.Daily, func(i, j int) bool {
		return lessST(b.Daily[i].Station, b.Daily[i].Day, b.Daily[j].Station, b.Daily[j].Day)
	})
	return b
}

// Batches returns the number of StoreBatch calls.
func (s *MemorySink) Batches() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.batches
}

func lessST(a string, at time.Time, b string, bt time.Time) bool {
	if a != b {
		return a < b
	}
	return at.Before(bt)
}
