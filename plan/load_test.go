package plan

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// minimalPlan is a small valid plan; the cases below break it one way each.
const minimalPlan = `format: lantian-plan/v1
id: t
title: 测试方案
issuer: 测试市人民政府办公室
document_number: 测政办〔2025〕1号
issued: 2025-01-05
start: 2025-01-01
end: 2025-12-31
area: "990000"
implementers:
  areas: ["990001"]
areas:
  - {code: "990000", name: 测试市, kind: city}
  - {code: "990001", name: 甲县, kind: county, parent: "990000"}
departments:
  - {id: eco, name: 测试市生态环境局, short: [市生态环境局]}
metrics:
  - {id: piles, name: 充电桩, unit: 个}
targets:
  - {id: T1, text: 优良天数比例达到80%, area: "990000", metric: good_days_ratio, comparator: ">=", value: 80, unit: "%", year: 2025}
sections:
  - {number: 1, title: 第一部分}
tasks:
  - number: 1
    section: 1
    title: 任务一
    text: 建成充电桩100个。
    lead: [eco]
    milestones:
      - {id: M1, text: 完成规划, due: 2025-06-30, due_text: 2025年6月底前}
    indicators:
      - {id: I1, text: 充电桩100个, metric: piles, comparator: ">=", value: 100, unit: 个, deadline: 2025-12-31}
`

func TestLoadMinimal(t *testing.T) {
	p, err := Load(strings.NewReader(minimalPlan))
	if err != nil {
		t.Fatal(err)
	}
	in := p.Task(1).Indicators[0]
	if in.Role != Goal || in.Firmness != Binding || p.Targets[0].Firmness != Binding {
		t.Errorf("defaults not filled: role %q firmness %q target %q", in.Role, in.Firmness, p.Targets[0].Firmness)
	}
	if got := p.Targets[0].Value.String(); got != "80" {
		t.Errorf("target value %s", got)
	}
}

func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name      string
		old, new  string // replacement applied to minimalPlan
		wantLine  int    // 0: do not check
		wantInMsg string
	}{
		{"unknown field (typo)", "    lead: [eco]", "    leed: [eco]", 28, `unknown key "leed" in a task: want one of number, section, title, text, responsibility, lead,`},
		{"syntax error", "title: 任务一", "title: [任务一", 0, "did not find expected"},
		{"wrong format version", "lantian-plan/v1", "lantian-plan/v9", 1, `want "lantian-plan/v1"`},
		{"unknown department", "lead: [eco]", "lead: [ecology]", 28, `unknown department "ecology"`},
		{"duplicate task number", "  - number: 1\n    section: 1\n    title: 任务一",
			"  - number: 1\n    section: 1\n    title: 任务零\n    text: x\n    lead: [eco]\n  - number: 1\n    section: 1\n    title: 任务一", 29, "duplicate task number 1"},
		{"milestone outside period", "due: 2025-06-30", "due: 2026-06-30", 30, "outside the plan period"},
		{"impossible date", "due: 2025-06-30", "due: 2025-02-30", 30, "invalid date"},
		{"unknown metric", "metric: piles", "metric: pile", 32, `unknown metric "pile"`},
		{"unknown comparator", `comparator: ">=", value: 100`, `comparator: "≥", value: 100`, 32, `unknown comparator "≥"`},
		{"unknown unit", "unit: 个, deadline", "unit: 只, deadline", 32, `unknown unit "只"`},
		{"unit differs from metric", "unit: 个, deadline", "unit: 座, deadline", 32, `differs from the unit "个"`},
		{"unknown area in target", `area: "990000", metric`, `area: "990009", metric`, 20, `unknown area "990009"`},
		{"unknown implementer area", `areas: ["990001"]`, `areas: ["990002"]`, 11, `unknown area "990002"`},
		{"bad GB/T 2260 code", `{code: "990001", name: 甲县, kind: county`, `{code: "99001", name: 甲县, kind: county`, 14, "6-digit GB/T 2260"},
		{"unknown section", "    section: 1\n", "    section: 2\n", 25, "unknown section 2"},
		{"target year outside", "year: 2025}", "year: 2027}", 20, "year 2027 is outside"},
		{"achieve with value", `comparator: ">=", value: 80, unit: "%"`, `comparator: achieve, value: 80, unit: "%"`, 20, "takes no value"},
		{"too many decimals", "value: 80,", "value: 80.1234,", 20, "at most 3 decimal places"},
		{"duplicate item id", "{id: I1,", "{id: M1,", 32, `duplicate id "M1"`},
		{"bad firmness", "due_text: 2025年6月底前}", "due_text: 2025年6月底前, firmness: must}", 30, `unknown firmness "must"`},
		{"missing lead", "    lead: [eco]\n", "", 0, "want at least one lead department"},
		{"lead not named in the clause", "    lead: [eco]\n", "    responsibility: 市住建局牵头\n    lead: [eco]\n", 29, `department "eco" is not named in the responsibility clause`},
		{"shared flag contradicts the clause", "    lead: [eco]\n", "    responsibility: 市生态环境局按职责分工负责\n    lead: [eco]\n", 24, "shared_by_remit is false but the responsibility clause says 按职责分工负责"},
		{"empty file", minimalPlan, "", 0, "empty file"},
		{"two documents", "id: t\n", "id: t\n---\nid: u\n", 0, "one YAML document"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			src := strings.Replace(minimalPlan, c.old, c.new, 1)
			if src == minimalPlan {
				t.Fatalf("replacement %q did not apply", c.old)
			}
			_, err := Load(strings.NewReader(src))
			if err == nil {
				t.Fatal("loaded without error")
			}
			if !strings.Contains(err.Error(), c.wantInMsg) {
				t.Fatalf("error %q does not mention %q", err, c.wantInMsg)
			}
			var ps Problems
			if errors.As(err, &ps) && c.wantLine > 0 {
				for _, p := range ps {
					if strings.Contains(p.Msg, c.wantInMsg) && p.Line != c.wantLine {
						t.Errorf("problem %q on line %d, want %d", p, p.Line, c.wantLine)
					}
				}
			} else if c.wantLine > 0 && !strings.Contains(err.Error(), "line "+itoa(c.wantLine)) {
				t.Errorf("error %q does not name line %d", err, c.wantLine)
			}
		})
	}
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

