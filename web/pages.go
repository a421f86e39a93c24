package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/auth"
	"github.com/lantian-aq/lantian/standard"
)

// pageTemplate is the layout plus one page's content.
type pageTemplate struct{ t *template.Template }

// pageNames are the dashboard's page templates (templates/NAME.html).
var pageNames = []string{"overview", "realtime", "calendar", "ranking", "detail", "error"}

func templateFuncs(t func(string) string) template.FuncMap {
	return template.FuncMap{
		"t":      t,
		"tf":     func(key string, args ...any) string { return sprintf(t(key), args...) },
		"deref":  func(p *int) int { return *p },
		"pct":    func(f float64) string { return strconv.FormatFloat(f*100, 'f', 0, 64) },
		"f1":     func(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) },
		"status": func(st string) string { return t("status." + st) },
		"neg":    func(p *int) bool { return p != nil && *p < 0 },
		"item":   func(it ItemView) string { return itemLabel(it, t) },
		"sym": func(s string) string {
			return strings.NewReplacer(">=", "≥", "<=", "≤").Replace(s)
		},
		"derefBool": func(p *bool) bool { return *p },
		"invalidItems": func(items []ItemView) bool {
			for _, it := range items {
				if !it.Valid && standard.Conc(it.Value) != standard.Missing {
					return true
				}
			}
			return false
		},
		"derefStr": func(p *string) string { return *p },
		"tbl": func(t *Table, e map[string][2]string) map[string]any {
			return map[string]any{"T": t, "E": e}
		},
	}
}

func parsePages() (map[string]*pageTemplate, error) {
	out := map[string]*pageTemplate{}
	for _, n := range pageNames {
		// Functions are rebound per request (language); parse with a
		// default (zh-CN) translator.
		t, err := template.New("layout.html").Funcs(templateFuncs(translator(langZH))).ParseFS(templateFS, "templates/layout.html", "templates/"+n+".html")
		if err != nil {
			return nil, err
		}
		out[n] = &pageTemplate{t: t}
	}
	return out, nil
}

// page is what every dashboard template receives.
type page struct {
	Lang      string
	Nav       string
	Title     string
	Path      string
	Query     string // current query without lang, for the language switch
	Year      int
	Years     []int
	AsOf      string
	Areas     []*lantian.Area
	AreaCode  string
	Tables    []*Table
	Exports   map[string][2]string // table id → csv, xlsx URLs
	Charts    template.JS          // JSON for static/app.js
	Data      any                  // the page's view (Overview, Realtime, …)
	Error     string
	Levels    []levelLegend
	Synthetic bool
	User      *signedIn // nil without accounts (Options.Auth unset)
}

// signedIn is what the layout shows of the signed-in user: who it is, the
// sign-out form's CSRF token, and the links the role may follow.
type signedIn struct {
	Name, Login, Role, CSRF string
	Audit                   bool // may read the audit log
}

// signedInUser describes the request's principal for the layout.
func signedInUser(r *http.Request, tr func(string) string) *signedIn {
	p := auth.PrincipalFrom(r.Context())
	if p == nil {
		return nil
	}
	u := &signedIn{Name: p.User.Name, Login: p.User.Login, Role: tr("role." + string(p.User.Role)), CSRF: p.CSRFToken(),
		Audit: auth.Authorize(p, auth.Read, auth.Resource{Kind: auth.KindAudit}) == nil}
	if u.Name == "" {
		u.Name = u.Login
	}
	return u
}

type levelLegend struct{ Name, Colour string }

func levels(lang string) []levelLegend {
	var out []levelLegend
	for l := standard.Level(1); l <= 6; l++ {
		name := l.Category()
		if lang == langEN {
			name = l.CategoryEN()
		}
		out = append(out, levelLegend{name, l.Hex()})
	}
	return out
}

