package projections

import (
	"cmp"
	"math"
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
// Each fund, and each unit for its whole subtree, keeps per line a running
// sum of counts and amounts by business date, like a fund's own sums (a
// period is two lookups and a subtraction), the line's reversals (for the
// count of a period), and a person index built like the fund's and unit's
// own but narrowed to the line (distinct persons, across the subtree for a
// unit). A line's index is made the first time the line has a grant in its
// scope: most funds pay a few kinds of grant only. After a replay
// (catchUp) the lines' person indexes are built after it, or at their
// scope's first breakdown query (breakdown_persons.go); after a checkpoint
// load the lines themselves too, all at once before the first job
// (buildLinesNow).
//
// A grant whose category this program does not list (enum 0: kept in the
// transaction's text) counts in no line; the domain refuses such grants.

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
	// lineNone is no line: donations, repayments, and a category this
	// program does not list.
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
// period (see lineIndex.early), a period's count, as lineSums.counts.
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
func (s *lineSeries) at(d domain.Date) bdFig { return s.nth(s.count(d)) }

// count returns the number of dates on or before d, for nth.
func (s *lineSeries) count(d domain.Date) int { return s.idx.UpTo(s.dates, d) }

// nth returns the figures at the end of the n-th date (1-based): zero for
// n = 0.
func (s *lineSeries) nth(n int) bdFig {
	if n == 0 {
		return bdFig{}
	}
	return s.cum[n-1]
}

// bdRev is a reversal of a line: its original's date and its own.
type bdRev struct{ orig, rev domain.Date }

// lineIndex is one line of a fund, or of a unit's subtree: its running
// figures, its reversals and its persons. A unit keeps its own rather than
// summing its funds' at query time: a province has hundreds of funds with
// several lines each, and reading each line's entry is a cache miss, where
// a unit's line is two reads whatever its size.
type lineIndex struct {
	sums lineSeries
	// revs lists the line's reversals sorted by their dates, for the
	// count of a period that does not start at the beginning.
	revs    []bdRev
	persons *personIndex
}

// early returns the number of reversals dated in [from, to] whose
// original is dated before from (see lineSums.counts); from is not zero.
func (x *lineIndex) early(from, to domain.Date) count {
	i, _ := slices.BinarySearchFunc(x.revs, from, func(r bdRev, d domain.Date) int { return cmp.Compare(r.rev, d) })
	n := count(0)
	for ; i < len(x.revs) && x.revs[i].rev <= to; i++ {
		if x.revs[i].orig < from {
			n++
		}
	}
	return n
}

// lineIndexes are the lines of a fund or a unit; nil until the line has a
// grant in its scope.
type lineIndexes [numLines]*lineIndex

// line returns f's line l, making it.
func (f *fundNode) line(l bdLine) *lineIndex {
	x := f.breakdown[l]
	if x == nil {
		x = &lineIndex{persons: &personIndex{fund: f, byLine: true, line: l}}
		f.breakdown[l] = x
	}
	return x
}

// line returns u's line l, making it.
func (u *unitNode) line(l bdLine) *lineIndex {
	x := u.breakdown[l]
	if x == nil {
		x = &lineIndex{persons: &personIndex{unit: u, byLine: true, line: l}}
		u.breakdown[l] = x
	}
	return x
}

// --- live apply ------------------------------------------------------------

// breakdownGrant adds grant or loan t to its line in its fund, its unit
// and every ancestor; grants are its beneficiary's (personGrants), read
// before t joins the beneficiary's list. It leaves alone the lines a load
// left to be built (linesLater): they are built from every transaction
// applied, t included (buildLinesNow).
func (p *Projections) breakdownGrant(f *fundNode, grants []grantSpan, t *txNode) {
	l := lineOf(t)
	if l == lineNone {
		return
	}
	grant := func(x *lineIndex, pending bool, job *linePersonsJob) {
		x.sums.add(t.date, t.amount(), 1, 0)
		if pending {
			job.record(t, false) // counted by the job, if one runs, or with the rest
			return
		}
		p.spanBuf = x.persons.spansIn(grants, p.spanBuf[:0])
		x.persons.grant(t.benef, p.spanBuf, t.date)
	}
	if !f.linesLater {
		grant(f.line(l), f.bdPersonsPending.Load(), f.bdJob)
	}
	for u := f.unit; u != nil; u = u.parent {
		if !u.linesLater {
			grant(u.line(l), u.bdPersonsPending.Load(), u.bdJob)
		}
	}
}

// breakdownReverse counts, on date d, the reversal of grant or loan orig
// in its line of its fund, its unit and every ancestor. It runs before
// orig's link is set: the person's spans are read from grants, their
// grants (personGrants), and orig is still counted until this reversal.
// It leaves alone the lines a load left to be built, as breakdownGrant.
func (p *Projections) breakdownReverse(f *fundNode, grants []grantSpan, orig *txNode, d domain.Date) {
	l := lineOf(orig)
	if l == lineNone {
		return
	}
	reverse := func(x *lineIndex, pending bool, job *linePersonsJob) {
		x.sums.add(d, orig.amount().Neg(), 0, 1)
		x.addRev(bdRev{orig: orig.date, rev: d})
		if pending {
			job.record(orig, true) // counted by the job, if one runs, or with the rest
			return
		}
		p.spanBuf = x.persons.spansIn(grants, p.spanBuf[:0])
		x.persons.reverse(orig.benef, p.spanBuf, orig.date, d)
	}
	if !f.linesLater {
		reverse(f.line(l), f.bdPersonsPending.Load(), f.bdJob)
	}
	for u := f.unit; u != nil; u = u.parent {
		if !u.linesLater {
			reverse(u.line(l), u.bdPersonsPending.Load(), u.bdJob)
		}
	}
}

// addRev inserts r into revs after those dated on or before r.rev.
func (x *lineIndex) addRev(r bdRev) {
	i, _ := slices.BinarySearchFunc(x.revs, r.rev+1, func(y bdRev, d domain.Date) int { return cmp.Compare(y.rev, d) })
	x.revs = slices.Insert(x.revs, i, r)
}

// --- rebuild at checkpoint load ----------------------------------------------

// bdMove is one transaction's change to a line, for the rebuild.
type bdMove struct {
	date      domain.Date
	amt       domain.VND
	orig, rev count
}

// deferBreakdown leaves, at a checkpoint load (which stores no line), the
// lines of every fund and unit to buildLinesNow, and their person indexes
// to jobs (breakdown_persons.go). Built at the load, the lines cost a
// 10 M-event start 0.5-1 s of CPU before it was ready (of 9-10 s); a start
// needs none of them to be ready. p is not shared yet.
func (p *Projections) deferBreakdown() {
	for _, f := range p.fundOrder {
		f.bdPersonsPending.Store(true)
		f.linesLater = true
	}
	for _, u := range p.unitOrder {
		u.bdPersonsPending.Store(true)
		u.linesLater = true
	}
	p.linesBuild = &linesBuild{units: len(p.unitOrder)}
	p.bdLinesLater.Store(true)
}

// buildLinesNow builds the lines a load left to be built (deferBreakdown):
// each fund's from its transactions, then each unit's from its funds' and
// its children's, one fund or unit per turn under the write lock, so that
// writes wait for one fund's lines at most, not for all of them: at 10 M
// events 677 turns take 0.50 s, the longest 8.6 ms (load 2.4), where all
// at once held the lock 0.7-0.9 s (load 6; docs/performance.md). The live apply keeps the lines of a fund or unit from its
// turn on, and leaves those still to be built alone (they will be built
// from every transaction then applied); a unit is built after everything
// under it, from their lines as they stand. Funds and units made after
// the load keep theirs from the start. It runs before any breakdown job
// (readyLines), which reads the lines; a second caller waits for the
// first. Not under the lock.
func (p *Projections) buildLinesNow() {
	if !p.bdLinesLater.Load() {
		return
	}
	p.linesMu.Lock()
	defer p.linesMu.Unlock()
	for p.bdLinesLater.Load() {
		p.mu.Lock()
		p.buildLinesTurn()
		p.mu.Unlock()
	}
}

// linesBuild is where buildLinesNow stands, and its scratch.
type linesBuild struct {
	// funds is the next fund to build, from the first; units the unit
	// after the next, from the last one the load read.
	funds, units int
	moves        [numLines][]bdMove
	sums         []bdMove
	parts        []*lineIndex
	acc          dayAcc
}

// buildLinesTurn builds the lines of the next fund the load left, or once
// every fund has its lines those of the next unit, children first; the
// turn that finds none left clears bdLinesLater. Under the write lock.
func (p *Projections) buildLinesTurn() {
	b := p.linesBuild
	for b.funds < len(p.fundOrder) {
		f := p.fundOrder[b.funds]
		b.funds++
		if f.linesLater {
			f.rebuildLines(&b.moves, &b.acc)
			f.linesLater = false
			return
		}
	}
	// A unit is registered after its parent: backwards, every unit comes
	// after its children.
	for b.units > 0 {
		b.units--
		u := p.unitOrder[b.units]
		if u.linesLater {
			b.sums = u.rebuildLines(b.parts, b.sums, &b.acc)
			u.linesLater = false
			return
		}
	}
	p.linesBuild = nil
	p.bdLinesLater.Store(false)
}

// rebuildLines sets u's lines, empty, to the sums of its funds' and its
// children's; parts, moves and acc are scratch, moves returned for the
// next call.
func (u *unitNode) rebuildLines(parts []*lineIndex, moves []bdMove, acc *dayAcc) []bdMove {
	for l := range bdLine(numLines) {
		parts = parts[:0]
		for _, f := range u.funds {
			if x := f.breakdown[l]; x != nil {
				parts = append(parts, x)
			}
		}
		for _, c := range u.children {
			if x := c.breakdown[l]; x != nil {
				parts = append(parts, x)
			}
		}
		if len(parts) > 0 {
			moves = u.line(l).sumOf(parts, moves, acc)
		}
	}
	return moves
}

// rebuildLines builds f's lines from its transactions; moves and acc are
// scratch.
func (f *fundNode) rebuildLines(moves *[numLines][]bdMove, acc *dayAcc) {
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
			x := f.line(l)
			x.revs = append(x.revs, bdRev{orig: t.link.date, rev: t.date})
			continue
		}
		moves[l] = append(moves[l], bdMove{date: t.date, amt: t.amount(), orig: 1})
	}
	for l := range moves {
		if len(moves[l]) > 0 {
			x := f.line(bdLine(l))
			x.revs = slices.Clip(x.revs)
			sortRevs(x.revs)
			x.sums.build(moves[l], acc)
		}
	}
}

