package web

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/auth/authtest"
	"github.com/lantian-aq/lantian/plan"
	"github.com/lantian-aq/lantian/standard"
	"github.com/xuri/excelize/v2"
)

// testClock is the ledger test server's clock: tests move it to put plan
// deadlines behind or ahead, so that nothing waits for real time.
type testClock struct{ ns atomic.Int64 }

func (c *testClock) Now() time.Time  { return time.Unix(0, c.ns.Load()) }
func (c *testClock) Set(t time.Time) { c.ns.Store(t.UnixNano()) }
func (c *testClock) SetDay(d string) { // noon, Beijing time
	t, err := time.ParseInLocation("2006-01-02 15:04", d+" 12:00", standard.Beijing)
	if err != nil {
		panic(err)
	}
	c.Set(t)
}

// The ledger test server: accounts on (the auth test server's service and
// cast), the shared demo store, and a clock the tests set. Reports are
// never deleted, so each test works on tasks no other test reports on:
// task 13 and milestone M4.1 belong to the browser test.
var (
	ledgerOnce  sync.Once
	ledgerHTTP  *httptest.Server
	ledgerClock testClock
)

const nanyang = "nanyang-2024-2025"

func ledgerServer(t *testing.T) string {
	t.Helper()
	authServer(t)
	ledgerOnce.Do(func() {
		ledgerClock.SetDay("2024-12-20")
		quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
		srv, err := New(Options{Store: testStore, Plans: testSrv.plans, RootArea: "411300", Logger: quiet, Auth: authSvc, Now: ledgerClock.Now})
		if err != nil {
			t.Fatal(err)
		}
		ledgerHTTP = httptest.NewServer(srv)
	})
	if ledgerHTTP == nil {
		t.Fatal("ledger test server not available")
	}
	return ledgerHTTP.URL
}

// call sends one API request as role ("" anonymous) and decodes a JSON
// answer into out (when not nil).
func call(t *testing.T, role lantian.Role, method, path, body string, out any) int {
	t.Helper()
	base := ledgerServer(t)
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, base+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if role != "" {
		authtest.SignIn(t, authSvc, authCast[role], authSvc.SessionCookieName()).Apply(req)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if out != nil && res.StatusCode < 300 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v in %.300s", method, path, err, b)
		}
	}
	if res.StatusCode >= 300 {
		t.Logf("%s %s as %s: %d %s", method, path, role, res.StatusCode, bytes.TrimSpace(b))
	}
	return res.StatusCode
}

