package projections

import (
	"math"
	"runtime"
	"slices"
	"sort"
	"sync"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// personIndex counts distinct beneficiaries at any business date in
// O(log n), and over any period [from, to] without scanning the history.
//
// At a date. A grant or loan dated d counts its beneficiary from d on,
// until the date its reversal is dated (API.md: counted when "not reversed
// on or before" the date asked for). So each of a person's grants is a
// half-open date interval [d, reversal) and the person is counted on a
// date when the union of their intervals covers it. The index reads a
// person's intervals from their grants and keeps, in a running count, +1
// where a union interval starts and −1 where it ends; the number of
// persons counted on date t is the running count at t.
//
// Over a period (see between). Take the grants not reversed (as the log
// stands), order each person's by date and give each the date of the
// person's previous one (0 for the first). A person has such a grant in
// [from, to] exactly when exactly one of them is dated in [from, to] with a
// previous date before from — the first of them. So those persons are the
// grants dated in [from, to] less those whose previous date is from or
// later: a running count of grants by date gives the first number, and
// the second is a count over the period's repeats (grants with a previous
// date), kept by date and sorted within a date, or one binary search per
// date of the period when they are many. A fund's grants are mostly a
// person's first in it, so its period costs little more than two lookups.
//
// A reversed grant still counts over a period that ends before its
// reversal's date: the persons who have only such grants in the period
// are added by a pass over the reversed grants dated in the period,
// looking at the person's grants only for those reversed after its end —
// few, as corrections follow their originals closely, and none for a
// period that ends today — and whose person has a grant in the scope
// that is not reversed (see revGrant.live).
type personIndex struct {
	// fund or unit is the index's scope: the grants of that fund, or of
	// every fund in the unit's subtree. A person's spans are not stored:
	// they are read from the person's grants in scope (spansIn), so that
	// a checkpoint load does not rebuild them and they cost no memory.
	fund *fundNode
	unit *unitNode
	// byLine narrows the scope to the grants of one breakdown line, line
	// (see breakdown.go). Such an index keeps no running count: its
	// persons at a date are upTo's.
	byLine bool
	line   bdLine
	// ord numbers the index while buildPeriods rebuilds the period
	// indexes.
	ord   uint32
	count countSeries
	// days lists, in order, the dates that have or had a grant not
	// reversed; ends[i] counts the grants not reversed dated days[i] or
	// before. Of those grants, the repeats — a person's grants after
	// their first, by date (of same-dated ones, all but one) — have the
	// date of the person's previous grant not reversed in reps, sorted by
	// the grant's date and then by that previous date: those of days[i]
	// are reps[repEnds[i-1]:repEnds[i]] (from 0 for i = 0). A date whose
	// grants were all reversed keeps empty ranges. A period only needs the
	// repeats (see between), and most of a fund's grants are first
	// grants. A back-dated grant, or a reversal, moves those dated after
	// it.
	days    dateList
	ends    []int32
	reps    []domain.Date
	repEnds []int32
	// revs lists the reversed grants, sorted by the grant's date;
	// revReach[j] is the latest reversal date of revs[0..j], so that
	// lateReversed skips, by one binary search, the reversed grants
	// before the first that is still counted after the period's end —
	// without it, a date's persons (upTo) walked every reversal dated
	// before the date. Its last value is the latest reversal of all: a
	// period ending on or after it knows that none of them counts.
	revs     []revGrant
	revReach []domain.Date
}

// span is [start, end) in business dates; end zero means "still counted".
// A span does not say which grant it is: a reversal ends any open span
// that starts on its original's date, because open spans with the same
// start are the same interval and the union is all that is counted.
type span struct {
	start, end domain.Date
}

// revGrant is a reversed grant: its date, its reversal's, its beneficiary.
// live is the date of the beneficiary's earliest grant in the index's
// scope that is not reversed, as the log stands (0: they have none):
// lateReversed then knows whether the person has such a grant in a
// period without reading their transactions (liveIn), which on a long
// history are a cache miss each, unless live is before the period. Most
// reversed grants have none: a correction of a person's only grant of a
// fund, or of a line. The live apply keeps it for every reversed grant
// of the person (grant, reverse) and so does the rebuild (gatherPeriods).
type revGrant struct {
	start, end domain.Date
	b          *beneficiaryTxs
	live       domain.Date
}

// newPersonIndex returns the empty index of a fund (unit nil) or of a
// unit's subtree (fund nil).
func newPersonIndex(f *fundNode, u *unitNode) *personIndex {
	return &personIndex{fund: f, unit: u}
}

// helps reports whether t is a grant or loan, which counts its beneficiary
// as helped (lượt, người), rather than a donation, a repayment or a
// reversal.
func (t *txNode) helps() bool {
	switch t.kind {
	case kShelterNew, kShelterRepair, kAssistance, kLoan:
		return t.typ != typReversal
	}
	return false
}

// grantSpan is one of a person's grants or loans: its fund, and its span
// from its date to its reversal's date (open while not reversed).
type grantSpan struct {
	fund *fundNode
	line bdLine
	span
}

// personGrants appends to buf, and returns, b's grants and loans. A
// reversal's span ends only once the original's link is set.
func personGrants(b *beneficiaryTxs, buf []grantSpan) []grantSpan {
	for _, t := range b.txs {
		if !t.helps() {
			continue
		}
		g := grantSpan{fund: t.fund, line: lineOf(t), span: span{start: t.date}}
		if t.link != nil {
			g.end = t.link.date
		}
		buf = append(buf, g)
	}
	return buf
}

// in reports whether the grants of fund f count in x.
func (x *personIndex) in(f *fundNode) bool {
	if x.fund != nil {
		return f == x.fund
	}
	for u := f.unit; u != nil; u = u.parent {
		if u == x.unit {
			return true
		}
	}
	return false
}

// spansIn appends to buf, and returns, the spans of the grants in x's
// scope: a person's spans in x when grants are the person's.
func (x *personIndex) spansIn(grants []grantSpan, buf []span) []span {
	for _, g := range grants {
		// The line first: it is one compare, where a unit's scope walks
		// the fund's ancestors, and a line index sees a person's grants
		// of every line.
		if (!x.byLine || g.line == x.line) && x.in(g.fund) {
			buf = append(buf, g.span)
		}
	}
	return buf
}

// liveAround returns, among spans not ended, the latest start on or
// before d (0: none), the earliest after d (0: none), and how many start
// on d.
func liveAround(spans []span, d domain.Date) (prev, next domain.Date, on int) {
	for _, s := range spans {
		switch {
		case s.end != 0:
		case s.start <= d:
			prev = max(prev, s.start)
			if s.start == d {
				on++
			}
		case next == 0 || s.start < next:
			next = s.start
		}
	}
	return prev, next, on
}

// grant adds a counted grant or loan dated d of b, whose spans in x were
// old (which grant does not keep).
func (x *personIndex) grant(b *beneficiaryTxs, old []span, d domain.Date) {
	if first := firstLive(old, 0); first == 0 || d < first {
		x.setLive(b, old, d) // b's earliest grant not reversed is now d
	}
	// The grant goes after the person's grants not reversed dated d or
	// before: its previous date is the latest of them, and it becomes the
	// previous grant of their first grant after d, whose previous date
	// was that same latest one.
	prev, next, _ := liveAround(old, d)
	x.addPrev(d, prev)
	if next != 0 && prev != d {
		x.movePrev(next, prev, d)
	}
	if x.byLine {
		return // no running count to move (see byLine): nothing to copy
	}
	// The common case, a person helped again: a span still open since d
	// or earlier already counts them from d on, so no count changes.
	for _, s := range old {
		if s.end == 0 && s.start <= d {
			return
		}
	}
	next2 := append(slices.Clone(old), span{start: d})
	x.replace(old, next2)
}

// reverse ends, on date d, the counting of b's grant or loan dated start;
// old are b's spans in x before (which reverse does not keep).
func (x *personIndex) reverse(b *beneficiaryTxs, old []span, start, d domain.Date) {
	// The grant leaves the period index. Another grant of the person on
	// the same date stays in its place (the one whose previous date is
	// its own date goes); otherwise the person's next grant takes the
	// reversed one's previous date.
	prev, _, _ := liveAround(old, start-1)
	_, next, on := liveAround(old, start)
	if on > 1 {
		x.removePrev(start, start)
	} else {
		x.removePrev(start, prev)
		if next != 0 {
			x.movePrev(next, start, prev)
		}
	}
	// b's earliest grant not reversed, once this one is.
	live := firstLive(old, start)
	if live != firstLive(old, 0) {
		x.setLive(b, old, live)
	}
	x.addRev(revGrant{start: start, end: d, b: b, live: live})
	if x.byLine {
		return // no running count to move (see byLine): nothing to copy
	}
	next2 := slices.Clone(old)
	for i := range next2 {
		if next2[i].start == start && next2[i].end == 0 {
			next2[i].end = d
			break
		}
	}
	x.replace(old, next2)
}

// firstLive returns the earliest start of the spans not ended, leaving
// out one that starts on without (0: none), or 0 when there is none: a
// person's earliest grant not reversed, when spans are the person's,
// once their grant dated without is reversed.
func firstLive(spans []span, without domain.Date) domain.Date {
	first := domain.Date(0)
	for _, s := range spans {
		switch {
		case s.end != 0:
		case s.start == without:
			without = 0 // one of them only
		case first == 0 || s.start < first:
			first = s.start
		}
	}
	return first
}

// setLive sets to live the revGrant.live of b's reversed grants in x,
// whose spans in x are spans (those ended are the reversed grants).
func (x *personIndex) setLive(b *beneficiaryTxs, spans []span, live domain.Date) {
	for _, s := range spans {
		if s.end == 0 {
			continue
		}
		i := sort.Search(len(x.revs), func(i int) bool { return x.revs[i].start >= s.start })
		for ; i < len(x.revs) && x.revs[i].start == s.start; i++ {
			if x.revs[i].b == b {
				x.revs[i].live = live
			}
		}
	}
}

// addRev inserts r into revs, after those dated on or before r.start.
func (x *personIndex) addRev(r revGrant) {
	i := sort.Search(len(x.revs), func(i int) bool { return x.revs[i].start > r.start })
	x.revs = slices.Insert(x.revs, i, r)
	reach := r.end
	if i > 0 {
		reach = max(reach, x.revReach[i-1])
	}
	x.revReach = slices.Insert(x.revReach, i, reach)
	for k := i + 1; k < len(x.revReach); k++ {
		x.revReach[k] = max(x.revReach[k], r.end)
	}
}

// setRevReach sets revReach from revs.
func (x *personIndex) setRevReach() {
	x.revReach = slices.Grow(x.revReach[:0], len(x.revs))[:len(x.revs)]
	var reach domain.Date
	for j, r := range x.revs {
		reach = max(reach, r.end)
		x.revReach[j] = reach
	}
}

// revEndMax returns the latest date of a reversal in revs (0: none).
func (x *personIndex) revEndMax() domain.Date {
	if n := len(x.revReach); n > 0 {
		return x.revReach[n-1]
	}
	return 0
}

// day returns the index of date d in days, adding it (with no grants)
// when absent.
func (x *personIndex) day(d domain.Date) int {
	i, found := x.days.locate(d)
	if !found {
		x.ends = slices.Insert(x.ends, i, x.start(i))
		x.repEnds = slices.Insert(x.repEnds, i, x.repStart(i))
		x.days.insert(i, d)
	}
	return i
}

// start returns the number of grants dated before days[i].
func (x *personIndex) start(i int) int32 {
	if i == 0 {
		return 0
	}
	return x.ends[i-1]
}

// repStart returns the offset in reps of the first repeat of days[i].
func (x *personIndex) repStart(i int) int32 {
	if i == 0 {
		return 0
	}
	return x.repEnds[i-1]
}

// addPrev records a grant dated d whose previous date is prev (0: none).
func (x *personIndex) addPrev(d, prev domain.Date) {
	i := x.day(d)
	for k := i; k < len(x.ends); k++ {
		x.ends[k]++
	}
	if prev != 0 {
		x.addRep(i, prev)
	}
}

// removePrev removes a grant dated d whose previous date is prev.
func (x *personIndex) removePrev(d, prev domain.Date) {
	i := x.day(d)
	for k := i; k < len(x.ends); k++ {
		x.ends[k]--
	}
	if prev != 0 {
		x.removeRep(i, prev)
	}
}

// movePrev changes the previous date of one grant dated d from old to new.
func (x *personIndex) movePrev(d, old, new domain.Date) {
	if old == new {
		return
	}
	i := x.day(d)
	if old != 0 {
		x.removeRep(i, old)
	}
	if new != 0 {
		x.addRep(i, new)
	}
}

// addRep records a repeat of days[i] whose previous date is prev.
func (x *personIndex) addRep(i int, prev domain.Date) {
	lo, hi := int(x.repStart(i)), int(x.repEnds[i])
	j, _ := slices.BinarySearch(x.reps[lo:hi], prev)
	x.reps = slices.Insert(x.reps, lo+j, prev)
	for k := i; k < len(x.repEnds); k++ {
		x.repEnds[k]++
	}
}

// removeRep removes a repeat of days[i] whose previous date is prev.
func (x *personIndex) removeRep(i int, prev domain.Date) {
	lo, hi := int(x.repStart(i)), int(x.repEnds[i])
	j, found := slices.BinarySearch(x.reps[lo:hi], prev)
	if !found {
		panic("projections: person index lost a grant") // grant and reverse keep them in step
	}
	x.reps = slices.Delete(x.reps, lo+j, lo+j+1)
	for k := i; k < len(x.repEnds); k++ {
		x.repEnds[k]--
	}
}

// replace moves the running count from a person's spans old to next.
func (x *personIndex) replace(old, next []span) {
	if x.byLine {
		return // no running count (see byLine)
	}
	for _, u := range union(old) {
		x.addCount(u.start, -1)
		if u.end != 0 {
			x.addCount(u.end, 1)
		}
	}
	for _, u := range union(next) {
		x.addCount(u.start, 1)
		if u.end != 0 {
			x.addCount(u.end, -1)
		}
	}
}

// addCount changes the count of persons from date d on by n: a fund's
// count lives in its running sums, beside the figures a line reads with it;
// a unit's in its own series.
func (x *personIndex) addCount(d domain.Date, n count) {
	if x.fund != nil {
		x.fund.sums.addPersons(d, n)
		return
	}
	x.count.Add(d, n)
}

// at returns the number of persons counted at the end of date d, for a
// unit's index (a fund's count is in its sums).
func (x *personIndex) at(d domain.Date) int { return int(x.count.At(d)) }

// between returns the number of distinct persons with a grant or loan
// dated in [from, to] and not reversed on or before to; from is not zero.
// It costs a pass over the period's grants, or a binary search per date of
// the period when they are many per date, and a look
// at the spans of each person with a grant dated in the period and
// reversed by to.
func (x *personIndex) between(from, to domain.Date) int {
	return x.betweenBy(from, to, scanPerDay)
}

// betweenBy is between, counting the grants one by one when there are at
// most perDay a date in the period on average.
func (x *personIndex) betweenBy(from, to domain.Date, perDay int32) int {
	return x.betweenIn(x.days.upTo(from-1), x.days.upTo(to), from, to, perDay)
}

// betweenIn is betweenBy given i, the number of days before from, and k,
// the number on or before to.
func (x *personIndex) betweenIn(i, k int, from, to domain.Date, perDay int32) int {
	// Every grant not reversed in the period but the repeats whose
	// previous grant is in it too (dated from or later).
	n := int(x.start(k) - x.start(i))
	if lo, hi := x.repStart(i), x.repStart(k); hi-lo <= perDay*int32(k-i) {
		// A few repeats a day (a fund's index): one pass over them.
		for _, prev := range x.reps[lo:hi] {
			if prev >= from {
				n--
			}
		}
	} else {
		for ; i < k; i++ {
			p := x.reps[x.repStart(i):x.repEnds[i]]
			if len(p) == 0 || p[len(p)-1] < from {
				continue
			}
			c, _ := slices.BinarySearch(p, from)
			n -= len(p) - c
		}
	}
	return n + x.lateReversed(from, to)
}

// lateReversed returns the number of persons with no grant in [from, to]
// left unreversed, but with one dated in it and reversed after to, which
// counts over the period.
func (x *personIndex) lateReversed(from, to domain.Date) int {
	if x.revEndMax() <= to {
		return 0 // every reversal is dated on or before to
	}
	n := 0
	// Before the first reversed grant whose reversal, or an earlier
	// one's, is dated after to, every reversal is dated on or before to;
	// from there on, the first grant dated from or later.
	j := sort.Search(len(x.revReach), func(k int) bool { return x.revReach[k] > to })
	if j < len(x.revs) && x.revs[j].start < from {
		j += sort.Search(len(x.revs)-j, func(k int) bool { return x.revs[j+k].start >= from })
	}
	var seenBuf [maxSeenList]*beneficiaryTxs
	seen := seenBuf[:0]
	var seenMany map[*beneficiaryTxs]struct{}
	for ; j < len(x.revs) && x.revs[j].start <= to; j++ {
		r := &x.revs[j]
		if r.end <= to {
			continue
		}
		if len(seen) < maxSeenList {
			if slices.Contains(seen, r.b) {
				continue
			}
			seen = append(seen, r.b)
		} else {
			if seenMany == nil {
				seenMany = make(map[*beneficiaryTxs]struct{}, 2*maxSeenList)
				for _, b := range seen {
					seenMany[b] = struct{}{}
				}
			}
			if _, done := seenMany[r.b]; done {
				continue
			}
			seenMany[r.b] = struct{}{}
		}
		// Counted unless the person has a grant in the period that is
		// not reversed: with none, or none before the period's end, they
		// have not; with the earliest in it, they have.
		if r.live == 0 || r.live > to || (r.live < from && !x.liveIn(r.b, from, to)) {
			n++
		}
	}
	return n
}

// maxSeenList is how many persons between remembers in a list before it
// takes a map.
const maxSeenList = 32

// liveIn reports whether b has a grant or loan in x's scope dated in
// [from, to] and not reversed.
func (x *personIndex) liveIn(b *beneficiaryTxs, from, to domain.Date) bool {
	for _, t := range b.txs {
		if t.date >= from && t.date <= to && t.link == nil && t.helps() && x.in(t.fund) && (!x.byLine || lineOf(t) == x.line) {
			return true
		}
	}
	return false
}

// scanPerDay is the number of grants a day up to which between counts a
// period's grants one by one rather than by a binary search per date.
const scanPerDay = 16

// setPeriods sets days, ends, reps and revs (after a checkpoint is
// loaded, which writes none of them) from every grant not reversed in x's
// scope, each as its date and the previous date of the same person's
// grants not reversed in the word date<<32 | previous, sorted, and from
// the reversed grants, which it sorts. It keeps revs, not points.
func (x *personIndex) setPeriods(points []uint64, revs []revGrant) {
	slices.SortFunc(revs, func(a, b revGrant) int { return int(a.start) - int(b.start) })
	x.revs = revs
	x.setRevReach()
	x.days.reset()
	x.ends, x.repEnds = x.ends[:0], x.repEnds[:0]
	repeats := 0
	for _, pt := range points {
		if uint32(pt) != 0 {
			repeats++
		}
	}
	x.reps = make([]domain.Date, 0, repeats)
	for i, pt := range points {
		d := domain.Date(uint32(pt >> 32))
		if n := x.days.len(); n == 0 || x.days.at(n-1) != d {
			x.days.insert(n, d)
			x.ends = append(x.ends, 0)
			x.repEnds = append(x.repEnds, int32(len(x.reps)))
		}
		x.ends[len(x.ends)-1] = int32(i + 1)
		if prev := domain.Date(uint32(pt)); prev != 0 {
			x.reps = append(x.reps, prev)
			x.repEnds[len(x.repEnds)-1] = int32(len(x.reps))
		}
	}
}

// union merges spans into disjoint, non-empty intervals.
func union(spans []span) []span {
	live := make([]span, 0, len(spans))
	for _, s := range spans {
		if s.end == 0 || s.end > s.start {
			live = append(live, span{start: s.start, end: s.end})
		}
	}
	slices.SortFunc(live, func(a, b span) int { return int(a.start) - int(b.start) })
	out := live[:0]
	for _, s := range live {
		if n := len(out); n > 0 && (out[n-1].end == 0 || out[n-1].end >= s.start) {
			if out[n-1].end != 0 && (s.end == 0 || s.end > out[n-1].end) {
				out[n-1].end = s.end
			}
			continue
		}
		out = append(out, s)
	}
	return out
}

// countPerson counts a grant's or loan's beneficiary b, whose grants and
// loans before this one are grants (personGrants), in the fund and in the
// fund's unit and every ancestor, whose subtrees all contain the fund.
func (p *Projections) countPerson(f *fundNode, b *beneficiaryTxs, grants []grantSpan, d domain.Date) {
	p.spanBuf = f.persons.spansIn(grants, p.spanBuf[:0])
	f.persons.grant(b, p.spanBuf, d)
	for u := f.unit; u != nil; u = u.parent {
		p.spanBuf = u.persons.spansIn(grants, p.spanBuf[:0])
		u.persons.grant(b, p.spanBuf, d)
	}
}

// uncountPerson ends, on date d, the counting of b's grant or loan dated
// start; grants are b's (personGrants) before the reversal.
func (p *Projections) uncountPerson(f *fundNode, b *beneficiaryTxs, grants []grantSpan, start, d domain.Date) {
	p.spanBuf = f.persons.spansIn(grants, p.spanBuf[:0])
	f.persons.reverse(b, p.spanBuf, start, d)
	for u := f.unit; u != nil; u = u.parent {
		p.spanBuf = u.persons.spansIn(grants, p.spanBuf[:0])
		u.persons.reverse(b, p.spanBuf, start, d)
	}
}

// rebuildPeople rebuilds the period index of every fund's and unit's
// person index (the spans are read from the beneficiaries' lists and need
// no rebuilding): each grant or loan, in its fund's index and its unit's
// and every ancestor's, with the date of the same person's previous grant
// in that index, and each reversed one with its reversal's date. The
// breakdown lines' person indexes are not built here but at the first
// query of their fund or unit (see breakdown_persons.go): building them with
// these doubled a load's work and its memory.
func (p *Projections) rebuildPeople(benefs []*beneficiaryTxs) {
	indexes := make([]*personIndex, 0, len(p.unitOrder)+len(p.fundOrder))
	for _, u := range p.unitOrder {
		indexes = append(indexes, u.persons)
	}
	for _, f := range p.fundOrder {
		indexes = append(indexes, f.persons)
	}
	buildPeriods(benefs, indexes, personIndexesOf)
}

// buildPeriods sets the period indexes of indexes (numbering them by their
// place in it) from the grants and loans of benefs, each in the indexes
// indexesOf names. Each core gathers a share of the beneficiaries, then
// each index is sorted on whichever core is free.
func buildPeriods(benefs []*beneficiaryTxs, indexes []*personIndex, indexesOf func(*txNode, []*personIndex) []*personIndex) {
	for i, x := range indexes {
		x.ord = uint32(i)
	}
	shares := make([]periodParts, min(runtime.GOMAXPROCS(0), max(1, len(benefs)/minShare)))
	var wg sync.WaitGroup
	for i := range shares {
		lo, hi := len(benefs)*i/len(shares), len(benefs)*(i+1)/len(shares)
		wg.Go(func() {
			shares[i] = newPeriodParts(len(indexes))
			gatherPeriods(&shares[i], benefs[lo:hi], indexesOf, allApplied)
		})
	}
	wg.Wait()
	work := make(chan int)
	for range min(runtime.GOMAXPROCS(0), len(indexes)) {
		wg.Go(func() {
			var ps pointSorter
			for o := range work {
				r := 0
				for _, sh := range shares {
					r += len(sh.revs[o])
				}
				points, revs := ps.points[:0], make([]revGrant, 0, r)
				for _, sh := range shares {
					points, revs = append(points, sh.points[o]...), append(revs, sh.revs[o]...)
				}
				ps.points = points
				indexes[o].setPeriods(ps.sort(), revs)
			}
		})
	}
	for o := range indexes {
		work <- o
	}
	close(work)
	wg.Wait()
}

// minShare is the fewest beneficiaries buildPeriods gives a core: below
// it, starting a goroutine costs more than it saves (a fund's breakdown).
const minShare = 4096

// personIndexesOf appends to buf, and returns, every person index grant
// or loan t counts in: its fund's, its unit's and every ancestor's.
func personIndexesOf(t *txNode, buf []*personIndex) []*personIndex {
	if t.fund.persons != nil {
		buf = append(buf, t.fund.persons)
	}
	for u := t.fund.unit; u != nil; u = u.parent {
		buf = append(buf, u.persons)
	}
	return buf
}

// pointSorter sorts the grants of a person index as setPeriods takes
// them, date<<32 | previous date, reusing its buffers from one index to
// the next.
type pointSorter struct {
	points, tmp []uint64
	counts      []int32
}

// Bounds of pointSorter's counting sort: below minCountingSort grants,
// or with dates (as YYYYMMDD numbers) spread over more than
// maxCountingSpan, it calls slices.Sort.
const (
	minCountingSort = 1 << 10
	maxCountingSpan = 1 << 20
)

// sort sorts s.points and returns them. The dates of an index's grants
// span a few thousand days: two stable counting passes, by previous date
// then by date, cost a few operations per grant where a comparison sort
// costs log n comparisons (a tenth of a load for the root unit's millions
// of grants).
func (s *pointSorter) sort() []uint64 {
	points := s.points
	if len(points) < minCountingSort {
		slices.Sort(points)
		return points
	}
	lo, hi := uint32(math.MaxUint32), uint32(0)
	for _, pt := range points {
		d := uint32(pt >> 32)
		lo, hi = min(lo, d), max(hi, d)
		if p := uint32(pt); p != 0 {
			lo, hi = min(lo, p), max(hi, p)
		}
	}
	if hi-lo >= maxCountingSpan {
		slices.Sort(points)
		return points
	}
	// Keys: a date d is d-lo, a previous date p is 0 for none, else p-lo+1.
	buckets := int(hi-lo) + 2
	s.tmp = slices.Grow(s.tmp[:0], len(points))[:len(points)]
	s.counts = slices.Grow(s.counts[:0], buckets+1)[:buckets+1]
	prevKey := func(pt uint64) int {
		if p := uint32(pt); p != 0 {
			return int(p-lo) + 1
		}
		return 0
	}
	dateKey := func(pt uint64) int { return int(uint32(pt>>32) - lo) }
	for _, pass := range []struct {
		key      func(uint64) int
		src, dst []uint64
	}{{prevKey, points, s.tmp}, {dateKey, s.tmp, points}} {
		c := s.counts
		clear(c)
		for _, pt := range pass.src {
			c[pass.key(pt)+1]++
		}
		for i := 1; i < len(c); i++ {
			c[i] += c[i-1]
		}
		for _, pt := range pass.src {
			k := pass.key(pt)
			pass.dst[c[k]] = pt
			c[k]++
		}
	}
	return points
}

// periodParts is what gatherPeriods finds, per person index (by its
// number): the grants as setPeriods takes them, and the reversed grants.
type periodParts struct {
	points [][]uint64
	revs   [][]revGrant
}

// newPeriodParts returns empty parts for indexes person indexes.
func newPeriodParts(indexes int) periodParts {
	return periodParts{points: make([][]uint64, indexes), revs: make([][]revGrant, indexes)}
}

// allApplied is the position after every event: gatherPeriods at it
// takes every grant and reversal applied.
const allApplied = domain.Position(math.MaxUint64)

// gatherPeriods adds to parts the grants and reversed grants of benefs,
// per person index (numbered by their ord) that indexesOf names for each,
// as they stood at position at: a reversal applied after it leaves its
// grant counted (indexesOf leaves out the grants applied after it).
func gatherPeriods(parts *periodParts, benefs []*beneficiaryTxs, indexesOf func(*txNode, []*personIndex) []*personIndex, at domain.Position) {
	// mine holds the current person's grants as index<<32 | date: sorted,
	// each index's grants are together and in date order.
	var mine []uint64
	var in []*personIndex
	// revd holds where the current person's reversed grants went, as
	// index<<32 | place in that index's reversed grants: each one's live
	// is the person's earliest grant counted in that index (mine), if
	// any.
	var revd []uint64
	for _, bt := range benefs {
		mine, revd = mine[:0], revd[:0]
		for _, t := range bt.txs {
			if !t.helps() {
				continue
			}
			// The grant counts in the indexes indexesOf names: in
			// their period indexes while it is not reversed, in
			// their reversed grants once it is.
			in = indexesOf(t, in[:0])
			for _, x := range in {
				if t.link == nil || t.link.pos > at {
					mine = append(mine, uint64(x.ord)<<32|uint64(uint32(t.date)))
				} else {
					revd = append(revd, uint64(x.ord)<<32|uint64(len(parts.revs[x.ord])))
					parts.revs[x.ord] = append(parts.revs[x.ord], revGrant{start: t.date, end: t.link.date, b: bt})
				}
			}
		}
		slices.Sort(mine)
		for _, r := range revd {
			o := r >> 32
			if i, _ := slices.BinarySearch(mine, o<<32); i < len(mine) && mine[i]>>32 == o {
				parts.revs[o][uint32(r)].live = domain.Date(uint32(mine[i]))
			}
		}
		last, prev := uint32(math.MaxUint32), uint32(0)
		for _, m := range mine {
			o, d := uint32(m>>32), uint32(m)
			if o != last {
				last, prev = o, 0
			}
			parts.points[o] = append(parts.points[o], uint64(d)<<32|uint64(prev))
			prev = d
		}
	}
}

// personsSnap is a person index's count series, copied. Its period index
// is not written: it is rebuilt from the transactions on load (a grant or
// loan counts its beneficiary from its date until its reversal's date),
// so that writing never copies millions of entries under the lock.
type personsSnap struct {
	count []countEntry
}

func snapPersons(x *personIndex) personsSnap {
	return personsSnap{count: entriesOf[count](&x.count)}
}

func encodePersons(e *enc, x *personsSnap) {
	encodeCountSeries(e, x.count)
}
