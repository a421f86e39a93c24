package web

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/auth/authtest"
)

// hostileValues are SQL injection, path traversal and malformed inputs.
// The first three also go into every query parameter.
var hostileValues = []string{
	"1; DROP TABLE area; --", "../../../../etc/passwd", "\x00",
	"' OR '1'='1", "411300' UNION SELECT login, password_hash FROM app_user --",
	"..\\..\\windows\\win.ini", "%2e%2e%2f%2e%2e%2fetc%2fpasswd", "99999999999999999999999",
}

// leaks are what an answer must never contain: file contents, SQL errors,
// password hashes.
var leaks = regexp.MustCompile(`root:x:0:0|\[extensions\]|SQLSTATE|syntax error|sqlite|no such (table|column): |\$argon2id\$|pq:|pgx`)

// TestHostileParameters sends every hostile value in every path parameter
// of every route, and in every query parameter the API and pages read, as
// an administrator: nothing may fail with a 500, leak, or change the store.
func TestHostileParameters(t *testing.T) {
	if testing.Short() {
		t.Skip("hostile parameter sweep skipped in -short mode")
	}
	authServer(t)
	ctx := context.Background()
	admin := authtest.SignIn(t, authSvc, authCast[lantian.RoleAdmin], authSvc.SessionCookieName())
	areasBefore, _ := testStore.Areas(ctx, lantian.AreaFilter{})
	stationsBefore, _ := testStore.Stations(ctx, lantian.StationFilter{Synthetic: true})
	usersBefore, _ := authSvc.Store().Users(ctx)
	query := []string{"year", "from", "to", "as_of", "cursor", "limit", "area", "scope", "kind", "month", "station", "stations", "pollutant", "period", "export", "format", "lang", "next", "before", "user", "object"}
	param := regexp.MustCompile(`\{([a-z]+)\}`)
	type call struct{ method, path string }
	calls := make(chan call)
	var wg sync.WaitGroup
	send := func(method, path string) { calls <- call{method, path} }
	do := func(method, path string) {
		var body io.Reader
		if method != http.MethodGet {
			body = strings.NewReader(`{}`)
		}
		req, err := http.NewRequest(method, authHTTP.URL+path, body)
		if err != nil {
			return // not even a URL: nothing reaches the server
		}
		req.Header.Set("Content-Type", "application/json")
		admin.Apply(req)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("%s %s: %v", method, path, err)
			return
		}
		b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
		res.Body.Close()
		if res.StatusCode >= 500 {
			t.Errorf("%s %s: %d %.200s", method, path, res.StatusCode, b)
		}
		if m := leaks.Find(b); m != nil {
			t.Errorf("%s %s leaks %q", method, path, m)
		}
	}
	for range 4 {
		wg.Go(func() {
			for c := range calls {
				do(c.method, c.path)
			}
		})
	}
	for _, rt := range authSrv.router.Routes() {
		if rt.Method == http.MethodDelete || rt.Pattern == "POST /api/v1/session" || rt.Pattern == "POST /login" || rt.Pattern == "POST /logout" {
			continue // these would sign the administrator out
		}
		method := rt.Method
		if method == "" {
			method = http.MethodGet
		}
		base := param.ReplaceAllStringFunc(rt.Path, func(p string) string {
			switch p {
			case "{code}":
				return "411300"
			case "{period}":
				return "monthly"
			case "{id}":
				return "nanyang-2024-2025"
			case "{number}":
				return "30"
			}
			return "1"
		})
		base = strings.TrimSuffix(strings.TrimSuffix(base, "{$}"), "{file}")
		for i, h := range hostileValues {
			for _, m := range param.FindAllStringIndex(rt.Path, -1) {
				send(method, rt.Path[:m[0]]+url.PathEscape(h)+param.ReplaceAllString(rt.Path[m[1]:], "1"))
			}
			if method == http.MethodGet && i < 3 {
				for _, q := range query {
					send(method, base+"?"+q+"="+url.QueryEscape(h))
				}
			}
		}
	}
	close(calls)
	wg.Wait()
	areasAfter, _ := testStore.Areas(ctx, lantian.AreaFilter{})
	stationsAfter, _ := testStore.Stations(ctx, lantian.StationFilter{Synthetic: true})
	usersAfter, _ := authSvc.Store().Users(ctx)
	if len(areasAfter) != len(areasBefore) || len(stationsAfter) != len(stationsBefore) || len(usersAfter) != len(usersBefore) {
		t.Fatalf("store changed: areas %d→%d, stations %d→%d, users %d→%d", len(areasBefore), len(areasAfter),
			len(stationsBefore), len(stationsAfter), len(usersBefore), len(usersAfter))
	}
	if rep, err := authSvc.VerifyAudit(ctx); err != nil || !rep.OK() {
		t.Fatalf("audit chain after the sweep: %+v %v", rep.Broken, err)
	}
}
