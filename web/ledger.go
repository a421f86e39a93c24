package web

// The task ledger (任务台账): the REST API through which departments and
// counties report progress on the plan's tasks, milestones, indicators and
// targets, and through which the commission office reads the derived
// statuses, alerts, views, scorecards and exports. Statuses are never
// stored or typed: every answer evaluates the plan (package plan) on the
// append-only reports as of a date.

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/auth"
	"github.com/lantian-aq/lantian/plan"
	"github.com/lantian-aq/lantian/standard"
)

// ledgerStore returns the store's ledger. The SQL stores keep the reports
// next to the monitoring data (plan.LedgerStore); a store without a ledger
// serves the plans but no progress.
func (s *Server) ledgerStore() (plan.LedgerStore, error) {
	ls, ok := s.store.(plan.LedgerStore)
	if !ok {
		return nil, fmt.Errorf("ledger: the store (%T) keeps no progress reports (plan.LedgerStore)", s.store)
	}
	return ls, nil
}

// ledger returns the plan's ledger on the server's clock.
func (s *Server) ledger(p *plan.Plan) (*plan.Ledger, error) {
	ls, err := s.ledgerStore()
	if err != nil {
		return nil, err
	}
	return &plan.Ledger{Plan: p, Store: ls, Now: s.now}, nil
}

// ledgerFilter selects the part of the ledger a view shows.
type ledgerFilter struct {
	Section    int       `json:"section,omitempty"`
	Department string    `json:"department,omitempty"`
	Area       string    `json:"area,omitempty"` // an implementing area: its share, on its own reports
	AsOf       plan.Date `json:"as_of"`
}

// query renders the filter as URL parameters (as_of only when asked).
func (f ledgerFilter) query(withAsOf bool) url.Values {
	q := url.Values{}
	if f.Section != 0 {
		q.Set("section", strconv.Itoa(f.Section))
	}
	if f.Department != "" {
		q.Set("department", f.Department)
	}
	if f.Area != "" {
		q.Set("area", f.Area)
	}
	if withAsOf {
		q.Set("as_of", f.AsOf.String())
	}
	return q
}

// parseLedgerFilter reads ?section=, ?department=, ?area= and ?as_of=
// (default: today in Beijing time) and checks them against the plan.
func (s *Server) parseLedgerFilter(r *http.Request, p *plan.Plan) (ledgerFilter, error) {
	q := r.URL.Query()
	var f ledgerFilter
	if v := strings.TrimSpace(q.Get("section")); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || p.Section(n) == nil {
			return f, badRequest("query parameter section=%q: want the number of a section of plan %s (1–%d)", v, p.ID, len(p.Sections))
		}
		f.Section = n
	}
	if v := strings.TrimSpace(q.Get("department")); v != "" {
		if p.Department(v) == nil {
			return f, badRequest("query parameter department=%q: not a department id of plan %s", v, p.ID)
		}
		f.Department = v
	}
	if v := strings.TrimSpace(q.Get("area")); v != "" {
		if p.AreaByCode(v) == nil {
			return f, badRequest("query parameter area=%q: not an area code of plan %s", v, p.ID)
		}
		f.Area = v
	}
	f.AsOf = s.today()
	if v := strings.TrimSpace(q.Get("as_of")); v != "" {
		d, err := plan.ParseDate(v)
		if err != nil {
			return f, badRequest("query parameter as_of=%q: want a date YYYY-MM-DD", v)
		}
		f.AsOf = d
	}
	return f, nil
}

// today is the server clock's date in Beijing time, the zone of plan
// deadlines.
func (s *Server) today() plan.Date { return plan.DateOf(s.now().In(standard.Beijing)) }

// involves reports whether department d leads, shares, cooperates on or
// carries a named duty of task t.
func involves(t *plan.Task, d string) bool {
	if slices.Contains(t.Lead, d) || slices.Contains(t.Cooperate, d) {
		return true
	}
	for _, duty := range t.Duties {
		if duty.Department == d {
			return true
		}
	}
	return false
}

// ledgerState is the evaluated ledger of one plan for one filter.
type ledgerState struct {
	Plan    *plan.Plan
	Filter  ledgerFilter
	Eval    *plan.Evaluation // the filtered evaluation
	Reports []plan.Report    // every report on the plan, in filing order
}

