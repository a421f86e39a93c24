// Command hj212 is the load benchmark of lantian's HJ 212 gateway. It starts
// the gateway on a loopback port, in a child process of its own (or in
// this process with -inprocess), with a durable sink: by default one that
// appends every batch to a file and fsyncs it before the acknowledgements
// go out, or with -sink sqlite the platform's store (SQLite, synchronous
// commits) as `lantian serve --hj212-addr` runs it, with every device and
// station registered in the store, or with -sink postgres the same store on
// PostgreSQL (a fresh schema, dropped afterwards). It connects many simulated data
// loggers, and has each send minute data (CN 2051, ST=22, Flag=5) and wait
// for the 9014 acknowledgements, with a bounded number of packets in flight
// per device. It reports the sustained acknowledged packets per second and
// the ack latency p50/p99 over the measured interval (after a warm-up),
// and the CPU each side used per packet, then checks that every
// acknowledged packet is in the file or the store.
//
// It stops by itself after -warmup plus -duration and only uses 127.0.0.1.
//
//	go run ./bench/hj212 -conns 1000 -duration 20s
package main

import (
	"bufio"
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/hj212"
	"github.com/lantian-aq/lantian/hj212/gateway"
	"github.com/lantian-aq/lantian/sqlstore"
	"github.com/lantian-aq/lantian/standard"
)

func main() { os.Exit(benchMain()) }

// benchMain runs the benchmark and returns the exit status (after its
// deferred clean-up: the PostgreSQL schema).
func benchMain() int {
	conns := flag.Int("conns", 1000, "concurrent device connections")
	duration := flag.Duration("duration", 20*time.Second, "measured interval")
	warmup := flag.Duration("warmup", 3*time.Second, "warm-up before measuring")
	window := flag.Int("window", 4, "packets in flight per device before it waits for acknowledgements")
	dir := flag.String("dir", "", "directory for the durable record file (default: a temporary directory, removed afterwards)")
	batch := flag.Int("batch", 4096, "gateway batch size (records)")
	role := flag.String("role", "", "internal: \"gateway\" runs only the gateway (the benchmark starts itself in this role)")
	inProcess := flag.Bool("inprocess", false, "run the gateway in the benchmark's own process instead of a child process")
	sticky := flag.Bool("sticky", false, "write the packets a device has ready in one write (sticky packets) instead of one write per packet")
	sinkKind := flag.String("sink", "file", "durable sink: file (JSON lines, fsync per batch), sqlite (the platform's store in -dir, registry and sink) or postgres (the platform's store in a fresh schema of the database -postgres names, dropped afterwards)")
	pgURL := flag.String("postgres", os.Getenv("LANTIAN_TEST_POSTGRES"), "PostgreSQL URL for -sink postgres (default $LANTIAN_TEST_POSTGRES)")
	store := flag.String("store", "", "internal: the store URL the gateway process opens (-sink postgres)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile of the measured interval to this file (of this process: the load generator, and the gateway with -inprocess); with the gateway in a child process, its profile goes to this file with .gateway appended")
	flag.Parse()
	cpuProfile = *cpuprofile
	if *sinkKind != "file" && *sinkKind != "sqlite" && *sinkKind != "postgres" {
		fmt.Fprintf(os.Stderr, "bench/hj212: -sink %q: want file, sqlite or postgres\n", *sinkKind)
		return 2
	}
	sinkName, storeURL = *sinkKind, *store
	if *role == "gateway" {
		if err := serveGateway(*conns, *window, *batch, *dir); err != nil {
			fmt.Fprintln(os.Stderr, "bench/hj212 gateway:", err)
			return 1
		}
		return 0
	}
	if sinkName == "postgres" {
		u, drop, err := postgresSchema(*pgURL)
		if err != nil {
			fmt.Fprintln(os.Stderr, "bench/hj212:", err)
			return 2
		}
		storeURL = u
		defer drop()
	}
	if err := run(*conns, *window, *batch, *sticky, *inProcess, *warmup, *duration, *dir); err != nil {
		fmt.Fprintln(os.Stderr, "bench/hj212:", err)
		return 1
	}
	return 0
}

