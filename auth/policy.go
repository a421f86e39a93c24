package auth

import (
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/lantian-aq/lantian"
)

// Action is what a request does to a resource.
type Action string

// Actions. Routes declare one each; a GET route can only declare Read.
const (
	Read   Action = "read"
	Create Action = "create"
	Update Action = "update"
	Delete Action = "delete"
)

// Kind is a kind of resource the policy speaks about.
type Kind string

// Resource kinds. Each route of the API touches exactly one.
const (
	KindArea        Kind = "area"        // administrative areas
	KindStation     Kind = "station"     // monitoring stations
	KindObservation Kind = "observation" // hourly observations, their revisions and imports
	KindAirQuality  Kind = "airquality"  // derived statistics: AQI, daily/period stats, assessments, rankings, targets status
	KindDust        Kind = "dust"        // dust-day flags (扣沙)
	KindDevice      Kind = "device"      // the HJ 212 device registry (device numbers and passwords)
	KindPlan        Kind = "plan"        // plans, tasks, targets and milestones as data
	KindProgress    Kind = "progress"    // progress reports on tasks and indicators (the ledger)
	KindCase        Kind = "case"        // hotspot cases: 发现交办 → 整改反馈 → 复核督办 → 约谈问责
	KindReport      Kind = "report"      // area reports and bulletins (自查/整改报告, 通报)
	KindWarning     Kind = "warning"     // heavy-pollution warnings (预警)
	KindUser        Kind = "user"        // accounts
	KindPassword    Kind = "password"    // an account's password
	KindToken       Kind = "token"       // API tokens
	KindAudit       Kind = "audit"       // the audit log
)

// Grant says on which objects a role may perform an action.
type Grant uint8

// Grants, from none to all.
const (
	// Deny is the zero Grant: the role may not perform the action.
	Deny Grant = iota
	// Any object.
	Any
	// OwnArea: objects of one of the user's areas (Resource.Areas meets
	// User.Areas).
	OwnArea
	// OwnDepartment: objects one of the user's departments answers for
	// (Resource.Departments meets User.Departments).
	OwnDepartment
	// Self: objects the user owns (Resource.Owner is the user).
	Self
)

// String returns the grant as the policy table prints it.
func (g Grant) String() string {
	switch g {
	case Deny:
		return "-"
	case Any:
		return "all"
	case OwnArea:
		return "own area"
	case OwnDepartment:
		return "own dept"
	case Self:
		return "self"
	}
	return fmt.Sprintf("Grant(%d)", uint8(g))
}

// Resource is the object of an authorisation decision: its kind and the
// attributes scoped grants look at.
type Resource struct {
	Kind Kind
	ID   string
	// Areas are the area the object belongs to followed by its enclosing
	// areas (a township case: township, county, city). Empty for objects of
	// no particular area.
	Areas []string
	// Departments are the departments answering for the object (a task's
	// lead and cooperating departments).
	Departments []string
	// Owner is the user the object belongs to (a token's user, the user
	// itself); 0 for none.
	Owner int64
}

type roleGrants map[lantian.Role]Grant

const (
	admin      = lantian.RoleAdmin
	analyst    = lantian.RoleAnalyst
	leader     = lantian.RoleLeader
	commission = lantian.RoleCommission
	county     = lantian.RoleCounty
	department = lantian.RoleDepartment
	viewer     = lantian.RoleViewer
	machine    = lantian.RoleMachine
)

// people are the human roles, who all read the platform's data.
var people = []lantian.Role{admin, analyst, leader, commission, county, department, viewer}

func grants(g Grant, roles ...lantian.Role) roleGrants {
	m := roleGrants{}
	for _, r := range roles {
		m[r] = g
	}
	return m
}

func (m roleGrants) with(r lantian.Role, g Grant) roleGrants {
	n := maps.Clone(m)
	n[r] = g
	return n
}

