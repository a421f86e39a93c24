package plan

import (
	"fmt"
	"slices"
	"sort"
	"time"
)

// Status is the state of a milestone, indicator or task in the ledger. It
// is always derived from the plan's dates and the reports, never typed in.
//
// For an item that falls due once (a milestone, or an indicator with a
// deadline; undated indicators fall due at the end of the plan):
//
//   - done: a report declares the milestone done (done, or progress 100 %),
//     or the latest reported value of the indicator meets its target.
//     Done on time when that report is dated on or before the deadline.
//   - overdue: the deadline has passed and the item is not done.
//   - at_risk: the deadline is at most Config.AtRiskDays away and the item is
//     behind a linear schedule from the plan start to the deadline (reported
//     progress, or the indicator's progress from its baseline, below the
//     share of the time elapsed; no report counts as 0 %), or an indicator
//     whose target has no linear path (≤, <, =) is short of it.
//   - not_started: no report yet and not at risk.
//   - on_track: reported on, not done, not at risk.
//
// A recurring item (monthly or yearly) falls due at the end of every period
// of the plan; each period is judged like a single item on the reports
// dated within it, with Config.RecurringAtRiskDays as the window. The item
// is overdue when any closed period was missed (no report meeting the
// target; a late report for the period cures it, a failing value does not),
// done when every period is closed and met, and otherwise takes the status
// of the current period — on_track rather than not_started once earlier
// periods were met.
//
// A task is done when all its items are done, overdue when any is overdue,
// at_risk when any is at risk, not_started when none has been reported on,
// and on_track otherwise. A task without milestones or goal indicators is
// judged as one item due at the end of the plan, on reports on the task
// as a whole.
type Status string

// Statuses, from worst to best as sorted in views.
const (
	Overdue    Status = "overdue"
	AtRisk     Status = "at_risk"
	NotStarted Status = "not_started"
	OnTrack    Status = "on_track"
	Done       Status = "done"
)

// Statuses lists every status in display order.
var Statuses = []Status{NotStarted, OnTrack, AtRisk, Overdue, Done}

// Label returns the Chinese label used on screen and in exports.
func (s Status) Label() string {
	switch s {
	case NotStarted:
		return "未启动"
	case OnTrack:
		return "正常推进"
	case AtRisk:
		return "存在风险"
	case Overdue:
		return "逾期"
	case Done:
		return "已完成"
	}
	return string(s)
}

// severity orders statuses for aggregation: higher is worse.
func (s Status) severity() int {
	switch s {
	case Overdue:
		return 4
	case AtRisk:
		return 3
	case OnTrack:
		return 2
	case NotStarted:
		return 1
	}
	return 0
}

// Config holds the ledger's tunable rules.
type Config struct {
	// AtRiskDays is how close (in days) a deadline must be before an item
	// behind schedule is at risk. Default 30.
	AtRiskDays int
	// RecurringAtRiskDays is the same window for each period of a
	// recurring item. Default 7.
	RecurringAtRiskDays int
}

func (c Config) atRisk() int {
	if c.AtRiskDays <= 0 {
		return 30
	}
	return c.AtRiskDays
}

func (c Config) recurringAtRisk() int {
	if c.RecurringAtRiskDays <= 0 {
		return 7
	}
	return c.RecurringAtRiskDays
}

// ItemKind is what a ledger item is.
type ItemKind string

// Item kinds.
const (
	KindMilestone ItemKind = "milestone"
	KindIndicator ItemKind = "indicator"
	KindTask      ItemKind = "task" // a task without milestones or goal indicators
)

// Item is one thing the ledger tracks: a milestone, a goal indicator, or a
// task as a whole.
type Item struct {
	Task       *Task
	Kind       ItemKind
	ID         string // milestone or indicator id; "" for a whole task
	Text       string
	Due        Date
	DueText    string
	Firmness   Firmness
	Recurrence Recurrence
	Areas      []string // areas the item is specific to; nil: the task's
	Owners     []string // departments answering for it
	Indicator  *Indicator
}

// Items returns every tracked item of the plan in task order.
func (p *Plan) Items() []Item {
	var out []Item
	for i := range p.Tasks {
		out = append(out, p.taskItems(&p.Tasks[i], "")...)
	}
	return out
}

