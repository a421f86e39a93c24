package auth

import (
	"strings"
	"testing"
)

func TestNewSecretEntropyAndShape(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		s := newSecret()
		if len(s) != 43 || strings.ContainsAny(s, "+/=") {
			t.Fatalf("secret %q: want 43 URL-safe characters", s)
		}
		if seen[s] {
			t.Fatalf("secret %q repeated", s)
		}
		seen[s] = true
	}
}

func TestParseToken(t *testing.T) {
	tok, prefix, hash := newToken()
	if !sameHash(hash, hashSecret(tok)) {
		t.Fatal("token hash is not the SHA-256 of the token")
	}
	tests := []struct {
		name, token, prefix string
		ok                  bool
	}{
		{"fresh token", tok, prefix, true},
		{"no lt_ prefix", strings.TrimPrefix(tok, TokenPrefix), "", false},
		{"short secret", tok[:len(tok)-1], "", false},
		{"long secret", tok + "A", "", false},
		{"prefix not hex", TokenPrefix + "zzzzzzzzzz_" + tok[len(TokenPrefix)+prefixLen+1:], "", false},
		{"SQL in prefix", TokenPrefix + "' OR 1=1 --_" + tok[len(TokenPrefix)+prefixLen+1:], "", false},
		{"empty", "", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p, err := parseToken(tc.token)
			if (err == nil) != tc.ok || p != tc.prefix {
				t.Fatalf("parseToken(%q) = %q, %v; want %q ok=%v", tc.token, p, err, tc.prefix, tc.ok)
			}
		})
	}
}

func FuzzParseToken(f *testing.F) {
	tok, _, _ := newToken()
	f.Add(tok)
	f.Add("lt__")
	f.Add("lt_0123456789_" + strings.Repeat("A", 43))
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parseToken(s)
		if err == nil && (len(p) != prefixLen || !strings.HasPrefix(s, TokenPrefix+p+"_")) {
			t.Fatalf("parseToken(%q) accepted with prefix %q", s, p)
		}
	})
}
