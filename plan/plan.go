// Package plan is plan-as-data: a city's air-quality action plan (its
// targets, tasks, responsible departments, dated milestones and numeric
// indicators) loaded from a versioned YAML file, validated, and driven by a
// task ledger of progress reports.
//
// The plan format is documented in FORMAT.md next to this file; the first
// plan it carries is Nanyang's 2024–2025 deadline-compliance plan
// (宛政办〔2024〕3号, plans/nanyang-2024-2025.yaml). Any other city's or
// county's plan loads the same way, without code changes: metrics are
// declared in the plan file, and only the vocabularies that carry meaning for
// the code (comparators, units, area kinds, firmness, recurrence) are fixed
// here.
//
// The ledger (ledger.go) derives every status from dates and reports, never
// from a typed-in status, following the rules documented on Status. It is
// pure: persistence goes through the LedgerStore interface, and targets that
// are computable from monitoring data are evaluated from TargetInputs the
// standards engine supplies, so this package depends on neither the store
// nor the engine.
package plan

// FormatV1 is the value of the format key of a version-1 plan file.
const FormatV1 = "lantian-plan/v1"

// Plan is one action plan as loaded from a plan file.
type Plan struct {
	Format         string       `yaml:"format" json:"format"`
	ID             string       `yaml:"id" json:"id"`
	Title          string       `yaml:"title" json:"title"`
	Issuer         string       `yaml:"issuer" json:"issuer"`
	DocumentNumber string       `yaml:"document_number" json:"document_number"`
	Issued         Date         `yaml:"issued" json:"issued"`
	Start          Date         `yaml:"start" json:"start"`
	End            Date         `yaml:"end" json:"end"`
	Area           string       `yaml:"area" json:"area"`
	Fictional      bool         `yaml:"fictional,omitempty" json:"fictional,omitempty"`
	Note           string       `yaml:"note,omitempty" json:"note,omitempty"`
	Recipients     string       `yaml:"recipients,omitempty" json:"recipients,omitempty"`
	References     []Reference  `yaml:"references,omitempty" json:"references,omitempty"`
	Preamble       string       `yaml:"preamble,omitempty" json:"preamble,omitempty"`
	Requirements   string       `yaml:"general_requirements,omitempty" json:"general_requirements,omitempty"`
	Implementers   Implementer  `yaml:"implementers" json:"implementers"`
	Areas          []Area       `yaml:"areas" json:"areas"`
	Departments    []Department `yaml:"departments" json:"departments"`
	Metrics        []Metric     `yaml:"metrics,omitempty" json:"metrics,omitempty"`
	Targets        []Target     `yaml:"targets" json:"targets"`
	Sections       []Section    `yaml:"sections" json:"sections"`
	Tasks          []Task       `yaml:"tasks" json:"tasks"`
	Measures       []Measure    `yaml:"measures,omitempty" json:"measures,omitempty"`

	src  string   // file name for messages
	root *yamlDoc // parsed node tree, for line numbers
}

// Reference is another document a plan or task relies on.
type Reference struct {
	Number string `yaml:"number" json:"number"` // e.g. 豫政办〔2023〕33号
	Title  string `yaml:"title" json:"title"`
}

// Implementer names the areas whose governments carry out every task unless
// a task says otherwise (Nanyang task 1: "以下各项任务均需各县〔市、区〕政府
// 〔管委会〕负责落实，不再逐一列出").
type Implementer struct {
	Areas []string `yaml:"areas" json:"areas"`
	Text  string   `yaml:"text,omitempty" json:"text,omitempty"`
}

// AreaKind is the kind of an administrative area in a plan.
type AreaKind string

// Area kinds. Zones (功能区: demonstration zones, high-tech zones, bonded
// zones) have no GB/T 2260 code and carry a local code.
const (
	AreaCity       AreaKind = "city"        // 地级市
	AreaDistrict   AreaKind = "district"    // 市辖区
	AreaCounty     AreaKind = "county"      // 县
	AreaCountyCity AreaKind = "county_city" // 县级市
	AreaZone       AreaKind = "zone"        // 功能区 (管委会)
	AreaTownship   AreaKind = "township"    // 乡镇、街道
)

// Area is an area named by the plan.
type Area struct {
	Code    string   `yaml:"code" json:"code"`
	Name    string   `yaml:"name" json:"name"`
	Kind    AreaKind `yaml:"kind" json:"kind"`
	Parent  string   `yaml:"parent,omitempty" json:"parent,omitempty"`
	Aliases []string `yaml:"aliases,omitempty" json:"aliases,omitempty"`
}