// taskItems returns the items of t; for an area, milestones specific to
// other areas and indicators of other areas are left out.
func (p *Plan) taskItems(t *Task, area string) []Item {
	var out []Item
	for j := range t.Milestones {
		m := &t.Milestones[j]
		if area != "" && len(m.Areas) > 0 && !slices.Contains(m.Areas, area) {
			continue
		}
		owners := m.Owners
		if len(owners) == 0 {
			owners = t.Lead
		}
		out = append(out, Item{Task: t, Kind: KindMilestone, ID: m.ID, Text: m.Text, Due: m.Due, DueText: m.DueText,
			Firmness: m.Firmness, Recurrence: m.Recurrence, Areas: m.Areas, Owners: owners})
	}
	for j := range t.Indicators {
		in := &t.Indicators[j]
		if in.Role == Threshold || (area != "" && in.Area != "" && in.Area != area) {
			continue
		}
		due, dueText := in.Deadline, in.DeadlineText
		if due.IsZero() {
			due = p.End
		}
		if dueText == "" {
			dueText = "方案期内"
		}
		var areas []string
		if in.Area != "" {
			areas = []string{in.Area}
		}
		out = append(out, Item{Task: t, Kind: KindIndicator, ID: in.ID, Text: in.Text, Due: due, DueText: dueText,
			Firmness: in.Firmness, Recurrence: in.Recurrence, Areas: areas, Owners: t.Lead, Indicator: in})
	}
	if len(out) == 0 {
		out = append(out, Item{Task: t, Kind: KindTask, Text: t.Text, Due: p.End, DueText: "方案期内",
			Firmness: Binding, Owners: t.Lead})
	}
	return out
}

// Occurrence is one period of an item: the whole plan period up to the
// deadline for a single item, one month or year for a recurring one.
type Occurrence struct {
	From     Date     `json:"from"`
	Due      Date     `json:"due"`
	Status   Status   `json:"status"`
	Progress int      `json:"progress"` // percent, derived
	Value    *Decimal `json:"value,omitempty"`
	DoneOn   Date     `json:"done_on,omitzero"`  // as-of date of the report that completed it
	FiledOn  Date     `json:"filed_on,omitzero"` // the day that report was filed
	Reports  int      `json:"reports"`
	Closed   bool     `json:"closed"` // the period has ended
}

// OnTime reports whether the occurrence was done on or before its due date
// and the report saying so was filed by then: a late report may complete
// an item but never makes it on time.
func (o Occurrence) OnTime() bool {
	return o.Status == Done && !o.DoneOn.After(o.Due) && (o.FiledOn.IsZero() || !o.FiledOn.After(o.Due))
}

// ItemStatus is the evaluated state of one item.
type ItemStatus struct {
	Task        int          `json:"task"`
	Kind        ItemKind     `json:"kind"`
	ID          string       `json:"id,omitempty"`
	Text        string       `json:"text"`
	Due         Date         `json:"due"`
	DueText     string       `json:"due_text"`
	Firmness    Firmness     `json:"firmness"`
	Recurrence  Recurrence   `json:"recurrence,omitempty"`
	Areas       []string     `json:"areas,omitempty"`
	Owners      []string     `json:"owners"`
	Goal        string       `json:"goal,omitempty"` // e.g. "≥ 260 万千瓦"
	Status      Status       `json:"status"`
	DaysLeft    int          `json:"days_left"` // negative when overdue
	Occurrences []Occurrence `json:"occurrences"`
	Latest      *Report      `json:"latest,omitempty"`
}

// OnTimeCount returns how many occurrences have fallen due by asOf and how
// many of those were done on time.
func (s ItemStatus) OnTimeCount(asOf Date) (due, onTime int) {
	for _, o := range s.Occurrences {
		if o.Due.After(asOf) {
			continue
		}
		due++
		if o.OnTime() {
			onTime++
		}
	}
	return due, onTime
}

// TaskStatus is the evaluated state of one task.
type TaskStatus struct {
	Number        int          `json:"number"`
	Section       int          `json:"section"`
	Title         string       `json:"title"`
	Lead          []string     `json:"lead"`
	Cooperate     []string     `json:"cooperate"`
	SharedByRemit bool         `json:"shared_by_remit"`
	Areas         []string     `json:"areas"`
	Status        Status       `json:"status"`
	Items         []ItemStatus `json:"items"`
	Latest        *Report      `json:"latest,omitempty"`
}

// Alert is raised for every overdue occurrence.
type Alert struct {
	Task        int      `json:"task"`
	Item        string   `json:"item,omitempty"`
	Text        string   `json:"text"`
	Due         Date     `json:"due"`
	DaysOverdue int      `json:"days_overdue"`
	Owners      []string `json:"owners"`
	Area        string   `json:"area,omitempty"`
	Message     string   `json:"message"`
}