// evaluate evaluates the plan as of the filter's date on the stored
// reports, keeping the tasks (and their alerts) the filter selects.
func (s *Server) evaluate(ctx context.Context, p *plan.Plan, f ledgerFilter) (*ledgerState, error) {
	ls, err := s.ledgerStore()
	if err != nil {
		return nil, err
	}
	rs, err := ls.Reports(ctx, plan.ReportFilter{Plan: p.ID})
	if err != nil {
		return nil, fmt.Errorf("ledger of %s: %w", p.ID, err)
	}
	var ev *plan.Evaluation
	if f.Area != "" {
		ev = plan.EvaluateArea(p, rs, f.Area, f.AsOf, plan.Config{})
	} else {
		ev = plan.Evaluate(p, rs, f.AsOf, plan.Config{})
	}
	if f.Section != 0 || f.Department != "" {
		keep := map[int]bool{}
		var tasks []plan.TaskStatus
		for _, ts := range ev.Tasks {
			if (f.Section == 0 || ts.Section == f.Section) && (f.Department == "" || involves(p.Task(ts.Number), f.Department)) {
				tasks = append(tasks, ts)
				keep[ts.Number] = true
			}
		}
		var alerts []plan.Alert
		for _, a := range ev.Alerts {
			if keep[a.Task] {
				alerts = append(alerts, a)
			}
		}
		ev.Tasks, ev.Alerts = tasks, alerts
	}
	if ev.Tasks == nil {
		ev.Tasks = []plan.TaskStatus{}
	}
	if ev.Alerts == nil {
		ev.Alerts = []plan.Alert{}
	}
	return &ledgerState{Plan: p, Filter: f, Eval: ev, Reports: rs}, nil
}

// ledgerRequest finds the plan of {id} and evaluates it for the request's
// filter; on failure it has answered the request.
func (s *Server) ledgerRequest(w http.ResponseWriter, r *http.Request) *ledgerState {
	p := s.findPlan(w, r)
	if p == nil {
		return nil
	}
	f, err := s.parseLedgerFilter(r, p)
	if err != nil {
		s.fail(w, r, err)
		return nil
	}
	st, err := s.evaluate(r.Context(), p, f)
	if err != nil {
		s.fail(w, r, err)
		return nil
	}
	return st
}

// statusCounts counts the tasks of an evaluation per status, every
// status present.
func statusCounts(ev *plan.Evaluation) map[plan.Status]int {
	c := map[plan.Status]int{}
	for _, st := range plan.Statuses {
		c[st] = 0
	}
	for _, t := range ev.Tasks {
		c[t.Status]++
	}
	return c
}

// LedgerView is the API's ledger: every selected task with its derived
// status and items, and the alerts of overdue items.
type LedgerView struct {
	Plan   string              `json:"plan"`
	Filter ledgerFilter        `json:"filter"`
	Counts map[plan.Status]int `json:"counts"` // tasks per status
	Tasks  []plan.TaskStatus   `json:"tasks"`
	Alerts []plan.Alert        `json:"alerts"`
}

func (s *Server) apiLedger(w http.ResponseWriter, r *http.Request) {
	st := s.ledgerRequest(w, r)
	if st == nil {
		return
	}
	writeJSON(w, http.StatusOK, LedgerView{Plan: st.Plan.ID, Filter: st.Filter, Counts: statusCounts(st.Eval), Tasks: st.Eval.Tasks, Alerts: st.Eval.Alerts})
}

// TaskLedger is one task as the ledger sees it: the task as written, its
// evaluated state and the history of every report on it.
type TaskLedger struct {
	Plan    string          `json:"plan"`
	AsOf    plan.Date       `json:"as_of"`
	Task    *plan.Task      `json:"task"`
	Status  plan.TaskStatus `json:"status"`
	Reports []plan.Report   `json:"reports"` // in filing order
	// MayReportAs lists the reporters (department ids, area codes) the
	// requesting user may file reports for on this task; empty for
	// readers.
	MayReportAs []string `json:"may_report_as"`
}

