package gateway

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// Gateway is the HJ 212 TCP server. Create it with New, run it with Start
// (or Serve on a listener of your own), stop it with Shutdown.
type Gateway struct {
	cfg Config
	m   *metrics
	agg *aggregator
	b   *batcher

	ln        net.Listener
	ctx       context.Context // cancelled by Shutdown
	cancel    context.CancelFunc
	connWG    sync.WaitGroup
	bgWG      sync.WaitGroup
	shutOnce  sync.Once
	drainOnce sync.Once
	drained   chan struct{} // closed when Shutdown has finished

	mu       sync.Mutex
	open     int
	perAddr  map[string]int
	conns    map[*conn]struct{}
	sessions map[string]*conn // MN → connection it last sent a valid packet on

	cacheMu sync.Mutex
	cache   map[string]cachedDevice

	dedupMu   sync.Mutex
	dedup     map[dedupKey]struct{}
	dedupRing []dedupKey
	dedupPos  int

	qnSeq atomic.Uint64
}

type cachedDevice struct {
	dev     Device
	err     error
	expires time.Time
}

type dedupKey struct {
	mn, qn, cn string
	pno        int
}

// New checks cfg and returns a gateway that is not yet listening.
func New(cfg Config) (*Gateway, error) {
	c, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	g := &Gateway{
		cfg:      c,
		m:        newMetrics(c.Metrics),
		agg:      newAggregator(c.HourGrace, c.LateWindow, c.RecoverWindow),
		perAddr:  make(map[string]int),
		conns:    make(map[*conn]struct{}),
		sessions: make(map[string]*conn),
		cache:    make(map[string]cachedDevice),
		dedup:    make(map[dedupKey]struct{}, c.DedupWindow),
	}
	g.dedupRing = make([]dedupKey, c.DedupWindow)
	g.ctx, g.cancel = context.WithCancel(context.Background())
	g.b = newBatcher(g)
	return g, nil
}

// Start recovers the hourly accumulators from the sink (when it is a
// SampleSource), listens on Config.Addr and serves in the background.
func (g *Gateway) Start(ctx context.Context) error {
	ln, err := net.Listen("tcp", g.cfg.Addr)
	if err != nil {
		return fmt.Errorf("hj212 gateway: listen %s: %w", g.cfg.Addr, err)
	}
	if err := g.recover(ctx); err != nil {
		ln.Close()
		return err
	}
	if err := g.setListener(ln); err != nil {
		ln.Close()
		return err
	}
	g.bgWG.Add(1)
	go func() {
		defer g.bgWG.Done()
		if err := g.serve(ln); err != nil {
			g.cfg.Logger.Error("hj212 gateway stopped", "err", err)
		}
	}()
	return nil
}

func (g *Gateway) setListener(ln net.Listener) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ln != nil {
		return errors.New("hj212 gateway: already serving")
	}
	g.ln = ln
	return nil
}

// recover reloads recent samples into the aggregator.
func (g *Gateway) recover(ctx context.Context) error {
	src, ok := g.cfg.Sink.(SampleSource)
	if !ok {
		return nil
	}
	now := g.cfg.Now()
	// Whole hours only: an hour cut at the window's edge would be
	// recomputed from part of its samples.
	samples, err := src.LoadSamples(ctx, g.agg.horizon(now))
	if err != nil {
		return fmt.Errorf("hj212 gateway: reloading samples for hourly aggregation: %w", err)
	}
	g.agg.add(samples, now)
	g.cfg.Logger.Info("hj212 gateway: hourly accumulators recovered", "samples", len(samples))
	return nil
}

// Addr returns the listening address once Start or Serve has been called.
func (g *Gateway) Addr() net.Addr {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.ln == nil {
		return nil
	}
	return g.ln.Addr()
}

// Serve accepts connections on ln until Shutdown. It starts the batch
// writer and the hourly flusher.
func (g *Gateway) Serve(ln net.Listener) error {
	if err := g.setListener(ln); err != nil {
		return err
	}
	return g.serve(ln)
}

func (g *Gateway) serve(ln net.Listener) error {
	g.bgWG.Add(2)
	go func() { defer g.bgWG.Done(); g.b.run() }()
	go func() { defer g.bgWG.Done(); g.flushLoop() }()
	var delay time.Duration
	for {
		c, err := ln.Accept()
		if err != nil {
			if g.ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() || errors.Is(err, syscallEMFILE) {
				delay = min(max(2*delay, 5*time.Millisecond), time.Second)
				time.Sleep(delay)
				continue
			}
			return fmt.Errorf("hj212 gateway: accept: %w", err)
		}
		delay = 0
		g.admit(c)
	}
}

