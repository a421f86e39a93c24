package plan

import (
	"bytes"
	"context"
	"encoding/csv"
	"flag"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

var update = flag.Bool("update", false, "rewrite golden files")

func minimal(t *testing.T) *Plan {
	t.Helper()
	p, err := Load(strings.NewReader(minimalPlan))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func d(s string) Date {
	v, err := ParseDate(s)
	if err != nil {
		panic(err)
	}
	return v
}

func dec(s string) *Decimal {
	v, err := ParseDecimal(s)
	if err != nil {
		panic(err)
	}
	return &v
}

func pct(n int) *int { return &n }

// filed returns a filing time at noon Beijing time on the given day.
func filed(s string) time.Time {
	x := d(s)
	return time.Date(x.Year, x.Month, x.Day, 12, 0, 0, 0, planZone)
}

func TestMilestoneStatus(t *testing.T) {
	p := minimal(t) // M1 due 2025-06-30, plan from 2025-01-01
	rep := func(date string, mod func(*Report)) Report {
		r := Report{Plan: "t", Task: 1, Item: "M1", Reporter: "eco", Date: d(date), Who: "u", When: filed(date)}
		mod(r2p(&r))
		return r
	}
	cases := []struct {
		name       string
		asOf       string
		reports    []Report
		want       Status
		wantOnTime bool
	}{
		{"no report, deadline far", "2025-03-01", nil, NotStarted, false},
		{"no report, deadline within 30 days", "2025-06-10", nil, AtRisk, false},
		{"half done early", "2025-03-10", []Report{rep("2025-03-01", func(r *Report) { r.Progress = pct(50) })}, OnTrack, false},
		{"half done near the deadline", "2025-06-10", []Report{rep("2025-06-01", func(r *Report) { r.Progress = pct(50) })}, AtRisk, false},
		{"ahead of the linear schedule near the deadline", "2025-06-10", []Report{rep("2025-06-01", func(r *Report) { r.Progress = pct(95) })}, OnTrack, false},
		{"deadline passed", "2025-07-01", []Report{rep("2025-06-01", func(r *Report) { r.Progress = pct(95) })}, Overdue, false},
		{"done on time", "2025-07-10", []Report{rep("2025-06-20", func(r *Report) { r.Done = true })}, Done, true},
		{"progress 100 counts as done", "2025-06-25", []Report{rep("2025-06-20", func(r *Report) { r.Progress = pct(100) })}, Done, true},
		{"done by the deadline but filed late", "2025-07-10", []Report{rep("2025-06-29", func(r *Report) { r.Done = true; r.When = filed("2025-07-05") })}, Done, false},
		{"done after the deadline", "2025-07-10", []Report{rep("2025-07-08", func(r *Report) { r.Done = true })}, Done, false},
		{"report dated after as-of is ignored", "2025-07-01", []Report{rep("2025-07-03", func(r *Report) { r.Done = true })}, Overdue, false},
		{"report filed after as-of is ignored", "2025-07-01", []Report{rep("2025-06-20", func(r *Report) { r.Done = true; r.When = filed("2025-07-02") })}, Overdue, false},
		{"narrative only", "2025-02-01", []Report{rep("2025-01-20", func(r *Report) { r.Narrative = "已启动" })}, OnTrack, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev := Evaluate(p, c.reports, d(c.asOf), Config{AtRiskDays: 30})
			it := ev.Tasks[0].Items[0]
			if it.ID != "M1" {
				t.Fatalf("first item %s", it.ID)
			}
			if it.Status != c.want {
				t.Errorf("status %s, want %s", it.Status, c.want)
			}
			if got := it.Occurrences[0].OnTime(); got != c.wantOnTime {
				t.Errorf("on time %v, want %v", got, c.wantOnTime)
			}
			hasAlert := slices.ContainsFunc(ev.Alerts, func(a Alert) bool { return a.Item == "M1" })
			if hasAlert != (c.want == Overdue) {
				t.Errorf("alert raised %v for status %s", hasAlert, it.Status)
			}
		})
	}
}

func r2p(r *Report) *Report { return r }

func TestIndicatorStatus(t *testing.T) {
	p := minimal(t) // I1: piles ≥ 100 by 2025-12-31
	rep := func(date, v string) Report {
		return Report{Plan: "t", Task: 1, Item: "I1", Reporter: "eco", Date: d(date), Value: dec(v), Who: "u", When: filed(date)}
	}
	cases := []struct {
		name    string
		asOf    string
		reports []Report
		want    Status
		wantPct int
	}{
		{"target met early", "2025-05-02", []Report{rep("2025-05-01", "100")}, Done, 100},
		{"short, far from the deadline", "2025-05-02", []Report{rep("2025-05-01", "20")}, OnTrack, 20},
		{"short near the deadline, behind schedule", "2025-12-10", []Report{rep("2025-12-01", "50")}, AtRisk, 50},
		{"short near the deadline, ahead of schedule", "2025-12-10", []Report{rep("2025-12-01", "99")}, OnTrack, 99},
		{"met then fell back", "2025-08-01", []Report{rep("2025-05-01", "100"), rep("2025-07-01", "90")}, OnTrack, 90},
		{"missed at the end", "2026-01-05", []Report{rep("2025-12-01", "99")}, Overdue, 99},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev := Evaluate(p, c.reports, d(c.asOf), Config{})
			it := ev.Tasks[0].Items[1]
			if it.ID != "I1" || it.Status != c.want || it.Occurrences[0].Progress != c.wantPct {
				t.Errorf("%s: status %s progress %d, want %s %d", it.ID, it.Status, it.Occurrences[0].Progress, c.want, c.wantPct)
			}
			if it.Goal != "≥ 100 个" {
				t.Errorf("goal %q", it.Goal)
			}
		})
	}
}

