package main

import (
	"flag"
	"fmt"
	"path/filepath"
	"sort"

	"github.com/lantian-aq/lantian"
	"github.com/lantian-aq/lantian/demo"
	"github.com/lantian-aq/lantian/plan"
)

// planFlags choose the action plans lantian serve carries: the plan files
// built into the binary, or a directory of the city's own plan files, so
// that a new or amended plan is loaded without rebuilding.
type planFlags struct {
	dir *string
}

func registerPlanFlags(fs *flag.FlagSet) *planFlags {
	return &planFlags{dir: fs.String("plans", "", "directory of plan files (*.yaml, see plan/FORMAT.md) to serve instead of the built-in plans; each is validated as 'lantian plan check' does")}
}

// load returns the plans, in file-name order; a plan that does not pass
// validation stops the server with the file, line and field at fault.
func (pf *planFlags) load() ([]*plan.Plan, error) {
	if *pf.dir == "" {
		return demo.Plans(lantian.DemoFS)
	}
	names, err := filepath.Glob(filepath.Join(*pf.dir, "*.yaml"))
	if err != nil {
		return nil, fmt.Errorf("--plans %s: %w", *pf.dir, err)
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("--plans %s: no plan files (*.yaml) in the directory", *pf.dir)
	}
	sort.Strings(names)
	var out []*plan.Plan
	seen := map[string]string{}
	for _, n := range names {
		p, err := plan.LoadFile(n)
		if err != nil {
			return nil, err
		}
		if prev, dup := seen[p.ID]; dup {
			return nil, fmt.Errorf("--plans: %s and %s both have id %q; plan ids must be unique", prev, n, p.ID)
		}
		seen[p.ID] = n
		out = append(out, p)
	}
	return out, nil
}