// TestLedgerReportRights walks who may report what: a department on its
// own tasks as itself, a county for its own area on tasks it implements,
// the commission office for anyone; readers nothing. Every accepted report
// leaves an audit entry with the statuses before and after.
func TestLedgerReportRights(t *testing.T) {
	ledgerServer(t)
	ledgerClock.SetDay("2024-12-20")
	cases := []struct {
		name string
		role lantian.Role
		body string
		want int
	}{
		{"department on a task it leads", lantian.RoleDepartment, `{"task":15,"narrative":"完成12家企业深度治理","attachments":["治理清单.xlsx","https://example.org/photo.jpg"]}`, 201},
		{"department on a task it has no part in", lantian.RoleDepartment, `{"task":18,"narrative":"x"}`, 403},
		{"department speaking for another department", lantian.RoleDepartment, `{"task":15,"reporter":"urban","narrative":"x"}`, 403},
		{"department speaking for the city", lantian.RoleDepartment, `{"task":15,"reporter":"411300","narrative":"x"}`, 403},
		{"county for its own area", lantian.RoleCounty, `{"task":16,"narrative":"淘汰燃煤锅炉3台"}`, 201},
		{"county for another county", lantian.RoleCounty, `{"task":16,"reporter":"411323","narrative":"x"}`, 403},
		{"commission office on behalf of a department", lantian.RoleCommission, `{"task":18,"item":"I18.1","reporter":"urban","value":6.5,"date":"2024-11-30"}`, 201},
		{"viewer", lantian.RoleViewer, `{"task":15,"narrative":"x"}`, 403},
		{"analyst", lantian.RoleAnalyst, `{"task":15,"narrative":"x"}`, 403},
		{"anonymous", "", `{"task":15,"narrative":"x"}`, 401},
		{"date in the future", lantian.RoleCommission, `{"task":15,"narrative":"x","date":"2024-12-21"}`, 400},
		{"progress out of range", lantian.RoleDepartment, `{"task":15,"item":"","progress":150}`, 400},
		{"empty report", lantian.RoleDepartment, `{"task":15}`, 400},
		{"attachment with a path", lantian.RoleDepartment, `{"task":15,"narrative":"x","attachments":["../../etc/passwd"]}`, 400},
		{"attachment with a script scheme", lantian.RoleDepartment, `{"task":15,"narrative":"x","attachments":["javascript://alert(1)"]}`, 400},
		{"no such task", lantian.RoleCommission, `{"task":99,"narrative":"x"}`, 404},
		{"no such milestone", lantian.RoleDepartment, `{"task":15,"item":"M99","narrative":"x"}`, 400},
		{"threshold is not reportable", lantian.RoleDepartment, `{"task":16,"item":"I16.1","value":10}`, 400},
		{"unknown field", lantian.RoleDepartment, `{"task":15,"narrative":"x","status":"done"}`, 400},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var before struct{ Items []plan.Report }
			call(t, lantian.RoleCommission, "GET", "/api/v1/plans/"+nanyang+"/reports", "", &before)
			var res ReportResult
			if got := call(t, c.role, "POST", "/api/v1/plans/"+nanyang+"/reports", c.body, &res); got != c.want {
				t.Fatalf("status %d, want %d", got, c.want)
			}
			var after struct{ Items []plan.Report }
			call(t, lantian.RoleCommission, "GET", "/api/v1/plans/"+nanyang+"/reports", "", &after)
			if c.want != 201 {
				if len(after.Items) != len(before.Items) {
					t.Fatalf("a refused report was stored: %d reports, were %d", len(after.Items), len(before.Items))
				}
				return
			}
			if len(after.Items) != len(before.Items)+1 || after.Items[len(after.Items)-1].ID != res.Report.ID {
				t.Fatalf("report %d not appended: %d reports, were %d", res.Report.ID, len(after.Items), len(before.Items))
			}
			who := authCast[c.role].Login
			if res.Report.Who != who || !res.Report.When.Equal(ledgerClock.Now().Truncate(time.Second)) {
				t.Errorf("filed by %q at %s, want %q at the server clock %s", res.Report.Who, res.Report.When, who, ledgerClock.Now())
			}
			es, err := authSvc.AuditEntries(t.Context(), lantian.AuditFilter{Kind: "progress", Descending: true, Limit: 1})
			if err != nil || len(es) != 1 {
				t.Fatalf("audit: %v %d", err, len(es))
			}
			e := es[0]
			var bf, af map[string]any
			_ = json.Unmarshal(e.Before, &bf)
			_ = json.Unmarshal(e.After, &af)
			rep, _ := af["report"].(map[string]any)
			if e.Actor != who || e.Action != "create" || !strings.HasSuffix(e.Object, "/report/"+jsonNumber(res.Report.ID)) ||
				bf["status"] != string(res.StatusBefore) || af["status"] != string(res.Status) || rep["who"] != who {
				t.Errorf("audit entry %+v\nbefore %s\nafter %s", e, e.Before, e.After)
			}
		})
	}
}

func jsonNumber(n int64) string { b, _ := json.Marshal(n); return string(b) }

// alertFor returns the alert on task n's item, if any.
func alertFor(alerts []plan.Alert, n int, item string) *plan.Alert {
	for i := range alerts {
		if alerts[i].Task == n && alerts[i].Item == item {
			return &alerts[i]
		}
	}
	return nil
}

