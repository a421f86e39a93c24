package auth

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lantian-aq/lantian"
)

// Register adds the account, token, audit and policy routes of the API to
// the router:
//
//	POST   /api/v1/session              sign in (JSON {login, password} or a form)
//	GET    /api/v1/session              who am I, my permissions, the CSRF token
//	DELETE /api/v1/session              sign out
//	GET    /api/v1/users                users (an administrator sees all, others themselves)
//	POST   /api/v1/users                create a user
//	GET    /api/v1/users/{id}           one user
//	PATCH  /api/v1/users/{id}           change name, role, scopes, disabled
//	PUT    /api/v1/users/{id}/password  set a password
//	GET    /api/v1/tokens               API tokens (own; an administrator's: all)
//	POST   /api/v1/tokens               create a token (the secret is in this answer only)
//	DELETE /api/v1/tokens/{id}          revoke a token
//	GET    /api/v1/audit                audit entries, newest first (cursor: before)
//	GET    /api/v1/audit/verify         verify the hash chain
//	GET    /api/v1/policy               the authorisation table
func (s *Service) Register(rt *Router) {
	rt.HandleFunc("POST /api/v1/session", Public(), s.apiLogin)
	rt.HandleFunc("GET /api/v1/session", Authenticated(), s.apiWhoami)
	rt.HandleFunc("DELETE /api/v1/session", Authenticated(), s.apiLogout)
	rt.HandleFunc("GET /api/v1/users", Requires(KindUser, Read), s.apiUsers)
	rt.HandleFunc("POST /api/v1/users", Requires(KindUser, Create), s.apiCreateUser)
	rt.HandleFunc("GET /api/v1/users/{id}", Requires(KindUser, Read).Object(ownerFromPath), s.apiUser)
	rt.HandleFunc("PATCH /api/v1/users/{id}", Requires(KindUser, Update).Object(ownerFromPath), s.apiUpdateUser)
	rt.HandleFunc("PUT /api/v1/users/{id}/password", Requires(KindPassword, Update).Object(ownerFromPath), s.apiSetPassword)
	rt.HandleFunc("GET /api/v1/tokens", Requires(KindToken, Read), s.apiTokens)
	rt.HandleFunc("POST /api/v1/tokens", Requires(KindToken, Create), s.apiCreateToken)
	rt.HandleFunc("DELETE /api/v1/tokens/{id}", Requires(KindToken, Delete).Object(s.tokenOwner), s.apiRevokeToken)
	rt.HandleFunc("GET /api/v1/audit", Requires(KindAudit, Read), s.apiAudit)
	rt.HandleFunc("GET /api/v1/audit/verify", Requires(KindAudit, Read), s.apiAuditVerify)
	rt.HandleFunc("GET /api/v1/policy", Authenticated(), s.apiPolicy)
}

// pathID parses the {id} path value: a positive decimal integer.
func pathID(r *http.Request) (int64, error) {
	v := r.PathValue("id")
	id, err := strconv.ParseInt(v, 10, 64)
	if err != nil || id <= 0 {
		return 0, lantian.Errorf(lantian.EINVALID, "id %q: expected a positive integer", truncate(v, 40))
	}
	return id, nil
}

func ownerFromPath(r *http.Request) (Resource, error) {
	id, err := pathID(r)
	return Resource{ID: r.PathValue("id"), Owner: id}, err
}

func (s *Service) tokenOwner(r *http.Request) (Resource, error) {
	id, err := pathID(r)
	if err != nil {
		return Resource{}, err
	}
	t, err := s.store.TokenByID(r.Context(), id)
	if err != nil {
		return Resource{}, err
	}
	return Resource{ID: r.PathValue("id"), Owner: t.UserID}, nil
}

// maxBody bounds JSON request bodies of these routes.
const maxBody = 64 << 10

// decode reads a JSON body into v, refusing unknown fields and trailing
// data, with messages a person can act on.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	d := json.NewDecoder(http.MaxBytesReader(w, r.Body, maxBody))
	d.DisallowUnknownFields()
	if err := d.Decode(v); err != nil {
		var se *json.SyntaxError
		var te *json.UnmarshalTypeError
		var me *http.MaxBytesError
		switch {
		case errors.As(err, &se):
			return lantian.Errorf(lantian.EINVALID, "request body: malformed JSON at byte %d", se.Offset)
		case errors.As(err, &te):
			return lantian.Errorf(lantian.EINVALID, "request body: field %q: expected %s", te.Field, te.Type)
		case errors.As(err, &me):
			return lantian.Errorf(lantian.EINVALID, "request body: larger than %d bytes", maxBody)
		case errors.Is(err, io.EOF):
			return lantian.Errorf(lantian.EINVALID, "request body: expected a JSON object")
		}
		return lantian.Errorf(lantian.EINVALID, "request body: %v", err)
	}
	if d.More() {
		return lantian.Errorf(lantian.EINVALID, "request body: data after the JSON object")
	}
	return nil
}