func TestRecurringIndicator(t *testing.T) {
	p, err := LoadFile("../plans/example-county-2025.yaml")
	if err != nil {
		t.Fatal(err)
	}
	// Q-I3: straw fire points = 0 every month; reported by the lead
	// department 'agriculture'.
	rep := func(date, v string) Report {
		return Report{Plan: p.ID, Task: 3, Item: "Q-I3", Reporter: "agriculture", Date: d(date), Value: dec(v), Who: "u", When: filed(date)}
	}
	cases := []struct {
		name        string
		asOf        string
		reports     []Report
		want        Status
		wantAlerts  []string // due dates of overdue periods
		periods     int
		wantDueNext string
	}{
		{"first month open, nothing reported", "2025-01-10", nil, NotStarted, nil, 1, "2025-01-31"},
		{"first month ending, nothing reported", "2025-01-28", nil, AtRisk, nil, 1, "2025-01-31"},
		{"January met, February open", "2025-02-10", []Report{rep("2025-01-31", "0")}, OnTrack, nil, 2, "2025-02-28"},
		{"February not reported", "2025-03-15", []Report{rep("2025-01-31", "0")}, Overdue, []string{"2025-02-28"}, 3, "2025-03-31"},
		{"February reported late cures it", "2025-03-15", []Report{rep("2025-01-31", "0"), rep("2025-02-28", "0")}, OnTrack, nil, 3, "2025-03-31"},
		{"February failed", "2025-03-15", []Report{rep("2025-01-31", "0"), rep("2025-02-20", "2")}, Overdue, []string{"2025-02-28"}, 3, "2025-03-31"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ev := Evaluate(p, c.reports, d(c.asOf), Config{})
			var it ItemStatus
			for _, ts := range ev.Tasks {
				for _, x := range ts.Items {
					if x.ID == "Q-I3" {
						it = x
					}
				}
			}
			if it.Status != c.want || len(it.Occurrences) != c.periods || it.Due.String() != c.wantDueNext {
				t.Errorf("status %s, %d periods, due %s; want %s, %d, %s", it.Status, len(it.Occurrences), it.Due, c.want, c.periods, c.wantDueNext)
			}
			var alerts []string
			for _, a := range ev.Alerts {
				if a.Item == "Q-I3" {
					alerts = append(alerts, a.Due.String())
				}
			}
			if !slices.Equal(alerts, c.wantAlerts) {
				t.Errorf("alerts %v, want %v", alerts, c.wantAlerts)
			}
		})
	}
}

