package plan

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

// benchReports simulates two years of reporting on the Nanyang plan: every
// implementing area reports on every item of every task once a month, and
// the lead departments report on their items once a month.
func benchReports(p *Plan) []Report {
	var rs []Report
	fifty := 50
	for m := 0; m < 24; m++ {
		date := NewDate(2024, 1, 28).t().AddDate(0, m, 0)
		day := DateOf(date)
		for _, it := range p.Items() {
			reporters := append([]string{}, it.Owners[:1]...)
			reporters = append(reporters, p.ImplementingAreas(it.Task)...)
			for _, who := range reporters {
				r := Report{Plan: p.ID, Task: it.Task.Number, Item: it.ID, Reporter: who, Date: day, Who: "bench", When: date}
				if it.Indicator != nil {
					v := it.Indicator.Value
					r.Value = &v
				} else {
					r.Progress = &fifty
				}
				rs = append(rs, r)
			}
		}
	}
	return rs
}

// BenchmarkEvaluate measures evaluating the whole Nanyang plan and every
// area's share on a realistic two-year report history.
func BenchmarkEvaluate(b *testing.B) {
	p, err := LoadFile(nanyangFile)
	if err != nil {
		b.Fatal(err)
	}
	rs := benchReports(p)
	asOf := NewDate(2025, 12, 31)
	b.Run(fmt.Sprintf("plan/%dreports", len(rs)), func(b *testing.B) {
		for b.Loop() {
			Evaluate(p, rs, asOf, Config{})
		}
	})
	b.Run(fmt.Sprintf("areas/%dreports", len(rs)), func(b *testing.B) {
		for b.Loop() {
			ByArea(p, rs, asOf, Config{})
		}
	})
}

// BenchmarkLoad measures loading and validating the Nanyang plan file.
func BenchmarkLoad(b *testing.B) {
	src, err := readFile(nanyangFile)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := Load(strings.NewReader(src)); err != nil {
			b.Fatal(err)
		}
	}
}

func readFile(name string) (string, error) {
	b, err := os.ReadFile(name)
	return string(b), err
}