// TestLedgerDeadlineAndCompletion moves the clock past a milestone's
// deadline: the milestone turns overdue and raises an alert; a late
// completion report makes it done (not on time) and clears the alert.
func TestLedgerDeadlineAndCompletion(t *testing.T) {
	ledgerServer(t)
	var lv LedgerView
	milestone := func() plan.ItemStatus {
		t.Helper()
		for _, ts := range lv.Tasks {
			for _, it := range ts.Items {
				if ts.Number == 7 && it.ID == "M7.1" {
					return it
				}
			}
		}
		t.Fatal("task 7 M7.1 not in the ledger")
		return plan.ItemStatus{}
	}
	ledgerClock.SetDay("2024-12-20")
	call(t, lantian.RoleViewer, "GET", "/api/v1/plans/"+nanyang+"/ledger?department=ecology", "", &lv)
	if m := milestone(); m.Status != plan.AtRisk || m.DaysLeft != 11 {
		t.Errorf("11 days before its deadline with no report, M7.1 is %s with %d days left; want at_risk", m.Status, m.DaysLeft)
	}
	if alertFor(lv.Alerts, 7, "M7.1") != nil {
		t.Error("an alert before the deadline")
	}

	ledgerClock.SetDay("2025-01-02")
	var alerts struct{ Items []plan.Alert }
	call(t, lantian.RoleViewer, "GET", "/api/v1/plans/"+nanyang+"/alerts", "", &alerts)
	a := alertFor(alerts.Items, 7, "M7.1")
	if a == nil || a.DaysOverdue != 2 || a.Due != plan.NewDate(2024, 12, 31) || !strings.Contains(a.Message, "已逾期2天") {
		t.Fatalf("two days after the deadline the alert is %+v", a)
	}
	var ms struct{ Items []plan.ItemStatus }
	call(t, lantian.RoleViewer, "GET", "/api/v1/plans/"+nanyang+"/milestones?section=2", "", &ms)
	if i := slices.IndexFunc(ms.Items, func(it plan.ItemStatus) bool { return it.ID == "M7.1" }); i < 0 || ms.Items[i].Status != plan.Overdue {
		t.Fatalf("milestones of section 2: %+v", ms.Items)
	}

	var res ReportResult
	if got := call(t, lantian.RoleDepartment, "POST", "/api/v1/plans/"+nanyang+"/reports",
		`{"task":7,"item":"M7.1","done":true,"date":"2024-12-30","narrative":"清洁能源替代完成"}`, &res); got != 201 {
		t.Fatalf("report: %d", got)
	}
	if res.Item == nil || res.Item.Before != plan.Overdue || res.Item.After != plan.Done {
		t.Errorf("the report moved M7.1 %+v, want overdue → done", res.Item)
	}
	call(t, lantian.RoleViewer, "GET", "/api/v1/plans/"+nanyang+"/ledger?department=ecology", "", &lv)
	m := milestone()
	if m.Status != plan.Done || alertFor(lv.Alerts, 7, "M7.1") != nil {
		t.Errorf("after the completion report M7.1 is %s; alert %v", m.Status, alertFor(lv.Alerts, 7, "M7.1"))
	}
	if due, onTime := m.OnTimeCount(plan.NewDate(2025, 1, 2)); due != 1 || onTime != 0 {
		t.Errorf("a completion filed after the deadline counts as on time: due %d on time %d", due, onTime)
	}
	// The evaluation as of a past date ignores the later report.
	call(t, lantian.RoleViewer, "GET", "/api/v1/plans/"+nanyang+"/ledger?department=ecology&as_of=2024-12-20", "", &lv)
	if m := milestone(); m.Status != plan.AtRisk {
		t.Errorf("as of 2024-12-20 M7.1 is %s, want at_risk as before the report", m.Status)
	}
}

