package sqlstore

import (
	"testing"

	"github.com/lantian-aq/lantian/plan"
	"github.com/lantian-aq/lantian/plan/plantest"
)

// TestLedgerConformance runs plan's LedgerStore conformance suite against
// each backend, every subtest on a fresh store, so that the SQL ledger
// answers exactly as the in-memory reference does.
func TestLedgerConformance(t *testing.T) {
	for _, b := range backends(t) {
		t.Run(b.name, func(t *testing.T) {
			plantest.TestLedgerStore(t, func(t *testing.T) plan.LedgerStore { return b.open(t) })
		})
	}
}
