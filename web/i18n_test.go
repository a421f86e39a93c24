package web

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestCatalogueComplete checks that every message key the templates and
// the Go code use exists in the catalogue, and that every entry has both
// languages.
func TestCatalogueComplete(t *testing.T) {
	for k, v := range catalogue {
		if strings.TrimSpace(v[0]) == "" || strings.TrimSpace(v[1]) == "" {
			t.Errorf("catalogue entry %q lacks a translation: %q", k, v)
		}
	}
	used := map[string]string{}
	tmpl := regexp.MustCompile(`\{\{-?\s*t\s+"([^"]+)"`)
	inner := regexp.MustCompile(`\(t\s+"([^"]+)"\)`)
	err := fs.WalkDir(templateFS, "templates", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(templateFS, p)
		if err != nil {
			return err
		}
		for _, re := range []*regexp.Regexp{tmpl, inner} {
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				used[m[1]] = p
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	goKey := regexp.MustCompile(`\btr\("([^"]+)"\)`)
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range goKey.FindAllStringSubmatch(string(b), -1) {
			used[m[1]] = f
		}
	}
	// Keys built at run time: statuses and projection methods.
	for _, st := range []string{"met", "not_met", "on_track", "at_risk", "no_data", "not_computable"} {
		used["status."+st] = "evaluateTarget"
	}
	for _, st := range []string{"annual_mean", "p95", "p90_mda8"} {
		used["stat."+st] = "itemLabel"
	}
	for _, m := range []string{"actual", "persistence", "climatology", "none"} {
		used["method."+m] = "budget.Project"
	}
	// The layout names the signed-in role, the station page the station's
	// kind.
	for _, r := range []string{"admin", "analyst", "leader", "commission", "county", "department", "viewer", "machine"} {
		used["role."+r] = "signedInUser"
	}
	for _, k := range []string{"national", "provincial", "county", "township", "micro", "background"} {
		used["kind."+k] = "templates/detail.html"
	}
	if len(used) < 40 {
		t.Fatalf("found only %d message keys in use; the scan is broken", len(used))
	}
	for k, where := range used {
		if _, ok := catalogue[k]; !ok {
			t.Errorf("%s uses message key %q, which the catalogue lacks", where, k)
		}
	}
}

func TestLanguageSwitch(t *testing.T) {
	tests := []struct {
		name, query, cookie, want string
	}{
		{"default is Chinese", "", "", langZH},
		{"query switches to English", "?lang=en", "", langEN},
		{"cookie remembers English", "", langEN, langEN},
		{"query overrides the cookie", "?lang=zh-CN", langEN, langZH},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := newRequest("/realtime" + tc.query)
			if tc.cookie != "" {
				req.Header.Set("Cookie", "lang="+tc.cookie)
			}
			rec := newRecorder()
			testSrv.ServeHTTP(rec, req)
			body := rec.Body.String()
			if rec.Code != 200 {
				t.Fatalf("status %d: %s", rec.Code, body)
			}
			wantTitle := translator(tc.want)("realtime.title")
			if !strings.Contains(body, wantTitle) {
				t.Errorf("page does not contain %q", wantTitle)
			}
			if !strings.Contains(body, `lang="`+tc.want+`"`) {
				t.Errorf("html lang is not %s", tc.want)
			}
		})
	}
}
