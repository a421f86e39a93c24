// Package web is lantian's web platform: the REST API under /api/v1
// (described by the OpenAPI 3 document served at /api/v1/openapi.json), the
// server-rendered compliance dashboard (总览, 实时, 日历, 排名, station and
// area detail) in Chinese with an English switch, CSV and .xlsx export of
// every table, /healthz and Prometheus /metrics.
//
// It reads everything through the store interfaces of package lantian and
// the standards engine: it never computes an AQI or a statistic itself.
// Derived views (target cards, rankings, calendars) are cached for a short
// time (Options.CacheTTL) because they are read far more often than the
// hours beneath them change.
//
// All routes are declared in one table (Server.routes), which the tests
// compare with the OpenAPI document.
//
// Front-end assets: ECharts comes from npm, pinned exactly in
// web/ui/package.json and package-lock.json. `go generate ./web` (after
// `npm ci` in web/ui) copies its dist/echarts.min.js into static/vendor/
// and records version and SHA-256 in static/vendor/MANIFEST; the copy is
// committed and embedded, so building needs no npm and nothing is loaded
// from the internet at run time. TestVendoredECharts checks the copy
// against the manifest and the lock file, and against node_modules where
// `npm ci` has run (always in CI).
package web

//go:generate sh ui/vendor.sh

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net/http"
	"runtime/debug"
	"strconv"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/auth"
	"github.com/lantian-aq/lantian/plan"
	"github.com/lantian-aq/lantian/standard"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// Options configure a Server.
type Options struct {
	// Store is the platform's persistent store (required).
	Store lantian.Store
	// Plans are the action plans whose targets the dashboard shows; the
	// first one whose area is the root area is the main plan.
	Plans []*plan.Plan
	// RootArea is the area the dashboard opens on (411300 for Nanyang).
	RootArea string
	// Rules are the standards engine's rules (nil: standard.DefaultRules).
	Rules *standard.Rules
	// Logger receives one structured line per request and the details of
	// every internal error (nil: slog.Default()).
	Logger *slog.Logger
	// Registry receives the server's metrics (nil: a new registry with the
	// Go and process collectors).
	Registry *prometheus.Registry
	// Now is the clock (nil: time.Now); tests fix it.
	Now func() time.Time
	// Auth authenticates and authorises every request (package auth) and
	// serves sign-in, accounts, tokens and the audit log; each route's
	// rule is in routeRules (authz.go). Nil serves without accounts, for
	// tests of the views only: lantian serve always sets it.
	Auth *auth.Service
	// CacheTTL is how long derived views are reused (0: 30 s). Hours that
	// arrive are visible on the dashboard after at most this long.
	CacheTTL time.Duration
}

// Server serves the API and the dashboard.
type Server struct {
	store    lantian.Store
	plans    []*plan.Plan
	root     string
	rules    *standard.Rules
	log      *slog.Logger
	registry *prometheus.Registry
	now      func() time.Time
	cache    *cache
	pages    map[string]*pageTemplate
	static   fs.FS
	openapi  []byte
	handler  http.Handler
	router   *auth.Router // nil without Options.Auth
	metrics  *metrics
}

