package auth

import (
	"bytes"
	"crypto/subtle"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"

	"github.com/lantian-aq/lantian"
)

// Rule is the authorisation rule of one route. Make one with Public,
// Authenticated or Requires; the zero Rule is invalid, so a route cannot be
// registered without a decision.
type Rule struct {
	kind    ruleKind
	res     Kind
	action  Action
	resolve func(*http.Request) (Resource, error)
}

type ruleKind uint8

const (
	ruleInvalid ruleKind = iota
	rulePublic
	ruleAuthenticated
	ruleRequires
)

// Public admits everyone, signed in or not (sign-in itself, /healthz, the
// OpenAPI document, static assets).
func Public() Rule { return Rule{kind: rulePublic} }

// Authenticated admits any signed-in user or valid token (sign-out, "who am
// I").
func Authenticated() Rule { return Rule{kind: ruleAuthenticated} }

// Requires admits principals whose role the policy grants the action on
// the kind. Where the grant is scoped (own area, own department, self) the
// route-level check only says the role may act on some objects: either
// attach a resolver with Object, or the handler must call Check with the
// object's attributes before it changes anything. A state-changing request
// whose handler did neither answers 500 instead of its success, so a
// forgotten check fails every test that exercises it.
func Requires(k Kind, a Action) Rule {
	if _, ok := policy[k]; !ok {
		panic(fmt.Sprintf("auth.Requires: unknown resource kind %q", k))
	}
	return Rule{kind: ruleRequires, res: k, action: a}
}

// Object returns the rule with a resolver that loads the attributes of the
// object a request addresses (typically from r.PathValue), so that the
// Router makes the whole decision before the handler runs. A resolver
// error answers with its code (ENOTFOUND → 404).
func (r Rule) Object(resolve func(*http.Request) (Resource, error)) Rule {
	r.resolve = resolve
	return r
}

// Kind returns the resource kind of a Requires rule ("" otherwise).
func (r Rule) Kind() Kind { return r.res }

// Action returns the action of a Requires rule ("" otherwise).
func (r Rule) Action() Action { return r.action }

// IsPublic reports whether the rule admits anonymous requests.
func (r Rule) IsPublic() bool { return r.kind == rulePublic }

// String renders the rule for listings and test names.
func (r Rule) String() string {
	switch r.kind {
	case rulePublic:
		return "public"
	case ruleAuthenticated:
		return "authenticated"
	case ruleRequires:
		return string(r.res) + ":" + string(r.action)
	}
	return "invalid"
}

// Allows reports whether the rule admits a principal of the role at the
// route level (before object attributes): what a route × role test
// expects. Role "" means anonymous.
func (r Rule) Allows(role lantian.Role) bool {
	switch r.kind {
	case rulePublic:
		return true
	case ruleAuthenticated:
		return role != ""
	case ruleRequires:
		return role != "" && Permits(role, r.res, r.action)
	}
	return false
}

// Route is one registered route with its rule.
type Route struct {
	Pattern string // as given to http.ServeMux, "METHOD /path"
	Method  string // "" for a pattern without a method (public only)
	Path    string
	Rule    Rule
}

// Router is an http.ServeMux that takes every route together with its
// authorisation rule. It authenticates each request (API token in
// "Authorization: Bearer", else the session cookie), refuses cross-origin
// state-changing requests, enforces the route's rule, and makes sure every
// successful state-changing request leaves an audit entry.
type Router struct {
	svc    *Service
	mux    *http.ServeMux
	routes []Route
	seen   map[string]bool
}

// NewRouter returns an empty Router for the service.
func (s *Service) NewRouter() *Router {
	return &Router{svc: s, mux: http.NewServeMux(), seen: map[string]bool{}}
}

// Handle registers h for the pattern under the rule. It panics on a zero
// rule, on a non-public route without a method in its pattern (the method
// decides what the request does), on a safe method (GET, HEAD) declaring
// anything but Read, and on a duplicate pattern.
func (rt *Router) Handle(pattern string, rule Rule, h http.Handler) {
	method, path, hasMethod := strings.Cut(pattern, " ")
	if !hasMethod {
		method, path = "", pattern
	}
	switch {
	case rule.kind == ruleInvalid:
		panic("auth.Router: route " + pattern + " has no authorisation rule")
	case method == "" && rule.kind != rulePublic:
		panic("auth.Router: route " + pattern + " needs a method in its pattern")
	case (method == http.MethodGet || method == http.MethodHead) && rule.kind == ruleRequires && rule.action != Read:
		panic("auth.Router: " + pattern + " is a safe method but declares " + string(rule.action))
	case rt.seen[pattern]:
		panic("auth.Router: duplicate route " + pattern)
	}
	rt.seen[pattern] = true
	rt.routes = append(rt.routes, Route{Pattern: pattern, Method: method, Path: strings.TrimSpace(path), Rule: rule})
	rt.mux.Handle(pattern, rt.guard(rule, h))
}