// TestLedgerExport checks that the .xlsx and CSV exports carry the same
// table as each other and as the JSON ledger of the same filter: one row
// per item under the officials' header.
func TestLedgerExport(t *testing.T) {
	ledgerServer(t)
	ledgerClock.SetDay("2025-03-01")
	for _, filter := range []string{"", "department=ecology", "area=411330", "section=4"} {
		t.Run("filter "+filter, func(t *testing.T) {
			var lv LedgerView
			call(t, lantian.RoleViewer, "GET", "/api/v1/plans/"+nanyang+"/ledger?"+filter, "", &lv)
			items := 0
			for _, ts := range lv.Tasks {
				items += len(ts.Items)
			}
			xb := fetch(t, "/api/v1/plans/"+nanyang+"/ledger/export?format=xlsx&"+filter)
			f, err := excelize.OpenReader(bytes.NewReader(xb))
			if err != nil {
				t.Fatal(err)
			}
			xrows, err := f.GetRows(plan.LedgerSheet)
			if err != nil {
				t.Fatal(err)
			}
			cb := fetch(t, "/api/v1/plans/"+nanyang+"/ledger/export?format=csv&"+filter)
			crows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(cb, []byte("\ufeff")))).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(xrows[0][0], "截至2025-03-01") {
				t.Errorf("title row %q does not name the as-of date", xrows[0][0])
			}
			if !slices.Equal(crows[0], plan.LedgerHeader) || len(crows) != items+1 || len(xrows) != len(crows)+1 {
				t.Fatalf("CSV %d rows (header %q), xlsx %d rows; the ledger has %d items", len(crows), crows[0], len(xrows), items)
			}
			for i, row := range crows {
				x := xrows[i+1]
				for len(x) < len(row) {
					x = append(x, "") // excelize drops trailing empty cells
				}
				if !slices.Equal(row, x) {
					t.Errorf("row %d: CSV %q, xlsx %q", i, row, x)
				}
			}
			row := 1
			for _, ts := range lv.Tasks {
				for _, it := range ts.Items {
					if got := crows[row][6]; !strings.HasPrefix(got, it.Status.Label()) {
						t.Errorf("row %d (task %d %s): status %q, ledger %s", row, ts.Number, it.ID, got, it.Status)
					}
					row++
				}
			}
		})
	}
}

// fetch GETs a path as the viewer and returns the body of a 200 answer.
func fetch(t *testing.T, path string) []byte {
	t.Helper()
	req, _ := http.NewRequest("GET", ledgerServer(t)+path, nil)
	authtest.SignIn(t, authSvc, authCast[lantian.RoleViewer], authSvc.SessionCookieName()).Apply(req)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, res.StatusCode, b)
	}
	return b
}