// sortRevs sorts reversals by their dates (early counts them: their order
// within a date does not matter).
func sortRevs(revs []bdRev) {
	slices.SortFunc(revs, func(a, b bdRev) int { return cmp.Compare(a.rev, b.rev) })
}

// build sets s, empty, to the running sums of moves, an entry per date
// they have, in date order; acc is scratch. The moves come in log order
// (a fund's) or part after part (a unit's): rather than sort them, build
// adds each into its date's slot, a slot per day of the months they span,
// and sizes the entries exactly from the slots used (a load makes
// thousands of these series, held until the next restart).
func (s *lineSeries) build(moves []bdMove, acc *dayAcc) {
	if len(moves) == 0 {
		return
	}
	lo, hi := math.MaxInt, math.MinInt
	for _, m := range moves {
		k := dayKey(m.date)
		lo, hi = min(lo, k), max(hi, k)
	}
	if hi-lo >= maxDaySlots {
		s.buildSorted(moves) // dates decades apart: too many slots
		return
	}
	acc.reset(hi - lo + 1)
	for _, m := range moves {
		k := dayKey(m.date) - lo
		if !acc.used[k] {
			acc.used[k], acc.dates[k] = true, m.date
			acc.n++
		}
		f := &acc.figs[k]
		*f = bdFig{amt: f.amt.Add(m.amt), orig: f.orig + m.orig, rev: f.rev + m.rev}
	}
	s.dates, s.cum = make([]domain.Date, 0, acc.n), make([]bdFig, 0, acc.n)
	var run bdFig
	for k, used := range acc.used {
		if !used {
			continue
		}
		f := acc.figs[k]
		run = bdFig{amt: run.amt.Add(f.amt), orig: run.orig + f.orig, rev: run.rev + f.rev}
		s.appendEntry(acc.dates[k], run)
	}
}

