package plan_test

import (
	"testing"

	"github.com/lantian-aq/lantian/plan"
	"github.com/lantian-aq/lantian/plan/plantest"
)

func TestMemStoreConformance(t *testing.T) {
	plantest.TestLedgerStore(t, func(*testing.T) plan.LedgerStore { return &plan.MemStore{} })
}
