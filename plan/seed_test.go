package plan

import (
	"fmt"
	"os"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode"
)

// The seed-coverage tests check plans/nanyang-2024-2025.yaml against the
// text of the document it encodes (testdata/nanyang-plan-2024-2025.txt, the
// 宛政办〔2024〕3号 text as extracted from the published PDF). Everything
// they compare is derived from the seed text by pattern, never copied from
// the plan file.

const seedFile = "../testdata/nanyang-plan-2024-2025.txt"
const nanyangFile = "../plans/nanyang-2024-2025.yaml"

// seedText returns the seed with all whitespace removed: the PDF layout
// breaks lines inside words and puts spaces around numbers ("2025年 9 月"),
// and Chinese text has no meaningful spaces.
func seedText(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(seedFile)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, string(b))
}

func loadNanyang(t *testing.T) *Plan {
	t.Helper()
	p, err := LoadFile(nanyangFile)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func between(t *testing.T, s, from, to string) string {
	t.Helper()
	i := strings.Index(s, from)
	j := strings.Index(s, to)
	if i < 0 || j < i {
		t.Fatalf("seed: cannot find %q … %q", from, to)
	}
	return s[i+len(from) : j]
}

// seedTask is one task as the seed writes it.
type seedTask struct {
	number         int
	section        int
	title, text    string
	responsibility string
}

var (
	sectionRE = regexp.MustCompile(`（([一二三四五六七八九十])）`)
	// A task: "N.title。text（responsibility）" up to the next "N." or the
	// end of the section; the responsibility bracket may open with an
	// ASCII parenthesis (task 8).
	taskStartRE = regexp.MustCompile(`(?:^|[）)])(\d+\.)`)
	taskRE      = regexp.MustCompile(`^(\d+)\.([^。]+)。(.*)[（(]([^（(]*?)）$`)
)

// seedTasks splits 三、重点任务 into its sections and tasks.
func seedTasks(t *testing.T, seed string) ([]seedTask, []string) {
	body := between(t, seed, "三、重点任务", "四、保障措施")
	locs := sectionRE.FindAllStringSubmatchIndex(body, -1)
	var tasks []seedTask
	var titles []string
	for si, loc := range locs {
		end := len(body)
		if si+1 < len(locs) {
			end = locs[si+1][0]
		}
		sec := body[loc[1]:end]
		// Task starts: a number and a dot right after the section title or
		// after the closing bracket of the previous task.
		// The first task follows the section title (which has no digits);
		// the others follow the closing bracket of the previous task.
		first := regexp.MustCompile(`\d+\.`).FindStringIndex(sec)
		if first == nil {
			t.Fatalf("section %d has no tasks", si+1)
		}
		titles = append(titles, sec[:first[0]])
		starts := []int{first[0]}
		for _, st := range taskStartRE.FindAllStringSubmatchIndex(sec, -1) {
			if st[2] > first[0] {
				starts = append(starts, st[2])
			}
		}
		for k, from := range starts {
			to := len(sec)
			if k+1 < len(starts) {
				to = starts[k+1] // the closing bracket stays with its task
			}
			seg := sec[from:to]
			m := taskRE.FindStringSubmatch(seg)
			if m == nil {
				t.Fatalf("section %d: cannot parse task segment %q", si+1, seg)
			}
			n, _ := strconv.Atoi(m[1])
			tasks = append(tasks, seedTask{number: n, section: si + 1, title: m[2], text: m[3], responsibility: m[4]})
		}
	}
	return tasks, titles
}

func TestSeedTasksAndSections(t *testing.T) {
	p := loadNanyang(t)
	seed := seedText(t)
	tasks, titles := seedTasks(t, seed)
	if len(tasks) != 30 {
		t.Fatalf("seed parsed into %d tasks, want 30", len(tasks))
	}
	for i, st := range tasks {
		if st.number != i+1 {
			t.Fatalf("seed task %d is numbered %d", i+1, st.number)
		}
	}
	if len(p.Sections) != len(titles) {
		t.Fatalf("plan has %d sections, seed %d", len(p.Sections), len(titles))
	}
	for i, title := range titles {
		if s := p.Section(i + 1); s == nil || s.Title != title {
			t.Errorf("section %d: plan %+v, seed title %q", i+1, s, title)
		}
	}
	for _, st := range tasks {
		t.Run(fmt.Sprintf("task%02d", st.number), func(t *testing.T) {
			pt := p.Task(st.number)
			if pt == nil {
				t.Fatalf("task %d missing from the plan", st.number)
			}
			for _, c := range []struct{ field, got, want string }{
				{"title", pt.Title, st.title},
				{"text", pt.Text, st.text},
				{"responsibility", pt.Responsibility, st.responsibility},
				{"section", strconv.Itoa(pt.Section), strconv.Itoa(st.section)},
			} {
				if c.got != c.want {
					t.Errorf("%s:\n plan %q\n seed %q", c.field, c.got, c.want)
				}
			}
		})
	}
	if len(p.Tasks) != 30 {
		t.Errorf("plan has %d tasks, want 30", len(p.Tasks))
	}
}

func TestSeedMeasuresAndHeader(t *testing.T) {
	p := loadNanyang(t)
	seed := seedText(t)
	body := seed[strings.Index(seed, "四、保障措施")+len("四、保障措施"):]
	parts := sectionRE.Split(body, -1)[1:]
	if len(parts) != 4 || len(p.Measures) != 4 {
		t.Fatalf("measures: seed %d, plan %d, want 4", len(parts), len(p.Measures))
	}
	for i, part := range parts {
		title, text, _ := strings.Cut(part, "。")
		m := p.Measures[i]
		if m.Number != i+1 || m.Title != title || m.Text != text {
			t.Errorf("measure %d:\n plan %d %q %q\n seed %q %q", i+1, m.Number, m.Title, m.Text, title, text)
		}
	}
	if !strings.Contains(seed, p.Title) || !strings.Contains(seed, p.DocumentNumber) || !strings.HasPrefix(seed, p.Issuer) {
		t.Errorf("title %q, document number %q or issuer %q not in the seed", p.Title, p.DocumentNumber, p.Issuer)
	}
	if got := between(t, seed, "一、总体要求", "二、主要目标"); got != p.Requirements {
		t.Errorf("general requirements:\n plan %q\n seed %q", p.Requirements, got)
	}
	if !strings.Contains(seed, p.Preamble) || !strings.Contains(seed, p.Implementers.Text) || !strings.Contains(seed, p.Recipients) {
		t.Error("preamble, implementers text or recipients not found verbatim in the seed")
	}
}

var (
	// The closing clause of task 1 that puts every task on the counties.
	countyClauseRE = regexp.MustCompile(`，?各县〔市、区〕政府〔管委会〕负责落实.*$`)
	// Duties named inside a task: "财政部门制定…".
	dutyRE = regexp.MustCompile(`[，。]([\p{Han}]{2,10}部门)(制定|研究|加强|牵头)`)
	// Offices named in the safeguard measures.
	officeRE = regexp.MustCompile(`市[\p{Han}]{2,12}?办公室`)
)

// parseResponsibility splits a responsibility clause into the names of the
// lead, cooperating and shared-by-remit departments as written.
func parseResponsibility(s string) (lead, coop []string, shared bool) {
	s = countyClauseRE.ReplaceAllString(s, "")
	split := func(x string) []string { return strings.Split(x, "、") }
	if x, ok := strings.CutSuffix(s, "按职责分工负责"); ok {
		return split(x), nil, true
	}
	l, c, _ := strings.Cut(s, "牵头")
	lead = split(l)
	if c = strings.TrimPrefix(c, "，"); c != "" {
		coop = split(strings.TrimSuffix(c, "配合"))
	}
	return lead, coop, false
}

func TestSeedDepartments(t *testing.T) {
	p := loadNanyang(t)
	seed := seedText(t)
	tasks, _ := seedTasks(t, seed)
	byShort := map[string]string{}
	for _, d := range p.Departments {
		for _, s := range d.Short {
			byShort[s] = d.ID
		}
	}
	names := map[string]bool{}
	resolve := func(t *testing.T, name string) string {
		t.Helper()
		names[name] = true
		id, ok := byShort[name]
		if !ok {
			t.Errorf("department %q named in the seed is not a short name of any department", name)
		}
		return id
	}
	for _, st := range tasks {
		t.Run(fmt.Sprintf("task%02d", st.number), func(t *testing.T) {
			lead, coop, shared := parseResponsibility(st.responsibility)
			pt := p.Task(st.number)
			var wantLead, wantCoop []string
			for _, n := range lead {
				wantLead = append(wantLead, resolve(t, n))
			}
			for _, n := range coop {
				wantCoop = append(wantCoop, resolve(t, n))
			}
			if !slices.Equal(pt.Lead, wantLead) {
				t.Errorf("lead: plan %v, seed %v (%v)", pt.Lead, wantLead, lead)
			}
			if !slices.Equal(pt.Cooperate, wantCoop) {
				t.Errorf("cooperate: plan %v, seed %v (%v)", pt.Cooperate, wantCoop, coop)
			}
			if pt.SharedByRemit != shared {
				t.Errorf("shared_by_remit: plan %v, seed %v", pt.SharedByRemit, shared)
			}
			for _, m := range dutyRE.FindAllStringSubmatch(st.text, -1) {
				id := resolve(t, m[1])
				found := false
				for _, d := range pt.Duties {
					found = found || (d.Department == id && strings.HasPrefix(d.Text, m[2]))
				}
				if !found {
					t.Errorf("duty of %s (%q…) not encoded under duties", m[1], m[2])
				}
			}
		})
	}
	for _, m := range officeRE.FindAllString(seed[strings.Index(seed, "四、保障措施"):], -1) {
		resolve(t, m)
	}
	if !strings.Contains(tasks[0].responsibility, "各县〔市、区〕政府〔管委会〕负责落实") {
		t.Error("task 1 lost its county clause")
	}
	// Task 1's clause puts every task on every county-level government and
	// zone committee: the implementers are all county-level areas and zones.
	for _, a := range p.Areas {
		if a.Parent == p.Area && !slices.Contains(p.Implementers.Areas, a.Code) {
			t.Errorf("area %s %s is not an implementer", a.Code, a.Name)
		}
	}
	t.Logf("departments: %d distinct names in the seed checked against %d departments", len(names), len(p.Departments))
}

// TestSeedNumbers checks that every Arabic number in the seed is captured
// by a structured field of the plan. The matching rule, applied in order,
// each pattern consuming its digits:
//
//  1. pollutant names (PM2.5, PM10, SO2, NO2, O3) are names, not numbers;
//  2. document numbers X〔YYYY〕N号 must be the plan's document number or a
//     reference's number;
//  3. a date YYYY年M月D日 must be the issue date;
//  4. a year range YYYY—YYYY年 must be the plan period or appear in the
//     title of a reference;
//  5. "N." followed by task N's title is a task number;
//  6. YYYY年M月 must be the due date (year and month) of a milestone or
//     indicator whose due text contains it;
//  7. YYYY年 must be the year of a target, a milestone's due date, an
//     indicator's deadline or a baseline;
//  8. a number with a unit (the plan's unit vocabulary, 个百分点 as 百分点)
//     must equal the value and unit of a target or indicator, or the field
//     size of a ranking target (among, unit 个);
//  9. anything left must be an explicit exclusion below, each with its
//     reason; every exclusion must be used.
func TestSeedNumbers(t *testing.T) {
	p := loadNanyang(t)
	seed := seedText(t)
	// work is the seed with the digits each pass has consumed replaced
	// by '#' (same byte length, so positions stay aligned).
	work := seed
	counts := map[string]int{}
	pass := func(name string, re *regexp.Regexp, ok func(m []string, rest string) bool) {
		b := []byte(work)
		for _, loc := range re.FindAllStringSubmatchIndex(work, -1) {
			m := make([]string, len(loc)/2)
			for i := range m {
				if loc[2*i] >= 0 {
					m[i] = work[loc[2*i]:loc[2*i+1]]
				}
			}
			if !ok(m, work[loc[1]:]) {
				if name != "task number" { // "N." not followed by task N's title is left for later passes
					t.Errorf("%s %q is not captured by the plan", name, m[0])
				}
				continue
			}
			counts[name]++
			for i := loc[0]; i < loc[1]; i++ {
				if b[i] >= '0' && b[i] <= '9' || b[i] == '.' {
					b[i] = '#'
				}
			}
		}
		work = string(b)
	}
	refs := append([]Reference{}, p.References...)
	for _, tk := range p.Tasks {
		refs = append(refs, tk.References...)
	}
	years := map[int]bool{}
	for _, tg := range p.Targets {
		years[tg.Year] = true
	}
	type dated struct {
		d    Date
		text string
	}
	var dues []dated
	type valued struct {
		v    Decimal
		unit string
	}
	var values []valued
	for _, tg := range p.Targets {
		if tg.Value != nil {
			values = append(values, valued{*tg.Value, tg.Unit})
		}
		if tg.Among > 0 {
			values = append(values, valued{DecimalFromInt(int64(tg.Among)), "个"})
		}
	}
	for _, tk := range p.Tasks {
		for _, m := range tk.Milestones {
			years[m.Due.Year] = true
			dues = append(dues, dated{m.Due, m.DueText})
		}
		for _, in := range tk.Indicators {
			values = append(values, valued{in.Value, in.Unit})
			if !in.Deadline.IsZero() {
				years[in.Deadline.Year] = true
				dues = append(dues, dated{in.Deadline, in.DeadlineText})
			}
			if in.Baseline != nil {
				years[in.Baseline.Year] = true
				if in.Baseline.Value != nil {
					values = append(values, valued{*in.Baseline.Value, in.Unit})
				}
			}
		}
	}

	pass("pollutant name", regexp.MustCompile(`PM2\.5|PM10|SO2|NO2|O3`), func([]string, string) bool { return true })
	pass("document number", regexp.MustCompile(`[\p{Han}]{2,4}〔\d{4}〕\d+号`), func(m []string, _ string) bool {
		// The issuer's abbreviation may be preceded by other Han text
		// ("…的通知宛政办〔2024〕3号"), so the number must end the match.
		if strings.HasSuffix(m[0], p.DocumentNumber) {
			return true
		}
		return slices.ContainsFunc(refs, func(r Reference) bool { return strings.HasSuffix(m[0], r.Number) })
	})
	pass("issue date", regexp.MustCompile(`(\d{4})年(\d{1,2})月(\d{1,2})日`), func(m []string, _ string) bool {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		d, _ := strconv.Atoi(m[3])
		return p.Issued == NewDate(y, monthOf(mo), d)
	})
	pass("year range", regexp.MustCompile(`(\d{4})—(\d{4})年`), func(m []string, _ string) bool {
		if m[1] == strconv.Itoa(p.Start.Year) && m[2] == strconv.Itoa(p.End.Year) {
			return true
		}
		return slices.ContainsFunc(refs, func(r Reference) bool { return strings.Contains(r.Title, m[0]) })
	})
	pass("task number", regexp.MustCompile(`(\d+)\.`), func(m []string, rest string) bool {
		n, _ := strconv.Atoi(m[1])
		tk := p.Task(n)
		return tk != nil && strings.HasPrefix(rest, tk.Title)
	})
	pass("year-month deadline", regexp.MustCompile(`(\d{4})年(\d{1,2})月`), func(m []string, _ string) bool {
		y, _ := strconv.Atoi(m[1])
		mo, _ := strconv.Atoi(m[2])
		return slices.ContainsFunc(dues, func(d dated) bool {
			return d.d.Year == y && d.d.Month == monthOf(mo) && strings.Contains(d.text, m[0])
		})
	})
	pass("year", regexp.MustCompile(`(\d{4})年`), func(m []string, _ string) bool {
		y, _ := strconv.Atoi(m[1])
		return years[y]
	})
	units := []string{"个百分点"}
	for u := range Units {
		if u != "" {
			units = append(units, regexp.QuoteMeta(u))
		}
	}
	sort.Slice(units, func(i, j int) bool { return len(units[i]) > len(units[j]) })
	quantityRE := regexp.MustCompile(`(\d+(?:\.\d+)?)(` + strings.Join(units, "|") + `)`)
	exclusions := []struct{ match, reason string }{
		{"10个专项行动", "总体要求 refers to the province's 10 special campaigns (污染防治攻坚10个专项行动) as context; it sets no obligation of this plan"},
	}
	used := map[string]bool{}
	pass("quantity", quantityRE, func(m []string, rest string) bool {
		v, err := ParseDecimal(m[1])
		unit := m[2]
		if unit == "个百分点" {
			unit = "百分点"
		}
		if err == nil && slices.ContainsFunc(values, func(x valued) bool { return x.v == v && x.unit == unit }) {
			return true
		}
		for _, e := range exclusions {
			if strings.HasPrefix(m[0]+rest, e.match) {
				used[e.match] = true
				return true
			}
		}
		return false
	})
	// Road designations are names: G312 (three times), G631 and S103. The
	// road works they name are milestone M12.1.
	roads := []struct{ match, reason string }{
		{"312国道", "road designation G312 (a name, not a quantity); its section 宛唐交界至遮山段 is milestone M12.1"},
		{"631国道", "road designation G631, part of the ring road described in task 12"},
		{"103省道", "road designation S103, part of the ring road described in task 12"},
	}
	pass("road designation", regexp.MustCompile(`\d+(国道|省道)`), func(m []string, _ string) bool {
		for _, r := range roads {
			if m[0] == r.match {
				used[r.match] = true
				return true
			}
		}
		return false
	})
	left := regexp.MustCompile(`\d+(?:\.\d+)?.{0,6}`).FindAllString(work, -1)
	for _, l := range left {
		t.Errorf("number %q in the seed is neither captured by the plan nor excluded", l)
	}
	for _, e := range append(exclusions, roads...) {
		if !used[e.match] {
			t.Errorf("exclusion %q (%s) matched nothing", e.match, e.reason)
		}
	}
	names := make([]string, 0, len(counts))
	for k := range counts {
		names = append(names, k)
	}
	sort.Strings(names)
	total := 0
	for _, k := range names {
		t.Logf("%-20s %d", k, counts[k])
		total += counts[k]
	}
	t.Logf("%d numbers matched in all; %d exclusion patterns used", total, len(used))
}

func monthOf(m int) time.Month { return time.Month(m) }
