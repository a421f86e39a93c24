// Package auth is lantian's identity, authorisation and audit trail: who a
// request comes from (login sessions, API tokens), what that principal may
// do (one policy table over roles and the areas or departments of the
// object), and the hash-chained record of every change.
//
// Passwords are hashed with argon2id (RFC 9106) and compared in constant
// time; failed logins are throttled per account and per address. Session
// IDs and API tokens carry 256 random bits and are stored only as SHA-256
// hashes. Cross-origin state-changing requests are refused with
// net/http.CrossOriginProtection (Sec-Fetch-Site, Origin); session
// requests that carry neither header must present the session's CSRF token.
//
// The web server registers every route through a Router, which requires an
// authorisation Rule per route: a route without one cannot be added, and
// Router.Routes lets a test walk every route for every role.
package auth

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lantian-aq/lantian"
)

// Principal is the authenticated originator of a request: a user, and the
// API token it used (nil for a login session).
type Principal struct {
	User  lantian.User
	Token *lantian.Token
	// session is the ID hash of the login session; nil for tokens.
	session []byte
	csrf    string
}

// Via says how the principal authenticated, as the audit log records it.
func (p *Principal) Via() string {
	switch {
	case p == nil:
		return "anonymous"
	case p.Token != nil:
		return "token:" + p.Token.Prefix
	case p.session != nil:
		return "session"
	}
	return "cli"
}

// CSRFToken returns the token a session's browser requests present when
// they carry neither Sec-Fetch-Site nor Origin; "" for token principals.
func (p *Principal) CSRFToken() string { return p.csrf }

type ctxKey int

const (
	principalKey ctxKey = iota
	requestStateKey
)

// WithPrincipal returns ctx carrying p.
func WithPrincipal(ctx context.Context, p *Principal) context.Context {
	return context.WithValue(ctx, principalKey, p)
}

// PrincipalFrom returns the principal of ctx, or nil when the request is
// anonymous.
func PrincipalFrom(ctx context.Context) *Principal {
	p, _ := ctx.Value(principalKey).(*Principal)
	return p
}

// CLIPrincipal is the principal of the command line: an operator with
// shell access to the data directory, recorded in the audit log as
// cli:<OS user>.
func CLIPrincipal() *Principal {
	name := os.Getenv("USER")
	if name == "" {
		name = strconv.Itoa(os.Getuid())
	}
	return &Principal{User: lantian.User{Login: "cli:" + name, Role: lantian.RoleAdmin}}
}

// Config configures a Service. Zero fields take the documented defaults.
type Config struct {
	// Params are the argon2id parameters for new hashes (DefaultParams).
	Params Params
	// SessionIdle ends a session after this long without a request
	// (default 2 h); SessionMax after this long in any case (default 12 h,
	// one working day).
	SessionIdle time.Duration
	SessionMax  time.Duration
	// InsecureCookies leaves the Secure attribute off the session cookie,
	// for plain-HTTP development on a loopback address only. With Secure,
	// the cookie is named __Host-lantian_session, which browsers bind to
	// the exact origin.
	InsecureCookies bool
	// TrustedOrigins are other origins (scheme://host[:port]) allowed to
	// make state-changing requests, e.g. the public name behind a proxy
	// that rewrites Host.
	TrustedOrigins []string
	// ClientAddr returns the address a request comes from for throttling
	// and the audit log (default: the connection's remote address; set it
	// when behind a reverse proxy you trust).
	ClientAddr func(*http.Request) string
	// AccountThrottle and AddressThrottle tune login throttling.
	AccountThrottle, AddressThrottle ThrottleConfig
	// MaxConcurrentHashes bounds simultaneous password hashes, and so the
	// memory logins can take (Params.Memory each). Default 2.
	MaxConcurrentHashes int
	// PrincipalCacheTTL is how long a verified session or token is reused
	// without asking the store (default 5 s; negative: never). Changes made
	// through this service take effect at once; a token revoked or an
	// account disabled by another process (the command line) takes effect
	// within this time.
	PrincipalCacheTTL time.Duration
	// DemoSignIn lists the demo cast (DemoCast) with its published
	// passwords on the sign-in page. Set it only when the server runs on
	// the demo data, whose accounts exist for trying the platform out.
	DemoSignIn bool
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives security events (default slog.Default()).
	Logger *slog.Logger
}