// taskLedger assembles the TaskLedger of task n from an evaluated state.
func (s *Server) taskLedger(r *http.Request, st *ledgerState, n int) (*TaskLedger, error) {
	t := st.Plan.Task(n)
	if t == nil {
		return nil, lantian.Errorf(lantian.ENOTFOUND, "plan %s has no task %d (tasks 1–%d)", st.Plan.ID, n, len(st.Plan.Tasks))
	}
	tl := &TaskLedger{Plan: st.Plan.ID, AsOf: st.Filter.AsOf, Task: t, Reports: []plan.Report{}}
	for _, ts := range st.Eval.Tasks {
		if ts.Number == n {
			tl.Status = ts
		}
	}
	if tl.Status.Number == 0 {
		return nil, lantian.Errorf(lantian.ENOTFOUND, "task %d is not part of this view (filter %s)", n, st.Filter.query(false).Encode())
	}
	for _, rep := range st.Reports {
		if rep.Task == n && (st.Filter.Area == "" || rep.Reporter == st.Filter.Area) {
			tl.Reports = append(tl.Reports, rep)
		}
	}
	tl.MayReportAs = mayReportAs(auth.PrincipalFrom(r.Context()), st.Plan, n)
	return tl, nil
}

func (s *Server) apiLedgerTask(w http.ResponseWriter, r *http.Request) {
	st := s.ledgerRequest(w, r)
	if st == nil {
		return
	}
	n, err := strconv.Atoi(r.PathValue("number"))
	if err != nil {
		s.fail(w, r, badRequest("path parameter number=%q: want a task number", r.PathValue("number")))
		return
	}
	tl, err := s.taskLedger(r, st, n)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, tl)
}

// items returns the evaluated items of one kind, in task order.
func items(ev *plan.Evaluation, kind plan.ItemKind) []plan.ItemStatus {
	out := []plan.ItemStatus{}
	for _, ts := range ev.Tasks {
		for _, it := range ts.Items {
			if it.Kind == kind {
				out = append(out, it)
			}
		}
	}
	return out
}

func (s *Server) apiLedgerMilestones(w http.ResponseWriter, r *http.Request) {
	if st := s.ledgerRequest(w, r); st != nil {
		writeJSON(w, http.StatusOK, map[string]any{"plan": st.Plan.ID, "as_of": st.Filter.AsOf, "items": items(st.Eval, plan.KindMilestone)})
	}
}

func (s *Server) apiLedgerIndicators(w http.ResponseWriter, r *http.Request) {
	if st := s.ledgerRequest(w, r); st != nil {
		writeJSON(w, http.StatusOK, map[string]any{"plan": st.Plan.ID, "as_of": st.Filter.AsOf, "items": items(st.Eval, plan.KindIndicator)})
	}
}

func (s *Server) apiLedgerAlerts(w http.ResponseWriter, r *http.Request) {
	if st := s.ledgerRequest(w, r); st != nil {
		writeJSON(w, http.StatusOK, map[string]any{"plan": st.Plan.ID, "as_of": st.Filter.AsOf, "items": st.Eval.Alerts})
	}
}

func (s *Server) apiLedgerSections(w http.ResponseWriter, r *http.Request) {
	if st := s.ledgerRequest(w, r); st != nil {
		writeJSON(w, http.StatusOK, map[string]any{"plan": st.Plan.ID, "as_of": st.Filter.AsOf, "items": nonNil(st.Eval.BySection())})
	}
}

func (s *Server) apiLedgerDepartments(w http.ResponseWriter, r *http.Request) {
	if st := s.ledgerRequest(w, r); st != nil {
		views := st.Eval.ByDepartment()
		if d := st.Filter.Department; d != "" {
			views = slices.DeleteFunc(views, func(v plan.DepartmentView) bool { return v.Department.ID != d })
		}
		writeJSON(w, http.StatusOK, map[string]any{"plan": st.Plan.ID, "as_of": st.Filter.AsOf, "items": nonNil(views)})
	}
}

func (s *Server) apiLedgerAreas(w http.ResponseWriter, r *http.Request) {
	if st := s.ledgerRequest(w, r); st != nil {
		views := plan.ByArea(st.Plan, st.Reports, st.Filter.AsOf, plan.Config{})
		if a := st.Filter.Area; a != "" {
			views = slices.DeleteFunc(views, func(v plan.AreaView) bool { return v.Area.Code != a })
		}
		writeJSON(w, http.StatusOK, map[string]any{"plan": st.Plan.ID, "as_of": st.Filter.AsOf, "items": nonNil(views)})
	}
}