func TestTaskAggregate(t *testing.T) {
	cases := []struct {
		name  string
		items []Status
		want  Status
	}{
		{"all done", []Status{Done, Done}, Done},
		{"one overdue", []Status{Done, Overdue, AtRisk}, Overdue},
		{"one at risk", []Status{OnTrack, AtRisk}, AtRisk},
		{"none reported", []Status{NotStarted, NotStarted}, NotStarted},
		{"some progress", []Status{NotStarted, Done}, OnTrack},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var items []ItemStatus
			for _, s := range c.items {
				items = append(items, ItemStatus{Status: s})
			}
			if got := aggregate(items); got != c.want {
				t.Errorf("got %s, want %s", got, c.want)
			}
		})
	}
}

func TestCheckReport(t *testing.T) {
	p := loadNanyang(t)
	ok := Report{Task: 13, Item: "M13.2", Reporter: "ecology", Date: d("2025-03-01"), Progress: pct(40), Who: "张三"}
	cases := []struct {
		name    string
		mod     func(*Report)
		wantErr string
	}{
		{"valid lead report", func(*Report) {}, ""},
		{"cooperating department may report", func(r *Report) { r.Reporter = "transport" }, ""},
		{"county may report (task 1 clause)", func(r *Report) { r.Reporter = "411330" }, ""},
		{"department not on the task", func(r *Report) { r.Reporter = "tobacco" }, "not responsible for task 13"},
		{"unknown reporter", func(r *Report) { r.Reporter = "nobody" }, "neither a department nor an area"},
		{"unknown task", func(r *Report) { r.Task = 31 }, "no task 31"},
		{"item of another task", func(r *Report) { r.Item = "M4.1" }, `no milestone or indicator "M4.1"`},
		{"threshold is not reportable", func(r *Report) { r.Task, r.Item = 16, "I16.2" }, "threshold"},
		{"progress out of range", func(r *Report) { r.Progress = pct(120) }, "want 0–100"},
		{"empty report", func(r *Report) { r.Progress = nil }, "want a value, progress, done or a narrative"},
		{"no author", func(r *Report) { r.Who = "" }, "who:"},
		{"target report", func(r *Report) { r.Task, r.Item, r.Value = 0, "T4-2025", dec("77.1") }, ""},
		{"unknown target", func(r *Report) { r.Task, r.Item = 0, "T9" }, "not a target id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := ok
			c.mod(&r)
			err := p.CheckReport(r)
			if c.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Fatalf("error %v, want %q", err, c.wantErr)
			}
		})
	}
}

// nanyangReports is a fixed history used by the view, scorecard and export
// tests: a few departments and counties reporting through 2024.
func nanyangReports() []Report {
	r := func(task int, item, who, date string, mod func(*Report)) Report {
		x := Report{Plan: "nanyang-2024-2025", Task: task, Item: item, Reporter: who, Date: d(date), Who: "测试员", When: filed(date)}
		mod(&x)
		return x
	}
	return []Report{
		r(4, "M4.1", "development", "2024-06-30", func(x *Report) { x.Progress = pct(60); x.Narrative = "官庄化工园区完成工艺改造方案" }),
		r(4, "M4.1", "development", "2024-12-20", func(x *Report) { x.Done = true; x.Narrative = "两园区升级改造完成" }),
		r(5, "I5.1", "development", "2024-12-31", func(x *Report) { x.Value = dec("231.5"); x.Narrative = "新增风电并网" }),
		r(13, "M13.1", "ecology", "2024-11-30", func(x *Report) { x.Progress = pct(80) }),
		r(18, "I18.1", "urban", "2024-11-30", func(x *Report) { x.Value = dec("6.8") }),
		r(18, "I18.1", "urban", "2024-12-31", func(x *Report) { x.Value = dec("7.4") }),
		r(20, "M20.3", "411321", "2024-12-01", func(x *Report) { x.Progress = pct(30); x.Narrative = "圪垱寺矿区完成复绿设计" }),
		r(28, "", "ecology", "2024-12-15", func(x *Report) { x.Narrative = "全年查处环境违法案件" }),
		r(30, "", "411330", "2024-12-10", func(x *Report) { x.Narrative = "热点网格交办问题全部整改" }),
	}
}

