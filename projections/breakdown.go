package projections

import (
	"cmp"
	"slices"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// The breakdown (API.md, "Officials' figures"): count, amount and persons
// of every line a report prints — shelter grants by kind, assistance
// grants by category, loans — over the same period and with the same
// definitions as totals, counts and beneficiaries. This file holds the
// whole read model: its index, its live apply, its rebuild at checkpoint
// load (derived from the transactions a checkpoint already holds, so the
// checkpoint format is unchanged) and its queries.
//
// Counts and amounts are kept per fund and line as a running sum by
// business date, like the fund's own sums: a period is two lookups and a
// subtraction, and a unit's figure the sum of its funds'. Persons are
// distinct beneficiaries per line, in a person index per fund and line and
// per unit and line (the unit's spans the whole subtree), built like the
// fund's and unit's own person indexes but narrowed to the line. Indexes
// are made the first time a line has a grant in their scope: most funds
// pay a few kinds of grant only.

// numAssistance is the number of assistance categories
// (domain.AssistanceCategories; a test holds them equal).
const numAssistance = 8

// bdLine numbers the lines of a breakdown.
type bdLine uint8

const (
	lineNewBuild bdLine = iota
	lineRepair
	// lineAssistance is the first category's line; category i of
	// domain.AssistanceCategories is lineAssistance+i.
	lineAssistance
	lineLoans = lineAssistance + numAssistance
	numLines  = lineLoans + 1
	// lineNone is no line: donations, repayments, and a category no
	// longer in the list.
	lineNone = numLines
)

// lineOf returns the line a grant or loan, or the reversal of one, counts
// in.
func lineOf(t *txNode) bdLine {
	o := t
	if t.typ == typReversal {
		if o = t.link; o == nil {
			return lineNone
		}
	}
	switch o.kind {
	case kShelterNew:
		return lineNewBuild
	case kShelterRepair:
		return lineRepair
	case kLoan:
		return lineLoans
	case kAssistance:
		if o.enum > 0 && int(o.enum) <= numAssistance {
			return lineAssistance + bdLine(o.enum-1)
		}
	}
	return lineNone
}

// bdFig is a line's running figures at the end of a date: the amount
// (originals add, reversals subtract), the originals counted by their
// dates and the reversals by theirs — with the early reversals of a
// period (see lineFigures.early), a period's count, as lineSums.counts.
type bdFig struct {
	amt       domain.VND
	orig, rev count
}

// lineSeries is a running bdFig by business date.
type lineSeries struct {
	dates []domain.Date
	cum   []bdFig
	idx   domain.DateIndex
}

// add records on date d the amount v, n originals and r reversals.
func (s *lineSeries) add(d domain.Date, v domain.VND, n, r count) {
	for j := s.entryAt(d); j < len(s.cum); j++ {
		s.cum[j] = bdFig{amt: s.cum[j].amt.Add(v), orig: s.cum[j].orig + n, rev: s.cum[j].rev + r}
	}
}

// entryAt returns the index of date d's entry, adding one (with the
// figures of the date before) when d has none.
func (s *lineSeries) entryAt(d domain.Date) int {
	last := len(s.dates) - 1
	if last >= 0 && s.dates[last] == d {
		return last
	}
	i, found := slices.BinarySearch(s.dates, d)
	if found {
		return i
	}
	var prev bdFig
	if i > 0 {
		prev = s.cum[i-1]
	}
	s.dates = slices.Insert(s.dates, i, d)
	s.cum = slices.Insert(s.cum, i, prev)
	if i == last+1 {
		s.idx.Appended(d, last+1)
	} else {
		s.idx.Inserted(d, last+1)
	}
	return i
}

// at returns the figures at the end of date d.
func (s *lineSeries) at(d domain.Date) bdFig {
	if n := s.idx.UpTo(s.dates, d); n > 0 {
		return s.cum[n-1]
	}
	return bdFig{}
}

// bdRev is a reversal of a line: its original's date and its own.
type bdRev struct{ orig, rev domain.Date }

// lineFigures is one line of one fund.
type lineFigures struct {
	sums lineSeries
	// revs lists the line's reversals sorted by their dates, for the
	// count of a period that does not start at the beginning.
	revs    []bdRev
	persons *personIndex
}

// early returns the number of reversals dated in [from, to] whose
// original is dated before from (see lineSums.counts); from is not zero.
func (lf *lineFigures) early(from, to domain.Date) count {
	i, _ := slices.BinarySearchFunc(lf.revs, from, func(r bdRev, d domain.Date) int { return cmp.Compare(r.rev, d) })
	n := count(0)
	for ; i < len(lf.revs) && lf.revs[i].rev <= to; i++ {
		if lf.revs[i].orig < from {
			n++
		}
	}
	return n
}

// fundBreakdown is a fund's lines; nil until the line has a grant.
type fundBreakdown [numLines]*lineFigures

// line returns f's line l, making it.
func (f *fundNode) line(l bdLine) *lineFigures {
	lf := f.breakdown[l]
	if lf == nil {
		lf = &lineFigures{persons: &personIndex{fund: f, byLine: true, line: l}}
		f.breakdown[l] = lf
	}
	return lf
}

// linePersons returns u's person index of line l, making it.
func (u *unitNode) linePersons(l bdLine) *personIndex {
	x := u.breakdown[l]
	if x == nil {
		x = &personIndex{unit: u, byLine: true, line: l}
		u.breakdown[l] = x
	}
	return x
}

// --- live apply ------------------------------------------------------------

// breakdownGrant adds grant or loan t of beneficiary b to its fund's line
// and to the line's person indexes of the fund, its unit and every
// ancestor. It runs before t joins b's list.
func (p *Projections) breakdownGrant(f *fundNode, b *beneficiaryTxs, t *txNode) {
	l := lineOf(t)
	if l == lineNone {
		return
	}
	lf := f.line(l)
	lf.sums.add(t.date, t.amount(), 1, 0)
	p.grantBuf = personGrants(b, p.grantBuf[:0])
	p.spanBuf = lf.persons.spansIn(p.grantBuf, p.spanBuf[:0])
	lf.persons.grant(p.spanBuf, t.date)
	for u := f.unit; u != nil; u = u.parent {
		x := u.linePersons(l)
		p.spanBuf = x.spansIn(p.grantBuf, p.spanBuf[:0])
		x.grant(p.spanBuf, t.date)
	}
}

// breakdownReverse counts, on date d, the reversal of grant or loan orig.
// It runs before orig's link is set: the person's spans are read from
// their grants, and orig is still counted until this reversal.
func (p *Projections) breakdownReverse(f *fundNode, orig *txNode, d domain.Date) {
	l := lineOf(orig)
	if l == lineNone {
		return
	}
	lf := f.line(l)
	lf.sums.add(d, orig.amount().Neg(), 0, 1)
	lf.addRev(bdRev{orig: orig.date, rev: d})
	p.grantBuf = personGrants(orig.benef, p.grantBuf[:0])
	p.spanBuf = lf.persons.spansIn(p.grantBuf, p.spanBuf[:0])
	lf.persons.reverse(orig.benef, p.spanBuf, orig.date, d)
	for u := f.unit; u != nil; u = u.parent {
		x := u.linePersons(l)
		p.spanBuf = x.spansIn(p.grantBuf, p.spanBuf[:0])
		x.reverse(orig.benef, p.spanBuf, orig.date, d)
	}
}

// addRev inserts r into revs after those dated on or before r.rev.
func (lf *lineFigures) addRev(r bdRev) {
	i, _ := slices.BinarySearchFunc(lf.revs, r.rev+1, func(x bdRev, d domain.Date) int { return cmp.Compare(x.rev, d) })
	lf.revs = slices.Insert(lf.revs, i, r)
}

// --- rebuild at checkpoint load ----------------------------------------------

// bdMove is one transaction's change to a line, for the rebuild.
type bdMove struct {
	date      domain.Date
	amt       domain.VND
	orig, rev count
}

// rebuildBreakdown builds every fund's lines from its transactions, after
// a checkpoint load (which stores none of it), and makes the person
// indexes of every line of a fund and of its unit and ancestors, empty:
// rebuildPeople fills them with the others (see personIndexesOf).
func (p *Projections) rebuildBreakdown() {
	var moves [numLines][]bdMove
	for _, f := range p.fundOrder {
		for l := range moves {
			moves[l] = moves[l][:0]
		}
		for _, t := range f.txs {
			l := lineOf(t)
			if l == lineNone {
				continue
			}
			if t.typ == typReversal {
				moves[l] = append(moves[l], bdMove{date: t.date, amt: t.amount().Neg(), rev: 1})
				lf := f.line(l)
				lf.revs = append(lf.revs, bdRev{orig: t.link.date, rev: t.date})
				continue
			}
			moves[l] = append(moves[l], bdMove{date: t.date, amt: t.amount(), orig: 1})
		}
		for l := range moves {
			if len(moves[l]) == 0 {
				continue
			}
			lf := f.line(bdLine(l))
			slices.SortStableFunc(lf.revs, func(a, b bdRev) int { return cmp.Compare(a.rev, b.rev) })
			lf.sums.build(moves[l])
			for u := f.unit; u != nil; u = u.parent {
				u.linePersons(bdLine(l))
			}
		}
	}
}

// build sets s, empty, to the running sums of moves (sorted here).
func (s *lineSeries) build(moves []bdMove) {
	slices.SortStableFunc(moves, func(a, b bdMove) int { return cmp.Compare(a.date, b.date) })
	var run bdFig
	for i, m := range moves {
		run = bdFig{amt: run.amt.Add(m.amt), orig: run.orig + m.orig, rev: run.rev + m.rev}
		if i+1 < len(moves) && moves[i+1].date == m.date {
			continue
		}
		s.idx.Appended(m.date, len(s.dates))
		s.dates = append(s.dates, m.date)
		s.cum = append(s.cum, run)
	}
}

// appendLineIndexes appends the line person indexes of every unit and fund
// to indexes, numbering them on from its length, for rebuildPeople.
func (p *Projections) appendLineIndexes(indexes []*personIndex) []*personIndex {
	add := func(x *personIndex) {
		if x != nil {
			x.ord = uint32(len(indexes))
			indexes = append(indexes, x)
		}
	}
	for _, u := range p.unitOrder {
		for _, x := range u.breakdown {
			add(x)
		}
	}
	for _, f := range p.fundOrder {
		for _, lf := range f.breakdown {
			if lf != nil {
				add(lf.persons)
			}
		}
	}
	return indexes
}

// personIndexesOf appends to buf, and returns, every person index grant
// or loan t counts in: its fund's, its unit's and every ancestor's, and
// the same of its breakdown line.
func personIndexesOf(t *txNode, buf []*personIndex) []*personIndex {
	l := lineOf(t)
	if t.fund.persons != nil {
		buf = append(buf, t.fund.persons)
	}
	if l != lineNone && t.fund.breakdown[l] != nil {
		buf = append(buf, t.fund.breakdown[l].persons)
	}
	for u := t.fund.unit; u != nil; u = u.parent {
		buf = append(buf, u.persons)
		if l != lineNone && u.breakdown[l] != nil {
			buf = append(buf, u.breakdown[l])
		}
	}
	return buf
}

// --- queries -------------------------------------------------------------------

// bdSum adds up the counts and amounts of funds' lines over a period.
type bdSum [numLines]struct {
	count int
	amt   domain.VND
}

// addFund adds fund f's lines over [from, to] (from zero: the beginning).
func (s *bdSum) addFund(f *fundNode, from, to domain.Date) {
	for l, lf := range f.breakdown {
		if lf == nil {
			continue
		}
		closing := lf.sums.at(to)
		c, amt := closing.orig-closing.rev, closing.amt
		if !from.IsZero() {
			opening := lf.sums.at(from - 1)
			c -= opening.orig - opening.rev
			// The reversals dated in the period of originals dated before
			// it: their originals are not in the period's count.
			c += lf.early(from, to)
			amt = amt.Sub(opening.amt)
		}
		s[l].count += int(c)
		s[l].amt = s[l].amt.Add(amt)
	}
}

// periodPersons returns the persons x counts over [from, to] (from zero:
// at the end of to); x nil counts none.
func (x *personIndex) periodPersons(from, to domain.Date) int {
	switch {
	case x == nil:
		return 0
	case from.IsZero():
		return x.upTo(to)
	}
	return x.between(from, to)
}

// upTo returns the number of persons counted at the end of date d: with a
// grant or loan dated d or before and not reversed on or before d. It is
// between from the first date: every repeat's previous grant is in the
// period, so the persons are the first grants not reversed, and those
// whose only grants by d were reversed after it.
func (x *personIndex) upTo(d domain.Date) int {
	k := x.daysIdx.UpTo(x.days, d)
	return int(x.start(k)-x.repStart(k)) + x.lateReversed(1, d)
}

// breakdown returns the figures of s with the persons of the line
// indexes persons over [from, to].
func (s *bdSum) breakdown(persons *[numLines]*personIndex, from, to domain.Date) *Breakdown {
	var b Breakdown
	for l := range bdLine(numLines) {
		*b.line(l) = Figure{Count: s[l].count, Amount: s[l].amt, Persons: persons[l].periodPersons(from, to)}
	}
	return &b
}

// line returns the figure of line l.
func (b *Breakdown) line(l bdLine) *Figure {
	switch {
	case l == lineNewBuild:
		return &b.ShelterGrants.NewBuild
	case l == lineRepair:
		return &b.ShelterGrants.Repair
	case l == lineLoans:
		return &b.Loans
	}
	return &b.AssistanceGrants[l-lineAssistance]
}

// breakdownOf returns fund f's breakdown over [from, to] (from zero: the
// beginning).
func (f *fundNode) breakdownOf(from, to domain.Date) *Breakdown {
	var s bdSum
	s.addFund(f, from, to)
	var persons [numLines]*personIndex
	for l, lf := range f.breakdown {
		if lf != nil {
			persons[l] = lf.persons
		}
	}
	return s.breakdown(&persons, from, to)
}

// foldBreakdown is the breakdown of funds over [from, to] (from zero: the
// beginning) as known at k, by its definition, transaction by
// transaction: for known_at queries whose funds have late transactions,
// and as the reference of the indexes.
func foldBreakdown(funds []*fundNode, k Known, from, to domain.Date) *Breakdown {
	var b Breakdown
	var persons [numLines]map[*beneficiaryTxs]struct{}
	for _, f := range funds {
		if !k.knowsTime(f.opened) {
			continue
		}
		for _, t := range f.txs {
			l := lineOf(t)
			if l == lineNone || !k.knows(t) || t.date < from || t.date > to {
				continue
			}
			fig := b.line(l)
			if t.typ == typReversal {
				fig.Amount = fig.Amount.Sub(t.amount())
				continue
			}
			fig.Amount = fig.Amount.Add(t.amount())
			if r := t.link; r != nil && r.date <= to && k.knows(r) {
				continue // reversed on or before to
			}
			fig.Count++
			if persons[l] == nil {
				persons[l] = map[*beneficiaryTxs]struct{}{}
			}
			persons[l][t.benef] = struct{}{}
		}
	}
	for l := range bdLine(numLines) {
		b.line(l).Persons = len(persons[l])
	}
	return &b
}
