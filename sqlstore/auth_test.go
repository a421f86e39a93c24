package sqlstore

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/auth"
)

func TestAuthUsers(t *testing.T) {
	forEach(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		u := &lantian.User{Login: "tongbai", Name: "桐柏县", Role: lantian.RoleCounty, Areas: []string{"411330"}, PasswordHash: "$argon2id$x"}
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if u.ID == 0 || u.CreatedAt.IsZero() {
			t.Fatalf("CreateUser did not set id and times: %+v", u)
		}
		dup := &lantian.User{Login: "tongbai", Role: lantian.RoleViewer}
		if err := db.CreateUser(ctx, dup); lantian.ErrorCode(err) != lantian.ECONFLICT {
			t.Fatalf("duplicate login: %v, want ECONFLICT", err)
		}
		got, err := db.UserByLogin(ctx, "tongbai")
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != u.ID || got.Name != "桐柏县" || got.Role != lantian.RoleCounty || len(got.Areas) != 1 || got.Areas[0] != "411330" || got.PasswordHash != "$argon2id$x" || got.Disabled {
			t.Fatalf("read back %+v", got)
		}
		got.Disabled, got.Name = true, "桐柏县 停用"
		if err := db.UpdateUser(ctx, got); err != nil {
			t.Fatal(err)
		}
		again, err := db.UserByID(ctx, u.ID)
		if err != nil || !again.Disabled || again.Name != "桐柏县 停用" {
			t.Fatalf("after update: %+v, %v", again, err)
		}
		for _, login := range []string{"nobody", "' OR '1'='1", "tongbai'--"} {
			if _, err := db.UserByLogin(ctx, login); lantian.ErrorCode(err) != lantian.ENOTFOUND {
				t.Fatalf("UserByLogin(%q) = %v, want ENOTFOUND", login, err)
			}
		}
		if err := db.UpdateUser(ctx, &lantian.User{ID: 999, Login: "ghost", Role: lantian.RoleViewer}); lantian.ErrorCode(err) != lantian.ENOTFOUND {
			t.Fatalf("update of a missing user: %v", err)
		}
		if err := db.CreateUser(ctx, &lantian.User{Login: "Bad Login", Role: lantian.RoleViewer}); lantian.ErrorCode(err) != lantian.EINVALID {
			t.Fatalf("invalid user stored: %v", err)
		}
		us, err := db.Users(ctx)
		if err != nil || len(us) != 1 {
			t.Fatalf("Users = %d, %v", len(us), err)
		}
	})
}

func TestAuthSessions(t *testing.T) {
	forEach(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		u := &lantian.User{Login: "analyst", Role: lantian.RoleAnalyst}
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		mk := func(b byte, created, expires time.Time) *lantian.Session {
			s := &lantian.Session{Hash: bytes.Repeat([]byte{b}, 32), UserID: u.ID, CreatedAt: created, LastSeenAt: created, ExpiresAt: expires, Remote: "192.0.2.1", UserAgent: "test"}
			if err := db.CreateSession(ctx, s); err != nil {
				t.Fatal(err)
			}
			return s
		}
		a := mk(1, t0, t0.Add(12*time.Hour))
		mk(2, t0.Add(-20*time.Hour), t0.Add(-8*time.Hour)) // expired
		got, err := db.SessionByHash(ctx, a.Hash)
		if err != nil || got.UserID != u.ID || !got.ExpiresAt.Equal(a.ExpiresAt) || !got.LastSeenAt.Equal(t0) {
			t.Fatalf("SessionByHash = %+v, %v", got, err)
		}
		if err := db.TouchSession(ctx, a.Hash, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.SessionByHash(ctx, a.Hash); !got.LastSeenAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("touch not stored: %v", got.LastSeenAt)
		}
		n, err := db.DeleteSessionsBefore(ctx, t0, t0.Add(-2*time.Hour))
		if err != nil || n != 1 {
			t.Fatalf("DeleteSessionsBefore = %d, %v; want 1", n, err)
		}
		if _, err := db.SessionByHash(ctx, bytes.Repeat([]byte{9}, 32)); lantian.ErrorCode(err) != lantian.ENOTFOUND {
			t.Fatalf("unknown session: %v", err)
		}
		mk(3, t0, t0.Add(time.Hour))
		if n, err := db.DeleteUserSessions(ctx, u.ID); err != nil || n != 2 {
			t.Fatalf("DeleteUserSessions = %d, %v; want 2", n, err)
		}
		if err := db.DeleteSession(ctx, a.Hash); err != nil {
			t.Fatalf("deleting a deleted session: %v", err)
		}
	})
}

