package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Params are the argon2id cost parameters (RFC 9106). They are encoded in
// every hash, so that raising them later still verifies old hashes and
// NeedsRehash tells when to upgrade one.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes
	Threads uint8
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultParams follow RFC 9106 §4's second recommended option (64 MiB,
// three passes) with two lanes for a two-core server: about 0.1–0.2 s per
// hash. Login concurrency is bounded (Hasher.limit) so that memory stays
// at a known ceiling under a flood of logins.
var DefaultParams = Params{Memory: 64 * 1024, Time: 3, Threads: 2, SaltLen: 16, KeyLen: 32}

// MinPasswordLen is the shortest password accepted (NIST SP 800-63B §5.1.1.2).
const MinPasswordLen = 10

// MaxPasswordLen bounds the work an attacker can make one login cost.
const MaxPasswordLen = 256

// ErrPasswordMismatch is returned by VerifyPassword for a wrong password.
var ErrPasswordMismatch = errors.New("password does not match")

// CheckPasswordPolicy reports whether a new password is acceptable: long
// enough, not absurdly long, and not the login itself.
func CheckPasswordPolicy(login, password string) error {
	n := len([]rune(password))
	switch {
	case n < MinPasswordLen:
		return fmt.Errorf("password too short: %d characters, at least %d expected", n, MinPasswordLen)
	case len(password) > MaxPasswordLen:
		return fmt.Errorf("password too long: at most %d bytes", MaxPasswordLen)
	case strings.EqualFold(password, login):
		return errors.New("password must differ from the login")
	}
	return nil
}

// HashPassword returns the PHC-style encoding of password's argon2id hash
// under p with a fresh random salt:
//
//	$argon2id$v=19$m=65536,t=3,p=2$<salt base64>$<hash base64>
func HashPassword(password string, p Params) (string, error) {
	if len(password) > MaxPasswordLen {
		return "", fmt.Errorf("password too long: at most %d bytes", MaxPasswordLen)
	}
	if p.Memory < 8*uint32(p.Threads) || p.Time < 1 || p.Threads < 1 || p.SaltLen < 16 || p.KeyLen < 16 {
		return "", fmt.Errorf("argon2id parameters out of range: %+v", p)
	}
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("reading salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// decodeHash parses an encoded hash into its parameters, salt and key.
func decodeHash(encoded string) (Params, []byte, []byte, error) {
	var p Params
	parts := strings.Split(encoded, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return p, nil, nil, errors.New("not an argon2id hash")
	}
	var v int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return p, nil, nil, fmt.Errorf("unsupported argon2 version %q", parts[2])
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil {
		return p, nil, nil, fmt.Errorf("bad argon2 parameters %q", parts[3])
	}
	// Refuse parameters that would let a planted hash exhaust the server.
	if p.Memory > 256*1024 || p.Time > 10 || p.Threads == 0 || p.Time == 0 || p.Memory < 8*uint32(p.Threads) {
		return p, nil, nil, fmt.Errorf("argon2 parameters out of range %q", parts[3])
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return p, nil, nil, errors.New("bad argon2 salt")
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 128 {
		return p, nil, nil, errors.New("bad argon2 key")
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}

// VerifyPassword reports whether password matches the encoded hash,
// comparing in constant time. It returns ErrPasswordMismatch for a wrong
// password and another error for a hash it cannot read.
func VerifyPassword(encoded, password string) error {
	if len(password) > MaxPasswordLen {
		return ErrPasswordMismatch
	}
	p, salt, key, err := decodeHash(encoded)
	if err != nil {
		return err
	}
	got := argon2.IDKey([]byte(password), salt, p.Time, p.Memory, p.Threads, p.KeyLen)
	if subtle.ConstantTimeCompare(got, key) != 1 {
		return ErrPasswordMismatch
	}
	return nil
}

// NeedsRehash reports whether the encoded hash was made with parameters
// other than p (or cannot be read), so that a successful login should store
// a fresh hash.
func NeedsRehash(encoded string, p Params) bool {
	q, _, _, err := decodeHash(encoded)
	if err != nil {
		return true
	}
	return q.Memory != p.Memory || q.Time != p.Time || q.Threads != p.Threads || q.KeyLen != p.KeyLen || q.SaltLen != p.SaltLen
}
