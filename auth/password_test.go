package auth

import (
	"errors"
	"strings"
	"testing"
)

// fast are cheap parameters so tests stay quick under -race; the encoding
// and comparison paths are the same as with DefaultParams.
var fast = Params{Memory: 256, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

func TestHashPasswordRoundTrip(t *testing.T) {
	tests := []struct {
		name     string
		password string
		try      string
		want     error
	}{
		{"same password", "correct horse battery", "correct horse battery", nil},
		{"wrong password", "correct horse battery", "correct horse batterx", ErrPasswordMismatch},
		{"case matters", "Lantian-Admin", "lantian-admin", ErrPasswordMismatch},
		{"unicode password", "蓝天保卫战2025年", "蓝天保卫战2025年", nil},
		{"empty attempt", "correct horse battery", "", ErrPasswordMismatch},
		{"over-long attempt", "correct horse battery", strings.Repeat("x", MaxPasswordLen+1), ErrPasswordMismatch},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := HashPassword(tc.password, fast)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(h, "$argon2id$v=19$m=256,t=1,p=1$") {
				t.Fatalf("encoding %q lacks the algorithm and parameters", h)
			}
			if err := VerifyPassword(h, tc.try); !errors.Is(err, tc.want) {
				t.Fatalf("VerifyPassword = %v, want %v", err, tc.want)
			}
		})
	}
}

func TestHashPasswordSaltsEachHash(t *testing.T) {
	a, _ := HashPassword("same password here", fast)
	b, _ := HashPassword("same password here", fast)
	if a == b {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
}

func TestVerifyPasswordRejectsBadEncodings(t *testing.T) {
	good, _ := HashPassword("correct horse battery", fast)
	parts := strings.Split(good, "$")
	tests := []struct{ name, enc string }{
		{"empty", ""},
		{"bcrypt", "$2a$10$abcdefghijklmnopqrstuuKz9rLhYy5e5eW0Dg3I6yO5B0x5Xy3aS"},
		{"argon2i", strings.Replace(good, "argon2id", "argon2i", 1)},
		{"other version", strings.Replace(good, "v=19", "v=16", 1)},
		{"memory bomb", strings.Join([]string{"", parts[1], parts[2], "m=524288,t=1,p=1", parts[4], parts[5]}, "$")},
		{"zero passes", strings.Join([]string{"", parts[1], parts[2], "m=256,t=0,p=1", parts[4], parts[5]}, "$")},
		{"bad salt", strings.Join([]string{"", parts[1], parts[2], parts[3], "!!", parts[5]}, "$")},
		{"short key", strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], "AAAA"}, "$")},
		{"extra field", good + "$x"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := VerifyPassword(tc.enc, "correct horse battery")
			if err == nil || errors.Is(err, ErrPasswordMismatch) {
				t.Fatalf("VerifyPassword(%q) = %v, want a decoding error", tc.enc, err)
			}
		})
	}
}

func TestNeedsRehash(t *testing.T) {
	h, _ := HashPassword("correct horse battery", fast)
	if NeedsRehash(h, fast) {
		t.Error("hash made with the current parameters needs a rehash")
	}
	stronger := fast
	stronger.Time = 2
	if !NeedsRehash(h, stronger) {
		t.Error("hash made with weaker parameters does not need a rehash")
	}
	if !NeedsRehash("garbage", fast) {
		t.Error("unreadable hash does not need a rehash")
	}
}

func TestCheckPasswordPolicy(t *testing.T) {
	tests := []struct {
		name, login, password string
		ok                    bool
	}{
		{"ten characters", "admin", "0123456789", true},
		{"nine characters", "admin", "012345678", false},
		{"ten Chinese characters", "admin", "蓝天白云青山绿水好空气", true},
		{"the login itself", "tongbai-officer", "Tongbai-Officer", false},
		{"too long", "admin", strings.Repeat("a", MaxPasswordLen+1), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := CheckPasswordPolicy(tc.login, tc.password); (err == nil) != tc.ok {
				t.Fatalf("CheckPasswordPolicy = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func FuzzVerifyPassword(f *testing.F) {
	good, _ := HashPassword("correct horse battery", fast)
	f.Add(good, "correct horse battery")
	f.Add("$argon2id$v=19$m=1,t=1,p=255$AAAA$AAAA", "x")
	f.Add("$argon2id$v=19$m=256,t=1,p=1$$", "")
	f.Fuzz(func(t *testing.T, enc, pw string) {
		p, salt, key, err := decodeHash(enc)
		if err != nil {
			if VerifyPassword(enc, pw) == nil {
				t.Fatalf("accepted unreadable hash %q", enc)
			}
			return
		}
		if len(salt) == 0 || len(key) == 0 || p.Memory > 256*1024 || p.Time == 0 || p.Threads == 0 {
			t.Fatalf("decoded out-of-range parameters %+v from %q", p, enc)
		}
		// Verifying is the real work: keep it to cheap parameters so the
		// fuzzer explores the decoder rather than waiting on argon2.
		if uint64(p.Memory)*uint64(p.Time) <= 4096 {
			if err := VerifyPassword(enc, pw); err == nil && enc != good && pw != "correct horse battery" {
				t.Fatalf("hash %q accepts password %q", enc, pw)
			}
		}
	})
}

func BenchmarkHashPasswordDefault(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword("correct horse battery", DefaultParams); err != nil {
			b.Fatal(err)
		}
	}
}
