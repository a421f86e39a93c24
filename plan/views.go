package plan

import (
	"fmt"
	"slices"
	"sort"
)

// Counts counts items per status.
type Counts map[Status]int

func (c Counts) add(s Status) { c[s]++ }

// SectionView is one section of the plan with its tasks.
type SectionView struct {
	Section Section      `json:"section"`
	Tasks   []TaskStatus `json:"tasks"`
	Counts  Counts       `json:"counts"` // tasks per status
}

// BySection groups the evaluated tasks by their section, in section order.
func (e *Evaluation) BySection() []SectionView {
	var out []SectionView
	for _, s := range e.Plan.Sections {
		v := SectionView{Section: s, Counts: Counts{}}
		for _, t := range e.Tasks {
			if t.Section == s.Number {
				v.Tasks = append(v.Tasks, t)
				v.Counts.add(t.Status)
			}
		}
		if len(v.Tasks) > 0 {
			out = append(out, v)
		}
	}
	return out
}

// DeptRole is how a department stands to a task.
type DeptRole string

// Department roles.
const (
	RoleLead      DeptRole = "lead"      // 牵头
	RoleShared    DeptRole = "shared"    // 按职责分工负责
	RoleCooperate DeptRole = "cooperate" // 配合
	RoleDuty      DeptRole = "duty"      // a duty the text names for it
)

// Label returns the Chinese label of a role.
func (r DeptRole) Label() string {
	switch r {
	case RoleLead:
		return "牵头"
	case RoleShared:
		return "按职责分工负责"
	case RoleCooperate:
		return "配合"
	case RoleDuty:
		return "专项职责"
	}
	return string(r)
}

// Obligation is one item a department owes, with its role and deadline.
type Obligation struct {
	Task  int        `json:"task"`
	Title string     `json:"title"`
	Role  DeptRole   `json:"role"`
	Duty  string     `json:"duty,omitempty"` // the duty text, for RoleDuty
	Item  ItemStatus `json:"item"`
}

// DepartmentView is what one department owes and by when.
type DepartmentView struct {
	Department  Department   `json:"department"`
	Obligations []Obligation `json:"obligations"` // by deadline, then task
}

func roleOf(t *Task, dept string) (DeptRole, bool) {
	switch {
	case slices.Contains(t.Lead, dept) && t.SharedByRemit:
		return RoleShared, true
	case slices.Contains(t.Lead, dept):
		return RoleLead, true
	case slices.Contains(t.Cooperate, dept):
		return RoleCooperate, true
	}
	return "", false
}

// ByDepartment lists, for every department of the plan, the items of the
// tasks it leads, shares or cooperates on, and the duties the text names
// for it, ordered by deadline.
func (e *Evaluation) ByDepartment() []DepartmentView {
	var out []DepartmentView
	for _, d := range e.Plan.Departments {
		v := DepartmentView{Department: d}
		for _, ts := range e.Tasks {
			t := e.Plan.Task(ts.Number)
			role, ok := roleOf(t, d.ID)
			for _, duty := range t.Duties {
				if duty.Department == d.ID {
					// A duty has no date of its own: it runs with the task.
					v.Obligations = append(v.Obligations, Obligation{Task: t.Number, Title: t.Title, Role: RoleDuty, Duty: duty.Text,
						Item: ItemStatus{Task: t.Number, Kind: KindTask, Text: duty.Text, Due: e.Plan.End, DueText: "方案期内",
							Status: ts.Status, Owners: []string{d.ID}, DaysLeft: e.AsOf.DaysUntil(e.Plan.End)}})
				}
			}
			if !ok {
				continue
			}
			for _, it := range ts.Items {
				v.Obligations = append(v.Obligations, Obligation{Task: t.Number, Title: t.Title, Role: role, Item: it})
			}
		}
		sort.SliceStable(v.Obligations, func(i, j int) bool {
			a, b := v.Obligations[i], v.Obligations[j]
			if a.Item.Due != b.Item.Due {
				return a.Item.Due.Before(b.Item.Due)
			}
			return a.Task < b.Task
		})
		if len(v.Obligations) > 0 {
			out = append(out, v)
		}
	}
	return out
}

// Scorecard summarises the items one department leads or one area carries
// out.
type Scorecard struct {
	Unit   string `json:"unit"` // department id or area code
	Name   string `json:"name"`
	Items  int    `json:"items"`
	Counts Counts `json:"counts"`
	// DueSoFar counts the occurrences that have fallen due; OnTime those
	// of them done on time (a recurring item contributes one per period).
	DueSoFar int `json:"due_so_far"`
	OnTime   int `json:"on_time"`
}

// OnTimeRate renders OnTime/DueSoFar as a percentage with one decimal, or
// "—" when nothing has fallen due yet.
func (s Scorecard) OnTimeRate() string {
	if s.DueSoFar == 0 {
		return "—"
	}
	tenths := (s.OnTime*1000 + s.DueSoFar/2) / s.DueSoFar
	return fmt.Sprintf("%d.%d%%", tenths/10, tenths%10)
}

func (s *Scorecard) add(it ItemStatus, asOf Date) {
	s.Items++
	s.Counts.add(it.Status)
	due, on := it.OnTimeCount(asOf)
	s.DueSoFar += due
	s.OnTime += on
}

// DepartmentScorecards scores each department on the items of the tasks it
// leads or shares by remit (cooperating departments are not scored: the
// lead answers for the task).
func (e *Evaluation) DepartmentScorecards() []Scorecard {
	var out []Scorecard
	for _, d := range e.Plan.Departments {
		sc := Scorecard{Unit: d.ID, Name: e.Plan.DepartmentName(d.ID), Counts: Counts{}}
		for _, ts := range e.Tasks {
			if !slices.Contains(ts.Lead, d.ID) {
				continue
			}
			for _, it := range ts.Items {
				sc.add(it, e.AsOf)
			}
		}
		if sc.Items > 0 {
			out = append(out, sc)
		}
	}
	return out
}

// Scorecard scores an area evaluation (EvaluateArea) over all its items.
func (e *Evaluation) Scorecard() Scorecard {
	sc := Scorecard{Unit: e.Area, Name: e.Plan.AreaName(e.Area), Counts: Counts{}}
	if e.Area == "" {
		sc.Unit, sc.Name = e.Plan.Area, e.Plan.AreaName(e.Plan.Area)
	}
	for _, ts := range e.Tasks {
		for _, it := range ts.Items {
			sc.add(it, e.AsOf)
		}
	}
	return sc
}

// AreaView is one implementing area's share of the plan.
type AreaView struct {
	Area       Area        `json:"area"`
	Evaluation *Evaluation `json:"evaluation"`
	Scorecard  Scorecard   `json:"scorecard"`
}

// ByArea evaluates the plan for every implementing area (the plan's
// implementers and any area a task or milestone names), each on its own
// reports, in the order the plan lists its areas.
func ByArea(p *Plan, reports []Report, asOf Date, cfg Config) []AreaView {
	involved := map[string]bool{}
	for _, c := range p.Implementers.Areas {
		involved[c] = true
	}
	for _, t := range p.Tasks {
		for _, c := range t.Areas {
			involved[c] = true
		}
		for _, m := range t.Milestones {
			for _, c := range m.Areas {
				involved[c] = true
			}
		}
	}
	var out []AreaView
	for _, a := range p.Areas {
		if !involved[a.Code] {
			continue
		}
		ev := EvaluateArea(p, reports, a.Code, asOf, cfg)
		out = append(out, AreaView{Area: a, Evaluation: ev, Scorecard: ev.Scorecard()})
	}
	return out
}
