package auth

import (
	"embed"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lantian-aq/lantian"
)

//go:embed templates/*.html
var pageFS embed.FS

var beijing = time.FixedZone("CST", 8*3600)

var pages = template.Must(template.New("").Funcs(template.FuncMap{
	"bj": func(t time.Time) string { return t.In(beijing).Format("2006-01-02 15:04:05") },
}).ParseFS(pageFS, "templates/*.html"))

// RegisterPages adds the sign-in page, sign-out and the audit log page of
// the dashboard:
//
//	GET  /login   the sign-in form (?next=/path to return to)
//	POST /login   sign in from the form; 303 to next
//	POST /logout  sign out; 303 to /login
//	GET  /audit   the audit log with the chain's state (those allowed to read it)
//
// Anonymous browser requests to pages that need a user are redirected to
// /login by the Router.
func (s *Service) RegisterPages(rt *Router) {
	rt.HandleFunc("GET /login", Public(), s.pageLogin)
	rt.HandleFunc("POST /login", Public(), s.pageLoginPost)
	rt.HandleFunc("POST /logout", Authenticated(), s.pageLogout)
	rt.HandleFunc("GET /audit", Requires(KindAudit, Read), s.pageAudit)
}

// LoginPath is where anonymous browsers are sent.
const LoginPath = "/login"

// safeNext keeps only local absolute paths, so that the sign-in page
// cannot be used to redirect to another site.
func safeNext(next string) string {
	if next == "" || !strings.HasPrefix(next, "/") || strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") ||
		strings.ContainsAny(next, "\r\n\\") {
		return "/"
	}
	if u, err := url.Parse(next); err != nil || u.Scheme != "" || u.Host != "" {
		return "/"
	}
	return next
}

type loginPage struct {
	Error, Next, Login string
	// Lang is the page's language (zh-CN unless asked for English, like
	// the dashboard: ?lang= then the lang cookie); Switch is the URL of
	// the page in the other language.
	Lang, Switch string
	// Demo are the demo accounts to list (Config.DemoSignIn).
	Demo []DemoUser
}

// loginLanguage picks the sign-in page's language the way the dashboard
// does: ?lang= (remembered in the lang cookie the dashboard reads), then
// the cookie, then Chinese.
func loginLanguage(w http.ResponseWriter, r *http.Request) string {
	if q := r.URL.Query().Get("lang"); q != "" {
		l := "zh-CN"
		if strings.HasPrefix(strings.ToLower(q), "en") {
			l = "en"
		}
		http.SetCookie(w, &http.Cookie{Name: "lang", Value: l, Path: "/", MaxAge: 365 * 24 * 3600, HttpOnly: true, SameSite: http.SameSiteLaxMode})
		return l
	}
	if c, err := r.Cookie("lang"); err == nil && c.Value == "en" {
		return "en"
	}
	return "zh-CN"
}

// newLoginPage fills the language, the switch and the demo accounts.
func (s *Service) newLoginPage(w http.ResponseWriter, r *http.Request, next string) loginPage {
	pg := loginPage{Next: next, Lang: loginLanguage(w, r)}
	other := "en"
	if pg.Lang == "en" {
		other = "zh-CN"
	}
	pg.Switch = LoginPath + "?" + url.Values{"next": {next}, "lang": {other}}.Encode()
	if s.cfg.DemoSignIn {
		for _, d := range DemoCast() {
			if d.Password != "" {
				pg.Demo = append(pg.Demo, d)
			}
		}
	}
	return pg
}

func renderPage(w http.ResponseWriter, status int, name string, data any) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	// The sign-in page must not be framed (clickjacking of credentials).
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("Content-Security-Policy", "frame-ancestors 'none'")
	w.WriteHeader(status)
	_ = pages.ExecuteTemplate(w, name, data)
}

func (s *Service) pageLogin(w http.ResponseWriter, r *http.Request) {
	renderPage(w, http.StatusOK, "login.html", s.newLoginPage(w, r, safeNext(r.URL.Query().Get("next"))))
}

func (s *Service) pageLoginPost(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	login, pw, next := r.PostFormValue("login"), r.PostFormValue("password"), safeNext(r.PostFormValue("next"))
	if old := PrincipalFrom(r.Context()); old != nil && old.session != nil {
		_ = s.store.DeleteSession(r.Context(), old.session)
		s.forget()
	}
	id, _, err := s.Login(r.Context(), login, pw, s.cfg.ClientAddr(r), r.UserAgent())
	if err != nil {
		s.clearCookie(w)
		msg := "账号或密码错误 (wrong login or password)"
		var te *ThrottledError
		if errorsAs(err, &te) {
			w.Header().Set("Retry-After", strconv.Itoa(int(te.RetryAfter.Seconds()+0.999)))
			msg = "登录失败次数过多，请 " + strconv.Itoa(int(te.RetryAfter.Seconds()+0.999)) + " 秒后再试 (too many failed logins)"
		} else if c := lantian.ErrorCode(err); c != lantian.EUNAUTHENTICATED && c != lantian.EINVALID {
			slogFrom(r).Error("login", "err", err)
			msg = "登录暂不可用 (sign-in unavailable)"
		}
		// A wrong password re-renders the form (200), as browsers expect;
		// throttling and faults keep their status.
		status := HTTPStatus(err)
		if status == http.StatusUnauthorized || status == http.StatusBadRequest {
			status = http.StatusOK
		}
		pg := s.newLoginPage(w, r, next)
		pg.Error, pg.Login = msg, login
		renderPage(w, status, "login.html", pg)
		return
	}
	s.setCookie(w, id)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Service) pageLogout(w http.ResponseWriter, r *http.Request) {
	if err := s.Logout(r.Context(), PrincipalFrom(r.Context())); err != nil {
		writeError(w, r, err)
		return
	}
	s.clearCookie(w)
	http.Redirect(w, r, LoginPath, http.StatusSeeOther)
}

type auditPage struct {
	User    lantian.User
	CSRF    string
	Report  ChainReport
	Entries []*lantian.AuditEntry
	Next    string
}

func (s *Service) pageAudit(w http.ResponseWriter, r *http.Request) {
	p := PrincipalFrom(r.Context())
	f := lantian.AuditFilter{Descending: true, Limit: 100}
	if v := r.URL.Query().Get("before"); v != "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n <= 0 {
			writeError(w, r, lantian.Errorf(lantian.EINVALID, "before %q: expected a positive integer", truncate(v, 40)))
			return
		}
		f.BeforeSeq = n
	}
	rep, err := s.VerifyAudit(r.Context())
	if err != nil {
		writeError(w, r, err)
		return
	}
	es, err := s.audit.AuditEntries(r.Context(), f)
	if err != nil {
		writeError(w, r, err)
		return
	}
	pg := auditPage{User: p.User, CSRF: p.csrf, Report: rep, Entries: es}
	if len(es) == f.Limit {
		pg.Next = "/audit?before=" + strconv.FormatInt(es[len(es)-1].Seq, 10)
	}
	renderPage(w, http.StatusOK, "audit.html", pg)
}
