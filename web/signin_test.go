package web

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

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
					Error struct{ Code, Message string }
				}
				if err := json.Unmarshal(b, &e); err != nil || e.Error.Code != "unauthenticated" || e.Error.Message == "" {
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
