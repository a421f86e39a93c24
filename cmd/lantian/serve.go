package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/demo"
	"github.com/lantian-aq/lantian/sqlstore"
	"github.com/lantian-aq/lantian/web"
)

func init() {
	register(command{name: "serve", summary: "start the platform: dashboard, REST API, /metrics, HJ 212 gateway with --hj212-addr (loads demo data on first start)", run: runServe})
}

func runServe(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr, "[--addr HOST:PORT] [--hj212-addr HOST:PORT] [--data DIR] [--db URL]")
	var sf storeFlags
	sf.register(fs)
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on")
	noDemo := fs.Bool("no-demo", false, "do not load the demo data into an empty store")
	verbose := fs.Bool("v", false, "log every request")
	af := registerAuthFlags(fs)
	pf := registerPlanFlags(fs)
	gf := registerGatewayFlags(fs, "hj212-", "", "HJ 212 gateway: TCP address for data loggers (e.g. :9212); empty runs no gateway")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the server to this file until it stops (go tool pprof)")
	cacheTTL := fs.Duration("cache-ttl", 30*time.Second, "how long derived views (cards, rankings, details) are reused; new hours show after at most this long")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	level := slog.LevelInfo
	if *verbose {
		level = slog.LevelDebug
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	if *cpuProfile != "" {
		stopProfile, err := startCPUProfile(*cpuProfile)
		if err != nil {
			return err
		}
		defer stopProfile()
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	st, err := sqlstore.Open(ctx, sf.db, sf.data)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer st.Close()
	where := sf.db
	if where == "" {
		where = sf.data
	}
	log.Info("store open", "dialect", st.Dialect(), "at", where)

	if !*noDemo {
		loaded, err := demo.Loaded(ctx, st)
		if err != nil {
			return err
		}
		if !loaded {
			log.Info("empty store: loading the demo data (Nanyang 2019, Henan January 2019, the Nanyang plan)")
			if err := demo.Load(ctx, st, lantian.DemoFS, log); err != nil {
				return fmt.Errorf("loading demo data: %w", err)
			}
		}
	}
	plans, err := pf.load()
	if err != nil {
		return err
	}
	authSvc, err := af.service(ctx, fs, st, *addr, !*noDemo, log)
	if err != nil {
		return err
	}
	// One metrics registry: the web server's and the gateway's collectors
	// all appear at /metrics.
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	srv, err := web.New(web.Options{Store: st, Plans: plans, RootArea: "411300", Logger: log, CacheTTL: *cacheTTL, Auth: authSvc, Registry: reg})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
		WriteTimeout: 2 * time.Minute, IdleTimeout: 2 * time.Minute}
	gw, err := startStoreGateway(ctx, gf, st, reg, log, stdout)
	if err != nil {
		ln.Close()
		return err
	}
	fmt.Fprintf(stdout, "lantian serving on http://%s/\n", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		if gw != nil {
			gw.Shutdown(context.Background())
		}
		if !errors.Is(err, http.ErrServerClosed) {
			return err
		}
	case <-ctx.Done():
		log.Info("shutting down")
		sctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		var gerr error
		if gw != nil {
			// Packets already read are stored and acknowledged first.
			gerr = gw.Shutdown(sctx)
		}
		if err := errors.Join(hs.Shutdown(sctx), gerr); err != nil {
			return err
		}
	}
	return nil
}

// startCPUProfile profiles the process into the file until the returned
// function is called.
func startCPUProfile(path string) (func(), error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpuprofile %s: %w", path, err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
