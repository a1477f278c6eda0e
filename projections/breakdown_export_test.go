package projections

import (
	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// UnitSummaryWithoutBreakdownInto is UnitSummaryInto without the
// breakdown, as every roll-up was before it: the baseline of
// BenchmarkHistoryUnitSummaryBreakdown.
func (p *Projections) UnitSummaryWithoutBreakdownInto(s *UnitSummary, id domain.UnitID, from, to domain.Date) bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	u, ok := p.units[id]
	if !ok {
		return false
	}
	p.unitSummaryLocked(s, u, from, to, false)
	return true
}

// FundSummaryWithoutBreakdown is FundSummary without the breakdown, as a
// fund summary was before it: the baseline of the roll-up comparisons in
// docs/performance.md.
func (p *Projections) FundSummaryWithoutBreakdown(id uuid.UUID, asOf domain.Date) (FundSummary, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	f, ok := p.funds[id]
	if !ok {
		return FundSummary{}, false
	}
	return f.summary(asOf), true
}