// buildSorted is build by sorting the moves by date (the order within a
// date does not change the date's sums).
func (s *lineSeries) buildSorted(moves []bdMove) {
	byDate := func(a, b bdMove) int { return cmp.Compare(a.date, b.date) }
	if !slices.IsSortedFunc(moves, byDate) {
		slices.SortFunc(moves, byDate)
	}
	var run bdFig
	for i, m := range moves {
		run = bdFig{amt: run.amt.Add(m.amt), orig: run.orig + m.orig, rev: run.rev + m.rev}
		if i+1 < len(moves) && moves[i+1].date == m.date {
			continue
		}
		s.appendEntry(m.date, run)
	}
}

// dayAcc is build's scratch: per day slot, whether a move has it, its date
// and its moves' sum; n counts the slots used.
type dayAcc struct {
	used  []bool
	dates []domain.Date
	figs  []bdFig
	n     int
}

// reset makes n empty slots.
func (a *dayAcc) reset(n int) {
	a.used = slices.Grow(a.used[:0], n)[:n]
	a.dates = slices.Grow(a.dates[:0], n)[:n]
	a.figs = slices.Grow(a.figs[:0], n)[:n]
	clear(a.used)
	clear(a.figs)
	a.n = 0
}

// dayKey numbers the days of yyyymmdd dates in order, 31 to a month: the
// slot of d in build.
func dayKey(d domain.Date) int {
	return (int(d)/10000*12+int(d)/100%100)*31 + int(d)%100
}

