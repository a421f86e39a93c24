package gateway

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
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
// flags are one letter per pollutant ("-" = unset). It is an append-only
// log: a resent record appears twice in the file, and whoever reads it
// (LoadSamples feeding the aggregator, or an import into the store) merges
// by the record's key as the Sink contract describes.
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

// appendValueRecord writes the JSON line of a record carrying the six
// pollutants (the same layout json.Marshal gives fileRecord, without its
// cost: the sink encodes tens of thousands of these a second).
func appendValueRecord(buf []byte, kind, mn, station, cn, source string, t time.Time,
	v *[standard.NumPollutants]standard.Conc, f *[standard.NumPollutants]lantian.Flag, cov *[standard.NumPollutants]time.Duration) []byte {
	buf = append(buf, `{"kind":"`...)
	buf = append(buf, kind...)
	buf = append(buf, '"')
	str := func(name, s string) {
		if s != "" {
			buf = append(buf, `,"`...)
			buf = append(buf, name...)
			buf = append(buf, `":`...)
			buf = appendJSONString(buf, s)
		}
	}
	str("mn", mn)
	str("station", station)
	str("cn", cn)
	buf = append(buf, `,"time":"`...)
	buf = t.In(standard.Beijing).AppendFormat(buf, time.RFC3339Nano)
	buf = append(buf, '"')
	str("source", source)
	buf = append(buf, `,"values":[`...)
	for i, c := range v {
		if i > 0 {
			buf = append(buf, ',')
		}
		buf = append(buf, '"')
		buf = appendConc(buf, c)
		buf = append(buf, '"')
	}
	buf = append(buf, `],"flags":"`...)
	for _, x := range f {
		if x == 0 || x < 0x20 || x == '"' || x == '\\' || x >= 0x80 {
			x = '-'
		}
		buf = append(buf, byte(x))
	}
	buf = append(buf, '"')
	if cov != nil {
		buf = append(buf, `,"coverage_min":[`...)
		for i, c := range cov {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = strconv.AppendInt(buf, int64(c/time.Minute), 10)
		}
		buf = append(buf, ']')
	}
	return append(buf, "}\n"...)
}

// appendConc appends c as standard.Conc.String does ("" for Missing).
func appendConc(buf []byte, c standard.Conc) []byte {
	if c == standard.Missing {
		return buf
	}
	v := int64(c)
	if v < 0 {
		buf = append(buf, '-')
		v = -v
	}
	buf = strconv.AppendInt(buf, v/standard.ConcScale, 10)
	if f := v % standard.ConcScale; f != 0 {
		d := [3]byte{byte('0' + f/100), byte('0' + f/10%10), byte('0' + f%10)}
		n := 3
		for n > 0 && d[n-1] == '0' {
			n--
		}
		buf = append(buf, '.')
		buf = append(buf, d[:n]...)
	}
	return buf
}

func appendJSONString(buf []byte, s string) []byte {
	buf = append(buf, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			buf = append(buf, '\\', c)
		case c < 0x20:
			buf = append(buf, `\u00`...)
			buf = append(buf, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&0xF])
		default:
			buf = append(buf, c)
		}
	}
	return append(buf, '"')
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
		buf = appendValueRecord(buf, "hourly", "", o.Station, "", "", o.Time, &o.Values, &o.Flags, nil)
	}
	for _, a := range b.Aggregated {
		buf = appendValueRecord(buf, "aggregated", a.MN, a.Station, "", a.Source, a.Time, &a.Values, &a.Flags, &a.Coverage)
	}
	for _, x := range b.Samples {
		buf = appendValueRecord(buf, "sample", x.MN, x.Station, x.CN, "", x.Time, &x.Values, &x.Flags, nil)
	}
	for _, d := range b.Daily {
		buf = appendValueRecord(buf, "daily", d.MN, d.Station, "", "", d.Day, &d.Values, &d.Flags, nil)
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
		x := Sample{MN: r.MN, Station: r.Station, CN: r.CN, Time: t.In(standard.Beijing)}
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