// New returns a server for the options.
func New(o Options) (*Server, error) {
	if o.Store == nil {
		return nil, errors.New("web: Options.Store is required")
	}
	s := &Server{store: o.Store, plans: o.Plans, root: o.RootArea, rules: o.Rules, log: o.Logger,
		registry: o.Registry, now: o.Now}
	if s.rules == nil {
		r := standard.DefaultRules()
		s.rules = &r
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.root == "" {
		s.root = "411300"
	}
	if s.registry == nil {
		s.registry = prometheus.NewRegistry()
		s.registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	}
	ttl := o.CacheTTL
	if ttl == 0 {
		ttl = 30 * time.Second
	}
	s.cache = newCache(ttl, 4096)
	var err error
	if s.pages, err = parsePages(); err != nil {
		return nil, err
	}
	if s.static, err = fs.Sub(staticFS, "static"); err != nil {
		return nil, err
	}
	if s.openapi, err = openAPIJSON(tableRoutes(s.routes()), false); err != nil {
		return nil, err
	}
	s.metrics = newMetrics(s.registry)
	if err := checkRules(s.routes()); err != nil {
		return nil, err
	}
	if o.Auth != nil {
		s.router = o.Auth.NewRouter()
		for _, rt := range s.routes() {
			s.router.Handle(rt.pattern, routeRules[rt.pattern], s.instrument(rt.pattern, rt.handler))
		}
		o.Auth.Register(s.router)
		o.Auth.RegisterPages(s.router)
		// The document describes every route the router serves.
		if s.openapi, err = openAPIJSON(s.router.Routes(), true); err != nil {
			return nil, err
		}
		s.handler = s.recoverer(s.router)
		return s, nil
	}
	mux := http.NewServeMux()
	for _, rt := range s.routes() {
		mux.Handle(rt.pattern, s.instrument(rt.pattern, rt.handler))
	}
	s.handler = s.recoverer(mux)
	return s, nil
}

// ServeHTTP implements http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// Invalidate drops every cached view, for callers that have just written
// data (imports, the simulator) and want it shown at once.
func (s *Server) Invalidate() { s.cache.clear() }

// route is one entry of the route table.
type route struct {
	pattern string // Go 1.22 ServeMux pattern: "METHOD /path/{param}"
	handler http.HandlerFunc
}

// routes is the route table of the whole platform, in one place.
func (s *Server) routes() []route {
	return []route{
		// Operations.
		{"GET /healthz", s.healthz},
		{"GET /metrics", promhttp.HandlerFor(s.registry, promhttp.HandlerOpts{}).ServeHTTP},

		// Dashboard pages.
		{"GET /{$}", s.pageOverview},
		{"GET /realtime", s.pageRealtime},
		{"GET /calendar", s.pageCalendar},
		{"GET /ranking", s.pageRanking},
		{"GET /stations/{code}", s.pageStation},
		{"GET /areas/{code}", s.pageArea},
		{"GET /static/", s.serveStatic},

		// REST API.
		{"GET /api/v1/openapi.json", s.apiOpenAPI},
		{"GET /api/v1/areas", s.apiAreas},
		{"GET /api/v1/areas/{code}", s.apiArea},
		{"GET /api/v1/areas/{code}/statistics/{period}", s.apiAreaStatistics},
		{"GET /api/v1/areas/{code}/assessment", s.apiAreaAssessment},
		{"GET /api/v1/areas/{code}/calendar", s.apiAreaCalendar},
		{"GET /api/v1/areas/{code}/detail", s.apiAreaDetail},
		{"GET /api/v1/stations", s.apiStations},
		{"GET /api/v1/stations/{code}", s.apiStation},
		{"GET /api/v1/stations/{code}/observations", s.apiStationObservations},
		{"GET /api/v1/stations/{code}/statistics/{period}", s.apiStationStatistics},
		{"GET /api/v1/stations/{code}/assessment", s.apiStationAssessment},
		{"GET /api/v1/stations/{code}/detail", s.apiStationDetail},
		{"GET /api/v1/realtime", s.apiRealtime},
		{"GET /api/v1/overview", s.apiOverview},
		{"GET /api/v1/targets", s.apiTargets},
		{"GET /api/v1/rankings", s.apiRankings},
		{"GET /api/v1/plans", s.apiPlans},
		{"GET /api/v1/plans/{id}", s.apiPlan},
		{"GET /api/v1/plans/{id}/tasks", s.apiPlanTasks},

		// Task ledger (任务台账): derived statuses, reports, views, export.
		{"GET /ledger", s.pageLedger},
		{"GET /ledger/tasks/{number}", s.pageLedgerTask},
		{"POST /ledger/tasks/{number}/reports", s.pageLedgerReport},
		{"GET /ledger/scorecards", s.pageLedgerScorecards},
		{"GET /api/v1/plans/{id}/ledger", s.apiLedger},
		{"GET /api/v1/plans/{id}/ledger/tasks/{number}", s.apiLedgerTask},
		{"GET /api/v1/plans/{id}/ledger/export", s.apiLedgerExport},
		{"GET /api/v1/plans/{id}/milestones", s.apiLedgerMilestones},
		{"GET /api/v1/plans/{id}/indicators", s.apiLedgerIndicators},
		{"GET /api/v1/plans/{id}/alerts", s.apiLedgerAlerts},
		{"GET /api/v1/plans/{id}/reports", s.apiLedgerReports},
		{"POST /api/v1/plans/{id}/reports", s.apiLedgerReport},
		{"GET /api/v1/plans/{id}/views/sections", s.apiLedgerSections},
		{"GET /api/v1/plans/{id}/views/departments", s.apiLedgerDepartments},
		{"GET /api/v1/plans/{id}/views/areas", s.apiLedgerAreas},
		{"GET /api/v1/plans/{id}/scorecards", s.apiLedgerScorecards},
		{"GET /api/v1/plans/{id}/targets", s.apiLedgerTargets},

		// HJ 212 device registry (devices.go).
		{"GET /api/v1/devices", s.apiDevices},
		{"POST /api/v1/devices", s.apiDeviceCreate},
		{"GET /api/v1/devices/{mn}", s.apiDevice},
		{"PATCH /api/v1/devices/{mn}", s.apiDeviceUpdate},
		{"DELETE /api/v1/devices/{mn}", s.apiDeviceDelete},
	}
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if _, err := s.store.Areas(ctx, lantian.AreaFilter{Codes: []string{s.root}}); err != nil {
		s.log.Error("healthz: store unreachable", "err", err)
		writeJSON(w, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "message": "the store does not answer"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) serveStatic(w http.ResponseWriter, r *http.Request) {
	// Assets are embedded and change only with the binary.
	w.Header().Set("Cache-Control", "public, max-age=86400")
	http.StripPrefix("/static/", http.FileServerFS(s.static)).ServeHTTP(w, r)
}

// statusWriter records the status code a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
}

func newMetrics(reg *prometheus.Registry) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lantian_http_requests_total", Help: "HTTP requests by route and status code.",
		}, []string{"route", "code"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "lantian_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route"}),
	}
	reg.MustRegister(m.requests, m.duration)
	return m
}

