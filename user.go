package lantian

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"
)

// This file declares who may use the platform and the record of what they
// changed: users and their roles, login sessions, API tokens for machine
// clients, and the hash-chained audit log. Package auth implements the
// behaviour (password hashing, sessions, the authorisation policy);
// package sqlstore keeps the records.

// Role is what a user is to the platform. A role decides what the user may
// do; the user's Areas and Departments decide on which objects a scoped
// role may do it.
type Role string

// Roles. County and department officers are scoped: a county officer answers
// for the areas in User.Areas, a department officer for the plan departments
// in User.Departments.
const (
	RoleAdmin      Role = "admin"      // 系统管理员: users, tokens, everything
	RoleAnalyst    Role = "analyst"    // 市生态环境局 分析人员: data, stations, cases, warnings
	RoleLeader     Role = "leader"     // 市生态环境局 领导: reads all, issues warnings, supervises cases
	RoleCommission Role = "commission" // 市生态环境保护委员会办公室: runs the plan ledger and the closed loop
	RoleCounty     Role = "county"     // 县(市、区)/管委会 officer, scoped to areas
	RoleDepartment Role = "department" // 市直部门 officer, scoped to plan departments
	RoleViewer     Role = "viewer"     // 只读: reads, changes nothing
	RoleMachine    Role = "machine"    // 机器客户端: data pushers, the HJ 212 device registry; API tokens only
)

// Roles returns every role, in the order the platform lists them.
func Roles() []Role {
	return []Role{RoleAdmin, RoleAnalyst, RoleLeader, RoleCommission, RoleCounty, RoleDepartment, RoleViewer, RoleMachine}
}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles(), r) }

// Label returns the Chinese name of the role as the UI shows it.
func (r Role) Label() string {
	switch r {
	case RoleAdmin:
		return "系统管理员"
	case RoleAnalyst:
		return "市生态环境局（分析）"
	case RoleLeader:
		return "市生态环境局（领导）"
	case RoleCommission:
		return "委员会办公室"
	case RoleCounty:
		return "县（市、区）"
	case RoleDepartment:
		return "市直部门"
	case RoleViewer:
		return "只读"
	case RoleMachine:
		return "机器客户端"
	}
	return string(r)
}

// User is an account. Machine clients are users of RoleMachine without a
// password; they act only through API tokens.
type User struct {
	ID    int64  `json:"id"`
	Login string `json:"login"`
	Name  string `json:"name"`
	Role  Role   `json:"role"`
	// Areas are the area codes a county officer answers for.
	Areas []string `json:"areas,omitempty"`
	// Departments are the plan department ids a department officer answers
	// for.
	Departments []string `json:"departments,omitempty"`
	Disabled    bool     `json:"disabled"`
	// PasswordHash is the encoded password hash (package auth); empty for
	// machine clients and for accounts whose password was never set, which
	// therefore cannot log in.
	PasswordHash string    `json:"-"`
	CreatedAt    time.Time `json:"created_at"`
	UpdatedAt    time.Time `json:"updated_at"`
}

var loginRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{1,62}$`)

// Validate checks the rules every stored user keeps: a login of 2–63
// lower-case letters, digits, '.', '_' or '-'; a known role; areas exactly
// for county officers and departments exactly for department officers.
func (u *User) Validate() error {
	switch {
	case !loginRE.MatchString(u.Login):
		return Errorf(EINVALID, "login %q: expected 2–63 characters a–z, 0–9, '.', '_' or '-', starting with a letter or digit", u.Login)
	case !u.Role.Valid():
		return Errorf(EINVALID, "user %s: unknown role %q (expected one of admin, analyst, leader, commission, county, department, viewer, machine)", u.Login, u.Role)
	case u.Role == RoleCounty && len(u.Areas) == 0:
		return Errorf(EINVALID, "user %s: a county officer needs at least one area code", u.Login)
	case u.Role != RoleCounty && len(u.Areas) > 0:
		return Errorf(EINVALID, "user %s: only county officers are scoped to areas", u.Login)
	case u.Role == RoleDepartment && len(u.Departments) == 0:
		return Errorf(EINVALID, "user %s: a department officer needs at least one department id", u.Login)
	case u.Role != RoleDepartment && len(u.Departments) > 0:
		return Errorf(EINVALID, "user %s: only department officers are scoped to departments", u.Login)
	case !PlainText(u.Name, 100):
		return Errorf(EINVALID, "user %s: name: expected at most 100 characters of printable text", u.Login)
	case u.Role == RoleMachine && u.PasswordHash != "":
		return Errorf(EINVALID, "user %s: machine clients have no password; they use API tokens", u.Login)
	}
	for _, list := range [][]string{u.Areas, u.Departments} {
		for _, s := range list {
			if s == "" || len(s) > 64 || !PlainText(s, 64) {
				return Errorf(EINVALID, "user %s: scope entry %q: expected 1–64 characters", u.Login, s)
			}
		}
	}
	return nil
}

// PlainText reports whether s is valid UTF-8 of at most max characters
// without control characters: what may go into a name or an identifier
// (PostgreSQL refuses NUL in text, and no name needs a control character).
func PlainText(s string, max int) bool {
	if !utf8.ValidString(s) || utf8.RuneCountInString(s) > max {
		return false
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return false
		}
	}
	return true
}

// Session is a login session. The session ID itself is never stored: only
// its SHA-256 hash, so that a copy of the database does not hand out live
// sessions.
type Session struct {
	Hash       []byte    `json:"-"`
	UserID     int64     `json:"user_id"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
	// ExpiresAt is the absolute expiry, fixed at login.
	ExpiresAt time.Time `json:"expires_at"`
	Remote    string    `json:"remote,omitempty"`
	UserAgent string    `json:"user_agent,omitempty"`
}

