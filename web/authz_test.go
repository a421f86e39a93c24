package web

import (
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/auth"
	"github.com/lantian-aq/lantian/auth/authtest"
	"github.com/lantian-aq/lantian/sqlstore"
)

// routeByRole is the expected outcome of every route of the platform for
// every role, written by hand from the rules (a county officer
// reads the whole city's air quality; a viewer changes nothing; the audit
// log is for the leaders and the commission office). A route missing here
// fails TestAuthRouteByRole.
var routeByRole = authtest.Expect{
	"GET /healthz":             "public",
	"GET /metrics":             "public",
	"GET /static/":             "public",
	"GET /api/v1/openapi.json": "public",

	"GET /{$}":             "signed-in",
	"GET /realtime":        "signed-in",
	"GET /calendar":        "signed-in",
	"GET /ranking":         "signed-in",
	"GET /stations/{code}": "signed-in",
	"GET /areas/{code}":    "signed-in",

	"GET /api/v1/areas":                               "signed-in",
	"GET /api/v1/areas/{code}":                        "signed-in",
	"GET /api/v1/areas/{code}/statistics/{period}":    "signed-in",
	"GET /api/v1/areas/{code}/assessment":             "signed-in",
	"GET /api/v1/areas/{code}/calendar":               "signed-in",
	"GET /api/v1/areas/{code}/detail":                 "signed-in",
	"GET /api/v1/stations":                            "signed-in",
	"GET /api/v1/stations/{code}":                     "signed-in",
	"GET /api/v1/stations/{code}/observations":        "signed-in",
	"GET /api/v1/stations/{code}/statistics/{period}": "signed-in",
	"GET /api/v1/stations/{code}/assessment":          "signed-in",
	"GET /api/v1/stations/{code}/detail":              "signed-in",
	"GET /api/v1/realtime":                            "signed-in",
	"GET /api/v1/overview":                            "signed-in",
	"GET /api/v1/targets":                             "signed-in",
	"GET /api/v1/rankings":                            "signed-in",
	"GET /api/v1/plans":                               "signed-in",
	"GET /api/v1/plans/{id}":                          "signed-in",
	"GET /api/v1/plans/{id}/tasks":                    "signed-in",

	// Task ledger: people read it (machines have no business there);
	// reporting is for departments and counties on their own share, the
	// commission office and administrators.
	"GET /ledger":                                  "admin analyst leader commission county department viewer",
	"GET /ledger/tasks/{number}":                   "admin analyst leader commission county department viewer",
	"POST /ledger/tasks/{number}/reports":          "admin commission county department",
	"GET /ledger/scorecards":                       "admin analyst leader commission county department viewer",
	"GET /api/v1/plans/{id}/ledger":                "admin analyst leader commission county department viewer",
	"GET /api/v1/plans/{id}/ledger/tasks/{number}": "admin analyst leader commission county department viewer",
	"GET /api/v1/plans/{id}/ledger/export":         "admin analyst leader commission county department viewer",
	"GET /api/v1/plans/{id}/milestones":            "admin analyst leader commission county department viewer",
	"GET /api/v1/plans/{id}/indicators":            "admin analyst leader commission county department viewer",
	"GET /api/v1/plans/{id}/alerts":                "admin analyst leader commission county department viewer",
	"GET /api/v1/plans/{id}/reports":               "admin analyst leader commission county department viewer",
	"POST /api/v1/plans/{id}/reports":              "admin commission county department",
	"GET /api/v1/plans/{id}/views/sections":        "admin analyst leader commission county department viewer",
	"GET /api/v1/plans/{id}/views/departments":     "admin analyst leader commission county department viewer",
	"GET /api/v1/plans/{id}/views/areas":           "admin analyst leader commission county department viewer",
	"GET /api/v1/plans/{id}/scorecards":            "admin analyst leader commission county department viewer",
	"GET /api/v1/plans/{id}/targets":               "admin analyst leader commission county department viewer",

	// HJ 212 device registry: device passwords are not for every reader;
	// only administrators remove a device.
	"GET /api/v1/devices":         "admin analyst machine",
	"POST /api/v1/devices":        "admin machine",
	"GET /api/v1/devices/{mn}":    "admin analyst machine",
	"PATCH /api/v1/devices/{mn}":  "admin machine",
	"DELETE /api/v1/devices/{mn}": "admin",

	// Accounts, tokens and the audit log (package auth).
	"POST /api/v1/session":            "public",
	"GET /api/v1/session":             "signed-in",
	"DELETE /api/v1/session":          "signed-in",
	"GET /api/v1/users":               "admin analyst leader commission county department viewer",
	"POST /api/v1/users":              "admin",
	"GET /api/v1/users/{id}":          "admin", // the administrator's own record
	"PATCH /api/v1/users/{id}":        "admin",
	"PUT /api/v1/users/{id}/password": "admin viewer", // the viewer's own password
	"GET /api/v1/tokens":              "admin analyst leader commission county department",
	"POST /api/v1/tokens":             "admin analyst leader commission county department",
	"DELETE /api/v1/tokens/{id}":      "admin", // the machine client's token
	"GET /api/v1/audit":               "admin leader commission",
	"GET /api/v1/audit/verify":        "admin leader commission",
	"GET /api/v1/policy":              "signed-in",
	"GET /login":                      "public",
	"POST /login":                     "public",
	"POST /logout":                    "signed-in",
	"GET /audit":                      "admin leader commission",
}

