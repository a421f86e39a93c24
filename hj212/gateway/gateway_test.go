package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/hj212"
	"github.com/lantian-aq/lantian/standard"
)

const testMN = "010000A8900016F000169DC0"

func testDevice() Device {
	return Device{MN: testMN, Password: "123456", Station: "T001", ST: "22"}
}

type harness struct {
	g    *Gateway
	sink Sink
	mem  *MemorySink
	reg  *prometheus.Registry
	addr string
}

func start(t *testing.T, sink Sink, mod func(*Config), devs ...Device) *harness {
	t.Helper()
	if len(devs) == 0 {
		devs = []Device{testDevice()}
	}
	h := &harness{reg: prometheus.NewRegistry(), sink: sink}
	if sink == nil {
		h.mem = NewMemorySink()
		h.sink = h.mem
	}
	cfg := Config{Addr: "127.0.0.1:0", Registry: NewMemoryRegistry(devs...), Sink: h.sink, Metrics: h.reg,
		BatchLatency: time.Millisecond, FlushInterval: time.Hour}
	if mod != nil {
		mod(&cfg)
	}
	g, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	h.g, h.addr = g, g.Addr().String()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := g.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
	})
	return h
}

func (h *harness) packets(result string) float64 {
	return testutil.ToFloat64(h.g.m.packets.WithLabelValues(result))
}

// client is a device's side of a connection.
type client struct {
	t  *testing.T
	nc net.Conn
	d  *hj212.Deframer
}

func dial(t *testing.T, addr string) *client {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return &client{t: t, nc: nc, d: hj212.NewDeframer(nc, 0)}
}

func (c *client) send(b []byte) {
	c.t.Helper()
	if _, err := c.nc.Write(b); err != nil {
		c.t.Fatal(err)
	}
}

// next reads the next packet from the gateway within d.
func (c *client) next(d time.Duration) (*hj212.Packet, error) {
	c.nc.SetReadDeadline(time.Now().Add(d))
	seg, err := c.d.Next()
	if err != nil {
		return nil, err
	}
	return hj212.Parse(seg)
}

func (c *client) expectAck(qn string) {
	c.t.Helper()
	p, err := c.next(5 * time.Second)
	if err != nil {
		c.t.Fatalf("waiting for the 9014 of %s: %v", qn, err)
	}
	if p.CN != hj212.CNDataAck || p.QN != qn || p.ST != "91" || p.Flag != 4 || p.MN == "" {
		c.t.Fatalf("got %+v, want 9014 for QN %s", p, qn)
	}
}

func (c *client) expectNothing(d time.Duration) {
	c.t.Helper()
	if p, err := c.next(d); err == nil {
		c.t.Fatalf("unexpected packet %+v", p)
	} else if ne, ok := err.(net.Error); !ok || !ne.Timeout() {
		c.t.Fatalf("connection ended: %v", err)
	}
}

