package plan

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"gopkg.in/yaml.v3"
)

// maxPlanSize bounds a plan file; the Nanyang plan is about 60 KB.
const maxPlanSize = 8 << 20

// Problem is one thing wrong with a plan file.
type Problem struct {
	File string // file name, "" when read from a stream without a name
	Line int    // 1-based line in the file, 0 when unknown
	Path string // field path such as tasks[3].lead[0]
	Msg  string // what is wrong and what was expected
}

// String formats the problem as "file:line: path: message".
func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		b.WriteString(":")
	}
	if p.Line > 0 {
		b.WriteString(strconv.Itoa(p.Line))
		b.WriteString(":")
	}
	if b.Len() > 0 {
		b.WriteString(" ")
	}
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Problems is every problem Validate found; it is an error.
type Problems []Problem

// Error lists the problems one per line.
func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// yamlDoc is the node tree of a plan file, kept to give validation
// messages line numbers.
type yamlDoc struct{ root *yaml.Node }

// line returns the line of the node at path (map keys as strings, sequence
// indices as ints), or of the deepest ancestor that exists.
func (d *yamlDoc) line(path ...any) int {
	if d == nil || d.root == nil {
		return 0
	}
	n := d.root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	line := n.Line
	for _, el := range path {
		switch k := el.(type) {
		case string:
			if n.Kind != yaml.MappingNode {
				return line
			}
			found := false
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == k {
					line = n.Content[i].Line
					n = n.Content[i+1]
					found = true
					break
				}
			}
			if !found {
				return line
			}
		case int:
			if n.Kind != yaml.SequenceNode || k < 0 || k >= len(n.Content) {
				return line
			}
			n = n.Content[k]
			line = n.Line
		}
	}
	return line
}

// Load reads a plan file from r, fills the documented defaults and
// validates it. A syntax error or an unknown field is returned as an error
// naming the line; validation problems are returned as Problems together
// with the plan, so that a caller can still show what loaded.
func Load(r io.Reader) (*Plan, error) { return load(r, "") }

// LoadNamed is Load with a name (a file name or URL) for the messages, for
// plans read from somewhere other than the file system (embedded files,
// uploads).
func LoadNamed(r io.Reader, name string) (*Plan, error) { return load(r, name) }

// LoadFile is Load on the named file; messages carry the file name.
func LoadFile(name string) (*Plan, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("plan: %w", err)
	}
	defer f.Close()
	return load(f, name)
}

func load(r io.Reader, name string) (*Plan, error) {
	prefix := "plan: "
	if name != "" {
		prefix = name + ": "
	}
	b, err := io.ReadAll(io.LimitReader(r, maxPlanSize+1))
	if err != nil {
		return nil, fmt.Errorf("%sread: %w", prefix, err)
	}
	if len(b) > maxPlanSize {
		return nil, fmt.Errorf("%sfile larger than %d bytes", prefix, maxPlanSize)
	}
	var root yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&root); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%sempty file: want a %s document", prefix, FormatV1)
		}
		return nil, decodeProblems(name, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, fmt.Errorf("%sline %d: a plan file holds one YAML document", prefix, extra.Line)
	}
	doc := &yamlDoc{&root}
	top := root.Content[0]
	if top.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%sline %d: want a mapping with format: %s at the top", prefix, top.Line, FormatV1)
	}
	format := ""
	for i := 0; i+1 < len(top.Content); i += 2 {
		if top.Content[i].Value == "format" {
			format = top.Content[i+1].Value
		}
	}
	if format != FormatV1 {
		return nil, fmt.Errorf("%sline %d: format: got %q, want %q", prefix, doc.line("format"), format, FormatV1)
	}
	p := new(Plan)
	strict := yaml.NewDecoder(bytes.NewReader(b))
	strict.KnownFields(true)
	if err := strict.Decode(p); err != nil {
		return nil, decodeProblems(name, err)
	}
	p.src, p.root = name, doc
	p.fillDefaults()
	if err := p.Validate(); err != nil {
		return p, err
	}
	return p, nil
}

// fillDefaults applies the defaults FORMAT.md documents: omitted firmness is
// binding and an omitted indicator role is goal.
func (p *Plan) fillDefaults() {
	for i := range p.Targets {
		if p.Targets[i].Firmness == "" {
			p.Targets[i].Firmness = Binding
		}
	}
	for i := range p.Tasks {
		t := &p.Tasks[i]
		// Empty lists rather than null in JSON: consumers index them.
		for _, l := range []*[]string{&t.Lead, &t.Cooperate} {
			if *l == nil {
				*l = []string{}
			}
		}
		if t.Milestones == nil {
			t.Milestones = []Milestone{}
		}
		if t.Indicators == nil {
			t.Indicators = []Indicator{}
		}
		for j := range t.Milestones {
			if t.Milestones[j].Firmness == "" {
				t.Milestones[j].Firmness = Binding
			}
		}
		for j := range t.Indicators {
			if t.Indicators[j].Firmness == "" {
				t.Indicators[j].Firmness = Binding
			}
			if t.Indicators[j].Role == "" {
				t.Indicators[j].Role = Goal
			}
		}
	}
}

var (
	yamlLineRE   = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	unknownKeyRE = regexp.MustCompile(`^field (\S+) not found in type plan\.(\w+)$`)
	typeNames    = map[string]any{"Plan": Plan{}, "Task": Task{}, "Target": Target{}, "Milestone": Milestone{}, "Indicator": Indicator{}, "Area": Area{}, "Department": Department{}, "Metric": Metric{}, "Section": Section{}, "Measure": Measure{}, "Reference": Reference{}, "Implementer": Implementer{}, "Duty": Duty{}, "Baseline": Baseline{}}
	typeLabels   = map[string]string{"Plan": "the plan", "Task": "a task", "Target": "a target", "Milestone": "a milestone", "Indicator": "an indicator", "Area": "an area", "Department": "a department", "Metric": "a metric", "Section": "a section", "Measure": "a measure", "Reference": "a reference", "Implementer": "implementers", "Duty": "a duty", "Baseline": "a baseline"}
)

// decodeProblems turns a YAML syntax or decoding error into Problems with
// line numbers, and unknown keys into a message listing the known ones.
func decodeProblems(name string, err error) error {
	var msgs []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		msgs = te.Errors
	} else {
		msgs = []string{err.Error()}
	}
	var ps Problems
	for _, m := range msgs {
		pr := Problem{File: name, Msg: m}
		if g := yamlLineRE.FindStringSubmatch(m); g != nil {
			pr.Line, _ = strconv.Atoi(g[1])
			pr.Msg = g[2]
		}
		if g := unknownKeyRE.FindStringSubmatch(pr.Msg); g != nil {
			pr.Msg = fmt.Sprintf("unknown key %q in %s: want one of %s", g[1], typeLabels[g[2]], strings.Join(yamlKeys(typeNames[g[2]]), ", "))
		}
		ps = append(ps, pr)
	}
	return ps
}

// yamlKeys lists the YAML keys of a struct type.
func yamlKeys(v any) []string {
	if v == nil {
		return nil
	}
	t := reflect.TypeOf(v)
	var keys []string
	for i := 0; i < t.NumField(); i++ {
		tag, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ",")
		if tag != "" && tag != "-" {
			keys = append(keys, tag)
		}
	}
	return keys
}