func TestViewsAndScorecards(t *testing.T) {
	p := loadNanyang(t)
	asOf := d("2025-01-15")
	ev := Evaluate(p, nanyangReports(), asOf, Config{})

	secs := ev.BySection()
	if len(secs) != 7 || len(secs[0].Tasks) != 4 || secs[6].Section.Title != "提升环境监管水平" {
		t.Fatalf("sections: %d, first has %d tasks", len(secs), len(secs[0].Tasks))
	}

	status := map[string]Status{}
	for _, ts := range ev.Tasks {
		for _, it := range ts.Items {
			status[it.ID] = it.Status
		}
	}
	for _, c := range []struct {
		id   string
		want Status
	}{
		{"M4.1", Done}, {"M4.2", Overdue}, {"M13.1", Overdue}, {"M13.2", NotStarted},
		{"I5.1", OnTrack}, {"I18.1", Overdue}, {"M20.3", OnTrack}, {"M20.1", NotStarted},
	} {
		if status[c.id] != c.want {
			t.Errorf("%s: %s, want %s", c.id, status[c.id], c.want)
		}
	}

	var dev *DepartmentView
	depts := ev.ByDepartment()
	for i := range depts {
		if depts[i].Department.ID == "finance" {
			dev = &depts[i]
		}
	}
	if dev == nil {
		t.Fatal("no view for finance")
	}
	roles := map[DeptRole]int{}
	for i, o := range dev.Obligations {
		roles[o.Role]++
		if i > 0 && o.Item.Due.Before(dev.Obligations[i-1].Item.Due) {
			t.Errorf("obligations not ordered by deadline at %d", i)
		}
	}
	// 财政局: shares task 8 (one item) and task 10 (M10.1, I10.1, I10.2),
	// cooperates on 27, and carries the incentive-policy duty of task 10.
	if roles[RoleShared] != 4 || roles[RoleCooperate] != 1 || roles[RoleDuty] != 1 {
		t.Errorf("finance roles %v", roles)
	}

	var eco Scorecard
	for _, sc := range ev.DepartmentScorecards() {
		if sc.Unit == "ecology" {
			eco = sc
		}
	}
	// Due by 2025-01-15 among the items ecology leads or shares: M4.1,
	// M4.2, M7.1, M13.1 (2024-12-31), none done on time except M4.1.
	if eco.DueSoFar != 4 || eco.OnTime != 1 || eco.OnTimeRate() != "25.0%" {
		t.Errorf("ecology scorecard: %+v rate %s", eco, eco.OnTimeRate())
	}

	areas := ByArea(p, nanyangReports(), asOf, Config{})
	if len(areas) != 17 {
		t.Fatalf("%d area views, want 17", len(areas))
	}
	for _, av := range areas {
		switch av.Area.Code {
		case "411321": // 南召县 owns M20.3, not M20.1/M20.2
			ids := map[string]bool{}
			for _, ts := range av.Evaluation.Tasks {
				for _, it := range ts.Items {
					ids[it.ID] = true
				}
			}
			if !ids["M20.3"] || ids["M20.1"] || ids["I5.1"] {
				t.Errorf("南召县 items: %v", ids)
			}
		case "411330": // 桐柏县 reported on task 30 as a whole
			if av.Evaluation.Tasks[29].Status != OnTrack {
				t.Errorf("桐柏县 task 30: %s", av.Evaluation.Tasks[29].Status)
			}
			if av.Scorecard.Counts[OnTrack] != 1 {
				t.Errorf("桐柏县 scorecard %+v", av.Scorecard)
			}
		}
	}
}

