// Package plans carries the plan files of the repository inside the binary,
// so that a fresh installation starts with the Nanyang 2024–2025 plan (and
// the fictional example) without any files beside it.
package plans

import (
	"bytes"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"sort"

	"github.com/lantian-aq/lantian/plan"
)

// FS holds the plan files (*.yaml) of this directory.
//
//go:embed *.yaml
var FS embed.FS

// Seed is the file name of the seed plan (宛政办〔2024〕3号).
const Seed = "nanyang-2024-2025.yaml"

// Names returns the names of the embedded plan files, sorted.
func Names() []string {
	names, _ := fs.Glob(FS, "*.yaml")
	sort.Strings(names)
	return names
}

// Load loads and validates one embedded plan file.
func Load(name string) (*plan.Plan, error) {
	b, err := FS.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("plans: %w", err)
	}
	return plan.LoadNamed(bytes.NewReader(b), "plans/"+path.Base(name))
}

// All loads every embedded plan, in file-name order.
func All() ([]*plan.Plan, error) {
	var out []*plan.Plan
	for _, n := range Names() {
		p, err := Load(n)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}
