package web

// The ledger pages: 任务台账 (by section, filterable by department and
// county, overdue alerts first), one task with its report history and the
// form to report progress, and the department and county scorecards.

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/auth"
	"github.com/lantian-aq/lantian/plan"
	"github.com/lantian-aq/lantian/standard"
)

func init() {
	pageNames = append(pageNames, "ledger", "ledger_task", "ledger_scorecards")
}

// pagePlan returns the plan a ledger page shows: ?plan= or the main plan.
func (s *Server) pagePlan(r *http.Request) (*plan.Plan, error) {
	id := r.URL.Query().Get("plan")
	if id == "" {
		if p := s.mainPlan(); p != nil {
			return p, nil
		}
		return nil, lantian.Errorf(lantian.ENOTFOUND, "no plan is loaded: put plan files in plans/ and restart")
	}
	for _, p := range s.plans {
		if p.ID == id {
			return p, nil
		}
	}
	return nil, lantian.Errorf(lantian.ENOTFOUND, "no plan with id %q", id)
}

// option is one choice of a select element.
type option struct {
	Value, Label string
	Selected     bool
}

// statusBadge is a derived status as the pages show it.
type statusBadge struct {
	Status string // plan.Status, also the CSS class ls-<status>
	Label  string
	N      int
}

func badge(tr func(string) string, st plan.Status) statusBadge {
	return statusBadge{Status: string(st), Label: tr("ledger.status." + string(st))}
}

// ledgerRow is one row of the ledger table: the cells of plan's table (the
// export's strings) and the task and status behind them.
type ledgerRow struct {
	Task   int
	Href   string
	Status string
	Cells  []string
}

type ledgerSection struct {
	Title string
	Rows  []ledgerRow
}

type targetRow struct {
	ID, Text, Area, Year, Goal, Firmness, Actual, Basis, Source string
	Status, Label                                               string
}

type ledgerPage struct {
	Plan        *plan.Plan
	Plans       []option
	Filter      ledgerFilter
	Query       string // the filter as URL parameters, for links
	Counts      []statusBadge
	Alerts      []plan.Alert
	Header      []string
	Sections    []ledgerSection
	Rows        int
	Targets     []targetRow
	Departments []option
	Areas       []option
	SectionOpts []option
	ExportXLSX  string
	ExportCSV   string
	Today       string
	// Owes is what the filtered department owes, by deadline (with a
	// department filter only).
	Owes []obligationRow
}

// obligationRow is one item a department owes.
type obligationRow struct {
	Due, DueText, Task, Href, Item, Role, Status, Label string
}

func (s *Server) planOptions(cur *plan.Plan) []option {
	var out []option
	for _, p := range s.plans {
		out = append(out, option{Value: p.ID, Label: p.Title, Selected: p == cur})
	}
	return out
}