type sessionView struct {
	User        lantian.User               `json:"user"`
	RoleLabel   string                     `json:"role_label"`
	Via         string                     `json:"via"`
	CSRFToken   string                     `json:"csrf_token,omitempty"`
	Permissions map[Kind]map[Action]string `json:"permissions"`
}

func (s *Service) view(p *Principal) sessionView {
	perms := map[Kind]map[Action]string{}
	for _, k := range Kinds() {
		for _, a := range Actions() {
			if g := GrantFor(p.User.Role, k, a); g != Deny && (p.Token == nil || ScopeAllows(p.Token.Scopes, k, a)) {
				if perms[k] == nil {
					perms[k] = map[Action]string{}
				}
				perms[k][a] = g.String()
			}
		}
	}
	return sessionView{User: p.User, RoleLabel: p.User.Role.Label(), Via: p.Via(), CSRFToken: p.csrf, Permissions: perms}
}

func (s *Service) apiLogin(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Login    string `json:"login"`
		Password string `json:"password"`
	}
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		in.Login, in.Password = r.PostFormValue("login"), r.PostFormValue("password")
	} else if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	if in.Login == "" || in.Password == "" {
		writeError(w, r, lantian.Errorf(lantian.EINVALID, "login and password are required"))
		return
	}
	remote := s.cfg.ClientAddr(r)
	// Whatever session the client held ends here: a login always starts a
	// new session (no fixation, no two identities in one browser).
	if old := PrincipalFrom(r.Context()); old != nil && old.session != nil {
		_ = s.store.DeleteSession(r.Context(), old.session)
		s.forget()
	}
	id, p, err := s.Login(r.Context(), in.Login, in.Password, remote, r.UserAgent())
	if err != nil {
		s.clearCookie(w)
		writeError(w, r, err)
		return
	}
	s.setCookie(w, id)
	writeJSON(w, http.StatusOK, s.view(p))
}

func (s *Service) apiWhoami(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, s.view(PrincipalFrom(r.Context())))
}

func (s *Service) apiLogout(w http.ResponseWriter, r *http.Request) {
	if err := s.Logout(r.Context(), PrincipalFrom(r.Context())); err != nil {
		writeError(w, r, err)
		return
	}
	s.clearCookie(w)
	w.WriteHeader(http.StatusNoContent)
}

func (s *Service) apiUsers(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r.Context())
	var out []*lantian.User
	if Authorize(p, Read, Resource{Kind: KindUser}) == nil {
		us, err := s.store.Users(r.Context())
		if err != nil {
			writeError(w, r, err)
			return
		}
		out = us
	} else {
		u, err := s.store.UserByID(r.Context(), p.User.ID)
		if err != nil {
			writeError(w, r, err)
			return
		}
		out = []*lantian.User{u}
	}
	writeJSON(w, http.StatusOK, map[string]any{"users": out})
}

func (s *Service) apiUser(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r)
	u, err := s.store.UserByID(r.Context(), id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

type userInput struct {
	Login       *string   `json:"login"`
	Name        *string   `json:"name"`
	Role        *string   `json:"role"`
	Areas       *[]string `json:"areas"`
	Departments *[]string `json:"departments"`
	Disabled    *bool     `json:"disabled"`
	Password    *string   `json:"password"`
}

func (in *userInput) apply(u *lantian.User) {
	if in.Name != nil {
		u.Name = *in.Name
	}
	if in.Role != nil {
		u.Role = lantian.Role(*in.Role)
	}
	if in.Areas != nil {
		u.Areas = *in.Areas
	}
	if in.Departments != nil {
		u.Departments = *in.Departments
	}
	if in.Disabled != nil {
		u.Disabled = *in.Disabled
	}
}

func (s *Service) apiCreateUser(w http.ResponseWriter, r *http.Request) {
	var in userInput
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	if in.Login == nil {
		writeError(w, r, lantian.Errorf(lantian.EINVALID, "login is required"))
		return
	}
	u := &lantian.User{Login: *in.Login}
	in.apply(u)
	pw := ""
	if in.Password != nil {
		pw = *in.Password
	}
	if err := s.CreateUser(r.Context(), PrincipalFrom(r.Context()), u, pw); err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, u)
}

func (s *Service) apiUpdateUser(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r)
	var in userInput
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	if in.Login != nil || in.Password != nil {
		writeError(w, r, lantian.Errorf(lantian.EINVALID, "login cannot change; set a password with PUT /api/v1/users/%d/password", id))
		return
	}
	p := PrincipalFrom(r.Context())
	if id == p.User.ID && ((in.Disabled != nil && *in.Disabled) || (in.Role != nil && lantian.Role(*in.Role) != p.User.Role)) {
		writeError(w, r, lantian.Errorf(lantian.EINVALID, "an administrator cannot disable or demote their own account"))
		return
	}
	u, err := s.UpdateUser(r.Context(), p, id, func(u *lantian.User) error { in.apply(u); return nil })
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, u)
}

