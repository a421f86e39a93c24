package web

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
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

// queryValue returns the first value of the query parameter, as
// r.URL.Query().Get(name) does, without building the map of every
// parameter: the busiest endpoints read one or two parameters per request.
// Like url.ParseQuery it skips pairs containing ';' and pairs whose name
// or value is not properly escaped.
func queryValue(r *http.Request, name string) string {
	q := r.URL.RawQuery
	for q != "" {
		var pair string
		pair, q, _ = strings.Cut(q, "&")
		if pair == "" || strings.Contains(pair, ";") {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		if k != name {
			if !strings.ContainsAny(k, "%+") {
				continue
			}
			if uk, err := url.QueryUnescape(k); err != nil || uk != name {
				continue
			}
		}
		if !strings.ContainsAny(v, "%+") {
			return v
		}
		if uv, err := url.QueryUnescape(v); err == nil {
			return uv
		}
	}
	return ""
}

func queryInt(r *http.Request, name string, def, lo, hi int) (int, error) {
	v := strings.TrimSpace(queryValue(r, name))
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
	v := strings.TrimSpace(queryValue(r, name))
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
	v := strings.TrimSpace(queryValue(r, name))
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

// encodedJSON is a view encoded once, served many times: the JSON, its
// gzip compression, and the entity tag of each.
type encodedJSON struct {
	raw, gz         []byte
	rawTag, gzTag   string
	rawLen, gzLen   []string // Content-Length values
	rawETag, gzETag []string // ETag values
}

// Header values shared by every cached JSON answer. net/http only reads
// them; assigning them to the header map spares the canonicalisation and
// the allocation of Header.Set on the busiest endpoints.
var (
	jsonContentType = []string{"application/json; charset=utf-8"}
	varyEncoding    = []string{"Accept-Encoding"}
	gzipEncoding    = []string{"gzip"}
	// The views belong to signed-in users (private) and change when new
	// hours arrive, so browsers keep them but ask each time (no-cache),
	// and the ETag makes the answer to an unchanged view an empty 304.
	revalidate = []string{"private, no-cache"}
)

// encodeView encodes v as the body of an API answer, compressed at the
// best ratio: this is done once per view and cache lifetime, while the
// body is sent on every request.
func encodeView(v any) (*encodedJSON, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	var gz bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&gz, gzip.BestCompression)
	if _, err := zw.Write(buf.Bytes()); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	// A strong tag from the content: a view recomputed unchanged keeps its
	// tag, so clients revalidate it with a 304 after the cache expires.
	sum := sha256.Sum256(buf.Bytes())
	tag := base64.RawURLEncoding.EncodeToString(sum[:15])
	e := &encodedJSON{raw: buf.Bytes(), gz: gz.Bytes(), rawTag: tag, gzTag: tag + "-gz"}
	e.rawLen = []string{strconv.Itoa(len(e.raw))}
	e.gzLen = []string{strconv.Itoa(len(e.gz))}
	e.rawETag = []string{`"` + e.rawTag + `"`}
	e.gzETag = []string{`"` + e.gzTag + `"`}
	return e, nil
}

// serveCachedJSON writes the JSON of the view compute returns, encoding
// and compressing it once per cache lifetime: the views behind the busiest
// endpoints are large (a station-year of daily statistics is ~100 kB), and
// encoding or compressing them on every request would cost more than
// serving them from the cache. The identity and gzip bodies have their own
// strong entity tags (RFC 9110 §8.8.3), and a request whose If-None-Match
// names the tag of the body it would get is answered 304 without a body.
func (s *Server) serveCachedJSON(w http.ResponseWriter, r *http.Request, key string, compute func() (any, error)) {
	b, err := cached(s, "json|"+key, func() (*encodedJSON, error) {
		v, err := compute()
		if err != nil {
			return nil, err
		}
		return encodeView(v)
	})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	h := w.Header()
	h["Content-Type"] = jsonContentType
	h["Vary"] = varyEncoding
	h["Cache-Control"] = revalidate
	body, tag, etag, length := b.raw, b.rawTag, b.rawETag, b.rawLen
	if acceptsGzip(r) {
		h["Content-Encoding"] = gzipEncoding
		body, tag, etag, length = b.gz, b.gzTag, b.gzETag, b.gzLen
	}
	h["Etag"] = etag
	if inm := r.Header["If-None-Match"]; len(inm) > 0 && noneMatch(inm, tag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	h["Content-Length"] = length
	w.WriteHeader(http.StatusOK)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

// noneMatch reports whether the If-None-Match header values name the
// entity tag (opaque part, without quotes) or are "*"; the comparison is
// weak, as RFC 9110 §13.1.2 requires for If-None-Match.
func noneMatch(values []string, tag string) bool {
	for _, v := range values {
		for v != "" {
			var t string
			t, v, _ = strings.Cut(v, ",")
			t = strings.TrimSpace(t)
			if t == "*" {
				return true
			}
			t = strings.TrimPrefix(t, "W/")
			if len(t) >= 2 && t[0] == '"' && t[len(t)-1] == '"' && t[1:len(t)-1] == tag {
				return true
			}
		}
	}
	return false
}

// acceptsGzip reports whether the client accepts a gzip response body:
// Accept-Encoding names gzip (or x-gzip) with a quality above 0.
func acceptsGzip(r *http.Request) bool {
	for _, v := range r.Header["Accept-Encoding"] {
		for v != "" {
			var part string
			part, v, _ = strings.Cut(v, ",")
			enc, params, _ := strings.Cut(part, ";")
			enc = strings.TrimSpace(enc)
			if !strings.EqualFold(enc, "gzip") && !strings.EqualFold(enc, "x-gzip") {
				continue
			}
			return !zeroQuality(params)
		}
	}
	return false
}

// zeroQuality reports whether the parameters of an Accept-Encoding entry
// give it the quality 0 (q=0, q=0.0, q=0.000), which refuses the coding.
func zeroQuality(params string) bool {
	for params != "" {
		var p string
		p, params, _ = strings.Cut(params, ";")
		k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
		if !ok || !strings.EqualFold(strings.TrimSpace(k), "q") {
			continue
		}
		q, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		return err == nil && q == 0
	}
	return false
}
