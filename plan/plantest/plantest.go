// Package plantest is the conformance suite for plan.LedgerStore
// implementations: every store (the in-memory one, SQLite, PostgreSQL) runs
// the same tests, so that the ledger behaves the same on each.
package plantest

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/lantian-aq/lantian/plan"
)

// TestLedgerStore runs the conformance suite. newStore returns an empty
// store for each subtest.
func TestLedgerStore(t *testing.T, newStore func(t *testing.T) plan.LedgerStore) {
	ctx := context.Background()
	day := func(s string) plan.Date {
		d, err := plan.ParseDate(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	val := func(s string) *plan.Decimal {
		v, err := plan.ParseDecimal(s)
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	zero := 0
	when := time.Date(2025, 3, 1, 9, 30, 15, 0, time.UTC)
	reports := []plan.Report{
		{Plan: "p1", Task: 13, Item: "M13.1", Reporter: "ecology", Date: day("2024-11-30"), Progress: &zero, Narrative: "开工", Who: "张三", When: when},
		{Plan: "p1", Task: 13, Item: "M13.1", Reporter: "ecology", Date: day("2024-12-20"), Done: true, Narrative: "完成",
			Attachments: []string{"验收报告.pdf", "https://example.org/a.jpg"}, Who: "张三", When: when.Add(time.Hour)},
		{Plan: "p1", Task: 18, Item: "I18.1", Reporter: "urban", Date: day("2024-12-31"), Value: val("6.125"), Who: "李四", When: when.Add(2 * time.Hour)},
		{Plan: "p1", Task: 30, Reporter: "411330", Date: day("2025-01-05"), Narrative: "交办问题已整改", Who: "王五", When: when.Add(3 * time.Hour)},
		{Plan: "p1", Task: 0, Item: "T4-2025", Reporter: "ecology", Date: day("2025-01-31"), Value: val("-0.5"), Who: "赵六", When: when.Add(4 * time.Hour)},
		{Plan: "p2", Task: 1, Item: "Q-I1", Reporter: "housing", Date: day("2025-02-01"), Value: val("100"), Who: "钱七", When: when.Add(5 * time.Hour)},
	}
	fill := func(t *testing.T) (plan.LedgerStore, []plan.Report) {
		s := newStore(t)
		var stored []plan.Report
		for _, r := range reports {
			got, err := s.AddReport(ctx, r)
			if err != nil {
				t.Fatalf("AddReport: %v", err)
			}
			stored = append(stored, got)
		}
		return s, stored
	}

	t.Run("ids are assigned and increase", func(t *testing.T) {
		_, stored := fill(t)
		for i, r := range stored {
			if r.ID <= 0 || (i > 0 && r.ID <= stored[i-1].ID) {
				t.Fatalf("ids %d after %d", r.ID, stored[max(0, i-1)].ID)
			}
		}
	})

	t.Run("reports round-trip exactly", func(t *testing.T) {
		s, stored := fill(t)
		got, err := s.Reports(ctx, plan.ReportFilter{})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(reports) {
			t.Fatalf("%d reports, want %d", len(got), len(reports))
		}
		for i, r := range got {
			want := stored[i]
			if !equal(r, want) {
				t.Errorf("report %d:\n got  %+v\n want %+v", i, r, want)
			}
		}
	})

	cases := []struct {
		name   string
		filter plan.ReportFilter
		want   []int // indices into reports, in filing order
	}{
		{"by plan", plan.ReportFilter{Plan: "p1"}, []int{0, 1, 2, 3, 4}},
		{"by task", plan.ReportFilter{Plan: "p1", Task: 13}, []int{0, 1}},
		{"by item", plan.ReportFilter{Item: "I18.1"}, []int{2}},
		{"by reporter", plan.ReportFilter{Reporter: "ecology"}, []int{0, 1, 4}},
		{"from date inclusive", plan.ReportFilter{Plan: "p1", From: day("2024-12-31")}, []int{2, 3, 4}},
		{"to date inclusive", plan.ReportFilter{To: day("2024-12-20")}, []int{0, 1}},
		{"nothing", plan.ReportFilter{Plan: "p3"}, nil},
	}
	for _, c := range cases {
		t.Run("filter "+c.name, func(t *testing.T) {
			s, stored := fill(t)
			got, err := s.Reports(ctx, c.filter)
			if err != nil {
				t.Fatal(err)
			}
			var ids, want []int64
			for _, r := range got {
				ids = append(ids, r.ID)
			}
			for _, i := range c.want {
				want = append(want, stored[i].ID)
			}
			if !slices.Equal(ids, want) {
				t.Errorf("ids %v, want %v", ids, want)
			}
		})
	}

	t.Run("cancelled context", func(t *testing.T) {
		s := newStore(t)
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		if _, err := s.AddReport(cctx, reports[0]); !errors.Is(err, context.Canceled) {
			t.Errorf("AddReport on a cancelled context: %v", err)
		}
	})
}

func equal(a, b plan.Report) bool {
	eqDec := func(x, y *plan.Decimal) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	eqInt := func(x, y *int) bool { return (x == nil) == (y == nil) && (x == nil || *x == *y) }
	return a.ID == b.ID && a.Plan == b.Plan && a.Task == b.Task && a.Item == b.Item && a.Reporter == b.Reporter &&
		a.Date == b.Date && eqDec(a.Value, b.Value) && eqInt(a.Progress, b.Progress) && a.Done == b.Done &&
		a.Narrative == b.Narrative && slices.Equal(a.Attachments, b.Attachments) && a.Who == b.Who && a.When.Equal(b.When)
}