// Service authenticates users and tokens, keeps sessions, and records
// changes in the audit log.
type Service struct {
	store    lantian.AuthStore
	audit    lantian.AuditLog
	cfg      Config
	throttle *Throttle
	hashes   chan struct{}
	cop      *http.CrossOriginProtection
	log      *slog.Logger

	dummyOnce sync.Once
	dummy     string // a hash to verify against for unknown logins

	auditMu sync.Mutex // orders appends from this process

	cacheMu sync.Mutex
	cache   map[string]cachedPrincipal // by credential hash
}

// cachedPrincipal is a verified credential, reused until expires.
type cachedPrincipal struct {
	p       Principal
	expires time.Time
}

// maxCached bounds the principal cache; when full it starts over.
const maxCached = 10_000

func (s *Service) cached(key []byte, now time.Time) *Principal {
	if s.cfg.PrincipalCacheTTL < 0 {
		return nil
	}
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	c, ok := s.cache[string(key)]
	if !ok || !now.Before(c.expires) {
		return nil
	}
	p := c.p
	return &p
}

func (s *Service) remember(key []byte, p *Principal, now time.Time) {
	if s.cfg.PrincipalCacheTTL < 0 {
		return
	}
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	if s.cache == nil || len(s.cache) >= maxCached {
		s.cache = map[string]cachedPrincipal{}
	}
	s.cache[string(key)] = cachedPrincipal{p: *p, expires: now.Add(s.cfg.PrincipalCacheTTL)}
}

// forget empties the principal cache; every change to accounts, sessions
// or tokens calls it, so that the change takes effect at the next request.
func (s *Service) forget() {
	s.cacheMu.Lock()
	s.cache = nil
	s.cacheMu.Unlock()
}

// New returns a Service over the stores.
func New(store lantian.AuthStore, audit lantian.AuditLog, cfg Config) (*Service, error) {
	if cfg.Params == (Params{}) {
		cfg.Params = DefaultParams
	}
	if cfg.SessionIdle == 0 {
		cfg.SessionIdle = 2 * time.Hour
	}
	if cfg.SessionMax == 0 {
		cfg.SessionMax = 12 * time.Hour
	}
	if cfg.ClientAddr == nil {
		cfg.ClientAddr = func(r *http.Request) string { return AddressKey(r.RemoteAddr) }
	}
	if cfg.AccountThrottle == (ThrottleConfig{}) {
		cfg.AccountThrottle = DefaultAccountThrottle
	}
	if cfg.AddressThrottle == (ThrottleConfig{}) {
		cfg.AddressThrottle = DefaultAddressThrottle
	}
	if cfg.MaxConcurrentHashes <= 0 {
		cfg.MaxConcurrentHashes = 2
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.PrincipalCacheTTL == 0 {
		cfg.PrincipalCacheTTL = 5 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	cop := http.NewCrossOriginProtection()
	for _, o := range cfg.TrustedOrigins {
		if err := cop.AddTrustedOrigin(o); err != nil {
			return nil, fmt.Errorf("trusted origin %q: %w", o, err)
		}
	}
	s := &Service{
		store:    store,
		audit:    audit,
		cfg:      cfg,
		throttle: NewThrottle(cfg.AccountThrottle, cfg.AddressThrottle, DefaultThrottleEntries),
		hashes:   make(chan struct{}, cfg.MaxConcurrentHashes),
		cop:      cop,
		log:      cfg.Logger,
	}
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, lantian.Errorf(lantian.EFORBIDDEN, "cross-origin request refused: state-changing requests must come from the platform's own pages"))
	}))
	return s, nil
}

// Store returns the user store the service works on.
func (s *Service) Store() lantian.AuthStore { return s.store }

// hash runs fn under the concurrency bound of password hashing.
func (s *Service) hash(ctx context.Context, fn func()) error {
	select {
	case s.hashes <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.hashes }()
	fn()
	return nil
}

// HashPassword checks the password policy and hashes the password for the
// login with the service's parameters.
func (s *Service) HashPassword(ctx context.Context, login, password string) (string, error) {
	if err := CheckPasswordPolicy(login, password); err != nil {
		return "", lantian.Errorf(lantian.EINVALID, "%v", err)
	}
	var h string
	var err error
	if e := s.hash(ctx, func() { h, err = HashPassword(password, s.cfg.Params) }); e != nil {
		return "", e
	}
	return h, err
}

// errBadLogin is the one answer to every failed login, so that it does not
// tell which logins exist.
var errBadLogin = lantian.Errorf(lantian.EUNAUTHENTICATED, "wrong login or password")