func frame(t testing.TB, seg string) []byte {
	b, err := hj212.AppendFrame(nil, []byte(seg))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func upload(t testing.TB, qn, cn, dataTime, cp string, flag int) []byte {
	return frame(t, fmt.Sprintf("QN=%s;ST=22;CN=%s;PW=123456;MN=%s;Flag=%d;CP=&&DataTime=%s;%s&&", qn, cn, testMN, flag, dataTime, cp))
}

type corpusEntry struct {
	name, result string
	acked        bool
	data         []byte
}

func loadCorpus(t *testing.T) []corpusEntry {
	b, err := os.ReadFile("../../testdata/hj212/malformed.tsv")
	if err != nil {
		t.Fatal(err)
	}
	var out []corpusEntry
	for i, l := range strings.Split(string(b), "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		cols := strings.Split(l, "\t")
		d, err := strconv.Unquote(cols[3])
		if err != nil {
			t.Fatalf("malformed.tsv:%d: %v", i+1, err)
		}
		out = append(out, corpusEntry{cols[0], cols[1], cols[2] == "yes", []byte(d)})
	}
	return out
}

// TestCorpusOverTCP sends every malformed or edge-case packet of the corpus
// over a real connection, followed by a valid upload: the entry is counted
// under its result, answered only when the corpus says so, and the valid
// packet after it is still acknowledged (the connection survives).
func TestCorpusOverTCP(t *testing.T) {
	h := start(t, nil, nil)
	for i, e := range loadCorpus(t) {
		t.Run(e.name, func(t *testing.T) {
			before := h.packets(e.result)
			c := dial(t, h.addr)
			c.send(e.data)
			qn := fmt.Sprintf("20261128110000%03d", i)
			c.send(upload(t, qn, "2061", "20261128100000", "a34004-Avg=40,a34004-Flag=N", 5))
			if e.acked {
				p, err := c.next(5 * time.Second)
				if err != nil || p.CN != hj212.CNDataAck {
					t.Fatalf("entry not acknowledged: %v %+v", err, p)
				}
				// The answer is in the sender's version with A=0, D=0.
				if seg, err := hj212.ParseFrame(e.data[bytes.Index(e.data, []byte("##")):]); err == nil {
					if q, err := hj212.Parse(seg); err == nil && p.Flag != hj212.HeaderFlag(q.Version()<<2) {
						t.Errorf("answer Flag %d to a version-%d packet", p.Flag, q.Version())
					}
				}
			}
			c.expectAck(qn)
			want := 1.0
			if e.result == resOK {
				want = 2 // the entry and the valid packet after it
			}
			if got := h.packets(e.result) - before; got != want {
				t.Errorf("hj212_packets_total{result=%q} grew by %v, want %v", e.result, got, want)
			}
		})
	}
}

func TestSpecUploadsStored(t *testing.T) {
	dev := testDevice()
	dev.ST = "" // the spec's examples use one MN for air stations and sources
	h := start(t, nil, nil, dev)
	c := dial(t, h.addr)
	hour := "##0448QN=20261128100005001;ST=22;CN=2061;PW=123456;MN=010000A8900016F000169DC0;Flag=5;CP=&&DataTime=20261128090000;a34004-Min=28,a34004-Avg=33,a34004-Max=41,a34004-Flag=N;a34002-Min=50,a34002-Avg=58,a34002-Max=70,a34002-Flag=N;a21026-Min=6,a21026-Avg=8,a21026-Max=11,a21026-Flag=N;a21004-Min=22,a21004-Avg=30,a21004-Max=39,a21004-Flag=N;a21005-Min=0.5,a21005-Avg=0.6,a21005-Max=0.8,a21005-Flag=N;a05024-Min=60,a05024-Avg=85,a05024-Max=110,a05024-Flag=C&&F441\r\n"
	cems := "##0373QN=20261128101500001;ST=31;CN=2011;PW=123456;MN=010000A8900016F000169DC0;Flag=5;CP=&&DataTime=20261128101500;a34013-Rtd=10.2,a34013-ZsRtd=11.5,a34013-Flag=N;a21026-Rtd=35.0,a21026-ZsRtd=39.4,a21026-Flag=M;a21002-Rtd=51.2,a21002-ZsRtd=57.6,a21002-Flag=C;a19001-Rtd=9.2,a19001-Flag=N;a01012-Rtd=52.1,a01012-Flag=N;a01011-Rtd=10.0,a01011-Flag=N;a00000-Rtd=13.4,a00000-Flag=N&&5D80\r\n"
	rtd := "##0429QN=20261128100000123;ST=22;CN=2011;PW=123456;MN=010000A8900016F000169DC0;Flag=5;CP=&&DataTime=20261128100000;a34004-Rtd=35,a34004-Flag=N;a34002-Rtd=62,a34002-Flag=N;a21026-Rtd=8,a21026-Flag=N;a21004-Rtd=31,a21004-Flag=N;a21005-Rtd=0.6,a21005-Flag=N;a05024-Rtd=88,a05024-Flag=N;a01001-Rtd=12.5,a01001-Flag=N;a01002-Rtd=56.0,a01002-Flag=N;a01006-Rtd=101.325,a01006-Flag=N;a01007-Rtd=2.1,a01007-Flag=N;a01008-Rtd=135,a01008-Flag=N&&D081\r\n"
	c.send([]byte(hour + cems + rtd)) // sticky: three packets in one write
	c.expectAck("20261128100005001")
	c.expectAck("20261128101500001")
	c.expectAck("20261128100000123")
	o, ok := h.mem.Hour("T001", time.Date(2026, 11, 28, 10, 0, 0, 0, standard.Beijing))
	if !ok {
		t.Fatal("hourly observation not stored")
	}
	want := [standard.NumPollutants]standard.Conc{8000, 30000, 600, 85000, 58000, 33000}
	if o.Values != want {
		t.Errorf("values %v, want %v", o.Values, want)
	}
	if o.Flags[standard.O3] != lantian.FlagCalibration || o.Flags[standard.PM25] != lantian.FlagNormal {
		t.Errorf("flags %v", o.Flags)
	}
	if got := testutil.ToFloat64(h.g.m.unknownFactor); got != 0 {
		t.Errorf("auxiliary factors counted as unknown: %v", got)
	}
	snap := h.mem.Snapshot()
	if len(snap.Samples) != 1 || snap.Samples[0].CN != "2011" ||
		snap.Samples[0].Values != [standard.NumPollutants]standard.Conc{8000, 31000, 600, 88000, 62000, 35000} {
		t.Errorf("real-time sample %+v", snap.Samples)
	}
	if len(snap.CEMS) != 1 || snap.CEMS[0].CN != "2011" || len(snap.CEMS[0].Values) != 17 {
		t.Fatalf("CEMS %+v", snap.CEMS)
	}
	if v := snap.CEMS[0].Values[4]; v.Code != "a21026" || v.Field != "ZsRtd" || v.Value != "39.4" {
		t.Errorf("CEMS value %+v", v)
	}
}

// TestSplitAndStickyPackets: split parts (Flag=7) are each acknowledged
// and merged into one hour; Flag=6 parts are joined before storing; a
// packet arriving one byte at a time is reassembled from the stream.
func TestSplitAndStickyPackets(t *testing.T) {
	h := start(t, nil, nil)
	c := dial(t, h.addr)
	part := func(qn string, flag, pno int, dt, cp string) []byte {
		return frame(t, fmt.Sprintf("QN=%s;ST=22;CN=2061;PW=123456;MN=%s;Flag=%d;PNUM=2;PNO=%d;CP=&&DataTime=%s;%s&&", qn, testMN, flag, pno, dt, cp))
	}
	// Flag=7: parts with their own QNs, each acked.
	c.send(append(part("20261128100005534", 7, 1, "20261128080000", "a34004-Avg=33,a34004-Flag=N"),
		part("20261128100005535", 7, 2, "20261128080000", "a21026-Avg=8,a21026-Flag=N")...))
	c.expectAck("20261128100005534")
	c.expectAck("20261128100005535")
	// Flag=6: no acks; joined.
	c.send(part("20261128100006534", 6, 2, "20261128090000", "a21026-Avg=9,a21026-Flag=N"))
	c.send(part("20261128100006535", 6, 1, "20261128090000", "a34004-Avg=34,a34004-Flag=N"))
	// One byte at a time.
	b := upload(t, "20261128100007000", "2061", "20261128100000", "a34002-Avg=70,a34002-Flag=N", 5)
	for i := range b {
		c.send(b[i : i+1])
	}
	c.expectAck("20261128100007000")
	for _, tc := range []struct {
		hourEnd    int
		pol        standard.Pollutant
		want       standard.Conc
		otherPol   standard.Pollutant
		otherValue standard.Conc
	}{
		{9, standard.PM25, 33000, standard.SO2, 8000},
		{10, standard.PM25, 34000, standard.SO2, 9000},
	} {
		o, ok := h.mem.Hour("T001", time.Date(2026, 11, 28, tc.hourEnd, 0, 0, 0, standard.Beijing))
		if !ok || o.Values[tc.pol] != tc.want || o.Values[tc.otherPol] != tc.otherValue {
			t.Errorf("hour ending %d:00: %v %v", tc.hourEnd, ok, o.Values)
		}
	}
	if n := len(h.mem.Snapshot().Hourly); n != 3 {
		t.Errorf("%d hourly records, want 3", n)
	}
}

// blockingSink holds every batch until released.
type blockingSink struct {
	*MemorySink
	release chan struct{}
	entered chan struct{}
}

func (s *blockingSink) StoreBatch(ctx context.Context, b Batch) error {
	s.entered <- struct{}{}
	<-s.release
	return s.MemorySink.StoreBatch(ctx, b)
}

func TestAckOnlyAfterDurable(t *testing.T) {
	s := &blockingSink{MemorySink: NewMemorySink(), release: make(chan struct{}), entered: make(chan struct{}, 8)}
	h := start(t, s, nil)
	c := dial(t, h.addr)
	c.send(upload(t, "20261128100000001", "2061", "20261128090000", "a34004-Avg=33,a34004-Flag=N", 5))
	select {
	case <-s.entered:
	case <-time.After(5 * time.Second):
		t.Fatal("batch never reached the sink")
	}
	c.expectNothing(300 * time.Millisecond)
	if len(s.MemorySink.Snapshot().Hourly) != 0 {
		t.Fatal("stored before release")
	}
	close(s.release)
	c.expectAck("20261128100000001")
	if len(s.MemorySink.Snapshot().Hourly) != 1 {
		t.Fatal("acknowledged but not stored")
	}
}

// failingSink fails the first n batches.
type failingSink struct {
	*MemorySink
	mu   sync.Mutex
	fail int
}

func (s *failingSink) StoreBatch(ctx context.Context, b Batch) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail > 0 {
		s.fail--
		return errors.New("disk full")
	}
	return s.MemorySink.StoreBatch(ctx, b)
}

