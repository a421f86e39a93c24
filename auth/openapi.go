package auth

import (
	_ "embed"
	"fmt"

	"gopkg.in/yaml.v3"
)

// openAPIFragment documents the routes of Register and RegisterPages.
//
//go:embed openapi.yaml
var openAPIFragment []byte

// OpenAPI returns the OpenAPI 3 fragment of the routes this package
// registers: "paths" and "components" (security schemes, schemas,
// responses, parameters), for the server to merge into its document.
func OpenAPI() (map[string]any, error) {
	var doc map[string]any
	if err := yaml.Unmarshal(openAPIFragment, &doc); err != nil {
		return nil, fmt.Errorf("auth/openapi.yaml: %w", err)
	}
	return doc, nil
}

// MergeOpenAPI adds the fragment's paths and components to doc (an OpenAPI
// document decoded into maps), refusing to replace anything doc already
// has, and sets both security schemes as the document's default
// requirement.
func MergeOpenAPI(doc map[string]any) error {
	frag, err := OpenAPI()
	if err != nil {
		return err
	}
	merge := func(dst map[string]any, src map[string]any, where string) error {
		for k, v := range src {
			if _, dup := dst[k]; dup {
				return fmt.Errorf("OpenAPI %s %q defined twice (auth/openapi.yaml and the server's document)", where, k)
			}
			dst[k] = v
		}
		return nil
	}
	sub := func(m map[string]any, key string) map[string]any {
		if x, ok := m[key].(map[string]any); ok {
			return x
		}
		x := map[string]any{}
		m[key] = x
		return x
	}
	if err := merge(sub(doc, "paths"), frag["paths"].(map[string]any), "path"); err != nil {
		return err
	}
	comps := sub(doc, "components")
	for section, v := range frag["components"].(map[string]any) {
		if err := merge(sub(comps, section), v.(map[string]any), "component "+section); err != nil {
			return err
		}
	}
	if _, set := doc["security"]; !set {
		doc["security"] = []any{map[string]any{"session": []any{}}, map[string]any{"token": []any{}}}
	}
	return nil
}