// policy is THE authorisation table: for every resource kind and action,
// which role may act on which objects. Nothing else in the platform
// decides who may do what; routes name a (kind, action) pair and handlers
// of object-scoped routes ask Authorize with the object's attributes.
// A (kind, action) pair missing here is denied to everyone.
var policy = map[Kind]map[Action]roleGrants{
	KindArea: {
		Read:   grants(Any, people...).with(machine, Any),
		Create: grants(Any, admin),
		Update: grants(Any, admin),
		Delete: grants(Any, admin),
	},
	KindStation: {
		Read:   grants(Any, people...).with(machine, Any),
		Create: grants(Any, admin, analyst),
		Update: grants(Any, admin, analyst),
		Delete: grants(Any, admin),
	},
	KindObservation: {
		Read: grants(Any, people...).with(machine, Any),
		// Data pushers write hours; review (审核) revises them.
		Create: grants(Any, admin, analyst, machine),
		Update: grants(Any, admin, analyst),
	},
	KindAirQuality: {
		// A county officer reads the whole city's air quality.
		Read: grants(Any, people...).with(machine, Any),
	},
	KindDust: {
		Read:   grants(Any, people...),
		Create: grants(Any, admin, analyst),
		Update: grants(Any, admin, analyst),
		Delete: grants(Any, admin, analyst),
	},
	KindDevice: {
		// Device passwords: not for every reader.
		Read:   grants(Any, admin, analyst, machine),
		Create: grants(Any, admin, machine),
		Update: grants(Any, admin, machine),
		Delete: grants(Any, admin),
	},
	KindPlan: {
		Read:   grants(Any, people...).with(machine, Any),
		Create: grants(Any, admin, commission),
		Update: grants(Any, admin, commission),
		Delete: grants(Any, admin),
	},
	KindProgress: {
		Read: grants(Any, people...),
		// A department reports only on its own tasks, a county only for
		// its own areas; the commission office reports on anyone's behalf.
		Create: grants(Any, admin, commission).with(department, OwnDepartment).with(county, OwnArea),
		// Reports are kept, never edited by their authors: a correction is
		// a new report. The commission office annotates (审核) them.
		Update: grants(Any, admin, commission),
	},
	KindCase: {
		Read: grants(Any, people...),
		// 发现交办: the bureau and the commission office open cases.
		Create: grants(Any, admin, analyst, commission),
		// 整改反馈 by the county of the case; 复核督办, 约谈问责 by the
		// bureau, its leaders and the commission office.
		Update: grants(Any, admin, analyst, leader, commission).with(county, OwnArea),
		Delete: grants(Any, admin),
	},
	KindReport: {
		Read:   grants(Any, people...),
		Create: grants(Any, admin, analyst, commission).with(county, OwnArea),
		Update: grants(Any, admin, analyst, commission).with(county, OwnArea),
		Delete: grants(Any, admin),
	},
	KindWarning: {
		Read:   grants(Any, people...).with(machine, Any),
		Create: grants(Any, admin, analyst, leader),
		Update: grants(Any, admin, analyst, leader),
		Delete: grants(Any, admin),
	},
	KindUser: {
		Read:   grants(Self, people...).with(admin, Any),
		Create: grants(Any, admin),
		Update: grants(Any, admin),
	},
	KindPassword: {
		// Changing one's own password is account hygiene, not a change to
		// the platform's data; a viewer may do it too.
		Update: grants(Self, people...).with(admin, Any),
	},
	KindToken: {
		Read:   grants(Self, admin, analyst, leader, commission, county, department).with(admin, Any),
		Create: grants(Self, admin, analyst, leader, commission, county, department).with(admin, Any),
		Delete: grants(Self, admin, analyst, leader, commission, county, department).with(admin, Any),
	},
	KindAudit: {
		// Accountability (约谈问责) rests on it: the leaders and the
		// commission office read it. Nobody writes it but the platform.
		Read: grants(Any, admin, leader, commission),
	},
}

// Kinds returns every resource kind of the policy, sorted.
func Kinds() []Kind {
	ks := make([]Kind, 0, len(policy))
	for k := range policy {
		ks = append(ks, k)
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i] < ks[j] })
	return ks
}

// Actions returns every action in table order.
func Actions() []Action { return []Action{Read, Create, Update, Delete} }

// GrantFor returns the role's grant for the action on the kind.
func GrantFor(role lantian.Role, k Kind, a Action) Grant { return policy[k][a][role] }

// Permits reports whether the role may perform the action on at least some
// objects of the kind: the route-level half of a decision whose object-level
// half Authorize makes.
func Permits(role lantian.Role, k Kind, a Action) bool { return GrantFor(role, k, a) != Deny }

// Authorize decides whether the principal may perform the action on the
// resource. It returns nil, or an *lantian.Error with code EUNAUTHENTICATED
// (no principal) or EFORBIDDEN. A token principal needs both its user's
// grant and a token scope covering the action.
func Authorize(p *Principal, a Action, r Resource) error {
	if p == nil {
		return lantian.Errorf(lantian.EUNAUTHENTICATED, "sign in or present an API token")
	}
	if _, ok := policy[r.Kind]; !ok {
		return lantian.Errorf(lantian.EFORBIDDEN, "unknown resource kind %q", r.Kind)
	}
	if p.User.Disabled {
		return lantian.Errorf(lantian.EFORBIDDEN, "account %s is disabled", p.User.Login)
	}
	g := GrantFor(p.User.Role, r.Kind, a)
	ok := false
	switch g {
	case Any:
		ok = true
	case OwnArea:
		ok = intersects(r.Areas, p.User.Areas)
	case OwnDepartment:
		ok = intersects(r.Departments, p.User.Departments)
	case Self:
		ok = r.Owner != 0 && r.Owner == p.User.ID
	}
	if !ok {
		return forbidden(p, a, r, g)
	}
	if p.Token != nil && !ScopeAllows(p.Token.Scopes, r.Kind, a) {
		return lantian.Errorf(lantian.EFORBIDDEN, "API token %s has no scope for %s on %s (needs %s)", p.Token.Prefix, a, r.Kind, NeededScope(r.Kind, a))
	}
	return nil
}