func TestEvaluateTargets(t *testing.T) {
	p := loadNanyang(t)
	yes, no := true, false
	inputs := []TargetInputs{
		{Area: "411300", Year: 2024, Final: true, Rank: 120, PrevRank: 131},
		{Area: "411330", Year: 2024, Final: true, Compliant: &yes},
		{Area: "411323", Year: 2024, Final: true, Compliant: &no},
		{Area: "411300", Year: 2025, Final: false, GoodDaysRatio: dec("76.5"), HeavyDaysRatio: dec("0.9"), Rank: 125, PrevRank: 120},
	}
	got := map[string]TargetStatus{}
	for _, r := range EvaluateTargets(p, inputs, nil, d("2025-06-30")) {
		got[r.Target.ID] = r.Status
	}
	want := map[string]TargetStatus{
		"T1-2024": TargetMet, "T1-2025": TargetOffCourse,
		"T2-2024-411330": TargetMet, "T2-2024-411323": TargetMissed, "T2-2024-411326": TargetNoData,
		"T4-2025": TargetOnCourse, // 76.5 ≥ 76.5 exactly
		"T5-2025": TargetOffCourse, "T6-2025": TargetNoData,
	}
	for id, w := range want {
		if got[id] != w {
			t.Errorf("%s: %s, want %s", id, got[id], w)
		}
	}
}

func TestReportedTarget(t *testing.T) {
	p, err := Load(strings.NewReader(strings.Replace(minimalPlan, "metric: good_days_ratio", "metric: piles", 1)))
	if err == nil || !strings.Contains(err.Error(), "differs from the unit") {
		t.Fatalf("a reported metric with the wrong unit must not load: %v", err)
	}
	src := strings.Replace(minimalPlan, `metric: good_days_ratio, comparator: ">=", value: 80, unit: "%"`, `metric: piles, comparator: ">=", value: 80, unit: 个`, 1)
	if p, err = Load(strings.NewReader(src)); err != nil {
		t.Fatal(err)
	}
	rs := []Report{
		{Task: 0, Item: "T1", Reporter: "eco", Date: d("2025-03-01"), Value: dec("50"), Who: "u"},
		{Task: 0, Item: "T1", Reporter: "eco", Date: d("2025-09-01"), Value: dec("85"), Who: "u"},
	}
	cases := []struct {
		name string
		asOf string
		want TargetStatus
	}{
		{"before any report", "2025-02-01", TargetNoData},
		{"short in spring", "2025-04-01", TargetOffCourse},
		{"met in autumn", "2025-10-01", TargetOnCourse},
		{"final after the year", "2026-01-10", TargetMet},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res := EvaluateTargets(p, nil, rs, d(c.asOf))
			if res[0].Status != c.want || res[0].Source != SourceReport {
				t.Errorf("got %s from %s, want %s", res[0].Status, res[0].Source, c.want)
			}
		})
	}
}