// Scorecards are the scorecards of every department (on the tasks it
// leads) and every implementing area (on its share, on its own reports).
type Scorecards struct {
	Plan        string           `json:"plan"`
	AsOf        plan.Date        `json:"as_of"`
	Departments []plan.Scorecard `json:"departments"`
	Areas       []plan.Scorecard `json:"areas"`
}

func scorecards(st *ledgerState) *Scorecards {
	all := plan.Evaluate(st.Plan, st.Reports, st.Filter.AsOf, plan.Config{})
	sc := &Scorecards{Plan: st.Plan.ID, AsOf: st.Filter.AsOf, Departments: nonNil(all.DepartmentScorecards()), Areas: []plan.Scorecard{}}
	for _, v := range plan.ByArea(st.Plan, st.Reports, st.Filter.AsOf, plan.Config{}) {
		sc.Areas = append(sc.Areas, v.Scorecard)
	}
	return sc
}

func (s *Server) apiLedgerScorecards(w http.ResponseWriter, r *http.Request) {
	if st := s.ledgerRequest(w, r); st != nil {
		writeJSON(w, http.StatusOK, scorecards(st))
	}
}

// planTargets evaluates the plan's targets as of asOf: those computable
// from monitoring data on the dashboard's own target cards (the same
// cached statistics the overview shows, never computed twice), the others
// on the latest report on the target.
func (s *Server) planTargets(ctx context.Context, p *plan.Plan, reports []plan.Report, asOf plan.Date) ([]plan.TargetResult, error) {
	var inputs []plan.TargetInputs
	years := map[int]bool{}
	for _, t := range p.Targets {
		if m := p.MetricByID(t.Metric); m != nil && m.Source == plan.SourceEngine {
			years[t.Year] = true
		}
	}
	at := time.Date(asOf.Year, asOf.Month, asOf.Day, 0, 0, 0, 0, standard.Beijing)
	for y := range years {
		if at.Before(yearStart(y)) {
			continue // the year has not begun: nothing to judge yet
		}
		day := s.asOfFor(y, at, true)
		ov, err := s.overview(ctx, y, day)
		if err != nil {
			return nil, fmt.Errorf("targets of %s for %d: %w", p.ID, y, err)
		}
		for _, c := range ov.Cards {
			if !c.HasData {
				continue
			}
			in := plan.TargetInputs{Area: c.Area.Code, Year: y, Final: c.Elapsed >= c.DaysInYear}
			if v, err := plan.ParseDecimal(c.GoodRatio); err == nil {
				in.GoodDaysRatio = &v
			}
			if v, err := plan.ParseDecimal(c.HeavyRatio); err == nil {
				in.HeavyDaysRatio = &v
			}
			compliant := c.Compliant
			in.Compliant = &compliant
			inputs = append(inputs, in)
		}
	}
	return plan.EvaluateTargets(p, inputs, reports, asOf), nil
}

func (s *Server) apiLedgerTargets(w http.ResponseWriter, r *http.Request) {
	st := s.ledgerRequest(w, r)
	if st == nil {
		return
	}
	res, err := s.planTargets(r.Context(), st.Plan, st.Reports, st.Filter.AsOf)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"plan": st.Plan.ID, "as_of": st.Filter.AsOf, "items": res})
}

// apiLedgerExport writes the ledger table (任务 / 措施 / 牵头单位 /
// 配合单位 / 时限 / 进展 / 状态) of the filtered view as .xlsx or CSV: the
// same rows the 任务台账 page shows.
func (s *Server) apiLedgerExport(w http.ResponseWriter, r *http.Request) {
	st := s.ledgerRequest(w, r)
	if st == nil {
		return
	}
	name := "ledger-" + st.Plan.ID
	if st.Filter.Area != "" {
		name += "-" + st.Filter.Area
	}
	if st.Filter.Department != "" {
		name += "-" + st.Filter.Department
	}
	name += "-" + strings.ReplaceAll(st.Filter.AsOf.String(), "-", "")
	switch format := r.URL.Query().Get("format"); format {
	case "xlsx", "":
		w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
		w.Header().Set("Content-Disposition", contentDisposition(name+".xlsx"))
		if err := st.Eval.WriteXLSX(w); err != nil {
			s.log.Error("ledger export", "plan", st.Plan.ID, "err", err)
		}
	case "csv":
		w.Header().Set("Content-Type", "text/csv; charset=utf-8")
		w.Header().Set("Content-Disposition", contentDisposition(name+".csv"))
		if err := st.Eval.WriteCSV(w); err != nil {
			s.log.Error("ledger export", "plan", st.Plan.ID, "err", err)
		}
	default:
		s.fail(w, r, badRequest("query parameter format=%q: want xlsx or csv", format))
	}
}