// TestLedgerViews checks the views' invariants against the ledger itself:
// every task appears in its section, each department's obligations are the
// items of the tasks it has a part in, and each area's scorecard counts
// its share's items.
func TestLedgerViews(t *testing.T) {
	ledgerServer(t)
	ledgerClock.SetDay("2025-03-01")
	var lv LedgerView
	call(t, lantian.RoleCounty, "GET", "/api/v1/plans/"+nanyang+"/ledger", "", &lv)
	if len(lv.Tasks) != 30 {
		t.Fatalf("%d tasks, want the plan's 30", len(lv.Tasks))
	}
	var secs struct{ Items []plan.SectionView }
	call(t, lantian.RoleCounty, "GET", "/api/v1/plans/"+nanyang+"/views/sections", "", &secs)
	n := 0
	for _, s := range secs.Items {
		for _, ts := range s.Tasks {
			if ts.Section != s.Section.Number {
				t.Errorf("task %d of section %d listed under %d", ts.Number, ts.Section, s.Section.Number)
			}
			n++
		}
	}
	if n != len(lv.Tasks) || len(secs.Items) != 7 {
		t.Errorf("sections list %d tasks in %d sections", n, len(secs.Items))
	}
	var depts struct{ Items []plan.DepartmentView }
	call(t, lantian.RoleCounty, "GET", "/api/v1/plans/"+nanyang+"/views/departments?department=ecology", "", &depts)
	var own LedgerView
	call(t, lantian.RoleCounty, "GET", "/api/v1/plans/"+nanyang+"/ledger?department=ecology", "", &own)
	want := 0
	for _, ts := range own.Tasks {
		if slices.Contains(ts.Lead, "ecology") || slices.Contains(ts.Cooperate, "ecology") {
			want += len(ts.Items)
		}
	}
	got := 0
	if len(depts.Items) == 1 {
		for _, o := range depts.Items[0].Obligations {
			if o.Role != plan.RoleDuty {
				got++
			}
		}
	}
	if got != want || want == 0 {
		t.Errorf("ecology owes %d items by the department view, %d by the ledger", got, want)
	}
	var sc Scorecards
	call(t, lantian.RoleCounty, "GET", "/api/v1/plans/"+nanyang+"/scorecards", "", &sc)
	var area LedgerView
	call(t, lantian.RoleCounty, "GET", "/api/v1/plans/"+nanyang+"/ledger?area=411330", "", &area)
	items := 0
	for _, ts := range area.Tasks {
		items += len(ts.Items)
	}
	i := slices.IndexFunc(sc.Areas, func(s plan.Scorecard) bool { return s.Unit == "411330" })
	if i < 0 || sc.Areas[i].Items != items || sc.Areas[i].Name != "桐柏县" {
		t.Errorf("桐柏县 scorecard %+v; its ledger has %d items", sc.Areas, items)
	}
	if len(sc.Departments) == 0 || len(sc.Areas) != 17 {
		t.Errorf("%d department and %d area scorecards", len(sc.Departments), len(sc.Areas))
	}
}

// TestLedgerTargetsFromStatistics evaluates targets of a year the demo
// data cover against the overview's own target cards: the ledger reuses
// the dashboard's statistics, so the actual value and the judgement must
// agree with the card, and a reported target is judged on its report.
func TestLedgerTargetsFromStatistics(t *testing.T) {
	p0 := testSrv.mainPlan()
	p := *p0
	v50, _ := plan.ParseDecimal("50")
	v1, _ := plan.ParseDecimal("1")
	p.Targets = []plan.Target{
		{ID: "G2019", Text: "优良天数比例不低于50%", Area: "411300", Metric: plan.MetricGoodDaysRatio, Comparator: ">=", Value: &v50, Unit: "%", Year: 2019, Firmness: plan.Binding},
		{ID: "H2019", Text: "重污染天数比例不高于1%", Area: "411300", Metric: plan.MetricHeavyDaysRatio, Comparator: "<=", Value: &v1, Unit: "%", Year: 2019, Firmness: plan.Binding},
		{ID: "C2019", Text: "二级达标", Area: "411300", Metric: "grade2_compliance", Comparator: "achieve", Year: 2019, Firmness: plan.BestEffort},
		{ID: "R2019", Text: "排名进位", Area: "411300", Metric: plan.MetricRank, Comparator: "improve", Year: 2019, Firmness: plan.Binding},
		{ID: "W2019", Text: "风电装机不低于50万千瓦", Area: "411300", Metric: "wind_capacity", Comparator: ">=", Value: &v50, Unit: "万千瓦", Year: 2019, Firmness: plan.Binding},
	}
	w60, _ := plan.ParseDecimal("60")
	reports := []plan.Report{{Plan: p.ID, Task: 0, Item: "W2019", Reporter: "development", Date: plan.NewDate(2019, 11, 30), Value: &w60, Who: "t"}}
	asOf := plan.NewDate(2019, 12, 31)
	res, err := testSrv.planTargets(t.Context(), &p, reports, asOf)
	if err != nil {
		t.Fatal(err)
	}
	ov, err := testSrv.overview(t.Context(), 2019, testSrv.asOfFor(2019, time.Date(2019, 12, 31, 0, 0, 0, 0, standard.Beijing), true))
	if err != nil {
		t.Fatal(err)
	}
	card := ov.Cards[0]
	if card.Area.Code != "411300" || !card.HasData || card.Elapsed < card.DaysInYear {
		t.Fatalf("card %s has data %v, %d/%d days", card.Area.Code, card.HasData, card.Elapsed, card.DaysInYear)
	}
	judge := func(ok bool) plan.TargetStatus {
		if ok {
			return plan.TargetMet
		}
		return plan.TargetMissed
	}
	good, _ := plan.ParseDecimal(card.GoodRatio)
	heavy, _ := plan.ParseDecimal(card.HeavyRatio)
	want := map[string]struct {
		status plan.TargetStatus
		actual string
	}{
		"G2019": {judge(good.Cmp(v50) >= 0), card.GoodRatio + " %"},
		"H2019": {judge(heavy.Cmp(v1) <= 0), card.HeavyRatio + " %"},
		"C2019": {judge(card.Compliant), map[bool]string{true: "达标", false: "未达标"}[card.Compliant]},
		"R2019": {plan.TargetNoData, ""},         // the 168-city ranking is not in the store
		"W2019": {plan.TargetOnCourse, "60 万千瓦"}, // a reported year is final only once it is over
	}
	for _, r := range res {
		w := want[r.Target.ID]
		if r.Status != w.status || r.Actual != w.actual {
			t.Errorf("%s: %s %q, want %s %q (card: good %s, heavy %s, compliant %v)", r.Target.ID, r.Status, r.Actual, w.status, w.actual,
				card.GoodRatio, card.HeavyRatio, card.Compliant)
		}
	}
	// Before its year begins a target has nothing to be judged on.
	res, _ = testSrv.planTargets(t.Context(), &p, nil, plan.NewDate(2018, 6, 1))
	for _, r := range res {
		if r.Status != plan.TargetNoData {
			t.Errorf("%s judged %s before its year", r.Target.ID, r.Status)
		}
	}
}

