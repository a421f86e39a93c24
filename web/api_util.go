package web

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/auth"
	"github.com/lantian-aq/lantian/standard"
)

// API error codes. Every error response is {"code": …, "message": …}; the
// message says what to change.
const (
	codeBadRequest = "bad_request"
	codeNotFound   = "not_found"
	codeConflict   = "conflict"
	codeInternal   = "internal"
)

// apiError is the JSON body of every error response.
type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// userError is an input error raised by the server itself (bad query
// parameter); it maps to 400.
type userError struct{ msg string }

func (e *userError) Error() string { return e.msg }

func badRequest(format string, args ...any) error {
	return &userError{msg: sprintf(format, args...)}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		slog.Error("encoding JSON response", "err", err)
		status = http.StatusInternalServerError
		buf.Reset()
		buf.WriteString(`{"code":"internal","message":"the response could not be encoded"}` + "\n")
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func writeError(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, apiError{Code: code, Message: msg})
}

// fail writes err as a JSON error: input errors and domain errors with
// their message, anything else as 500 with the details only in the log.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var ue *userError
	if errors.As(err, &ue) {
		writeError(w, http.StatusBadRequest, codeBadRequest, ue.msg)
		return
	}
	if isAuthError(err) {
		// The same answer as when the Router refuses a request itself:
		// 401 with WWW-Authenticate, 403, 429 with Retry-After.
		auth.WriteError(w, r, err)
		return
	}
	switch lantian.ErrorCode(err) {
	case lantian.ENOTFOUND:
		writeError(w, http.StatusNotFound, codeNotFound, lantian.ErrorMessage(err))
	case lantian.EINVALID:
		writeError(w, http.StatusBadRequest, codeBadRequest, lantian.ErrorMessage(err))
	case lantian.ECONFLICT:
		writeError(w, http.StatusConflict, codeConflict, lantian.ErrorMessage(err))
	default:
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "query", r.URL.RawQuery, "err", err)
		writeError(w, http.StatusInternalServerError, codeInternal, "the server could not answer this request; the details are in the server log")
	}
}

// isAuthError reports whether err refuses the request for who makes it
// (no or bad credentials, not allowed, too many failed sign-ins) rather
// than for what it asks.
func isAuthError(err error) bool {
	var te *auth.ThrottledError
	if errors.As(err, &te) {
		return true
	}
	switch lantian.ErrorCode(err) {
	case lantian.EUNAUTHENTICATED, lantian.EFORBIDDEN, lantian.ETHROTTLED:
		return true
	}
	return false
}

// ---- query parameters ----

func queryInt(r *http.Request, name string, def, lo, hi int) (int, error) {
	v := strings.TrimSpace(r.URL.Query().Get(name))
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		return 0, badRequest("query parameter %s=%q: want a whole number from %d to %d", name, v, lo, hi)
	}
	return n, nil
}

// queryDate parses a calendar day (2019-06-30) in Beijing time.
func queryDate(r *http.Request, name string) (time.Time, bool, error) {
	v := strings.TrimSpace(r.URL.Query().Get(name))
	if v == "" {
		return time.Time{}, false, nil
	}
	t, err := time.ParseInLocation("2006-01-02", v, standard.Beijing)
	if err != nil {
		return time.Time{}, false, badRequest("query parameter %s=%q: want a date such as 2019-06-30", name, v)
	}
	return t, true, nil
}

// queryTime parses an ISO 8601 instant (2019-01-01T08:00:00+08:00) or a
// date (midnight Beijing time).
func queryTime(r *http.Request, name string) (time.Time, bool, error) {
	v := strings.TrimSpace(r.URL.Query().Get(name))
	if v == "" {
		return time.Time{}, false, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t.In(standard.Beijing), true, nil
	}
	if t, err := time.ParseInLocation("2006-01-02T15:04", v, standard.Beijing); err == nil {
		return t, true, nil
	}
	if t, err := time.ParseInLocation("2006-01-02", v, standard.Beijing); err == nil {
		return t, true, nil
	}
	return time.Time{}, false, badRequest("query parameter %s=%q: want an ISO 8601 time such as 2019-01-01T08:00:00+08:00 or a date such as 2019-01-01", name, v)
}