// Evaluation is the ledger's state of a plan, or of one area's share of it,
// as of one date.
type Evaluation struct {
	Plan   *Plan        `json:"-"`
	AsOf   Date         `json:"as_of"`
	Area   string       `json:"area,omitempty"` // "" for the whole plan
	Tasks  []TaskStatus `json:"tasks"`
	Alerts []Alert      `json:"alerts"`
}

// Evaluate derives the status of every item and task of p from reports as
// of asOf. Reports of other plans and reports dated after asOf are ignored,
// so that an evaluation as of a past date is reproducible.
func Evaluate(p *Plan, reports []Report, asOf Date, cfg Config) *Evaluation {
	return evaluate(p, reports, asOf, cfg, "")
}

// EvaluateArea evaluates the share of p that area carries out, on the
// reports that area filed: the tasks it implements, without milestones
// specific to other areas or indicators of other areas.
func EvaluateArea(p *Plan, reports []Report, area string, asOf Date, cfg Config) *Evaluation {
	var own []Report
	for _, r := range reports {
		if r.Reporter == area {
			own = append(own, r)
		}
	}
	return evaluate(p, own, asOf, cfg, area)
}

func evaluate(p *Plan, reports []Report, asOf Date, cfg Config, area string) *Evaluation {
	byItem := map[itemKey][]Report{}
	for _, r := range reports {
		if (r.Plan != "" && r.Plan != p.ID) || r.Date.After(asOf) || filedOn(r).After(asOf) {
			continue
		}
		k := itemKey{r.Task, r.Item}
		byItem[k] = append(byItem[k], r)
	}
	for _, rs := range byItem {
		sortReports(rs)
	}
	ev := &Evaluation{Plan: p, AsOf: asOf, Area: area}
	for i := range p.Tasks {
		t := &p.Tasks[i]
		if area != "" && !slices.Contains(p.ImplementingAreas(t), area) {
			continue
		}
		ts := TaskStatus{Number: t.Number, Section: t.Section, Title: t.Title, Lead: t.Lead, Cooperate: t.Cooperate,
			SharedByRemit: t.SharedByRemit, Areas: p.ImplementingAreas(t)}
		if ts.Cooperate == nil {
			ts.Cooperate = []string{}
		}
		taskReports := byItem[itemKey{t.Number, ""}]
		if n := len(taskReports); n > 0 {
			ts.Latest = &taskReports[n-1]
		}
		for _, it := range p.taskItems(t, area) {
			is := evalItem(p, it, byItem[itemKey{t.Number, it.ID}], asOf, cfg)
			if is.Latest != nil && (ts.Latest == nil || laterReport(*is.Latest, *ts.Latest)) {
				ts.Latest = is.Latest
			}
			ts.Items = append(ts.Items, is)
			for _, o := range is.Occurrences {
				if o.Status == Overdue {
					ev.Alerts = append(ev.Alerts, newAlert(p, is, o, asOf, area))
				}
			}
		}
		ts.Status = aggregate(ts.Items)
		ev.Tasks = append(ev.Tasks, ts)
	}
	sort.SliceStable(ev.Alerts, func(i, j int) bool { return ev.Alerts[i].Due.Before(ev.Alerts[j].Due) })
	return ev
}

// filedOn returns the Beijing-time day a report was filed, zero when the
// filing time is unknown.
func filedOn(r Report) Date {
	if r.When.IsZero() {
		return Date{}
	}
	return DateOf(r.When.In(planZone))
}

// itemKey identifies the reports on one item of one task.
type itemKey struct {
	task int
	item string
}

// laterReport reports whether a sorts after b in sortReports order.
func laterReport(a, b Report) bool {
	if a.Date != b.Date {
		return a.Date.After(b.Date)
	}
	if !a.When.Equal(b.When) {
		return a.When.After(b.When)
	}
	return a.ID > b.ID
}

func aggregate(items []ItemStatus) Status {
	allDone, anyReported := true, false
	worst := Done
	for _, it := range items {
		if it.Status != Done {
			allDone = false
		}
		if it.Status != NotStarted {
			anyReported = true
		}
		if it.Status.severity() > worst.severity() {
			worst = it.Status
		}
	}
	switch {
	case allDone:
		return Done
	case worst == Overdue || worst == AtRisk:
		return worst
	case !anyReported:
		return NotStarted
	}
	return OnTrack
}

