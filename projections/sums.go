package projections

import (
	"cmp"
	"slices"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// lineSums is everything a fund's figures need, summed over its
// transactions: a fund keeps one running sum of it by business date
// (fundNode.sums), so that a fund summary is one lookup and a fund's line
// of a roll-up over [from, to] two and a subtraction, each reading one
// entry (on a long history every further series read is a cache miss).
// A fund has an entry for nearly every date, so it is kept small: the
// amounts are a domain.Amounts, int64s unless a sum leaves int64 (and then
// all of them exact), the rule written once in domain.
type lineSums struct {
	// amt.At(c) sums category c's movements (originals add, reversals
	// subtract).
	amt domain.Amounts
	// orig[k] counts transactions of kind k by their date.
	orig [numKinds]count
	// rev[k] counts the reversals of originals of kind k by the
	// reversals' dates: with orig, the counts of every period.
	rev kindCounts
	// persons is the fund's person count at the end of the date (see
	// personIndex.at), a copy kept beside the sums so that a roll-up's
	// line to a date reads one entry: on a long history every series a
	// line reads is a cache miss. It is not a sum: Add and Sub leave it
	// as s had it, and a period's persons come from the person index.
	persons count
}

// amount returns the sum of category c.
func (s *lineSums) amount(c amountCat) domain.VND { return s.amt.At(int(c)) }

// The checkpoint writes one amount series per amountCat, and lineSums
// keeps one domain.Amounts: both must hold the same number of amounts
// (a negative constant converted to uint does not compile).
const (
	_ = uint(numCats - domain.AmountsLen)
	_ = uint(domain.AmountsLen - numCats)
)

// Add returns s + o.
func (s lineSums) Add(o lineSums) lineSums {
	s.amt = s.amt.Add(o.amt)
	for k := range s.orig {
		s.orig[k] += o.orig[k]
		s.rev[k] += o.rev[k]
	}
	return s
}

// Sub returns s − o.
func (s lineSums) Sub(o lineSums) lineSums {
	s.amt = s.amt.Sub(o.amt)
	for k := range s.orig {
		s.orig[k] -= o.orig[k]
		s.rev[k] -= o.rev[k]
	}
	return s
}

// addOne adds v to the sum of category c and n to the count of kind k.
func (s *lineSums) addOne(c amountCat, v domain.VND, k countKind, n count) {
	s.orig[k] += n
	s.amt.AddAt(int(c), v)
}

// sumsSeries is a fund's running lineSums by business date, like a
// domain.Series but with an add of one amount and one count: a back-dated
// transaction updates the sums of every later date, and adding whole
// vectors there made replays of back-dated logs a third slower.
type sumsSeries struct {
	// dates finds a date's entry from its month: a roll-up looks up
	// every fund of a subtree, once or twice each.
	dates dateList
	cum   []lineSums // cum[i] = Σ of the transactions dated ≤ dates[i]
}

// add records, on date d, v in category c and n transactions of kind k.
func (s *sumsSeries) add(d domain.Date, c amountCat, v domain.VND, k countKind, n count) {
	for j := s.entryAt(d); j < len(s.cum); j++ {
		s.cum[j].addOne(c, v, k, n)
	}
}

// entryAt returns the index of date d's entry, adding one (with the sums
// of the date before) when d has none.
func (s *sumsSeries) entryAt(d domain.Date) int {
	i, found := s.dates.locate(d)
	if !found {
		var prev lineSums
		if i > 0 {
			prev = s.cum[i-1]
		}
		s.dates.insert(i, d)
		s.cum = slices.Insert(s.cum, i, prev)
	}
	return i
}

// addPersons changes the person count of date d and every later date by
// n.
func (s *sumsSeries) addPersons(d domain.Date, n count) {
	for j := s.entryAt(d); j < len(s.cum); j++ {
		s.cum[j].persons += n
	}
}

// addReversal counts, on date d and every later date, a reversal of an
// original of kind k.
func (s *sumsSeries) addReversal(d domain.Date, k countKind) {
	for j := s.entryAt(d); j < len(s.cum); j++ {
		s.cum[j].rev[k]++
	}
}

// setFromSeries sets every entry's person count and reversal counts from
// the fund's person count series and reversal counts (after a checkpoint is
// loaded, which stores those apart from the sums).
func (s *sumsSeries) setFromSeries(persons *countSeries, revd *revdSeries) {
	for i, d := range s.dates.all() {
		s.cum[i].persons, s.cum[i].rev = persons.At(d), revd.At(d)
	}
}

// appendEntry appends the sums v at date d, after every date s has.
func (s *sumsSeries) appendEntry(d domain.Date, v lineSums) {
	s.dates.insert(s.dates.len(), d)
	s.cum = append(s.cum, v)
}

// At returns the sums at the end of date d.
func (s *sumsSeries) At(d domain.Date) lineSums { return s.nth(s.count(d)) }

// count returns the number of dates on or before d, for nth.
func (s *sumsSeries) count(d domain.Date) int { return s.dates.upTo(d) }

// nth returns the sums at the end of the n-th date (1-based): zero for
// n = 0.
func (s *sumsSeries) nth(n int) lineSums {
	if n == 0 {
		return lineSums{}
	}
	return s.cum[n-1]
}

// Len returns the number of distinct dates.
func (s *sumsSeries) Len() int { return s.dates.len() }

// Entry returns the i-th distinct date and the sums at its end.
func (s *sumsSeries) Entry(i int) (domain.Date, lineSums) { return s.dates.at(i), s.cum[i] }

// Grow makes room for n more dates.
func (s *sumsSeries) Grow(n int) {
	s.dates.grow(n)
	s.cum = slices.Grow(s.cum, n)
}

// kindCounts is a count per kind of transaction.
type kindCounts [numKinds]count

// Add returns c + o.
func (c kindCounts) Add(o kindCounts) kindCounts {
	for k := range c {
		c[k] += o[k]
	}
	return c
}

// Sub returns c − o.
func (c kindCounts) Sub(o kindCounts) kindCounts {
	for k := range c {
		c[k] -= o[k]
	}
	return c
}

// Cmp orders counts kind by kind. Nothing depends on the order: a
// domain.Series needs one.
func (c kindCounts) Cmp(o kindCounts) int {
	for k := range c {
		if r := cmp.Compare(c[k], o[k]); r != 0 {
			return r
		}
	}
	return 0
}

// amountCategories is the domain's figure category of each amount sum.
var amountCategories = [numCats]domain.Category{
	aDonations:  domain.CatDonations,
	aShelter:    domain.CatShelterGrants,
	aAssistance: domain.CatAssistanceGrants,
	aLoans:      domain.CatLoansDisbursed,
	aRepayments: domain.CatRepayments,
}

// inflowSums says which sums are money in: the direction is the table of
// money kinds' (domain.EffectOf's), not restated here.
var inflowSums = func() (in [numCats]bool) {
	for c, cat := range amountCategories {
		in[c] = cat.Inflow()
	}
	return in
}()

// balance is Σ of the movements summed: money in less money out.
func (s *lineSums) balance() domain.VND { return s.amt.Net(&inflowSums) }

func (s *lineSums) totals() Totals {
	return Totals{
		Donations:        s.amount(aDonations),
		ShelterGrants:    s.amount(aShelter),
		AssistanceGrants: s.amount(aAssistance),
		LoansDisbursed:   s.amount(aLoans),
		Repayments:       s.amount(aRepayments),
	}
}

// counts returns the counts of s, the sums of a period, given revd[k]: the
// reversals of kind k dated in the period, and early[k]: those of them
// whose original is dated before the period. API.md counts the
// transactions dated in the period and not reversed on or before its end:
// those reversed so are the reversals dated in the period less the early
// ones (a reversal is never dated before its original, so every reversal
// dated before the period has its original before it too).
func (s *lineSums) counts(revd, early *kindCounts) Counts {
	var n [numKinds]int
	reversals := 0
	for k := range numKinds {
		n[k] = int(s.orig[k] - revd[k] + early[k])
		reversals += int(revd[k])
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
func (f *fundNode) earlyReversals(from, to domain.Date) kindCounts {
	var early kindCounts
	i, _ := slices.BinarySearchFunc(f.revs, from, func(x reversalRec, d domain.Date) int { return cmp.Compare(x.revDate, d) })
	for ; i < len(f.revs) && f.revs[i].revDate <= to; i++ {
		if r := &f.revs[i]; r.orig < from {
			early[r.kind]++
		}
	}
	return early
}

// revdSeries is a running count of reversals per kind of their
// originals, by the reversals' dates, as a checkpoint stores a fund's.
type revdSeries = domain.Series[kindCounts]

// sumsEntry is one date of a sumsSeries.
type sumsEntry = entry[lineSums]

// splitSums returns each component of the sums as its own series' entries
// (the dates on which it changes), as checkpoints store them: amounts,
// originals and reversed per kind, every reversal, and the persons.
func splitSums(sums []sumsEntry) (amounts [numCats][]vndEntry, originals, reversed [numKinds][]countEntry, reversals, persons []countEntry) {
	var prev lineSums
	for i := range sums {
		d, v := sums[i].d, &sums[i].v
		for c := range amountCat(numCats) {
			if a := v.amount(c); !a.Equal(prev.amount(c)) {
				amounts[c] = append(amounts[c], vndEntry{d, a})
			}
		}
		for k := range v.orig {
			if v.orig[k] != prev.orig[k] {
				originals[k] = append(originals[k], countEntry{d, v.orig[k]})
			}
		}
		prev = *v
	}
	var prevRevd kindCounts
	var prevRevs count
	for i := range sums {
		d, v := sums[i].d, &sums[i].v.rev
		revs := count(0)
		for k := range v {
			if v[k] != prevRevd[k] {
				reversed[k] = append(reversed[k], countEntry{d, v[k]})
			}
			revs += v[k]
		}
		if revs != prevRevs {
			reversals = append(reversals, countEntry{d, revs})
		}
		prevRevd, prevRevs = *v, revs
	}
	var prevPersons count
	for i := range sums {
		if n := sums[i].v.persons; n != prevPersons {
			persons = append(persons, countEntry{sums[i].d, n})
			prevPersons = n
		}
	}
	return amounts, originals, reversed, reversals, persons
}

// mergeSeries walks n series side by side in date order: at each date
// that one of them has, it calls set(j, i) for the entry i of every series
// j dated then, and then emit(date). date(j, i) is the date of series j's
// entry i, lens[j] its number of entries.
func mergeSeries(lens []int, date func(j, i int) domain.Date, set func(j, i int), emit func(domain.Date)) {
	next := make([]int, len(lens))
	for {
		d, any := domain.Date(0), false
		for j, i := range next {
			if i < lens[j] {
				if ed := date(j, i); !any || ed < d {
					d, any = ed, true
				}
			}
		}
		if !any {
			return
		}
		for j, i := range next {
			if i < lens[j] && date(j, i) == d {
				set(j, i)
				next[j]++
			}
		}
		emit(d)
	}
}

// mergeSums builds the running sums from the amounts' and originals'
// series, as splitSums returned them and a checkpoint stores them.
func mergeSums(amounts *[numCats]domain.DailySeries, originals *[numKinds]countSeries) sumsSeries {
	var lens [int(numCats) + int(numKinds)]int
	most := 0
	for c := range amounts {
		lens[c] = amounts[c].Len()
		most = max(most, lens[c])
	}
	for k := range originals {
		lens[int(numCats)+k] = originals[k].Len()
	}
	var out sumsSeries
	out.Grow(most)
	var v lineSums
	mergeSeries(lens[:], func(j, i int) domain.Date {
		if j < int(numCats) {
			d, _ := amounts[j].Entry(i)
			return d
		}
		d, _ := originals[j-int(numCats)].Entry(i)
		return d
	}, func(j, i int) {
		if j < int(numCats) {
			_, a := amounts[j].Entry(i)
			v.amt.Set(j, a)
		} else {
			_, v.orig[j-int(numCats)] = originals[j-int(numCats)].Entry(i)
		}
	}, func(d domain.Date) {
		out.appendEntry(d, v)
	})
	return out
}

// mergeRevd builds the running reversal counts from the series of each
// kind, as splitSums returned them and a checkpoint stores them.
func mergeRevd(reversed *[numKinds]countSeries) revdSeries {
	var lens [numKinds]int
	for k := range reversed {
		lens[k] = reversed[k].Len()
	}
	var out revdSeries
	var v, prev kindCounts
	mergeSeries(lens[:], func(j, i int) domain.Date {
		d, _ := reversed[j].Entry(i)
		return d
	}, func(j, i int) {
		_, v[j] = reversed[j].Entry(i)
	}, func(d domain.Date) {
		out.Add(d, v.Sub(prev))
		prev = v
	})
	return out
}

func encodeVNDSeries(e *enc, s []vndEntry) {
	e.u(uint64(len(s)))
	var prev domain.Date
	for _, x := range s {
		e.u(uint64(x.d - prev))
		e.str(x.v.String())
		prev = x.d
	}
}

func decodeVNDSeries(d *dec, s *domain.DailySeries) {
	n := d.count(maxCkptItems)
	var date domain.Date
	var prev domain.VND
	for range n {
		date += domain.Date(d.u())
		v, err := domain.ParseVND(d.str())
		if err != nil {
			d.fail("series value: %v", err)
		}
		if d.err != nil {
			return
		}
		s.Add(date, v.Sub(prev))
		prev = v
	}
}

func encodeCountSeries(e *enc, s []countEntry) {
	e.u(uint64(len(s)))
	var prev domain.Date
	for _, x := range s {
		e.u(uint64(x.d - prev))
		e.i(int64(x.v))
		prev = x.d
	}
}

func decodeCountSeries(d *dec, s *countSeries) {
	n := d.count(maxCkptItems)
	var date domain.Date
	var prev count
	for range n {
		date += domain.Date(d.u())
		v := count(d.i())
		if d.err != nil {
			return
		}
		s.Add(date, v-prev)
		prev = v
	}
}

// encodeSums writes a fund's running sums to a checkpoint as separate
// series (see splitSums): the amounts per category, the originals and the
// reversed per kind, every reversal, and the persons.
func encodeSums(e *enc, f *fundSnap) {
	for c := range f.amounts {
		encodeVNDSeries(e, f.amounts[c])
	}
	for k := range f.originals {
		encodeCountSeries(e, f.originals[k])
	}
	for k := range f.reversed {
		encodeCountSeries(e, f.reversed[k])
	}
	encodeCountSeries(e, f.reversals)
	encodePersons(e, &f.persons)
}

// readSums reads the running sums that encodeSums wrote and merges them
// back into one series.
func readSums(d *dec) sumsSeries {
	var amounts [numCats]domain.DailySeries
	var originals, reversed [numKinds]countSeries
	var reversals countSeries
	for c := range amounts {
		decodeVNDSeries(d, &amounts[c])
	}
	for k := range originals {
		decodeCountSeries(d, &originals[k])
	}
	for k := range reversed {
		decodeCountSeries(d, &reversed[k])
	}
	decodeCountSeries(d, &reversals) // the sum of reversed's
	sums := mergeSums(&amounts, &originals)
	revd := mergeRevd(&reversed)
	var persons countSeries
	decodeCountSeries(d, &persons)
	sums.setFromSeries(&persons, &revd)
	return sums
}
