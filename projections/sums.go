package projections

import (
	"cmp"
	"slices"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// lineSums is everything a fund's figures need, summed over its
// transactions: a fund keeps one running sum of it by business date
// (fundNode.sums), so that a fund summary is one binary search and a fund's
// line of a roll-up over [from, to] two and a subtraction.
type lineSums struct {
	// amt[c] sums category c's movements (originals add, reversals
	// subtract).
	amt [numCats]domain.VND
	// orig[k] counts transactions of kind k by their date; revd[k] counts
	// reversals of originals of kind k by the reversal's date.
	orig [numKinds]count
	revd [numKinds]count
}

// Add returns s + o.
func (s lineSums) Add(o lineSums) lineSums {
	for c := range s.amt {
		s.amt[c] = s.amt[c].Add(o.amt[c])
	}
	for k := range s.orig {
		s.orig[k] += o.orig[k]
		s.revd[k] += o.revd[k]
	}
	return s
}

// Sub returns s − o.
func (s lineSums) Sub(o lineSums) lineSums {
	for c := range s.amt {
		s.amt[c] = s.amt[c].Sub(o.amt[c])
	}
	for k := range s.orig {
		s.orig[k] -= o.orig[k]
		s.revd[k] -= o.revd[k]
	}
	return s
}

// Cmp orders sums field by field. Nothing depends on the order: a
// domain.Series needs one.
func (s lineSums) Cmp(o lineSums) int {
	for c := range s.amt {
		if r := s.amt[c].Cmp(o.amt[c]); r != 0 {
			return r
		}
	}
	for k := range s.orig {
		if r := cmp.Compare(s.orig[k], o.orig[k]); r != 0 {
			return r
		}
		if r := cmp.Compare(s.revd[k], o.revd[k]); r != 0 {
			return r
		}
	}
	return 0
}

// sumsSeries is a fund's running lineSums by business date.
type sumsSeries = domain.Series[lineSums]

// balance is Σ of the movements summed: money in less money out.
func (s *lineSums) balance() domain.VND {
	in := s.amt[aDonations].Add(s.amt[aRepayments])
	out := s.amt[aShelter].Add(s.amt[aAssistance]).Add(s.amt[aLoans])
	return in.Sub(out)
}

func (s *lineSums) totals() Totals {
	return Totals{
		Donations:        s.amt[aDonations],
		ShelterGrants:    s.amt[aShelter],
		AssistanceGrants: s.amt[aAssistance],
		LoansDisbursed:   s.amt[aLoans],
		Repayments:       s.amt[aRepayments],
	}
}

// counts returns the counts of s, the sums of a period, given early[k]: the
// reversals of kind k dated in the period whose original is dated before
// it. API.md counts the transactions dated in the period and not reversed
// on or before its end: those reversed so are the reversals dated in the
// period less the early ones (a reversal is never dated before its
// original, so every reversal dated before the period has its original
// before it too).
func (s *lineSums) counts(early *[numKinds]count) Counts {
	var n [numKinds]int
	reversals := 0
	for k := range numKinds {
		n[k] = int(s.orig[k] - s.revd[k] + early[k])
		reversals += int(s.revd[k])
	}
	return Counts{
		Donations:        n[kDonation],
		ShelterGrants:    ShelterCounts{NewBuild: n[kShelterNew], Repair: n[kShelterRepair]},
		AssistanceGrants: n[kAssistance],
		Loans:            n[kLoan],
		Repayments:       n[kRepayment],
		Reversals:        reversals,
	}
}

// addRev inserts r into f.revs, which is sorted by the reversal's date.
func (f *fundNode) addRev(r reversalRec) {
	i, _ := slices.BinarySearchFunc(f.revs, r.revDate+1, func(x reversalRec, d domain.Date) int { return cmp.Compare(x.revDate, d) })
	f.revs = slices.Insert(f.revs, i, r)
}

// earlyReversals counts, per kind, the reversals dated in [from, to] whose
// original is dated before from; from is not zero. Reversals are rare: it
// looks at those dated in the period only.
func (f *fundNode) earlyReversals(from, to domain.Date) [numKinds]count {
	var early [numKinds]count
	i, _ := slices.BinarySearchFunc(f.revs, from, func(x reversalRec, d domain.Date) int { return cmp.Compare(x.revDate, d) })
	for ; i < len(f.revs) && f.revs[i].revDate <= to; i++ {
		if r := &f.revs[i]; r.orig < from {
			early[r.kind]++
		}
	}
	return early
}

// sumsEntry is one date of a sumsSeries.
type sumsEntry struct {
	d domain.Date
	v lineSums
}

// copySums returns the entries of s.
func copySums(s *sumsSeries) []sumsEntry {
	out := make([]sumsEntry, s.Len())
	for i := range out {
		out[i].d, out[i].v = s.Entry(i)
	}
	return out
}

// splitSums returns each component of the sums as its own series' entries
// (the dates on which it changes), as checkpoints store them: amounts, then
// originals and reversed per kind, then every reversal.
func splitSums(sums []sumsEntry) (amounts [numCats][]vndEntry, originals, reversed [numKinds][]countEntry, reversals []countEntry) {
	var prev lineSums
	var prevRevs count
	for _, e := range sums {
		d, v := e.d, &e.v
		for c := range v.amt {
			if !v.amt[c].Equal(prev.amt[c]) {
				amounts[c] = append(amounts[c], vndEntry{d, v.amt[c]})
			}
		}
		revs := count(0)
		for k := range v.orig {
			if v.orig[k] != prev.orig[k] {
				originals[k] = append(originals[k], countEntry{d, v.orig[k]})
			}
			if v.revd[k] != prev.revd[k] {
				reversed[k] = append(reversed[k], countEntry{d, v.revd[k]})
			}
			revs += v.revd[k]
		}
		if revs != prevRevs {
			reversals = append(reversals, countEntry{d, revs})
		}
		prev, prevRevs = *v, revs
	}
	return amounts, originals, reversed, reversals
}

// mergeSums builds the running sums from each component's series, as
// splitSums returned them and a checkpoint stores them (every reversal's
// count is the sum of reversed's). It walks the series side by side, date
// by date.
func mergeSums(amounts *[numCats]domain.DailySeries, originals, reversed *[numKinds]countSeries) sumsSeries {
	var counts [2 * numKinds]*countSeries // originals, then reversed
	for k := range numKinds {
		counts[k], counts[numKinds+k] = &originals[k], &reversed[k]
	}
	var nextAmt [numCats]int
	var nextCount [2 * numKinds]int
	var out sumsSeries
	most := 0
	for c := range amounts {
		most = max(most, amounts[c].Len())
	}
	out.Grow(most)
	var v, prev lineSums
	for {
		// The next date of any series.
		d, any := domain.Date(0), false
		for c := range amounts {
			if i := nextAmt[c]; i < amounts[c].Len() {
				if ed, _ := amounts[c].Entry(i); !any || ed < d {
					d, any = ed, true
				}
			}
		}
		for j, s := range counts {
			if i := nextCount[j]; i < s.Len() {
				if ed, _ := s.Entry(i); !any || ed < d {
					d, any = ed, true
				}
			}
		}
		if !any {
			return out
		}
		for c := range amounts {
			if i := nextAmt[c]; i < amounts[c].Len() {
				if ed, ev := amounts[c].Entry(i); ed == d {
					v.amt[c] = ev
					nextAmt[c]++
				}
			}
		}
		for j, s := range counts {
			if i := nextCount[j]; i < s.Len() {
				if ed, ev := s.Entry(i); ed == d {
					if j < int(numKinds) {
						v.orig[j] = ev
					} else {
						v.revd[j-int(numKinds)] = ev
					}
					nextCount[j]++
				}
			}
		}
		out.Add(d, v.Sub(prev))
		prev = v
	}
}