// HandleFunc registers a handler function; see Handle.
func (rt *Router) HandleFunc(pattern string, rule Rule, h func(http.ResponseWriter, *http.Request)) {
	rt.Handle(pattern, rule, http.HandlerFunc(h))
}

// Routes returns every registered route in registration order.
func (rt *Router) Routes() []Route { return slices.Clone(rt.routes) }

// Service returns the service the router authenticates with.
func (rt *Router) Service() *Service { return rt.svc }

// sessionCookie returns the cookie name: the __Host- prefix makes browsers
// insist on Secure, Path=/ and no Domain, so that no sibling subdomain can
// plant or read the cookie.
func (s *Service) sessionCookie() string { return s.SessionCookieName() }

// SessionCookieName is the name of the session cookie.
func (s *Service) SessionCookieName() string {
	if s.cfg.InsecureCookies {
		return "lantian_session"
	}
	return "__Host-lantian_session"
}

// CSRFHeader is the request header carrying the CSRF token; HTML forms send
// it as the form field csrf_token instead.
const CSRFHeader = "X-CSRF-Token"

// requestState is what the Router knows about a request in flight.
type requestState struct {
	svc          *Service
	req          *http.Request // as it reached the Router, for remoteAddr
	remoteOnce   sync.Once
	remote       string // remoteAddr's answer once asked
	needsObject  bool   // a scoped grant admitted the request: the handler must Check
	objectDone   bool
	audited      bool
	body         *bytes.Buffer // copy of a state-changing request's body, for the generic audit entry
	bodyOverflow bool
}

// ServeHTTP authenticates and dispatches the request.
func (rt *Router) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s := rt.svc
	if err := s.cop.Check(r); err != nil {
		writeError(w, r, lantian.Errorf(lantian.EFORBIDDEN, "cross-origin request refused: state-changing requests must come from the platform's own pages"))
		return
	}
	st := &requestState{svc: s, req: r}
	ctx := r.Context()
	var p *Principal
	if authz := r.Header.Get("Authorization"); authz != "" {
		scheme, tok, _ := strings.Cut(authz, " ")
		if !strings.EqualFold(scheme, "Bearer") {
			writeError(w, r, lantian.Errorf(lantian.EUNAUTHENTICATED, "Authorization: expected \"Bearer lt_…\" with an API token"))
			return
		}
		var err error
		if p, err = s.TokenPrincipal(ctx, strings.TrimSpace(tok)); err != nil {
			writeError(w, r, err)
			return
		}
	} else if c, err := r.Cookie(s.sessionCookie()); err == nil && c.Value != "" {
		p, err = s.SessionPrincipal(ctx, c.Value)
		if err != nil {
			if lantian.ErrorCode(err) != lantian.EUNAUTHENTICATED {
				writeError(w, r, err)
				return
			}
			// A stale cookie: drop it and continue anonymously.
			s.clearCookie(w)
			p = nil
		}
		if p != nil && !safeMethod(r.Method) && !browserMarked(r) {
			// A cookie-authenticated state-changing request without
			// Sec-Fetch-Site or Origin is not from a current browser's
			// page; it must prove it read the CSRF token.
			got := r.Header.Get(CSRFHeader)
			if got == "" && strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
				got = r.PostFormValue("csrf_token")
			}
			if subtle.ConstantTimeCompare([]byte(got), []byte(p.csrf)) != 1 {
				writeError(w, r, lantian.Errorf(lantian.EFORBIDDEN, "missing or wrong CSRF token (header %s)", CSRFHeader))
				return
			}
		}
	}
	if p != nil {
		ctx = WithPrincipal(ctx, p)
	}
	ctx = contextWithState(ctx, st)
	rt.mux.ServeHTTP(w, r.WithContext(ctx))
}

// remoteAddr returns the client address of the request (Config.ClientAddr),
// worked out when the audit log first needs it rather than for every read.
func (st *requestState) remoteAddr() string {
	st.remoteOnce.Do(func() { st.remote = st.svc.cfg.ClientAddr(st.req) })
	return st.remote
}

func safeMethod(m string) bool {
	return m == http.MethodGet || m == http.MethodHead || m == http.MethodOptions
}

