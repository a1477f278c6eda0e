package projections

import (
	"fmt"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// Period is one closure of a fiscal year as GET /v1/units/{unit_id}/periods
// serves it (API.md, "Closed fiscal periods"): UnitID is the unit asked
// about, ClosedBy the unit that closed the year (the unit itself or an
// ancestor). The closure's note and a reopening's reason are in the log
// only (GET /v1/events): they may name people.
type Period struct {
	UnitID     domain.UnitID   `json:"unit_id"`
	Year       int             `json:"year"`
	ClosedBy   domain.UnitID   `json:"closed_by"`
	Position   domain.Position `json:"position"`
	ClosedAt   time.Time       `json:"closed_at"`
	Seal       string          `json:"seal"`
	DecisionNo string          `json:"decision_no,omitempty"`
	ReopenedAt *time.Time      `json:"reopened_at,omitempty"`
}

// periodNode is one closure, reopened or not.
type periodNode struct {
	unit       domain.UnitID
	year       int
	seal       string
	decisionNo string
	pos        domain.Position
	closedAt   time.Time
	reopened   bool
	reopenedAt time.Time
}

// periodKey names a fiscal year of a unit.
type periodKey struct {
	unit domain.UnitID
	year int
}

// applyPeriod folds a PeriodClosing, PeriodClosed or PeriodReopened,
// into the closures' list (a PeriodClosed) and into the book the void
// rule reads. The write side refuses to close a closed year or to reopen
// an open one, so either in the log means a corrupted log. A reopening
// abandons a pending closing; only closes are listed.
func (p *Projections) applyPeriod(e *domain.Event) error {
	book := p.void.periods()
	switch d := e.Data.(type) {
	case *domain.PeriodClosing:
		if _, ok := p.units[d.UnitID]; !ok {
			return fmt.Errorf("closing of %d by unknown unit %q at %d: %w", d.Year, d.UnitID, e.Position, errInconsistent)
		}
		_, closed := book.Closed(d.UnitID, d.Year)
		if _, pending := book.Pending(d.UnitID, d.Year); closed || pending {
			return fmt.Errorf("closing of %d by %q at %d, already closed or closing: %w", d.Year, d.UnitID, e.Position, errInconsistent)
		}
	case *domain.PeriodClosed:
		key := periodKey{d.UnitID, d.Year}
		if _, ok := p.units[d.UnitID]; !ok {
			return fmt.Errorf("closure of %d by unknown unit %q at %d: %w", d.Year, d.UnitID, e.Position, errInconsistent)
		}
		if _, closed := p.closedNow[key]; closed {
			return fmt.Errorf("closure of %d by %q at %d, already closed: %w", d.Year, d.UnitID, e.Position, errInconsistent)
		}
		n := &periodNode{unit: d.UnitID, year: d.Year, seal: d.Seal, decisionNo: d.DecisionNo, pos: e.Position, closedAt: e.Meta.RecordedAt.UTC()}
		p.addPeriod(n)
	case *domain.PeriodReopened:
		key := periodKey{d.UnitID, d.Year}
		if n, ok := p.closedNow[key]; ok {
			n.reopened, n.reopenedAt = true, e.Meta.RecordedAt.UTC()
			delete(p.closedNow, key)
		} else if _, pending := book.Pending(d.UnitID, d.Year); !pending {
			return fmt.Errorf("reopening of %d by %q at %d, not closed: %w", d.Year, d.UnitID, e.Position, errInconsistent)
		}
	}
	book.Evolve(*e)
	return nil
}

// addPeriod appends a closure in log order.
func (p *Projections) addPeriod(n *periodNode) {
	if p.closedNow == nil {
		p.closedNow = map[periodKey]*periodNode{}
	}
	p.periods = append(p.periods, n)
	if !n.reopened {
		p.closedNow[periodKey{n.unit, n.year}] = n
	}
}

// PeriodsKnown returns the closures that cover a unit — its own and its
// ancestors' — in log order, as the ledger knew them at k (a zero k: now):
// closures recorded by then, with reopened_at when the reopening was
// recorded by then too. ok is false for a unit unknown (at k).
func (p *Projections) PeriodsKnown(id domain.UnitID, k Known) (items []Period, ok bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	u, found := p.units[id]
	if !found || !k.knowsTime(u.registered) {
		return nil, false
	}
	covers := map[domain.UnitID]bool{}
	for a := u; a != nil; a = a.parent {
		covers[a.view.ID] = true
	}
	items = []Period{}
	for _, n := range p.periods {
		if !covers[n.unit] || !k.knowsTime(n.closedAt) {
			continue
		}
		it := Period{UnitID: id, Year: n.year, ClosedBy: n.unit, Position: n.pos, ClosedAt: n.closedAt, Seal: n.seal, DecisionNo: n.decisionNo}
		if n.reopened && k.knowsTime(n.reopenedAt) {
			at := n.reopenedAt
			it.ReopenedAt = &at
		}
		items = append(items, it)
	}
	return items, true
}

// SealLines returns, for the seal of a closure of year by unit, every
// fund of the unit's subtree opened on or before 31 December of that year
// with its balance at the end of that day, from the events applied so far.
// ok is false for an unknown unit.
func (p *Projections) SealLines(unit domain.UnitID, year int) (lines []domain.SealLine, ok bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	u, found := p.units[unit]
	if !found {
		return nil, false
	}
	end := domain.YearEnd(year)
	for _, f := range subtreeFunds(u, nil) {
		if f.info.OpenedOn > end {
			continue
		}
		sums := f.sums.At(end)
		lines = append(lines, domain.SealLine{FundID: f.info.FundID, Balance: sums.balance()})
	}
	return lines, true
}
