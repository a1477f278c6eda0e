package projections

import "github.com/welfare-ledger/welfare-ledger/domain"

// The person indexes of the breakdown lines (breakdown.go) are built at the
// first query of their fund's or unit's breakdown after a checkpoint load,
// not by the load. Every grant counts in the person index of its fund, its
// unit and every ancestor; building the same for its line in each of them
// as well doubled the load's sorting and the memory the indexes hold (a
// 10 M-event start went from 8.6 to 12.2 s of CPU and from 170 to 194
// bytes an event), for figures most funds and units are never asked for
// between two restarts.
//
// A load marks every fund and unit pending (rebuildBreakdown); the live
// apply then keeps the lines' running figures and reversals but leaves the
// person indexes of pending scopes alone, and the first query builds them
// from the transactions, which by then include every event applied since.
// A fund or a unit made after the load is not pending: its indexes start
// empty and the live apply keeps them, as after a replay.
//
// A query holds the read lock: no event is applied while it builds, so the
// transactions it reads do not move; bdBuild lets one query at a time
// build, and the pending flag, cleared after the build, is what other
// readers check before reading the indexes.

// fundBreakdown returns f's breakdown over [from, to] (from zero: the
// beginning), building its lines' persons if pending. Under the read lock.
func (p *Projections) fundBreakdown(f *fundNode, from, to domain.Date) *Breakdown {
	p.fundLinePersons(f)
	return breakdownOf(&f.breakdown, from, to)
}

// unitBreakdownInto sets *b to the breakdown of u's subtree over [from,
// to] (from zero: the beginning), building its lines' persons if pending.
// Under the read lock.
func (p *Projections) unitBreakdownInto(b *Breakdown, u *unitNode, from, to domain.Date) {
	p.unitLinePersons(u)
	breakdownInto(b, &u.breakdown, from, to)
}

// fundLinePersons builds the person indexes of f's lines if they are
// pending. Under the read lock.
func (p *Projections) fundLinePersons(f *fundNode) {
	if f.bdPersonsPending.Load() {
		p.bdBuild.Lock()
		if f.bdPersonsPending.Load() {
			p.buildLinePersons(&f.breakdown, []*fundNode{f}, func(g *fundNode) bool { return g == f })
			f.bdPersonsPending.Store(false)
		}
		p.bdBuild.Unlock()
	}
}

// unitLinePersons builds the person indexes of u's lines if they are
// pending. Under the read lock.
func (p *Projections) unitLinePersons(u *unitNode) {
	if u.bdPersonsPending.Load() {
		p.bdBuild.Lock()
		if u.bdPersonsPending.Load() {
			p.buildLinePersons(&u.breakdown, subtreeFunds(u, nil), func(f *fundNode) bool { return f.in(u) })
			u.bdPersonsPending.Store(false)
		}
		p.bdBuild.Unlock()
	}
}

// in reports whether f is in u's subtree.
func (f *fundNode) in(u *unitNode) bool {
	for a := f.unit; a != nil; a = a.parent {
		if a == u {
			return true
		}
	}
	return false
}

// buildLinePersons sets the person indexes of lines, the breakdown of
// funds (in tells whether a fund is one of them), from their grants and
// loans: those of each person with a grant in them, taken once. Under
// bdBuild.
func (p *Projections) buildLinePersons(lines *lineIndexes, funds []*fundNode, in func(*fundNode) bool) {
	indexes := make([]*personIndex, 0, numLines)
	var at [numLines + 1]int // a line's place in indexes + 1; 0: none (lineNone has none)
	for l, x := range lines {
		if x != nil {
			indexes = append(indexes, x.persons)
			at[l] = len(indexes)
		}
	}
	if len(indexes) == 0 {
		return
	}
	counted := func(t *txNode) bool {
		return t.helps() && at[lineOf(t)] != 0 && in(t.fund)
	}
	// The funds' transactions name a person once per grant: the build's
	// number marks those taken. (Finding instead whether a grant is the
	// person's first here reads the person's transactions at each grant:
	// 1.2 s of the root's 10 M.)
	p.bdBuilds++
	build := p.bdBuilds
	var benefs []*beneficiaryTxs
	for _, f := range funds {
		for _, t := range f.txs {
			if b := t.benef; b != nil && b.built != build && counted(t) {
				b.built = build
				benefs = append(benefs, b)
			}
		}
	}
	buildPeriods(benefs, indexes, func(t *txNode, buf []*personIndex) []*personIndex {
		if counted(t) {
			buf = append(buf, indexes[at[lineOf(t)]-1])
		}
		return buf
	})
}
