package projections

import (
	"slices"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// personIndex counts distinct beneficiaries at any business date in O(log n).
//
// A grant or loan dated d counts its beneficiary from d on, until the date
// its reversal is dated (API.md: counted when "not reversed on or before"
// the date asked for). So each of a person's grants is a half-open date
// interval [d, reversal) and the person is counted on a date when the union
// of their intervals covers it. The index keeps each person's intervals and,
// in a running count, +1 where a union interval starts and −1 where it ends;
// the number of persons counted on date t is the running count at t.
type personIndex struct {
	people map[domain.BeneficiaryID][]span
	count  countSeries
}

// span is [start, end) in business dates; end zero means "still counted".
// A span does not say which grant it is: a reversal ends any open span
// that starts on its original's date, because open spans with the same
// start are the same interval and the union is all that is counted.
type span struct {
	start, end domain.Date
}

func newPersonIndex() *personIndex {
	return &personIndex{people: map[domain.BeneficiaryID][]span{}}
}

// grant adds a counted grant or loan.
func (x *personIndex) grant(b domain.BeneficiaryID, d domain.Date) {
	old := x.people[b]
	// The common case, a person helped again: a span still open since d
	// or earlier already counts them from d on, so no count changes.
	for _, s := range old {
		if s.end == 0 && s.start <= d {
			x.people[b] = append(old, span{start: d})
			return
		}
	}
	next := append(slices.Clone(old), span{start: d})
	x.replace(b, old, next)
}

// reverse ends, on date d, the counting of a grant or loan dated start.
func (x *personIndex) reverse(b domain.BeneficiaryID, start, d domain.Date) {
	old := x.people[b]
	next := slices.Clone(old)
	for i := range next {
		if next[i].start == start && next[i].end == 0 {
			next[i].end = d
			break
		}
	}
	x.replace(b, old, next)
}

func (x *personIndex) replace(b domain.BeneficiaryID, old, next []span) {
	for _, u := range union(old) {
		x.count.Add(u.start, -1)
		if u.end != 0 {
			x.count.Add(u.end, 1)
		}
	}
	for _, u := range union(next) {
		x.count.Add(u.start, 1)
		if u.end != 0 {
			x.count.Add(u.end, -1)
		}
	}
	x.people[b] = next
}

// at returns the number of persons counted at the end of date d.
func (x *personIndex) at(d domain.Date) int { return int(x.count.At(d)) }

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
