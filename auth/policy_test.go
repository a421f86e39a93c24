package auth

import (
	"strings"
	"testing"

	"github.com/lantian-aq/lantian"
)

func person(id int64, role lantian.Role) *Principal {
	p := &Principal{User: lantian.User{ID: id, Login: string(role), Role: role}}
	switch role {
	case lantian.RoleCounty:
		p.User.Areas = []string{"411330"} // 桐柏县
	case lantian.RoleDepartment:
		p.User.Departments = []string{"ecology"} // 市生态环境局
	}
	return p
}

// Objects of the Nanyang demo.
var (
	tongbaiCase   = Resource{Kind: KindCase, ID: "17", Areas: []string{"411330001", "411330", "411300"}}
	xixiaCase     = Resource{Kind: KindCase, ID: "18", Areas: []string{"411323", "411300"}}
	cityCase      = Resource{Kind: KindCase, ID: "19", Areas: []string{"411300"}}
	tongbaiReport = Resource{Kind: KindReport, Areas: []string{"411330", "411300"}}
	xixiaReport   = Resource{Kind: KindReport, Areas: []string{"411323", "411300"}}
	ecologyTask   = Resource{Kind: KindProgress, ID: "task-3", Departments: []string{"ecology", "transport"}}
	industryTask  = Resource{Kind: KindProgress, ID: "task-1", Departments: []string{"industry"}}
	tongbaiTask   = Resource{Kind: KindProgress, ID: "task-1", Departments: []string{"industry"}, Areas: []string{"411330"}}
	xixiaAQ       = Resource{Kind: KindAirQuality, Areas: []string{"411323"}}
)

func TestAuthorizeScenarios(t *testing.T) {
	tests := []struct {
		name   string
		p      *Principal
		action Action
		res    Resource
		want   string // "" allowed, else the error code
	}{
		{"anonymous reads nothing", nil, Read, Resource{Kind: KindAirQuality}, lantian.EUNAUTHENTICATED},
		{"county officer reads another county's air quality", person(5, county), Read, xixiaAQ, ""},
		{"county officer reads another county's cases", person(5, county), Read, xixiaCase, ""},
		{"county officer answers its own township's case", person(5, county), Update, tongbaiCase, ""},
		{"county officer may not change another county's case", person(5, county), Update, xixiaCase, lantian.EFORBIDDEN},
		{"county officer may not change a city-level case", person(5, county), Update, cityCase, lantian.EFORBIDDEN},
		{"county officer may not open cases", person(5, county), Create, tongbaiCase, lantian.EFORBIDDEN},
		{"county officer files its own area's report", person(5, county), Create, tongbaiReport, ""},
		{"county officer may not file another area's report", person(5, county), Create, xixiaReport, lantian.EFORBIDDEN},
		{"county officer reports progress for its county", person(5, county), Create, tongbaiTask, ""},
		{"county officer may not report a task without an area", person(5, county), Create, industryTask, lantian.EFORBIDDEN},
		{"department officer reports on its own task", person(6, department), Create, ecologyTask, ""},
		{"department officer may not report on another's task", person(6, department), Create, industryTask, lantian.EFORBIDDEN},
		{"department officer may not edit a report", person(6, department), Update, ecologyTask, lantian.EFORBIDDEN},
		{"department officer may not change a case", person(6, department), Update, tongbaiCase, lantian.EFORBIDDEN},
		{"commission reports on anyone's task", person(4, commission), Create, industryTask, ""},
		{"commission opens a case", person(4, commission), Create, cityCase, ""},
		{"analyst opens a case", person(2, analyst), Create, cityCase, ""},
		{"leader supervises a case", person(3, leader), Update, xixiaCase, ""},
		{"leader issues a warning", person(3, leader), Create, Resource{Kind: KindWarning}, ""},
		{"commission may not issue a warning", person(4, commission), Create, Resource{Kind: KindWarning}, lantian.EFORBIDDEN},
		{"viewer reads cases", person(7, viewer), Read, xixiaCase, ""},
		{"viewer may not change a case", person(7, viewer), Update, tongbaiCase, lantian.EFORBIDDEN},
		{"viewer may not report progress", person(7, viewer), Create, ecologyTask, lantian.EFORBIDDEN},
		{"viewer may not read the audit log", person(7, viewer), Read, Resource{Kind: KindAudit}, lantian.EFORBIDDEN},
		{"viewer changes its own password", person(7, viewer), Update, Resource{Kind: KindPassword, Owner: 7}, ""},
		{"viewer may not change another's password", person(7, viewer), Update, Resource{Kind: KindPassword, Owner: 1}, lantian.EFORBIDDEN},
		{"viewer may not create a token", person(7, viewer), Create, Resource{Kind: KindToken, Owner: 7}, lantian.EFORBIDDEN},
		{"analyst creates its own token", person(2, analyst), Create, Resource{Kind: KindToken, Owner: 2}, ""},
		{"analyst may not create a token for another", person(2, analyst), Create, Resource{Kind: KindToken, Owner: 8}, lantian.EFORBIDDEN},
		{"admin creates a token for the gateway", person(1, admin), Create, Resource{Kind: KindToken, Owner: 8}, ""},
		{"self grant needs an owner", person(2, analyst), Read, Resource{Kind: KindUser}, lantian.EFORBIDDEN},
		{"analyst reads itself", person(2, analyst), Read, Resource{Kind: KindUser, Owner: 2}, ""},
		{"leader reads the audit log", person(3, leader), Read, Resource{Kind: KindAudit}, ""},
		{"nobody writes the audit log", person(1, admin), Create, Resource{Kind: KindAudit}, lantian.EFORBIDDEN},
		{"nobody deletes a progress report", person(1, admin), Delete, ecologyTask, lantian.EFORBIDDEN},
		{"admin manages users", person(1, admin), Update, Resource{Kind: KindUser, Owner: 5}, ""},
		{"analyst may not manage users", person(2, analyst), Update, Resource{Kind: KindUser, Owner: 2}, lantian.EFORBIDDEN},
		{"machine writes observations", person(8, machine), Create, Resource{Kind: KindObservation}, ""},
		{"machine may not read cases", person(8, machine), Read, cityCase, lantian.EFORBIDDEN},
		{"unknown kind", person(1, admin), Read, Resource{Kind: "secrets"}, lantian.EFORBIDDEN},
		{"disabled admin", func() *Principal { p := person(1, admin); p.User.Disabled = true; return p }(), Read, Resource{Kind: KindAirQuality}, lantian.EFORBIDDEN},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Authorize(tc.p, tc.action, tc.res)
			if got := lantian.ErrorCode(err); got != tc.want {
				t.Fatalf("Authorize = %v (code %q), want code %q", err, got, tc.want)
			}
		})
	}
}

