package auth

import (
	"encoding/json"
	"testing"
)

func TestAuditJSONRedactsSecrets(t *testing.T) {
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"nil", nil, ""},
		{"empty raw", json.RawMessage("  "), ""},
		{"password string", map[string]any{"login": "tongbai", "password": "hunter2-secret"}, `{"login":"tongbai","password":"[redacted]"}`},
		{"flag about a password", map[string]any{"has_password": true}, `{"has_password":true}`},
		{"nested device password", json.RawMessage(`{"devices":[{"mn":"NY01","pw":"123456"}]}`), `{"devices":[{"mn":"NY01","pw":"[redacted]"}]}`},
		{"token object", map[string]any{"api_token": map[string]any{"secret": "x"}}, `{"api_token":"[redacted]"}`},
		{"empty secret kept empty", map[string]any{"password": ""}, `{"password":""}`},
		{"numbers keep their digits", json.RawMessage(`{"pm25":35.000,"n":12345678901234567890}`), `{"n":12345678901234567890,"pm25":35.000}`},
		{"not JSON", []byte("station=2403A&pw=1"), `"station=2403A\u0026pw=1"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := auditJSON(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Fatalf("auditJSON = %s, want %s", got, tc.want)
			}
		})
	}
}

func FuzzSafeNext(f *testing.F) {
	for _, s := range []string{"/", "/audit?before=5", "//evil.example", "/\\evil", "https://evil.example/", "javascript:alert(1)", "/%0d%0aSet-Cookie:x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, next string) {
		got := safeNext(next)
		if got != "/" && got != next {
			t.Fatalf("safeNext(%q) = %q: it may only keep or replace", next, got)
		}
		if len(got) > 1 && (got[1] == '/' || got[1] == '\\' || got[0] != '/') {
			t.Fatalf("safeNext(%q) = %q leaves the site", next, got)
		}
	})
}