// ---- cursors ----

// A cursor is the opaque position after which the next page starts: the
// base64url of "station|RFC3339 time" for observations, or of a code for
// lists.
func encodeCursor(parts ...string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strings.Join(parts, "|")))
}

func decodeCursor(c string, n int) ([]string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return nil, badRequest("query parameter cursor=%q is not a cursor this server issued; start again without it", c)
	}
	parts := strings.Split(string(b), "|")
	if len(parts) != n {
		return nil, badRequest("query parameter cursor=%q is not a cursor this server issued; start again without it", c)
	}
	return parts, nil
}

// ---- the cache of derived views ----

// cache keeps derived views for a while. Concurrent requests for the same
// key wait for one computation instead of repeating it.
type cache struct {
	ttl time.Duration
	max int
	mu  sync.Mutex
	m   map[string]*cacheEntry
}

type cacheEntry struct {
	done    chan struct{}
	val     any
	err     error
	expires time.Time
}

func newCache(ttl time.Duration, max int) *cache {
	return &cache{ttl: ttl, max: max, m: map[string]*cacheEntry{}}
}

func (c *cache) clear() {
	c.mu.Lock()
	c.m = map[string]*cacheEntry{}
	c.mu.Unlock()
}

// get returns the cached value for key or computes it with f. Errors are
// not cached.
func (c *cache) get(key string, f func() (any, error)) (any, error) {
	now := time.Now()
	c.mu.Lock()
	if e, ok := c.m[key]; ok {
		select {
		case <-e.done:
			if now.Before(e.expires) && e.err == nil {
				c.mu.Unlock()
				return e.val, nil
			}
		default:
			c.mu.Unlock()
			<-e.done
			return e.val, e.err
		}
	}
	if len(c.m) >= c.max {
		for k, e := range c.m { // drop expired entries, or everything
			select {
			case <-e.done:
				if now.After(e.expires) || len(c.m) >= c.max {
					delete(c.m, k)
				}
			default:
			}
		}
	}
	e := &cacheEntry{done: make(chan struct{})}
	c.m[key] = e
	c.mu.Unlock()
	e.val, e.err = f()
	e.expires = time.Now().Add(c.ttl)
	close(e.done)
	if e.err != nil {
		c.mu.Lock()
		if c.m[key] == e {
			delete(c.m, key)
		}
		c.mu.Unlock()
	}
	return e.val, e.err
}

// cached is cache.get with the value's type.
func cached[T any](s *Server, key string, f func() (T, error)) (T, error) {
	v, err := s.cache.get(key, func() (any, error) { return f() })
	if err != nil {
		var zero T
		return zero, err
	}
	return v.(T), nil
}

// encodedJSON is a view encoded once, served many times: the JSON and
// its gzip compression.
type encodedJSON struct{ raw, gz []byte }

// serveCachedJSON writes the JSON of the view compute returns, encoding
// and compressing it once per cache lifetime: the views behind the busiest
// endpoints are large (a station-year of daily statistics is ~100 kB), and
// encoding or compressing them on every request would cost more than
// serving them from the cache.
func (s *Server) serveCachedJSON(w http.ResponseWriter, r *http.Request, key string, compute func() (any, error)) {
	b, err := cached(s, "json|"+key, func() (*encodedJSON, error) {
		v, err := compute()
		if err != nil {
			return nil, err
		}
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return nil, err
		}
		var gz bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&gz, gzip.BestSpeed)
		if _, err := zw.Write(buf.Bytes()); err != nil {
			return nil, err
		}
		if err := zw.Close(); err != nil {
			return nil, err
		}
		return &encodedJSON{raw: buf.Bytes(), gz: gz.Bytes()}, nil
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Vary", "Accept-Encoding")
	body := b.raw
	if acceptsGzip(r) {
		h.Set("Content-Encoding", "gzip")
		body = b.gz
	}
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(body)
}

// acceptsGzip reports whether the client accepts a gzip response body.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(enc), "gzip") && strings.TrimSpace(q) != "q=0" {
			return true
		}
	}
	return false
}