func forbidden(p *Principal, a Action, r Resource, g Grant) error {
	role := p.User.Role.Label()
	switch g {
	case OwnArea:
		return lantian.Errorf(lantian.EFORBIDDEN, "%s %s may %s %s only in its own areas (%s)", role, p.User.Login, a, r.Kind, strings.Join(p.User.Areas, ", "))
	case OwnDepartment:
		return lantian.Errorf(lantian.EFORBIDDEN, "%s %s may %s %s only for its own departments (%s)", role, p.User.Login, a, r.Kind, strings.Join(p.User.Departments, ", "))
	case Self:
		return lantian.Errorf(lantian.EFORBIDDEN, "%s %s may %s only its own %s", role, p.User.Login, a, r.Kind)
	}
	return lantian.Errorf(lantian.EFORBIDDEN, "%s %s may not %s %s", role, p.User.Login, a, r.Kind)
}

func intersects(a, b []string) bool {
	for _, x := range a {
		if x != "" && slices.Contains(b, x) {
			return true
		}
	}
	return false
}

// NeededScope returns the token scope that covers the action on the kind.
func NeededScope(k Kind, a Action) lantian.Scope {
	if a == Read {
		return lantian.Scope(string(k) + ":read")
	}
	return lantian.Scope(string(k) + ":write")
}

// ScopeAllows reports whether the scopes cover the action on the kind:
// "<kind>:read" or "*:read" for reads, "<kind>:write" for the rest (a
// write scope covers reading the same kind).
func ScopeAllows(scopes []lantian.Scope, k Kind, a Action) bool {
	for _, s := range scopes {
		switch {
		case s == NeededScope(k, a):
			return true
		case a == Read && (s == "*:read" || s == NeededScope(k, Create)):
			return true
		}
	}
	return false
}

// ValidScope checks a scope's syntax and kind.
func ValidScope(s lantian.Scope) error {
	kind, access, ok := strings.Cut(string(s), ":")
	if ok && kind == "*" && access == "read" {
		return nil
	}
	if !ok || (access != "read" && access != "write") {
		return lantian.Errorf(lantian.EINVALID, "scope %q: expected <kind>:read, <kind>:write or *:read", s)
	}
	if _, known := policy[Kind(kind)]; !known {
		return lantian.Errorf(lantian.EINVALID, "scope %q: unknown kind %q (known: %s)", s, kind, kindList())
	}
	return nil
}

func kindList() string {
	var b strings.Builder
	for i, k := range Kinds() {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(string(k))
	}
	return b.String()
}

// PolicyRow is one line of the policy table as documentation shows it.
type PolicyRow struct {
	Kind   Kind                    `json:"kind"`
	Action Action                  `json:"action"`
	Grants map[lantian.Role]string `json:"grants"`
}

// PolicyTable returns the policy as rows sorted by kind and action, for the
// API and documentation.
func PolicyTable() []PolicyRow {
	var rows []PolicyRow
	for _, k := range Kinds() {
		for _, a := range Actions() {
			rg, ok := policy[k][a]
			if !ok {
				continue
			}
			row := PolicyRow{Kind: k, Action: a, Grants: map[lantian.Role]string{}}
			for _, r := range lantian.Roles() {
				if g := rg[r]; g != Deny {
					row.Grants[r] = g.String()
				}
			}
			rows = append(rows, row)
		}
	}
	return rows
}

// FormatPolicy renders the policy as a Markdown table, one row per (kind,
// action), one column per role.
func FormatPolicy() string {
	var b strings.Builder
	roles := lantian.Roles()
	b.WriteString("| kind | action |")
	for _, r := range roles {
		fmt.Fprintf(&b, " %s |", r)
	}
	b.WriteString("\n|---|---|")
	for range roles {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	for _, row := range PolicyTable() {
		fmt.Fprintf(&b, "| %s | %s |", row.Kind, row.Action)
		for _, r := range roles {
			g := row.Grants[r]
			if g == "" {
				g = "-"
			}
			fmt.Fprintf(&b, " %s |", g)
		}
		b.WriteString("\n")
	}
	return b.String()
}
