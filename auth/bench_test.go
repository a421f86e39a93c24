package auth_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/auth"
	"github.com/lantian-aq/lantian/auth/authtest"
	"github.com/lantian-aq/lantian/sqlstore"
)

// BenchmarkAuthenticatedRead measures what authentication adds to a read
// request on the SQLite store, by credential, against a public route.
func BenchmarkAuthenticatedRead(b *testing.B) {
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, "", b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	svc, _ := auth.New(db, db, auth.Config{Params: authtest.FastParams, InsecureCookies: true, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	rt := svc.NewRouter()
	ok := func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }
	rt.HandleFunc("GET /public", auth.Public(), ok)
	rt.HandleFunc("GET /private", auth.Requires(auth.KindAirQuality, auth.Read), ok)
	cast := authtest.Cast(b, svc)
	tok, _, _ := svc.CreateToken(ctx, nil, cast[lantian.RoleMachine].ID, "bench", []lantian.Scope{"*:read"}, time.Hour)
	sess := authtest.SignIn(b, svc, cast[lantian.RoleViewer], svc.SessionCookieName())
	for _, bc := range []struct {
		name, path string
		c          authtest.Credentials
	}{
		{"public", "/public", authtest.Credentials{}},
		{"session", "/private", sess},
		{"token", "/private", authtest.Credentials{Bearer: tok}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					req := httptest.NewRequest(http.MethodGet, bc.path, nil)
					bc.c.Apply(req)
					rec := httptest.NewRecorder()
					rt.ServeHTTP(rec, req)
					if rec.Code != http.StatusNoContent {
						b.Fatalf("%d %s", rec.Code, rec.Body)
					}
				}
			})
		})
	}
}
