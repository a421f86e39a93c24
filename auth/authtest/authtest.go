// Package authtest helps test servers built on auth.Router: it creates one
// signed-in principal per role and walks every route of a router for every
// role, checking each answer against a table of expected outcomes written
// by hand. A route the table does not mention fails the walk, so a route
// cannot be added without someone deciding who may use it.
package authtest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/auth"
)

// Anonymous is the pseudo-role of a request without credentials.
const Anonymous lantian.Role = ""

// Password is the password of every Cast member (except the machine client).
const Password = "authtest-password-1"

// FastParams are argon2id parameters cheap enough for tests under -race.
var FastParams = auth.Params{Memory: 256, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// Cast creates one user per role in the service's store (county officer of
// 411330 桐柏县, department officer of plan department "ecology") and a
// token for the machine client with every scope its role can use. It
// returns the users by role.
func Cast(t testing.TB, svc *auth.Service) map[lantian.Role]*lantian.User {
	t.Helper()
	ctx := context.Background()
	out := map[lantian.Role]*lantian.User{}
	for _, r := range lantian.Roles() {
		u := &lantian.User{Login: "t-" + string(r), Name: "test " + string(r), Role: r}
		switch r {
		case lantian.RoleCounty:
			u.Areas = []string{"411330"}
		case lantian.RoleDepartment:
			u.Departments = []string{"ecology"}
		}
		pw := Password
		if r == lantian.RoleMachine {
			pw = ""
		}
		if err := svc.CreateUser(ctx, nil, u, pw); err != nil {
			t.Fatalf("cast %s: %v", r, err)
		}
		out[r] = u
	}
	return out
}

// MachineScopes are the scopes the machine client's token gets: every kind
// its role may write, and reading everything.
func MachineScopes() []lantian.Scope {
	s := []lantian.Scope{"*:read"}
	for _, k := range auth.Kinds() {
		if auth.Permits(lantian.RoleMachine, k, auth.Create) || auth.Permits(lantian.RoleMachine, k, auth.Update) {
			s = append(s, lantian.Scope(string(k)+":write"))
		}
	}
	return s
}

// Credentials authenticate test requests as one user.
type Credentials struct {
	Cookie *http.Cookie // a session cookie, or nil
	Bearer string       // an API token, or ""
	CSRF   string
}

// Apply adds the credentials to a request; for state-changing requests it
// also sets Origin to the request's own origin, as a browser page of the
// platform would.
func (c Credentials) Apply(r *http.Request) {
	if c.Cookie != nil {
		r.AddCookie(c.Cookie)
	}
	if c.Bearer != "" {
		r.Header.Set("Authorization", "Bearer "+c.Bearer)
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		r.Header.Set("Origin", "http://"+r.Host)
		r.Header.Set("Sec-Fetch-Site", "same-origin")
	}
}

// SignIn returns fresh credentials for the user: a new session for people,
// a new token for the machine client.
func SignIn(t testing.TB, svc *auth.Service, u *lantian.User, cookieName string) Credentials {
	t.Helper()
	ctx := context.Background()
	if u.Role == lantian.RoleMachine {
		tok, _, err := svc.CreateToken(ctx, nil, u.ID, "authtest", MachineScopes(), time.Hour)
		if err != nil {
			t.Fatalf("token for %s: %v", u.Login, err)
		}
		return Credentials{Bearer: tok}
	}
	id, p, err := svc.Login(ctx, u.Login, Password, "192.0.2.200", "authtest")
	if err != nil {
		t.Fatalf("login %s: %v", u.Login, err)
	}
	return Credentials{Cookie: &http.Cookie{Name: cookieName, Value: id}, CSRF: p.CSRFToken()}
}

// Expect maps each route pattern to the roles that may use it, as a
// space-separated list of role names; "public" means everyone including
// anonymous requests, "signed-in" every role. Write it by hand from what
// the platform should allow; never compute it from the policy.
type Expect map[string]string

func (e Expect) allowed(pattern string, role lantian.Role) (bool, error) {
	spec, ok := e[pattern]
	if !ok {
		return false, fmt.Errorf("route %s has no expected outcome: add it to the route × role table", pattern)
	}
	words := strings.Fields(spec)
	switch {
	case slices.Contains(words, "public"):
		return true, nil
	case slices.Contains(words, "signed-in"):
		return role != Anonymous, nil
	}
	for _, w := range words {
		if !lantian.Role(w).Valid() {
			return false, fmt.Errorf("route %s: %q is not a role", pattern, w)
		}
	}
	return role != Anonymous && slices.Contains(words, string(role)), nil
}

// CheckTable checks, without requests, that every route has an
// expectation, that the table names no route the router lacks, and that
// each route's rule admits exactly the expected roles at the route level.
// Routes whose rule admits a role only for its own objects are checked by
// Walk, which sees the handler's object check.
func CheckTable(t *testing.T, routes []auth.Route, want Expect) {
	t.Helper()
	have := map[string]bool{}
	for _, rt := range routes {
		have[rt.Pattern] = true
	}
	var extra []string
	for p := range want {
		if !have[p] {
			extra = append(extra, p)
		}
	}
	sort.Strings(extra)
	for _, p := range extra {
		t.Errorf("the route × role table names %s, which the router lacks", p)
	}
	for _, rt := range routes {
		for _, role := range append([]lantian.Role{Anonymous}, lantian.Roles()...) {
			ok, err := want.allowed(rt.Pattern, role)
			if err != nil {
				t.Error(err)
				break
			}
			if ok && !rt.Rule.Allows(role) {
				t.Errorf("%s (%s): expected %s to be allowed, the rule denies it", rt.Pattern, rt.Rule, roleName(role))
			}
			if !ok && rt.Rule.Allows(role) && !scoped(rt.Rule, role) {
				t.Errorf("%s (%s): expected %s to be denied, the rule allows it", rt.Pattern, rt.Rule, roleName(role))
			}
		}
	}
}

func scoped(r auth.Rule, role lantian.Role) bool {
	if r.Kind() == "" || role == Anonymous {
		return false
	}
	g := auth.GrantFor(role, r.Kind(), r.Action())
	return g != auth.Any && g != auth.Deny
}

func roleName(r lantian.Role) string {
	if r == Anonymous {
		return "anonymous"
	}
	return string(r)
}

// Walk sends one request per route and role to the server at base and
// checks the outcome: an allowed role must not get 401 or 403, a denied
// one must get 403 (401 when anonymous). Path parameters are filled from
// params (by name, default "1"); state-changing requests carry body
// (default "{}"). signIn returns fresh credentials per request, so that a
// sign-out route does not spoil the next request.
func Walk(t *testing.T, base string, routes []auth.Route, want Expect, params map[string]string, body func(route string) string,
	signIn func(lantian.Role) Credentials) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, rt := range routes {
		method := rt.Method
		if method == "" {
			method = http.MethodGet
		}
		path := fillPath(rt.Path, params)
		for _, role := range append([]lantian.Role{Anonymous}, lantian.Roles()...) {
			ok, err := want.allowed(rt.Pattern, role)
			if err != nil {
				t.Error(err)
				break
			}
			t.Run(rt.Pattern+"/"+roleName(role), func(t *testing.T) {
				var rd io.Reader
				if method != http.MethodGet && method != http.MethodHead {
					b := "{}"
					if body != nil {
						if x := body(rt.Pattern); x != "" {
							b = x
						}
					}
					rd = strings.NewReader(b)
				}
				req, err := http.NewRequest(method, base+path, rd)
				if err != nil {
					t.Fatal(err)
				}
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Accept", "application/json")
				if role != Anonymous {
					signIn(role).Apply(req)
				}
				resp, err := client.Do(req)
				if err != nil {
					t.Fatal(err)
				}
				msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
				resp.Body.Close()
				denied := resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden
				switch {
				case ok && denied:
					t.Errorf("%s %s as %s: %d, want allowed (%s)", method, path, roleName(role), resp.StatusCode, msg)
				case !ok && role == Anonymous && resp.StatusCode != http.StatusUnauthorized:
					t.Errorf("%s %s anonymous: %d, want 401 (%s)", method, path, resp.StatusCode, msg)
				case !ok && role != Anonymous && resp.StatusCode != http.StatusForbidden:
					t.Errorf("%s %s as %s: %d, want 403 (%s)", method, path, roleName(role), resp.StatusCode, msg)
				}
			})
		}
	}
}

func fillPath(path string, params map[string]string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(path, '{')
		if i < 0 {
			b.WriteString(path)
			break
		}
		j := strings.IndexByte(path[i:], '}')
		if j < 0 {
			b.WriteString(path)
			break
		}
		b.WriteString(path[:i])
		name := strings.TrimSuffix(path[i+1:i+j], "...")
		if name == "$" {
			path = path[i+j+1:]
			continue
		}
		v, ok := params[name]
		if !ok {
			v = "1"
		}
		b.WriteString(url.PathEscape(v))
		path = path[i+j+1:]
	}
	return b.String()
}
