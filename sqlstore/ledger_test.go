package sqlstore

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/lantian-aq/lantian/plan"
)

// TestLedger checks the SQL ledger against plan.MemStore, the reference
// implementation of plan.LedgerStore: the same reports in, the same
// answers out, for every filter.
func TestLedger(t *testing.T) {
	forEach(t, func(t *testing.T, db *DB) {
		ctx := context.Background()
		mem := &plan.MemStore{}
		v := plan.DecimalFromMilli(2600000)
		p50, p100 := 50, 100
		when := time.Date(2024, 6, 1, 9, 30, 0, 0, time.UTC)
		reports := []plan.Report{
			{Plan: "nanyang-2024-2025", Task: 3, Item: "wind", Reporter: "发展改革委", Date: plan.NewDate(2024, 6, 1), Value: &v, Narrative: "风电并网", Who: "alice", When: when},
			{Plan: "nanyang-2024-2025", Task: 3, Reporter: "发展改革委", Date: plan.NewDate(2024, 7, 1), Progress: &p50, Attachments: []string{"a.pdf", "b.jpg"}, Who: "alice", When: when.Add(time.Hour)},
			{Plan: "nanyang-2024-2025", Task: 12, Item: "m1", Reporter: "411323", Date: plan.NewDate(2024, 8, 15), Progress: &p100, Done: true, Who: "bob", When: when.Add(2 * time.Hour)},
			{Plan: "other", Task: 1, Reporter: "x", Date: plan.NewDate(2025, 1, 1), Who: "carol", When: when.Add(3 * time.Hour)},
		}
		for _, r := range reports {
			got, err := db.AddReport(ctx, r)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := mem.AddReport(ctx, r)
			if got.ID != want.ID {
				t.Errorf("ID %d, want %d", got.ID, want.ID)
			}
		}
		filters := []struct {
			name string
			f    plan.ReportFilter
		}{
			{"all", plan.ReportFilter{}},
			{"plan", plan.ReportFilter{Plan: "nanyang-2024-2025"}},
			{"task", plan.ReportFilter{Plan: "nanyang-2024-2025", Task: 3}},
			{"item", plan.ReportFilter{Task: 3, Item: "wind"}},
			{"reporter", plan.ReportFilter{Reporter: "411323"}},
			{"dates", plan.ReportFilter{From: plan.NewDate(2024, 6, 2), To: plan.NewDate(2024, 12, 31)}},
			{"none", plan.ReportFilter{Plan: "nope"}},
		}
		for _, tc := range filters {
			got, err := db.Reports(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := mem.Reports(ctx, tc.f)
			for i := range got {
				got[i].When = got[i].When.UTC()
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%s: SQL ledger\n%+v\nmemory ledger\n%+v", tc.name, got, want)
			}
		}
		if _, err := db.w.ExecContext(ctx, `UPDATE ledger_report SET narrative = 'x'`); err == nil {
			t.Error("a ledger report could be changed")
		}
		if _, err := db.w.ExecContext(ctx, `DELETE FROM ledger_report`); err == nil {
			t.Error("a ledger report could be deleted")
		}
	})
}