func (s *Server) apiLedgerReports(w http.ResponseWriter, r *http.Request) {
	p := s.findPlan(w, r)
	if p == nil {
		return
	}
	q := r.URL.Query()
	f := plan.ReportFilter{Plan: p.ID, Item: q.Get("item"), Reporter: q.Get("reporter")}
	if v := q.Get("task"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			s.fail(w, r, badRequest("query parameter task=%q: want a task number (0 for targets)", v))
			return
		}
		f.Task = n
	}
	for name, d := range map[string]*plan.Date{"from": &f.From, "to": &f.To} {
		if v := q.Get(name); v != "" {
			x, err := plan.ParseDate(v)
			if err != nil {
				s.fail(w, r, badRequest("query parameter %s=%q: want a date YYYY-MM-DD", name, v))
				return
			}
			*d = x
		}
	}
	ls, err := s.ledgerStore()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rs, err := ls.Reports(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"plan": p.ID, "items": nonNil(rs)})
}

// ReportInput is the body of POST /api/v1/plans/{id}/reports.
type ReportInput struct {
	Task        int           `json:"task"`                  // task number; 0 for a target
	Item        string        `json:"item,omitempty"`        // milestone, indicator or target id; "" for the task as a whole
	Reporter    string        `json:"reporter,omitempty"`    // department id or area code; default: the user's own
	Date        string        `json:"date,omitempty"`        // as-of date, YYYY-MM-DD; default today
	Value       *plan.Decimal `json:"value,omitempty"`       // indicator or target value in its unit
	Progress    *int          `json:"progress,omitempty"`    // percent of a milestone done
	Done        bool          `json:"done,omitempty"`        // the milestone or task is complete
	Narrative   string        `json:"narrative,omitempty"`   // what was done
	Attachments []string      `json:"attachments,omitempty"` // file names or http(s) URLs
}

// ReportResult answers a filed report: the stored report and the item's
// and task's status before and after it.
type ReportResult struct {
	Report       plan.Report  `json:"report"`
	StatusBefore plan.Status  `json:"status_before"`
	Status       plan.Status  `json:"status"` // the task's (or target item's) status now
	Item         *itemOutcome `json:"item,omitempty"`
}

type itemOutcome struct {
	ID     string      `json:"id"`
	Before plan.Status `json:"before"`
	After  plan.Status `json:"after"`
}

// Limits on attachments: they are names or links, not uploads.
const (
	maxAttachments   = 20
	maxAttachmentLen = 500
)

// mayReportAs lists the reporters the principal may file reports for on
// task n (0: targets), in the plan's order: its own departments or areas
// that answer for the task; for the commission office and administrators
// every responsible department and area and the plan's own area.
func mayReportAs(pr *auth.Principal, p *plan.Plan, n int) []string {
	out := []string{}
	if pr == nil || (n != 0 && p.Task(n) == nil) {
		return out
	}
	for _, c := range reporterCandidates(p, n) {
		if auth.Authorize(pr, auth.Create, reportResource(p, n, c)) == nil {
			out = append(out, c)
		}
	}
	return out
}

// reporterCandidates are the units that may report on task n: the
// departments, then the areas, that answer for it.
func reporterCandidates(p *plan.Plan, n int) []string {
	var out []string
	for _, d := range p.Departments {
		if p.MayReport(d.ID, n) {
			out = append(out, d.ID)
		}
	}
	for _, a := range p.Areas {
		if p.MayReport(a.Code, n) {
			out = append(out, a.Code)
		}
	}
	return out
}

