package auth

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestLoginPage: the sign-in page is Chinese unless asked for English,
// switches language keeping next, and lists the demo accounts only when the
// server runs on the demo data.
func TestLoginPage(t *testing.T) {
	cases := []struct {
		name, url, cookie string
		demo              bool
		want, notWant     []string
	}{
		{name: "chinese by default", url: "/login?next=%2Franking",
			want:    []string{`lang="zh-CN"`, ">登录</h1>", ">账号</label>", `id="lang-switch" href="/login?lang=en&amp;next=%2Franking"`, `value="/ranking"`},
			notWant: []string{"demo-accounts", "lantian-admin", "Password"}},
		{name: "english on request", url: "/login?lang=en&next=%2F",
			want:    []string{`lang="en"`, ">Sign in</h1>", ">Password</label>", `href="/login?lang=zh-CN&amp;next=%2F"`},
			notWant: []string{">登录</h1>"}},
		{name: "english remembered", url: "/login", cookie: "en", want: []string{`lang="en"`}},
		{name: "demo accounts on demo data", url: "/login", demo: true,
			want:    []string{`id="demo-accounts"`, "<code>leader</code>", "<code>lantian-leader</code>", "演示数据"},
			notWant: []string{"<code>gateway</code>"}},
		{name: "open redirect dropped", url: "/login?next=%2F%2Fevil.example", want: []string{`name="next" value="/"`}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := &Service{cfg: Config{DemoSignIn: tc.demo}}
			r := httptest.NewRequest(http.MethodGet, tc.url, nil)
			if tc.cookie != "" {
				r.AddCookie(&http.Cookie{Name: "lang", Value: tc.cookie})
			}
			w := httptest.NewRecorder()
			s.pageLogin(w, r)
			body := w.Body.String()
			if w.Code != http.StatusOK {
				t.Fatalf("status %d", w.Code)
			}
			for _, s := range tc.want {
				if !strings.Contains(body, s) {
					t.Errorf("missing %q in\n%s", s, body)
				}
			}
			for _, s := range tc.notWant {
				if strings.Contains(body, s) {
					t.Errorf("unexpected %q", s)
				}
			}
		})
	}
}