// postgresSchema creates a fresh schema in the database at dsn and returns
// the store URL that uses it and the function that drops it.
func postgresSchema(dsn string) (string, func(), error) {
	if dsn == "" {
		return "", nil, errors.New("-sink postgres: want -postgres URL (or LANTIAN_TEST_POSTGRES)")
	}
	admin, err := sql.Open("pgx", dsn)
	if err != nil {
		return "", nil, err
	}
	schema := fmt.Sprintf("lantian_bench_hj212_%d", os.Getpid())
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("create schema: %w", err)
	}
	drop := func() {
		admin.Exec("DROP SCHEMA " + schema + " CASCADE")
		admin.Close()
	}
	u, err := url.Parse(dsn)
	if err != nil {
		drop()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

// device is one simulated data logger's counters.
type device struct {
	mn      string
	sent    int
	acked   atomic.Int64
	lat     []time.Duration // latencies of acks received while measuring
	err     error
	measure *atomic.Bool
}

func run(nConns, window, batchSize int, sticky, inProcess bool, warmup, duration time.Duration, dir string) error {
	if dir == "" {
		d, err := os.MkdirTemp("", "lantian-hj212-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dir = d
	}
	path := filepath.Join(dir, "records.jsonl")
	switch sinkName {
	case "sqlite":
		path = filepath.Join(dir, sqlstore.FileName) + " (the store, SQLite)"
	case "postgres":
		path = "the store, PostgreSQL"
	}
	var gw gatewayHandle
	var err error
	if inProcess {
		gw, err = startInProcess(nConns, window, batchSize, dir)
	} else {
		gw, err = startChild(nConns, window, batchSize, dir)
	}
	if err != nil {
		return err
	}
	addr := gw.addr()
	writes := "one write per packet"
	if sticky {
		writes = "sticky writes"
	}
	where := "a child process"
	if inProcess {
		where = "this process"
	}
	fmt.Printf("gateway in %s on %s, %d devices, window %d, %s, GOMAXPROCS %d, records to %s (fsync per batch)\n",
		where, addr, nConns, window, writes, runtime.GOMAXPROCS(0), path)

	var measuring atomic.Bool
	stop := make(chan struct{})
	devices := make([]*device, nConns)
	var wg sync.WaitGroup
	var connected sync.WaitGroup
	connected.Add(nConns)
	for i := range devices {
		d := &device{mn: benchMN(i), measure: &measuring}
		devices[i] = d
		wg.Add(1)
		go func() {
			defer wg.Done()
			d.err = d.run(addr, window, sticky, stop, &connected)
		}()
	}
	connected.Wait()
	fmt.Printf("%d connections open\n", nConns)
	time.Sleep(warmup)
	before := counters(devices)
	m0 := gw.stats()
	if cpuProfile != "" {
		f, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		if !inProcess {
			if err := gw.profile(cpuProfile + ".gateway"); err != nil {
				return err
			}
		}
	}
	measuring.Store(true)
	t0 := time.Now()
	cpu0, gcpu0 := cpuTime(), gw.cpu()
	time.Sleep(duration)
	measuring.Store(false)
	cpuUsed, gcpu := cpuTime()-cpu0, gw.cpu()-gcpu0
	if cpuProfile != "" {
		pprof.StopCPUProfile()
		if !inProcess {
			if err := gw.profile(""); err != nil {
				return err
			}
		}
	}
	elapsed := time.Since(t0)
	after := counters(devices)
	m1 := gw.stats()
	close(stop)
	wg.Wait()

	var lat []time.Duration
	var errs int
	for _, d := range devices {
		lat = append(lat, d.lat...)
		if d.err != nil {
			errs++
			if errs <= 3 {
				fmt.Println("device error:", d.err)
			}
		}
	}
	if err := gw.stop(); err != nil {
		return err
	}
	acked := after - before
	slices.Sort(lat)
	q := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(p*float64(len(lat))))]
	}
	batches := m1["hj212_batches_total"] - m0["hj212_batches_total"]
	fmt.Printf("measured %s: %d packets acknowledged = %.0f packets/s sustained\n", elapsed.Round(time.Millisecond), acked, float64(acked)/elapsed.Seconds())
	fmt.Printf("ack latency (device send → 9014 received): p50 %s  p99 %s  max %s\n",
		q(0.50).Round(10*time.Microsecond), q(0.99).Round(10*time.Microsecond), q(1).Round(10*time.Microsecond))
	if batches > 0 {
		fmt.Printf("batches (each one write + fsync): %.0f = %.0f/s, %.0f records per batch, %.1f ms per StoreBatch on average\n",
			batches, batches/elapsed.Seconds(), (m1["hj212_batch_records_sum"]-m0["hj212_batch_records_sum"])/batches,
			1000*(m1["hj212_batch_store_seconds_sum"]-m0["hj212_batch_store_seconds_sum"])/batches)
	}
	perPacket := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(max(acked, 1)) }
	if inProcess {
		fmt.Printf("CPU (gateway and load generator together): %.2f of %d cores, %.1f µs per acknowledged packet\n",
			cpuUsed.Seconds()/elapsed.Seconds(), runtime.NumCPU(), perPacket(cpuUsed))
	} else {
		fmt.Printf("CPU of the gateway process: %.2f of %d cores, %.1f µs per acknowledged packet; load generator: %.2f cores, %.1f µs per packet\n",
			gcpu.Seconds()/elapsed.Seconds(), runtime.NumCPU(), perPacket(gcpu), cpuUsed.Seconds()/elapsed.Seconds(), perPacket(cpuUsed))
	}
	fmt.Printf("device errors: %d\n", errs)

	// Every acknowledged packet must be in the file or the store.
	total := 0
	for _, d := range devices {
		total += int(d.acked.Load())
	}
	stored, err := storedSamples(dir)
	if err != nil {
		return err
	}
	fmt.Printf("durability check: %d packets acknowledged in total, %d sample records in the %s sink\n", total, stored, sinkName)
	if stored < total {
		return fmt.Errorf("%d acknowledged packets missing from the %s sink", total-stored, sinkName)
	}
	if errs > 0 {
		return fmt.Errorf("%d devices failed", errs)
	}
	return nil
}