// browserMarked reports whether the request carries the headers browsers
// add and pages cannot forge, which CrossOriginProtection has checked.
func browserMarked(r *http.Request) bool {
	return r.Header.Get("Sec-Fetch-Site") != "" || r.Header.Get("Origin") != ""
}

// guard wraps a route's handler with its rule.
func (rt *Router) guard(rule Rule, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		st, _ := r.Context().Value(requestStateKey).(*requestState)
		if st == nil {
			writeError(w, r, fmt.Errorf("route %s served outside its Router", r.Pattern))
			return
		}
		p := PrincipalFrom(r.Context())
		switch rule.kind {
		case rulePublic:
		case ruleAuthenticated, ruleRequires:
			if p == nil {
				if wantsPage(r) {
					http.Redirect(w, r, LoginPath+"?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
					return
				}
				writeError(w, r, lantian.Errorf(lantian.EUNAUTHENTICATED, "sign in or present an API token"))
				return
			}
		}
		if rule.kind == ruleRequires {
			if rule.resolve != nil {
				res, err := rule.resolve(r)
				if err != nil {
					writeError(w, r, err)
					return
				}
				res.Kind = rule.res
				if err := Authorize(p, rule.action, res); err != nil {
					writeError(w, r, err)
					return
				}
			} else {
				g := GrantFor(p.User.Role, rule.res, rule.action)
				if g == Deny || g == Any {
					// Decided here: the object does not matter.
					if err := Authorize(p, rule.action, Resource{Kind: rule.res}); err != nil {
						writeError(w, r, err)
						return
					}
				} else {
					if p.Token != nil && !ScopeAllows(p.Token.Scopes, rule.res, rule.action) {
						writeError(w, r, Authorize(p, rule.action, Resource{Kind: rule.res, Owner: p.User.ID, Areas: p.User.Areas, Departments: p.User.Departments}))
						return
					}
					st.needsObject = true
				}
			}
		}
		unsafe := !safeMethod(r.Method)
		if unsafe && rule.kind != rulePublic && r.Body != nil && r.Body != http.NoBody {
			st.body = &bytes.Buffer{}
			r.Body = &teeBody{rc: r.Body, st: st}
		}
		sw := &statusWriter{ResponseWriter: w, st: st, unsafe: unsafe}
		h.ServeHTTP(sw, r)
		if !sw.wrote {
			sw.WriteHeader(http.StatusOK)
		}
		if unsafe && rule.kind == ruleRequires && sw.status < 300 && !st.audited {
			rt.recordGeneric(r, rule, st, sw.status)
		}
	})
}

// wantsPage reports whether a request is for a page of the dashboard,
// which an anonymous browser is better sent to the sign-in form for than
// answered with a JSON 401: any GET or HEAD outside the API and the
// operations endpoints, unless the client asks for JSON and not for HTML
// (a program that happens to call a page URL keeps the API's answer).
func wantsPage(r *http.Request) bool {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		return false
	}
	if p := r.URL.Path; strings.HasPrefix(p, "/api/") || p == "/metrics" || p == "/healthz" {
		return false
	}
	accept := r.Header.Get("Accept")
	return strings.Contains(accept, "text/html") || !strings.Contains(accept, "json")
}

// recordGeneric records a successful state-changing request whose handler
// recorded nothing: the route, the status and the request body.
func (rt *Router) recordGeneric(r *http.Request, rule Rule, st *requestState, status int) {
	var body any
	if st.body != nil && st.body.Len() > 0 {
		b := st.body.Bytes()
		if st.bodyOverflow {
			body = map[string]any{"truncated": true, "prefix": truncate(string(b), 1024)}
		} else {
			body = json.RawMessage(b)
		}
	}
	obj := r.URL.Path
	if id := r.PathValue("id"); id != "" {
		obj = id
	}
	err := rt.svc.Record(r.Context(), PrincipalFrom(r.Context()), Change{
		Action: string(rule.action),
		Kind:   rule.res,
		Object: obj,
		After:  map[string]any{"route": r.Pattern, "path": r.URL.Path, "status": status, "request": body},
		Remote: st.remoteAddr(),
	})
	if err != nil {
		rt.svc.log.Error("audit: recording request", "route", r.Pattern, "err", err)
	}
}

// teeBody copies what the handler reads of a request body, up to
// maxAuditBody, for the generic audit entry.
type teeBody struct {
	rc io.ReadCloser
	st *requestState
}

func (t *teeBody) Read(p []byte) (int, error) {
	n, err := t.rc.Read(p)
	if n > 0 {
		if room := maxAuditBody - t.st.body.Len(); room > 0 {
			t.st.body.Write(p[:min(n, room)])
			if n > room {
				t.st.bodyOverflow = true
			}
		} else {
			t.st.bodyOverflow = true
		}
	}
	return n, err
}