// TestNoAckWhenStoreFails: a failed batch is not acknowledged; the
// device's resend (same QN) is stored and acknowledged; a second resend is
// acknowledged again as a duplicate without storing twice.
func TestNoAckWhenStoreFails(t *testing.T) {
	s := &failingSink{MemorySink: NewMemorySink(), fail: 1}
	h := start(t, s, nil)
	c := dial(t, h.addr)
	pkt := upload(t, "20261128100000002", "2061", "20261128090000", "a34004-Avg=33,a34004-Flag=N", 5)
	c.send(pkt)
	c.expectNothing(300 * time.Millisecond)
	c.send(pkt)
	c.expectAck("20261128100000002")
	c.send(pkt)
	c.expectAck("20261128100000002")
	if got := h.packets(resDuplicate); got != 1 {
		t.Errorf("duplicates counted %v, want 1", got)
	}
	if got := testutil.ToFloat64(h.g.m.records.WithLabelValues("hourly")); got != 1 {
		t.Errorf("hourly records stored %v, want 1", got)
	}
}

func TestConnectionLimits(t *testing.T) {
	t.Run("per address", func(t *testing.T) {
		h := start(t, nil, func(c *Config) { c.MaxConnsPerAddr = 2 })
		a, b := dial(t, h.addr), dial(t, h.addr)
		c := dial(t, h.addr)
		if _, err := c.next(5 * time.Second); !errors.Is(err, io.EOF) && !isReset(err) {
			t.Fatalf("third connection: %v, want closed", err)
		}
		// The first two still work.
		a.send(upload(t, "20261128100000003", "2061", "20261128090000", "a34004-Avg=33", 5))
		a.expectAck("20261128100000003")
		b.send(upload(t, "20261128100000004", "2061", "20261128090000", "a34004-Avg=33", 5))
		b.expectAck("20261128100000004")
		if got := testutil.ToFloat64(h.g.m.connsRejected.WithLabelValues("max_per_addr")); got != 1 {
			t.Errorf("rejections %v", got)
		}
	})
	t.Run("total", func(t *testing.T) {
		h := start(t, nil, func(c *Config) { c.MaxConns = 1 })
		dial(t, h.addr).send(upload(t, "20261128100000005", "2061", "20261128090000", "a34004-Avg=33", 4))
		time.Sleep(50 * time.Millisecond)
		c := dial(t, h.addr)
		if _, err := c.next(5 * time.Second); !errors.Is(err, io.EOF) && !isReset(err) {
			t.Fatalf("second connection: %v, want closed", err)
		}
	})
	t.Run("idle timeout", func(t *testing.T) {
		h := start(t, nil, func(c *Config) { c.IdleTimeout = 200 * time.Millisecond })
		c := dial(t, h.addr)
		if _, err := c.next(5 * time.Second); !errors.Is(err, io.EOF) && !isReset(err) {
			t.Fatalf("idle connection: %v, want closed by the gateway", err)
		}
		if got := testutil.ToFloat64(h.g.m.connsClosed.WithLabelValues("idle_timeout")); got != 1 {
			t.Errorf("idle closes %v", got)
		}
	})
	t.Run("read timeout inside a packet", func(t *testing.T) {
		h := start(t, nil, func(c *Config) { c.ReadTimeout = 200 * time.Millisecond })
		c := dial(t, h.addr)
		c.send([]byte("##0100QN=1;ST=22")) // and then nothing
		if _, err := c.next(5 * time.Second); !errors.Is(err, io.EOF) && !isReset(err) {
			t.Fatalf("stalled packet: %v, want closed", err)
		}
		if got := testutil.ToFloat64(h.g.m.connsClosed.WithLabelValues("read_timeout")); got != 1 {
			t.Errorf("read-timeout closes %v", got)
		}
	})
	t.Run("oversized packet skipped, connection survives", func(t *testing.T) {
		h := start(t, nil, func(c *Config) { c.MaxSegment = 300 })
		c := dial(t, h.addr)
		big := upload(t, "20261128100000006", "2061", "20261128090000", strings.Repeat("a34004-Avg=33;", 40), 5)
		c.send(big)
		c.send(upload(t, "20261128100000007", "2061", "20261128090000", "a34004-Avg=33", 5))
		c.expectAck("20261128100000007")
		if got := h.packets(resOversized); got != 1 {
			t.Errorf("oversized %v", got)
		}
	})
	t.Run("garbage flood closes", func(t *testing.T) {
		h := start(t, nil, func(c *Config) { c.MaxGarbage = 10000 })
		c := dial(t, h.addr)
		go c.nc.Write(bytes.Repeat([]byte("x"), 100000))
		if _, err := c.next(5 * time.Second); !errors.Is(err, io.EOF) && !isReset(err) {
			t.Fatalf("garbage flood: %v, want closed", err)
		}
	})
	t.Run("repeated bad passwords close", func(t *testing.T) {
		h := start(t, nil, func(c *Config) { c.MaxAuthFailures = 3 })
		c := dial(t, h.addr)
		for i := range 3 {
			c.send(frame(t, fmt.Sprintf("QN=2026112810000010%d;ST=22;CN=2061;PW=000000;MN=%s;Flag=5;CP=&&DataTime=20261128090000&&", i, testMN)))
		}
		if _, err := c.next(5 * time.Second); !errors.Is(err, io.EOF) && !isReset(err) {
			t.Fatalf("after 3 bad passwords: %v, want closed", err)
		}
	})
}

