package gateway

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/standard"
)

// FileSink appends every record as one JSON line to a file and fsyncs the
// file before StoreBatch returns, so acknowledged data survive a crash. It
// stands in for the store in the standalone gateway and the load
// benchmark; reading the file back (LoadSamples) makes hourly aggregation
// survive restarts. Values are decimal strings ("" = missing), exactly as
// stored in standard.Conc, in the pollutant order so2,no2,co,o3,pm10,pm25;
// flags are one letter per pollutant ("-" = unset).
type FileSink struct {
	mu   sync.Mutex
	f    *os.File
	path string
	buf  []byte
}

// OpenFileSink opens (creating if needed) the file at path for appending.
func OpenFileSink(path string) (*FileSink, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("hj212 file sink: %w", err)
	}
	return &FileSink{f: f, path: path}, nil
}

// Close closes the file.
func (s *FileSink) Close() error { return s.f.Close() }

// fileRecord is the JSON line written per record.
type fileRecord struct {
	Kind     string      `json:"kind"` // hourly, aggregated, sample, daily, cems, event
	MN       string      `json:"mn,omitempty"`
	Station  string      `json:"station,omitempty"`
	ST       string      `json:"st,omitempty"`
	CN       string      `json:"cn,omitempty"`
	QN       string      `json:"qn,omitempty"`
	PNO      int         `json:"pno,omitempty"`
	Time     string      `json:"time,omitempty"` // RFC 3339, Beijing time
	Source   string      `json:"source,omitempty"`
	Values   []string    `json:"values,omitempty"`
	Flags    string      `json:"flags,omitempty"`
	Coverage []int       `json:"coverage_min,omitempty"`
	Fields   [][2]string `json:"fields,omitempty"`
}

func concStrings(v [standard.NumPollutants]standard.Conc) []string {
	out := make([]string, len(v))
	for i, c := range v {
		out[i] = c.String()
	}
	return out
}

func flagString(f [standard.NumPollutants]lantian.Flag) string {
	b := make([]byte, len(f))
	for i, x := range f {
		if x == 0 {
			b[i] = '-'
		} else {
			b[i] = byte(x)
		}
	}
	return string(b)
}

func ts(t time.Time) string { return t.In(standard.Beijing).Format(time.RFC3339Nano) }

// StoreBatch implements Sink: one write and one fsync per batch.
func (s *FileSink) StoreBatch(_ context.Context, b Batch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	buf := s.buf[:0]
	add := func(r *fileRecord) error {
		j, err := json.Marshal(r)
		if err != nil {
			return err
		}
		buf = append(append(buf, j...), '\n')
		return nil
	}
	var err error
	for _, o := range b.Hourly {
		err = add(&fileRecord{Kind: "hourly", Station: o.Station, Time: ts(o.Time), Values: concStrings(o.Values), Flags: flagString(o.Flags)})
	}
	for _, a := range b.Aggregated {
		cov := make([]int, len(a.Coverage))
		for i, c := range a.Coverage {
			cov[i] = int(c / time.Minute)
		}
		err = add(&fileRecord{Kind: "aggregated", MN: a.MN, Station: a.Station, Time: ts(a.Time), Source: a.Source,
			Values: concStrings(a.Values), Flags: flagString(a.Flags), Coverage: cov})
	}
	for _, x := range b.Samples {
		err = add(&fileRecord{Kind: "sample", MN: x.MN, Station: x.Station, CN: x.CN, Time: ts(x.Time), Values: concStrings(x.Values), Flags: flagString(x.Flags)})
	}
	for _, d := range b.Daily {
		err = add(&fileRecord{Kind: "daily", MN: d.MN, Station: d.Station, Time: ts(d.Day), Values: concStrings(d.Values), Flags: flagString(d.Flags)})
	}
	for _, c := range b.CEMS {
		f := make([][2]string, len(c.Values))
		for i, v := range c.Values {
			f[i] = [2]string{v.Code + "-" + v.Field, v.Value}
		}
		err = add(&fileRecord{Kind: "cems", MN: c.MN, Station: c.Station, ST: c.ST, CN: c.CN, QN: c.QN, Time: ts(c.DataTime), Fields: f})
	}
	for _, e := range b.Events {
		f := make([][2]string, len(e.CP))
		for i, v := range e.CP {
			f[i] = [2]string{v.Key, v.Value}
		}
		r := &fileRecord{Kind: "event", MN: e.MN, Station: e.Station, ST: e.ST, CN: e.CN, QN: e.QN, PNO: e.PNO, Fields: f}
		if !e.DataTime.IsZero() {
			r.Time = ts(e.DataTime)
		}
		err = add(r)
	}
	if err != nil {
		return fmt.Errorf("hj212 file sink: encoding: %w", err)
	}
	s.buf = buf
	if _, err := s.f.Write(buf); err != nil {
		return fmt.Errorf("hj212 file sink %s: %w", s.path, err)
	}
	if err := s.f.Sync(); err != nil {
		return fmt.Errorf("hj212 file sink %s: fsync: %w", s.path, err)
	}
	return nil
}

// LoadSamples implements SampleSource by scanning the file.
func (s *FileSink) LoadSamples(_ context.Context, since time.Time) ([]Sample, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, err := os.Open(s.path)
	if err != nil {
		return nil, fmt.Errorf("hj212 file sink: %w", err)
	}
	defer f.Close()
	var out []Sample
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	line := 0
	for sc.Scan() {
		line++
		var r fileRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", s.path, line, err)
		}
		if r.Kind != "sample" {
			continue
		}
		t, err := time.Parse(time.RFC3339Nano, r.Time)
		if err != nil {
			return nil, fmt.Errorf("%s:%d: time: %w", s.path, line, err)
		}
		if t.Before(since) {
			continue
		}
		x := Sample{MN: r.MN, Station: r.Station, CN: r.CN, Time: t}
		if len(r.Values) != standard.NumPollutants || len(r.Flags) != standard.NumPollutants {
			return nil, fmt.Errorf("%s:%d: want %d values and flags", s.path, line, standard.NumPollutants)
		}
		for i, v := range r.Values {
			c, err := standard.ParseConc(v)
			if err != nil {
				return nil, fmt.Errorf("%s:%d: value %d: %w", s.path, line, i, err)
			}
			x.Values[i] = c
			if r.Flags[i] != '-' {
				x.Flags[i] = lantian.Flag(r.Flags[i])
			}
		}
		out = append(out, x)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", s.path, err)
	}
	return out, nil
}