// reportResource is the object of the authorisation decision on a report
// by reporter on task n: a department may report for itself, an area
// officer for its area (or an area within it), and only on a task the
// reporter answers for; anything else carries no department or area, so
// that only unscoped grants (commission office, administrator) reach the
// plan's own validation.
func reportResource(p *plan.Plan, n int, reporter string) auth.Resource {
	res := auth.Resource{Kind: auth.KindProgress, ID: fmt.Sprintf("%s/%d/%s", p.ID, n, reporter)}
	if !p.MayReport(reporter, n) {
		return res
	}
	if p.Department(reporter) != nil {
		res.Departments = []string{reporter}
	}
	for code, hops := reporter, 0; code != "" && hops < 8; hops++ {
		a := p.AreaByCode(code)
		if a == nil {
			break
		}
		res.Areas = append(res.Areas, a.Code)
		code = a.Parent
	}
	return res
}

// errForbidden marks an authorisation refusal already shaped by auth.
type errForbidden struct{ err error }

func (e *errForbidden) Error() string { return e.err.Error() }

// fileReport checks the principal's right to report, validates the input
// against the plan, stores the report and records it, with the statuses
// before and after, in the audit log.
func (s *Server) fileReport(r *http.Request, p *plan.Plan, in ReportInput) (*ReportResult, error) {
	ctx := r.Context()
	pr := auth.PrincipalFrom(ctx)
	if pr == nil {
		return nil, &errForbidden{lantian.Errorf(lantian.EUNAUTHENTICATED, "sign in to report progress: every report names who filed it")}
	}
	if in.Task < 0 || (in.Task > 0 && p.Task(in.Task) == nil) {
		return nil, lantian.Errorf(lantian.ENOTFOUND, "task: plan %s has no task %d (tasks 1–%d, or 0 for a target)", p.ID, in.Task, len(p.Tasks))
	}
	in.Reporter = strings.TrimSpace(in.Reporter)
	if in.Reporter == "" {
		// The user's own unit: the first it may report for.
		if own := mayReportAs(pr, p, in.Task); len(own) > 0 && (pr.User.Role == lantian.RoleDepartment || pr.User.Role == lantian.RoleCounty) {
			in.Reporter = own[0]
		} else if len(own) > 0 {
			in.Reporter = p.Area
		}
	}
	if err := auth.Check(r, auth.Create, reportResource(p, in.Task, in.Reporter)); err != nil {
		return nil, &errForbidden{err}
	}
	today := s.today()
	rep := plan.Report{Plan: p.ID, Task: in.Task, Item: strings.TrimSpace(in.Item), Reporter: in.Reporter, Date: today,
		Value: in.Value, Progress: in.Progress, Done: in.Done, Narrative: strings.TrimSpace(in.Narrative), Who: pr.User.Login}
	if v := strings.TrimSpace(in.Date); v != "" {
		d, err := plan.ParseDate(v)
		if err != nil {
			return nil, badRequest("date: %q is not a date YYYY-MM-DD", v)
		}
		rep.Date = d
	}
	if rep.Date.After(today) {
		return nil, badRequest("date: %s is after today %s; progress is reported on what has happened", rep.Date, today)
	}
	if len(in.Attachments) > maxAttachments {
		return nil, badRequest("attachments: %d given, at most %d", len(in.Attachments), maxAttachments)
	}
	for i, a := range in.Attachments {
		a = strings.TrimSpace(a)
		if a == "" {
			continue
		}
		if err := checkAttachment(a); err != nil {
			return nil, badRequest("attachments[%d]: %v", i, err)
		}
		rep.Attachments = append(rep.Attachments, a)
	}
	if err := p.CheckReport(rep); err != nil {
		return nil, badRequest("%v", err)
	}
	l, err := s.ledger(p)
	if err != nil {
		return nil, err
	}
	before, err := s.evaluate(ctx, p, ledgerFilter{AsOf: today})
	if err != nil {
		return nil, err
	}
	stored, err := l.Report(ctx, rep)
	if err != nil {
		return nil, err
	}
	after, err := s.evaluate(ctx, p, ledgerFilter{AsOf: today})
	if err != nil {
		return nil, err
	}
	res := &ReportResult{Report: stored}
	bTask, bItem := statusOf(before.Eval, stored.Task, stored.Item)
	aTask, aItem := statusOf(after.Eval, stored.Task, stored.Item)
	if bTask != nil && aTask != nil {
		res.StatusBefore, res.Status = bTask.Status, aTask.Status
	}
	if bItem != nil && aItem != nil {
		res.Item = &itemOutcome{ID: stored.Item, Before: bItem.Status, After: aItem.Status}
	}
	if stored.Task == 0 {
		bt, _ := s.planTargets(ctx, p, before.Reports, today)
		at, _ := s.planTargets(ctx, p, after.Reports, today)
		res.StatusBefore, res.Status = targetStatus(bt, stored.Item), targetStatus(at, stored.Item)
	}
	area := ""
	if p.AreaByCode(stored.Reporter) != nil {
		area = stored.Reporter
	}
	// Before: the latest report on the same item (or the task as a whole)
	// that this one supersedes.
	var prev *plan.Report
	if bItem != nil {
		prev = bItem.Latest
	} else if bTask != nil && stored.Item == "" {
		prev = bTask.Latest
	}
	object := fmt.Sprintf("%s/task/%d", p.ID, stored.Task)
	if stored.Item != "" {
		object += "/" + stored.Item
	}
	change := auth.Change{Action: "create", Kind: auth.KindProgress, Area: area,
		Object: object + fmt.Sprintf("/report/%d", stored.ID),
		Before: map[string]any{"status": res.StatusBefore, "item": res.Item.beforeStatus(), "latest_report": prev},
		After:  map[string]any{"status": res.Status, "item": res.Item.afterStatus(), "report": stored}}
	if err := auth.Record(r, change); err != nil {
		// The report is stored; a failure to record it is a failure of
		// the request, so the client knows to look.
		return nil, fmt.Errorf("report %d stored but not audited: %w", stored.ID, err)
	}
	return res, nil
}