// maxDaySlots bounds build's slots (about 170 years of days): a line whose
// dates span more is sorted instead.
const maxDaySlots = 1 << 16

// appendEntry appends the figures v at date d, after every date s has.
func (s *lineSeries) appendEntry(d domain.Date, v bdFig) {
	s.idx.Appended(d, len(s.dates))
	s.dates = append(s.dates, d)
	s.cum = append(s.cum, v)
}

// sumOf sets x, empty, to the sum of parts' figures and reversals; moves
// is scratch, returned for the next call, and so is acc. Each part's entries become the
// moves of their dates: the work is the parts' entries, not their dates
// times their number (a province's line has hundreds of parts).
func (x *lineIndex) sumOf(parts []*lineIndex, moves []bdMove, acc *dayAcc) []bdMove {
	moves = moves[:0]
	revs := 0
	for _, part := range parts {
		var prev bdFig
		for i, d := range part.sums.dates {
			c := part.sums.cum[i]
			moves = append(moves, bdMove{date: d, amt: c.amt.Sub(prev.amt), orig: c.orig - prev.orig, rev: c.rev - prev.rev})
			prev = c
		}
		revs += len(part.revs)
	}
	x.sums.build(moves, acc)
	x.revs = make([]bdRev, 0, revs)
	for _, part := range parts {
		x.revs = append(x.revs, part.revs...)
	}
	sortRevs(x.revs)
	return moves
}

// --- queries -------------------------------------------------------------------

// upTo returns the number of persons counted at the end of date d: with a
// grant or loan dated d or before and not reversed on or before d. It is
// between from the first date: every repeat's previous grant is in the
// period, so the persons are the first grants not reversed, and those
// whose only grants by d were reversed after it. k is days.upTo(d).
func (x *personIndex) upTo(k int, d domain.Date) int {
	return int(x.start(k)-x.repStart(k)) + x.lateReversed(1, d)
}

// breakdownOf returns the breakdown of lines over [from, to] (from zero:
// the beginning).
func breakdownOf(lines *lineIndexes, from, to domain.Date) *Breakdown {
	var b Breakdown
	breakdownInto(&b, lines, from, to)
	return &b
}

// breakdownInto sets *b to the breakdown of lines over [from, to] (from
// zero: the beginning), reading the lines in passes as a roll-up reads
// its funds (see lineBatch): first where each line's entries are, in its
// figures and in its persons' days, then the entries. Each line's series
// are cache misses far apart in memory; read line after line, a fund's
// breakdown waited for them one by one and cost ten times its summary.
func breakdownInto(b *Breakdown, lines *lineIndexes, from, to domain.Date) {
	*b = Breakdown{}
	var xs [numLines]*lineIndex
	var ls [numLines]bdLine
	n := 0
	for l, x := range lines {
		if x != nil {
			xs[n], ls[n] = x, bdLine(l)
			n++
		}
	}
	// Where the entries are: the number of each series' dates on or
	// before to, and before from.
	var sumsTo, sumsFrom, daysTo, daysFrom [numLines]int
	for i, x := range xs[:n] {
		sumsTo[i], daysTo[i] = x.sums.count(to), x.persons.days.upTo(to)
	}
	if !from.IsZero() {
		for i, x := range xs[:n] {
			sumsFrom[i], daysFrom[i] = x.sums.count(from-1), x.persons.days.upTo(from-1)
		}
	}
	for i, x := range xs[:n] {
		closing, opening := x.sums.nth(sumsTo[i]), x.sums.nth(sumsFrom[i])
		fig := Figure{Count: int(closing.orig - closing.rev), Amount: closing.amt}
		if from.IsZero() {
			fig.Persons = x.persons.upTo(daysTo[i], to)
		} else {
			// The reversals dated in the period of originals dated
			// before it: their originals are not in the period's
			// count.
			fig.Count -= int(opening.orig - opening.rev)
			fig.Count += int(x.early(from, to))
			fig.Amount = fig.Amount.Sub(opening.amt)
			fig.Persons = x.persons.betweenIn(daysFrom[i], daysTo[i], from, to, scanPerDay)
		}
		*b.line(ls[i]) = fig
	}
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
