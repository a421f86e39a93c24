-- 0002: accounts, login sessions, API tokens and the audit log (package
-- auth; root file user.go). Secrets are never stored: sessions and tokens
-- are kept as hex SHA-256 hashes, passwords as argon2id hashes.

-- Accounts. "user" is reserved in PostgreSQL, hence app_user. areas and
-- departments are JSON arrays of codes (a county officer's areas, a
-- department officer's plan department ids).
CREATE TABLE app_user (
    id            {{.Serial}},
    login         TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL DEFAULT '',
    role          TEXT NOT NULL CHECK (role IN ('admin', 'analyst', 'leader', 'commission', 'county', 'department', 'viewer', 'machine')),
    areas         TEXT NOT NULL DEFAULT '[]',
    departments   TEXT NOT NULL DEFAULT '[]',
    disabled      {{.Bool}} NOT NULL DEFAULT {{.False}},
    password_hash TEXT NOT NULL DEFAULT '',
    created_at    {{.Time}} NOT NULL,
    updated_at    {{.Time}} NOT NULL
);

-- Login sessions, keyed by the SHA-256 of the session ID.
CREATE TABLE user_session (
    hash         TEXT PRIMARY KEY,
    user_id      BIGINT NOT NULL REFERENCES app_user (id),
    created_at   {{.Time}} NOT NULL,
    last_seen_at {{.Time}} NOT NULL,
    expires_at   {{.Time}} NOT NULL,
    remote       TEXT NOT NULL DEFAULT '',
    user_agent   TEXT NOT NULL DEFAULT ''
);
CREATE INDEX user_session_user ON user_session (user_id);
CREATE INDEX user_session_expiry ON user_session (expires_at);

-- API tokens: the public prefix identifies one, the hash proves it.
CREATE TABLE api_token (
    id           {{.Serial}},
    user_id      BIGINT NOT NULL REFERENCES app_user (id),
    name         TEXT NOT NULL,
    prefix       TEXT NOT NULL UNIQUE,
    hash         TEXT NOT NULL,
    scopes       TEXT NOT NULL DEFAULT '[]',
    created_at   {{.Time}} NOT NULL,
    expires_at   {{.Time}},
    last_used_at {{.Time}},
    revoked_at   {{.Time}}
);
CREATE INDEX api_token_user ON api_token (user_id);

-- The audit log: append-only and hash-chained (see lantian.AuditEntry).
-- at_us is Unix microseconds in both databases, exactly the instant that
-- was hashed. before_json and after_json are TEXT, not jsonb, so that the
-- hashed bytes come back unchanged.
CREATE TABLE audit_log (
    seq         BIGINT PRIMARY KEY CHECK (seq > 0),
    at_us       BIGINT NOT NULL,
    actor_id    BIGINT NOT NULL,
    actor       TEXT NOT NULL,
    via         TEXT NOT NULL,
    action      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    object      TEXT NOT NULL,
    area        TEXT NOT NULL DEFAULT '',
    before_json TEXT NOT NULL DEFAULT '',
    after_json  TEXT NOT NULL DEFAULT '',
    remote      TEXT NOT NULL DEFAULT '',
    prev_hash   TEXT NOT NULL,
    hash        TEXT NOT NULL UNIQUE
);
CREATE INDEX audit_log_object ON audit_log (kind, object, seq);
CREATE INDEX audit_log_actor ON audit_log (actor_id, seq);

-- No UPDATE, DELETE (or TRUNCATE) of the audit log, whoever asks.
{{if .Postgres -}}
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: entries are never changed or removed';
END $$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
{{- else -}}
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: entries are never changed or removed');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: entries are never changed or removed');
END;
{{- end}}