// ThrottledError is returned by Login while the account or address is
// locked out; RetryAfter says for how long.
type ThrottledError struct{ RetryAfter time.Duration }

func (e *ThrottledError) Error() string {
	return fmt.Sprintf("too many failed logins: try again in %d s", int(e.RetryAfter.Seconds()+0.999))
}

// Login checks a login and password and, if they match an enabled account,
// starts a new session and returns its ID (for the cookie) and the
// principal. Every login makes a new session ID, whatever the client sent
// before (no session fixation). Failures are throttled per account and per
// address; while throttled, Login returns a *ThrottledError without
// looking at the password.
func (s *Service) Login(ctx context.Context, login, password, remote, userAgent string) (string, *Principal, error) {
	now := s.cfg.Now()
	login = strings.ToLower(strings.TrimSpace(login))
	if d := s.throttle.Wait(login, remote, now); d > 0 {
		s.log.Warn("login throttled", "login", login, "remote", remote, "retry_after", d)
		return "", nil, &ThrottledError{RetryAfter: d}
	}
	var u *lantian.User
	var err error
	if (&lantian.User{Login: login, Role: lantian.RoleViewer}).Validate() == nil {
		// Only well-formed logins reach the store; others cannot exist.
		u, err = s.store.UserByLogin(ctx, login)
	}
	if err != nil && lantian.ErrorCode(err) != lantian.ENOTFOUND {
		return "", nil, fmt.Errorf("login %s: %w", login, err)
	}
	encoded := ""
	if u != nil {
		encoded = u.PasswordHash
	}
	if encoded == "" {
		// Spend the same time as a real check, so that response times do
		// not reveal which logins exist.
		s.dummyOnce.Do(func() { s.dummy, _ = HashPassword("lantian-no-such-user", s.cfg.Params) })
		encoded = s.dummy
	}
	var verr error
	if e := s.hash(ctx, func() { verr = VerifyPassword(encoded, password) }); e != nil {
		return "", nil, e
	}
	if u == nil || u.PasswordHash == "" || verr != nil || u.Disabled || u.Role == lantian.RoleMachine {
		if verr != nil && !errors.Is(verr, ErrPasswordMismatch) {
			s.log.Error("unreadable password hash", "login", login, "err", verr)
		}
		s.throttle.Fail(login, remote, now)
		s.log.Info("login failed", "login", login, "remote", remote)
		return "", nil, errBadLogin
	}
	s.throttle.Succeed(login)
	if NeedsRehash(u.PasswordHash, s.cfg.Params) {
		if h, err := s.HashPassword(ctx, u.Login, password); err == nil {
			u.PasswordHash = h
			if err := s.store.UpdateUser(ctx, u); err != nil {
				s.log.Error("storing upgraded password hash", "login", login, "err", err)
			}
		}
	}
	id := newSecret()
	sess := &lantian.Session{
		Hash:       hashSecret(id),
		UserID:     u.ID,
		CreatedAt:  now,
		LastSeenAt: now,
		ExpiresAt:  now.Add(s.cfg.SessionMax),
		Remote:     remote,
		UserAgent:  truncate(userAgent, 256),
	}
	if err := s.store.CreateSession(ctx, sess); err != nil {
		return "", nil, fmt.Errorf("starting session for %s: %w", login, err)
	}
	p := &Principal{User: *u, session: sess.Hash, csrf: csrfFor(sess.Hash)}
	if err := s.Record(ctx, p, Change{Action: "login", Kind: KindUser, Object: strconv.FormatInt(u.ID, 10), Remote: remote}); err != nil {
		return "", nil, err
	}
	return id, p, nil
}

// csrfFor derives a session's CSRF token from its ID hash: the hash is
// secret (only its own SHA-256 could be known to the database), so a
// second hash of it is unguessable and needs no storage.
func csrfFor(sessionHash []byte) string {
	return fmt.Sprintf("%x", hashSecret("lantian csrf\x00"+string(sessionHash)))[:43]
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}

// Logout ends the session with the ID. Ending an unknown session is not an
// error.
func (s *Service) Logout(ctx context.Context, p *Principal) error {
	if p == nil || p.session == nil {
		return nil
	}
	if err := s.store.DeleteSession(ctx, p.session); err != nil {
		return fmt.Errorf("ending session: %w", err)
	}
	s.forget()
	return s.Record(ctx, p, Change{Action: "logout", Kind: KindUser, Object: strconv.FormatInt(p.User.ID, 10)})
}

