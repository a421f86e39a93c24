package auth

import (
	"sort"
	"strings"
	"testing"
)

// TestOpenAPIMatchesRoutes keeps auth/openapi.yaml equal to the routes of
// Register and RegisterPages.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	svc, err := New(nil, nil, Config{})
	if err != nil {
		t.Fatal(err)
	}
	rt := svc.NewRouter()
	svc.Register(rt)
	svc.RegisterPages(rt)
	frag, err := OpenAPI()
	if err != nil {
		t.Fatal(err)
	}
	documented := map[string]bool{}
	for p, ops := range frag["paths"].(map[string]any) {
		for m := range ops.(map[string]any) {
			if m != "parameters" {
				documented[strings.ToUpper(m)+" "+p] = true
			}
		}
	}
	served := map[string]bool{}
	for _, r := range rt.Routes() {
		served[r.Pattern] = true
		if !documented[r.Pattern] {
			t.Errorf("route %s is not in auth/openapi.yaml", r.Pattern)
		}
	}
	var extra []string
	for k := range documented {
		if !served[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	for _, k := range extra {
		t.Errorf("auth/openapi.yaml documents %s, which is not registered", k)
	}
}

func TestMergeOpenAPI(t *testing.T) {
	doc := map[string]any{"paths": map[string]any{"/api/v1/areas": map[string]any{}}, "components": map[string]any{"schemas": map[string]any{"Error": map[string]any{}}}}
	if err := MergeOpenAPI(doc); err != nil {
		t.Fatal(err)
	}
	if _, ok := doc["paths"].(map[string]any)["/api/v1/session"]; !ok {
		t.Fatal("session path not merged")
	}
	if _, ok := doc["components"].(map[string]any)["securitySchemes"].(map[string]any)["token"]; !ok {
		t.Fatal("security schemes not merged")
	}
	if err := MergeOpenAPI(doc); err == nil {
		t.Fatal("merging twice did not report the duplicate paths")
	}
}
