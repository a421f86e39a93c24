package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestPlanCommand(t *testing.T) {
	dir := t.TempDir()
	seed, err := os.ReadFile("../../plans/nanyang-2024-2025.yaml")
	if err != nil {
		t.Fatal(err)
	}
	bad := filepath.Join(dir, "bad.yaml")
	broken := strings.Replace(string(seed), "    lead: [market]\n", "    lead: [markets]\n", 1)
	broken = strings.Replace(broken, "due: 2025-09-30", "due: 2026-09-30", 1)
	if err := os.WriteFile(bad, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	reports := filepath.Join(dir, "reports.json")
	if err := os.WriteFile(reports, []byte(`[{"task":13,"item":"M13.1","reporter":"ecology","date":"2024-12-20","done":true,"who":"u"}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	xlsx := filepath.Join(dir, "ledger.xlsx")
	inputs := filepath.Join(dir, "inputs.json")
	if err := os.WriteFile(inputs, []byte(`[{"area":"411330","year":2024,"final":true,"compliant":true},{"area":"411300","year":2025,"good_days_ratio":76.5}]`), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name       string
		args       []string
		wantCode   int
		wantOut    []string
		wantErrOut []string
	}{
		{"check both plans", []string{"plan", "check", "../../plans/nanyang-2024-2025.yaml", "../../plans/example-county-2025.yaml"}, 0,
			[]string{"nanyang-2024-2025.yaml: ok: 宛政办〔2024〕3号", "30 tasks", "example-county-2025.yaml: ok:", "(fictional)"}, nil},
		{"check reports every problem", []string{"plan", "check", bad}, 1, nil,
			[]string{`unknown department "markets"`, "date 2026-09-30 is outside the plan period", "1 of 1 plan files invalid"}},
		{"show text", []string{"plan", "show", "../../plans/nanyang-2024-2025.yaml"}, 0, []string{"（7）提升环境监管水平", "M13.2 2025年9月底前"}, nil},
		{"ledger with export", []string{"plan", "ledger", "../../plans/nanyang-2024-2025.yaml", "--reports", reports, "--as-of", "2025-01-15", "--xlsx", xlsx}, 0,
			[]string{"13. 推进重点行业超低排放改造", "告警: 任务4 M4.1"}, nil},
		{"ledger with target inputs", []string{"plan", "ledger", "../../plans/nanyang-2024-2025.yaml", "--as-of", "2025-06-30", "--targets", inputs}, 0,
			[]string{"目标 T2-2024-411330   已完成 达标", "目标 T4-2025          进度达标 76.5 %", "目标 T5-2025          暂无数据"}, nil},
		{"ledger for a county as CSV", []string{"plan", "ledger", "../../plans/nanyang-2024-2025.yaml", "--area", "411321", "--as-of", "2025-01-15", "--csv"}, 0,
			[]string{"任务,措施,牵头单位", "M20.3"}, nil},
		{"missing file argument", []string{"plan", "show"}, 2, nil, nil},
		{"unknown subcommand", []string{"plan", "frobnicate"}, 2, nil, []string{"unknown subcommand"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := runMain(c.args, &out, &errOut)
			if code != c.wantCode {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", code, c.wantCode, out.String(), errOut.String())
			}
			for _, w := range c.wantOut {
				if !strings.Contains(out.String(), w) {
					t.Errorf("stdout lacks %q:\n%s", w, out.String())
				}
			}
			for _, w := range c.wantErrOut {
				if !strings.Contains(errOut.String(), w) {
					t.Errorf("stderr lacks %q:\n%s", w, errOut.String())
				}
			}
		})
	}
	f, err := excelize.OpenFile(xlsx)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if v, _ := f.GetCellValue("任务台账", "B2"); v != "措施" {
		t.Errorf("xlsx B2 = %q", v)
	}
}

func TestPlanShowJSON(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := runMain([]string{"plan", "show", "../../plans/nanyang-2024-2025.yaml", "--json"}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	var doc struct {
		Targets []struct {
			ID, Area, Metric, Comparator, Firmness string
			Year                                   int
		}
		Tasks []struct {
			Number     int
			Section    int
			Title      string
			Lead       []string
			Cooperate  []string
			Milestones []struct{ ID, Due, DueText string } `json:"milestones"`
			Indicators []struct {
				ID    string
				Value json.Number
				Unit  string
			}
		}
	}
	dec := json.NewDecoder(&out)
	dec.UseNumber()
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Targets) != 10 || len(doc.Tasks) != 30 {
		t.Fatalf("%d targets, %d tasks", len(doc.Targets), len(doc.Tasks))
	}
	t13 := doc.Tasks[12]
	if t13.Number != 13 || t13.Section != 4 || t13.Lead[0] != "ecology" || len(t13.Cooperate) != 3 ||
		len(t13.Milestones) != 2 || t13.Milestones[1].Due != "2025-09-30" {
		t.Errorf("task 13: %+v", t13)
	}
	if in := doc.Tasks[4].Indicators[0]; in.Value.String() != "260" || in.Unit != "万千瓦" {
		t.Errorf("task 5 indicator: %+v", in)
	}
	if tg := doc.Targets[7]; tg.Metric != "good_days_ratio" || tg.Comparator != ">=" || tg.Year != 2025 {
		t.Errorf("target 8: %+v", tg)
	}
}