// touchEvery limits how often a session's or token's last use is written.
const touchEvery = time.Minute

// SessionPrincipal returns the principal of a session ID, or an
// EUNAUTHENTICATED error if the session does not exist, has expired
// (idle or absolute) or its user is disabled.
func (s *Service) SessionPrincipal(ctx context.Context, id string) (*Principal, error) {
	if len(id) != 43 {
		return nil, lantian.Errorf(lantian.EUNAUTHENTICATED, "no such session")
	}
	h := hashSecret(id)
	now := s.cfg.Now()
	if p := s.cached(h, now); p != nil {
		return p, nil
	}
	sess, err := s.store.SessionByHash(ctx, h)
	if lantian.ErrorCode(err) == lantian.ENOTFOUND {
		return nil, lantian.Errorf(lantian.EUNAUTHENTICATED, "session ended: sign in again")
	} else if err != nil {
		return nil, fmt.Errorf("reading session: %w", err)
	}
	if !now.Before(sess.ExpiresAt) || now.Sub(sess.LastSeenAt) >= s.cfg.SessionIdle {
		_ = s.store.DeleteSession(ctx, h)
		return nil, lantian.Errorf(lantian.EUNAUTHENTICATED, "session expired: sign in again")
	}
	u, err := s.store.UserByID(ctx, sess.UserID)
	if err != nil || u.Disabled {
		_ = s.store.DeleteSession(ctx, h)
		return nil, lantian.Errorf(lantian.EUNAUTHENTICATED, "account not available: sign in again")
	}
	if now.Sub(sess.LastSeenAt) >= touchEvery {
		if err := s.store.TouchSession(ctx, h, now); err != nil {
			s.log.Error("touching session", "user", u.Login, "err", err)
		}
	}
	p := &Principal{User: *u, session: h, csrf: csrfFor(h)}
	// Reused at most until the session's absolute expiry.
	if sess.ExpiresAt.Sub(now) > s.cfg.PrincipalCacheTTL {
		s.remember(h, p, now)
	}
	return p, nil
}

// TokenPrincipal returns the principal of an API token, or an
// EUNAUTHENTICATED error if it is malformed, unknown, expired or revoked,
// or its user is disabled.
func (s *Service) TokenPrincipal(ctx context.Context, token string) (*Principal, error) {
	prefix, err := parseToken(token)
	if err != nil {
		return nil, lantian.Errorf(lantian.EUNAUTHENTICATED, "malformed API token")
	}
	// The hash stays on the stack: this runs on every token request.
	sum := sha256.Sum256([]byte(token))
	th := sum[:]
	if p := s.cached(th, s.cfg.Now()); p != nil {
		return p, nil
	}
	t, err := s.store.TokenByPrefix(ctx, prefix)
	if lantian.ErrorCode(err) == lantian.ENOTFOUND {
		return nil, lantian.Errorf(lantian.EUNAUTHENTICATED, "unknown API token")
	} else if err != nil {
		return nil, fmt.Errorf("reading token: %w", err)
	}
	if !sameHash(t.Hash, th) {
		return nil, lantian.Errorf(lantian.EUNAUTHENTICATED, "unknown API token")
	}
	now := s.cfg.Now()
	if !t.Active(now) {
		return nil, lantian.Errorf(lantian.EUNAUTHENTICATED, "API token %s is revoked or expired", t.Prefix)
	}
	u, err := s.store.UserByID(ctx, t.UserID)
	if err != nil || u.Disabled {
		return nil, lantian.Errorf(lantian.EUNAUTHENTICATED, "API token %s: its account is not available", t.Prefix)
	}
	if now.Sub(t.LastUsedAt) >= touchEvery {
		if err := s.store.TouchToken(ctx, t.ID, now); err != nil {
			s.log.Error("touching token", "prefix", t.Prefix, "err", err)
		}
	}
	p := &Principal{User: *u, Token: t}
	if t.ExpiresAt.IsZero() || t.ExpiresAt.Sub(now) > s.cfg.PrincipalCacheTTL {
		s.remember(th, p, now)
	}
	return p, nil
}

// Sweep removes expired sessions; serve calls it periodically.
func (s *Service) Sweep(ctx context.Context) (int, error) {
	now := s.cfg.Now()
	return s.store.DeleteSessionsBefore(ctx, now, now.Add(-s.cfg.SessionIdle))
}
