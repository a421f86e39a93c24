package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"strings"
)

// secretBytes is the entropy of session IDs and token secrets: 256 bits.
const secretBytes = 32

// newSecret returns 256 random bits, URL-safe base64 encoded (43 characters).
func newSecret() string {
	b := make([]byte, secretBytes)
	// crypto/rand.Read never returns an error on supported platforms
	// (Go 1.24+); it crashes the program rather than return weak bytes.
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// hashSecret is how session IDs and tokens are stored: SHA-256. They carry
// 256 bits of entropy, so a fast hash is enough; a slow one would only
// slow every request.
func hashSecret(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

// TokenPrefix starts every API token, so that secret scanners and people
// recognise one.
const TokenPrefix = "lt_"

// prefixLen is the length of a token's public identifying prefix (hex).
const prefixLen = 10

// newToken returns a fresh API token "lt_<prefix>_<secret>", its public
// prefix and the hash the store keeps.
func newToken() (token, prefix string, hash []byte) {
	p := make([]byte, prefixLen/2)
	_, _ = rand.Read(p)
	prefix = hex.EncodeToString(p)
	token = TokenPrefix + prefix + "_" + newSecret()
	return token, prefix, hashSecret(token)
}

var errMalformedToken = errors.New("malformed API token")

// parseToken splits a presented token into its prefix; it checks the shape
// only.
func parseToken(token string) (prefix string, err error) {
	rest, ok := strings.CutPrefix(token, TokenPrefix)
	if !ok {
		return "", errMalformedToken
	}
	prefix, secret, ok := strings.Cut(rest, "_")
	if !ok || len(prefix) != prefixLen || len(secret) != 43 {
		return "", errMalformedToken
	}
	// Checked character by character rather than decoded: this runs on
	// every request that carries a token.
	for i := 0; i < len(prefix); i++ {
		if !isHex(prefix[i]) {
			return "", errMalformedToken
		}
	}
	for i := 0; i < len(secret); i++ {
		if !isBase64URL(secret[i]) {
			return "", errMalformedToken
		}
	}
	return prefix, nil
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// isBase64URL reports whether c is in the URL-safe base64 alphabet
// (RFC 4648 §5), in which secrets are written without padding.
func isBase64URL(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// sameHash compares two hashes in constant time.
func sameHash(a, b []byte) bool { return subtle.ConstantTimeCompare(a, b) == 1 }
