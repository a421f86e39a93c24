package plan

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
)

// Report is one progress report on a task, milestone, indicator or target.
// Reports are never edited or deleted: a correction is a new report, so the
// history of who said what when is the ledger itself.
type Report struct {
	ID   int64  `json:"id"`
	Plan string `json:"plan"`
	// Task is the task number; 0 means the report is on a target (Item is
	// the target id).
	Task int `json:"task"`
	// Item is the milestone, indicator or target id; empty means the task
	// as a whole.
	Item string `json:"item,omitempty"`
	// Reporter is the department id or area code the report speaks for.
	Reporter string `json:"reporter"`
	// Date is the day the reported state refers to (as-of date).
	Date Date `json:"date"`
	// Value is the measured value of an indicator or target in its unit
	// (for decrease_by/increase_by: the change against the baseline; for
	// achieve: 1 when achieved, 0 when not).
	Value *Decimal `json:"value,omitempty"`
	// Progress is the share of a milestone completed, 0–100 %.
	Progress *int `json:"progress,omitempty"`
	// Done declares a milestone or task completed.
	Done        bool      `json:"done,omitempty"`
	Narrative   string    `json:"narrative,omitempty"`
	Attachments []string  `json:"attachments,omitempty"` // file names or URLs
	Who         string    `json:"who"`                   // the user who filed it
	When        time.Time `json:"when"`                  // when it was filed
}

// ReportFilter selects reports; zero fields match everything.
type ReportFilter struct {
	Plan     string
	Task     int
	Item     string
	Reporter string
	From, To Date // inclusive range of Report.Date
}

// Match reports whether r passes the filter.
func (f ReportFilter) Match(r Report) bool {
	switch {
	case f.Plan != "" && r.Plan != f.Plan,
		f.Task != 0 && r.Task != f.Task,
		f.Item != "" && r.Item != f.Item,
		f.Reporter != "" && r.Reporter != f.Reporter,
		!f.From.IsZero() && r.Date.Before(f.From),
		!f.To.IsZero() && r.Date.After(f.To):
		return false
	}
	return true
}

// LedgerStore keeps progress reports. The SQL stores implement it; MemStore
// is the in-memory implementation for tests and the command line.
type LedgerStore interface {
	// AddReport stores r, assigns its ID and returns the stored report.
	AddReport(ctx context.Context, r Report) (Report, error)
	// Reports returns the reports matching f in the order they were
	// filed.
	Reports(ctx context.Context, f ReportFilter) ([]Report, error)
}

// MemStore is an in-memory LedgerStore, safe for concurrent use.
type MemStore struct {
	mu      sync.Mutex
	reports []Report
}

