package projections

import (
	"context"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// The pages answer at once. A summary waits for its scope's breakdown
// persons when they are still to be built (breakdown_persons.go): after a
// start, until the warmer has reached the scope, its first breakdown takes
// up to a second on the root of a 10 M-event ledger. The API's answer must
// carry the breakdown, and waits; a page shows every other figure at once
// and says that the breakdown is being counted, and the job it starts has
// them ready for the page's reload a moment later.

// UnitSummaryNowInto is UnitSummaryInto without the wait: when the
// breakdown persons of the unit's subtree are still to be built it leaves
// s.Breakdown nil, reports pending, and starts their job (or leaves the
// running one to finish). Every other figure is UnitSummaryInto's. ok is
// false, and *s left as it was, for an unknown unit.
func (p *Projections) UnitSummaryNowInto(s *UnitSummary, id domain.UnitID, from, to domain.Date) (ok, pending bool) {
	p.mu.RLock()
	u, ok := p.units[id]
	if ok {
		pending = u.bdPersonsPending.Load()
		p.unitSummaryLocked(s, u, from, to, !pending)
	}
	p.mu.RUnlock()
	if pending {
		go p.readyLines(context.Background(), unitScope(u), jobWorkers())
	}
	return ok, pending
}

// FundSummaryNow is FundSummary without the wait, as UnitSummaryNowInto.
func (p *Projections) FundSummaryNow(id uuid.UUID, asOf domain.Date) (s FundSummary, ok, pending bool) {
	p.mu.RLock()
	f, ok := p.funds[id]
	if ok {
		s = f.summary(asOf)
		if pending = f.bdPersonsPending.Load(); !pending {
			s.Breakdown = p.fundBreakdown(f, 0, endOf(asOf))
		}
	}
	p.mu.RUnlock()
	if pending {
		go p.readyLines(context.Background(), fundScope(f), jobWorkers())
	}
	return s, ok, pending
}
