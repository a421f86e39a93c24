package main

import (
	"bytes"
	"database/sql"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/lantian-aq/lantian/sqlstore"
)

// TestUserTokenAuditCommands runs the account commands end to end on a
// SQLite data directory, then tampers with the file and checks that
// `lantian audit verify` names the entry and fails.
func TestUserTokenAuditCommands(t *testing.T) {
	data := t.TempDir()
	run := func(stdin string, args ...string) (int, string, string) {
		t.Helper()
		passwordInput = strings.NewReader(stdin)
		var out, errb bytes.Buffer
		code := runMain(append(args, "--data", data, "--db", ""), &out, &errb)
		return code, out.String(), errb.String()
	}
	steps := []struct {
		name  string
		stdin string
		args  []string
		code  int
		want  string // regexp on stdout+stderr
	}{
		{"first administrator", "a-strong-password\n", []string{"user", "add", "chief", "--role", "admin", "--name", "管理员", "--password-stdin"}, 0, `created user chief \(id 1, role admin\)`},
		{"generated password", "", []string{"user", "add", "tongbai", "--role", "county", "--areas", "411330"}, 0, `password: [a-zA-Z2-9]{16}\n`},
		{"county without area", "", []string{"user", "add", "xixia", "--role", "county"}, 1, `needs at least one area code`},
		{"short password", "short\n", []string{"user", "add", "viewer1", "--role", "viewer", "--password-stdin"}, 1, `password too short`},
		{"taken login", "", []string{"user", "add", "chief", "--role", "viewer"}, 1, `login "chief" is taken`},
		{"machine client", "", []string{"user", "add", "gateway", "--role", "machine", "--name", "HJ 212 网关"}, 0, `created user gateway`},
		{"missing role", "", []string{"user", "add", "nobody"}, 2, `Usage: lantian user add`},
		{"list", "", []string{"user", "list"}, 0, `(?s)chief\s+admin.*gateway\s+machine.*tongbai\s+county\s+411330\s+active`},
		{"passwd", "another-password-1\n", []string{"user", "passwd", "tongbai", "--password-stdin"}, 0, `password of tongbai set`},
		{"disable", "", []string{"user", "disable", "tongbai"}, 0, `user tongbai disabled`},
		{"list shows disabled", "", []string{"user", "list", "--json"}, 0, `"disabled": true`},
		{"token create", "", []string{"token", "create", "--user", "gateway", "--name", "网关", "--scopes", "observation:write,device:write", "--days", "90"}, 0, `(?s)token 1 \(prefix [0-9a-f]{10}\).*\nlt_[0-9a-f]{10}_[A-Za-z0-9_-]{43}\n`},
		{"token beyond the role", "", []string{"token", "create", "--user", "gateway", "--name", "x", "--scopes", "user:write"}, 1, `role machine may not do that`},
		{"token list", "", []string{"token", "list"}, 0, `(?s)1\s+[0-9a-f]{10}\s+gateway\s+网关\s+device:write,observation:write\s+active`},
		{"token revoke", "", []string{"token", "revoke", "1"}, 0, `token 1 \(prefix [0-9a-f]{10}\) revoked`},
		{"token list shows revoked", "", []string{"token", "list", "--user", "gateway"}, 0, `revoked`},
		{"audit verify", "", []string{"audit", "verify"}, 0, `audit chain intact: 7 entries\nhead: 7:[0-9a-f]{64}`},
		{"audit list", "", []string{"audit", "list", "--kind", "token"}, 0, `(?s)7 .*cli:.*revoke\s+token 1`},
		{"bad head", "", []string{"audit", "verify", "--head", "3:abc"}, 1, `expected SEQ:HASH`},
		{"head beyond the log", "", []string{"audit", "verify", "--head", "9:" + strings.Repeat("a", 64)}, 1, `entries 8…9 are gone`},
	}
	for _, s := range steps {
		code, out, errs := run(s.stdin, s.args...)
		if code != s.code || !regexp.MustCompile(s.want).MatchString(out+errs) {
			t.Fatalf("%s: lantian %s = %d\nstdout: %s\nstderr: %s\nwant %d and /%s/", s.name, strings.Join(s.args, " "), code, out, errs, s.code, s.want)
		}
	}
	_, out, _ := run("", "audit", "verify")
	head := regexp.MustCompile(`head: (\d+:[0-9a-f]{64})`).FindStringSubmatch(out)[1]
	if code, out, _ := run("", "audit", "verify", "--head", head); code != 0 {
		t.Fatalf("verify with the current head: %d %s", code, out)
	}

	// Someone edits the SQLite file behind the platform's back.
	db, err := sql.Open("sqlite", "file:"+filepath.Join(data, sqlstore.FileName))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for _, q := range []string{`DROP TRIGGER audit_log_no_update`, `UPDATE audit_log SET actor = 'someone-else' WHERE seq = 4`} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	code, out, _ := run("", "audit", "verify")
	if code != 1 || !strings.Contains(out, "audit chain BROKEN at entry 4") || !strings.Contains(out, "3 entries before it verified") {
		t.Fatalf("verify after tampering: %d %s", code, out)
	}
}
