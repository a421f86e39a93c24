package web

import (
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/auth/authtest"
	"github.com/lantian-aq/lantian/plan"
	"github.com/xuri/excelize/v2"
)

// TestBrowserLedger drives the task ledger end to end in a real Chromium
// against the server with accounts and a clock the test sets: the
// department officer of 生态环境局 signs in, reports milestone M13.1 done
// through the task page's form and sees the task's status change; the
// clock passes 2024-12-31 and milestone M4.1 appears among the overdue
// alerts; the .xlsx export downloaded from the page opens with excelize
// and holds exactly the table on screen; a viewer sees no report form.
// Screenshots go to testdata/screenshots/ledger-*.png.
func TestBrowserLedger(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped in -short mode")
	}
	chromiumPath(t) // skip before the server is set up
	base := ledgerServer(t)
	ledgerClock.SetDay("2024-12-20")
	downloads := t.TempDir()
	b := startBrowser(t, 3*time.Minute)
	ctx := b.ctx
	do, eval, count, shot, wait := b.do, b.eval, b.count, b.shot, visible
	signIn := func(t *testing.T, login string) {
		t.Helper()
		do(t, wait(`#login`),
			chromedp.SendKeys(chromedp.CSS(`#login`), login),
			chromedp.SendKeys(chromedp.CSS(`#password`), authtest.Password),
			chromedp.Click(chromedp.CSS(`#login-submit`)))
	}
	taskStatus := func(t *testing.T) plan.Status {
		return plan.Status(eval(t, `document.querySelector("#task-status").dataset.status`))
	}
	apiTask := func(t *testing.T, n int) TaskLedger {
		var tl TaskLedger
		if code := call(t, lantian.RoleViewer, "GET", "/api/v1/plans/"+nanyang+"/ledger/tasks/"+strconv.Itoa(n), "", &tl); code != 200 {
			t.Fatalf("task %d: %d", n, code)
		}
		return tl
	}
	planQ := "?plan=" + nanyang

	t.Run("department reports progress and the status changes", func(t *testing.T) {
		do(t, chromedp.Navigate(base+"/ledger/tasks/13"+planQ))
		signIn(t, authCast[lantian.RoleDepartment].Login)
		do(t, wait(`#report-form`))
		// Eleven days before M13.1 falls due, with nothing reported, the
		// task is at risk; the page shows what the API derives.
		before := taskStatus(t)
		if api := apiTask(t, 13).Status.Status; before != plan.AtRisk || api != before {
			t.Fatalf("task 13 before the report: page %s, API %s; want at_risk", before, api)
		}
		if got := eval(t, `document.querySelector("#report-date").value`); got != "2024-12-20" {
			t.Errorf("the form's date defaults to %q, want the server's today 2024-12-20", got)
		}
		shot(t, "ledger-task-before")
		do(t, chromedp.SetValue(chromedp.CSS(`#report-item`), "M13.1"),
			chromedp.Click(chromedp.CSS(`#report-done`)),
			chromedp.SendKeys(chromedp.CSS(`#report-narrative`), "钢铁、水泥企业超低排放改造全部完成并通过评估监测"),
			chromedp.SendKeys(chromedp.CSS(`#report-attachments`), "评估监测报告.pdf"),
			chromedp.Click(chromedp.CSS(`#report-submit`)),
			wait(`#report-filed`))
		after := taskStatus(t)
		tl := apiTask(t, 13)
		if after == before || after != tl.Status.Status || after != plan.OnTrack {
			t.Errorf("task 13 after the report: page %s, API %s; want on_track (was %s)", after, tl.Status.Status, before)
		}
		if got := eval(t, `document.querySelector('#task-items tr[data-item="M13.1"]').dataset.status`); got != string(plan.Done) {
			t.Errorf("M13.1 shows %s after the completion report", got)
		}
		hist := eval(t, `document.querySelector("#report-history tbody tr").textContent`)
		last := tl.Reports[len(tl.Reports)-1]
		if !strings.Contains(hist, "钢铁、水泥企业超低排放改造") || !strings.Contains(hist, "评估监测报告.pdf") ||
			!strings.Contains(hist, authCast[lantian.RoleDepartment].Login) || last.Who != authCast[lantian.RoleDepartment].Login || !last.Done {
			t.Errorf("report history %q; API's last report %+v", hist, last)
		}
		shot(t, "ledger-task-reported")
	})

	t.Run("an overdue milestone appears in the alerts", func(t *testing.T) {
		page := base + "/ledger" + planQ + "&department=ecology"
		alert := `li.ls-alert[data-task="4"][data-item="M4.1"]`
		do(t, chromedp.Navigate(page), wait(`#ledger-table`))
		if n := count(t, alert); n != 0 {
			t.Fatalf("M4.1 (due 2024-12-31) is alerted on 2024-12-20")
		}
		ledgerClock.SetDay("2025-01-02")
		do(t, chromedp.Navigate(page), wait(alert))
		if got := eval(t, `document.querySelector('`+alert+`').textContent`); !strings.Contains(got, "已逾期2天") {
			t.Errorf("alert text %q", got)
		}
		if n := count(t, `li.ls-alert[data-task="13"][data-item="M13.1"]`); n != 0 {
			t.Error("the milestone reported done is alerted")
		}
		if got := eval(t, `document.querySelector("#ledger-asof").textContent`); got != "2025-01-02" {
			t.Errorf("the page is as of %s", got)
		}
		shot(t, "ledger-alerts")
	})

	t.Run("the xlsx export matches the screen", func(t *testing.T) {
		header, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#ledger-table thead th")).map(e => e.textContent.trim())`))
		if err != nil {
			t.Fatal(err)
		}
		screen, err := chromedp.Run(ctx, chromedp.Evaluate[[][]string](
			`Array.from(document.querySelectorAll("#ledger-table tr.ls-row")).map(tr => Array.from(tr.cells).map(td => td.textContent.trim()))`))
		if err != nil {
			t.Fatal(err)
		}
		if len(screen) == 0 || !slices.Equal(header, plan.LedgerHeader) {
			t.Fatalf("%d rows on screen under %q", len(screen), header)
		}
		if _, err := chromedp.Call(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
			Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: downloads}); err != nil {
			t.Fatal(err)
		}
		do(t, chromedp.Click(chromedp.CSS(`#export-xlsx`)))
		var file string
		for i := 0; i < 100 && file == ""; i++ {
			time.Sleep(100 * time.Millisecond) // waiting for the download to land, not for the clock
			if fs, _ := filepath.Glob(filepath.Join(downloads, "*.xlsx")); len(fs) == 1 {
				file = fs[0]
			}
		}
		if file == "" {
			t.Fatal("no .xlsx was downloaded")
		}
		f, err := excelize.OpenFile(file)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		rows, err := f.GetRows(plan.LedgerSheet)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(rows[0][0], "截至2025-01-02") || !slices.Equal(rows[1], header) {
			t.Fatalf("workbook title %q, header %q", rows[0][0], rows[1])
		}
		body := rows[2:]
		if len(body) != len(screen) {
			t.Fatalf("workbook has %d rows, the screen %d", len(body), len(screen))
		}
		for i, row := range body {
			for len(row) < len(header) {
				row = append(row, "") // excelize drops trailing empty cells
			}
			for j := range row {
				row[j] = strings.TrimSpace(row[j])
			}
			if !slices.Equal(row, screen[i]) {
				t.Errorf("row %d:\n xlsx   %q\n screen %q", i+1, row, screen[i])
			}
		}
		done := slices.IndexFunc(screen, func(r []string) bool { return strings.HasPrefix(r[1], "M13.1 ") })
		if done < 0 || screen[done][6] != plan.Done.Label() || !strings.Contains(screen[done][5], "评估监测") {
			t.Errorf("the reported milestone's row: %q", screen[max(done, 0)])
		}
	})

	t.Run("scorecards", func(t *testing.T) {
		do(t, chromedp.Navigate(base+"/ledger/scorecards"+planQ), wait(`#table-department-scorecards`))
		if n := count(t, `#table-area-scorecards tbody tr`); n != 17 {
			t.Errorf("%d area scorecards, want the 17 implementing areas", n)
		}
		shot(t, "ledger-scorecards")
	})

	t.Run("a viewer sees no report form", func(t *testing.T) {
		if _, err := chromedp.Call(ctx, network.ClearBrowserCookies, cdp.Empty{}); err != nil {
			t.Fatal(err)
		}
		do(t, chromedp.Navigate(base+"/ledger/tasks/13"+planQ))
		signIn(t, authCast[lantian.RoleViewer].Login)
		do(t, wait(`#report-readonly`))
		if n := count(t, `#report-form`); n != 0 {
			t.Error("the viewer is shown the report form")
		}
		if n := count(t, `#report-history tbody tr`); n == 0 {
			t.Error("the viewer does not see the report history")
		}
		shot(t, "ledger-viewer")
		do(t, chromedp.Navigate(base+"/ledger"+planQ+"&lang=en"), wait(`#ledger-alerts`))
		if h := eval(t, `document.querySelector("#ledger-alerts h2").textContent`); !strings.Contains(h, "Overdue alerts") {
			t.Errorf("English ledger heading %q", h)
		}
		shot(t, "ledger-en")
		do(t, chromedp.Navigate(base+"/ledger"+planQ+"&lang=zh-CN"), wait(`#ledger-alerts`))
	})
}
