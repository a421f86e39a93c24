package sqlstore

// Accounts, sessions and API tokens (lantian.AuthStore). Secrets arrive
// already hashed; hashes are stored hex-encoded.

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/lantian-aq/lantian"
)

var _ lantian.AuthStore = (*DB)(nil)

// uniqueViolation reports whether err is a UNIQUE constraint failure.
func uniqueViolation(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == "23505"
	}
	return err != nil && strings.Contains(err.Error(), "UNIQUE constraint failed")
}

func jsonList[T ~string](l []T) string {
	if len(l) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(l)
	return string(b)
}

type jsonListScan[T ~string] struct{ l *[]T }

func (s jsonListScan[T]) Scan(src any) error {
	var b []byte
	switch v := src.(type) {
	case string:
		b = []byte(v)
	case []byte:
		b = v
	case nil:
		*s.l = nil
		return nil
	default:
		return fmt.Errorf("cannot scan %T as a JSON list", src)
	}
	var l []T
	if err := json.Unmarshal(b, &l); err != nil {
		return fmt.Errorf("scan JSON list: %w", err)
	}
	if len(l) == 0 {
		l = nil
	}
	*s.l = l
	return nil
}

// boolScan scans a boolean stored as SQLite INTEGER or PostgreSQL boolean.
type boolScan struct{ b *bool }

func (s boolScan) Scan(src any) error {
	switch v := src.(type) {
	case bool:
		*s.b = v
	case int64:
		*s.b = v != 0
	default:
		return fmt.Errorf("cannot scan %T as a boolean", src)
	}
	return nil
}

func (db *DB) boolArg(b bool) any {
	if db.d.Postgres {
		return b
	}
	if b {
		return 1
	}
	return 0
}

const userColumns = `id, login, name, role, areas, departments, disabled, password_hash, created_at, updated_at`

func scanUser(sc interface{ Scan(...any) error }) (*lantian.User, error) {
	var u lantian.User
	err := sc.Scan(&u.ID, &u.Login, &u.Name, &u.Role, jsonListScan[string]{&u.Areas}, jsonListScan[string]{&u.Departments},
		boolScan{&u.Disabled}, &u.PasswordHash, timeScan{&u.CreatedAt}, timeScan{&u.UpdatedAt})
	return &u, err
}

// CreateUser implements lantian.AuthStore.
func (db *DB) CreateUser(ctx context.Context, u *lantian.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	now := db.now().Truncate(time.Second)
	err := db.inTx(ctx, func(tx *sql.Tx) error {
		return tx.QueryRowContext(ctx, db.q(`INSERT INTO app_user (login, name, role, areas, departments, disabled, password_hash, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`),
			u.Login, u.Name, string(u.Role), jsonList(u.Areas), jsonList(u.Departments), db.boolArg(u.Disabled), u.PasswordHash,
			db.d.timeArg(now), db.d.timeArg(now)).Scan(&u.ID)
	})
	if uniqueViolation(err) {
		return lantian.Errorf(lantian.ECONFLICT, "login %q is taken", u.Login)
	}
	if err != nil {
		return fmt.Errorf("create user %s: %w", u.Login, err)
	}
	u.CreatedAt, u.UpdatedAt = now, now
	return nil
}

