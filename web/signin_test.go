package web

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/auth"
	"github.com/lantian-aq/lantian/auth/authtest"
)

// noFollow is a client that reports redirects instead of following them.
func noFollow(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// TestSignInRedirect: an anonymous browser opening any page of the
// dashboard is sent to the sign-in page and, once signed in, back to the
// page it asked for; the API and the operations endpoints keep their JSON
// and plain answers.
func TestSignInRedirect(t *testing.T) {
	authServer(t)
	const browser = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"
	cases := []struct {
		name, path, accept string
		status             int
		location           string // for 303
	}{
		{"root from a browser", "/", browser, http.StatusSeeOther, "/login?next=%2F"},
		{"root without Accept", "/", "", http.StatusSeeOther, "/login?next=%2F"},
		{"root from curl", "/", "*/*", http.StatusSeeOther, "/login?next=%2F"},
		{"station page with query", "/stations/2403A?year=2019", browser, http.StatusSeeOther, "/login?next=%2Fstations%2F2403A%3Fyear%3D2019"},
		{"ledger", "/ledger", "", http.StatusSeeOther, "/login?next=%2Fledger"},
		{"audit page", "/audit", "", http.StatusSeeOther, "/login?next=%2Faudit"},
		{"page asked for as JSON only", "/ranking", "application/json", http.StatusUnauthorized, ""},
		{"API from a browser", "/api/v1/overview", browser, http.StatusUnauthorized, ""},
		{"API without Accept", "/api/v1/areas", "", http.StatusUnauthorized, ""},
		{"healthz", "/healthz", browser, http.StatusOK, ""},
		{"metrics", "/metrics", browser, http.StatusOK, ""},
		{"sign-in page", "/login", browser, http.StatusOK, ""},
	}
	c := noFollow(t)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, authHTTP.URL+tc.path, nil)
			if tc.accept != "" {
				req.Header.Set("Accept", tc.accept)
			}
			res, err := c.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %.200s", res.StatusCode, tc.status, b)
			}
			if loc := res.Header.Get("Location"); tc.status == http.StatusSeeOther && loc != tc.location {
				t.Fatalf("Location %q, want %q", loc, tc.location)
			}
			if tc.status == http.StatusUnauthorized {
				var e struct {
					Code, Message string
				}
				if err := json.Unmarshal(b, &e); err != nil || e.Code != "unauthenticated" || e.Message == "" {
					t.Fatalf("401 body %q is not the API's JSON error (%v)", b, err)
				}
			}
		})
	}

	t.Run("sign-in returns to the page asked for", func(t *testing.T) {
		c := noFollow(t)
		res, err := c.Get(authHTTP.URL + "/stations/2403A?year=2019")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		login := res.Header.Get("Location")
		res, err = c.Get(authHTTP.URL + login)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !strings.Contains(string(b), `name="next" value="/stations/2403A?year=2019"`) {
			t.Fatalf("the sign-in form does not carry next: %.2000s", b)
		}
		res = postForm(t, c, "/login", url.Values{"login": {"t-leader"}, "password": {authtest.Password}, "next": {"/stations/2403A?year=2019"}})
		if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/stations/2403A?year=2019" {
			t.Fatalf("after sign-in: %d to %q", res.StatusCode, res.Header.Get("Location"))
		}
		res, err = c.Get(authHTTP.URL + "/stations/2403A?year=2019")
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("the page after sign-in: %d", res.StatusCode)
		}
	})

	// The sign-in page must not send anyone off the site, whatever next
	// says: browsers read //host and /\host as another host and drop tabs
	// and newlines inside URLs.
	for _, next := range []string{"//evil.example", "//evil.example/path", "https://evil.example/", "http:evil.example",
		"/\\evil.example", "\\\\evil.example", "/\t/evil.example", "/\n/evil.example", "javascript:alert(1)", "evil.example"} {
		t.Run("open redirect "+strings.ToValidUTF8(next, "?"), func(t *testing.T) {
			c := noFollow(t)
			res, err := c.Get(authHTTP.URL + "/login?next=" + url.QueryEscape(next))
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if !strings.Contains(string(b), `name="next" value="/"`) {
				t.Errorf("the sign-in form keeps next=%q", next)
			}
			res = postForm(t, c, "/login", url.Values{"login": {"t-viewer"}, "password": {authtest.Password}, "next": {next}})
			if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
				t.Fatalf("next=%q: %d to %q, want 303 to /", next, res.StatusCode, res.Header.Get("Location"))
			}
		})
	}
}