// Department is a body the plan assigns work to: a government department,
// an office, or an enterprise such as the power-supply company.
type Department struct {
	ID    string   `yaml:"id" json:"id"`
	Name  string   `yaml:"name" json:"name"`
	Short []string `yaml:"short" json:"short"` // names as written in the plan text
	Kind  string   `yaml:"kind,omitempty" json:"kind,omitempty"`
}

// Metric is a quantity targets and indicators are stated in. Built-in
// metrics (BuiltinMetrics) are computed by the standards engine; plans
// declare the others, which are reported by departments.
type Metric struct {
	ID     string `yaml:"id" json:"id"`
	Name   string `yaml:"name" json:"name"`
	Unit   string `yaml:"unit" json:"unit"`
	Source Source `yaml:"source,omitempty" json:"source,omitempty"`
}

// Source says where a metric's values come from.
type Source string

// Metric sources.
const (
	SourceEngine Source = "engine" // computed from monitoring data
	SourceReport Source = "report" // reported by the responsible departments
)

// Firmness distinguishes binding targets from best-effort ones.
type Firmness string

// Firmness values: 约束性 (must be met) and 力争 (strive for).
const (
	Binding    Firmness = "binding"
	BestEffort Firmness = "best_effort"
)

// Label returns the Chinese label of f.
func (f Firmness) Label() string {
	if f == BestEffort {
		return "力争"
	}
	return "约束性"
}

// Target is one of the plan's main targets (主要目标) for one area and year.
type Target struct {
	ID         string   `yaml:"id" json:"id"`
	Text       string   `yaml:"text" json:"text"`
	Area       string   `yaml:"area" json:"area"`
	Metric     string   `yaml:"metric" json:"metric"`
	Comparator string   `yaml:"comparator" json:"comparator"`
	Value      *Decimal `yaml:"value,omitempty" json:"value,omitempty"`
	Unit       string   `yaml:"unit,omitempty" json:"unit,omitempty"`
	Year       int      `yaml:"year" json:"year"`
	Firmness   Firmness `yaml:"firmness" json:"firmness"`
	// Among is the size of the field a ranking is taken in (168 key cities).
	Among int `yaml:"among,omitempty" json:"among,omitempty"`
}

// Section is one numbered group of tasks (（一）持续推进产业结构优化调整).
type Section struct {
	Number int    `yaml:"number" json:"number"`
	Title  string `yaml:"title" json:"title"`
}

// Task is one numbered task of the plan.
type Task struct {
	Number  int    `yaml:"number" json:"number"`
	Section int    `yaml:"section" json:"section"`
	Title   string `yaml:"title" json:"title"`
	Text    string `yaml:"text" json:"text"`
	// Responsibility is the responsibility clause as written (the text in
	// brackets after the task), kept so the encoding can be checked
	// against the document.
	Responsibility string   `yaml:"responsibility,omitempty" json:"responsibility,omitempty"`
	Lead           []string `yaml:"lead" json:"lead"`
	Cooperate      []string `yaml:"cooperate,omitempty" json:"cooperate"`
	// SharedByRemit marks 按职责分工负责: the departments in Lead share the
	// task, each answering for its own remit, and none leads the others.
	SharedByRemit bool `yaml:"shared_by_remit,omitempty" json:"shared_by_remit"`
	// Areas are the area governments that carry the task out; empty means
	// the plan's implementers.
	Areas      []string    `yaml:"areas,omitempty" json:"areas,omitempty"`
	Duties     []Duty      `yaml:"duties,omitempty" json:"duties,omitempty"`
	References []Reference `yaml:"references,omitempty" json:"references,omitempty"`
	Milestones []Milestone `yaml:"milestones,omitempty" json:"milestones"`
	Indicators []Indicator `yaml:"indicators,omitempty" json:"indicators"`
}

// Duty is a specific obligation the text puts on one department inside a
// task (任务10: "财政部门制定新能源汽车替代资金激励政策").
type Duty struct {
	Department string `yaml:"department" json:"department"`
	Text       string `yaml:"text" json:"text"`
}

// Recurrence makes a milestone or indicator fall due every period.
type Recurrence string

// Recurrences. A recurring item falls due at the end of every month or year
// of the plan period (每月 / 每年 / 持续稳定在…).
const (
	Once    Recurrence = ""
	Monthly Recurrence = "monthly"
	Yearly  Recurrence = "yearly"
)