func newAlert(p *Plan, is ItemStatus, o Occurrence, asOf Date, area string) Alert {
	names := make([]string, len(is.Owners))
	for i, d := range is.Owners {
		names[i] = p.DepartmentName(d)
	}
	days := o.Due.DaysUntil(asOf)
	what := is.ID
	if what == "" {
		what = "整体"
	}
	msg := fmt.Sprintf("任务%d %s（%s）应于%s完成，已逾期%d天；牵头：%s", is.Task, what, is.DueText, o.Due, days, joinNames(names))
	if area != "" {
		msg = p.AreaName(area) + "：" + msg
	}
	return Alert{Task: is.Task, Item: is.ID, Text: is.Text, Due: o.Due, DaysOverdue: days, Owners: is.Owners, Area: area, Message: msg}
}

func joinNames(s []string) string {
	out := ""
	for i, n := range s {
		if i > 0 {
			out += "、"
		}
		out += n
	}
	return out
}

// periods returns the occurrences' [from, due] ranges of an item.
func periods(p *Plan, it Item) [][2]Date {
	if it.Recurrence == Once {
		return [][2]Date{{p.Start, it.Due}}
	}
	end := p.End
	if it.Indicator != nil && !it.Indicator.Deadline.IsZero() {
		end = it.Indicator.Deadline
	} else if it.Kind == KindMilestone {
		end = it.Due
	}
	var out [][2]Date
	for from := p.Start; !from.After(end); {
		var next time.Time
		if it.Recurrence == Monthly {
			next = time.Date(from.Year, from.Month+1, 1, 0, 0, 0, 0, time.UTC)
		} else {
			next = time.Date(from.Year+1, 1, 1, 0, 0, 0, 0, time.UTC)
		}
		due := DateOf(next.AddDate(0, 0, -1))
		if due.After(end) {
			due = end
		}
		out = append(out, [2]Date{from, due})
		from = DateOf(next)
	}
	return out
}

func evalItem(p *Plan, it Item, rs []Report, asOf Date, cfg Config) ItemStatus {
	is := ItemStatus{Task: it.Task.Number, Kind: it.Kind, ID: it.ID, Text: it.Text, Due: it.Due, DueText: it.DueText,
		Firmness: it.Firmness, Recurrence: it.Recurrence, Areas: it.Areas, Owners: it.Owners,
		DaysLeft: asOf.DaysUntil(it.Due), Occurrences: []Occurrence{}}
	if it.Indicator != nil {
		is.Goal = it.Indicator.GoalText()
	}
	if n := len(rs); n > 0 {
		is.Latest = &rs[n-1]
	}
	window := cfg.atRisk()
	if it.Recurrence != Once {
		window = cfg.recurringAtRisk()
	}
	for _, pr := range periods(p, it) {
		if pr[0].After(asOf) {
			break // periods that have not begun are not judged yet
		}
		in := rs
		if it.Recurrence != Once {
			// rs is sorted by date: the period's reports are contiguous.
			lo := sort.Search(len(rs), func(i int) bool { return !rs[i].Date.Before(pr[0]) })
			hi := sort.Search(len(rs), func(i int) bool { return rs[i].Date.After(pr[1]) })
			in = rs[lo:max(lo, hi)]
		}
		is.Occurrences = append(is.Occurrences, evalOccurrence(it, in, pr[0], pr[1], asOf, window))
	}
	is.Status = itemStatus(it, is.Occurrences)
	if it.Recurrence != Once {
		// For a recurring item the deadline shown is the current period's.
		for _, o := range is.Occurrences {
			if !o.Closed {
				is.Due = o.Due
				is.DaysLeft = asOf.DaysUntil(o.Due)
			}
		}
	}
	return is
}

func itemStatus(it Item, occ []Occurrence) Status {
	if len(occ) == 0 {
		return NotStarted
	}
	if it.Recurrence == Once {
		return occ[0].Status
	}
	closedMet, open := 0, -1
	for i, o := range occ {
		if o.Status == Overdue {
			return Overdue
		}
		if o.Closed {
			closedMet++
		} else {
			open = i
		}
	}
	if open < 0 {
		return Done
	}
	if s := occ[open].Status; s == NotStarted && closedMet > 0 {
		return OnTrack
	} else if s == Done {
		return OnTrack // this period is met, but the item recurs
	} else {
		return s
	}
}