func isReset(err error) bool {
	var ne *net.OpError
	return errors.As(err, &ne) && !ne.Timeout()
}

// TestMinuteDataToHourly sends minute data over TCP and checks the hour the
// gateway computes against the 45-minute rule.
func TestMinuteDataToHourly(t *testing.T) {
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, standard.Beijing)
	h := start(t, nil, func(c *Config) { c.Now = func() time.Time { return now } })
	c := dial(t, h.addr)
	var buf []byte
	// Hour 09:00-10:00: PM2.5 every minute for 45 minutes (valid); SO2 for
	// 44 minutes (invalid); CO every minute but 20 in calibration (C).
	for m := range 45 {
		cp := fmt.Sprintf("a34004-Avg=%d,a34004-Flag=N", 30+m%2)
		if m < 44 {
			cp += ";a21026-Avg=8,a21026-Flag=N"
		}
		flag := "N"
		if m < 20 {
			flag = "C"
		}
		cp += fmt.Sprintf(";a21005-Avg=0.6,a21005-Flag=%s", flag)
		buf = append(buf, upload(t, fmt.Sprintf("20261128100000%03d", m), "2051", fmt.Sprintf("2026112809%02d00", m), cp, 4)...)
	}
	// A minute of the next hour past the grace period closes 09:00-10:00.
	buf = append(buf, upload(t, "20261128101100000", "2051", "20261128101100", "a34004-Avg=50", 5)...)
	c.send(buf)
	c.expectAck("20261128101100000") // all earlier packets are stored too (same or earlier batch)
	h.g.FlushHours()
	deadline := time.Now().Add(5 * time.Second)
	var agg []HourlyAggregate
	for time.Now().Before(deadline) {
		if agg = h.mem.Snapshot().Aggregated; len(agg) > 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if len(agg) != 1 {
		t.Fatalf("%d aggregated hours, want 1", len(agg))
	}
	a := agg[0]
	if !a.Time.Equal(time.Date(2026, 11, 28, 10, 0, 0, 0, standard.Beijing)) || a.Station != "T001" || a.Source != "2051" {
		t.Errorf("hour %v station %s source %s", a.Time, a.Station, a.Source)
	}
	// PM2.5: 23 values of 30 and 22 of 31 → 30.488…, exact to the thousandth: 30489 rounds half-even of 1372000/45.
	if a.Values[standard.PM25] != standard.Conc(divRoundHalfEven(23*30000+22*31000, 45)) || a.Coverage[standard.PM25] != 45*time.Minute {
		t.Errorf("PM2.5 %v coverage %v", a.Values[standard.PM25], a.Coverage[standard.PM25])
	}
	if a.Values[standard.SO2] != standard.Missing || a.Count[standard.SO2] != 44 {
		t.Errorf("SO2 with 44 minutes: %v (%d samples)", a.Values[standard.SO2], a.Count[standard.SO2])
	}
	if a.Values[standard.CO] != standard.Missing || a.Flags[standard.CO] != lantian.FlagCalibration {
		t.Errorf("CO with 25 usable minutes: %v flag %v", a.Values[standard.CO], a.Flags[standard.CO])
	}
	if a.Values[standard.O3] != standard.Missing || a.Flags[standard.O3] != 0 {
		t.Errorf("O3 never sent: %v %v", a.Values[standard.O3], a.Flags[standard.O3])
	}
}

