package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/lantian-aq/lantian/plan"
)

func init() {
	register(command{name: "plan", summary: "check, show and export action plans (plan check|show|ledger)", run: runPlan})
}

const planUsage = `Usage:
  lantian plan check FILE...                 validate plan files
  lantian plan show FILE [--json]            print a plan (JSON: the loaded plan)
  lantian plan ledger FILE [--reports R.json] [--as-of YYYY-MM-DD] [--area CODE]
                         [--xlsx OUT.xlsx] [--csv] [--targets INPUTS.json]
                                             evaluate the task ledger from a JSON
                                             array of reports and export it`

func runPlan(args []string, stdout, stderr io.Writer) error {
	return dispatch("plan", planUsage, args, stdout, stderr, map[string]subcommand{
		"check":  runPlanCheck,
		"show":   runPlanShow,
		"ledger": runPlanLedger,
	})
}

func runPlanCheck(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("plan check", stderr, "FILE...")
	files, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(files) == 0 {
		fs.Usage()
		return errUsage
	}
	bad := 0
	for _, name := range files {
		p, err := plan.LoadFile(name)
		if err != nil {
			bad++
			fmt.Fprintln(stderr, err)
			continue
		}
		ms, ins := 0, 0
		for _, t := range p.Tasks {
			ms += len(t.Milestones)
			ins += len(t.Indicators)
		}
		fictional := ""
		if p.Fictional {
			fictional = " (fictional)"
		}
		fmt.Fprintf(stdout, "%s: ok: %s %s%s: %d areas, %d departments, %d targets, %d sections, %d tasks, %d milestones, %d indicators, %d measures\n",
			name, p.DocumentNumber, p.ID, fictional, len(p.Areas), len(p.Departments), len(p.Targets), len(p.Sections), len(p.Tasks), ms, ins, len(p.Measures))
	}
	if bad > 0 {
		return &exitError{code: 1, msg: fmt.Sprintf("%d of %d plan files invalid", bad, len(files))}
	}
	return nil
}

func runPlanShow(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("plan show", stderr, "FILE [--json]")
	asJSON := fs.Bool("json", false, "print the loaded plan as JSON")
	files, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		fs.Usage()
		return errUsage
	}
	p, err := plan.LoadFile(files[0])
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(p)
	}
	fmt.Fprintf(stdout, "%s\n%s %s（%s印发，%s至%s）\n\n主要目标\n", p.Title, p.Issuer, p.DocumentNumber, p.Issued, p.Start, p.End)
	for _, t := range p.Targets {
		fmt.Fprintf(stdout, "  %-16s %d %s [%s] %s\n", t.ID, t.Year, p.AreaName(t.Area), t.Firmness.Label(), t.Text)
	}
	for _, s := range p.Sections {
		fmt.Fprintf(stdout, "\n（%d）%s\n", s.Number, s.Title)
		for _, t := range p.Tasks {
			if t.Section != s.Number {
				continue
			}
			lead := ""
			for i, d := range t.Lead {
				if i > 0 {
					lead += "、"
				}
				lead += p.DepartmentName(d)
			}
			fmt.Fprintf(stdout, "  %2d. %s — %s\n", t.Number, t.Title, lead)
			for _, m := range t.Milestones {
				fmt.Fprintf(stdout, "      %s %s %s\n", m.ID, m.DueText, m.Text)
			}
			for _, in := range t.Indicators {
				fmt.Fprintf(stdout, "      %s %s %s\n", in.ID, in.GoalText(), in.Text)
			}
		}
	}
	return nil
}

func runPlanLedger(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("plan ledger", stderr, "FILE [--reports R.json] [--as-of DATE] [--area CODE] [--xlsx OUT] [--csv]")
	reportsFile := fs.String("reports", "", "JSON array of progress reports (default: none)")
	asOf := fs.String("as-of", "", "evaluate as of this date YYYY-MM-DD (default: today, Beijing time)")
	area := fs.String("area", "", "evaluate one implementing area's share (area code)")
	xlsxOut := fs.String("xlsx", "", "write the ledger to this .xlsx file")
	asCSV := fs.Bool("csv", false, "print the ledger table as CSV instead of text")
	atRisk := fs.Int("at-risk-days", 30, "days before a deadline when an item behind schedule is at risk")
	targetsFile := fs.String("targets", "", "JSON array of engine results per area and year (plan.TargetInputs) to evaluate the targets")
	files, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(files) != 1 {
		fs.Usage()
		return errUsage
	}
	p, err := plan.LoadFile(files[0])
	if err != nil {
		return err
	}
	var reports []plan.Report
	if *reportsFile != "" {
		b, err := os.ReadFile(*reportsFile)
		if err != nil {
			return err
		}
		if err := json.Unmarshal(b, &reports); err != nil {
			return fmt.Errorf("%s: %w", *reportsFile, err)
		}
		for i, r := range reports {
			if r.Plan == "" {
				reports[i].Plan = p.ID
			}
			if err := p.CheckReport(reports[i]); err != nil {
				return fmt.Errorf("%s: report %d: %w", *reportsFile, i+1, err)
			}
		}
	}
	l := &plan.Ledger{Plan: p}
	day := l.Today()
	if *asOf != "" {
		if day, err = plan.ParseDate(*asOf); err != nil {
			return fmt.Errorf("--as-of: %w", err)
		}
	}
	cfg := plan.Config{AtRiskDays: *atRisk}
	var ev *plan.Evaluation
	if *area != "" {
		if p.AreaByCode(*area) == nil {
			return fmt.Errorf("--area: unknown area %q in %s", *area, files[0])
		}
		ev = plan.EvaluateArea(p, reports, *area, day, cfg)
	} else {
		ev = plan.Evaluate(p, reports, day, cfg)
	}
	if *xlsxOut != "" {
		f, err := os.Create(*xlsxOut)
		if err != nil {
			return err
		}
		if err := ev.WriteXLSX(f); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
	}
	if *asCSV {
		return ev.WriteCSV(stdout)
	}
	for _, t := range ev.Tasks {
		fmt.Fprintf(stdout, "%2d. %-24s %s\n", t.Number, t.Title, t.Status.Label())
	}
	for _, a := range ev.Alerts {
		fmt.Fprintln(stdout, "告警:", a.Message)
	}
	if *targetsFile != "" {
		b, err := os.ReadFile(*targetsFile)
		if err != nil {
			return err
		}
		var inputs []plan.TargetInputs
		if err := json.Unmarshal(b, &inputs); err != nil {
			return fmt.Errorf("%s: %w", *targetsFile, err)
		}
		for _, r := range plan.EvaluateTargets(p, inputs, reports, day) {
			fmt.Fprintf(stdout, "目标 %-16s %s %s %s\n", r.Target.ID, r.Status.Label(), r.Actual, r.Target.Text)
		}
	}
	return nil
}