func (s *Service) apiSetPassword(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r)
	var in struct {
		Password string `json:"password"`
		Current  string `json:"current_password"`
	}
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	p := PrincipalFrom(r.Context())
	if id == p.User.ID {
		// A stolen session must not be enough to take the account over.
		u, err := s.store.UserByID(r.Context(), id)
		if err != nil {
			writeError(w, r, err)
			return
		}
		var verr error
		if err := s.hash(r.Context(), func() { verr = VerifyPassword(u.PasswordHash, in.Current) }); err != nil {
			writeError(w, r, err)
			return
		}
		if verr != nil {
			writeError(w, r, lantian.Errorf(lantian.EFORBIDDEN, "current_password does not match"))
			return
		}
	}
	if err := s.SetPassword(r.Context(), p, id, in.Password); err != nil {
		writeError(w, r, err)
		return
	}
	if id == p.User.ID {
		s.clearCookie(w)
	}
	writeJSON(w, http.StatusOK, map[string]string{"status": "password changed; every session of the account has ended: sign in again"})
}

func (s *Service) apiTokens(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r.Context())
	owner := p.User.ID
	if Authorize(p, Read, Resource{Kind: KindToken}) == nil {
		owner = 0
		if v := r.URL.Query().Get("user"); v != "" {
			id, err := strconv.ParseInt(v, 10, 64)
			if err != nil || id <= 0 {
				writeError(w, r, lantian.Errorf(lantian.EINVALID, "user %q: expected a positive integer", truncate(v, 40)))
				return
			}
			owner = id
		}
	}
	ts, err := s.store.Tokens(r.Context(), owner)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"tokens": ts})
}

func (s *Service) apiCreateToken(w http.ResponseWriter, r *http.Request) {
	var in struct {
		UserID  int64           `json:"user_id"`
		Name    string          `json:"name"`
		Scopes  []lantian.Scope `json:"scopes"`
		Expires int             `json:"expires_in_days"`
	}
	if err := decode(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	p := PrincipalFrom(r.Context())
	if in.UserID == 0 {
		in.UserID = p.User.ID
	}
	if err := Check(r, Create, Resource{Kind: KindToken, Owner: in.UserID}); err != nil {
		writeError(w, r, err)
		return
	}
	if in.Expires < 0 || in.Expires > 366 {
		writeError(w, r, lantian.Errorf(lantian.EINVALID, "expires_in_days: expected 1 to 366 (0 for the maximum)"))
		return
	}
	secret, t, err := s.CreateToken(r.Context(), p, in.UserID, in.Name, in.Scopes, time.Duration(in.Expires)*24*time.Hour)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, map[string]any{"token": secret, "info": t,
		"note": "the token is shown only now; store it where its client reads it"})
}

func (s *Service) apiRevokeToken(w http.ResponseWriter, r *http.Request) {
	id, _ := pathID(r)
	t, err := s.RevokeToken(r.Context(), PrincipalFrom(r.Context()), id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, t)
}

// auditPageMax bounds one page of the audit API.
const auditPageMax = 500

func (s *Service) apiAudit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := lantian.AuditFilter{Descending: true, Limit: 100}
	for name, dst := range map[string]*int64{"before": &f.BeforeSeq, "actor": &f.ActorID} {
		if v := q.Get(name); v != "" {
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil || n <= 0 {
				writeError(w, r, lantian.Errorf(lantian.EINVALID, "%s %q: expected a positive integer", name, truncate(v, 40)))
				return
			}
			*dst = n
		}
	}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > auditPageMax {
			writeError(w, r, lantian.Errorf(lantian.EINVALID, "limit %q: expected 1 to %d", truncate(v, 40), auditPageMax))
			return
		}
		f.Limit = n
	}
	if v := q.Get("kind"); v != "" {
		if _, ok := policy[Kind(v)]; !ok {
			writeError(w, r, lantian.Errorf(lantian.EINVALID, "kind %q: expected one of %s", truncate(v, 40), kindList()))
			return
		}
		f.Kind = v
	}
	if v := q.Get("object"); v != "" {
		if !lantian.PlainText(v, 200) {
			writeError(w, r, lantian.Errorf(lantian.EINVALID, "object: expected at most 200 characters of printable text"))
			return
		}
		f.Object = v
	}
	es, err := s.audit.AuditEntries(r.Context(), f)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := map[string]any{"entries": es}
	if len(es) == f.Limit && len(es) > 0 {
		out["next"] = "/api/v1/audit?" + nextQuery(q, es[len(es)-1].Seq)
	}
	writeJSON(w, http.StatusOK, out)
}

func nextQuery(q map[string][]string, before int64) string {
	v := make(map[string][]string, len(q))
	for k, x := range q {
		v[k] = x
	}
	v["before"] = []string{strconv.FormatInt(before, 10)}
	return url.Values(v).Encode()
}

func (s *Service) apiAuditVerify(w http.ResponseWriter, r *http.Request) {
	rep, err := s.VerifyAudit(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

func (s *Service) apiPolicy(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"roles": lantian.Roles(), "policy": PolicyTable()})
}
