package projections

import (
	"math"
	"slices"
	"time"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// Time travel by recording time (API.md, "Time travel for auditors"): a
// known_at answer is computed exactly as the figures are defined, from only
// the events whose recorded_at is at or before known_at — the hierarchy
// and the funds included.
//
// recorded_at is the server clock when the write was decided, and clocks
// step back: the events known at an instant are not a prefix of the log,
// so nothing here assumes they are. A fund none of whose events was
// recorded after the instant answers from its ordinary indexes (its
// latest recording time is kept, fundNode.lastRec). Any other fund's
// figures are its indexed ones corrected for its "late" transactions —
// dated within the period asked but recorded after the instant — which
// its recIndex finds without reading the rest (see lateAdjust). Distinct
// persons are corrected person by person: each beneficiary of a late
// transaction is looked at across the whole scope (the fund, or the
// unit's subtree), so that persons stay distinct across funds.
//
// foldFund is the plain definition, a fold over the transactions known at
// the instant; it answers for funds whose recIndex is not built (loaded
// from a checkpoint), and the property test checks both against its slow
// reference.

// Known is an instant of a known_at query: what the ledger knew then.
// The zero Known knows everything (no known_at): every …Known query then
// is the query without it, on its ordinary path.
type Known struct {
	at time.Time
	// nanos is at in nanoseconds since 1970, clamped to the int64 range
	// a txNode's recNanos uses.
	nanos int64
	set   bool
}

// KnownAt returns the Known of instant at.
func KnownAt(at time.Time) Known {
	k := Known{at: at.UTC(), set: true}
	switch y := k.at.Year(); {
	case y < 1678:
		k.nanos = math.MinInt64
	case y >= 2262:
		k.nanos = math.MaxInt64
	default:
		k.nanos = k.at.UnixNano()
	}
	return k
}

// IsZero reports whether k knows everything.
func (k Known) IsZero() bool { return !k.set }

// Time returns the instant (zero for the zero Known).
func (k Known) Time() time.Time { return k.at }

// knowsTime reports whether something recorded at rec was known at k.
func (k Known) knowsTime(rec time.Time) bool { return !k.set || !rec.After(k.at) }

// knows reports whether transaction t was known at k.
func (k Known) knows(t *txNode) bool {
	if !k.set {
		return true
	}
	if t.flags&flagRecordedInText != 0 {
		return !t.recorded().After(k.at)
	}
	return t.recNanos <= k.nanos
}

// knowsAllOf reports whether every event of fund f was known at k, so
// that its indexes answer for k. A fund with transactions but no lastRec
// (loaded from a checkpoint, which does not keep it) is never taken as
// known: its answer is a fold, slower but exact.
func (k Known) knowsAllOf(f *fundNode) bool {
	if !k.set {
		return true
	}
	if len(f.txs) > 0 && (f.lastRec == 0 || f.lastRec == math.MaxInt64) {
		return false
	}
	return k.knowsTime(f.opened) && f.lastRec <= k.nanos
}

// noteRecorded keeps f.lastRec, the latest recording time of its
// transactions (MaxInt64 when one is outside recNanos's range), and f.recs,
// for t just appended to f.txs.
func (f *fundNode) noteRecorded(t *txNode) {
	rec := t.recNanos
	if t.flags&flagRecordedInText != 0 {
		rec = math.MaxInt64
	}
	f.lastRec = max(f.lastRec, rec)
	f.recs.add(f, len(f.txs)-1)
}

// knownFold is a fund's figures over [from, to] computed from the
// transactions known at an instant, one by one.
type knownFold struct {
	closing, opening lineSums // every known movement dated ≤ to, < from
	counts           [numKinds]int
	reversals        int
	times            int
	lastPos          domain.Position
}

// foldFund folds f's transactions known at k into the figures over [from,
// to] (from zero: the beginning), adding to persons the beneficiaries it
// counts (API.md: the counted grants and loans).
func foldFund(f *fundNode, k Known, from, to domain.Date, persons map[*beneficiaryTxs]struct{}) knownFold {
	fold := knownFold{lastPos: f.openPos}
	for _, t := range f.txs {
		if !k.knows(t) {
			continue
		}
		fold.lastPos = max(fold.lastPos, t.pos)
		if t.date > to {
			continue
		}
		amount := t.amount()
		if t.typ == typReversal {
			amount = amount.Neg() // the opposite movement of the original's category
		}
		fold.closing.addOne(catOf(t.kind), amount, t.kind, 0)
		if t.date < from {
			fold.opening.addOne(catOf(t.kind), amount, t.kind, 0)
			continue
		}
		if t.typ == typReversal {
			fold.reversals++
			continue
		}
		if r := t.link; r != nil && r.date <= to && k.knows(r) {
			continue // reversed on or before to, by a reversal known at k
		}
		fold.counts[t.kind]++
		if t.helps() {
			fold.times++
			persons[t.benef] = struct{}{}
		}
	}
	return fold
}

// totalsCounts returns the period's totals and counts.
func (fold *knownFold) totalsCounts() (Totals, Counts) {
	period := fold.closing.Sub(fold.opening)
	n := fold.counts
	return period.totals(), Counts{
		Donations:        n[kDonation],
		ShelterGrants:    ShelterCounts{NewBuild: n[kShelterNew], Repair: n[kShelterRepair]},
		AssistanceGrants: n[kAssistance],
		Loans:            n[kLoan],
		Repayments:       n[kRepayment],
		Reversals:        fold.reversals,
	}
}

// fundKnown reports whether fund id was opened by k, and returns it.
func (p *Projections) fundKnown(id uuid.UUID, k Known) (*fundNode, bool) {
	f, ok := p.funds[id]
	if !ok || !k.knowsTime(f.opened) {
		return nil, false
	}
	return f, true
}

// summaryKnown is f.summary as known at k.
func (f *fundNode) summaryKnown(asOf domain.Date, k Known) FundSummary {
	if k.knowsAllOf(f) {
		return f.summary(asOf)
	}
	to := asOf
	if to.IsZero() {
		to = domain.MaxDate
	}
	if f.recs.built(f) {
		s := f.summary(asOf)
		closing, opening := f.sums.At(to), lineSums{}
		affected := map[*beneficiaryTxs]struct{}{}
		lateAdjust(f.recs.late(f, k, to, nil), k, 0, to, &closing, &opening, &s.Counts, affected)
		s.Position = f.recs.lastKnownPos(f, k)
		s.Balance = closing.balance()
		s.LoansOutstanding = closing.amount(aLoans).Sub(closing.amount(aRepayments))
		s.Capital = s.Balance.Add(s.LoansOutstanding)
		s.Totals = closing.totals()
		s.Beneficiaries = Beneficiaries{Persons: s.Beneficiaries.Persons + personsKnown(affected, f.persons.in, k, 0, to), Times: s.Counts.times()}
		return s
	}
	return f.foldSummary(asOf, to, k)
}

// foldSummary is summaryKnown by a fold over the fund's transactions; to
// is asOf, or MaxDate for a zero asOf.
func (f *fundNode) foldSummary(asOf, to domain.Date, k Known) FundSummary {
	persons := map[*beneficiaryTxs]struct{}{}
	fold := foldFund(f, k, 0, to, persons)
	s := f.info
	s.AsOf = asOf
	s.Position = fold.lastPos
	s.Balance = fold.closing.balance()
	s.LoansOutstanding = fold.closing.amount(aLoans).Sub(fold.closing.amount(aRepayments))
	s.Capital = s.Balance.Add(s.LoansOutstanding)
	s.Totals, s.Counts = fold.totalsCounts()
	s.Beneficiaries = Beneficiaries{Persons: len(persons), Times: fold.times}
	return s
}

// FundSummaryKnown is FundSummary as the ledger knew it at k: ok is false
// for a fund unknown or not yet opened then.
func (p *Projections) FundSummaryKnown(id uuid.UUID, asOf domain.Date, k Known) (FundSummary, bool) {
	if k.IsZero() {
		return p.FundSummary(id, asOf)
	}
	p.readyFundLines(id)
	p.mu.RLock()
	defer p.mu.RUnlock()
	f, ok := p.fundKnown(id, k)
	if !ok {
		return FundSummary{}, false
	}
	s := f.summaryKnown(asOf, k)
	if k.knowsAllOf(f) {
		s.Breakdown = p.fundBreakdown(f, 0, endOf(asOf))
	} else {
		s.Breakdown = foldBreakdown([]*fundNode{f}, k, 0, endOf(asOf))
	}
	return s, true
}

// FundsKnown is Funds as the ledger knew it at k: only the funds opened
// by then, with their figures as known then.
func (p *Projections) FundsKnown(flt FundFilter, asOf domain.Date, after, limit int, k Known) (items []FundSummary, next int) {
	if k.IsZero() {
		return p.Funds(flt, asOf, after, limit)
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.fundsPage(flt, after, limit, func(f *fundNode) bool { return k.knowsTime(f.opened) },
		func(f *fundNode) FundSummary { return f.summaryKnown(asOf, k) })
}

// UnitKnown is Unit as the ledger knew it at k: ok is false for a unit
// not registered by then.
func (p *Projections) UnitKnown(id domain.UnitID, k Known) (Unit, bool) {
	if k.IsZero() {
		return p.Unit(id)
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	u, ok := p.units[id]
	if !ok || !k.knowsTime(u.registered) {
		return Unit{}, false
	}
	return u.view, true
}

// UnitsKnown is Units as the ledger knew it at k: only the units
// registered by then, paged like Units.
func (p *Projections) UnitsKnown(root domain.UnitID, after, limit int, k Known) (items []Unit, next int) {
	if k.IsZero() {
		return p.Units(root, after, limit)
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	items = []Unit{}
	i := max(after, 0)
	for ; i < len(p.unitOrder); i++ {
		u := p.unitOrder[i]
		if !k.knowsTime(u.registered) || (root != "" && !inSubtree(u, root)) {
			continue
		}
		if len(items) == limit {
			return items, i
		}
		items = append(items, u.view)
	}
	return items, 0
}

// UnitSummaryKnownInto is UnitSummaryInto as the ledger knew it at k: the
// funds of the subtree opened by then, each with its figures as known
// then. It returns false for a unit not registered by then. (A unit's
// place in the hierarchy never changes, so a fund opened by then is in the
// subtree even when a clock that stepped back recorded its unit's
// registration after it.)
func (p *Projections) UnitSummaryKnownInto(s *UnitSummary, id domain.UnitID, from, to domain.Date, k Known) bool {
	if k.IsZero() {
		return p.UnitSummaryInto(s, id, from, to)
	}
	p.readyUnitLines(id)
	p.mu.RLock()
	defer p.mu.RUnlock()
	u, ok := p.units[id]
	if !ok || !k.knowsTime(u.registered) {
		return false
	}
	if allKnown(u, k) {
		p.unitSummaryLocked(s, u, from, to, true)
		return true
	}
	if funds := subtreeFunds(u, nil); allIndexed(funds) {
		p.unitSummaryLocked(s, u, from, to, false)
		s.adjustKnown(u, funds, k, from, to)
		s.Breakdown = foldBreakdown(funds, k, from, to)
		return true
	}
	p.foldUnitSummary(s, u, from, to, k)
	return true
}

// foldUnitSummary is UnitSummaryKnownInto of unit u by a fold over the
// transactions of every fund of its subtree, under the read lock.
func (p *Projections) foldUnitSummary(s *UnitSummary, u *unitNode, from, to domain.Date, k Known) {
	id := u.view.ID
	*s = UnitSummary{UnitID: id, Name: u.view.Name, From: from, To: to, Position: p.pos, Funds: slices.Grow(s.Funds[:0], u.subtreeFunds)}
	persons := map[*beneficiaryTxs]struct{}{}
	linePersons := map[*beneficiaryTxs]struct{}{}
	var walk func(u *unitNode)
	walk = func(u *unitNode) {
		for _, f := range u.funds {
			if !k.knowsTime(f.opened) {
				continue
			}
			clear(linePersons)
			fold := foldFund(f, k, from, to, linePersons)
			for b := range linePersons {
				persons[b] = struct{}{}
			}
			line := FundLine{
				FundID: f.info.FundID, UnitID: f.info.UnitID, Name: f.info.Name, Kind: f.info.Kind,
				OpeningBalance: fold.opening.balance(), ClosingBalance: fold.closing.balance(),
				Beneficiaries: Beneficiaries{Persons: len(linePersons), Times: fold.times},
			}
			line.Totals, line.Counts = fold.totalsCounts()
			s.Funds = append(s.Funds, line)
			s.OpeningBalance = s.OpeningBalance.Add(line.OpeningBalance)
			s.ClosingBalance = s.ClosingBalance.Add(line.ClosingBalance)
			s.Totals = s.Totals.add(line.Totals)
			s.Counts = s.Counts.add(line.Counts)
		}
		for _, c := range u.children {
			walk(c)
		}
	}
	walk(u)
	s.Beneficiaries = Beneficiaries{Persons: len(persons), Times: s.Counts.times()}
	s.Breakdown = foldBreakdown(subtreeFunds(u, nil), k, from, to)
}

// allKnown reports whether every fund of u's subtree, and every event of
// those funds, was known at k: then the ordinary roll-up is the answer.
func allKnown(u *unitNode, k Known) bool {
	for _, f := range u.funds {
		if !k.knowsAllOf(f) {
			return false
		}
	}
	for _, c := range u.children {
		if !allKnown(c, k) {
			return false
		}
	}
	return true
}

// viewKnown is t.view with reversed_by only when the reversal was known at
// k.
func (t *txNode) viewKnown(actorNames []string, k Known) Transaction {
	v := t.view(actorNames)
	if v.ReversedBy != nil && !k.knows(t.link) {
		v.ReversedBy = nil
	}
	return v
}

// reversedKnown reports whether t is an original whose reversal was known
// at k.
func (t *txNode) reversedKnown(k Known) bool {
	return t.typ != typReversal && t.link != nil && k.knows(t.link)
}

// TransactionsKnown is Transactions as the ledger knew it at k: the
// transactions recorded by then, each with reversed_by only when its
// reversal was recorded by then. ok is false for a fund not opened by
// then.
func (p *Projections) TransactionsKnown(fund uuid.UUID, flt TxFilter, after domain.Position, limit int, k Known) (items []Transaction, more, ok bool) {
	if k.IsZero() {
		return p.Transactions(fund, flt, after, limit)
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	f, ok := p.fundKnown(fund, k)
	if !ok {
		return nil, false, false
	}
	items = []Transaction{}
	i, _ := slices.BinarySearchFunc(f.txs, after+1, func(t *txNode, pos domain.Position) int { return int(t.pos) - int(pos) })
	for ; i < len(f.txs); i++ {
		t := f.txs[i]
		if !k.knows(t) || (flt.Type != "" && t.eventType() != flt.Type) ||
			(!flt.From.IsZero() && t.date < flt.From) ||
			(!flt.To.IsZero() && t.date > flt.To) {
			continue
		}
		if len(items) == limit {
			return items, true, true
		}
		items = append(items, t.viewKnown(p.actorNames, k))
	}
	return items, false, true
}

// LoanKnown is Loan as the ledger knew it at k: the repayments and
// reversals recorded by then. ok is false for a loan (or fund) not
// recorded by then.
func (p *Projections) LoanKnown(fund, loan uuid.UUID, k Known) (Loan, bool) {
	if k.IsZero() {
		return p.Loan(fund, loan)
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	f, ok := p.fundKnown(fund, k)
	if !ok {
		return Loan{}, false
	}
	l, ok := f.loans[loan]
	if !ok || !k.knows(l.loan) {
		return Loan{}, false
	}
	t := l.loan
	var repaid domain.VND
	for _, r := range f.txs {
		if r.kind != kRepayment || !k.knows(r) {
			continue
		}
		repayment := r
		if r.typ == typReversal {
			repayment = r.link // a reversal names its loan through the repayment
		}
		if id := repayment.loanID(); id == nil || *id != loan {
			continue
		}
		if r.typ == typReversal {
			repaid = repaid.Sub(r.amount())
		} else {
			repaid = repaid.Add(r.amount())
		}
	}
	v := Loan{LoanID: loan, FundID: f.info.FundID, BeneficiaryID: t.beneficiaryID(), Principal: t.amount(),
		Repaid: repaid, Status: LoanActive, DisbursedOn: t.date, DueOn: t.due, Project: t.field(tProject)}
	if t.reversedKnown(k) {
		v.Status = LoanReversed
	} else {
		v.Outstanding = v.Principal.Sub(repaid)
		if v.Outstanding.IsZero() {
			v.Status = LoanRepaid
		}
	}
	return v, true
}

// BeneficiaryKnown is Beneficiary as the ledger knew it at k: the grants,
// loans and repayments recorded by then, in funds opened by then, each
// reversed only by a reversal recorded by then.
func (p *Projections) BeneficiaryKnown(id domain.BeneficiaryID, root domain.UnitID, k Known) (Beneficiary, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	b := Beneficiary{BeneficiaryID: id, Items: []Transaction{}}
	persons := 0
	var txs []*txNode
	if bt, ok := p.benef[id]; ok {
		txs = bt.txs
	}
	for _, t := range txs {
		if !k.knows(t) || !k.knowsTime(t.fund.opened) || (root != "" && !inSubtree(t.fund.unit, root)) {
			continue
		}
		b.Items = append(b.Items, t.viewKnown(p.actorNames, k))
		if t.reversedKnown(k) {
			continue
		}
		switch t.kind {
		case kShelterNew, kShelterRepair:
			b.Totals.ShelterGrants = b.Totals.ShelterGrants.Add(t.amount())
		case kAssistance:
			b.Totals.AssistanceGrants = b.Totals.AssistanceGrants.Add(t.amount())
		case kLoan:
			b.Totals.LoansDisbursed = b.Totals.LoansDisbursed.Add(t.amount())
			b.Totals.LoansOutstanding = b.Totals.LoansOutstanding.Add(t.amount())
		case kRepayment:
			b.Totals.Repayments = b.Totals.Repayments.Add(t.amount())
			if l, ok := t.fund.loans[*t.loanID()]; ok && k.knows(l.loan) && !l.loan.reversedKnown(k) {
				b.Totals.LoansOutstanding = b.Totals.LoansOutstanding.Sub(t.amount())
			}
		}
		if t.kind != kRepayment {
			b.Counts.Times++
			persons = 1
		}
	}
	if len(b.Items) == 0 {
		return Beneficiary{}, false
	}
	b.Counts.Persons = persons
	return b, true
}

// StatementKnown is Statement as the ledger knew it at k: the lines,
// balances and totals of the money events recorded by then. ok is false
// for a fund not opened by then.
func (p *Projections) StatementKnown(fund uuid.UUID, from, to domain.Date, k Known) (st *Statement, ok bool) {
	if k.IsZero() {
		return p.Statement(fund, from, to)
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	f, ok := p.fundKnown(fund, k)
	if !ok {
		return nil, false
	}
	if from.IsZero() {
		from = f.info.OpenedOn
	}
	if to.IsZero() {
		to = domain.MaxDate
	}
	st = &Statement{FundID: f.info.FundID, UnitID: f.info.UnitID, Name: f.info.Name, From: from, To: to}
	var opening lineSums
	for _, t := range f.txs {
		if !k.knows(t) {
			continue
		}
		switch {
		case t.date < from:
			amount := t.amount()
			if t.typ == typReversal {
				amount = amount.Neg()
			}
			opening.addOne(catOf(t.kind), amount, t.kind, 0)
		case t.date <= to:
			st.lines = append(st.lines, t)
		}
	}
	st.OpeningBalance = opening.balance()
	st.finish()
	return st, true
}

// subtreeFunds appends to buf, and returns, the funds of u's subtree in
// the order of a roll-up's lines: u's own, then each child's.
func subtreeFunds(u *unitNode, buf []*fundNode) []*fundNode {
	u.walkFunds(func(f *fundNode) { buf = append(buf, f) })
	return buf
}

// allIndexed reports whether every fund's recIndex is built.
func allIndexed(funds []*fundNode) bool {
	for _, f := range funds {
		if !f.recs.built(f) {
			return false
		}
	}
	return true
}

// adjustKnown turns the ordinary roll-up of u in s, whose lines are those
// of funds in order, into the roll-up as known at k: a fund not opened by
// then loses its line, a fund with late transactions has its line
// corrected (lateAdjust), and the figures are summed again. The unit's
// distinct persons are the index's, corrected for every beneficiary of a
// late transaction of the subtree, looked at across the whole subtree.
func (s *UnitSummary) adjustKnown(u *unitNode, funds []*fundNode, k Known, from, to domain.Date) {
	unitAffected := map[*beneficiaryTxs]struct{}{}
	lineAffected := map[*beneficiaryTxs]struct{}{}
	var late []*txNode
	lines := s.Funds[:0]
	for i, f := range funds {
		line := s.Funds[i]
		if k.knowsAllOf(f) {
			lines = append(lines, line)
			continue
		}
		clear(lineAffected)
		late = f.recs.late(f, k, to, late[:0])
		closing, opening := f.sums.At(to), lineSums{}
		if !from.IsZero() {
			opening = f.sums.At(from - 1)
		}
		lateAdjust(late, k, from, to, &closing, &opening, &line.Counts, lineAffected)
		for b := range lineAffected {
			unitAffected[b] = struct{}{}
		}
		if !k.knowsTime(f.opened) {
			continue
		}
		period := closing.Sub(opening)
		line.OpeningBalance, line.ClosingBalance, line.Totals = opening.balance(), closing.balance(), period.totals()
		line.Beneficiaries = Beneficiaries{
			Persons: line.Beneficiaries.Persons + personsKnown(lineAffected, f.persons.in, k, from, to),
			Times:   line.Counts.times(),
		}
		lines = append(lines, line)
	}
	s.Funds = lines
	s.OpeningBalance, s.ClosingBalance, s.Totals, s.Counts = domain.VND{}, domain.VND{}, Totals{}, Counts{}
	for i := range s.Funds {
		line := &s.Funds[i]
		s.OpeningBalance = s.OpeningBalance.Add(line.OpeningBalance)
		s.ClosingBalance = s.ClosingBalance.Add(line.ClosingBalance)
		s.Totals = s.Totals.add(line.Totals)
		s.Counts = s.Counts.add(line.Counts)
	}
	s.Beneficiaries = Beneficiaries{
		Persons: s.Beneficiaries.Persons + personsKnown(unitAffected, u.persons.in, k, from, to),
		Times:   s.Counts.times(),
	}
}