var (
	cpuProfile string
	sinkName   = "file"
	storeURL   string // the PostgreSQL store's URL (-sink postgres)
)

// openSink opens the sink under test in dir and the registry of the
// nConns bench devices: the record file with an in-memory registry, or the
// store with the devices and their stations registered in it.
func openSink(dir string, nConns int) (gateway.Sink, gateway.Registry, func() error, error) {
	if sinkName == "file" {
		sink, err := gateway.OpenFileSink(filepath.Join(dir, "records.jsonl"))
		if err != nil {
			return nil, nil, nil, err
		}
		devs := make([]gateway.Device, nConns)
		for i := range devs {
			devs[i] = benchDevice(i)
		}
		return sink, gateway.NewMemoryRegistry(devs...), sink.Close, nil
	}
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, storeURL, dir)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := st.PutArea(ctx, &lantian.Area{Code: "419900", Name: "负载测试市", Level: lantian.LevelCity}); err != nil {
		st.Close()
		return nil, nil, nil, err
	}
	regs, err := st.Registrations(ctx)
	if err != nil {
		st.Close()
		return nil, nil, nil, err
	}
	for i := len(regs); i < nConns; i++ {
		d := benchDevice(i)
		if err := st.PutStation(ctx, &lantian.Station{Code: d.Station, Name: "负载测试 " + d.Station, Kind: lantian.KindCounty, Area: "419900"}); err != nil {
			st.Close()
			return nil, nil, nil, err
		}
		if err := st.PutDevice(ctx, d); err != nil {
			st.Close()
			return nil, nil, nil, err
		}
	}
	return st, st, st.Close, nil
}

