package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/auth"
	"github.com/lantian-aq/lantian/sqlstore"
)

func init() {
	register(command{name: "user", summary: "manage accounts (user add|list|disable|enable|passwd)", run: runUser})
	register(command{name: "token", summary: "manage API tokens for machine clients (token create|list|revoke)", run: runToken})
}

// passwordInput is where --password-stdin reads; tests replace it.
var passwordInput io.Reader = os.Stdin

const userUsage = `Usage:
  lantian user add LOGIN --role ROLE [--name NAME] [--areas CODES] [--departments IDS] [--password-stdin]
  lantian user list [--json]
  lantian user disable LOGIN
  lantian user enable LOGIN
  lantian user passwd LOGIN [--password-stdin]

Roles: admin, analyst, leader, commission, county (needs --areas),
department (needs --departments, plan department ids), viewer, machine
(no password: create an API token with 'lantian token create').
Without --password-stdin a strong random password is generated and printed
once. Every change is recorded in the audit log as cli:<OS user>.`

const tokenUsage = `Usage:
  lantian token create --user LOGIN --name NAME --scopes SCOPES [--days N]
  lantian token list [--user LOGIN] [--json]
  lantian token revoke ID|PREFIX

Scopes: *:read, or KIND:read / KIND:write for a kind of the policy
(observation, device, station, plan, progress, case, report, …). The token
is printed once; only its hash is stored.`

// openAuth opens the store and the auth service over it for a command.
func openAuth(ctx context.Context, sf storeFlags) (*sqlstore.DB, *auth.Service, error) {
	db, err := sqlstore.Open(ctx, sf.db, sf.data)
	if err != nil {
		return nil, nil, fmt.Errorf("open store: %w", err)
	}
	svc, err := auth.New(db, db, auth.Config{})
	if err != nil {
		db.Close()
		return nil, nil, err
	}
	return db, svc, nil
}

func runUser(args []string, stdout, stderr io.Writer) error {
	return dispatch("user", userUsage, args, stdout, stderr, map[string]subcommand{
		"add":     runUserAdd,
		"list":    runUserList,
		"disable": named("disable", runUserDisable),
		"enable":  named("enable", runUserDisable),
		"passwd":  runUserPasswd,
	})
}

// readPassword returns the first line of passwordInput, or a generated
// password (generated true) when fromStdin is false.
func readPassword(fromStdin bool) (pw string, generated bool, err error) {
	if !fromStdin {
		return generatePassword(), true, nil
	}
	line, err := bufio.NewReader(passwordInput).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", false, fmt.Errorf("reading the password from standard input: %w", err)
	}
	return strings.TrimRight(line, "\r\n"), false, nil
}

// generatePassword returns 16 characters from an alphabet without
// look-alikes (about 90 bits).
func generatePassword() string {
	const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	return pick(alphabet, 16)
}

func pick(alphabet string, n int) string {
	b := make([]byte, n)
	buf := make([]byte, 1)
	for i := 0; i < n; {
		rand.Read(buf)
		// Rejection sampling keeps every character equally likely.
		if int(buf[0]) < 256-256%len(alphabet) {
			b[i] = alphabet[int(buf[0])%len(alphabet)]
			i++
		}
	}
	return string(b)
}

func runUserAdd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("user add", stderr, "LOGIN --role ROLE [flags]")
	var sf storeFlags
	sf.register(fs)
	role := fs.String("role", "", "role: admin, analyst, leader, commission, county, department, viewer, machine")
	name := fs.String("name", "", "display name (e.g. 桐柏县 联络员)")
	areas := fs.String("areas", "", "comma-separated area codes (county officers)")
	depts := fs.String("departments", "", "comma-separated plan department ids (department officers)")
	stdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 || *role == "" {
		fs.Usage()
		return errUsage
	}
	u := &lantian.User{Login: pos[0], Name: *name, Role: lantian.Role(*role), Areas: splitList(*areas), Departments: splitList(*depts)}
	pw, generated := "", false
	if u.Role != lantian.RoleMachine {
		if pw, generated, err = readPassword(*stdin); err != nil {
			return err
		}
	}
	ctx := context.Background()
	db, svc, err := openAuth(ctx, sf)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := svc.CreateUser(ctx, auth.CLIPrincipal(), u, pw); err != nil {
		return fmt.Errorf("user %s: %s", u.Login, lantian.ErrorMessage(err))
	}
	fmt.Fprintf(stdout, "created user %s (id %d, role %s)\n", u.Login, u.ID, u.Role)
	if generated {
		fmt.Fprintf(stdout, "password: %s\n(shown once; the user can change it after signing in)\n", pw)
	}
	return nil
}

