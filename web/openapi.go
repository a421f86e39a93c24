package web

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/lantian-aq/lantian/auth"
	"gopkg.in/yaml.v3"
)

// openAPIYAML is the OpenAPI 3 document, written as YAML for legibility
// and served as JSON.
//
//go:embed openapi.yaml
var openAPIYAML []byte

// openAPIJSON builds the served document from web/openapi.yaml. With
// accounts (withAuth) it merges the fragment of package auth (sign-in,
// users, tokens, the audit log), whose security schemes become the
// document's default requirement. Every operation of a route whose rule
// is public is then marked "security: []", so that a client generated from
// the document sends no credentials there and a reader sees at once which
// routes need none.
func openAPIJSON(routes []auth.Route, withAuth bool) ([]byte, error) {
	var doc map[string]any
	if err := yaml.Unmarshal(openAPIYAML, &doc); err != nil {
		return nil, fmt.Errorf("web/openapi.yaml: %w", err)
	}
	if withAuth {
		if err := auth.MergeOpenAPI(doc); err != nil {
			return nil, err
		}
	}
	paths, _ := doc["paths"].(map[string]any)
	for _, rt := range routes {
		if !rt.Rule.IsPublic() {
			continue
		}
		p, m := openAPIPath(rt)
		if item, ok := paths[p].(map[string]any); ok {
			if op, ok := item[m].(map[string]any); ok {
				op["security"] = []any{}
			}
		}
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("web/openapi.yaml: %w", err)
	}
	return b, nil
}

// openAPIPath is the OpenAPI path and lower-case method of a route
// pattern: "GET /{$}" is "/", a subtree "GET /static/" is "/static/{file}".
func openAPIPath(rt auth.Route) (path, method string) {
	path = strings.Replace(rt.Path, "/{$}", "/", 1)
	if strings.HasSuffix(path, "/") && path != "/" {
		path += "{file}"
	}
	return path, strings.ToLower(rt.Method)
}

// tableRoutes are the routes of the table with their rules, for a server
// without accounts (whose document is built before any Router exists).
func tableRoutes(rs []route) []auth.Route {
	out := make([]auth.Route, 0, len(rs))
	for _, rt := range rs {
		method, path, _ := strings.Cut(rt.pattern, " ")
		out = append(out, auth.Route{Pattern: rt.pattern, Method: method, Path: path, Rule: routeRules[rt.pattern]})
	}
	return out
}
