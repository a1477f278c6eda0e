package benchlog

import (
	"testing"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// TestGenerateKeepsTheLedgerRules: the benchmark log is one a ledger could
// have recorded as far as dates go — no reversal dated before its original
// or naming another date for it, no repayment dated before its loan — so
// that the figures of the projections fed from it mean something.
func TestGenerateKeepsTheLedgerRules(t *testing.T) {
	log, err := Generate(20_000)
	if err != nil {
		t.Fatal(err)
	}
	dates := map[uuid.UUID]domain.Date{}
	reversals, repayments := 0, 0
	for _, se := range log {
		e, err := domain.Decode(se)
		if err != nil {
			t.Fatalf("Decode(position %d) = %v", se.Position, err)
		}
		d := e.Meta.OccurredOn
		switch data := e.Data.(type) {
		case *domain.TransactionReversed:
			reversals++
			orig, ok := dates[data.Reverses]
			switch {
			case !ok:
				t.Errorf("reversal at %d names %s, which is not earlier in the log", se.Position, data.Reverses)
			case d < orig:
				t.Errorf("reversal at %d is dated %s, before its original's %s", se.Position, d, orig)
			case data.OriginalOccurredOn != orig:
				t.Errorf("reversal at %d gives its original's date as %s, want %s", se.Position, data.OriginalOccurredOn, orig)
			}
		case *domain.LoanRepaid:
			repayments++
			if loan, ok := dates[data.LoanID]; !ok || d < loan {
				t.Errorf("repayment at %d is dated %s, its loan %s (found %v)", se.Position, d, loan, ok)
			}
		}
		dates[e.Meta.EventID] = d
	}
	if reversals == 0 || repayments == 0 {
		t.Errorf("the log has %d reversals and %d repayments, want some of each", reversals, repayments)
	}
}