func TestLoadFileNamesFile(t *testing.T) {
	name := t.TempDir() + "/bad.yaml"
	if err := os.WriteFile(name, []byte(strings.Replace(minimalPlan, "lead: [eco]", "lead: [nobody]", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := LoadFile(name)
	if err == nil || !strings.HasPrefix(err.Error(), name+":28: tasks[0].lead[0]: unknown department") {
		t.Fatalf("got %v", err)
	}
}

// TestPlansLoad loads every plan file the repository carries, the fictional
// county plan included: a second, different plan loads without code
// changes.
func TestPlansLoad(t *testing.T) {
	cases := []struct {
		file              string
		tasks, targets    int
		fictional         bool
		wantDocumentStart string
	}{
		{"../plans/nanyang-2024-2025.yaml", 30, 10, false, "宛政办"},
		{"../plans/example-county-2025.yaml", 3, 2, true, "青政办"},
	}
	for _, c := range cases {
		t.Run(c.file, func(t *testing.T) {
			p, err := LoadFile(c.file)
			if err != nil {
				t.Fatal(err)
			}
			if len(p.Tasks) != c.tasks || len(p.Targets) != c.targets || p.Fictional != c.fictional ||
				!strings.HasPrefix(p.DocumentNumber, c.wantDocumentStart) {
				t.Errorf("got %d tasks, %d targets, fictional %v, document %s", len(p.Tasks), len(p.Targets), p.Fictional, p.DocumentNumber)
			}
			// The ledger runs on it unchanged.
			ev := Evaluate(p, nil, p.End.AddDays(1), Config{})
			if len(ev.Tasks) != c.tasks || len(ev.Alerts) == 0 {
				t.Errorf("evaluation after the end: %d tasks, %d alerts", len(ev.Tasks), len(ev.Alerts))
			}
		})
	}
}

func FuzzLoad(f *testing.F) {
	f.Add([]byte(minimalPlan))
	for _, name := range []string{"../plans/nanyang-2024-2025.yaml", "../plans/example-county-2025.yaml"} {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Add([]byte("format: lantian-plan/v1\ntasks: [{number: 1}]\n"))
	f.Add([]byte("format: lantian-plan/v1\nissued: 2025-13-01\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Load(strings.NewReader(string(b)))
		if err != nil {
			var ps Problems
			if errors.As(err, &ps) && len(ps) == 0 {
				t.Fatal("empty Problems returned as an error")
			}
			return
		}
		// A plan that validates must evaluate without panicking.
		Evaluate(p, nil, p.Start, Config{})
		_ = p.Items()
	})
}