func TestAuthTokens(t *testing.T) {
	forEach(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		u := &lantian.User{Login: "gateway", Role: lantian.RoleMachine}
		if err := db.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		tok := &lantian.Token{UserID: u.ID, Name: "HJ 212 网关", Prefix: "0a1b2c3d4e", Hash: bytes.Repeat([]byte{7}, 32),
			Scopes: []lantian.Scope{"device:write", "observation:write"}, CreatedAt: t0, ExpiresAt: t0.AddDate(1, 0, 0)}
		if err := db.CreateToken(ctx, tok); err != nil {
			t.Fatal(err)
		}
		clash := *tok
		clash.ID = 0
		if err := db.CreateToken(ctx, &clash); lantian.ErrorCode(err) != lantian.ECONFLICT {
			t.Fatalf("duplicate prefix: %v", err)
		}
		got, err := db.TokenByPrefix(ctx, "0a1b2c3d4e")
		if err != nil || got.ID != tok.ID || !bytes.Equal(got.Hash, tok.Hash) || len(got.Scopes) != 2 || got.Scopes[1] != "observation:write" ||
			!got.ExpiresAt.Equal(tok.ExpiresAt) || !got.LastUsedAt.IsZero() || !got.RevokedAt.IsZero() {
			t.Fatalf("TokenByPrefix = %+v, %v", got, err)
		}
		if err := db.TouchToken(ctx, tok.ID, t0.Add(time.Minute)); err != nil {
			t.Fatal(err)
		}
		if err := db.RevokeToken(ctx, tok.ID, t0.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if err := db.RevokeToken(ctx, tok.ID, t0.Add(2*time.Hour)); err != nil {
			t.Fatal(err)
		}
		got, _ = db.TokenByID(ctx, tok.ID)
		if !got.RevokedAt.Equal(t0.Add(time.Hour)) || !got.LastUsedAt.Equal(t0.Add(time.Minute)) || got.Active(t0.Add(3*time.Hour)) {
			t.Fatalf("after revoke: %+v (a second revoke must keep the first time)", got)
		}
		if err := db.RevokeToken(ctx, 999, t0); lantian.ErrorCode(err) != lantian.ENOTFOUND {
			t.Fatalf("revoke missing: %v", err)
		}
		if ts, err := db.Tokens(ctx, u.ID); err != nil || len(ts) != 1 {
			t.Fatalf("Tokens = %d, %v", len(ts), err)
		}
		if ts, err := db.Tokens(ctx, u.ID+1); err != nil || len(ts) != 0 {
			t.Fatalf("Tokens of another user = %d, %v", len(ts), err)
		}
	})
}

func appendN(t *testing.T, db *DB, n int) {
	t.Helper()
	for i := range n {
		e := &lantian.AuditEntry{Actor: "analyst", ActorID: 2, Via: "session", Action: "update", Kind: "case", Object: fmt.Sprint(i),
			Before: json.RawMessage(`{"status":"assigned"}`), After: json.RawMessage(`{"status":"rectified","note":"已整改"}`)}
		if err := db.AppendAudit(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
}

func TestAuditAppendAndRead(t *testing.T) {
	forEach(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		appendN(t, db, 5)
		es, err := db.AuditEntries(ctx, lantian.AuditFilter{})
		if err != nil || len(es) != 5 {
			t.Fatalf("AuditEntries = %d, %v", len(es), err)
		}
		for i, e := range es {
			if e.Seq != int64(i+1) || e.ChainHash() != e.Hash || (i > 0 && e.PrevHash != es[i-1].Hash) {
				t.Fatalf("entry %d does not chain: %+v", i, e)
			}
		}
		if string(es[0].After) != `{"status":"rectified","note":"已整改"}` {
			t.Fatalf("after JSON changed on the way: %s", es[0].After)
		}
		page, _ := db.AuditEntries(ctx, lantian.AuditFilter{Descending: true, BeforeSeq: 5, Limit: 2})
		if len(page) != 2 || page[0].Seq != 4 || page[1].Seq != 3 {
			t.Fatalf("descending page: %v", seqs(page))
		}
		one, _ := db.AuditEntries(ctx, lantian.AuditFilter{Kind: "case", Object: "3"})
		if len(one) != 1 || one[0].Seq != 4 {
			t.Fatalf("object filter: %v", seqs(one))
		}
		none, err := db.AuditEntries(ctx, lantian.AuditFilter{Kind: "case' OR '1'='1"})
		if err != nil || len(none) != 0 {
			t.Fatalf("injection in kind: %d entries, %v", len(none), err)
		}
		rep, err := auth.VerifyChain(ctx, db)
		if err != nil || !rep.OK() || rep.Entries != 5 || rep.Head != es[4].Hash {
			t.Fatalf("VerifyChain = %+v, %v", rep, err)
		}
	})
}

func seqs(es []*lantian.AuditEntry) []int64 {
	var s []int64
	for _, e := range es {
		s = append(s, e.Seq)
	}
	return s
}

// TestAuditConcurrentAppends: appends from many goroutines (and, on
// PostgreSQL, many connections) still form one unbroken chain.
func TestAuditConcurrentAppends(t *testing.T) {
	forEach(t, func(t *testing.T, db *DB) {
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() { appendN(t, db, 10) })
		}
		wg.Wait()
		rep, err := auth.VerifyChain(context.Background(), db)
		if err != nil || !rep.OK() || rep.Entries != 80 {
			t.Fatalf("VerifyChain = %+v, %v", rep, err)
		}
	})
}

