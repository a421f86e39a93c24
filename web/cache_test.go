package web

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

func TestQueryValue(t *testing.T) {
	tests := []struct {
		name, raw, key, want string
	}{
		{"plain", "year=2019", "year", "2019"},
		{"among others", "as_of=2019-06-30&year=2019&lang=en", "year", "2019"},
		{"first of several", "year=2019&year=2020", "year", "2019"},
		{"absent", "years=2019", "year", ""},
		{"empty value", "year=&year=2020", "year", ""},
		{"no equals sign", "year&year=2020", "year", ""},
		{"escaped value", "name=%E5%8D%97%E9%98%B3+city", "name", "南阳 city"},
		{"escaped name", "y%65ar=2019", "year", "2019"},
		{"plus in name", "a+b=1", "a b", "1"},
		{"badly escaped value skipped", "year=%zz&year=2020", "year", "2020"},
		{"badly escaped name skipped", "%zz=1&year=2020", "year", "2020"},
		{"semicolon pair skipped", "year=2019;x=1&year=2020", "year", "2020"},
		{"empty pairs", "&&year=2019&", "year", "2019"},
		{"empty query", "", "year", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &http.Request{URL: &url.URL{RawQuery: tc.raw}}
			got := queryValue(r, tc.key)
			if got != tc.want {
				t.Fatalf("queryValue(%q, %q) = %q, want %q", tc.raw, tc.key, got, tc.want)
			}
			if std := r.URL.Query().Get(tc.key); got != std {
				t.Fatalf("queryValue(%q, %q) = %q, url.Values says %q", tc.raw, tc.key, got, std)
			}
		})
	}
}

// FuzzQueryValue: queryValue answers what r.URL.Query().Get answers.
func FuzzQueryValue(f *testing.F) {
	f.Add("year=2019&as_of=2019-06-30", "year")
	f.Add("y%65ar=1;&year=%zz&year=+2", "year")
	f.Add("a+b=%20&a%20b=2", "a b")
	f.Fuzz(func(t *testing.T, raw, key string) {
		r := &http.Request{URL: &url.URL{RawQuery: raw}}
		if got, want := queryValue(r, key), r.URL.Query().Get(key); got != want {
			t.Fatalf("queryValue(%q, %q) = %q, url.Values says %q", raw, key, got, want)
		}
	})
}

func TestAcceptsGzip(t *testing.T) {
	tests := []struct {
		name   string
		header []string
		want   bool
	}{
		{"absent", nil, false},
		{"gzip", []string{"gzip"}, true},
		{"browser list", []string{"gzip, deflate, br, zstd"}, true},
		{"upper case", []string{"GZIP"}, true},
		{"x-gzip", []string{"x-gzip"}, true},
		{"quality", []string{"br;q=1.0, gzip;q=0.8"}, true},
		{"refused", []string{"gzip;q=0"}, false},
		{"refused with decimals", []string{"gzip; q=0.000"}, false},
		{"identity only", []string{"identity"}, false},
		{"second header line", []string{"br", "gzip"}, true},
		{"not a prefix match", []string{"gzipper"}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := &http.Request{Header: http.Header{}}
			if tc.header != nil {
				r.Header["Accept-Encoding"] = tc.header
			}
			if got := acceptsGzip(r); got != tc.want {
				t.Fatalf("Accept-Encoding %q: %v, want %v", tc.header, got, tc.want)
			}
		})
	}
}

func TestNoneMatch(t *testing.T) {
	tests := []struct {
		name   string
		header []string
		want   bool
	}{
		{"same tag", []string{`"abc"`}, true},
		{"weak form", []string{`W/"abc"`}, true},
		{"in a list", []string{`"x", "abc"`}, true},
		{"any", []string{`*`}, true},
		{"other tag", []string{`"abd"`}, false},
		{"unquoted", []string{`abc`}, false},
		{"other variant", []string{`"abc-gz"`}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := noneMatch(tc.header, "abc"); got != tc.want {
				t.Fatalf("If-None-Match %q against abc: %v, want %v", tc.header, got, tc.want)
			}
		})
	}
}