func TestLedgerWithMemStore(t *testing.T) {
	p := loadNanyang(t)
	now := filed("2025-01-15")
	l := &Ledger{Plan: p, Store: &MemStore{}, Now: func() time.Time { return now }}
	ctx := context.Background()
	if _, err := l.Report(ctx, Report{Task: 13, Item: "M13.1", Reporter: "ecology", Date: d("2025-02-01"), Done: true, Who: "u"}); err == nil {
		t.Error("a report dated in the future was accepted")
	}
	if _, err := l.Report(ctx, Report{Task: 13, Item: "M13.1", Reporter: "tobacco", Date: d("2025-01-10"), Done: true, Who: "u"}); err == nil {
		t.Error("a report from a department not on the task was accepted")
	}
	ev, err := l.Evaluate(ctx, Date{})
	if err != nil {
		t.Fatal(err)
	}
	if st := ev.Tasks[12].Items[0].Status; st != Overdue {
		t.Fatalf("M13.1 before the report: %s", st)
	}
	stored, err := l.Report(ctx, Report{Task: 13, Item: "M13.1", Reporter: "ecology", Date: d("2025-01-10"), Done: true,
		Narrative: "水泥超低排放改造完成", Attachments: []string{"验收报告.pdf"}, Who: "李四"})
	if err != nil {
		t.Fatal(err)
	}
	if stored.ID != 1 || !stored.When.Equal(now) || stored.Plan != p.ID {
		t.Errorf("stored %+v", stored)
	}
	if ev, err = l.Evaluate(ctx, Date{}); err != nil {
		t.Fatal(err)
	}
	it := ev.Tasks[12].Items[0]
	if it.Status != Done || it.Occurrences[0].OnTime() || it.Latest.Who != "李四" {
		t.Errorf("M13.1 after a late done report: %s on time %v", it.Status, it.Occurrences[0].OnTime())
	}
	all, _ := l.Store.Reports(ctx, ReportFilter{Plan: p.ID, Task: 13})
	if len(all) != 1 || all[0].Attachments[0] != "验收报告.pdf" {
		t.Errorf("history: %+v", all)
	}
}

func TestExportMatchesTable(t *testing.T) {
	p := loadNanyang(t)
	ev := Evaluate(p, nanyangReports(), d("2025-01-15"), Config{})
	table := ev.Table()
	if !slices.Equal(table[0], LedgerHeader) {
		t.Fatalf("header %v", table[0])
	}
	if n := len(table) - 1; n != len(p.Items()) {
		t.Errorf("%d rows for %d items", n, len(p.Items()))
	}

	var buf bytes.Buffer
	if err := ev.WriteXLSX(&buf); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := f.GetRows(LedgerSheet)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(rows[0][0], "截至2025-01-15") {
		t.Errorf("title row %q", rows[0][0])
	}
	if len(rows)-1 != len(table) {
		t.Fatalf("sheet has %d rows, table %d", len(rows)-1, len(table))
	}
	for i, want := range table {
		got := rows[i+1]
		for len(got) < len(want) {
			got = append(got, "") // excelize drops trailing empty cells
		}
		if !slices.Equal(got, want) {
			t.Errorf("row %d:\n xlsx  %q\n table %q", i+1, got, want)
		}
	}
	// Spot checks against the plan, independent of Table.
	for _, c := range []struct{ cell, want string }{
		{"A2", "任务"}, {"G2", "状态"},
		{"A3", "1. 加快淘汰落后低效产能"}, {"C3", "市工业和信息化局"}, {"D3", "市发展改革委、市生态环境局、市市场监管局"},
	} {
		if v, _ := f.GetCellValue(LedgerSheet, c.cell); v != c.want {
			t.Errorf("%s = %q, want %q", c.cell, v, c.want)
		}
	}

	var csvBuf bytes.Buffer
	if err := ev.WriteCSV(&csvBuf); err != nil {
		t.Fatal(err)
	}
	golden := "../testdata/plan/nanyang-ledger-2025-01-15.golden.csv"
	if *update {
		if err := os.WriteFile(golden, csvBuf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if !bytes.Equal(csvBuf.Bytes(), want) {
		t.Errorf("CSV differs from %s (run with -update after checking the change)", golden)
	}
	rec, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(want, []byte("\ufeff")))).ReadAll()
	if err != nil || len(rec) != len(table) {
		t.Errorf("golden CSV: %d records, err %v", len(rec), err)
	}
}