func TestAuthorizeTokenScopes(t *testing.T) {
	gw := person(8, machine)
	tests := []struct {
		name   string
		scopes []lantian.Scope
		action Action
		res    Resource
		ok     bool
	}{
		{"write scope writes", []lantian.Scope{"observation:write"}, Create, Resource{Kind: KindObservation}, true},
		{"write scope reads its kind", []lantian.Scope{"observation:write"}, Read, Resource{Kind: KindObservation}, true},
		{"write scope does not read other kinds", []lantian.Scope{"observation:write"}, Read, Resource{Kind: KindStation}, false},
		{"read-all scope reads", []lantian.Scope{"*:read"}, Read, Resource{Kind: KindStation}, true},
		{"read-all scope does not write", []lantian.Scope{"*:read"}, Create, Resource{Kind: KindObservation}, false},
		{"scope beyond the role grants nothing", []lantian.Scope{"user:write"}, Create, Resource{Kind: KindUser}, false},
		{"no scopes, no access", nil, Read, Resource{Kind: KindStation}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := *gw
			p.Token = &lantian.Token{Prefix: "0123456789", Scopes: tc.scopes}
			if err := Authorize(&p, tc.action, tc.res); (err == nil) != tc.ok {
				t.Fatalf("Authorize = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

// TestPolicyProperties checks what the issue states about roles, over the
// whole table: whatever kinds are added later must keep these.
func TestPolicyProperties(t *testing.T) {
	for _, k := range Kinds() {
		for _, a := range Actions() {
			for _, r := range lantian.Roles() {
				g := GrantFor(r, k, a)
				if g == Deny {
					continue
				}
				switch {
				case r == viewer && a != Read && k != KindPassword:
					t.Errorf("viewer may %s %s: a viewer changes nothing", a, k)
				case r == county && a != Read && g == Any:
					t.Errorf("county officer may %s any %s: changes must be scoped to its areas", a, k)
				case r == department && a != Read && g == Any:
					t.Errorf("department officer may %s any %s: changes must be scoped to its departments", a, k)
				case r == machine && (k == KindUser || k == KindToken || k == KindAudit || k == KindPassword):
					t.Errorf("machine client may %s %s", a, k)
				case k == KindAudit && a != Read:
					t.Errorf("%s may %s the audit log: it is written by the platform only", r, a)
				case g == OwnArea && r != county, g == OwnDepartment && r != department:
					t.Errorf("%s has grant %v on %s %s but is not scoped that way", r, g, a, k)
				}
			}
		}
		if k != KindPassword && GrantFor(admin, k, Read) != Any { // passwords are never read
			t.Errorf("admin may not read every %s", k)
		}
	}
	// A county officer sees the whole city's air quality.
	for _, k := range []Kind{KindArea, KindStation, KindObservation, KindAirQuality, KindPlan, KindCase, KindReport, KindProgress, KindWarning} {
		if GrantFor(county, k, Read) != Any {
			t.Errorf("county officer does not read every %s", k)
		}
	}
}

func TestValidScope(t *testing.T) {
	for _, tc := range []struct {
		s  lantian.Scope
		ok bool
	}{
		{"*:read", true}, {"observation:write", true}, {"device:read", true},
		{"*:write", false}, {"observation", false}, {"observation:delete", false}, {"nuclear:read", false}, {"", false},
	} {
		if err := ValidScope(tc.s); (err == nil) != tc.ok {
			t.Errorf("ValidScope(%q) = %v, want ok=%v", tc.s, err, tc.ok)
		}
	}
}

func TestFormatPolicyListsEveryKind(t *testing.T) {
	out := FormatPolicy()
	for _, k := range Kinds() {
		if !strings.Contains(out, "| "+string(k)+" |") {
			t.Errorf("policy table lacks kind %s", k)
		}
	}
	if !strings.Contains(out, "| case | update | all | all | all | all | own area | - | - | - |") {
		t.Errorf("case/update row wrong:\n%s", out)
	}
}