// storedSamples counts the minute samples in the file or the store.
func storedSamples(dir string) (int, error) {
	if sinkName == "file" {
		return countSamples(filepath.Join(dir, "records.jsonl"))
	}
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, storeURL, dir)
	if err != nil {
		return 0, err
	}
	defer st.Close()
	ss, err := st.LoadSamples(ctx, time.Time{})
	return len(ss), err
}

func benchDevice(i int) gateway.Device {
	return gateway.Device{MN: benchMN(i), Password: "123456", Station: fmt.Sprintf("B%05d", i), ST: "22"}
}

func benchMN(i int) string { return fmt.Sprintf("BENCH%019d", i) }

func benchConfig(nConns, window, batchSize int, sink gateway.Sink, registry gateway.Registry, reg prometheus.Registerer) gateway.Config {
	return gateway.Config{
		Addr: "127.0.0.1:0", Registry: registry, Sink: sink, Metrics: reg,
		MaxConns: nConns + 16, MaxConnsPerAddr: nConns + 16, BatchSize: batchSize, MaxInFlight: window + 4,
	}
}

// gatewayHandle is the gateway under test, in this process or a child.
type gatewayHandle interface {
	addr() string
	stats() map[string]float64 // batch metrics
	cpu() time.Duration        // CPU used by the gateway's process so far
	// profile starts a CPU profile of the gateway's process written to
	// path, or with "" stops it.
	profile(path string) error
	stop() error
}

type inProcessGateway struct {
	g     *gateway.Gateway
	reg   *prometheus.Registry
	close func() error
}

func startInProcess(nConns, window, batchSize int, dir string) (gatewayHandle, error) {
	sink, registry, closeSink, err := openSink(dir, nConns)
	if err != nil {
		return nil, err
	}
	reg := prometheus.NewRegistry()
	g, err := gateway.New(benchConfig(nConns, window, batchSize, sink, registry, reg))
	if err != nil {
		closeSink()
		return nil, err
	}
	if err := g.Start(context.Background()); err != nil {
		closeSink()
		return nil, err
	}
	return &inProcessGateway{g, reg, closeSink}, nil
}

func (h *inProcessGateway) addr() string              { return h.g.Addr().String() }
func (h *inProcessGateway) stats() map[string]float64 { return gather(h.reg) }
func (h *inProcessGateway) cpu() time.Duration        { return cpuTime() }
func (h *inProcessGateway) profile(string) error      { return nil } // the process's own profile covers it
func (h *inProcessGateway) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	err := h.g.Shutdown(ctx)
	return errors.Join(err, h.close())
}

// childGateway is the gateway in a child process (this program with
// -role gateway): it prints its address, answers "stats" requests on
// stdin with its batch metrics, starts and stops a CPU profile on
// "cpuprofile PATH" and "stopprofile" (answering "ok" or the error), and
// shuts down when stdin is closed.
type childGateway struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
	a   string
	mu  sync.Mutex
}

func startChild(nConns, window, batchSize int, dir string) (gatewayHandle, error) {
	cmd := exec.Command(os.Args[0], "-role", "gateway", "-conns", strconv.Itoa(nConns), "-window", strconv.Itoa(window),
		"-batch", strconv.Itoa(batchSize), "-dir", dir, "-sink", sinkName, "-store", storeURL)
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	outPipe, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	h := &childGateway{cmd: cmd, in: in, out: bufio.NewReader(outPipe)}
	line, err := h.out.ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		return nil, fmt.Errorf("gateway process: %w", err)
	}
	h.a = strings.TrimSpace(strings.TrimPrefix(line, "ADDR "))
	return h, nil
}