func (s *Server) pageLedger(w http.ResponseWriter, r *http.Request) {
	p, err := s.pagePlan(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	f, err := s.parseLedgerFilter(r, p)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	st, err := s.evaluate(r.Context(), p, f)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	tr := translator(language(w, r))
	v := &ledgerPage{Plan: p, Plans: s.planOptions(p), Filter: f, Alerts: st.Eval.Alerts, Today: s.today().String()}
	q := f.query(r.URL.Query().Get("as_of") != "")
	q.Set("plan", p.ID)
	v.Query = q.Encode()
	counts := statusCounts(st.Eval)
	for _, s := range plan.Statuses {
		b := badge(tr, s)
		b.N = counts[s]
		v.Counts = append(v.Counts, b)
	}
	table := st.Eval.Table()
	v.Header = table[0]
	row := 1
	for _, ts := range st.Eval.Tasks {
		if n := len(v.Sections); n == 0 || v.Sections[n-1].Title != sectionTitle(p, ts.Section) {
			v.Sections = append(v.Sections, ledgerSection{Title: sectionTitle(p, ts.Section)})
		}
		sec := &v.Sections[len(v.Sections)-1]
		for _, it := range ts.Items {
			sec.Rows = append(sec.Rows, ledgerRow{Task: ts.Number, Status: string(it.Status), Cells: table[row],
				Href: "/ledger/tasks/" + strconv.Itoa(ts.Number) + "?" + v.Query})
			row++
		}
	}
	v.Rows = row - 1
	if f.Department != "" {
		for _, dv := range st.Eval.ByDepartment() {
			if dv.Department.ID != f.Department {
				continue
			}
			for _, o := range dv.Obligations {
				item := o.Item.Text
				if o.Item.ID != "" {
					item = o.Item.ID + " " + item
				}
				v.Owes = append(v.Owes, obligationRow{Due: o.Item.Due.String(), DueText: o.Item.DueText,
					Task: strconv.Itoa(o.Task) + ". " + o.Title, Href: "/ledger/tasks/" + strconv.Itoa(o.Task) + "?" + v.Query,
					Item: item, Role: tr("ledger.role." + string(o.Role)), Status: string(o.Item.Status), Label: tr("ledger.status." + string(o.Item.Status))})
			}
		}
	}
	results, err := s.planTargets(r.Context(), p, st.Reports, f.AsOf)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	for _, res := range results {
		t := res.Target
		goal := tr("ledger.cmp." + t.Comparator) // improve, achieve: targets without a value
		if t.Value != nil {
			goal = sym(t.Comparator) + " " + t.Value.String() + " " + t.Unit
		}
		v.Targets = append(v.Targets, targetRow{ID: t.ID, Text: t.Text, Area: p.AreaName(t.Area), Year: strconv.Itoa(t.Year),
			Goal: goal, Firmness: t.Firmness.Label(), Actual: res.Actual, Basis: res.Basis, Source: tr("ledger.source." + string(res.Source)),
			Status: string(res.Status), Label: tr("ledger.target." + string(res.Status))})
	}
	v.Departments = []option{{Value: "", Label: tr("ledger.all")}}
	for _, d := range p.Departments {
		v.Departments = append(v.Departments, option{Value: d.ID, Label: p.DepartmentName(d.ID), Selected: d.ID == f.Department})
	}
	v.Areas = []option{{Value: "", Label: tr("ledger.wholeplan")}}
	for _, a := range p.Areas {
		if slices.Contains(p.Implementers.Areas, a.Code) || a.Code == f.Area {
			v.Areas = append(v.Areas, option{Value: a.Code, Label: a.Name, Selected: a.Code == f.Area})
		}
	}
	v.SectionOpts = []option{{Value: "", Label: tr("ledger.all")}}
	for _, sec := range p.Sections {
		v.SectionOpts = append(v.SectionOpts, option{Value: strconv.Itoa(sec.Number), Label: sectionTitle(p, sec.Number), Selected: sec.Number == f.Section})
	}
	eq := f.query(true)
	eq.Set("format", "xlsx")
	v.ExportXLSX = "/api/v1/plans/" + url.PathEscape(p.ID) + "/ledger/export?" + eq.Encode()
	eq.Set("format", "csv")
	v.ExportCSV = "/api/v1/plans/" + url.PathEscape(p.ID) + "/ledger/export?" + eq.Encode()
	s.render(w, r, "ledger", &page{Nav: "ledger", Title: tr("ledger.title"), Data: v})
}

func sym(c string) string {
	return strings.NewReplacer(">=", "≥", "<=", "≤").Replace(c)
}

func sectionTitle(p *plan.Plan, n int) string {
	if sec := p.Section(n); sec != nil {
		return sec.Title
	}
	return strconv.Itoa(n)
}

// itemRow is one milestone, indicator or whole-task item on the task page.
type itemRow struct {
	ID, Kind, Text, Due, Goal, Latest, Progress, DaysLeft string
	Status, Label                                         string
}

type attachmentLink struct{ Text, Href string }

type reportRow struct {
	ID                                                     int64
	Date, Reporter, Item, Value, Progress, Done, Who, When string
	Narrative                                              string
	Attachments                                            []attachmentLink
}

// reportForm is the progress form, for users who may report on the task.
type reportForm struct {
	Action    string
	CSRF      string
	Reporters []option
	Items     []option
	Today     string
	Error     string
	In        ReportInput
	ValueText string
	Attach    string
}

type taskPage struct {
	Plan      *plan.Plan
	Query     string
	TL        *TaskLedger
	Status    statusBadge
	Lead      string
	Cooperate string
	Areas     string
	Duties    [][2]string
	Items     []itemRow
	Reports   []reportRow
	Form      *reportForm
	Reported  string
}

func (s *Server) pageLedgerTask(w http.ResponseWriter, r *http.Request) {
	s.renderTask(w, r, nil, "")
}

// renderTask renders the task page; in and msg refill the form after a
// refused report.
func (s *Server) renderTask(w http.ResponseWriter, r *http.Request, in *ReportInput, msg string) {
	p, err := s.pagePlan(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	n, err := strconv.Atoi(r.PathValue("number"))
	if err != nil {
		s.pageError(w, r, badRequest("task number %q: want a number", r.PathValue("number")))
		return
	}
	f, err := s.parseLedgerFilter(r, p)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	f.Section, f.Department = 0, "" // a task page shows the task whatever the list's filter
	st, err := s.evaluate(r.Context(), p, f)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	tl, err := s.taskLedger(r, st, n)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	tr := translator(language(w, r))
	unit := func(code string) string {
		if a := p.AreaByCode(code); a != nil {
			return a.Name
		}
		return p.DepartmentName(code)
	}
	names := func(ids []string) string {
		out := make([]string, len(ids))
		for i, id := range ids {
			out[i] = unit(id)
		}
		return strings.Join(out, "、")
	}
	v := &taskPage{Plan: p, TL: tl, Status: badge(tr, tl.Status.Status), Lead: names(tl.Task.Lead), Cooperate: names(tl.Task.Cooperate),
		Areas: names(p.ImplementingAreas(tl.Task))}
	q := url.Values{"plan": {p.ID}}
	if f.Area != "" {
		q.Set("area", f.Area)
	}
	v.Query = q.Encode()
	if tl.Task.SharedByRemit {
		v.Lead += "（" + tr("ledger.shared") + "）"
	}
	for _, d := range tl.Task.Duties {
		v.Duties = append(v.Duties, [2]string{p.DepartmentName(d.Department), d.Text})
	}
	for _, it := range tl.Status.Items {
		row := itemRow{ID: it.ID, Kind: tr("ledger.kind." + string(it.Kind)), Text: it.Text, Due: it.DueText + "（" + it.Due.String() + "）",
			Goal: it.Goal, Status: string(it.Status), Label: tr("ledger.status." + string(it.Status))}
		if it.Status == plan.Done {
			row.DaysLeft = "—"
		} else if it.DaysLeft >= 0 {
			row.DaysLeft = strconv.Itoa(it.DaysLeft)
		} else {
			row.DaysLeft = "−" + strconv.Itoa(-it.DaysLeft)
		}
		if n := len(it.Occurrences); n > 0 {
			o := it.Occurrences[n-1]
			row.Progress = strconv.Itoa(o.Progress) + "%"
			if o.Value != nil {
				row.Latest = o.Value.String()
			}
		}
		if row.Latest == "" && it.Latest != nil && it.Latest.Value != nil {
			row.Latest = it.Latest.Value.String()
		}
		v.Items = append(v.Items, row)
	}
	for i := len(tl.Reports) - 1; i >= 0; i-- { // newest first
		rep := tl.Reports[i]
		row := reportRow{ID: rep.ID, Date: rep.Date.String(), Reporter: unit(rep.Reporter), Item: rep.Item, Narrative: rep.Narrative,
			Who: rep.Who, When: rep.When.In(standard.Beijing).Format("2006-01-02 15:04")}
		if row.Item == "" {
			row.Item = tr("ledger.wholetask")
		}
		if rep.Value != nil {
			row.Value = rep.Value.String()
		}
		if rep.Progress != nil {
			row.Progress = strconv.Itoa(*rep.Progress) + "%"
		}
		if rep.Done {
			row.Done = tr("label.yes")
		}
		for _, a := range rep.Attachments {
			l := attachmentLink{Text: a}
			if strings.HasPrefix(a, "http://") || strings.HasPrefix(a, "https://") {
				l.Href = a
			}
			row.Attachments = append(row.Attachments, l)
		}
		v.Reports = append(v.Reports, row)
	}
	if id := r.URL.Query().Get("reported"); id != "" {
		v.Reported = id
	}
	if len(tl.MayReportAs) > 0 {
		fm := &reportForm{Action: "/ledger/tasks/" + strconv.Itoa(n) + "/reports?" + v.Query, Today: s.today().String(), Error: msg}
		if pr := auth.PrincipalFrom(r.Context()); pr != nil {
			fm.CSRF = pr.CSRFToken()
		}
		if in != nil {
			fm.In = *in
			if in.Value != nil {
				fm.ValueText = in.Value.String()
			}
			fm.Attach = strings.Join(in.Attachments, "\n")
		}
		for _, c := range tl.MayReportAs {
			fm.Reporters = append(fm.Reporters, option{Value: c, Label: unit(c), Selected: in != nil && in.Reporter == c})
		}
		fm.Items = append(fm.Items, option{Value: "", Label: tr("ledger.wholetask")})
		for _, it := range tl.Status.Items {
			if it.ID != "" {
				fm.Items = append(fm.Items, option{Value: it.ID, Label: it.ID + " " + truncateRunes(it.Text, 40), Selected: in != nil && in.Item == it.ID})
			}
		}
		v.Form = fm
	}
	pg := &page{Nav: "ledger", Title: fmt.Sprintf("%s %d. %s", tr("ledger.task"), n, tl.Task.Title), Data: v}
	s.render(w, r, "ledger_task", pg)
}

func truncateRunes(s string, n int) string {
	rs := []rune(s)
	if len(rs) <= n {
		return s
	}
	return string(rs[:n]) + "…"
}

// maxFormBody bounds a report form.
const maxFormBody = 64 << 10

// pageLedgerReport files a report from the task page's form and returns to
// the task page (303), or shows the page again with the refusal.
func (s *Server) pageLedgerReport(w http.ResponseWriter, r *http.Request) {
	p, err := s.pagePlan(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	n, err := strconv.Atoi(r.PathValue("number"))
	if err != nil {
		s.pageError(w, r, badRequest("task number %q: want a number", r.PathValue("number")))
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBody)
	if err := r.ParseForm(); err != nil {
		s.pageError(w, r, badRequest("report form: %v", err))
		return
	}
	in := ReportInput{Task: n, Item: r.PostForm.Get("item"), Reporter: r.PostForm.Get("reporter"), Date: r.PostForm.Get("date"),
		Narrative: r.PostForm.Get("narrative"), Done: r.PostForm.Get("done") != ""}
	var problems []string
	if v := strings.TrimSpace(r.PostForm.Get("value")); v != "" {
		d, err := plan.ParseDecimal(v)
		if err != nil {
			problems = append(problems, fmt.Sprintf("value: %q is not a number", v))
		} else {
			in.Value = &d
		}
	}
	if v := strings.TrimSpace(r.PostForm.Get("progress")); v != "" {
		pct, err := strconv.Atoi(strings.TrimSuffix(v, "%"))
		if err != nil {
			problems = append(problems, fmt.Sprintf("progress: %q is not a whole percentage", v))
		} else {
			in.Progress = &pct
		}
	}
	for _, line := range strings.Split(r.PostForm.Get("attachments"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			in.Attachments = append(in.Attachments, line)
		}
	}
	if len(problems) > 0 {
		w.WriteHeader(http.StatusBadRequest)
		s.renderTask(w, r, &in, strings.Join(problems, "; "))
		return
	}
	res, err := s.fileReport(r, p, in)
	if err != nil {
		status := http.StatusBadRequest
		var fe *errForbidden
		msg := err.Error()
		switch {
		case errors.As(err, &fe):
			status = auth.HTTPStatus(fe.err)
			msg = lantian.ErrorMessage(fe.err)
		case lantian.ErrorCode(err) == lantian.ENOTFOUND:
			status, msg = http.StatusNotFound, lantian.ErrorMessage(err)
		case !errors.As(err, new(*userError)):
			s.pageError(w, r, err)
			return
		}
		w.WriteHeader(status)
		s.renderTask(w, r, &in, msg)
		return
	}
	q := url.Values{"plan": {p.ID}, "reported": {strconv.FormatInt(res.Report.ID, 10)}}
	if a := r.URL.Query().Get("area"); a != "" {
		q.Set("area", a)
	}
	http.Redirect(w, r, "/ledger/tasks/"+strconv.Itoa(n)+"?"+q.Encode()+"#report-history", http.StatusSeeOther)
}

type scorecardsPage struct {
	Plan  *plan.Plan
	Plans []option
	AsOf  string
}

func (s *Server) pageLedgerScorecards(w http.ResponseWriter, r *http.Request) {
	p, err := s.pagePlan(r)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	f, err := s.parseLedgerFilter(r, p)
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	st, err := s.evaluate(r.Context(), p, ledgerFilter{AsOf: f.AsOf})
	if err != nil {
		s.pageError(w, r, err)
		return
	}
	tr := translator(language(w, r))
	sc := scorecards(st)
	cols := []string{tr("ledger.sc.unit"), tr("ledger.sc.items")}
	for _, s := range plan.Statuses {
		cols = append(cols, tr("ledger.status."+string(s)))
	}
	cols = append(cols, tr("ledger.sc.due"), tr("ledger.sc.ontime"), tr("ledger.sc.rate"))
	table := func(id, title, filter string, cards []plan.Scorecard) *Table {
		t := &Table{ID: id, Title: title, Columns: cols, Note: tr("ledger.sc.note")}
		for _, c := range cards {
			row := []Cell{{Text: c.Name, Href: "/ledger?plan=" + url.QueryEscape(p.ID) + "&" + filter + "=" + url.QueryEscape(c.Unit)}, {Text: strconv.Itoa(c.Items)}}
			for _, s := range plan.Statuses {
				cell := Cell{Text: strconv.Itoa(c.Counts[s])}
				if c.Counts[s] > 0 {
					cell.Class = "ls-cell-" + string(s)
				}
				row = append(row, cell)
			}
			row = append(row, cellsOf(strconv.Itoa(c.DueSoFar), strconv.Itoa(c.OnTime), c.OnTimeRate())...)
			t.Rows = append(t.Rows, row)
		}
		return t
	}
	pg := &page{Nav: "ledger", Title: tr("ledger.scorecards"), Data: &scorecardsPage{Plan: p, Plans: s.planOptions(p), AsOf: f.AsOf.String()},
		Tables: []*Table{
			table("department-scorecards", tr("ledger.sc.departments"), "department", sc.Departments),
			table("area-scorecards", tr("ledger.sc.areas"), "area", sc.Areas),
		}}
	s.render(w, r, "ledger_scorecards", pg)
}
