package projections

import (
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// TestUnitSummaryIntoReusesBreakdown checks that a roll-up written into a
// summary used before allocates nothing, its breakdown included: each
// allocation of a query costs a share of marking the whole projections
// heap. (That the figures written over an earlier roll-up equal a fresh
// one's is the property test's "into a reused summary".)
func TestUnitSummaryIntoReusesBreakdown(t *testing.T) {
	h := newCkptHistory(t, 11, 300)
	var s UnitSummary
	for _, tc := range []struct {
		name     string
		unit     domain.UnitID
		from, to domain.Date
	}{
		{"to a date", "vgcl", 0, domain.MaxDate},
		{"the province now", "lang-son", 0, domain.MaxDate},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if !h.proj.UnitSummaryInto(&s, tc.unit, tc.from, tc.to) || s.Breakdown == nil {
				t.Fatalf("UnitSummaryInto(%s) = no summary or no breakdown", tc.unit)
			}
			bd := s.Breakdown
			got := testing.AllocsPerRun(20, func() { h.proj.UnitSummaryInto(&s, tc.unit, tc.from, tc.to) })
			if got != 0 {
				t.Errorf("UnitSummaryInto(%s) into a used summary: %v allocations, want 0", tc.unit, got)
			}
			if s.Breakdown != bd {
				t.Errorf("UnitSummaryInto(%s) replaced the summary's breakdown instead of writing into it", tc.unit)
			}
		})
	}
}