// Milestone is a dated deliverable of a task.
type Milestone struct {
	ID         string     `yaml:"id" json:"id"`
	Text       string     `yaml:"text" json:"text"`
	Due        Date       `yaml:"due" json:"due"`
	DueText    string     `yaml:"due_text" json:"due_text"`
	Firmness   Firmness   `yaml:"firmness,omitempty" json:"firmness,omitempty"`
	Recurrence Recurrence `yaml:"recurrence,omitempty" json:"recurrence,omitempty"`
	Areas      []string   `yaml:"areas,omitempty" json:"areas,omitempty"`
	Owners     []string   `yaml:"owners,omitempty" json:"owners,omitempty"`
}

// Role distinguishes indicators that are goals from thresholds that only
// say which installations a task covers.
type Role string

// Indicator roles.
const (
	Goal      Role = "goal"      // a value to reach by the deadline; tracked in the ledger
	Threshold Role = "threshold" // a scope limit (boilers of 10 t/h and above); not tracked
)

// Baseline is the reference a relative indicator is measured against.
type Baseline struct {
	Year  int      `yaml:"year" json:"year"`
	Value *Decimal `yaml:"value,omitempty" json:"value,omitempty"`
}

// Indicator is a numeric commitment of a task.
type Indicator struct {
	ID           string     `yaml:"id" json:"id"`
	Text         string     `yaml:"text" json:"text"`
	Metric       string     `yaml:"metric" json:"metric"`
	Comparator   string     `yaml:"comparator" json:"comparator"`
	Value        Decimal    `yaml:"value" json:"value"`
	Unit         string     `yaml:"unit" json:"unit"`
	Role         Role       `yaml:"role,omitempty" json:"role,omitempty"`
	Baseline     *Baseline  `yaml:"baseline,omitempty" json:"baseline,omitempty"`
	Deadline     Date       `yaml:"deadline,omitempty" json:"deadline,omitzero"`
	DeadlineText string     `yaml:"deadline_text,omitempty" json:"deadline_text,omitempty"`
	Firmness     Firmness   `yaml:"firmness,omitempty" json:"firmness,omitempty"`
	Recurrence   Recurrence `yaml:"recurrence,omitempty" json:"recurrence,omitempty"`
	Area         string     `yaml:"area,omitempty" json:"area,omitempty"`
}

// Measure is one safeguard measure (保障措施).
type Measure struct {
	Number int    `yaml:"number" json:"number"`
	Title  string `yaml:"title" json:"title"`
	Text   string `yaml:"text" json:"text"`
}

// Task returns the task numbered n, or nil.
func (p *Plan) Task(n int) *Task {
	for i := range p.Tasks {
		if p.Tasks[i].Number == n {
			return &p.Tasks[i]
		}
	}
	return nil
}

// Department returns the department with the given id, or nil.
func (p *Plan) Department(id string) *Department {
	for i := range p.Departments {
		if p.Departments[i].ID == id {
			return &p.Departments[i]
		}
	}
	return nil
}

// AreaByCode returns the area with the given code, or nil.
func (p *Plan) AreaByCode(code string) *Area {
	for i := range p.Areas {
		if p.Areas[i].Code == code {
			return &p.Areas[i]
		}
	}
	return nil
}

// Section returns the section numbered n, or nil.
func (p *Plan) Section(n int) *Section {
	for i := range p.Sections {
		if p.Sections[i].Number == n {
			return &p.Sections[i]
		}
	}
	return nil
}

// MetricByID returns the metric with the given id, declared in the plan or
// built in, or nil.
func (p *Plan) MetricByID(id string) *Metric {
	for i := range p.Metrics {
		if p.Metrics[i].ID == id {
			return &p.Metrics[i]
		}
	}
	for i := range BuiltinMetrics {
		if BuiltinMetrics[i].ID == id {
			m := BuiltinMetrics[i]
			return &m
		}
	}
	return nil
}

// ImplementingAreas returns the codes of the areas that carry task t out:
// the task's own areas, or the plan's implementers.
func (p *Plan) ImplementingAreas(t *Task) []string {
	if len(t.Areas) > 0 {
		return t.Areas
	}
	return p.Implementers.Areas
}

// DepartmentName returns the first short name of a department (as the plan
// text writes it) for tables, or the id when unknown.
func (p *Plan) DepartmentName(id string) string {
	if d := p.Department(id); d != nil {
		if len(d.Short) > 0 {
			return d.Short[0]
		}
		return d.Name
	}
	return id
}

// AreaName returns an area's name, or the code when unknown.
func (p *Plan) AreaName(code string) string {
	if a := p.AreaByCode(code); a != nil {
		return a.Name
	}
	return code
}
