package auth

import (
	"encoding/base64"
	"encoding/hex"
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
	f.Add("lt_0123456789_" + strings.Repeat("A", 42) + "=")
	f.Add("lt_012345678g_" + strings.Repeat("A", 43))
	f.Fuzz(func(t *testing.T, s string) {
		p, err := parseToken(s)
		if err == nil && (len(p) != prefixLen || !strings.HasPrefix(s, TokenPrefix+p+"_")) {
			t.Fatalf("parseToken(%q) accepted with prefix %q", s, p)
		}
		// The shape check agrees with decoding the prefix as hex and the
		// secret as unpadded URL-safe base64.
		if (err == nil) != decodes(s) {
			t.Fatalf("parseToken(%q): err %v, but decoding says %v", s, err, decodes(s))
		}
	})
}

// decodes reports whether s is lt_<hex prefix>_<43 base64url characters>
// by decoding its parts. The base64 decoder skips line breaks, which no
// token contains and the shape check refuses.
func decodes(s string) bool {
	if strings.ContainsAny(s, "\r\n") {
		return false
	}
	rest, ok := strings.CutPrefix(s, TokenPrefix)
	if !ok {
		return false
	}
	prefix, secret, ok := strings.Cut(rest, "_")
	if !ok || len(prefix) != prefixLen || len(secret) != 43 {
		return false
	}
	_, perr := hex.DecodeString(prefix)
	_, serr := base64.RawURLEncoding.DecodeString(secret)
	return perr == nil && serr == nil
}