func TestAggregationRule(t *testing.T) {
	base := time.Date(2026, 11, 28, 9, 0, 0, 0, standard.Beijing)
	mk := func(step time.Duration, n int, cn string, value standard.Conc, flag lantian.Flag) []Sample {
		var out []Sample
		for i := range n {
			s := Sample{MN: "M", Station: "S", CN: cn, Time: base.Add(time.Duration(i) * step)}
			for p := range s.Values {
				s.Values[p] = standard.Missing
			}
			s.Values[standard.PM25], s.Flags[standard.PM25] = value, flag
			out = append(out, s)
		}
		return out
	}
	for _, tc := range []struct {
		name    string
		samples []Sample
		want    standard.Conc
		cover   time.Duration
	}{
		{"45 one-minute values", mk(time.Minute, 45, "2051", 10000, 'N'), 10000, 45 * time.Minute},
		{"44 one-minute values", mk(time.Minute, 44, "2051", 10000, 'N'), standard.Missing, 44 * time.Minute},
		{"9 five-minute values", mk(5*time.Minute, 9, "2051", 10000, 'N'), 10000, 45 * time.Minute},
		{"8 five-minute values", mk(5*time.Minute, 8, "2051", 10000, 'N'), standard.Missing, 40 * time.Minute},
		{"2 thirty-minute values", mk(30*time.Minute, 2, "2051", 10000, 'N'), 10000, time.Hour},
		{"120 real-time values every 30 s", mk(30*time.Second, 120, "2011", 7000, 'N'), 7000, time.Hour},
		{"90 real-time values every 30 s", mk(30*time.Second, 90, "2011", 7000, 'N'), 7000, 45 * time.Minute},
		{"60 maintenance minutes", mk(time.Minute, 60, "2051", 10000, 'M'), standard.Missing, 0},
		{"minute data preferred over real-time", append(mk(time.Minute, 60, "2051", 10000, 'N'), mk(30*time.Second, 120, "2011", 99000, 'N')...), 10000, time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := newAggregator(10*time.Minute, time.Hour, 48*time.Hour)
			now := base.Add(3 * time.Hour)
			a.add(tc.samples, now)
			now = now.Add(2 * time.Minute) // quiet for a minute
			out := a.flush(now)
			if len(out) != 1 {
				t.Fatalf("%d hours", len(out))
			}
			if got := out[0].Values[standard.PM25]; got != tc.want || out[0].Coverage[standard.PM25] != tc.cover {
				t.Errorf("value %v coverage %v, want %v %v", got, out[0].Coverage[standard.PM25], tc.want, tc.cover)
			}
			// Nothing new: nothing emitted again.
			if again := a.flush(now.Add(time.Minute)); len(again) != 0 {
				t.Errorf("re-emitted %d", len(again))
			}
		})
	}
	t.Run("late sample revises the hour", func(t *testing.T) {
		a := newAggregator(10*time.Minute, time.Hour, 48*time.Hour)
		now := base.Add(3 * time.Hour)
		a.add(mk(time.Minute, 44, "2051", 10000, 'N'), now)
		now = now.Add(2 * time.Minute)
		if out := a.flush(now); len(out) != 1 || out[0].Values[standard.PM25] != standard.Missing {
			t.Fatalf("first emission %v", out)
		}
		late := mk(time.Minute, 45, "2051", 10000, 'N')[44:]
		a.add(late, now)
		if out := a.flush(now.Add(2 * time.Minute)); len(out) != 1 || out[0].Values[standard.PM25] != 10000 {
			t.Fatalf("revision %v", out)
		}
	})
	t.Run("straggler older than the recovery window", func(t *testing.T) {
		a := newAggregator(10*time.Minute, time.Hour, 48*time.Hour)
		if skipped := a.add(mk(time.Minute, 1, "2051", 10000, 'N'), base.Add(50*time.Hour)); skipped != 1 {
			t.Fatalf("skipped %d, want 1", skipped)
		}
		if out := a.flush(base.Add(51 * time.Hour)); len(out) != 0 {
			t.Fatalf("emitted %v", out)
		}
	})
	t.Run("open hour waits", func(t *testing.T) {
		a := newAggregator(10*time.Minute, time.Hour, 48*time.Hour)
		a.add(mk(time.Minute, 50, "2051", 10000, 'N'), base.Add(50*time.Minute))
		if out := a.flush(base.Add(55 * time.Minute)); len(out) != 0 {
			t.Fatalf("emitted an open hour: %v", out)
		}
	})
}