func (t *teeBody) Close() error { return t.rc.Close() }

// statusWriter records the status and refuses to report success for a
// state-changing request admitted by a scoped grant whose handler never
// checked the object.
type statusWriter struct {
	http.ResponseWriter
	st     *requestState
	unsafe bool
	status int
	wrote  bool
}

func (w *statusWriter) WriteHeader(code int) {
	if w.wrote {
		return
	}
	w.wrote = true
	if w.unsafe && code < 300 && w.st.needsObject && !w.st.objectDone {
		w.st.svc.log.Error("authorisation: handler changed state without checking the object (call auth.Check)")
		code = http.StatusInternalServerError
		w.status = code
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.ResponseWriter.WriteHeader(code)
		_, _ = io.WriteString(w.ResponseWriter, `{"code":"internal","message":"authorisation of the object was not checked"}`+"\n")
		w.ResponseWriter = discard{w.ResponseWriter}
		return
	}
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (flush,
// deadlines).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// discard swallows the body after a refused success.
type discard struct{ http.ResponseWriter }

func (discard) Write(b []byte) (int, error) { return len(b), nil }
func (discard) WriteHeader(int)             {}

// Check authorises the action on the object for the request's principal;
// handlers of routes whose grant may be scoped call it with the object's
// attributes once they have loaded or decoded it, before changing
// anything. It returns nil or an EUNAUTHENTICATED / EFORBIDDEN error to
// answer with.
func Check(r *http.Request, a Action, res Resource) error {
	err := Authorize(PrincipalFrom(r.Context()), a, res)
	if st, ok := r.Context().Value(requestStateKey).(*requestState); ok && err == nil {
		st.objectDone = true
	}
	return err
}

func (s *Service) clearCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: s.sessionCookie(), Value: "", Path: "/", MaxAge: -1,
		Secure: !s.cfg.InsecureCookies, HttpOnly: true, SameSite: http.SameSiteLaxMode})
}

func (s *Service) setCookie(w http.ResponseWriter, id string) {
	http.SetCookie(w, &http.Cookie{
		Name:     s.sessionCookie(),
		Value:    id,
		Path:     "/",
		MaxAge:   int(s.cfg.SessionMax.Seconds()),
		Secure:   !s.cfg.InsecureCookies,
		HttpOnly: true,
		// Lax: the cookie rides on top-level navigations from links (a
		// bulletin e-mail linking the dashboard) but on no cross-site
		// POST, fetch or frame.
		SameSite: http.SameSiteLaxMode,
	})
}

// HTTPStatus maps a domain error code to its HTTP status.
func HTTPStatus(err error) int {
	var te *ThrottledError
	if errorsAs(err, &te) {
		return http.StatusTooManyRequests
	}
	switch lantian.ErrorCode(err) {
	case lantian.EUNAUTHENTICATED:
		return http.StatusUnauthorized
	case lantian.EFORBIDDEN:
		return http.StatusForbidden
	case lantian.ENOTFOUND:
		return http.StatusNotFound
	case lantian.EINVALID:
		return http.StatusBadRequest
	case lantian.ECONFLICT:
		return http.StatusConflict
	case lantian.ETHROTTLED:
		return http.StatusTooManyRequests
	}
	return http.StatusInternalServerError
}

// writeError answers with the JSON error shape of the whole API (the same
// as the web package's): {"code":…,"message":…}.
func writeError(w http.ResponseWriter, r *http.Request, err error) {
	status := HTTPStatus(err)
	code, msg := lantian.ErrorCode(err), lantian.ErrorMessage(err)
	var te *ThrottledError
	if errorsAs(err, &te) {
		code, msg = lantian.ETHROTTLED, te.Error()
		w.Header().Set("Retry-After", fmt.Sprint(int(te.RetryAfter.Seconds()+0.999)))
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="lantian"`)
	}
	if status == http.StatusInternalServerError {
		slogFrom(r).Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
	if status == http.StatusForbidden && wantsPage(r) {
		renderPage(w, status, "denied.html", map[string]any{"Status": status, "Message": msg})
		return
	}
	writeJSON(w, status, map[string]string{"code": code, "message": msg})
}

// WriteError answers a request with err as the API's JSON error, with the
// status its code maps to; handlers use it for Check's errors.
func WriteError(w http.ResponseWriter, r *http.Request, err error) { writeError(w, r, err) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(true)
	_ = enc.Encode(v)
}
