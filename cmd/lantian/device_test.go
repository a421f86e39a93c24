package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/hj212"
	"github.com/lantian-aq/lantian/hj212/gateway"
	"github.com/lantian-aq/lantian/sqlstore"
	"github.com/lantian-aq/lantian/standard"
)

// TestDeviceCLI walks a device through add, list, re-add, disable,
// enable and remove, and checks what the gateway's registry answers at
// each step, that passwords are never printed nor audited, and that every
// change is in the audit log.
func TestDeviceCLI(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.PutArea(ctx, &lantian.Area{Code: "411300", Name: "南阳市", Level: lantian.LevelCity}); err != nil {
		t.Fatal(err)
	}
	if err := st.PutStation(ctx, &lantian.Station{Code: "2403A", Name: "环保局", Kind: lantian.KindNational, Area: "411300"}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	const mn, secret = "41130024030000000000A001", "pw-8317265"
	run := func(args ...string) (int, string) {
		var out bytes.Buffer
		code := runMain(append(args[:1:1], append(args[1:], "--data", dir, "--db", "")...), &out, &out)
		return code, out.String()
	}
	lookup := func() (gateway.Device, error) {
		db, err := sqlstore.Open(ctx, "", dir)
		if err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		return db.LookupDevice(ctx, mn)
	}

	steps := []struct {
		name    string
		args    []string
		code    int
		out     string // printed (substring)
		enabled bool   // the gateway accepts the device afterwards
	}{
		{"missing flags", []string{"device", "add", "--mn", mn}, 2, "--password and --station are required", false},
		{"unknown station", []string{"device", "add", "--mn", mn, "--password", secret, "--station", "9999A"}, 1, `station "9999A" is not registered`, false},
		{"password with a separator", []string{"device", "add", "--mn", mn, "--password", "12;34", "--station", "2403A"}, 1, "password (hidden): byte 3", false},
		{"bad units", []string{"device", "add", "--mn", mn, "--password", secret, "--station", "2403A", "--units", "so2:mg"}, 1, "not pollutant=unit", false},
		{"add", []string{"device", "add", "--mn", mn, "--password", secret, "--station", "2403A"}, 0, "registered device " + mn + " for station 2403A, ST 22", true},
		{"list", []string{"device", "list"}, 0, mn + "  2403A    22  enabled", true},
		{"re-add with units", []string{"device", "add", "--mn", mn, "--password", secret + "x", "--station", "2403A", "--units", "so2=mg/m3"}, 0, "re-registered", true},
		{"disable", []string{"device", "disable", mn}, 0, "device " + mn + " disabled", false},
		{"list disabled", []string{"device", "list"}, 0, "disabled  so2=mg/m3", false},
		{"enable", []string{"device", "enable", mn}, 0, "enabled", true},
		{"disable unknown", []string{"device", "disable", "nope"}, 1, `device MN "nope" is not registered`, true},
		{"remove", []string{"device", "remove", mn}, 0, "removed", false},
		{"remove again", []string{"device", "remove", mn}, 1, "is not registered", false},
	}
	for _, s := range steps {
		code, out := run(s.args...)
		if code != s.code || !strings.Contains(out, s.out) {
			t.Errorf("%s: exit %d, want %d; output lacks %q:\n%s", s.name, code, s.code, s.out, out)
		}
		if strings.Contains(out, secret) {
			t.Errorf("%s: the password was printed:\n%s", s.name, out)
		}
		d, err := lookup()
		if s.enabled != (err == nil) {
			t.Errorf("%s: gateway lookup %+v, %v; want enabled=%v", s.name, d, err, s.enabled)
		}
		if err != nil && !errors.Is(err, gateway.ErrUnknownDevice) {
			t.Errorf("%s: lookup error %v is not ErrUnknownDevice", s.name, err)
		}
		if s.name == "re-add with units" && (d.Password != secret+"x" || d.Units[standard.SO2] != hj212.UnitMilligram) {
			t.Errorf("%s: registry holds %+v", s.name, d)
		}
	}

	code, out := run("device", "list", "--json")
	if code != 0 || strings.TrimSpace(out) != "[]" {
		t.Errorf("list --json after remove: exit %d %s", code, out)
	}

	db, err := sqlstore.Open(ctx, "", dir)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	entries, err := db.AuditEntries(ctx, lantian.AuditFilter{Kind: "device", Object: mn})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action)
		all := string(e.Before) + string(e.After)
		if strings.Contains(all, secret) {
			t.Errorf("audit entry %d holds the password: %s", e.Seq, all)
		}
		if !strings.HasPrefix(e.Actor, "cli:") {
			t.Errorf("audit entry %d by %q, want cli:<user>", e.Seq, e.Actor)
		}
	}
	if got, want := strings.Join(actions, ","), "create,update,update,update,delete"; got != want {
		t.Errorf("audited actions %s, want %s", got, want)
	}
	var after map[string]any
	if len(entries) > 1 {
		json.Unmarshal(entries[1].After, &after)
		if after["password_changed"] != true {
			t.Errorf("re-registration with a new password not noted: %s", entries[1].After)
		}
	}
}
