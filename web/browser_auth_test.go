package web

import (
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/lantian-aq/lantian/auth/authtest"
)

// TestBrowserRoles signs in through the sign-in page of the platform with
// accounts, in a real Chromium, as two roles and checks that they see
// different things: the leader reads the audit log with its verified
// chain, the county officer is refused it; both see the dashboard.
func TestBrowserRoles(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	chromiumPath(t) // skip before the server is set up
	authServer(t)
	b := startBrowser(t, time.Minute)
	do, text, shot, wait := b.do, b.text, b.shot, visible
	location := func(t *testing.T) string {
		t.Helper()
		v, err := chromedp.Run(b.ctx, chromedp.Location())
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimPrefix(v, authHTTP.URL)
	}
	signIn := func(t *testing.T, login, password string) {
		t.Helper()
		do(t, wait(`#login`),
			chromedp.Clear(chromedp.CSS(`#login`)),
			chromedp.SendKeys(chromedp.CSS(`#login`), login),
			chromedp.SendKeys(chromedp.CSS(`#password`), password),
			chromedp.Click(chromedp.CSS(`#login-submit`)))
	}
	u := authHTTP.URL

	t.Run("anonymous is sent to sign in", func(t *testing.T) {
		do(t, chromedp.Navigate(u+"/audit"), wait(`#login`))
		if loc := location(t); loc != "/login?next=%2Faudit" {
			t.Fatalf("anonymous /audit went to %s", loc)
		}
		signIn(t, "t-leader", "wrong password here")
		do(t, wait(`#login-error`))
		shot(t, "auth-login-error")
	})

	t.Run("leader reads the audit log", func(t *testing.T) {
		signIn(t, "t-leader", authtest.Password)
		do(t, wait(`#audit-table`))
		if got := text(t, "#chain-status"); !strings.Contains(got, "哈希链完整") {
			t.Errorf("chain status %q", got)
		}
		if got := text(t, "#audit-table tbody"); !strings.Contains(got, "t-leader") || !strings.Contains(got, "login") {
			t.Errorf("the leader's own sign-in is not in the log: %.200s", got)
		}
		shot(t, "auth-leader-audit")
		do(t, chromedp.Navigate(u+"/?year=2019"), wait(`article.card`))
		do(t, chromedp.Navigate(u+"/audit"), wait(`#logout`), chromedp.Click(chromedp.CSS(`#logout`)), wait(`#login`))
	})

	t.Run("county officer is refused the audit log", func(t *testing.T) {
		do(t, chromedp.Navigate(u+"/login?next=%2Faudit"))
		signIn(t, "t-county", authtest.Password)
		do(t, wait(`#denied`))
		if got := text(t, "#denied-reason"); !strings.Contains(got, "t-county") || !strings.Contains(got, "audit") {
			t.Errorf("refusal reason %q", got)
		}
		shot(t, "auth-county-denied")
		// The same officer reads the whole city's air quality.
		do(t, chromedp.Navigate(u+"/?year=2019"), wait(`article.card[data-area="411300"]`))
	})
}