func evalOccurrence(it Item, rs []Report, from, due, asOf Date, window int) Occurrence {
	o := Occurrence{From: from, Due: due, Reports: len(rs), Closed: due.Before(asOf)}
	progress := 0
	shortOfTarget := false
	if it.Indicator != nil {
		in := it.Indicator
		// Done on the first meeting report after the last failing one:
		// a value that falls short again reopens the indicator.
		for _, r := range rs {
			if r.Value == nil {
				continue
			}
			v := *r.Value
			o.Value = &v
			if !in.Met(v) {
				o.DoneOn, o.FiledOn = Date{}, Date{}
			} else if o.DoneOn.IsZero() {
				o.DoneOn, o.FiledOn = r.Date, filedOn(r)
			}
		}
		if o.Value != nil {
			progress = in.progress(*o.Value)
			shortOfTarget = !in.Met(*o.Value)
		} else {
			shortOfTarget = true
		}
	} else {
		for _, r := range rs {
			if r.Progress != nil {
				progress = *r.Progress
			}
			if (r.Done || (r.Progress != nil && *r.Progress >= 100)) && o.DoneOn.IsZero() {
				o.DoneOn, o.FiledOn = r.Date, filedOn(r)
			}
		}
		if !o.DoneOn.IsZero() {
			progress = 100
		}
	}
	o.Progress = progress
	switch {
	case !o.DoneOn.IsZero():
		o.Status = Done
	case due.Before(asOf):
		o.Status = Overdue
	case asOf.DaysUntil(due) <= window && behind(it, progress, shortOfTarget, from, due, asOf):
		o.Status = AtRisk
	case len(rs) == 0:
		o.Status = NotStarted
	default:
		o.Status = OnTrack
	}
	return o
}

// behind reports whether an open item is behind a linear schedule from
// its start to its deadline.
func behind(it Item, progress int, shortOfTarget bool, from, due, asOf Date) bool {
	if it.Indicator != nil && !it.Indicator.linear() {
		return shortOfTarget
	}
	total := from.DaysUntil(due)
	if total <= 0 {
		return progress < 100
	}
	elapsed := from.DaysUntil(asOf)
	// progress/100 < elapsed/total, in integers.
	return progress*total < 100*elapsed
}

// linear reports whether the indicator's target is reached by growth along
// a path from its baseline (≥, >, increase_by, decrease_by), so that a
// linear schedule applies.
func (in *Indicator) linear() bool {
	switch in.Comparator {
	case ">=", ">", "increase_by", "decrease_by":
		return true
	}
	return false
}

// Met reports whether a reported value meets the indicator's target.
func (in *Indicator) Met(v Decimal) bool { return compare(in.Comparator, v, in.Value) }

func compare(comparator string, v, goal Decimal) bool {
	c := v.Cmp(goal)
	switch comparator {
	case ">=", "increase_by", "decrease_by":
		return c >= 0
	case ">":
		return c > 0
	case "<=":
		return c <= 0
	case "<":
		return c < 0
	case "=":
		return c == 0
	}
	return false
}

// progress returns the percent of the way from the baseline (0 when the
// plan gives no baseline value) to the target, clamped to 0–100.
func (in *Indicator) progress(v Decimal) int {
	if !in.linear() {
		if in.Met(v) {
			return 100
		}
		return 0
	}
	base := Decimal{}
	if in.Baseline != nil && in.Baseline.Value != nil && in.Comparator != "increase_by" && in.Comparator != "decrease_by" {
		base = *in.Baseline.Value
	}
	span := in.Value.Sub(base).Milli()
	if span <= 0 {
		if in.Met(v) {
			return 100
		}
		return 0
	}
	pct := v.Sub(base).Milli() * 100 / span
	return int(max(0, min(100, pct)))
}

// GoalText renders the indicator's target, e.g. "≥ 260 万千瓦".
func (in *Indicator) GoalText() string {
	sym := map[string]string{">=": "≥", "<=": "≤", ">": ">", "<": "<", "=": "="}
	base := "基准"
	if in.Baseline != nil {
		base = fmt.Sprintf("%d年", in.Baseline.Year)
	}
	switch in.Comparator {
	case "decrease_by":
		return fmt.Sprintf("较%s下降 %s %s", base, in.Value, in.Unit)
	case "increase_by":
		return fmt.Sprintf("较%s提高 %s %s", base, in.Value, in.Unit)
	}
	return fmt.Sprintf("%s %s %s", sym[in.Comparator], in.Value, in.Unit)
}