// TestCachedJSONRevalidation: a cached view comes as gzip to clients that
// ask for it and as JSON to the others, each with its own entity tag; a
// client presenting the tag of what it would get is answered 304 without
// a body.
func TestCachedJSONRevalidation(t *testing.T) {
	client := &http.Client{Transport: &http.Transport{DisableCompression: true}}
	path := "/api/v1/stations/2403A/detail?year=2019"
	fetch := func(method string, header ...string) (*http.Response, []byte) {
		t.Helper()
		req, _ := http.NewRequest(method, testHTTP.URL+path, nil)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		if err != nil {
			t.Fatal(err)
		}
		return res, b
	}
	plain, raw := fetch("GET")
	zipped, gz := fetch("GET", "Accept-Encoding", "gzip")
	if plain.StatusCode != 200 || zipped.StatusCode != 200 {
		t.Fatalf("status %d, %d", plain.StatusCode, zipped.StatusCode)
	}
	if plain.Header.Get("Content-Encoding") != "" || zipped.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("Content-Encoding %q and %q", plain.Header.Get("Content-Encoding"), zipped.Header.Get("Content-Encoding"))
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	inflated, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(inflated, raw) {
		t.Fatalf("the gzip body does not inflate to the JSON body (%v)", err)
	}
	if len(gz) >= len(raw) {
		t.Fatalf("gzip body %d bytes, JSON %d", len(gz), len(raw))
	}
	for _, res := range []*http.Response{plain, zipped} {
		if res.Header.Get("Vary") != "Accept-Encoding" || res.Header.Get("Cache-Control") != "private, no-cache" {
			t.Fatalf("Vary %q, Cache-Control %q", res.Header.Get("Vary"), res.Header.Get("Cache-Control"))
		}
	}
	tag, gzTag := plain.Header.Get("ETag"), zipped.Header.Get("ETag")
	if !strings.HasPrefix(tag, `"`) || len(tag) < 10 || tag == gzTag {
		t.Fatalf("ETags %q (JSON) and %q (gzip): want two distinct strong tags", tag, gzTag)
	}
	if again, _ := fetch("GET"); again.Header.Get("ETag") != tag {
		t.Fatalf("the tag changed between requests: %q, then %q", tag, again.Header.Get("ETag"))
	}

	tests := []struct {
		name   string
		method string
		header []string
		status int
	}{
		{"JSON tag", "GET", []string{"If-None-Match", tag}, 304},
		{"gzip tag", "GET", []string{"If-None-Match", gzTag, "Accept-Encoding", "gzip"}, 304},
		{"weak form", "GET", []string{"If-None-Match", "W/" + gzTag, "Accept-Encoding", "gzip"}, 304},
		{"any", "GET", []string{"If-None-Match", "*"}, 304},
		{"tag of the other encoding", "GET", []string{"If-None-Match", tag, "Accept-Encoding", "gzip"}, 200},
		{"stale tag", "GET", []string{"If-None-Match", `"stale"`}, 200},
		{"HEAD", "HEAD", nil, 200},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, b := fetch(tc.method, tc.header...)
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tc.status)
			}
			if res.Header.Get("ETag") == "" {
				t.Fatal("no ETag")
			}
			switch {
			case tc.status == 304 && len(b) != 0:
				t.Fatalf("304 with a %d-byte body", len(b))
			case tc.method == "HEAD" && (len(b) != 0 || res.ContentLength != int64(len(raw))):
				t.Fatalf("HEAD: %d-byte body, Content-Length %d (want %d)", len(b), res.ContentLength, len(raw))
			case tc.status == 200 && tc.method == "GET" && len(b) == 0:
				t.Fatal("200 without a body")
			}
		})
	}
	_, metrics := get(t, "/metrics")
	if !strings.Contains(string(metrics), `lantian_http_requests_total{code="304",route="GET /api/v1/stations/{code}/detail"}`) {
		t.Fatal("/metrics does not count the 304 answers of the route")
	}
}
