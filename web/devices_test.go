package web

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/auth/authtest"
	"github.com/lantian-aq/lantian/hj212"
	"github.com/lantian-aq/lantian/hj212/gateway"
	"github.com/lantian-aq/lantian/sqlstore"
	"github.com/lantian-aq/lantian/standard"
)

// TestDevicesAPI registers, reads, changes, disables and removes a data
// logger through the API as an administrator, checks what the gateway's
// registry answers after each step, that no answer and no audit entry
// holds the password, and the refusals a person can act on.
func TestDevicesAPI(t *testing.T) {
	authServer(t)
	db := testStore.(*sqlstore.DB)
	ctx := context.Background()
	const mn, secret = "WEBTEST41130024030001", "s3cr3t-4417"
	admin := authtest.SignIn(t, authSvc, authCast[lantian.RoleAdmin], authSvc.SessionCookieName())
	analyst := authtest.SignIn(t, authSvc, authCast[lantian.RoleAnalyst], authSvc.SessionCookieName())
	do := func(c authtest.Credentials, method, path, body string) (int, string, http.Header) {
		t.Helper()
		req, _ := http.NewRequest(method, authHTTP.URL+path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		c.Apply(req)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), resp.Header
	}
	lookup := func() (gateway.Device, error) { return db.LookupDevice(ctx, mn) }

	steps := []struct {
		name    string
		who     authtest.Credentials
		method  string
		path    string
		body    string
		status  int
		want    string // substring of the answer
		enabled bool   // the gateway accepts the device afterwards
	}{
		{"no body", admin, "POST", "/api/v1/devices", "", 400, "want a JSON object", false},
		{"unknown field", admin, "POST", "/api/v1/devices", `{"mn":"` + mn + `","pw":"x"}`, 400, `unknown field \"pw\"`, false},
		{"unknown station", admin, "POST", "/api/v1/devices", `{"mn":"` + mn + `","password":"` + secret + `","station":"9999A"}`, 400, `station \"9999A\" is not registered`, false},
		{"separator in password", admin, "POST", "/api/v1/devices", `{"mn":"` + mn + `","password":"12;34","station":"2403A"}`, 400, "password (hidden)", false},
		{"bad unit", admin, "POST", "/api/v1/devices", `{"mn":"` + mn + `","password":"` + secret + `","station":"2403A","units":{"so2":"furlongs"}}`, 400, "units.so2", false},
		{"analyst may not register", analyst, "POST", "/api/v1/devices", `{"mn":"` + mn + `","password":"` + secret + `","station":"2403A"}`, 403, "", false},
		{"register", admin, "POST", "/api/v1/devices", `{"mn":"` + mn + `","password":"` + secret + `","station":"2403A","units":{"so2":"mg/m3"}}`, 201, `"st":"22"`, true},
		{"register twice", admin, "POST", "/api/v1/devices", `{"mn":"` + mn + `","password":"` + secret + `","station":"2403A"}`, 409, "already registered", true},
		{"list", analyst, "GET", "/api/v1/devices?station=2403A", "", 200, `"mn":"` + mn + `"`, true},
		{"list other station", admin, "GET", "/api/v1/devices?station=2404A", "", 200, `"items":[]`, true},
		{"one", analyst, "GET", "/api/v1/devices/" + mn, "", 200, `"units":{"so2":"mg/m3"}`, true},
		{"disable", admin, "PATCH", "/api/v1/devices/" + mn, `{"disabled":true}`, 200, `"disabled":true`, false},
		{"new password while disabled", admin, "PATCH", "/api/v1/devices/" + mn, `{"password":"` + secret + `9"}`, 200, `"disabled":true`, false},
		{"enable", admin, "PATCH", "/api/v1/devices/" + mn, `{"disabled":false}`, 200, `"disabled":false`, true},
		{"MN cannot change", admin, "PATCH", "/api/v1/devices/" + mn, `{"mn":"OTHER"}`, 400, "cannot be changed", true},
		{"bad ST", admin, "PATCH", "/api/v1/devices/" + mn, `{"st":"2"}`, 400, "two-character system code", true},
		{"patch unknown", admin, "PATCH", "/api/v1/devices/NOPE", `{"disabled":true}`, 404, "not registered", true},
		{"remove", admin, "DELETE", "/api/v1/devices/" + mn, "", 204, "", false},
		{"gone", admin, "GET", "/api/v1/devices/" + mn, "", 404, "not registered", false},
		{"remove again", admin, "DELETE", "/api/v1/devices/" + mn, "", 404, "not registered", false},
	}
	for _, s := range steps {
		status, body, hdr := do(s.who, s.method, s.path, s.body)
		if status != s.status || !strings.Contains(body, s.want) {
			t.Errorf("%s: %s %s: %d %s; want %d with %q", s.name, s.method, s.path, status, body, s.status, s.want)
		}
		if strings.Contains(body, secret) || strings.Contains(strings.ToLower(body), `"password"`) {
			t.Errorf("%s: the answer holds the password: %s", s.name, body)
		}
		if s.name == "register" && hdr.Get("Location") != "/api/v1/devices/"+mn {
			t.Errorf("register: Location %q", hdr.Get("Location"))
		}
		d, err := lookup()
		if s.enabled != (err == nil) || (err != nil && !errors.Is(err, gateway.ErrUnknownDevice)) {
			t.Errorf("%s: gateway lookup %+v, %v; want enabled=%v", s.name, d, err, s.enabled)
		}
		switch s.name {
		case "register":
			if d.Password != secret || d.Station != "2403A" || d.ST != "22" || d.Units[standard.SO2] != hj212.UnitMilligram {
				t.Errorf("registered %+v", d)
			}
		case "enable":
			if d.Password != secret+"9" {
				t.Errorf("password change while disabled not kept: %+v", d)
			}
		}
	}

	entries, err := db.AuditEntries(ctx, lantian.AuditFilter{Kind: "device", Object: mn})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
		if all := string(e.Before) + string(e.After); strings.Contains(all, secret) {
			t.Errorf("audit entry %d holds the password: %s", e.Seq, all)
		}
		if e.Actor != authCast[lantian.RoleAdmin].Login {
			t.Errorf("audit entry %d by %q", e.Seq, e.Actor)
		}
	}
	if got, want := strings.Join(actions, ","), "create,update,update,update,delete"; got != want {
		t.Errorf("audited actions %s, want %s (one per change, none for refusals)", got, want)
	}
	if len(entries) == 5 {
		var after map[string]any
		json.Unmarshal(entries[2].After, &after)
		if after["password_changed"] != true {
			t.Errorf("password change not noted in the audit entry: %s", entries[2].After)
		}
	}
}

// TestDevicesWithoutAccounts: a server without accounts lists devices but
// changes none, since nobody could be held to account.
func TestDevicesWithoutAccounts(t *testing.T) {
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/api/v1/devices", strings.NewReader(`{"mn":"X1","password":"1","station":"2403A"}`))
	testSrv.ServeHTTP(rec, req)
	if rec.Code != http.StatusForbidden {
		t.Errorf("POST without accounts: %d %s", rec.Code, rec.Body)
	}
	rec = httptest.NewRecorder()
	testSrv.ServeHTTP(rec, httptest.NewRequest("GET", "/api/v1/devices", nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `"items":`) {
		t.Errorf("GET without accounts: %d %s", rec.Code, rec.Body)
	}
}