func runUserList(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("user list", stderr, "[--json]")
	var sf storeFlags
	sf.register(fs)
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, sf.db, sf.data)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer db.Close()
	us, err := db.Users(ctx)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if us == nil {
			us = []*lantian.User{}
		}
		return enc.Encode(us)
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tLOGIN\tROLE\tSCOPE\tSTATE\tNAME")
	for _, u := range us {
		state := "active"
		switch {
		case u.Disabled:
			state = "disabled"
		case u.PasswordHash == "" && u.Role != lantian.RoleMachine:
			state = "no password"
		}
		scope := strings.Join(append(append([]string{}, u.Areas...), u.Departments...), ",")
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\n", u.ID, u.Login, u.Role, scope, state, u.Name)
	}
	return tw.Flush()
}

func runUserDisable(verb string, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("user "+verb, stderr, "LOGIN")
	var sf storeFlags
	sf.register(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	ctx := context.Background()
	db, svc, err := openAuth(ctx, sf)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := db.UserByLogin(ctx, strings.ToLower(pos[0]))
	if err != nil {
		return errors.New(lantian.ErrorMessage(err))
	}
	if _, err := svc.UpdateUser(ctx, auth.CLIPrincipal(), u.ID, func(u *lantian.User) error { u.Disabled = verb == "disable"; return nil }); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "user %s %sd", u.Login, verb)
	if verb == "disable" {
		fmt.Fprint(stdout, "; its sessions have ended")
	}
	fmt.Fprintln(stdout)
	return nil
}

func runUserPasswd(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("user passwd", stderr, "LOGIN [--password-stdin]")
	var sf storeFlags
	sf.register(fs)
	stdin := fs.Bool("password-stdin", false, "read the new password from the first line of standard input")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	pw, generated, err := readPassword(*stdin)
	if err != nil {
		return err
	}
	ctx := context.Background()
	db, svc, err := openAuth(ctx, sf)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := db.UserByLogin(ctx, strings.ToLower(pos[0]))
	if err != nil {
		return errors.New(lantian.ErrorMessage(err))
	}
	if err := svc.SetPassword(ctx, auth.CLIPrincipal(), u.ID, pw); err != nil {
		return fmt.Errorf("user %s: %s", u.Login, lantian.ErrorMessage(err))
	}
	fmt.Fprintf(stdout, "password of %s set; its sessions have ended\n", u.Login)
	if generated {
		fmt.Fprintf(stdout, "password: %s\n(shown once)\n", pw)
	}
	return nil
}

func runToken(args []string, stdout, stderr io.Writer) error {
	return dispatch("token", tokenUsage, args, stdout, stderr, map[string]subcommand{
		"create": runTokenCreate,
		"list":   runTokenList,
		"revoke": runTokenRevoke,
	})
}