// TestRestartKeepsHour: half an hour of minutes before a restart and half
// after make one valid hour, because samples are reloaded from the sink.
func TestRestartKeepsHour(t *testing.T) {
	path := filepath.Join(t.TempDir(), "records.jsonl")
	now := time.Date(2026, 11, 28, 12, 0, 0, 0, standard.Beijing)
	run := func(from, to int, closing bool) *FileSink {
		fs, err := OpenFileSink(path)
		if err != nil {
			t.Fatal(err)
		}
		reg := prometheus.NewRegistry()
		g, err := New(Config{Addr: "127.0.0.1:0", Registry: NewMemoryRegistry(testDevice()), Sink: fs, Metrics: reg,
			BatchLatency: time.Millisecond, FlushInterval: time.Hour, Now: func() time.Time { return now }})
		if err != nil {
			t.Fatal(err)
		}
		if err := g.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		c := dial(t, g.Addr().String())
		for m := from; m < to; m++ {
			c.send(upload(t, fmt.Sprintf("20261128100000%03d", m), "2051", fmt.Sprintf("2026112809%02d00", m), "a34004-Avg=20", 5))
			c.expectAck(fmt.Sprintf("20261128100000%03d", m))
		}
		if closing {
			c.send(upload(t, "20261128101500000", "2051", "20261128101500", "a34004-Avg=50", 5))
			c.expectAck("20261128101500000")
			g.FlushHours()
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := g.Shutdown(ctx); err != nil {
			t.Fatal(err)
		}
		return fs
	}
	run(0, 30, false).Close()
	fs := run(30, 60, true)
	defer fs.Close()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var line string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.Contains(l, `"kind":"aggregated"`) {
			line = l
		}
	}
	if !strings.Contains(line, `"values":["","","","","","20"]`) || !strings.Contains(line, `"coverage_min":[0,0,0,0,0,60]`) {
		t.Fatalf("aggregated hour after restart: %s", line)
	}
}

