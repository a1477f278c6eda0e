package projections

import (
	"cmp"
	"fmt"
	"slices"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// VoidEvent is a money event or fund opening that the void rule
// (domain.Periods.VoidAt) leaves out: it is in the log, and counts
// nowhere. GET /v1/events lists it; verify reports it as a finding that
// is not a mismatch.
type VoidEvent struct {
	FundID     uuid.UUID
	Position   domain.Position
	EventID    uuid.UUID
	Type       domain.EventType
	OccurredOn domain.Date
	// ClosedBy and Year name the close that makes it void; Pending is
	// true when that close was still being sealed at the event's
	// position.
	ClosedBy domain.UnitID
	Year     int
	Pending  bool
}

// voidState is the void rule's state in the projections: the period
// stream folded in log order, and the void events met.
type voidState struct {
	book  *domain.Periods
	paths map[*unitNode][]domain.UnitID
	// events are the void events in log order; funds the funds whose
	// opening was void (their later events are void too).
	events []VoidEvent
	funds  map[uuid.UUID]VoidEvent
}

func (v *voidState) periods() *domain.Periods {
	if v.book == nil {
		v.book = domain.NewPeriods()
	}
	return v.book
}

// pathOf returns a unit's path, root first: the void rule's input.
func (v *voidState) pathOf(u *unitNode) []domain.UnitID {
	if p, ok := v.paths[u]; ok {
		return p
	}
	var path []domain.UnitID
	for a := u; a != nil; a = a.parent {
		path = append(path, a.view.ID)
	}
	slices.Reverse(path)
	if v.paths == nil {
		v.paths = map[*unitNode][]domain.UnitID{}
	}
	v.paths[u] = path
	return path
}

// skipVoid reports whether e is void, and records it if so. An event the
// rule does not apply to, or of a fund or unit the projections do not
// know, is not void here (applying it reports the inconsistency).
func (p *Projections) skipVoid(e *domain.Event) bool {
	v := &p.void
	if v.book == nil || (v.book.Closings() == 0 && len(v.funds) == 0) || !domain.Voidable(e) {
		return false
	}
	var fundID uuid.UUID
	var unit *unitNode
	switch d := e.Data.(type) {
	case *domain.FundOpened:
		fundID, unit = d.FundID, p.units[d.UnitID]
	case domain.MoneyEvent:
		fundID = d.Money().FundID
		if opening, ok := v.funds[fundID]; ok {
			// The fund was never opened, as far as anything counts.
			v.record(e, fundID, opening.ClosedBy, opening.Year, opening.Pending)
			return true
		}
		if f, ok := p.funds[fundID]; ok {
			unit = f.unit
		}
	}
	if unit == nil {
		return false
	}
	cause, void := v.book.VoidAt(v.pathOf(unit), e.Meta.OccurredOn, e.Position)
	if !void {
		return false
	}
	rec := v.record(e, fundID, cause.Span.UnitID, cause.Span.Year, cause.Pending)
	if _, ok := e.Data.(*domain.FundOpened); ok {
		if v.funds == nil {
			v.funds = map[uuid.UUID]VoidEvent{}
		}
		v.funds[fundID] = rec
	}
	return true
}

func (v *voidState) record(e *domain.Event, fund uuid.UUID, by domain.UnitID, year int, pending bool) VoidEvent {
	rec := VoidEvent{FundID: fund, Position: e.Position, EventID: e.Meta.EventID, Type: e.Type, OccurredOn: e.Meta.OccurredOn,
		ClosedBy: by, Year: year, Pending: pending}
	v.events = append(v.events, rec)
	return rec
}

// VoidEvents returns the void events applied so far, in log order.
func (p *Projections) VoidEvents() []VoidEvent {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return slices.Clone(p.void.events)
}

// VoidCount returns how many void events have been applied.
func (p *Projections) VoidCount() int {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return len(p.void.events)
}

// The void section of a checkpoint (format 7 on), after the closures: the
// closings still pending (unit, year, position), then the void events in
// log order. The period book is rebuilt from the closures in force and the
// pending closings: every event after the checkpoint is after the end of
// any close that ended before it, so those are not needed.

// voidSnap is the void state copied under the read lock.
type voidSnap struct {
	pending []domain.ClosingSpan
	events  []VoidEvent
}

func (p *Projections) snapVoids() voidSnap {
	s := voidSnap{events: slices.Clone(p.void.events)}
	if p.void.book != nil {
		s.pending = p.void.book.PendingClosings()
		slices.SortFunc(s.pending, func(a, b domain.ClosingSpan) int { return cmp.Compare(a.From, b.From) })
	}
	return s
}

func encodeVoids(e *enc, s voidSnap) {
	e.u(uint64(len(s.pending)))
	for _, sp := range s.pending {
		e.str(string(sp.UnitID))
		e.u(uint64(sp.Year))
		e.u(uint64(sp.From))
	}
	e.u(uint64(len(s.events)))
	for _, v := range s.events {
		e.id(v.FundID)
		e.u(uint64(v.Position))
		e.id(v.EventID)
		e.str(string(v.Type))
		e.i(int64(v.OccurredOn))
		e.str(string(v.ClosedBy))
		e.u(uint64(v.Year))
		e.bool1(v.Pending)
	}
}

// readVoids reads the void section into p, whose closures are read, and
// rebuilds the period book the void rule reads.
func (p *Projections) readVoids(d *dec) {
	type pendingClosing struct {
		unit domain.UnitID
		year int
		from domain.Position
	}
	var pending []pendingClosing
	for range d.count(maxCkptItems) {
		c := pendingClosing{unit: domain.UnitID(d.str()), year: int(d.u()), from: domain.Position(d.u())}
		if d.err != nil {
			return
		}
		if _, ok := p.units[c.unit]; !ok || c.from > p.pos {
			d.fail("pending closing of %d by %q at %d", c.year, c.unit, c.from)
			return
		}
		pending = append(pending, c)
	}
	var last domain.Position
	for range d.count(maxCkptItems) {
		v := VoidEvent{FundID: d.id(), Position: domain.Position(d.u()), EventID: d.id(), Type: domain.EventType(d.str()),
			OccurredOn: domain.Date(d.i()), ClosedBy: domain.UnitID(d.str()), Year: int(d.u()), Pending: d.bool1()}
		if d.err != nil {
			return
		}
		if v.Position <= last || v.Position > p.pos {
			d.fail("void event at position %d after %d, checkpoint at %d", v.Position, last, p.pos)
			return
		}
		last = v.Position
		p.void.events = append(p.void.events, v)
		if v.Type == domain.TypeFundOpened {
			if p.void.funds == nil {
				p.void.funds = map[uuid.UUID]VoidEvent{}
			}
			p.void.funds[v.FundID] = v
		}
	}
	// The book: the closures in force, then the pending closings.
	book := p.void.periods()
	for _, n := range p.periods {
		if !n.reopened {
			book.Evolve(domain.Event{Position: n.pos, Data: &domain.PeriodClosed{UnitID: n.unit, Year: n.year, Seal: n.seal}})
		}
	}
	for _, c := range pending {
		if _, closed := book.Closed(c.unit, c.year); closed {
			d.fail("pending closing of %d by %q, closed too", c.year, c.unit)
			return
		}
		book.Evolve(domain.Event{Position: c.from, Data: &domain.PeriodClosing{UnitID: c.unit, Year: c.year}})
	}
}

// voids compares the void state of the live projections with the one
// rebuilt from the log.
func (c *comparer) voids(live, log voidSnap) {
	if !slices.Equal(live.pending, log.pending) {
		c.report(domain.PeriodStream, c.pos, "pending closings: live %v, log %v", live.pending, log.pending)
	}
	for i := range min(len(live.events), len(log.events)) {
		if live.events[i] != log.events[i] {
			l, g := live.events[i], log.events[i]
			c.report(domain.FundStream(l.FundID), min(l.Position, g.Position), "void event #%d: live %s, log %s", i+1, describeVoid(l), describeVoid(g))
			return
		}
	}
	if len(live.events) != len(log.events) {
		c.report(domain.PeriodStream, c.pos, "%d void events in the live projections, %d in the log", len(live.events), len(log.events))
	}
}

func describeVoid(v VoidEvent) string {
	return fmt.Sprintf("%s %s at %d dated %s (close of %d by %s, pending %v)", v.Type, v.EventID, v.Position, v.OccurredOn, v.Year, v.ClosedBy, v.Pending)
}
