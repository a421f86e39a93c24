package web

import (
	"encoding/json"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/lantian-aq/lantian/auth"
)

// TestOpenAPIMatchesRoutes checks that every route the router serves,
// the account, token and audit routes of package auth included, is
// documented in the served OpenAPI document, that the document describes
// no route the server lacks, and that exactly the public routes are marked
// "security: []". The server without accounts is checked against its own
// route table.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	authServer(t)
	t.Run("with accounts", func(t *testing.T) {
		checkOpenAPI(t, authSrv.openapi, authSrv.router.Routes(), true)
	})
	t.Run("without accounts", func(t *testing.T) {
		checkOpenAPI(t, testSrv.openapi, tableRoutes(testSrv.routes()), false)
	})
}

func checkOpenAPI(t *testing.T, body []byte, routes []auth.Route, withAuth bool) {
	var doc struct {
		OpenAPI  string                    `json:"openapi"`
		Security []any                     `json:"security"`
		Paths    map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi version %q, want 3.x", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for p, ops := range doc.Paths {
		for m := range ops {
			if m == "parameters" {
				continue
			}
			documented[strings.ToUpper(m)+" "+p] = true
		}
	}
	served := map[string]bool{}
	for _, rt := range routes {
		p, m := openAPIPath(rt)
		k := strings.ToUpper(m) + " " + p
		served[k] = true
		op, _ := doc.Paths[p][m].(map[string]any)
		if op == nil {
			continue // reported as missing below
		}
		sec, marked := op["security"].([]any)
		switch public := rt.Rule.IsPublic(); {
		case public && (!marked || len(sec) != 0):
			t.Errorf("%s is public but its operation is not marked security: []", k)
		case !public && marked && len(sec) == 0:
			t.Errorf("%s needs a user (%s) but its operation is marked security: []", k, rt.Rule)
		}
	}
	if withAuth && len(doc.Security) == 0 {
		t.Errorf("the document has no default security requirement")
	}
	var missing, extra []string
	for k := range served {
		if !documented[k] {
			missing = append(missing, k)
		}
	}
	for k := range documented {
		if !served[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	for _, k := range missing {
		t.Errorf("route %s is not in web/openapi.yaml", k)
	}
	for _, k := range extra {
		t.Errorf("web/openapi.yaml documents %s, which the route table lacks", k)
	}
	// Path parameters are declared, on the operation or on its path, by
	// name or by a reference to components/parameters.
	var full struct {
		Paths      map[string]map[string]json.RawMessage `json:"paths"`
		Components struct {
			Parameters map[string]struct {
				Name string `json:"name"`
			} `json:"parameters"`
		} `json:"components"`
	}
	if err := json.Unmarshal(body, &full); err != nil {
		t.Fatal(err)
	}
	declared := func(raw json.RawMessage) []string {
		var ps []map[string]any
		_ = json.Unmarshal(raw, &ps)
		var names []string
		for _, prm := range ps {
			if n, ok := prm["name"].(string); ok {
				names = append(names, n)
			}
			if ref, ok := prm["$ref"].(string); ok {
				names = append(names, full.Components.Parameters[strings.TrimPrefix(ref, "#/components/parameters/")].Name)
			}
		}
		return names
	}
	param := regexp.MustCompile(`\{(\w+)\}`)
	for p, ops := range full.Paths {
		pathLevel := declared(ops["parameters"])
		for m, raw := range ops {
			if m == "parameters" {
				continue
			}
			var op struct {
				Parameters json.RawMessage `json:"parameters"`
			}
			_ = json.Unmarshal(raw, &op)
			names := append(declared(op.Parameters), pathLevel...)
			for _, name := range param.FindAllStringSubmatch(p, -1) {
				if !slices.Contains(names, name[1]) {
					t.Errorf("%s %s: path parameter %s is not declared", m, p, name[1])
				}
			}
		}
	}
}
