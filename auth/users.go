package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/lantian-aq/lantian"
)

func contextWithState(ctx context.Context, st *requestState) context.Context {
	return context.WithValue(ctx, requestStateKey, st)
}

func errorsAs[T any](err error, target *T) bool { return errors.As(err, target) }

func slogFrom(r *http.Request) *slog.Logger {
	if st, ok := r.Context().Value(requestStateKey).(*requestState); ok {
		return st.svc.log
	}
	return slog.Default()
}

// auditUser is the view of a user the audit log keeps (no password hash,
// only whether one is set).
type auditUser struct {
	lantian.User
	HasPassword bool `json:"has_password"`
}

func userView(u *lantian.User) auditUser {
	return auditUser{User: *u, HasPassword: u.PasswordHash != ""}
}

func userID(u *lantian.User) string { return strconv.FormatInt(u.ID, 10) }

// normaliseUser trims and lower-cases the login and sorts the scopes, so
// that equal users compare equal.
func normaliseUser(u *lantian.User) {
	u.Login = strings.ToLower(strings.TrimSpace(u.Login))
	u.Name = strings.TrimSpace(u.Name)
	for _, l := range []*[]string{&u.Areas, &u.Departments} {
		for i := range *l {
			(*l)[i] = strings.TrimSpace((*l)[i])
		}
		slices.Sort(*l)
		*l = slices.Compact(*l)
	}
}

// CreateUser stores a new user, with a password unless it is "" (a machine
// client, or an account to receive one later), and records the creation
// by actor.
func (s *Service) CreateUser(ctx context.Context, actor *Principal, u *lantian.User, password string) error {
	normaliseUser(u)
	if password != "" {
		if u.Role == lantian.RoleMachine {
			return lantian.Errorf(lantian.EINVALID, "user %s: machine clients have no password; create an API token", u.Login)
		}
		h, err := s.HashPassword(ctx, u.Login, password)
		if err != nil {
			return err
		}
		u.PasswordHash = h
	}
	if err := u.Validate(); err != nil {
		return err
	}
	if err := s.store.CreateUser(ctx, u); err != nil {
		return err
	}
	return s.Record(ctx, actor, Change{Action: "create", Kind: KindUser, Object: userID(u), After: userView(u)})
}

// UpdateUser applies edit to the stored user with the ID, validates and
// stores the result and records the change. Disabling an account or
// changing its role or scopes ends its sessions.
func (s *Service) UpdateUser(ctx context.Context, actor *Principal, id int64, edit func(*lantian.User) error) (*lantian.User, error) {
	u, err := s.store.UserByID(ctx, id)
	if err != nil {
		return nil, err
	}
	before := *u
	before.Areas, before.Departments = slices.Clone(u.Areas), slices.Clone(u.Departments)
	if err := edit(u); err != nil {
		return nil, err
	}
	u.ID, u.Login, u.PasswordHash = before.ID, before.Login, before.PasswordHash
	normaliseUser(u)
	if err := u.Validate(); err != nil {
		return nil, err
	}
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return nil, err
	}
	defer s.forget()
	if u.Disabled || u.Role != before.Role || !slices.Equal(u.Areas, before.Areas) || !slices.Equal(u.Departments, before.Departments) {
		if _, err := s.store.DeleteUserSessions(ctx, u.ID); err != nil {
			return nil, fmt.Errorf("ending sessions of %s: %w", u.Login, err)
		}
	}
	return u, s.Record(ctx, actor, Change{Action: "update", Kind: KindUser, Object: userID(u), Before: userView(&before), After: userView(u)})
}

// SetPassword sets a user's password and ends all its sessions.
func (s *Service) SetPassword(ctx context.Context, actor *Principal, id int64, password string) error {
	u, err := s.store.UserByID(ctx, id)
	if err != nil {
		return err
	}
	if u.Role == lantian.RoleMachine {
		return lantian.Errorf(lantian.EINVALID, "user %s is a machine client: it has no password", u.Login)
	}
	h, err := s.HashPassword(ctx, u.Login, password)
	if err != nil {
		return err
	}
	u.PasswordHash = h
	if err := s.store.UpdateUser(ctx, u); err != nil {
		return err
	}
	defer s.forget()
	if _, err := s.store.DeleteUserSessions(ctx, u.ID); err != nil {
		return fmt.Errorf("ending sessions of %s: %w", u.Login, err)
	}
	return s.Record(ctx, actor, Change{Action: "passwd", Kind: KindPassword, Object: userID(u)})
}

