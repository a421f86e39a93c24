package lantian

import (
	"encoding/json"
	"testing"
	"time"
)

func TestAuditChainHash(t *testing.T) {
	base := AuditEntry{
		Seq: 7, Time: time.Date(2026, 3, 1, 9, 30, 0, 123456789, time.UTC), ActorID: 5, Actor: "tongbai", Via: "session",
		Action: "update", Kind: "case", Object: "17", Area: "411330",
		Before: json.RawMessage(`{"status":"assigned"}`), After: json.RawMessage(`{"status":"rectified"}`),
		Remote: "192.0.2.7", PrevHash: "ab",
	}
	h := base.ChainHash()
	if len(h) != 64 {
		t.Fatalf("hash %q: want 64 hex digits", h)
	}
	// Sub-microsecond digits are not stored, so they must not count.
	same := base
	same.Time = same.Time.Truncate(time.Microsecond).In(time.FixedZone("CST", 8*3600))
	if same.ChainHash() != h {
		t.Fatal("hash depends on the time zone or on nanoseconds")
	}
	same.Hash = "anything"
	if same.ChainHash() != h {
		t.Fatal("hash depends on the Hash field")
	}
	changes := []struct {
		name string
		edit func(*AuditEntry)
	}{
		{"seq", func(e *AuditEntry) { e.Seq++ }},
		{"time", func(e *AuditEntry) { e.Time = e.Time.Add(time.Microsecond) }},
		{"actor id", func(e *AuditEntry) { e.ActorID = 1 }},
		{"actor", func(e *AuditEntry) { e.Actor = "admin" }},
		{"via", func(e *AuditEntry) { e.Via = "cli" }},
		{"action", func(e *AuditEntry) { e.Action = "delete" }},
		{"kind", func(e *AuditEntry) { e.Kind = "report" }},
		{"object", func(e *AuditEntry) { e.Object = "18" }},
		{"area", func(e *AuditEntry) { e.Area = "411323" }},
		{"before", func(e *AuditEntry) { e.Before = json.RawMessage(`{"status":"closed"}`) }},
		{"after", func(e *AuditEntry) { e.After = nil }},
		{"remote", func(e *AuditEntry) { e.Remote = "" }},
		{"prev hash", func(e *AuditEntry) { e.PrevHash = "ac" }},
		// Length prefixes: moving a boundary between two fields changes the hash.
		{"field boundary", func(e *AuditEntry) { e.Kind, e.Object = "case1", "7" }},
	}
	for _, c := range changes {
		t.Run(c.name, func(t *testing.T) {
			e := base
			c.edit(&e)
			if e.ChainHash() == h {
				t.Fatalf("changing %s does not change the hash", c.name)
			}
		})
	}
}

func TestUserValidate(t *testing.T) {
	tests := []struct {
		name string
		u    User
		ok   bool
	}{
		{"admin", User{Login: "admin", Role: RoleAdmin}, true},
		{"county with area", User{Login: "tongbai", Role: RoleCounty, Areas: []string{"411330"}}, true},
		{"county without area", User{Login: "tongbai", Role: RoleCounty}, false},
		{"department with department", User{Login: "ecology", Role: RoleDepartment, Departments: []string{"ecology"}}, true},
		{"department without department", User{Login: "ecology", Role: RoleDepartment}, false},
		{"analyst with areas", User{Login: "analyst", Role: RoleAnalyst, Areas: []string{"411330"}}, false},
		{"unknown role", User{Login: "x1", Role: "root"}, false},
		{"upper-case login", User{Login: "Admin", Role: RoleAdmin}, false},
		{"one-letter login", User{Login: "a", Role: RoleAdmin}, false},
		{"login with SQL", User{Login: "a' OR '1'='1", Role: RoleAdmin}, false},
		{"login with path", User{Login: "../etc/passwd", Role: RoleAdmin}, false},
		{"machine with password", User{Login: "gateway", Role: RoleMachine, PasswordHash: "$argon2id$…"}, false},
		{"empty area code", User{Login: "tongbai", Role: RoleCounty, Areas: []string{""}}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.u.Validate()
			if (err == nil) != tc.ok {
				t.Fatalf("Validate = %v, want ok=%v", err, tc.ok)
			}
			if err != nil && ErrorCode(err) != EINVALID {
				t.Fatalf("code %q, want %q", ErrorCode(err), EINVALID)
			}
		})
	}
}

func TestTokenActive(t *testing.T) {
	now := time.Date(2026, 5, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		tok  Token
		want bool
	}{
		{"no expiry", Token{}, true},
		{"future expiry", Token{ExpiresAt: now.Add(time.Hour)}, true},
		{"expires now", Token{ExpiresAt: now}, false},
		{"revoked", Token{RevokedAt: now.Add(-time.Hour)}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.tok.Active(now); got != tc.want {
				t.Fatalf("Active = %v, want %v", got, tc.want)
			}
		})
	}
}