func (o *itemOutcome) beforeStatus() any {
	if o == nil {
		return nil
	}
	return o.Before
}

func (o *itemOutcome) afterStatus() any {
	if o == nil {
		return nil
	}
	return o.After
}

// statusOf returns task n of ev and its item id (nil when the report is
// on the task as a whole; both nil when the task is absent).
func statusOf(ev *plan.Evaluation, n int, id string) (*plan.TaskStatus, *plan.ItemStatus) {
	for i := range ev.Tasks {
		ts := &ev.Tasks[i]
		if ts.Number != n {
			continue
		}
		for j := range ts.Items {
			if id != "" && ts.Items[j].ID == id {
				return ts, &ts.Items[j]
			}
		}
		return ts, nil
	}
	return nil, nil
}

func targetStatus(rs []plan.TargetResult, id string) plan.Status {
	for _, r := range rs {
		if r.Target.ID == id {
			return plan.Status(r.Status)
		}
	}
	return ""
}

// checkAttachment accepts a file name or an http(s) URL: printable text
// without path separators (a name) or with a scheme and a host (a link).
func checkAttachment(a string) error {
	if utf8.RuneCountInString(a) > maxAttachmentLen {
		return fmt.Errorf("longer than %d characters", maxAttachmentLen)
	}
	for _, c := range a {
		if unicode.IsControl(c) {
			return errors.New("contains a control character")
		}
	}
	if strings.Contains(a, "://") {
		u, err := url.Parse(a)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("%q: want a file name or an http(s) URL", a)
		}
		return nil
	}
	if strings.ContainsAny(a, `/\`) || a == "." || a == ".." {
		return fmt.Errorf("%q: want a file name (no directories) or an http(s) URL", a)
	}
	return nil
}

// failReport answers a refused or failed report: authorisation errors
// through auth, the rest through fail.
func (s *Server) failReport(w http.ResponseWriter, r *http.Request, err error) {
	var fe *errForbidden
	if errors.As(err, &fe) {
		auth.WriteError(w, r, fe.err)
		return
	}
	s.fail(w, r, err)
}

// maxReportBody bounds the JSON body of a report.
const maxReportBody = 64 << 10

func (s *Server) apiLedgerReport(w http.ResponseWriter, r *http.Request) {
	p := s.findPlan(w, r)
	if p == nil {
		return
	}
	var in ReportInput
	dec := json.NewDecoder(io.LimitReader(r.Body, maxReportBody))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil {
		s.fail(w, r, badRequest("request body: want a JSON report {task, item, reporter, date, value, progress, done, narrative, attachments}: %v", err))
		return
	}
	res, err := s.fileReport(r, p, in)
	if err != nil {
		s.failReport(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, res)
}