// instrument logs and measures one route. The route's histogram and the
// counter of its successful answers are looked up once, not per request,
// and the request's log line is only built when the logger would write it
// (debug level, or a server error).
func (s *Server) instrument(pattern string, h http.Handler) http.Handler {
	duration := s.metrics.duration.WithLabelValues(pattern)
	ok := s.metrics.requests.WithLabelValues(pattern, "200")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w}
		h.ServeHTTP(sw, r)
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		d := time.Since(start)
		if sw.status == http.StatusOK {
			ok.Inc()
		} else {
			s.metrics.requests.WithLabelValues(pattern, strconv.Itoa(sw.status)).Inc()
		}
		duration.Observe(d.Seconds())
		lvl := slog.LevelDebug
		if sw.status >= 500 {
			lvl = slog.LevelWarn
		}
		if ctx := r.Context(); s.log.Enabled(ctx, lvl) {
			s.log.Log(ctx, lvl, "http", "method", r.Method, "path", r.URL.Path, "query", r.URL.RawQuery,
				"status", sw.status, "duration_ms", float64(d.Microseconds())/1000)
		}
	})
}

// recoverer turns a panic into a 500 with a JSON error; the stack goes to
// the log, never to the client.
func (s *Server) recoverer(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic serving request", "path", r.URL.Path, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				writeError(w, http.StatusInternalServerError, codeInternal, "the server failed on this request; the details are in the server log")
			}
		}()
		h.ServeHTTP(w, r)
	})
}
