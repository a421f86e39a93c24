package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/lantian-aq/lantian/hj212/gateway"
	"github.com/lantian-aq/lantian/sqlstore"
)

// gatewayFlags are the flags of the HJ 212 gateway shared by lantian serve
// (--hj212-addr, prefixed hj212-) and lantian hj212 serve.
type gatewayFlags struct {
	addr       *string
	maxSeg     *int
	maxConns   *int
	maxPerAddr *int
	idle       *time.Duration
	readTO     *time.Duration
	sndbuf     *int
	calibrate  *bool
}

// registerGatewayFlags declares the gateway's flags on fs with prefix
// before each name ("hj212-" in lantian serve, "" in lantian hj212 serve)
// and defAddr as the listen address's default.
func registerGatewayFlags(fs *flag.FlagSet, prefix, defAddr, addrHelp string) *gatewayFlags {
	return &gatewayFlags{
		addr:       fs.String(prefix+"addr", defAddr, addrHelp),
		maxSeg:     fs.Int(prefix+"max-segment", 9999, "HJ 212: largest data segment accepted, bytes"),
		maxConns:   fs.Int(prefix+"max-conns", 10000, "HJ 212: maximum connections"),
		maxPerAddr: fs.Int(prefix+"max-conns-per-addr", 256, "HJ 212: maximum connections per remote IP"),
		idle:       fs.Duration(prefix+"idle-timeout", 10*time.Minute, "HJ 212: close connections silent this long"),
		readTO:     fs.Duration(prefix+"read-timeout", 30*time.Second, "HJ 212: time allowed to receive one packet"),
		sndbuf:     fs.Int(prefix+"send-buffer", 0, "HJ 212: fixed kernel send buffer per connection in bytes (0: system default with autotuning)"),
		calibrate:  fs.Bool(prefix+"calibrate-time", false, "HJ 212: answer 1013 time-calibration notices with a 1012 set-time request"),
	}
}

// config returns the gateway configuration the flags describe.
func (f *gatewayFlags) config(reg gateway.Registry, sink gateway.Sink, metrics prometheus.Registerer, log *slog.Logger) gateway.Config {
	return gateway.Config{
		Addr: *f.addr, Registry: reg, Sink: sink, Metrics: metrics, Logger: log,
		MaxSegment: *f.maxSeg, MaxConns: *f.maxConns, MaxConnsPerAddr: *f.maxPerAddr, IdleTimeout: *f.idle,
		ReadTimeout: *f.readTO, CalibrateTime: *f.calibrate, SendBuffer: *f.sndbuf,
	}
}

// startStoreGateway starts the HJ 212 gateway on the store: the store's
// device table is the registry, the store is the durable sink (an
// acknowledged packet is committed) and the sample source the hourly
// accumulators are recovered from. Statistics the gateway's hours change
// are recomputed in the background until ctx ends. It returns nil when the
// flags give no address.
func startStoreGateway(ctx context.Context, f *gatewayFlags, st *sqlstore.DB, metrics prometheus.Registerer, log *slog.Logger, stdout io.Writer) (*gateway.Gateway, error) {
	if *f.addr == "" {
		return nil, nil
	}
	g, err := gateway.New(f.config(st, st, metrics, log))
	if err != nil {
		return nil, err
	}
	if err := g.Start(ctx); err != nil {
		return nil, err
	}
	st.StartRefresher(ctx, 10*time.Second, func(err error) { log.Error("recomputing statistics after HJ 212 data", "err", err) })
	regs, err := st.Registrations(ctx)
	if err != nil {
		g.Shutdown(context.Background())
		return nil, err
	}
	enabled := 0
	for _, r := range regs {
		if !r.Disabled {
			enabled++
		}
	}
	if enabled == 0 {
		log.Warn("HJ 212 gateway: no device registered yet; register one with 'lantian device add --mn MN --password PW --station CODE'")
	}
	fmt.Fprintf(stdout, "HJ 212 gateway listening on %s (%d devices registered)\n", g.Addr(), enabled)
	return g, nil
}
