package projections

import "github.com/welfare-ledger/welfare-ledger/domain"

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