func (h *childGateway) addr() string { return h.a }

func (h *childGateway) stats() map[string]float64 {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := map[string]float64{}
	if _, err := io.WriteString(h.in, "stats\n"); err != nil {
		return out
	}
	line, err := h.out.ReadString('\n')
	if err != nil {
		return out
	}
	json.Unmarshal([]byte(line), &out)
	return out
}

// cpu reads the child's user+system time from /proc (clock ticks of 10 ms).
func (h *childGateway) cpu() time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", h.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	return time.Duration(ut+st) * 10 * time.Millisecond
}

func (h *childGateway) profile(path string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	cmd := "stopprofile\n"
	if path != "" {
		cmd = "cpuprofile " + path + "\n"
	}
	if _, err := io.WriteString(h.in, cmd); err != nil {
		return fmt.Errorf("gateway process: %w", err)
	}
	line, err := h.out.ReadString('\n')
	if err != nil {
		return fmt.Errorf("gateway process: %w", err)
	}
	if line = strings.TrimSpace(line); line != "ok" {
		return fmt.Errorf("gateway process: profile: %s", line)
	}
	return nil
}

func (h *childGateway) stop() error {
	h.in.Close()
	return h.cmd.Wait()
}

// serveGateway is the child process.
func serveGateway(nConns, window, batchSize int, dir string) error {
	sink, registry, closeSink, err := openSink(dir, nConns)
	if err != nil {
		return err
	}
	defer closeSink()
	reg := prometheus.NewRegistry()
	g, err := gateway.New(benchConfig(nConns, window, batchSize, sink, registry, reg))
	if err != nil {
		return err
	}
	if err := g.Start(context.Background()); err != nil {
		return err
	}
	fmt.Printf("ADDR %s\n", g.Addr())
	sc := bufio.NewScanner(os.Stdin)
	var prof *os.File
	for sc.Scan() {
		switch cmd, arg, _ := strings.Cut(sc.Text(), " "); cmd {
		case "stats":
			b, _ := json.Marshal(gather(reg))
			fmt.Printf("%s\n", b)
		case "cpuprofile":
			f, err := os.Create(arg)
			if err == nil {
				if err = pprof.StartCPUProfile(f); err != nil {
					f.Close()
				}
			}
			if err != nil {
				fmt.Printf("%v\n", err)
				continue
			}
			prof = f
			fmt.Println("ok")
		case "stopprofile":
			pprof.StopCPUProfile()
			var err error
			if prof != nil {
				err, prof = prof.Close(), nil
			}
			if err != nil {
				fmt.Printf("%v\n", err)
				continue
			}
			fmt.Println("ok")
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	return g.Shutdown(ctx)
}

// cpuTime returns the user+system CPU time of the process.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func counters(ds []*device) int {
	n := 0
	for _, d := range ds {
		n += int(d.acked.Load())
	}
	return n
}

func gather(reg *prometheus.Registry) map[string]float64 {
	out := map[string]float64{}
	mfs, err := reg.Gather()
	if err != nil {
		return out
	}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			out[mf.GetName()] += value(m)
			if h := m.GetHistogram(); h != nil {
				out[mf.GetName()+"_sum"] += h.GetSampleSum()
			}
		}
	}
	return out
}

func value(m *dto.Metric) float64 {
	switch {
	case m.GetCounter() != nil:
		return m.GetCounter().GetValue()
	case m.GetGauge() != nil:
		return m.GetGauge().GetValue()
	case m.GetHistogram() != nil:
		return float64(m.GetHistogram().GetSampleCount())
	}
	return 0
}

