package projections

import "github.com/welfare-ledger/welfare-ledger/domain"

// The closures' section of a checkpoint (format 6 on), after the tokens:
// their number, then each closure in log order — closing unit, year,
// seal, decision number, position, recorded_at, whether it was reopened
// and, if so, the reopening's recorded_at.

// snapPeriods copies the closures under the read lock.
func (p *Projections) snapPeriods() []periodNode {
	out := make([]periodNode, len(p.periods))
	for i, n := range p.periods {
		out[i] = *n
	}
	return out
}

func encodePeriods(e *enc, periods []periodNode) {
	e.u(uint64(len(periods)))
	for _, n := range periods {
		e.str(string(n.unit))
		e.u(uint64(n.year))
		e.str(n.seal)
		e.str(n.decisionNo)
		e.u(uint64(n.pos))
		encodeTime(e, n.closedAt)
		e.bool1(n.reopened)
		if n.reopened {
			encodeTime(e, n.reopenedAt)
		}
	}
}

// readPeriods reads the closures' section into p, checking what Apply
// would refuse: a closure by a unit the checkpoint does not hold, two
// closures of a year in force at once, positions out of log order.
func (p *Projections) readPeriods(d *dec) {
	n := d.count(maxCkptItems)
	var last domain.Position
	for range n {
		c := &periodNode{unit: domain.UnitID(d.str()), year: int(d.u()), seal: d.str(), decisionNo: d.str(), pos: domain.Position(d.u())}
		c.closedAt = decodeTime(d)
		if c.reopened = d.bool1(); c.reopened {
			c.reopenedAt = decodeTime(d)
		}
		if d.err != nil {
			return
		}
		if _, ok := p.units[c.unit]; !ok {
			d.fail("closure of %d by unknown unit %q", c.year, c.unit)
			return
		}
		if c.pos <= last || c.pos > p.pos {
			d.fail("closure at position %d after %d, checkpoint at %d", c.pos, last, p.pos)
			return
		}
		if _, open := p.closedNow[periodKey{c.unit, c.year}]; open && !c.reopened {
			d.fail("two closures of %d by %q in force", c.year, c.unit)
			return
		}
		last = c.pos
		p.addPeriod(c)
	}
}
