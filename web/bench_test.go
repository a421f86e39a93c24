package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/lantian-aq/lantian"
)

// benchPaths are the two endpoints bench/web.sh loads.
var benchPaths = []string{"/api/v1/overview?year=2019", "/api/v1/stations/2403A/detail?year=2019"}

// BenchmarkCachedViews measures the server's own cost of answering the
// two endpoints bench/web.sh loads, once their views are cached (no
// network, no authentication).
func BenchmarkCachedViews(b *testing.B) {
	for _, path := range benchPaths {
		b.Run(path, func(b *testing.B) {
			req := httptest.NewRequest("GET", path, nil)
			req.Header.Set("Accept-Encoding", "gzip")
			testSrv.ServeHTTP(httptest.NewRecorder(), req) // warm the cache
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				rec := httptest.NewRecorder()
				testSrv.ServeHTTP(rec, req)
				if rec.Code != 200 {
					b.Fatal(rec.Code)
				}
			}
		})
	}
}

// BenchmarkCachedViewsToken is BenchmarkCachedViews as lantian serve
// answers bench/web.sh: through the authenticating router, with a machine
// account's API token, writing to a response writer that costs nothing,
// so that what remains is the server's work above the network.
func BenchmarkCachedViewsToken(b *testing.B) {
	authServer(b)
	tok, _, err := authSvc.CreateToken(b.Context(), nil, authCast[lantian.RoleMachine].ID, "bench", []lantian.Scope{"*:read"}, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	for _, path := range benchPaths {
		b.Run(path, func(b *testing.B) {
			req := httptest.NewRequest("GET", path, nil)
			req.Header.Set("Accept-Encoding", "gzip")
			req.Header.Set("Authorization", "Bearer "+tok)
			w := &nullWriter{h: http.Header{}}
			authSrv.ServeHTTP(w, req) // warm the cache
			if w.code != 200 {
				b.Fatal(w.code)
			}
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				clear(w.h)
				w.code = 0
				authSrv.ServeHTTP(w, req)
				if w.code != 200 {
					b.Fatal(w.code)
				}
			}
		})
	}
}

// nullWriter is a ResponseWriter that keeps the status and drops the body.
type nullWriter struct {
	h    http.Header
	code int
}

func (w *nullWriter) Header() http.Header { return w.h }
func (w *nullWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
}
func (w *nullWriter) Write(b []byte) (int, error) {
	w.WriteHeader(200)
	return len(b), nil
}
