package projections

import (
	"math"
	"slices"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// recIndex finds, for a known_at query, the few transactions that make
// its answer differ from the ordinary one: those dated on or before the
// period's end but recorded after the instant ("late"). The figures as
// known are then the indexed figures less the late transactions'
// contributions (see lateAdjust), instead of a fold over the whole
// history. Late transactions are the back-dated vouchers and those of the
// instant's own day: few, for the dates an auditor asks about.
//
// dates lists the business dates of the fund's transactions in order;
// dateMax[i] is the latest recorded_at of those dated dates[i], and
// dateLast[i] the last of them (its index in fundNode.txs, plus one),
// whose prevSame links to the one before it on that date, and so on. A
// query reads the maxima of the dates up to the period's end, a
// sequential pass, and follows the links of the dates recorded after the
// instant only. A back-dated transaction inserts a date at most, never
// moves the entries of the transactions after it. logMin[b] is the
// earliest recorded_at of fundNode.txs's block b (recBlock transactions),
// for the position of the fund's last known event. It costs 4 bytes a
// transaction and 16 a date.
//
// A recorded_at outside recNanos's range counts as MaxInt64 in dateMax
// (always looked into) and MinInt64 in logMin.
type recIndex struct {
	dates    []domain.Date
	dateMax  []int64
	dateLast []int32
	prevSame []int32
	logMin   []int64
}

// recBlock is the number of transactions a block of recIndex.logMin
// covers.
const recBlock = 32

// recOf returns t's recorded_at in nanoseconds for a date's maximum.
func recOf(t *txNode) int64 {
	if t.flags&flagRecordedInText != 0 {
		return math.MaxInt64
	}
	return t.recNanos
}

// add indexes the fund's transaction i, just appended to f.txs, when the
// index covers those before it (see built).
func (x *recIndex) add(f *fundNode, i int) {
	if len(x.prevSame) != i {
		return
	}
	t := f.txs[i]
	d, found := slices.BinarySearch(x.dates, t.date)
	if !found {
		x.dates = slices.Insert(x.dates, d, t.date)
		x.dateMax = slices.Insert(x.dateMax, d, math.MinInt64)
		x.dateLast = slices.Insert(x.dateLast, d, 0)
	}
	rec := recOf(t)
	x.dateMax[d] = max(x.dateMax[d], rec)
	x.prevSame = append(x.prevSame, x.dateLast[d])
	x.dateLast[d] = int32(i + 1)
	if t.flags&flagRecordedInText != 0 {
		rec = math.MinInt64
	}
	if i%recBlock == 0 {
		x.logMin = append(x.logMin, rec)
	} else {
		x.logMin[len(x.logMin)-1] = min(x.logMin[len(x.logMin)-1], rec)
	}
}

// built reports whether the index covers every transaction of f: always,
// once applied or loaded (ReadCheckpoint runs rebuildRecIndexes). A fund
// without it would answer known_at by a fold, slower but exact.
func (x *recIndex) built(f *fundNode) bool { return len(x.prevSame) == len(f.txs) }

// rebuildRecIndexes builds every fund's recIndex and lastRec from its
// transactions, for projections loaded from a checkpoint (which stores
// the openings' and registrations' recorded_at, but not this index); it
// runs before the projections are shared, or under the write lock.
func (p *Projections) rebuildRecIndexes() {
	for _, f := range p.fundOrder {
		f.recs, f.lastRec = recIndex{}, 0
		for i, t := range f.txs {
			f.lastRec = max(f.lastRec, recOf(t))
			f.recs.add(f, i)
		}
	}
}

// late appends to buf, and returns, f's transactions dated on or before
// to and not known at k; all of them dated by to when the fund itself was
// not opened by k.
func (x *recIndex) late(f *fundNode, k Known, to domain.Date, buf []*txNode) []*txNode {
	n, _ := slices.BinarySearch(x.dates, to+1)
	all := !k.knowsTime(f.opened)
	for d := range n {
		if !all && x.dateMax[d] <= k.nanos {
			continue
		}
		for i := x.dateLast[d]; i != 0; i = x.prevSame[i-1] {
			if t := f.txs[i-1]; all || !k.knows(t) {
				buf = append(buf, t)
			}
		}
	}
	return buf
}

// lastKnownPos returns the position of f's last event known at k: its
// opening's, or its last transaction's recorded by then.
func (x *recIndex) lastKnownPos(f *fundNode, k Known) domain.Position {
	for b := len(x.logMin) - 1; b >= 0; b-- {
		if x.logMin[b] > k.nanos {
			continue
		}
		block := f.txs[b*recBlock : min((b+1)*recBlock, len(f.txs))]
		for i := len(block) - 1; i >= 0; i-- {
			if k.knows(block[i]) {
				return block[i].pos
			}
		}
	}
	return f.openPos
}

// lateAdjust turns a fund's indexed figures over [from, to] into those
// known at k, from its late transactions (recIndex.late). It subtracts
// their movements from the closing and opening sums, and corrects the
// counts: a late original the index counted is not counted, and a known
// original that the index saw reversed by a late reversal dated by to is
// counted. It adds to affected the beneficiaries whose being counted may
// differ (see personsKnown).
func lateAdjust(late []*txNode, k Known, from, to domain.Date, closing, opening *lineSums, counts *Counts, affected map[*beneficiaryTxs]struct{}) {
	n := [numKinds]int{}
	for _, t := range late {
		amount := t.amount()
		if t.typ != typReversal {
			amount = amount.Neg() // taken out again
		}
		closing.addOne(catOf(t.kind), amount, t.kind, 0)
		if t.date < from {
			opening.addOne(catOf(t.kind), amount, t.kind, 0)
			continue
		}
		if t.typ == typReversal {
			counts.Reversals--
			if orig := t.link; knownTx(orig, k) && orig.date >= from {
				n[orig.kind]++
				if orig.helps() {
					affected[orig.benef] = struct{}{}
				}
			}
			continue
		}
		if r := t.link; r != nil && r.date <= to {
			continue // the index did not count it either
		}
		n[t.kind]--
		if t.helps() {
			affected[t.benef] = struct{}{}
		}
	}
	counts.Donations += n[kDonation]
	counts.ShelterGrants.NewBuild += n[kShelterNew]
	counts.ShelterGrants.Repair += n[kShelterRepair]
	counts.AssistanceGrants += n[kAssistance]
	counts.Loans += n[kLoan]
	counts.Repayments += n[kRepayment]
}

// knownTx reports whether t was known at k, its fund opened by then too.
func knownTx(t *txNode, k Known) bool { return k.knows(t) && k.knowsTime(t.fund.opened) }

// personsKnown returns the change, from the index's distinct persons over
// [from, to] in scope to those known at k, that the affected
// beneficiaries make: for each, whether a grant or loan of theirs in scope
// is counted over the period as known, less whether one is as indexed.
func personsKnown(affected map[*beneficiaryTxs]struct{}, in func(*fundNode) bool, k Known, from, to domain.Date) int {
	diff := 0
	for b := range affected {
		indexed, known := false, false
		for _, t := range b.txs {
			if !t.helps() || t.date < from || t.date > to || !in(t.fund) {
				continue
			}
			r := t.link
			if r == nil || r.date > to {
				indexed = true
			}
			if knownTx(t, k) && (r == nil || r.date > to || !k.knows(r)) {
				known = true
			}
		}
		switch {
		case known && !indexed:
			diff++
		case indexed && !known:
			diff--
		}
	}
	return diff
}