// admit applies the connection limits and starts the connection.
func (g *Gateway) admit(nc net.Conn) {
	host := remoteHost(nc)
	g.mu.Lock()
	reason := ""
	switch {
	case g.ctx.Err() != nil:
		reason = "shutdown"
	case g.open >= g.cfg.MaxConns:
		reason = "max_conns"
	case g.perAddr[host] >= g.cfg.MaxConnsPerAddr:
		reason = "max_per_addr"
	}
	if reason != "" {
		g.mu.Unlock()
		g.m.connsRejected.WithLabelValues(reason).Inc()
		g.cfg.Logger.Warn("hj212: connection refused", "remote", nc.RemoteAddr().String(), "reason", reason)
		nc.Close()
		return
	}
	if tc, ok := nc.(*net.TCPConn); ok && g.cfg.SendBuffer > 0 {
		tc.SetWriteBuffer(g.cfg.SendBuffer)
	}
	g.open++
	g.perAddr[host]++
	c := newConn(g, nc, host)
	g.conns[c] = struct{}{}
	g.connWG.Add(1)
	g.mu.Unlock()
	g.m.connsAccepted.Inc()
	g.m.connsOpen.Inc()
	go c.serve()
}

func (g *Gateway) release(c *conn) {
	g.mu.Lock()
	g.open--
	if g.perAddr[c.host]--; g.perAddr[c.host] <= 0 {
		delete(g.perAddr, c.host)
	}
	delete(g.conns, c)
	for mn, s := range g.sessions {
		if s == c {
			delete(g.sessions, mn)
		}
	}
	g.mu.Unlock()
	g.m.connsOpen.Dec()
	g.connWG.Done()
}

func remoteHost(c net.Conn) string {
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		return a.IP.String()
	}
	h, _, err := net.SplitHostPort(c.RemoteAddr().String())
	if err != nil {
		return c.RemoteAddr().String()
	}
	return h
}

// Shutdown stops accepting, stops reading from every connection, lets the
// packets already read be stored and acknowledged, writes the last batch
// and returns. Hours still open stay in the stored samples and are
// recovered by the next Start. If ctx ends first, connections are closed
// hard and ctx's error is returned.
func (g *Gateway) Shutdown(ctx context.Context) error {
	g.shutOnce.Do(func() {
		g.cancel()
		g.mu.Lock()
		if g.ln != nil {
			g.ln.Close()
		}
		for c := range g.conns {
			c.stopReading()
		}
		g.mu.Unlock()
	})
	g.drainOnce.Do(func() {
		g.drained = make(chan struct{})
		go func() {
			g.connWG.Wait()
			close(g.b.in)
			g.bgWG.Wait()
			close(g.drained)
		}()
	})
	select {
	case <-g.drained:
		return nil
	case <-ctx.Done():
		g.mu.Lock()
		for c := range g.conns {
			c.nc.Close()
		}
		g.mu.Unlock()
		return ctx.Err()
	}
}

func (g *Gateway) flushLoop() {
	t := time.NewTicker(g.cfg.FlushInterval)
	defer t.Stop()
	for {
		select {
		case <-g.ctx.Done():
			return
		case <-t.C:
			g.FlushHours()
		}
	}
}

// FlushHours submits the hourly aggregates that are due. It runs every
// FlushInterval; tests call it directly.
func (g *Gateway) FlushHours() {
	aggs := g.agg.flush(g.cfg.Now())
	if len(aggs) == 0 {
		return
	}
	j := &job{batch: Batch{Aggregated: aggs}}
	j.done = func(err error) {
		if err != nil {
			g.agg.markDirty(aggs)
		}
	}
	if err := g.b.submit(g.ctx, j); err != nil {
		g.agg.markDirty(aggs)
	}
}

// lookup returns the device for mn through a short-lived cache.
func (g *Gateway) lookup(ctx context.Context, mn string) (Device, error) {
	now := g.cfg.Now()
	g.cacheMu.Lock()
	if e, ok := g.cache[mn]; ok && now.Before(e.expires) {
		g.cacheMu.Unlock()
		return e.dev, e.err
	}
	g.cacheMu.Unlock()
	dev, err := g.cfg.Registry.LookupDevice(ctx, mn)
	if err != nil && !errors.Is(err, ErrUnknownDevice) {
		return dev, err // temporary: do not cache
	}
	g.cacheMu.Lock()
	if len(g.cache) > 100000 {
		clear(g.cache)
	}
	g.cache[mn] = cachedDevice{dev, err, now.Add(g.cfg.DeviceCacheTTL)}
	g.cacheMu.Unlock()
	return dev, err
}

func passwordOK(dev *Device, pw string) bool {
	return subtle.ConstantTimeCompare([]byte(dev.Password), []byte(pw)) == 1
}

func (g *Gateway) seen(k dedupKey) bool {
	if k.qn == "" {
		return false // 2005 packets without QN cannot be told apart
	}
	g.dedupMu.Lock()
	defer g.dedupMu.Unlock()
	_, ok := g.dedup[k]
	return ok
}

func (g *Gateway) remember(k dedupKey) {
	if k.qn == "" {
		return
	}
	g.dedupMu.Lock()
	defer g.dedupMu.Unlock()
	if _, ok := g.dedup[k]; ok {
		return
	}
	old := g.dedupRing[g.dedupPos]
	if old.mn != "" {
		delete(g.dedup, old)
	}
	g.dedupRing[g.dedupPos] = k
	g.dedupPos = (g.dedupPos + 1) % len(g.dedupRing)
	g.dedup[k] = struct{}{}
}

func (g *Gateway) bindSession(mn string, c *conn) {
	g.mu.Lock()
	if g.sessions[mn] != c {
		g.sessions[mn] = c
	}
	g.mu.Unlock()
}