// Scope limits what an API token may do, as "<kind>:read" or "<kind>:write"
// for a resource kind of the authorisation policy, or "*:read" for reading
// everything the owner may read.
type Scope string

// Token is an API token. The secret is shown once, at creation; the store
// keeps its SHA-256 hash and a short public prefix that identifies the
// token in lists and logs.
type Token struct {
	ID         int64     `json:"id"`
	UserID     int64     `json:"user_id"`
	Name       string    `json:"name"`
	Prefix     string    `json:"prefix"`
	Hash       []byte    `json:"-"`
	Scopes     []Scope   `json:"scopes"`
	CreatedAt  time.Time `json:"created_at"`
	ExpiresAt  time.Time `json:"expires_at,omitzero"` // zero: does not expire
	LastUsedAt time.Time `json:"last_used_at,omitzero"`
	RevokedAt  time.Time `json:"revoked_at,omitzero"`
}

// Active reports whether the token may be used at now.
func (t *Token) Active(now time.Time) bool {
	return t.RevokedAt.IsZero() && (t.ExpiresAt.IsZero() || now.Before(t.ExpiresAt))
}

// AuthStore keeps users, sessions and API tokens.
type AuthStore interface {
	// CreateUser stores a new user and sets its ID and times; a taken login
	// is ECONFLICT.
	CreateUser(ctx context.Context, u *User) error
	// UpdateUser replaces the stored user with the same ID (name, role,
	// scopes, disabled, password hash) and sets UpdatedAt; ENOTFOUND if
	// there is none.
	UpdateUser(ctx context.Context, u *User) error
	// UserByID and UserByLogin return a user or ENOTFOUND.
	UserByID(ctx context.Context, id int64) (*User, error)
	UserByLogin(ctx context.Context, login string) (*User, error)
	// Users returns every user ordered by login.
	Users(ctx context.Context) ([]*User, error)

	// CreateSession stores a new session.
	CreateSession(ctx context.Context, s *Session) error
	// SessionByHash returns the session with the ID hash, or ENOTFOUND.
	SessionByHash(ctx context.Context, hash []byte) (*Session, error)
	// TouchSession records activity on a session.
	TouchSession(ctx context.Context, hash []byte, at time.Time) error
	// DeleteSession ends one session; ending a session that does not exist
	// is not an error.
	DeleteSession(ctx context.Context, hash []byte) error
	// DeleteUserSessions ends every session of a user (on disabling the
	// account or changing its password) and returns how many it ended.
	DeleteUserSessions(ctx context.Context, userID int64) (int, error)
	// DeleteSessionsBefore removes sessions whose absolute expiry is before
	// t or that were last seen before idle, and returns how many.
	DeleteSessionsBefore(ctx context.Context, t, idle time.Time) (int, error)

	// CreateToken stores a new token and sets its ID; a taken prefix is
	// ECONFLICT.
	CreateToken(ctx context.Context, t *Token) error
	// TokenByPrefix returns the token with the prefix, or ENOTFOUND.
	TokenByPrefix(ctx context.Context, prefix string) (*Token, error)
	// TokenByID returns the token with the ID, or ENOTFOUND.
	TokenByID(ctx context.Context, id int64) (*Token, error)
	// Tokens returns the tokens of a user (every user's for userID 0),
	// newest first, revoked ones included.
	Tokens(ctx context.Context, userID int64) ([]*Token, error)
	// RevokeToken marks a token revoked at t (ENOTFOUND if there is none);
	// revoking a revoked token keeps the first time.
	RevokeToken(ctx context.Context, id int64, t time.Time) error
	// TouchToken records the token's last use.
	TouchToken(ctx context.Context, id int64, t time.Time) error
}

