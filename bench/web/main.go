// Command web is the load generator of bench/web.sh: C concurrent clients
// request the overview and station-detail endpoints of a running lantian
// server on this machine for a fixed duration and report throughput and
// latency percentiles per endpoint. Given the server's process ID (-pid),
// it also reports the server's CPU time per request over the measuring
// phase (user + system, from /proc/PID/stat), the figure that decides the
// latency when, as on a small machine, clients queue for the CPU; its own
// CPU per request is printed next to it, since it shares the cores.
//
// Like a browser, it asks for gzip-compressed bodies. Like wrk, it does not
// inflate them while measuring: a real client inflates on its own machine,
// and here inflating ~100 kB of JSON per request would cost the shared
// cores more than the server's whole answer, so the benchmark would
// measure the generator. Every view is inflated and checked for valid JSON
// once during the warm-up, and every measured body must have the length
// the server announced. -inflate inflates every body, as Go's client does
// by default, to show what the generator's share costs.
//
// It only talks to loopback addresses and stops by itself after -duration
// (and at most -max requests).
package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func main() {
	base := flag.String("url", "http://127.0.0.1:18090", "server base URL (loopback only)")
	conc := flag.Int("c", 100, "concurrent clients")
	dur := flag.Duration("duration", 20*time.Second, "measuring time")
	max := flag.Int64("max", 5_000_000, "stop after this many requests")
	year := flag.Int("year", 2019, "year to request")
	warm := flag.Int("warm", 4, "clients that warm every URL once before measuring")
	limit := flag.Int("stations", 0, "request only the first N stations (0: all)")
	pid := flag.Int("pid", 0, "server process ID, to report its CPU time per request (0: not reported)")
	inflate := flag.Bool("inflate", false, "inflate every measured body (Go's transparent decompression) instead of reading it compressed")
	token := flag.String("token", os.Getenv("LANTIAN_TOKEN"), "API token (Authorization: Bearer), e.g. from 'lantian token create'")
	flag.Parse()
	u, err := url.Parse(*base)
	if err != nil {
		fail(err)
	}
	if ip := net.ParseIP(u.Hostname()); u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		fail(fmt.Errorf("refusing to load %s: only loopback addresses", u.Host))
	}
	tr := &http.Transport{MaxIdleConns: *conc * 2, MaxIdleConnsPerHost: *conc * 2}
	client := &loader{c: &http.Client{Transport: tr, Timeout: 2 * time.Minute}, gzip: !*inflate}
	if *token != "" {
		client.authz = []string{"Bearer " + *token}
	}

	// The stations to request: every station, synthetic included.
	var stations []string
	cursor := ""
	for {
		var page struct {
			Items []struct {
				Code string `json:"code"`
			} `json:"items"`
			NextCursor string `json:"next_cursor"`
		}
		if err := getJSON(client, *base+"/api/v1/stations?limit=1000&cursor="+cursor, &page); err != nil {
			fail(err)
		}
		for _, it := range page.Items {
			stations = append(stations, it.Code)
		}
		if page.NextCursor == "" {
			break
		}
		cursor = page.NextCursor
	}
	if *limit > 0 && *limit < len(stations) {
		stations = stations[:*limit]
	}
	overview := fmt.Sprintf("%s/api/v1/overview?year=%d", *base, *year)
	detail := func(code string) string {
		return fmt.Sprintf("%s/api/v1/stations/%s/detail?year=%d", *base, code, *year)
	}
	fmt.Printf("server %s: %d stations, year %d\n", *base, len(stations), *year)

	// Warm-up: compute every view once (the first request of a view pays
	// for the statistics; later ones are served from the cache).
	start := time.Now()
	urls := []string{overview}
	for _, s := range stations {
		urls = append(urls, detail(s))
	}
	var next atomic.Int64
	var wg sync.WaitGroup
	var coldMu sync.Mutex
	var cold []time.Duration
	for w := 0; w < *warm; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(urls) {
					return
				}
				t0 := time.Now()
				if err := check(client, urls[i]); err != nil {
					fail(err)
				}
				coldMu.Lock()
				cold = append(cold, time.Since(t0))
				coldMu.Unlock()
			}
		}()
	}
	wg.Wait()
	fmt.Printf("warm-up: %d views computed in %.1f s (cold latency p50 %s, max %s)\n", len(urls), time.Since(start).Seconds(), pct(cold, 50), pct(cold, 100))

	// Measure: half the requests go to the overview, half to a random
	// station's detail.
	type sample struct {
		overview bool
		d        time.Duration
	}
	ctx, cancel := context.WithTimeout(context.Background(), *dur)
	defer cancel()
	var count, errs, wire atomic.Int64
	results := make([][]sample, *conc)
	srv0, err := processCPU(*pid)
	if err != nil {
		fail(err)
	}
	self0 := selfCPU()
	start = time.Now()
	for c := 0; c < *conc; c++ {
		wg.Add(1)
		go func(c int) {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(c), 7))
			for ctx.Err() == nil && count.Add(1) <= *max {
				isOv := rng.IntN(2) == 0
				u := overview
				if !isOv {
					u = urls[1+rng.IntN(len(stations))] // a station's detail
				}
				t0 := time.Now()
				n, err := get(client, u)
				if err != nil {
					errs.Add(1)
					continue
				}
				wire.Add(n)
				results[c] = append(results[c], sample{isOv, time.Since(t0)})
			}
		}(c)
	}
	wg.Wait()
	elapsed := time.Since(start)
	srv1, err := processCPU(*pid)
	if err != nil {
		fail(err)
	}
	self1 := selfCPU()
	var all, ov, dt []time.Duration
	for _, rs := range results {
		for _, s := range rs {
			all = append(all, s.d)
			if s.overview {
				ov = append(ov, s.d)
			} else {
				dt = append(dt, s.d)
			}
		}
	}
	fmt.Printf("%d clients for %.1f s: %d requests, %d errors, %.0f requests/s\n", *conc, elapsed.Seconds(), len(all), errs.Load(), float64(len(all))/elapsed.Seconds())
	fmt.Printf("%-16s %8s %10s %10s %10s %10s\n", "endpoint", "requests", "p50", "p90", "p99", "max")
	for _, r := range []struct {
		name string
		d    []time.Duration
	}{{"overview", ov}, {"station-detail", dt}, {"all", all}} {
		fmt.Printf("%-16s %8d %10s %10s %10s %10s\n", r.name, len(r.d), pct(r.d, 50), pct(r.d, 90), pct(r.d, 99), pct(r.d, 100))
	}
	if n := float64(len(all)); n > 0 {
		if *pid > 0 {
			d := srv1.sub(srv0)
			us := func(t time.Duration) float64 { return float64(t.Microseconds()) / n }
			fmt.Printf("server CPU: %.1f s over the run, %.0f µs per request (user %.0f, system %.0f; %.2f cores busy)\n",
				d.total().Seconds(), us(d.total()), us(d.user), us(d.sys), d.total().Seconds()/elapsed.Seconds())
		}
		how := "bodies read compressed"
		if *inflate {
			how = "bodies inflated"
		}
		fmt.Printf("load generator CPU: %.0f µs per request (%s, %.1f kB per body)\n", float64((self1-self0).Microseconds())/n, how, float64(wire.Load())/n/1000)
	}
	if errs.Load() > 0 {
		os.Exit(1)
	}
}

