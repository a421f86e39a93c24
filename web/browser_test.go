package web

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
)

// chromiumPath returns the browser the browser test drives: the path in
// LANTIAN_TEST_CHROMIUM, else Debian's /usr/bin/chromium. Without one the
// test is skipped locally and fails in CI.
func chromiumPath(t *testing.T) string {
	p := os.Getenv("LANTIAN_TEST_CHROMIUM")
	if p == "" {
		p = "/usr/bin/chromium"
	}
	if _, err := exec.LookPath(p); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI: chromium not found at %s (set LANTIAN_TEST_CHROMIUM): %v", p, err)
		}
		t.Skipf("chromium not found at %s; install Debian's chromium to run the browser test", p)
	}
	return p
}

// browserSession is the Chromium tab of one browser test with the steps
// the tests share; each step fails the test on error.
type browserSession struct {
	ctx    context.Context
	shots  string        // screenshots directory
	settle time.Duration // wait before a screenshot (chart animations)
}

// startBrowser starts a headless Chromium for one test; its context is
// bounded by timeout from when the browser is up, and its screenshots go
// to testdata/screenshots (kept as CI artefacts). The browser stops when
// the test ends.
func startBrowser(t *testing.T, timeout time.Duration) *browserSession {
	t.Helper()
	exe := chromiumPath(t)
	shots := filepath.Join("..", "testdata", "screenshots")
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	opts := []chromedp.ExecAllocatorOption{
		chromedp.ExecPath(exe), chromedp.Headless, chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.NoFirstRun, chromedp.Flag("disable-sync", true), chromedp.WindowSize(1400, 1000),
	}
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancel)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(cancel)
	// Start the browser on the plain context (a timeout on the first run
	// would stop the browser), then bound the rest.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	ctx, cancel = context.WithTimeout(ctx, timeout)
	t.Cleanup(cancel)
	return &browserSession{ctx: ctx, shots: shots}
}

func (b *browserSession) do(t *testing.T, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(b.ctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// text is the trimmed text of the first element matching sel.
func (b *browserSession) text(t *testing.T, sel string) string {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("%s: %v", sel, err)
	}
	return strings.TrimSpace(v)
}

// eval is the string a script evaluates to.
func (b *browserSession) eval(t *testing.T, js string) string {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[string](js))
	if err != nil {
		t.Fatalf("%s: %v", js, err)
	}
	return v
}

// count is the number of elements matching sel.
func (b *browserSession) count(t *testing.T, sel string) int {
	t.Helper()
	v, err := chromedp.Run(b.ctx, chromedp.Evaluate[int](`document.querySelectorAll(`+strconv.Quote(sel)+`).length`))
	if err != nil {
		t.Fatalf("%s: %v", sel, err)
	}
	return v
}

// shot saves a full-page screenshot as testdata/screenshots/NAME.png.
func (b *browserSession) shot(t *testing.T, name string) {
	t.Helper()
	time.Sleep(b.settle)
	buf, err := chromedp.Run(b.ctx, chromedp.FullScreenshot(100)) // quality 100 gives a PNG
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(b.shots, name+".png"), buf, 0o644); err != nil {
		t.Fatal(err)
	}
}

// visible waits until an element matching sel is visible.
func visible(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(chromedp.CSS(sel))
}