// postForm posts a form as the sign-in page does (same origin).
func postForm(t *testing.T, c *http.Client, path string, v url.Values) *http.Response {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, authHTTP.URL+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", authHTTP.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	res, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res
}

// TestLayoutSignedIn: every page shows who is signed in (name and role in
// the page's language), a sign-out form carrying the session's CSRF token,
// and the audit-log link only to the roles that may read the log.
func TestLayoutSignedIn(t *testing.T) {
	authServer(t)
	cases := []struct {
		role      lantian.Role
		path      string
		want      []string
		audit     bool
		notWanted []string
	}{
		{lantian.RoleLeader, "/ranking?year=2019", []string{"局领导"}, true, nil},
		{lantian.RoleLeader, "/ranking?year=2019&lang=en", []string{"bureau leader", ">Sign out<", ">Audit log<"}, true, []string{"退出登录"}},
		{lantian.RoleCounty, "/ledger", []string{"县（市、区）联络员", ">退出登录<"}, false, nil},
		{lantian.RoleViewer, "/realtime", []string{"只读用户"}, false, nil},
	}
	for _, tc := range cases {
		t.Run(string(tc.role)+" "+tc.path, func(t *testing.T) {
			c := authtest.SignIn(t, authSvc, authCast[tc.role], authSvc.SessionCookieName())
			req, _ := http.NewRequest(http.MethodGet, authHTTP.URL+tc.path, nil)
			c.Apply(req)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			body := string(b)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("status %d", res.StatusCode)
			}
			want := append([]string{`id="user"`, `action="/logout"`, `name="csrf_token" value="` + c.CSRF + `"`, authCast[tc.role].Name}, tc.want...)
			for _, s := range want {
				if !strings.Contains(body, s) {
					t.Errorf("missing %q", s)
				}
			}
			for _, s := range tc.notWanted {
				if strings.Contains(body, s) {
					t.Errorf("unexpected %q", s)
				}
			}
			if got := strings.Contains(body, `id="audit-link"`); got != tc.audit {
				t.Errorf("audit link shown: %v, want %v", got, tc.audit)
			}
		})
	}
}

