package web

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestAPIErrors checks status codes and that every error body is
// {"code","message"} with a message that names what to change.
func TestAPIErrors(t *testing.T) {
	tests := []struct {
		name, path string
		status     int
		code       string
		mention    string // the message must mention this
	}{
		{"unknown station", "/api/v1/stations/9999Z", 404, "not_found", "9999Z"},
		{"unknown area", "/api/v1/areas/999999", 404, "not_found", "999999"},
		{"year out of range", "/api/v1/overview?year=1800", 400, "bad_request", "year"},
		{"year not a number", "/api/v1/overview?year=abc", 400, "bad_request", "year"},
		{"bad date", "/api/v1/overview?as_of=2019-13-45", 400, "bad_request", "as_of"},
		{"observations need a range", "/api/v1/stations/2403A/observations", 400, "bad_request", "from"},
		{"observations range reversed", "/api/v1/stations/2403A/observations?from=2019-02-01&to=2019-01-01", 400, "bad_request", "to must be after from"},
		{"forged cursor", "/api/v1/stations?cursor=!!!", 400, "bad_request", "cursor"},
		{"unknown statistics period", "/api/v1/stations/2403A/statistics/weekly?year=2019", 400, "bad_request", "daily, monthly, annual"},
		{"half a range", "/api/v1/areas/411300/assessment?from=2019-01-01", 400, "bad_request", "both from and to"},
		{"ranking kind", "/api/v1/rankings?kind=decade", 400, "bad_request", "month, ytd or year"},
		{"unknown plan", "/api/v1/plans/nope", 404, "not_found", "nope"},
		{"injection attempt is just an unknown code", "/api/v1/stations/2403A'%20OR%20'1'='1", 404, "not_found", "2403A"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, body := get(t, tc.path)
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tc.status, body)
			}
			if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Errorf("content type %q", ct)
			}
			var e apiError
			if err := json.Unmarshal(body, &e); err != nil {
				t.Fatalf("body is not an error object: %s", body)
			}
			if e.Code != tc.code || !strings.Contains(e.Message, tc.mention) {
				t.Errorf("got %+v, want code %s and a message mentioning %q", e, tc.code, tc.mention)
			}
			if strings.Contains(string(body), "goroutine") || strings.Contains(string(body), ".go:") {
				t.Errorf("error leaks internals: %s", body)
			}
		})
	}
}

// TestStationPaging walks the station list page by page and checks that
// the pages together are the whole list, each station once, in code order.
func TestStationPaging(t *testing.T) {
	_, all := get(t, "/api/v1/stations?limit=1000")
	var full list[map[string]any]
	if err := json.Unmarshal(all, &full); err != nil {
		t.Fatal(err)
	}
	if len(full.Items) < 100 {
		t.Fatalf("only %d stations in the demo data", len(full.Items))
	}
	var got []string
	path := "/api/v1/stations?limit=7"
	for pages := 0; ; pages++ {
		if pages > 100 {
			t.Fatal("paging does not end")
		}
		_, b := get(t, path)
		var l list[map[string]any]
		if err := json.Unmarshal(b, &l); err != nil {
			t.Fatal(err)
		}
		for _, it := range l.Items {
			got = append(got, it["code"].(string))
		}
		if l.NextCursor == "" {
			break
		}
		path = "/api/v1/stations?limit=7&cursor=" + l.NextCursor
	}
	if len(got) != len(full.Items) {
		t.Fatalf("paged %d stations, the full list has %d", len(got), len(full.Items))
	}
	for i, it := range full.Items {
		if got[i] != it["code"] {
			t.Fatalf("item %d: paged %s, full list %s", i, got[i], it["code"])
		}
	}
}

// TestObservationsPaging pages one station's January and checks the hour
// count and the time format.
func TestObservationsPaging(t *testing.T) {
	path := "/api/v1/stations/2403A/observations?from=2019-01-01T01:00:00%2B08:00&to=2019-02-01T01:00:00%2B08:00&limit=200"
	n := 0
	last := ""
	for pages := 0; path != ""; pages++ {
		if pages > 20 {
			t.Fatal("paging does not end")
		}
		res, b := get(t, path)
		if res.StatusCode != 200 {
			t.Fatalf("%d: %s", res.StatusCode, b)
		}
		var l list[ObservationView]
		if err := json.Unmarshal(b, &l); err != nil {
			t.Fatal(err)
		}
		for _, o := range l.Items {
			if !strings.HasSuffix(o.Time, "+08:00") {
				t.Fatalf("time %q is not ISO 8601 with +08:00", o.Time)
			}
			if o.Time <= last {
				t.Fatalf("time %s after %s: not ascending", o.Time, last)
			}
			last = o.Time
			n++
		}
		path = ""
		if l.NextCursor != "" {
			path = "/api/v1/stations/2403A/observations?from=2019-01-01T01:00:00%2B08:00&to=2019-02-01T01:00:00%2B08:00&limit=200&cursor=" + l.NextCursor
		}
	}
	_, b := get(t, "/api/v1/stations/2403A/observations?from=2019-01-01T01:00:00%2B08:00&to=2019-02-01T01:00:00%2B08:00&limit=10000")
	var whole list[ObservationView]
	if err := json.Unmarshal(b, &whole); err != nil {
		t.Fatal(err)
	}
	if n != len(whole.Items) || n == 0 || n > 744 {
		t.Errorf("paged %d hours, one page holds %d (January has 744)", n, len(whole.Items))
	}
}

// TestEndpointsAnswer requests every documented GET endpoint with demo
// parameters and checks a JSON 200.
func TestEndpointsAnswer(t *testing.T) {
	paths := []string{
		"/api/v1/areas", "/api/v1/areas/411300", "/api/v1/areas?parent=411300",
		"/api/v1/areas/411300/statistics/daily?year=2019", "/api/v1/areas/411300/statistics/monthly?year=2019",
		"/api/v1/areas/411300/statistics/annual?year=2019", "/api/v1/areas/411300/assessment?year=2019",
		"/api/v1/areas/411300/calendar?year=2019", "/api/v1/areas/411300/detail?year=2019",
		"/api/v1/stations", "/api/v1/stations/2403A", "/api/v1/stations/2403A/statistics/daily?from=2019-01-01&to=2019-01-31",
		"/api/v1/stations/2403A/assessment?year=2019", "/api/v1/stations/2403A/detail?year=2019",
		"/api/v1/realtime", "/api/v1/overview?year=2019", "/api/v1/targets?year=2025",
		"/api/v1/rankings?scope=410000&kind=month&year=2019&month=1", "/api/v1/plans",
		"/api/v1/plans/nanyang-2024-2025", "/api/v1/plans/nanyang-2024-2025/tasks?section=1", "/api/v1/openapi.json", "/healthz",
	}
	for _, p := range paths {
		t.Run(p, func(t *testing.T) {
			res, b := get(t, p)
			if res.StatusCode != 200 {
				t.Fatalf("status %d: %s", res.StatusCode, b)
			}
			if !json.Valid(b) {
				t.Fatalf("not JSON: %.200s", b)
			}
		})
	}
}

func TestMetrics(t *testing.T) {
	get(t, "/healthz")
	res, b := get(t, "/metrics")
	if res.StatusCode != 200 || !strings.Contains(string(b), "lantian_http_requests_total") {
		t.Fatalf("metrics: %d %.300s", res.StatusCode, b)
	}
}