// TestPlatformRequest: the platform asks a connected station for its time
// (1011); the station answers 9011, 1011 with SystemTime, 9012.
func TestPlatformRequest(t *testing.T) {
	h := start(t, nil, func(c *Config) { c.CalibrateTime = true })
	c := dial(t, h.addr)
	// The station announces itself with a 1013 time-calibration notice.
	c.send(frame(t, "QN=20261128103600001;ST=22;CN=1013;PW=123456;MN="+testMN+";Flag=5;CP=&&&&"))
	p, err := c.next(5 * time.Second)
	if err != nil || p.CN != hj212.CNNoticeAck || p.QN != "20261128103600001" {
		t.Fatalf("9013: %v %+v", err, p)
	}
	p, err = c.next(5 * time.Second)
	if err != nil || p.CN != hj212.CNSetTime || !p.AckWanted() {
		t.Fatalf("1012 after 1013: %v %+v", err, p)
	}
	if _, err := hj212.ParseTime(mustGet(t, p, "SystemTime")); err != nil {
		t.Fatal(err)
	}
	// Answer the 1012 like a station does.
	for _, a := range []*hj212.Packet{p.RequestAck(hj212.QnReady), p.ExecResult(hj212.ExeSuccess)} {
		b, _ := a.Marshal()
		c.send(b)
	}
	type result struct {
		r   *Response
		err error
	}
	done := make(chan result, 1)
	go func() {
		r, err := h.g.Request(context.Background(), testMN, hj212.CNGetTime, nil)
		done <- result{r, err}
	}()
	req, err := c.next(5 * time.Second)
	if err != nil || req.CN != hj212.CNGetTime || req.PW != "123456" || req.Flag != 5 {
		t.Fatalf("request: %v %+v", err, req)
	}
	resp := &hj212.Packet{QN: req.QN, ST: "22", CN: hj212.CNGetTime, PW: req.PW, MN: req.MN, Flag: 4, HasFlag: true,
		CP: []hj212.Field{{Key: "SystemTime", Value: "20261128103001"}}}
	for _, a := range []*hj212.Packet{req.RequestAck(hj212.QnReady), resp, req.ExecResult(hj212.ExeSuccess)} {
		b, _ := a.Marshal()
		c.send(b)
	}
	r := <-done
	if r.err != nil || r.r.QnRtn != 1 || r.r.ExeRtn != 1 || len(r.r.Packets) != 1 || mustGet(t, r.r.Packets[0], "SystemTime") != "20261128103001" {
		t.Fatalf("response %+v %v", r.r, r.err)
	}
	if _, err := h.g.Request(context.Background(), "NOT-CONNECTED", hj212.CNGetTime, nil); err == nil {
		t.Error("request to an unknown device succeeded")
	}
}

func mustGet(t *testing.T, p *hj212.Packet, k string) string {
	t.Helper()
	v, ok := p.Get(k)
	if !ok {
		t.Fatalf("%s missing in %+v", k, p)
	}
	return v
}