var (
	authOnce sync.Once
	authSrv  *Server
	authSvc  *auth.Service
	authHTTP *httptest.Server
	authCast map[lantian.Role]*lantian.User
)

// authServer is the test server with accounts, on the shared demo store.
func authServer(t testing.TB) {
	authOnce.Do(func() {
		db := testStore.(*sqlstore.DB)
		quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
		var err error
		authSvc, err = auth.New(db, db, auth.Config{Params: authtest.FastParams, InsecureCookies: true, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		authSrv, err = New(Options{Store: testStore, Plans: testSrv.plans, RootArea: "411300", Logger: quiet, Auth: authSvc,
			Now: func() time.Time { return time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC) }})
		if err != nil {
			t.Fatal(err)
		}
		authHTTP = httptest.NewServer(authSrv)
		authCast = authtest.Cast(t, authSvc)
	})
	if authSrv == nil {
		t.Fatal("auth test server not available")
	}
}

func TestAuthRouteRulesComplete(t *testing.T) {
	authServer(t)
	authtest.CheckTable(t, authSrv.router.Routes(), routeByRole)
	// A route added to the table without a rule stops the server from
	// being built at all.
	if err := checkRules(append(authSrv.routes(), route{pattern: "DELETE /api/v1/areas/{code}"})); err == nil {
		t.Fatal("a route without a rule was accepted")
	}
}

func TestAuthRouteByRole(t *testing.T) {
	authServer(t)
	tok, info, err := authSvc.CreateToken(t.Context(), nil, authCast[lantian.RoleMachine].ID, "walk", []lantian.Scope{"*:read"}, time.Hour)
	if err != nil || tok == "" {
		t.Fatal(err)
	}
	routes := authSrv.router.Routes()
	for i, r := range routes {
		switch {
		case strings.HasPrefix(r.Path, "/api/v1/stations/{code}"), r.Path == "/stations/{code}":
			routes[i].Path = strings.Replace(r.Path, "{code}", "2403A", 1)
		case strings.HasSuffix(r.Path, "/password"):
			routes[i].Path = strings.Replace(r.Path, "{id}", fmt.Sprint(authCast[lantian.RoleViewer].ID), 1)
		case strings.HasPrefix(r.Path, "/api/v1/users/{id}"):
			routes[i].Path = strings.Replace(r.Path, "{id}", fmt.Sprint(authCast[lantian.RoleAdmin].ID), 1)
		case strings.HasPrefix(r.Path, "/api/v1/tokens/{id}"):
			routes[i].Path = strings.Replace(r.Path, "{id}", fmt.Sprint(info.ID), 1)
		}
	}
	params := map[string]string{"code": "411300", "period": "monthly", "id": "nanyang-2024-2025", "number": "30"}
	body := func(route string) string {
		if route == "POST /api/v1/plans/{id}/reports" {
			// Task 30 is led by 生态环境局 and carried out by every county:
			// each allowed role passes authorisation and is refused only
			// for the missing content (400), so nothing is stored.
			return `{"task":30}`
		}
		if route == "PUT /api/v1/users/{id}/password" {
			return fmt.Sprintf(`{"password":%q,"current_password":%q}`, authtest.Password, authtest.Password)
		}
		return ""
	}
	authtest.Walk(t, authHTTP.URL, routes, routeByRole, params, body, func(r lantian.Role) authtest.Credentials {
		return authtest.SignIn(t, authSvc, authCast[r], authSvc.SessionCookieName())
	})
}

// TestNoAccessWithoutCredentials: the API answers 401 and the dashboard
// sends browsers to the sign-in page.
func TestAuthNoAccessWithoutCredentials(t *testing.T) {
	authServer(t)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	req, _ := http.NewRequest(http.MethodGet, authHTTP.URL+"/ranking?year=2019", nil)
	req.Header.Set("Accept", "text/html,application/xhtml+xml")
	res, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/login?next=%2Franking%3Fyear%3D2019" {
		t.Fatalf("anonymous page: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	res, err = http.Get(authHTTP.URL + "/api/v1/overview")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("anonymous API: %d", res.StatusCode)
	}
}