// processCPU returns the user and system CPU time a process has used so
// far, from /proc/PID/stat (fields 14 and 15, in clock ticks of 1/100 s on
// Linux); zero for pid 0.
func processCPU(pid int) (cpuTime, error) {
	if pid <= 0 {
		return cpuTime{}, nil
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return cpuTime{}, fmt.Errorf("server CPU time: %w", err)
	}
	// The command name (field 2) may contain spaces; the fields after it
	// start at the last ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return cpuTime{}, fmt.Errorf("/proc/%d/stat: no ')' after the command name", pid)
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return cpuTime{}, fmt.Errorf("/proc/%d/stat: %d fields after the command name, want ≥ 13", pid, len(f))
	}
	var ticks [2]int64
	for k, s := range f[11:13] { // utime, stime: fields 14 and 15 of the line
		if ticks[k], err = strconv.ParseInt(s, 10, 64); err != nil {
			return cpuTime{}, fmt.Errorf("/proc/%d/stat: CPU time %q: %w", pid, s, err)
		}
	}
	tick := time.Second / clockTicks
	return cpuTime{user: time.Duration(ticks[0]) * tick, sys: time.Duration(ticks[1]) * tick}, nil
}

// cpuTime is a process's CPU time in user space and in the kernel.
type cpuTime struct{ user, sys time.Duration }

func (c cpuTime) sub(d cpuTime) cpuTime { return cpuTime{c.user - d.user, c.sys - d.sys} }
func (c cpuTime) total() time.Duration  { return c.user + c.sys }

// clockTicks is USER_HZ, the unit of /proc/PID/stat times: 100 on every
// Linux architecture Go supports.
const clockTicks = 100

// selfCPU returns the CPU time this process has used so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

func pct(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	i := (len(s)*p + 99) / 100
	if i < 1 {
		i = 1
	}
	if i > len(s) {
		i = len(s)
	}
	return s[i-1].Round(10 * time.Microsecond)
}

// get requests u and reads the body as it arrives, without inflating it
// (unless -inflate); it returns the number of body bytes read.
func get(c *loader, u string) (int64, error) {
	res, err := c.get(u)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	n, err := io.Copy(io.Discard, res.Body)
	if err != nil {
		return n, err
	}
	if res.StatusCode != 200 {
		return n, fmt.Errorf("GET %s: %s", u, res.Status)
	}
	if res.ContentLength >= 0 && n != res.ContentLength {
		return n, fmt.Errorf("GET %s: %d body bytes, Content-Length %d", u, n, res.ContentLength)
	}
	return n, nil
}

// check requests u and makes sure the body, inflated if it came
// compressed, is valid JSON.
func check(c *loader, u string) error {
	res, err := c.get(u)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		return fmt.Errorf("GET %s: %s", u, res.Status)
	}
	var body io.Reader = res.Body
	if res.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(res.Body)
		if err != nil {
			return fmt.Errorf("GET %s: %w", u, err)
		}
		body = zr
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("GET %s: %w", u, err)
	}
	if !json.Valid(b) {
		return fmt.Errorf("GET %s: the body is not valid JSON", u)
	}
	return nil
}

func getJSON(c *loader, u string, v any) error {
	res, err := c.get(u)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if res.StatusCode != 200 {
		return fmt.Errorf("GET %s: %s", u, res.Status)
	}
	return json.NewDecoder(res.Body).Decode(v)
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "bench/web:", err)
	os.Exit(1)
}

// loader sends the benchmark's requests: with the API token and, with
// gzip, asking for a compressed body itself (so that the transport leaves
// it compressed).
type loader struct {
	c     *http.Client
	authz []string // Authorization header value, shared by every request
	gzip  bool
}

var acceptGzip = []string{"gzip"}

func (l *loader) get(u string) (*http.Response, error) {
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	if l.authz != nil {
		req.Header["Authorization"] = l.authz
	}
	if l.gzip {
		req.Header["Accept-Encoding"] = acceptGzip
	}
	return l.c.Do(req)
}