func runTokenCreate(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("token create", stderr, "--user LOGIN --name NAME --scopes SCOPES [--days N]")
	var sf storeFlags
	sf.register(fs)
	login := fs.String("user", "", "login of the user the token acts as (e.g. a machine client)")
	name := fs.String("name", "", "what uses the token (e.g. HJ 212 网关)")
	scopes := fs.String("scopes", "", "comma-separated scopes, e.g. observation:write,device:write")
	days := fs.Int("days", 366, "days until the token expires (1–366)")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	if *login == "" || *name == "" || *scopes == "" {
		fs.Usage()
		return errUsage
	}
	if *days < 1 || *days > 366 {
		return fmt.Errorf("--days %d: expected 1 to 366", *days)
	}
	ctx := context.Background()
	db, svc, err := openAuth(ctx, sf)
	if err != nil {
		return err
	}
	defer db.Close()
	u, err := db.UserByLogin(ctx, strings.ToLower(*login))
	if err != nil {
		return errors.New(lantian.ErrorMessage(err))
	}
	var sc []lantian.Scope
	for _, s := range splitList(*scopes) {
		sc = append(sc, lantian.Scope(s))
	}
	tok, t, err := svc.CreateToken(ctx, auth.CLIPrincipal(), u.ID, *name, sc, time.Duration(*days)*24*time.Hour)
	if err != nil {
		return errors.New(lantian.ErrorMessage(err))
	}
	fmt.Fprintf(stdout, "token %d (prefix %s) for %s, expires %s:\n%s\n(shown once; only its hash is stored)\n",
		t.ID, t.Prefix, u.Login, t.ExpiresAt.Format(time.DateOnly), tok)
	return nil
}

func runTokenList(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("token list", stderr, "[--user LOGIN] [--json]")
	var sf storeFlags
	sf.register(fs)
	login := fs.String("user", "", "only this user's tokens")
	asJSON := fs.Bool("json", false, "print JSON")
	if _, err := parseFlags(fs, args); err != nil {
		return err
	}
	ctx := context.Background()
	db, err := sqlstore.Open(ctx, sf.db, sf.data)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer db.Close()
	var uid int64
	if *login != "" {
		u, err := db.UserByLogin(ctx, strings.ToLower(*login))
		if err != nil {
			return errors.New(lantian.ErrorMessage(err))
		}
		uid = u.ID
	}
	ts, err := db.Tokens(ctx, uid)
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if ts == nil {
			ts = []*lantian.Token{}
		}
		return enc.Encode(ts)
	}
	logins := map[int64]string{}
	us, _ := db.Users(ctx)
	for _, u := range us {
		logins[u.ID] = u.Login
	}
	now := time.Now()
	day := func(t time.Time) string {
		if t.IsZero() {
			return "-"
		}
		return t.Format("2006-01-02 15:04")
	}
	tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tPREFIX\tUSER\tNAME\tSCOPES\tSTATE\tEXPIRES\tLAST USED")
	for _, t := range ts {
		state := "active"
		switch {
		case !t.RevokedAt.IsZero():
			state = "revoked " + day(t.RevokedAt)
		case !t.Active(now):
			state = "expired"
		}
		var sc []string
		for _, s := range t.Scopes {
			sc = append(sc, string(s))
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", t.ID, t.Prefix, logins[t.UserID], t.Name, strings.Join(sc, ","), state, day(t.ExpiresAt), day(t.LastUsedAt))
	}
	return tw.Flush()
}

func runTokenRevoke(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("token revoke", stderr, "ID|PREFIX")
	var sf storeFlags
	sf.register(fs)
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		fs.Usage()
		return errUsage
	}
	ctx := context.Background()
	db, svc, err := openAuth(ctx, sf)
	if err != nil {
		return err
	}
	defer db.Close()
	id, perr := strconv.ParseInt(pos[0], 10, 64)
	if perr != nil || len(pos[0]) == 10 {
		t, err := db.TokenByPrefix(ctx, strings.TrimPrefix(pos[0], auth.TokenPrefix))
		if err != nil {
			return errors.New(lantian.ErrorMessage(err))
		}
		id = t.ID
	}
	t, err := svc.RevokeToken(ctx, auth.CLIPrincipal(), id)
	if err != nil {
		return errors.New(lantian.ErrorMessage(err))
	}
	fmt.Fprintf(stdout, "token %d (prefix %s) revoked\n", t.ID, t.Prefix)
	return nil
}