// TestAuditAppendOnly: the schema refuses UPDATE, DELETE (and on
// PostgreSQL TRUNCATE) of the audit log, whoever sends them.
func TestAuditAppendOnly(t *testing.T) {
	forEach(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		appendN(t, db, 2)
		stmts := []string{
			`UPDATE audit_log SET actor = 'admin' WHERE seq = 1`,
			`DELETE FROM audit_log WHERE seq = 2`,
			`DELETE FROM audit_log`,
		}
		if db.d.Postgres {
			stmts = append(stmts, `TRUNCATE audit_log`)
		}
		for _, s := range stmts {
			if _, err := db.w.ExecContext(ctx, s); err == nil || !strings.Contains(err.Error(), "append-only") {
				t.Errorf("%s: err = %v, want the append-only refusal", s, err)
			}
		}
		if rep, _ := auth.VerifyChain(ctx, db); !rep.OK() || rep.Entries != 2 {
			t.Fatalf("after refused changes: %+v", rep)
		}
	})
}

// TestAuditTamperingDetected: someone with direct access to the database
// disables the guard and rewrites history; verification names the first
// broken entry.
func TestAuditTamperingDetected(t *testing.T) {
	tests := []struct {
		name    string
		tamper  string
		rehash  bool // the tamperer also recomputes the changed entry's hash
		wantSeq int64
		reason  string
		intact  int64 // entries verified before the break
	}{
		{"edit an actor", `UPDATE audit_log SET actor = 'leader' WHERE seq = 3`, false, 3, "changed", 2},
		{"edit after-JSON", `UPDATE audit_log SET after_json = '{"status":"closed"}' WHERE seq = 4`, false, 4, "changed", 3},
		{"edit and re-hash", `UPDATE audit_log SET object = '99' WHERE seq = 2`, true, 3, "prev_hash", 2},
		{"delete from the middle", `DELETE FROM audit_log WHERE seq = 3`, false, 4, "sequence jumps", 2},
		{"back-date an entry", `UPDATE audit_log SET at_us = at_us - 86400000000 WHERE seq = 5`, false, 5, "changed", 4},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			forEach(t, func(t *testing.T, db *DB) {
				ctx := context.Background()
				appendN(t, db, 6)
				disable, enable := []string{`DROP TRIGGER audit_log_no_update`, `DROP TRIGGER audit_log_no_delete`}, []string(nil)
				if db.d.Postgres {
					disable = []string{`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_change`}
					enable = []string{`ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_change`}
				}
				for _, s := range append(disable, tc.tamper) {
					if _, err := db.w.ExecContext(ctx, s); err != nil {
						t.Fatalf("%s: %v", s, err)
					}
				}
				if tc.rehash {
					es, _ := db.AuditEntries(ctx, lantian.AuditFilter{AfterSeq: tc.wantSeq - 2, Limit: 1})
					if _, err := db.w.ExecContext(ctx, db.q(`UPDATE audit_log SET hash = ? WHERE seq = ?`), es[0].ChainHash(), es[0].Seq); err != nil {
						t.Fatal(err)
					}
				}
				for _, s := range enable {
					if _, err := db.w.ExecContext(ctx, s); err != nil {
						t.Fatal(err)
					}
				}
				rep, err := auth.VerifyChain(ctx, db)
				if err != nil {
					t.Fatal(err)
				}
				if rep.OK() || rep.Broken.Seq != tc.wantSeq || !strings.Contains(rep.Broken.Reason, tc.reason) {
					t.Fatalf("VerifyChain = %+v (broken %+v), want entry %d: %s", rep, rep.Broken, tc.wantSeq, tc.reason)
				}
				if rep.Entries != tc.intact {
					t.Fatalf("verified %d entries before the break, want %d", rep.Entries, tc.intact)
				}
			})
		})
	}
}
