package plan

import (
	"fmt"
	"sort"
	"strings"
)

// validator collects problems with their line numbers.
type validator struct {
	p    *Plan
	list Problems
}

func (v *validator) add(path []any, format string, args ...any) {
	v.list = append(v.list, Problem{
		File: v.p.src,
		Line: v.p.root.line(path...),
		Path: pathString(path),
		Msg:  fmt.Sprintf(format, args...),
	})
}

func pathString(path []any) string {
	var b strings.Builder
	for _, el := range path {
		switch k := el.(type) {
		case string:
			if b.Len() > 0 {
				b.WriteByte('.')
			}
			b.WriteString(k)
		case int:
			fmt.Fprintf(&b, "[%d]", k)
		}
	}
	return b.String()
}

func at(path []any, more ...any) []any {
	out := make([]any, 0, len(path)+len(more))
	return append(append(out, path...), more...)
}

// Validate checks the plan for internal consistency and returns every
// problem found as Problems, or nil. It checks required fields, duplicate
// numbers and ids, references to areas, departments, sections and metrics,
// comparators and units against their vocabularies, and that every date lies
// within the plan period.
func (p *Plan) Validate() error {
	v := &validator{p: p}
	v.header()
	areas := v.areas()
	depts := v.departments()
	v.metrics()
	ids := map[string]string{} // item id → where first used
	v.targets(areas, ids)
	sections := v.sections()
	v.tasks(areas, depts, sections, ids)
	v.measures()
	if len(v.list) == 0 {
		return nil
	}
	sort.SliceStable(v.list, func(i, j int) bool { return v.list[i].Line < v.list[j].Line })
	return v.list
}

func (v *validator) header() {
	p := v.p
	for _, f := range []struct{ key, val string }{
		{"id", p.ID}, {"title", p.Title}, {"issuer", p.Issuer}, {"document_number", p.DocumentNumber}, {"area", p.Area},
	} {
		if strings.TrimSpace(f.val) == "" {
			v.add([]any{f.key}, "required: want a non-empty value")
		}
	}
	for _, f := range []struct {
		key string
		d   Date
	}{{"issued", p.Issued}, {"start", p.Start}, {"end", p.End}} {
		if f.d.IsZero() {
			v.add([]any{f.key}, "required: want a date YYYY-MM-DD")
		}
	}
	if !p.Start.IsZero() && !p.End.IsZero() && p.End.Before(p.Start) {
		v.add([]any{"end"}, "plan ends %s before it starts %s", p.End, p.Start)
	}
	if len(p.Tasks) == 0 {
		v.add([]any{"tasks"}, "a plan needs at least one task")
	}
}

func (v *validator) areas() map[string]bool {
	p := v.p
	known := map[string]bool{}
	for i, a := range p.Areas {
		path := []any{"areas", i}
		switch {
		case a.Code == "":
			v.add(at(path, "code"), "required: want the area code (GB/T 2260, or a local code for a zone)")
		case known[a.Code]:
			v.add(at(path, "code"), "duplicate area code %q", a.Code)
		}
		known[a.Code] = true
		if a.Name == "" {
			v.add(at(path, "name"), "required: want the area name")
		}
		if !knownAreaKind(a.Kind) {
			v.add(at(path, "kind"), "unknown area kind %q: want one of %s", a.Kind, joinKinds())
		}
		if a.Kind != AreaZone && a.Kind != AreaTownship && a.Code != "" && !isGB2260(a.Code) {
			v.add(at(path, "code"), "area code %q of a %s must be a 6-digit GB/T 2260 code (only zones and townships carry local codes)", a.Code, a.Kind)
		}
	}
	for i, a := range p.Areas {
		if a.Parent != "" && !known[a.Parent] {
			v.add([]any{"areas", i, "parent"}, "unknown parent area %q", a.Parent)
		}
	}
	if p.Area != "" && !known[p.Area] {
		v.add([]any{"area"}, "unknown area %q: want one of the codes under areas", p.Area)
	}
	for i, c := range p.Implementers.Areas {
		if !known[c] {
			v.add([]any{"implementers", "areas", i}, "unknown area %q", c)
		}
	}
	return known
}