func countSamples(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	n := 0
	r := bufio.NewReaderSize(f, 1<<20)
	for {
		line, err := r.ReadSlice('\n')
		if bytes.Contains(line, []byte(`"kind":"sample"`)) {
			n++
		}
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil && !errors.Is(err, bufio.ErrBufferFull) {
			return n, err
		}
	}
}

// run is one data logger: it keeps window packets in flight and records
// the latency of each acknowledgement (acks come back in order).
// write sends the first n bytes of *buf and keeps the rest.
func (d *device) write(nc net.Conn, buf *[]byte, n int) error {
	if n <= 0 {
		return nil
	}
	nc.SetWriteDeadline(time.Now().Add(10 * time.Second))
	if _, err := nc.Write((*buf)[:n]); err != nil {
		return fmt.Errorf("%s: %w", d.mn, err)
	}
	*buf = append((*buf)[:0], (*buf)[n:]...)
	return nil
}

// packetLen returns the length of the last packet in buf (they all end in
// "\r\n" and begin with "##").
func packetLen(buf []byte) int {
	return len(buf) - bytes.LastIndex(buf, []byte("##"))
}

func (d *device) run(addr string, window int, sticky bool, stop <-chan struct{}, connected *sync.WaitGroup) error {
	nc, err := net.DialTimeout("tcp", addr, 10*time.Second)
	connected.Done()
	if err != nil {
		return err
	}
	defer nc.Close()
	codes := hj212.AmbientCodes()
	base := time.Date(2026, 11, 28, 0, 0, 0, 0, standard.Beijing)
	sentAt := make(chan time.Time, window)
	readErr := make(chan error, 1)
	go func() {
		df := hj212.NewDeframer(nc, 0)
		for {
			seg, err := df.Next()
			if err != nil {
				var fe *hj212.FrameError
				if errors.As(err, &fe) {
					continue
				}
				readErr <- err
				return
			}
			if !bytes.Contains(seg, []byte("CN=9014")) {
				continue
			}
			t := <-sentAt
			d.acked.Add(1)
			if d.measure.Load() {
				d.lat = append(d.lat, time.Since(t))
			}
		}
	}()
	// Keys and values prepared once: the load generator shares the two
	// cores with the gateway and should spend as little as possible.
	var avgKeys, flagKeys [standard.NumPollutants]string
	for i, code := range codes {
		avgKeys[i], flagKeys[i] = code+"-Avg", code+"-Flag"
	}
	values := []string{"8", "31", "0.6", "85", "58", "33", "12.5"}
	buf := make([]byte, 0, 512)
	cp := make([]hj212.Field, 0, 13)
	p := &hj212.Packet{ST: "22", CN: "2051", PW: "123456", MN: d.mn, Flag: 5, HasFlag: true}
	for seq := 0; ; seq++ {
		t := base.Add(time.Duration(seq) * time.Minute)
		cp = append(cp[:0], hj212.Field{Key: "DataTime", Value: hj212.FormatTime(t)})
		for i := range codes {
			cp = append(cp, hj212.Field{Key: avgKeys[i], Value: values[(i+seq)%len(values)]}, hj212.Field{Key: flagKeys[i], Value: "N"})
		}
		p.QN = hj212.FormatQN(t.Add(time.Duration(seq%1000) * time.Millisecond))
		p.CP = cp
		if !sticky {
			buf = buf[:0]
		}
		buf, err = p.AppendPacket(buf)
		if err != nil {
			return err
		}
		select {
		case sentAt <- time.Now():
		default:
			// The window is full: send what is written, then wait for an
			// acknowledgement.
			if err := d.write(nc, &buf, len(buf)-packetLen(buf)); err != nil {
				return err
			}
			select {
			case sentAt <- time.Now():
			case <-stop:
				return nil
			case err := <-readErr:
				return fmt.Errorf("%s: %w", d.mn, err)
			}
		}
		if !sticky {
			if err := d.write(nc, &buf, len(buf)); err != nil {
				return err
			}
		}
		d.sent++
	}
}