// TestBrowser opens every dashboard page in a real Chromium, checks the key
// numbers against the API, switches the language, downloads an export and
// keeps screenshots in testdata/screenshots/ as artefacts.
func TestBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	b := startBrowser(t, 3*time.Minute)
	b.settle = 700 * time.Millisecond // let chart animations finish
	ctx := b.ctx
	do, text, count, shot, wait := b.do, b.text, b.count, b.shot, visible
	apiJSON := func(path string, v any) {
		t.Helper()
		_, b := get(t, path)
		if err := json.Unmarshal(b, v); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	u := testHTTP.URL

	t.Run("overview", func(t *testing.T) {
		var ov Overview
		apiJSON("/api/v1/overview?year=2019&as_of=2019-06-30", &ov)
		sel := `article.card[data-area="411300"] `
		do(t, chromedp.Navigate(u+"/?year=2019&as_of=2019-06-30"), wait(sel+`[data-key="good_days_ratio"]`))
		good, heavy, left := text(t, sel+`[data-key="good_days_ratio"]`), text(t, sel+`[data-key="heavy_days"]`), text(t, sel+`[data-key="non_good_days_left"]`)
		shot(t, "overview")
		c := ov.Cards[0]
		if c.Area.Code != "411300" || c.NonGoodLeft == nil {
			t.Fatalf("first card is %s", c.Area.Code)
		}
		if strings.TrimSuffix(good, "%") != c.GoodRatio || heavy != strconv.Itoa(c.HeavyDays) || left != strconv.Itoa(*c.NonGoodLeft) {
			t.Errorf("page shows good %s heavy %s left %s; API %s %d %d", good, heavy, left, c.GoodRatio, c.HeavyDays, *c.NonGoodLeft)
		}
	})

	t.Run("realtime", func(t *testing.T) {
		var rt Realtime
		apiJSON("/api/v1/realtime", &rt)
		do(t, chromedp.Navigate(u+"/realtime"), wait(`#chart-map canvas`))
		if n := count(t, "#table-stations tbody tr"); n != len(rt.Stations) {
			t.Errorf("page lists %d stations, API %d", n, len(rt.Stations))
		}
		if n := count(t, "#table-areas tbody tr"); n != len(rt.Areas) {
			t.Errorf("page lists %d areas, API %d", n, len(rt.Areas))
		}
		shot(t, "realtime")
	})

	t.Run("calendar", func(t *testing.T) {
		var cal Calendar
		apiJSON("/api/v1/areas/411300/calendar?year=2019", &cal)
		do(t, chromedp.Navigate(u+"/calendar?area=411300&year=2019"), wait(`#chart-calendar canvas`))
		if first := text(t, `#table-calendar tbody tr:first-child td:nth-child(2)`); first != strconv.Itoa(cal.Days[0].AQI) {
			t.Errorf("first day AQI on the page %s, API %d", first, cal.Days[0].AQI)
		}
		shot(t, "calendar")
	})

	t.Run("ranking", func(t *testing.T) {
		var rk Ranking
		apiJSON("/api/v1/rankings?scope=410000&kind=month&year=2019&month=1", &rk)
		do(t, chromedp.Navigate(u+"/ranking?scope=410000&kind=month&year=2019&month=1"), wait(`#chart-ranking canvas`))
		n := count(t, "#table-ranking tbody tr")
		if n != len(rk.Rows) || n == 0 || text(t, `#table-ranking tbody tr:first-child td:nth-child(3)`) != rk.Rows[0].Composite {
			t.Errorf("page ranks %d areas; API %d", n, len(rk.Rows))
		}
		shot(t, "ranking")
	})

	t.Run("station detail", func(t *testing.T) {
		var d Detail
		apiJSON("/api/v1/stations/2403A/detail?year=2019", &d)
		do(t, chromedp.Navigate(u+"/stations/2403A?year=2019"), wait(`#chart-series canvas`))
		items, days := count(t, "#table-assessment tbody tr"), count(t, "#table-daily tbody tr")
		if items != len(d.Assessment) || days != len(d.Daily) {
			t.Errorf("page: %d items, %d days; API %d, %d", items, days, len(d.Assessment), len(d.Daily))
		}
		shot(t, "station-2403A")
	})

	t.Run("area detail", func(t *testing.T) {
		do(t, chromedp.Navigate(u+"/areas/411300?year=2019"), wait(`#chart-diurnal canvas`))
		shot(t, "area-411300")
	})

	t.Run("switch language", func(t *testing.T) {
		do(t, chromedp.Navigate(u+"/?year=2019"), wait(`#lang-switch`), chromedp.Click(chromedp.CSS(`#lang-switch`)), wait(`article.card`))
		if h1 := text(t, "h1"); h1 != "Targets overview" {
			t.Errorf("after switching to English the overview says %q", h1)
		}
		shot(t, "overview-en")
		do(t, chromedp.Navigate(u+"/realtime"), wait("h1")) // the choice is remembered
		if h1 := text(t, "h1"); !strings.Contains(h1, "Real-time air quality") {
			t.Errorf("after switching to English the realtime page says %q", h1)
		}
		do(t, chromedp.Navigate(u+"/?lang=zh-CN"), wait("h1"))
	})

	t.Run("export", func(t *testing.T) {
		dir := t.TempDir()
		do(t, chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
			_, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
				Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir})
			return err
		}), chromedp.Navigate(u+"/?year=2019"), wait(`#table-targets .export-csv`))
		want, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#table-targets thead th")).map(e => e.textContent)`))
		if err != nil {
			t.Fatal(err)
		}
		do(t, chromedp.Click(chromedp.CSS(`#table-targets .export-csv`)))
		var got []byte
		for i := 0; i < 100 && got == nil; i++ {
			time.Sleep(100 * time.Millisecond)
			files, _ := filepath.Glob(filepath.Join(dir, "*.csv"))
			if len(files) == 1 {
				got, _ = os.ReadFile(files[0])
			}
		}
		if got == nil {
			t.Fatal("no CSV was downloaded")
		}
		if !strings.Contains(string(got), strings.Join(want, ",")) {
			t.Errorf("downloaded CSV lacks the header the page shows (%q):\n%.300s", want, got)
		}
	})
}