// TestAuthErrorsMapped: errors that refuse the request for who makes it
// keep their meaning wherever a handler reports them: 401 with
// WWW-Authenticate, 403, 429 with Retry-After, each as the API's JSON error
// with a message that says what to do; a page sends the anonymous to sign
// in.
func TestAuthErrorsMapped(t *testing.T) {
	cases := []struct {
		name   string
		err    error
		status int
		code   string
		header string
	}{
		{"unauthenticated", lantian.Errorf(lantian.EUNAUTHENTICATED, "sign in or present an API token"), http.StatusUnauthorized, "unauthenticated", "WWW-Authenticate"},
		{"forbidden", fmt.Errorf("report on task 30: %w", lantian.Errorf(lantian.EFORBIDDEN, "t-viewer (viewer) may not create progress")), http.StatusForbidden, "forbidden", ""},
		{"throttled code", lantian.Errorf(lantian.ETHROTTLED, "too many failed logins: try again in 30 s"), http.StatusTooManyRequests, "throttled", ""},
		{"throttled error", &auth.ThrottledError{RetryAfter: 30 * time.Second}, http.StatusTooManyRequests, "throttled", "Retry-After"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/api/v1/plans/x/reports", nil)
			w := httptest.NewRecorder()
			testSrv.fail(w, r, tc.err)
			if w.Code != tc.status {
				t.Fatalf("status %d, want %d", w.Code, tc.status)
			}
			var e struct {
				Code, Message string
			}
			if err := json.Unmarshal(w.Body.Bytes(), &e); err != nil {
				t.Fatalf("body %q: %v", w.Body, err)
			}
			if e.Code != tc.code || len(e.Message) < 10 {
				t.Fatalf("error %+v, want code %s and a message", e, tc.code)
			}
			if tc.header != "" && w.Header().Get(tc.header) == "" {
				t.Errorf("no %s header", tc.header)
			}
		})
	}
	t.Run("page of the anonymous", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodGet, "/ledger?plan=x", nil)
		w := httptest.NewRecorder()
		testSrv.pageError(w, r, lantian.Errorf(lantian.EUNAUTHENTICATED, "sign in"))
		if w.Code != http.StatusSeeOther || w.Header().Get("Location") != "/login?next=%2Fledger%3Fplan%3Dx" {
			t.Fatalf("%d to %q", w.Code, w.Header().Get("Location"))
		}
	})
	t.Run("page refused", func(t *testing.T) {
		r := httptest.NewRequest(http.MethodGet, "/ledger", nil)
		r.Header.Set("Accept", "text/html")
		w := httptest.NewRecorder()
		testSrv.pageError(w, r, lantian.Errorf(lantian.EFORBIDDEN, "t-viewer (viewer) may not create progress"))
		if w.Code != http.StatusForbidden || !strings.Contains(w.Body.String(), "may not create progress") {
			t.Fatalf("%d: %.300s", w.Code, w.Body)
		}
	})
}

// TestInvalidValuesShown: Nanyang's 2019 items fall short of GB 3095 表4
// (343 of 365 valid days for PM2.5); the card and the assessment table
// still show the engine's value, marked and explained, and the export says
// the same in its validity column.
func TestInvalidValuesShown(t *testing.T) {
	_, b := get(t, "/api/v1/overview?year=2019&as_of=2019-12-31")
	var ov Overview
	if err := json.Unmarshal(b, &ov); err != nil {
		t.Fatal(err)
	}
	var pm ItemView
	for _, it := range ov.Cards[0].Items {
		if it.Pollutant == "pm25" {
			pm = it
		}
	}
	if pm.Valid || pm.Value.String() == "—" || pm.Compliant != nil {
		t.Fatalf("PM2.5 2019 of 411300: %+v, want an invalid value shown and not judged", pm)
	}
	tip := fmt.Sprintf("数据不足：有效天数 %d/%d", pm.Coverage.Valid, pm.Coverage.Expected)
	_, page := get(t, "/?year=2019&as_of=2019-12-31&lang=zh-CN")
	if !strings.Contains(string(page), `<span class="insufficient" title="`+tip) || !strings.Contains(string(page), `<td data-item="pm25"><span class="insufficient" title="`+tip) {
		t.Errorf("the card does not mark the invalid PM2.5 value with %q", tip)
	}
	_, csv := get(t, "/areas/411300?year=2019&lang=zh-CN&export=assessment&format=csv")
	found := false
	for _, line := range strings.Split(string(csv), "\n") {
		if strings.HasPrefix(line, "PM2.5 ") {
			found = true
			if !strings.Contains(line, ","+pm.Value.String()+",") || !strings.HasSuffix(strings.TrimSpace(line), ",数据不足") {
				t.Errorf("export row %q: want the value %s and 数据不足 in the validity column", line, pm.Value)
			}
		}
	}
	if !found {
		t.Errorf("no PM2.5 row in the export:\n%s", csv)
	}
	_, csv = get(t, "/?year=2019&as_of=2019-12-31&lang=zh-CN&export=targets&format=csv")
	if !strings.Contains(string(csv), "PM2.5 数据有效性") || !strings.Contains(string(csv), pm.Value.String()+",数据不足") {
		t.Errorf("overview export lacks the PM2.5 validity: %.600s", csv)
	}
}