func isGB2260(s string) bool {
	if len(s) != 6 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func joinKinds() string {
	s := make([]string, len(AreaKinds))
	for i, k := range AreaKinds {
		s[i] = string(k)
	}
	return strings.Join(s, ", ")
}

func (v *validator) departments() map[string]bool {
	known := map[string]bool{}
	short := map[string]string{}
	for i, d := range v.p.Departments {
		path := []any{"departments", i}
		switch {
		case d.ID == "":
			v.add(at(path, "id"), "required: want a short identifier such as mee")
		case known[d.ID]:
			v.add(at(path, "id"), "duplicate department id %q", d.ID)
		}
		known[d.ID] = true
		if d.Name == "" {
			v.add(at(path, "name"), "required: want the full name of the department")
		}
		if len(d.Short) == 0 {
			v.add(at(path, "short"), "required: want the names the plan text uses for the department")
		}
		for j, s := range d.Short {
			if other, dup := short[s]; dup && other != d.ID {
				v.add(at(path, "short", j), "short name %q also belongs to department %q", s, other)
			}
			short[s] = d.ID
		}
	}
	return known
}

func (v *validator) metrics() {
	seen := map[string]bool{}
	for _, m := range BuiltinMetrics {
		seen[m.ID] = true
	}
	for i, m := range v.p.Metrics {
		path := []any{"metrics", i}
		switch {
		case m.ID == "":
			v.add(at(path, "id"), "required: want a metric id")
		case seen[m.ID]:
			v.add(at(path, "id"), "metric %q is already defined (built-in metrics: %s)", m.ID, builtinIDs())
		}
		seen[m.ID] = true
		if m.Name == "" {
			v.add(at(path, "name"), "required: want the metric's name")
		}
		if _, ok := Units[m.Unit]; !ok {
			v.add(at(path, "unit"), "unknown unit %q: want one of %s", m.Unit, unitList())
		}
		if m.Source != "" && m.Source != SourceReport && m.Source != SourceEngine {
			v.add(at(path, "source"), "unknown source %q: want report or engine", m.Source)
		}
	}
}

func builtinIDs() string {
	s := make([]string, len(BuiltinMetrics))
	for i, m := range BuiltinMetrics {
		s[i] = m.ID
	}
	return strings.Join(s, ", ")
}

func unitList() string {
	s := make([]string, 0, len(Units))
	for u := range Units {
		if u == "" {
			u = `""`
		}
		s = append(s, u)
	}
	sort.Strings(s)
	return strings.Join(s, " ")
}

// measure checks metric, comparator, value and unit of a target or
// indicator.
func (v *validator) measure(path []any, metric, comparator string, hasValue bool, unit string) {
	m := v.p.MetricByID(metric)
	if metric == "" {
		v.add(at(path, "metric"), "required: want a metric id")
	} else if m == nil {
		v.add(at(path, "metric"), "unknown metric %q: declare it under metrics (built in: %s)", metric, builtinIDs())
	}
	if !knownComparator(comparator) {
		v.add(at(path, "comparator"), "unknown comparator %q: want one of %s", comparator, strings.Join(Comparators, " "))
		return
	}
	if comparatorNeedsValue(comparator) && !hasValue {
		v.add(at(path, "value"), "comparator %q needs a value", comparator)
	}
	if !comparatorNeedsValue(comparator) && hasValue {
		v.add(at(path, "value"), "comparator %q takes no value", comparator)
	}
	if _, ok := Units[unit]; !ok {
		v.add(at(path, "unit"), "unknown unit %q: want one of %s", unit, unitList())
	} else if m != nil && hasValue && unit != m.Unit && !strings.HasSuffix(comparator, "_by") {
		v.add(at(path, "unit"), "unit %q differs from the unit %q of metric %q", unit, m.Unit, metric)
	}
}

func (v *validator) firmness(path []any, f Firmness) {
	if f != Binding && f != BestEffort {
		v.add(path, "unknown firmness %q: want binding (约束性) or best_effort (力争)", f)
	}
}

func (v *validator) recurrence(path []any, r Recurrence) {
	if r != Once && r != Monthly && r != Yearly {
		v.add(path, "unknown recurrence %q: want monthly or yearly, or omit it", r)
	}
}

func (v *validator) inPeriod(path []any, d Date) {
	p := v.p
	if p.Start.IsZero() || p.End.IsZero() {
		return
	}
	if d.Before(p.Start) || d.After(p.End) {
		v.add(path, "date %s is outside the plan period %s … %s", d, p.Start, p.End)
	}
}

func (v *validator) itemID(path []any, id string, ids map[string]string) {
	where := pathString(path)
	switch {
	case id == "":
		v.add(at(path, "id"), "required: want an id unique in the plan")
	case ids[id] != "":
		v.add(at(path, "id"), "duplicate id %q (first used at %s)", id, ids[id])
	default:
		ids[id] = where
	}
}

func (v *validator) targets(areas map[string]bool, ids map[string]string) {
	p := v.p
	for i, t := range p.Targets {
		path := []any{"targets", i}
		v.itemID(path, t.ID, ids)
		if t.Text == "" {
			v.add(at(path, "text"), "required: want the target as the plan states it")
		}
		if !areas[t.Area] {
			v.add(at(path, "area"), "unknown area %q", t.Area)
		}
		v.measure(path, t.Metric, t.Comparator, t.Value != nil, t.Unit)
		if t.Year == 0 || (!p.Start.IsZero() && (t.Year < p.Start.Year || t.Year > p.End.Year)) {
			v.add(at(path, "year"), "year %d is outside the plan period %d–%d", t.Year, p.Start.Year, p.End.Year)
		}
		v.firmness(at(path, "firmness"), t.Firmness)
		if t.Among < 0 {
			v.add(at(path, "among"), "among must be positive")
		}
	}
}

func (v *validator) sections() map[int]bool {
	known := map[int]bool{}
	for i, s := range v.p.Sections {
		path := []any{"sections", i}
		if s.Number <= 0 {
			v.add(at(path, "number"), "want a positive section number")
		} else if known[s.Number] {
			v.add(at(path, "number"), "duplicate section number %d", s.Number)
		}
		known[s.Number] = true
		if s.Title == "" {
			v.add(at(path, "title"), "required: want the section title")
		}
	}
	return known
}

func (v *validator) deptRefs(path []any, key string, ids []string, depts map[string]bool) {
	for j, d := range ids {
		if !depts[d] {
			v.add(at(path, key, j), "unknown department %q: want an id under departments", d)
		}
	}
}

func (v *validator) areaRefs(path []any, key string, codes []string, areas map[string]bool) {
	for j, c := range codes {
		if !areas[c] {
			v.add(at(path, key, j), "unknown area %q", c)
		}
	}
}

func (v *validator) tasks(areas, depts map[string]bool, sections map[int]bool, ids map[string]string) {
	numbers := map[int]bool{}
	for i, t := range v.p.Tasks {
		path := []any{"tasks", i}
		if t.Number <= 0 {
			v.add(at(path, "number"), "want a positive task number")
		} else if numbers[t.Number] {
			v.add(at(path, "number"), "duplicate task number %d", t.Number)
		}
		numbers[t.Number] = true
		if !sections[t.Section] {
			v.add(at(path, "section"), "unknown section %d: want a number under sections", t.Section)
		}
		if t.Title == "" {
			v.add(at(path, "title"), "required: want the task title")
		}
		if t.Text == "" {
			v.add(at(path, "text"), "required: want the full text of the task")
		}
		if len(t.Lead) == 0 {
			v.add(at(path, "lead"), "required: want at least one lead department (牵头, or the departments of 按职责分工负责)")
		}
		v.deptRefs(path, "lead", t.Lead, depts)
		v.deptRefs(path, "cooperate", t.Cooperate, depts)
		for j, c := range t.Cooperate {
			for _, l := range t.Lead {
				if c == l {
					v.add(at(path, "cooperate", j), "department %q both leads and cooperates", c)
				}
			}
		}
		if t.SharedByRemit && len(t.Cooperate) > 0 {
			v.add(at(path, "cooperate"), "a task shared by remit (按职责分工负责) has no cooperating departments")
		}
		v.responsibility(path, t)
		v.areaRefs(path, "areas", t.Areas, areas)
		for j, d := range t.Duties {
			if !depts[d.Department] {
				v.add(at(path, "duties", j, "department"), "unknown department %q", d.Department)
			}
			if d.Text == "" {
				v.add(at(path, "duties", j, "text"), "required: want the duty as written")
			}
		}
		for j, m := range t.Milestones {
			mp := at(path, "milestones", j)
			v.itemID(mp, m.ID, ids)
			if m.Text == "" {
				v.add(at(mp, "text"), "required: want what is to be delivered")
			}
			if m.Due.IsZero() {
				v.add(at(mp, "due"), "required: want the deadline YYYY-MM-DD")
			} else {
				v.inPeriod(at(mp, "due"), m.Due)
			}
			if m.DueText == "" {
				v.add(at(mp, "due_text"), "required: want the deadline as written (2024年年底前)")
			}
			v.firmness(at(mp, "firmness"), m.Firmness)
			v.recurrence(at(mp, "recurrence"), m.Recurrence)
			v.areaRefs(mp, "areas", m.Areas, areas)
			v.deptRefs(mp, "owners", m.Owners, depts)
		}
		for j, in := range t.Indicators {
			ip := at(path, "indicators", j)
			v.itemID(ip, in.ID, ids)
			if in.Text == "" {
				v.add(at(ip, "text"), "required: want the indicator as written")
			}
			v.measure(ip, in.Metric, in.Comparator, true, in.Unit)
			if in.Role != Goal && in.Role != Threshold {
				v.add(at(ip, "role"), "unknown role %q: want goal or threshold", in.Role)
			}
			if strings.HasSuffix(in.Comparator, "_by") && in.Baseline == nil {
				v.add(at(ip, "baseline"), "comparator %q needs a baseline", in.Comparator)
			}
			if in.Baseline != nil && (in.Baseline.Year <= 0 || (!v.p.End.IsZero() && in.Baseline.Year > v.p.End.Year)) {
				v.add(at(ip, "baseline", "year"), "want a baseline year not after the plan ends")
			}
			if !in.Deadline.IsZero() {
				v.inPeriod(at(ip, "deadline"), in.Deadline)
			}
			v.firmness(at(ip, "firmness"), in.Firmness)
			v.recurrence(at(ip, "recurrence"), in.Recurrence)
			if in.Area != "" && !areas[in.Area] {
				v.add(at(ip, "area"), "unknown area %q", in.Area)
			}
		}
	}
}

// responsibility cross-checks the structured responsibility of a task
// against the clause as written, when the plan gives it: every listed
// department must be named in the clause, and 按职责分工负责 must match the
// shared_by_remit flag.
func (v *validator) responsibility(path []any, t Task) {
	if t.Responsibility == "" {
		return
	}
	check := func(key string, ids []string) {
		for j, id := range ids {
			d := v.p.Department(id)
			if d == nil {
				continue // reported as an unknown department
			}
			named := false
			for _, s := range d.Short {
				named = named || strings.Contains(t.Responsibility, s)
			}
			if !named {
				v.add(at(path, key, j), "department %q is not named in the responsibility clause %q (short names: %s)", id, t.Responsibility, strings.Join(d.Short, "、"))
			}
		}
	}
	check("lead", t.Lead)
	check("cooperate", t.Cooperate)
	if shared := strings.Contains(t.Responsibility, "按职责分工负责"); shared != t.SharedByRemit {
		v.add(at(path, "shared_by_remit"), "shared_by_remit is %v but the responsibility clause %s 按职责分工负责", t.SharedByRemit, map[bool]string{true: "says", false: "does not say"}[shared])
	}
}

func (v *validator) measures() {
	seen := map[int]bool{}
	for i, m := range v.p.Measures {
		path := []any{"measures", i}
		if m.Number <= 0 || seen[m.Number] {
			v.add(at(path, "number"), "want a unique positive measure number, got %d", m.Number)
		}
		seen[m.Number] = true
		if m.Title == "" || m.Text == "" {
			v.add(path, "required: want title and text")
		}
	}
}