// render writes a page, or the export of one of its tables when the
// request asks for ?export=ID&format=csv|xlsx.
func (s *Server) render(w http.ResponseWriter, r *http.Request, name string, p *page) {
	p.Lang = language(w, r)
	tr := translator(p.Lang)
	p.Path = r.URL.Path
	q := r.URL.Query()
	q.Del("lang")
	q.Del("export")
	q.Del("format")
	p.Query = q.Encode()
	p.Levels = levels(p.Lang)
	p.User = signedInUser(r, tr)
	p.Exports = map[string][2]string{}
	for _, t := range p.Tables {
		p.Exports[t.ID] = [2]string{t.exportURL(r, "csv"), t.exportURL(r, "xlsx")}
	}
	if id := r.URL.Query().Get("export"); id != "" {
		for _, t := range p.Tables {
			if t.ID == id {
				if err := writeExport(w, t, r.URL.Query().Get("format"), t.ID+"-"+time.Now().In(standard.Beijing).Format("20060102")); err != nil {
					s.fail(w, r, err)
				}
				return
			}
		}
		s.fail(w, r, badRequest("query parameter export=%q: this page has no such table", id))
		return
	}
	pt := s.pages[name]
	t, err := pt.t.Clone()
	if err == nil {
		t = t.Funcs(templateFuncs(tr))
		var buf bytes.Buffer
		if err = t.ExecuteTemplate(&buf, "layout.html", p); err == nil {
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write(buf.Bytes())
			return
		}
	}
	s.log.Error("rendering page", "page", name, "err", err)
	http.Error(w, "page rendering failed; the details are in the server log", http.StatusInternalServerError)
}

// pageError renders an error page with a message a person can act on.
func (s *Server) pageError(w http.ResponseWriter, r *http.Request, err error) {
	status, msg := http.StatusInternalServerError, "the server could not build this page; the details are in the server log"
	var ue *userError
	switch {
	case lantian.ErrorCode(err) == lantian.EUNAUTHENTICATED:
		http.Redirect(w, r, auth.LoginPath+"?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
		return
	case isAuthError(err):
		// 403 and 429 as the sign-in and refusal pages of package auth.
		auth.WriteError(w, r, err)
		return
	case errors.As(err, &ue):
		status, msg = http.StatusBadRequest, ue.msg
	case lantian.ErrorCode(err) == lantian.ENOTFOUND:
		status, msg = http.StatusNotFound, lantian.ErrorMessage(err)
	case lantian.ErrorCode(err) == lantian.EINVALID:
		status, msg = http.StatusBadRequest, lantian.ErrorMessage(err)
	default:
		s.log.Error("page failed", "path", r.URL.Path, "query", r.URL.RawQuery, "err", err)
	}
	w.WriteHeader(status)
	s.render(w, r, "error", &page{Error: msg})
}

func chartJSON(v any) template.JS {
	b, err := json.Marshal(v)
	if err != nil {
		return "null"
	}
	// JSON inside a <script> element must not close it.
	return template.JS(strings.ReplaceAll(string(b), "</", "<\\/"))
}

// yearParam returns ?year= or the latest year with data for the root area.
func (s *Server) yearParam(r *http.Request) (int, error) {
	if strings.TrimSpace(queryValue(r, "year")) == "" {
		return s.defaultYear(r), nil
	}
	return queryInt(r, "year", 0, 2000, 2100)
}

// defaultYear is the year of the most recent hour in the store, or the
// current year.
func (s *Server) defaultYear(r *http.Request) int {
	y, err := cached(s, "default-year", func() (int, error) {
		hs, err := s.store.LatestHours(r.Context(), lantian.StationFilter{Area: s.root, Within: true})
		if err != nil {
			return 0, err
		}
		var last time.Time
		for _, h := range hs {
			if h.Time.After(last) {
				last = h.Time
			}
		}
		if last.IsZero() {
			return s.now().In(standard.Beijing).Year(), nil
		}
		return standard.DayOfHour(last).Year(), nil
	})
	if err != nil {
		return s.now().In(standard.Beijing).Year()
	}
	return y
}

func (s *Server) yearChoices(y int) []int {
	cur := s.now().In(standard.Beijing).Year()
	var out []int
	for v := cur; v >= 2015; v-- {
		out = append(out, v)
	}
	if y < 2015 {
		out = append(out, y)
	}
	return out
}

var _ fs.FS = templateFS

// itemLabel names an assessment item in the page's language.
func itemLabel(it ItemView, t func(string) string) string {
	p, err := standard.ParsePollutant(it.Pollutant)
	if err != nil {
		return it.Name
	}
	return p.String() + " " + t("stat."+it.Statistic)
}
