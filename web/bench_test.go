package web

import (
	"net/http/httptest"
	"testing"
)

// BenchmarkCachedViews measures the server's own cost of answering the
// two endpoints bench/web.sh loads, once their views are cached (no
// network, no authentication).
func BenchmarkCachedViews(b *testing.B) {
	for _, path := range []string{"/api/v1/overview?year=2019", "/api/v1/stations/2403A/detail?year=2019"} {
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
