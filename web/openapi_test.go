package web

import (
	"encoding/json"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// TestOpenAPIMatchesRoutes checks that every route of the route table is
// documented in the OpenAPI document and that the document describes no
// route the server lacks.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string                    `json:"openapi"`
		Paths   map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(testSrv.openapi, &doc); err != nil {
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
	for _, rt := range testSrv.routes() {
		k := rt.pattern
		k = strings.Replace(k, "/{$}", "/", 1)
		if strings.HasSuffix(k, "/static/") {
			k += "{file}"
		}
		served[k] = true
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
	// Path parameters in the document are declared.
	param := regexp.MustCompile(`\{(\w+)\}`)
	var raw map[string]map[string]struct {
		Parameters []map[string]any `json:"parameters"`
	}
	b, _ := json.Marshal(doc.Paths)
	_ = json.Unmarshal(b, &raw)
	for p, ops := range raw {
		for m, op := range ops {
			for _, name := range param.FindAllStringSubmatch(p, -1) {
				found := false
				for _, prm := range op.Parameters {
					if prm["name"] == name[1] {
						found = true
					}
					if ref, ok := prm["$ref"].(string); ok && strings.HasSuffix(ref, "/"+name[1]) {
						found = true
					}
				}
				if !found {
					t.Errorf("%s %s: path parameter %s is not declared", m, p, name[1])
				}
			}
		}
	}
}