// UpdateUser implements lantian.AuthStore.
func (db *DB) UpdateUser(ctx context.Context, u *lantian.User) error {
	if err := u.Validate(); err != nil {
		return err
	}
	now := db.now().Truncate(time.Second)
	res, err := db.w.ExecContext(ctx, db.q(`UPDATE app_user SET name = ?, role = ?, areas = ?, departments = ?, disabled = ?,
		password_hash = ?, updated_at = ? WHERE id = ?`),
		u.Name, string(u.Role), jsonList(u.Areas), jsonList(u.Departments), db.boolArg(u.Disabled), u.PasswordHash, db.d.timeArg(now), u.ID)
	if err != nil {
		return fmt.Errorf("update user %s: %w", u.Login, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return lantian.Errorf(lantian.ENOTFOUND, "no user with id %d", u.ID)
	}
	u.UpdatedAt = now
	return nil
}

// UserByID implements lantian.AuthStore.
func (db *DB) UserByID(ctx context.Context, id int64) (*lantian.User, error) {
	u, err := scanUser(db.r.QueryRowContext(ctx, db.q(`SELECT `+userColumns+` FROM app_user WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, lantian.Errorf(lantian.ENOTFOUND, "no user with id %d", id)
	}
	return u, wrap(err, "read user %d", id)
}

// UserByLogin implements lantian.AuthStore.
func (db *DB) UserByLogin(ctx context.Context, login string) (*lantian.User, error) {
	u, err := scanUser(db.r.QueryRowContext(ctx, db.q(`SELECT `+userColumns+` FROM app_user WHERE login = ?`), login))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, lantian.Errorf(lantian.ENOTFOUND, "no user with login %q", login)
	}
	return u, wrap(err, "read user %q", login)
}

// Users implements lantian.AuthStore.
func (db *DB) Users(ctx context.Context) ([]*lantian.User, error) {
	rows, err := db.r.QueryContext(ctx, `SELECT `+userColumns+` FROM app_user ORDER BY login`)
	if err != nil {
		return nil, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var out []*lantian.User
	for rows.Next() {
		u, err := scanUser(rows)
		if err != nil {
			return nil, fmt.Errorf("list users: %w", err)
		}
		out = append(out, u)
	}
	return out, wrap(rows.Err(), "list users")
}

// CreateSession implements lantian.AuthStore.
func (db *DB) CreateSession(ctx context.Context, s *lantian.Session) error {
	_, err := db.w.ExecContext(ctx, db.q(`INSERT INTO user_session (hash, user_id, created_at, last_seen_at, expires_at, remote, user_agent)
		VALUES (?, ?, ?, ?, ?, ?, ?)`),
		hex.EncodeToString(s.Hash), s.UserID, db.d.timeArg(s.CreatedAt), db.d.timeArg(s.LastSeenAt), db.d.timeArg(s.ExpiresAt), s.Remote, s.UserAgent)
	return wrap(err, "create session")
}

// SessionByHash implements lantian.AuthStore.
func (db *DB) SessionByHash(ctx context.Context, hash []byte) (*lantian.Session, error) {
	s := &lantian.Session{Hash: hash}
	err := db.r.QueryRowContext(ctx, db.q(`SELECT user_id, created_at, last_seen_at, expires_at, remote, user_agent
		FROM user_session WHERE hash = ?`), hex.EncodeToString(hash)).
		Scan(&s.UserID, timeScan{&s.CreatedAt}, timeScan{&s.LastSeenAt}, timeScan{&s.ExpiresAt}, &s.Remote, &s.UserAgent)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, lantian.Errorf(lantian.ENOTFOUND, "no such session")
	}
	return s, wrap(err, "read session")
}

// TouchSession implements lantian.AuthStore.
func (db *DB) TouchSession(ctx context.Context, hash []byte, at time.Time) error {
	_, err := db.w.ExecContext(ctx, db.q(`UPDATE user_session SET last_seen_at = ? WHERE hash = ?`), db.d.timeArg(at), hex.EncodeToString(hash))
	return wrap(err, "touch session")
}

// DeleteSession implements lantian.AuthStore.
func (db *DB) DeleteSession(ctx context.Context, hash []byte) error {
	_, err := db.w.ExecContext(ctx, db.q(`DELETE FROM user_session WHERE hash = ?`), hex.EncodeToString(hash))
	return wrap(err, "delete session")
}

// DeleteUserSessions implements lantian.AuthStore.
func (db *DB) DeleteUserSessions(ctx context.Context, userID int64) (int, error) {
	res, err := db.w.ExecContext(ctx, db.q(`DELETE FROM user_session WHERE user_id = ?`), userID)
	if err != nil {
		return 0, fmt.Errorf("delete sessions of user %d: %w", userID, err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

// DeleteSessionsBefore implements lantian.AuthStore.
func (db *DB) DeleteSessionsBefore(ctx context.Context, t, idle time.Time) (int, error) {
	res, err := db.w.ExecContext(ctx, db.q(`DELETE FROM user_session WHERE expires_at < ? OR last_seen_at < ?`), db.d.timeArg(t), db.d.timeArg(idle))
	if err != nil {
		return 0, fmt.Errorf("delete expired sessions: %w", err)
	}
	n, _ := res.RowsAffected()
	return int(n), nil
}

const tokenColumns = `id, user_id, name, prefix, hash, scopes, created_at, expires_at, last_used_at, revoked_at`

func scanToken(sc interface{ Scan(...any) error }) (*lantian.Token, error) {
	var t lantian.Token
	var h string
	err := sc.Scan(&t.ID, &t.UserID, &t.Name, &t.Prefix, &h, jsonListScan[lantian.Scope]{&t.Scopes},
		timeScan{&t.CreatedAt}, timeScan{&t.ExpiresAt}, timeScan{&t.LastUsedAt}, timeScan{&t.RevokedAt})
	if err != nil {
		return nil, err
	}
	if t.Hash, err = hex.DecodeString(h); err != nil {
		return nil, fmt.Errorf("token %s: bad hash: %w", t.Prefix, err)
	}
	return &t, nil
}

// CreateToken implements lantian.AuthStore.
func (db *DB) CreateToken(ctx context.Context, t *lantian.Token) error {
	err := db.w.QueryRowContext(ctx, db.q(`INSERT INTO api_token (user_id, name, prefix, hash, scopes, created_at, expires_at)
		VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id`),
		t.UserID, t.Name, t.Prefix, hex.EncodeToString(t.Hash), jsonList(t.Scopes), db.d.timeArg(t.CreatedAt), db.d.nullTimeArg(t.ExpiresAt)).Scan(&t.ID)
	if uniqueViolation(err) {
		return lantian.Errorf(lantian.ECONFLICT, "token prefix %s is taken", t.Prefix)
	}
	return wrap(err, "create token %q", t.Name)
}

// TokenByPrefix implements lantian.AuthStore.
func (db *DB) TokenByPrefix(ctx context.Context, prefix string) (*lantian.Token, error) {
	t, err := scanToken(db.r.QueryRowContext(ctx, db.q(`SELECT `+tokenColumns+` FROM api_token WHERE prefix = ?`), prefix))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, lantian.Errorf(lantian.ENOTFOUND, "no token with prefix %q", prefix)
	}
	return t, wrap(err, "read token %q", prefix)
}

// TokenByID implements lantian.AuthStore.
func (db *DB) TokenByID(ctx context.Context, id int64) (*lantian.Token, error) {
	t, err := scanToken(db.r.QueryRowContext(ctx, db.q(`SELECT `+tokenColumns+` FROM api_token WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, lantian.Errorf(lantian.ENOTFOUND, "no token with id %d", id)
	}
	return t, wrap(err, "read token %d", id)
}

// Tokens implements lantian.AuthStore.
func (db *DB) Tokens(ctx context.Context, userID int64) ([]*lantian.Token, error) {
	q, args := `SELECT `+tokenColumns+` FROM api_token`, []any{}
	if userID != 0 {
		q += ` WHERE user_id = ?`
		args = append(args, userID)
	}
	rows, err := db.r.QueryContext(ctx, db.q(q+` ORDER BY id DESC`), args...)
	if err != nil {
		return nil, fmt.Errorf("list tokens: %w", err)
	}
	defer rows.Close()
	var out []*lantian.Token
	for rows.Next() {
		t, err := scanToken(rows)
		if err != nil {
			return nil, fmt.Errorf("list tokens: %w", err)
		}
		out = append(out, t)
	}
	return out, wrap(rows.Err(), "list tokens")
}

// RevokeToken implements lantian.AuthStore.
func (db *DB) RevokeToken(ctx context.Context, id int64, t time.Time) error {
	res, err := db.w.ExecContext(ctx, db.q(`UPDATE api_token SET revoked_at = COALESCE(revoked_at, ?) WHERE id = ?`), db.d.timeArg(t), id)
	if err != nil {
		return fmt.Errorf("revoke token %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return lantian.Errorf(lantian.ENOTFOUND, "no token with id %d", id)
	}
	return nil
}

// TouchToken implements lantian.AuthStore.
func (db *DB) TouchToken(ctx context.Context, id int64, t time.Time) error {
	_, err := db.w.ExecContext(ctx, db.q(`UPDATE api_token SET last_used_at = ? WHERE id = ?`), db.d.timeArg(t), id)
	return wrap(err, "touch token %d", id)
}