// TestShutdownAcksInFlight: packets read before Shutdown are stored and
// acknowledged before the connection closes.
func TestShutdownAcksInFlight(t *testing.T) {
	s := &blockingSink{MemorySink: NewMemorySink(), release: make(chan struct{}), entered: make(chan struct{}, 8)}
	reg := prometheus.NewRegistry()
	g, err := New(Config{Addr: "127.0.0.1:0", Registry: NewMemoryRegistry(testDevice()), Sink: s, Metrics: reg, BatchLatency: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	c := dial(t, g.Addr().String())
	c.send(upload(t, "20261128100000009", "2061", "20261128090000", "a34004-Avg=33", 5))
	<-s.entered
	done := make(chan error, 1)
	go func() { done <- g.Shutdown(context.Background()) }()
	time.Sleep(50 * time.Millisecond)
	close(s.release)
	c.expectAck("20261128100000009")
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := g.Shutdown(context.Background()); err != nil {
		t.Errorf("second Shutdown: %v", err)
	}
	if _, err := net.DialTimeout("tcp", g.Addr().String(), time.Second); err == nil {
		t.Error("still accepting after shutdown")
	}
}

func TestReadDevicesCSV(t *testing.T) {
	devs, err := ReadDevicesCSV(strings.NewReader("mn,password,station,st,units\nA1,123456,2403A,22,so2=mg/m3;pm25=ng/m3\nB2,654321,CEMS1,31,\n"), "devices.csv")
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) != 2 || devs[0].Units[standard.SO2] != hj212.UnitMilligram || devs[0].Units[standard.PM25] != hj212.UnitNanogram || devs[1].ST != "31" {
		t.Fatalf("%+v", devs)
	}
	for _, bad := range []string{"mn,station\nA,B\n", "mn,password,station\n,1,S\n", "mn,password,station,units\nA,1,S,so2=kg\n"} {
		if _, err := ReadDevicesCSV(strings.NewReader(bad), "devices.csv"); err == nil || !strings.Contains(err.Error(), "devices.csv") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}

// TestFileSinkEncoding checks the hand-written JSON lines against
// encoding/json and reads samples back.
func TestFileSinkEncoding(t *testing.T) {
	path := filepath.Join(t.TempDir(), "r.jsonl")
	fs, err := OpenFileSink(path)
	if err != nil {
		t.Fatal(err)
	}
	defer fs.Close()
	at := time.Date(2026, 11, 28, 9, 5, 0, 0, standard.Beijing)
	s := Sample{MN: `M"1\`, Station: "南阳\x01", CN: "2051", Time: at}
	s.Values = [standard.NumPollutants]standard.Conc{8000, standard.Missing, 427, -1500, 0, 35100}
	s.Flags = [standard.NumPollutants]lantian.Flag{'N', 0, 'C', 'N', 'N', 'N'}
	agg := HourlyAggregate{MN: "M", Source: "2051"}
	agg.Station, agg.Time, agg.Values = "S", at, s.Values
	agg.Coverage[0] = 45 * time.Minute
	if err := fs.StoreBatch(context.Background(), Batch{Samples: []Sample{s}, Aggregated: []HourlyAggregate{agg}}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 2 {
		t.Fatalf("%d lines", len(lines))
	}
	want := fileRecord{Kind: "sample", MN: s.MN, Station: s.Station, CN: "2051", Time: ts(at),
		Values: []string{"8", "", "0.427", "-1.5", "0", "35.1"}, Flags: "N-CNNN"}
	wantJSON, _ := json.Marshal(want)
	if lines[1] != string(wantJSON) {
		t.Errorf("sample line\n got %s\nwant %s", lines[1], wantJSON)
	}
	if !strings.Contains(lines[0], `"coverage_min":[45,0,0,0,0,0]`) || !strings.Contains(lines[0], `"source":"2051"`) {
		t.Errorf("aggregate line %s", lines[0])
	}
	back, err := fs.LoadSamples(context.Background(), at)
	if err != nil || len(back) != 1 || back[0] != s {
		t.Fatalf("read back %+v %v", back, err)
	}
}

// TestSlowClientDisconnected: a device that sends but never reads its
// acknowledgements is disconnected once an answer cannot be written within
// WriteTimeout; other devices are unaffected.
func TestSlowClientDisconnected(t *testing.T) {
	if testing.Short() {
		t.Skip("sends a few MB")
	}
	h := start(t, nil, func(c *Config) { c.WriteTimeout = 300 * time.Millisecond; c.SendBuffer = 8192 })
	slow := dial(t, h.addr)
	slow.nc.(*net.TCPConn).SetReadBuffer(4096)
	pkt := upload(t, "20261128100000010", "2061", "20261128090000", "a34004-Avg=33", 5) // resends: acked as duplicates
	var burst []byte
	for range 1000 {
		burst = append(burst, pkt...)
	}
	deadline := time.Now().Add(30 * time.Second)
	closed := func() bool { return testutil.ToFloat64(h.g.m.connsClosed.WithLabelValues("write_failed")) == 1 }
	for !closed() && time.Now().Before(deadline) {
		slow.nc.SetWriteDeadline(time.Now().Add(time.Second))
		if _, err := slow.nc.Write(burst); err != nil {
			break // the gateway closed the connection
		}
	}
	for !closed() && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if !closed() {
		t.Fatalf("slow reader not disconnected: ok %v dup %v sent bytes %v answers %v", h.packets(resOK), h.packets(resDuplicate),
			testutil.ToFloat64(h.g.m.bytesOut), testutil.ToFloat64(h.g.m.acks.WithLabelValues("9014")))
	}
	c := dial(t, h.addr)
	c.send(upload(t, "20261128100000011", "2061", "20261128090000", "a34004-Avg=33", 5))
	c.expectAck("20261128100000011")
}