// AuditEntry is one change in the append-only audit log. Entries form a
// hash chain: Hash is the SHA-256 of the entry's canonical fields and the
// previous entry's hash (ChainHash), so that changing, inserting or
// removing an entry anywhere but at the head breaks every later link.
type AuditEntry struct {
	Seq     int64     `json:"seq"`
	Time    time.Time `json:"time"`     // microsecond precision, UTC
	ActorID int64     `json:"actor_id"` // 0 for the platform itself and the command line
	Actor   string    `json:"actor"`    // login, or "system" / "cli:<os user>"
	// Via says how the actor was authenticated: "session", "token:<prefix>",
	// "cli" or "system".
	Via    string `json:"via"`
	Action string `json:"action"` // create, update, delete, login, logout, revoke, …
	Kind   string `json:"kind"`   // resource kind of the authorisation policy
	Object string `json:"object"` // the object's id within its kind
	Area   string `json:"area,omitempty"`
	// Before and After are compact JSON of the object around the change;
	// empty for a creation (Before) or a deletion (After).
	Before   json.RawMessage `json:"before,omitempty"`
	After    json.RawMessage `json:"after,omitempty"`
	Remote   string          `json:"remote,omitempty"`
	PrevHash string          `json:"prev_hash"` // hex; "" for the first entry
	Hash     string          `json:"hash"`      // hex SHA-256
}

// auditDomain separates audit hashes from every other SHA-256 use.
const auditDomain = "lantian audit v1"

// AuditTime truncates t to what every store keeps (microseconds, UTC), so
// that a hash computed before storing equals the one computed after
// reading back.
func AuditTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// ChainHash returns the hex SHA-256 over the entry's canonical fields and
// PrevHash. Each field is length-prefixed, so no two different entries
// share an encoding; Hash itself is not an input.
func (e *AuditEntry) ChainHash() string {
	var buf bytes.Buffer
	field := func(s string) {
		var n [binary.MaxVarintLen64]byte
		buf.Write(n[:binary.PutUvarint(n[:], uint64(len(s)))])
		buf.WriteString(s)
	}
	field(auditDomain)
	field(strconv.FormatInt(e.Seq, 10))
	field(AuditTime(e.Time).Format("2006-01-02T15:04:05.000000Z"))
	field(strconv.FormatInt(e.ActorID, 10))
	field(e.Actor)
	field(e.Via)
	field(e.Action)
	field(e.Kind)
	field(e.Object)
	field(e.Area)
	field(string(e.Before))
	field(string(e.After))
	field(e.Remote)
	field(e.PrevHash)
	sum := sha256.Sum256(buf.Bytes())
	return hex.EncodeToString(sum[:])
}

// AuditFilter selects audit entries. Zero fields do not filter.
type AuditFilter struct {
	AfterSeq int64  // only entries with Seq > AfterSeq (paging cursor)
	Kind     string // only this resource kind
	Object   string // only this object (with Kind)
	ActorID  int64  // only this actor
	Limit    int    // at most this many; 0 means no limit
	// Descending returns the newest entries first (then AfterSeq is
	// ignored and BeforeSeq pages).
	Descending bool
	BeforeSeq  int64 // with Descending: only entries with Seq < BeforeSeq
}

// AuditLog is the append-only audit log. There is no way to change or
// remove an entry through it; the PostgreSQL and SQLite schemas refuse
// UPDATE and DELETE on the table as well.
type AuditLog interface {
	// AppendAudit assigns e the next sequence number, links it to the head
	// of the chain (PrevHash), computes its Hash and stores it, atomically
	// with respect to concurrent appends.
	AppendAudit(ctx context.Context, e *AuditEntry) error
	// AuditEntries returns the entries the filter selects, by sequence.
	AuditEntries(ctx context.Context, f AuditFilter) ([]*AuditEntry, error)
	// ScanAudit calls fn for every entry in sequence order, from the first,
	// stopping at fn's first error, which it returns.
	ScanAudit(ctx context.Context, fn func(*AuditEntry) error) error
}

// Error codes of authentication and authorisation, alongside the store's.
const (
	EUNAUTHENTICATED = "unauthenticated" // no or bad credentials (HTTP 401)
	EFORBIDDEN       = "forbidden"       // credentials fine, action not allowed (HTTP 403)
	ETHROTTLED       = "throttled"       // too many failed logins; retry later (HTTP 429)
)
