package projections

import (
	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// The pages answer at once. A summary waits for its scope's breakdown
// persons when they are still to be built (breakdown_persons.go): after a
// start, until the warmer has reached the scope, its first breakdown takes
// up to a second on the root of a 10 M-event ledger. The API's answer must
// carry the breakdown, and waits; a page shows every other figure at once
// and says that the breakdown is being counted, and once it has answered
// starts the count (CountUnitBreakdown), which has the breakdown ready for
// the page's reload a moment later. Started before the page is written,
// the count's workers took the cores from it (a province's first page
// after a 10 M-event start: 77 ms).

// UnitSummaryNowInto is UnitSummaryInto without the wait: when the
// breakdown persons of the unit's subtree are still to be built it leaves
// s.Breakdown nil and reports pending. Every other figure is
// UnitSummaryInto's. ok is false, and *s left as it was, for an unknown
// unit.
func (p *Projections) UnitSummaryNowInto(s *UnitSummary, id domain.UnitID, from, to domain.Date) (ok, pending bool) {
	p.mu.RLock()
	u, ok := p.units[id]
	if ok {
		pending = u.bdPersonsPending.Load()
		p.unitSummaryLocked(s, u, from, to, !pending)
	}
	p.mu.RUnlock()
	return ok, pending
}

// CountUnitBreakdown starts the count of the breakdown persons of unit
// id's subtree if they are still to be built (or leaves the running count
// to finish), and returns at once.
func (p *Projections) CountUnitBreakdown(id domain.UnitID) { go p.readyUnitLines(id) }

// CountFundBreakdown is CountUnitBreakdown for fund id.
func (p *Projections) CountFundBreakdown(id uuid.UUID) { go p.readyFundLines(id) }

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
	return s, ok, pending
}
