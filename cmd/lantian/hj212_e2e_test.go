package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/auth"
	"github.com/lantian-aq/lantian/hj212/gateway"
	"github.com/lantian-aq/lantian/sqlstore"
	"github.com/lantian-aq/lantian/standard"
	"github.com/lantian-aq/lantian/web"
)

const (
	e2eFile    = "../../testdata/cnemc/nanyang_2019_china_sites.csv"
	e2eStation = "2403A" // 南阳 环保局, a national station
	e2eMN      = "41130024030000000000A001"
	e2ePW      = "e2e-735291"
)

// platform is lantian serve assembled in the test: the store, the web
// server with accounts on 127.0.0.1:0 and the HJ 212 gateway on the store,
// wired as runServe wires them (startStoreGateway, one metrics registry).
type platform struct {
	st    *sqlstore.DB
	http  *httptest.Server
	gw    *gateway.Gateway
	token string
}

// startPlatform opens the store in dir and starts the web server and, with
// sink nil, the gateway exactly as lantian serve does; a non-nil sink
// wraps the store to observe the gateway's writes.
func startPlatform(t *testing.T, dir string, wrap func(*sqlstore.DB) gateway.Sink) *platform {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	svc, err := auth.New(st, st, auth.Config{Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	reg := prometheus.NewRegistry()
	srv, err := web.New(web.Options{Store: st, RootArea: "411300", Logger: log, Auth: svc, Registry: reg, CacheTTL: time.Nanosecond})
	if err != nil {
		t.Fatal(err)
	}
	p := &platform{st: st, http: httptest.NewServer(srv)}
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	gf := registerGatewayFlags(fs, "hj212-", "", "")
	if err := fs.Parse([]string{"--hj212-addr", "127.0.0.1:0"}); err != nil {
		t.Fatal(err)
	}
	if wrap == nil {
		if p.gw, err = startStoreGateway(ctx, gf, st, reg, log, io.Discard); err != nil {
			t.Fatal(err)
		}
	} else {
		if p.gw, err = gateway.New(gf.config(st, wrap(st), reg, log)); err != nil {
			t.Fatal(err)
		}
		if err := p.gw.Start(ctx); err != nil {
			t.Fatal(err)
		}
	}
	// A machine client reads the API with a token, as a bureau's other
	// systems do.
	u := &lantian.User{Login: "e2e-reader", Role: lantian.RoleMachine}
	if err := svc.CreateUser(ctx, auth.CLIPrincipal(), u, ""); err != nil && lantian.ErrorCode(err) != lantian.ECONFLICT {
		t.Fatal(err)
	}
	if u.ID == 0 {
		us, _ := st.Users(ctx)
		for _, x := range us {
			if x.Login == u.Login {
				u = x
			}
		}
	}
	if p.token, _, err = svc.CreateToken(ctx, auth.CLIPrincipal(), u.ID, "e2e", []lantian.Scope{"*:read"}, time.Hour); err != nil {
		t.Fatal(err)
	}
	return p
}

// stop shuts the gateway down (storing and acknowledging what it read),
// then the web server, then closes the store.
func (p *platform) stop(t *testing.T) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := p.gw.Shutdown(ctx); err != nil {
		t.Errorf("gateway shutdown: %v", err)
	}
	p.http.Close()
	if err := p.st.Close(); err != nil {
		t.Errorf("closing the store: %v", err)
	}
}

func (p *platform) get(t *testing.T, path string, v any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, p.http.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+p.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// stopAfter passes batches to the store and, once n batches holding hours
// are durable, asks for the gateway to be stopped — a restart in the
// middle of a device's stream.
type stopAfter struct {
	*sqlstore.DB
	n      int
	mu     sync.Mutex
	stored int
	stop   chan struct{}
}

func (s *stopAfter) StoreBatch(ctx context.Context, b gateway.Batch) error {
	if err := s.DB.StoreBatch(ctx, b); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(b.Hourly) > 0 {
		if s.stored++; s.stored == s.n {
			close(s.stop)
		}
	}
	return nil
}

// send runs lantian hj212 send (the station emulator) for the station's
// hours with DataTime in [from, to) and returns its exit code, output and
// the number of uploads acknowledged.
func send(t *testing.T, addr string, from, to time.Time) (int, string, int) {
	t.Helper()
	var out bytes.Buffer
	code := runMain([]string{"hj212", "send", "--addr", addr, "--mn", e2eMN, "--pw", e2ePW,
		"--csv", e2eFile, "--station", e2eStation, "--window", "1", "--timeout", "3s", "--retries", "1",
		"--from", from.Format("2006-01-02 15:04"), "--to", to.Format("2006-01-02 15:04")}, &out, &out)
	m := regexp.MustCompile(`sent (\d+) uploads, (\d+) acknowledged`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("hj212 send printed no report (exit %d):\n%s", code, out.String())
	}
	acked, _ := strconv.Atoi(m[2])
	return code, out.String(), acked
}

// calcRow is one row of lantian calc hourly --format json.
type calcRow struct {
	Station string   `json:"station"`
	Time    string   `json:"time"`
	AQI     *int     `json:"aqi"`
	Primary []string `json:"primary"`
}

// TestHJ212EndToEnd is the platform's HJ 212 path end to end: a device is
// registered with lantian device add for a real Nanyang station; a day of
// the station's real hours (CNEMC file, 2019-07-20) is sent by the station
// emulator over TCP to the gateway of a running platform; the platform is
// stopped after ten hours were stored, while the device is still sending,
// and started again on the same data directory; the emulator resends what
// was not acknowledged. Every acknowledged hour must be in the store after
// the restart, and in the end the API must give, for every hour of the
// day, the same real-time AQI and primary pollutants as lantian calc
// hourly computes from the file, and the same for the real-time view.
func TestHJ212EndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	dir := t.TempDir()
	ctx := context.Background()
	day := time.Date(2019, 7, 20, 0, 0, 0, 0, standard.Beijing)

	// The station, as the platform knows it (the demo data or an import
	// of the station list would register it the same way).
	st, err := sqlstore.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutArea(ctx, &lantian.Area{Code: "411300", Name: "南阳市", Level: lantian.LevelCity}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutStation(ctx, &lantian.Station{Code: e2eStation, Name: "环保局", Kind: lantian.KindNational, Area: "411300",
		Lon: 112.5192, Lat: 32.9917, Evaluation: true}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	var out bytes.Buffer
	if code := runMain([]string{"device", "add", "--data", dir, "--db", "", "--mn", e2eMN, "--password", e2ePW, "--station", e2eStation}, &out, &out); code != 0 {
		t.Fatalf("device add: exit %d\n%s", code, out.String())
	}

	// What the file says, through the same reader the emulator uses.
	recs, err := readHourlyCSV(e2eFile, e2eStation)
	if err != nil {
		t.Fatal(err)
	}
	recs = slices.DeleteFunc(recs, func(r record) bool { return r.dataTime.Before(day) || !r.dataTime.Before(day.AddDate(0, 0, 1)) })
	if len(recs) != 24 {
		t.Fatalf("%d hours of %s on %s in the file, want 24", len(recs), e2eStation, day.Format(time.DateOnly))
	}

	// Phase 1: the platform stops after ten hours, mid-stream.
	const stopAt = 10
	sa := &stopAfter{n: stopAt, stop: make(chan struct{})}
	p1 := startPlatform(t, dir, func(db *sqlstore.DB) gateway.Sink { sa.DB = db; return sa })
	type sent struct {
		code  int
		out   string
		acked int
	}
	done := make(chan sent, 1)
	go func() {
		c, o, a := send(t, p1.gw.Addr().String(), day, day.AddDate(0, 0, 1))
		done <- sent{c, o, a}
	}()
	select {
	case <-sa.stop:
	case r := <-done:
		t.Fatalf("the emulator finished before the restart:\n%s", r.out)
	case <-time.After(60 * time.Second):
		t.Fatal("ten hours were not stored within 60 s")
	}
	p1.stop(t)
	r1 := <-done
	if r1.code == 0 || r1.acked < stopAt-1 || r1.acked >= len(recs) {
		t.Fatalf("first stream: exit %d, %d acknowledged; want it cut after about %d:\n%s", r1.code, r1.acked, stopAt, r1.out)
	}
	t.Logf("restart after %d acknowledged hours: %s", r1.acked, strings.TrimSpace(r1.out))

	// Nothing acknowledged is lost: with one upload in flight at a time,
	// the acknowledged uploads are the first r1.acked hours.
	st, err = sqlstore.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs[:r1.acked] {
		end := r.dataTime.Add(time.Hour)
		obs, err := st.Observations(ctx, lantian.ObservationFilter{Stations: []string{e2eStation}, From: end, To: end.Add(time.Second)})
		if err != nil {
			t.Fatal(err)
		}
		if len(obs) != 1 || obs[0].Values != r.values {
			t.Errorf("acknowledged hour ending %s lost across the restart: stored %v, sent %v", end.Format(time.DateTime), obs, r.values)
		}
	}
	st.Close()

	// Phase 2: the platform as lantian serve runs it; the device resends
	// from its first unacknowledged hour.
	p2 := startPlatform(t, dir, nil)
	defer p2.stop(t)
	code, o, acked := send(t, p2.gw.Addr().String(), recs[r1.acked].dataTime, day.AddDate(0, 0, 1))
	if want := len(recs) - r1.acked; code != 0 || acked != want {
		t.Fatalf("second stream: exit %d, %d acknowledged, want %d:\n%s", code, acked, want, o)
	}

	// lantian calc hourly on the same file.
	out.Reset()
	var calcErr bytes.Buffer
	if code := runMain([]string{"calc", "hourly", "--format", "json", e2eFile}, &out, &calcErr); code != 0 {
		t.Fatalf("calc hourly: exit %d\n%s", code, calcErr.String())
	}
	var rows []calcRow
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil {
		t.Fatal(err)
	}
	want := map[string]calcRow{}
	for _, r := range rows {
		if r.Station == e2eStation {
			want[r.Time] = r
		}
	}

	// The API's hourly AQI.
	var api struct {
		Items []web.ObservationView `json:"items"`
	}
	from, to := day.Add(time.Hour), day.AddDate(0, 0, 1).Add(time.Hour)
	p2.get(t, fmt.Sprintf("/api/v1/stations/%s/observations?from=%s&to=%s", e2eStation,
		urlTime(from), urlTime(to)), &api)
	if len(api.Items) != 24 {
		t.Fatalf("API gives %d hours, want 24", len(api.Items))
	}
	withAQI := 0
	for i, h := range api.Items {
		end := recs[i].dataTime.Add(time.Hour)
		if h.Time != end.Format(time.RFC3339) {
			t.Fatalf("API hour %d ends %s, want %s", i, h.Time, end.Format(time.RFC3339))
		}
		if !strings.HasPrefix(h.Source, "hj212:") {
			t.Errorf("hour ending %s came from %q, not the gateway", h.Time, h.Source)
		}
		c, ok := want[h.Time]
		if !ok {
			t.Fatalf("calc has no row for %s %s", e2eStation, h.Time)
		}
		if !equalAQI(h.AQI, c.AQI) || !slices.Equal(h.Primary, c.Primary) {
			t.Errorf("hour ending %s: API AQI %s %v, calc %s %v", h.Time, aqiString(h.AQI), h.Primary, aqiString(c.AQI), c.Primary)
		}
		if c.AQI != nil {
			withAQI++
		}
	}
	if withAQI < 20 {
		t.Errorf("only %d of 24 hours have an AQI: the comparison proves little", withAQI)
	}

	// The real-time view shows the station's last hour with calc's AQI.
	var rt web.Realtime
	p2.get(t, "/api/v1/realtime", &rt)
	last := want[day.AddDate(0, 0, 1).Format(time.RFC3339)]
	found := false
	for _, s := range rt.Stations {
		if s.Code == e2eStation {
			found = true
			if s.Time != last.Time || !equalAQI(s.AQI, last.AQI) || !slices.Equal(s.Primary, last.Primary) {
				t.Errorf("real-time view: %s AQI %s %v, calc %s %s %v", s.Time, aqiString(s.AQI), s.Primary, last.Time, aqiString(last.AQI), last.Primary)
			}
		}
	}
	if !found {
		t.Errorf("real-time view lacks %s: %+v", e2eStation, rt.Stations)
	}

	// The gateway's counters are on the platform's /metrics.
	resp, err := http.Get(p2.http.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "hj212_connections_accepted_total") || !strings.Contains(string(b), "lantian_http_requests_total") {
		t.Errorf("/metrics (%d) lacks the gateway's or the web server's metrics", resp.StatusCode)
	}
}

func urlTime(t time.Time) string { return strings.ReplaceAll(t.Format(time.RFC3339), "+", "%2B") }

func equalAQI(a, b *int) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

func aqiString(a *int) string {
	if a == nil {
		return "NA"
	}
	return strconv.Itoa(*a)
}