// TestLedgerPagesReadOnly: a viewer reads the ledger pages and is shown no
// report form; the county officer gets the form for its own area only.
func TestLedgerPagesReadOnly(t *testing.T) {
	base := ledgerServer(t)
	ledgerClock.SetDay("2025-03-01")
	page := func(role lantian.Role, path string) string {
		req, _ := http.NewRequest("GET", base+path, nil)
		authtest.SignIn(t, authSvc, authCast[role], authSvc.SessionCookieName()).Apply(req)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			t.Fatalf("%s as %s: %d", path, role, res.StatusCode)
		}
		return string(b)
	}
	cases := []struct {
		role     lantian.Role
		path     string
		form     bool
		contains string
	}{
		{lantian.RoleViewer, "/ledger/tasks/30", false, `id="report-readonly"`},
		{lantian.RoleCounty, "/ledger/tasks/30", true, `<option value="411330"`},
		{lantian.RoleDepartment, "/ledger/tasks/30", true, `<option value="ecology"`},
		{lantian.RoleDepartment, "/ledger/tasks/18", false, `id="report-readonly"`},
		{lantian.RoleCommission, "/ledger/tasks/18", true, `<option value="urban"`},
		{lantian.RoleViewer, "/ledger?department=ecology&lang=en", false, "Overdue alerts"},
		{lantian.RoleViewer, "/ledger/scorecards", false, `id="table-department-scorecards"`},
		{lantian.RoleViewer, "/ledger?department=ecology", false, `id="ledger-owes"`},
		{lantian.RoleViewer, "/ledger?area=411330", false, `id="ledger-table"`},
	}
	for _, c := range cases {
		html := page(c.role, c.path)
		if got := strings.Contains(html, `id="report-form"`); got != c.form {
			t.Errorf("%s as %s: report form shown %v, want %v", c.path, c.role, got, c.form)
		}
		if !strings.Contains(html, c.contains) {
			t.Errorf("%s as %s lacks %s", c.path, c.role, c.contains)
		}
	}
	if html := page(lantian.RoleCounty, "/ledger/tasks/30"); strings.Contains(html, `<option value="411323"`) {
		t.Error("the county officer of 桐柏县 may report for 西峡县")
	}
}
