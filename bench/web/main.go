// Command web is the load generator of bench/web.sh: C concurrent clients
// request the overview and station-detail endpoints of a running lantian
// server on this machine for a fixed duration and report throughput and
// latency percentiles per endpoint.
//
// It only talks to loopback addresses and stops by itself after -duration
// (and at most -max requests).
package main

import (
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
	"sync"
	"sync/atomic"
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
	client := &http.Client{Transport: bearer{tr, *token}, Timeout: 2 * time.Minute}

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
				if err := get(client, urls[i]); err != nil {
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
	var count, errs atomic.Int64
	results := make([][]sample, *conc)
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
					u = detail(stations[rng.IntN(len(stations))])
				}
				t0 := time.Now()
				if err := get(client, u); err != nil {
					errs.Add(1)
					continue
				}
				results[c] = append(results[c], sample{isOv, time.Since(t0)})
			}
		}(c)
	}
	wg.Wait()
	elapsed := time.Since(start)
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
	if errs.Load() > 0 {
		os.Exit(1)
	}
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

func get(c *http.Client, u string) error {
	res, err := c.Get(u)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	if _, err := io.Copy(io.Discard, res.Body); err != nil {
		return err
	}
	if res.StatusCode != 200 {
		return fmt.Errorf("GET %s: %s", u, res.Status)
	}
	return nil
}

func getJSON(c *http.Client, u string, v any) error {
	res, err := c.Get(u)
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

// bearer adds the API token to every request.
type bearer struct {
	rt    http.RoundTripper
	token string
}

func (b bearer) RoundTrip(r *http.Request) (*http.Response, error) {
	if b.token != "" {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+b.token)
	}
	return b.rt.RoundTrip(r)
}