// AddReport stores a copy of r with the next ID.
func (m *MemStore) AddReport(ctx context.Context, r Report) (Report, error) {
	if err := ctx.Err(); err != nil {
		return Report{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r.ID = int64(len(m.reports) + 1)
	r.Attachments = slices.Clone(r.Attachments)
	m.reports = append(m.reports, r)
	return r, nil
}

// Reports returns copies of the matching reports in filing order.
func (m *MemStore) Reports(ctx context.Context, f ReportFilter) ([]Report, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []Report
	for _, r := range m.reports {
		if f.Match(r) {
			r.Attachments = slices.Clone(r.Attachments)
			out = append(out, r)
		}
	}
	return out, nil
}

// MayReport reports whether reporter (a department id or an area code) is
// responsible for task n and may therefore report on it: a lead,
// cooperating or duty-bearing department, an implementing area, or the
// office that supervises the plan's targets (n = 0: any department or the
// plan's own area).
func (p *Plan) MayReport(reporter string, n int) bool {
	if n == 0 {
		return p.Department(reporter) != nil || reporter == p.Area
	}
	t := p.Task(n)
	if t == nil {
		return false
	}
	if slices.Contains(t.Lead, reporter) || slices.Contains(t.Cooperate, reporter) {
		return true
	}
	for _, d := range t.Duties {
		if d.Department == reporter {
			return true
		}
	}
	return slices.Contains(p.ImplementingAreas(t), reporter) || reporter == p.Area
}

// maxNarrative bounds the narrative of one report (characters).
const maxNarrative = 4000

// CheckReport validates r against the plan: the task and item exist, the
// reporter is responsible for the task, and the values are in range. The
// message names the field and what was expected.
func (p *Plan) CheckReport(r Report) error {
	var probs []string
	bad := func(format string, args ...any) { probs = append(probs, fmt.Sprintf(format, args...)) }
	if r.Plan != "" && r.Plan != p.ID {
		bad("plan: got %q, want %q", r.Plan, p.ID)
	}
	if r.Task == 0 {
		if p.target(r.Item) == nil {
			bad("item: %q is not a target id of plan %s", r.Item, p.ID)
		}
	} else if t := p.Task(r.Task); t == nil {
		bad("task: no task %d in plan %s", r.Task, p.ID)
	} else if r.Item != "" {
		if m, in := t.milestone(r.Item), t.indicator(r.Item); m == nil && in == nil {
			bad("item: task %d has no milestone or indicator %q", r.Task, r.Item)
		} else if in != nil && in.Role == Threshold {
			bad("item: %q is a threshold that defines the task's scope, not a value to report", r.Item)
		}
	}
	if r.Reporter == "" {
		bad("reporter: want a department id or area code")
	} else if p.Department(r.Reporter) == nil && p.AreaByCode(r.Reporter) == nil {
		bad("reporter: %q is neither a department nor an area of the plan", r.Reporter)
	} else if !p.MayReport(r.Reporter, r.Task) {
		bad("reporter: %s is not responsible for task %d", r.Reporter, r.Task)
	}
	if r.Date.IsZero() {
		bad("date: want the as-of date of the progress")
	}
	if r.Progress != nil && (*r.Progress < 0 || *r.Progress > 100) {
		bad("progress: got %d, want 0–100", *r.Progress)
	}
	if r.Value == nil && r.Progress == nil && !r.Done && strings.TrimSpace(r.Narrative) == "" {
		bad("report: want a value, progress, done or a narrative")
	}
	if utf8.RuneCountInString(r.Narrative) > maxNarrative {
		bad("narrative: longer than %d characters", maxNarrative)
	}
	if r.Who == "" {
		bad("who: want the user filing the report")
	}
	if len(probs) > 0 {
		return fmt.Errorf("report on task %d %s: %s", r.Task, r.Item, strings.Join(probs, "; "))
	}
	return nil
}

func (p *Plan) target(id string) *Target {
	for i := range p.Targets {
		if p.Targets[i].ID == id {
			return &p.Targets[i]
		}
	}
	return nil
}

func (t *Task) milestone(id string) *Milestone {
	for i := range t.Milestones {
		if t.Milestones[i].ID == id {
			return &t.Milestones[i]
		}
	}
	return nil
}

func (t *Task) indicator(id string) *Indicator {
	for i := range t.Indicators {
		if t.Indicators[i].ID == id {
			return &t.Indicators[i]
		}
	}
	return nil
}

// Ledger ties a plan to its report store: it checks reports before storing
// them and evaluates the plan from the stored reports.
type Ledger struct {
	Plan   *Plan
	Store  LedgerStore
	Config Config
	// Now returns the current time; nil means time.Now. Dates are taken in
	// the plan's zone (Asia/Shanghai).
	Now func() time.Time
}

// planZone is the zone of plan dates: deadlines are Beijing-time days.
var planZone = time.FixedZone("CST", 8*3600)

func (l *Ledger) now() time.Time {
	if l.Now != nil {
		return l.Now()
	}
	return time.Now()
}

// Today returns the current date in Beijing time.
func (l *Ledger) Today() Date { return DateOf(l.now().In(planZone)) }

// Report checks r, stamps the filing time and stores it. A report dated in
// the future is refused: progress is reported on what has happened.
func (l *Ledger) Report(ctx context.Context, r Report) (Report, error) {
	r.Plan = l.Plan.ID
	if err := l.Plan.CheckReport(r); err != nil {
		return Report{}, err
	}
	if today := l.Today(); r.Date.After(today) {
		return Report{}, fmt.Errorf("report on task %d %s: date: %s is after today %s", r.Task, r.Item, r.Date, today)
	}
	r.When = l.now()
	return l.Store.AddReport(ctx, r)
}

// Evaluate evaluates the whole plan as of asOf (zero: today).
func (l *Ledger) Evaluate(ctx context.Context, asOf Date) (*Evaluation, error) {
	if asOf.IsZero() {
		asOf = l.Today()
	}
	rs, err := l.Store.Reports(ctx, ReportFilter{Plan: l.Plan.ID})
	if err != nil {
		return nil, fmt.Errorf("ledger: reports of %s: %w", l.Plan.ID, err)
	}
	return Evaluate(l.Plan, rs, asOf, l.Config), nil
}

// sortReports orders reports by as-of date, then filing time, then id, so
// that "the latest report" is well defined.
func sortReports(rs []Report) {
	sort.SliceStable(rs, func(i, j int) bool {
		a, b := rs[i], rs[j]
		if a.Date != b.Date {
			return a.Date.Before(b.Date)
		}
		if !a.When.Equal(b.When) {
			return a.When.Before(b.When)
		}
		return a.ID < b.ID
	})
}
