package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestServePlansFlag: --plans serves the plan files of a directory, and a
// bad or ambiguous set stops the server with a message naming the file.
func TestServePlansFlag(t *testing.T) {
	seed, err := os.ReadFile(filepath.Join("..", "..", "plans", "nanyang-2024-2025.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	county, err := os.ReadFile(filepath.Join("..", "..", "plans", "example-county-2025.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		files   map[string][]byte
		wantIDs []string
		wantErr string
	}{
		{"two plans in file-name order", map[string][]byte{"b.yaml": seed, "a.yaml": county}, []string{"example-qingxi-2025", "nanyang-2024-2025"}, ""},
		{"empty directory", map[string][]byte{"notes.txt": []byte("x")}, nil, "no plan files"},
		{"invalid plan", map[string][]byte{"bad.yaml": []byte("format: lantian-plan/1\nid: x\ntasks: [{number: one}]\n")}, nil, "bad.yaml"},
		{"duplicate id", map[string][]byte{"a.yaml": seed, "b.yaml": seed}, nil, "both have id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			for n, b := range c.files {
				if err := os.WriteFile(filepath.Join(dir, n), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			pf := planFlags{dir: &dir}
			ps, err := pf.load()
			if c.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), c.wantErr) {
					t.Fatalf("error %v, want one mentioning %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, p := range ps {
				ids = append(ids, p.ID)
			}
			if strings.Join(ids, " ") != strings.Join(c.wantIDs, " ") {
				t.Errorf("plans %v, want %v", ids, c.wantIDs)
			}
		})
	}
	empty := ""
	if ps, err := (&planFlags{dir: &empty}).load(); err != nil || len(ps) < 2 {
		t.Errorf("without --plans: %d built-in plans, %v", len(ps), err)
	}
}