// MaxTokenLifetime bounds an API token's validity; tokens must be renewed
// at least once a year.
const MaxTokenLifetime = 366 * 24 * time.Hour

// CreateToken makes a new API token for the user with the scopes, valid
// for ttl (0: MaxTokenLifetime), and returns the token itself, which is
// never shown again. Every scope must name something the user's role may
// do at all.
func (s *Service) CreateToken(ctx context.Context, actor *Principal, userID int64, name string, scopes []lantian.Scope, ttl time.Duration) (string, *lantian.Token, error) {
	u, err := s.store.UserByID(ctx, userID)
	if err != nil {
		return "", nil, err
	}
	if u.Disabled {
		return "", nil, lantian.Errorf(lantian.EINVALID, "user %s is disabled", u.Login)
	}
	name = strings.TrimSpace(name)
	if name == "" || !lantian.PlainText(name, 100) {
		return "", nil, lantian.Errorf(lantian.EINVALID, "token name: expected 1–100 characters saying what uses the token")
	}
	if len(scopes) == 0 {
		return "", nil, lantian.Errorf(lantian.EINVALID, "token %q: at least one scope expected (e.g. *:read, observation:write, device:write)", name)
	}
	slices.Sort(scopes)
	scopes = slices.Compact(scopes)
	for _, sc := range scopes {
		if err := ValidScope(sc); err != nil {
			return "", nil, err
		}
		if !scopeUsable(u.Role, sc) {
			return "", nil, lantian.Errorf(lantian.EINVALID, "scope %s: role %s may not do that at all", sc, u.Role)
		}
	}
	switch {
	case ttl == 0:
		ttl = MaxTokenLifetime
	case ttl < 0 || ttl > MaxTokenLifetime:
		return "", nil, lantian.Errorf(lantian.EINVALID, "token lifetime: expected 1 to 366 days")
	}
	now := s.cfg.Now()
	for range 3 {
		secret, prefix, hash := newToken()
		t := &lantian.Token{UserID: u.ID, Name: name, Prefix: prefix, Hash: hash, Scopes: scopes, CreatedAt: now, ExpiresAt: now.Add(ttl)}
		err := s.store.CreateToken(ctx, t)
		if lantian.ErrorCode(err) == lantian.ECONFLICT {
			continue // a prefix collision: draw again
		}
		if err != nil {
			return "", nil, err
		}
		return secret, t, s.Record(ctx, actor, Change{Action: "create", Kind: KindToken, Object: strconv.FormatInt(t.ID, 10), After: t})
	}
	return "", nil, errors.New("creating token: prefix collisions")
}

func scopeUsable(role lantian.Role, sc lantian.Scope) bool {
	kind, access, _ := strings.Cut(string(sc), ":")
	if kind == "*" {
		return true
	}
	if access == "read" {
		return Permits(role, Kind(kind), Read)
	}
	return Permits(role, Kind(kind), Create) || Permits(role, Kind(kind), Update) || Permits(role, Kind(kind), Delete)
}

// RevokeToken revokes the token with the ID and records it.
func (s *Service) RevokeToken(ctx context.Context, actor *Principal, id int64) (*lantian.Token, error) {
	t, err := s.store.TokenByID(ctx, id)
	if err != nil {
		return nil, err
	}
	before := *t
	if err := s.store.RevokeToken(ctx, id, s.cfg.Now()); err != nil {
		return nil, err
	}
	defer s.forget()
	if t, err = s.store.TokenByID(ctx, id); err != nil {
		return nil, err
	}
	return t, s.Record(ctx, actor, Change{Action: "revoke", Kind: KindToken, Object: strconv.FormatInt(id, 10), Before: &before, After: t})
}
