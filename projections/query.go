package projections

import (
	"context"
	"slices"
	"sort"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// The query surface. Every method is safe for concurrent use with Apply.

// Position returns the position of the last applied event.
func (p *Projections) Position() domain.Position {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.pos
}

// Ready reports whether the projections have caught up with the log as it
// was when Run started.
func (p *Projections) Ready() bool { return p.ready.Load() }

// WaitFor blocks until the event at pos has been applied, or ctx is done
// (read-your-writes).
func (p *Projections) WaitFor(ctx context.Context, pos domain.Position) error {
	for {
		p.notifyMu.Lock()
		ch := p.notify
		p.notifyMu.Unlock()
		if p.Position() >= pos {
			return nil
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Unit returns a unit.
func (p *Projections) Unit(id domain.UnitID) (Unit, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	u, ok := p.units[id]
	if !ok {
		return Unit{}, false
	}
	return u.view, true
}

// Units returns up to limit units of root's subtree (every unit when root
// is empty) in registration order, starting after the after-th unit of the
// whole ledger (0 for the first page); next is the value of after for the
// next page, or 0 when there is none.
func (p *Projections) Units(root domain.UnitID, after, limit int) (items []Unit, next int) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	items = []Unit{}
	i := max(after, 0)
	for ; i < len(p.unitOrder) && len(items) < limit; i++ {
		if u := p.unitOrder[i]; root == "" || inSubtree(u, root) {
			items = append(items, u.view)
		}
	}
	if i < len(p.unitOrder) {
		next = i
	}
	return items, next
}

// InSubtree reports whether unit is root or one of its descendants.
func (p *Projections) InSubtree(root, unit domain.UnitID) bool {
	p.mu.RLock()
	defer p.mu.RUnlock()
	for u := p.units[unit]; u != nil; u = u.parent {
		if u.view.ID == root {
			return true
		}
	}
	return false
}

// FundSummary returns a fund's summary, with its breakdown, at the end of
// asOf (zero: with every event, AsOf left zero).
func (p *Projections) FundSummary(id uuid.UUID, asOf domain.Date) (FundSummary, bool) {
	f, ok := p.rlockFund(id)
	defer p.mu.RUnlock()
	if !ok {
		return FundSummary{}, false
	}
	s := f.summary(asOf)
	s.Breakdown = p.fundBreakdown(f, 0, endOf(asOf))
	return s, true
}

// endOf returns the last date of a summary as of asOf: every date for a
// zero asOf.
func endOf(asOf domain.Date) domain.Date {
	if asOf.IsZero() {
		return domain.MaxDate
	}
	return asOf
}

func (f *fundNode) summary(asOf domain.Date) FundSummary {
	to := asOf
	if to.IsZero() {
		to = domain.MaxDate
	}
	v := f.sums.At(to)
	s := f.info
	s.AsOf = asOf
	s.Position = f.lastPos
	s.Balance = v.balance()
	s.LoansOutstanding = v.amount(aLoans).Sub(v.amount(aRepayments))
	s.Capital = s.Balance.Add(s.LoansOutstanding)
	s.Totals = v.totals()
	s.Counts = v.counts(&v.rev, &kindCounts{})
	s.Beneficiaries = Beneficiaries{Persons: int(v.persons), Times: s.Counts.times()}
	return s
}

// lineOf sets *line from the fund's sums at the end of to (closing) and of
// the day before from (opening, nil when the fund has no entry before
// from: zero sums), and the persons counted in the period.
func (f *fundNode) lineOf(line *FundLine, from, to domain.Date, closing, opening *lineSums, persons int) {
	var early kindCounts
	if !from.IsZero() {
		early = f.earlyReversals(from, to)
	}
	// A line from the beginning, the most asked (to a date, today), is
	// its closing sums: no subtraction, no opening balance to compute.
	period, openingBalance := closing, domain.VND{}
	if opening != nil {
		p := closing.Sub(*opening)
		period, openingBalance = &p, opening.balance()
	}
	*line = FundLine{
		FundID: f.info.FundID, UnitID: f.info.UnitID, Name: f.info.Name, Kind: f.info.Kind,
		OpeningBalance: openingBalance, ClosingBalance: closing.balance(),
		Totals: period.totals(), Counts: period.counts(&period.rev, &early),
	}
	line.Beneficiaries = Beneficiaries{Persons: persons, Times: line.Counts.times()}
}

// times is lượt: the counted grants and loans.
func (c Counts) times() int {
	return c.ShelterGrants.NewBuild + c.ShelterGrants.Repair + c.AssistanceGrants + c.Loans
}

// Funds lists fund summaries at the end of asOf (as FundSummary) in the
// order the funds were opened, paged like Units.
func (p *Projections) Funds(flt FundFilter, asOf domain.Date, after, limit int) (items []FundSummary, next int) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.fundsPage(flt, after, limit, nil, func(f *fundNode) FundSummary { return f.summary(asOf) })
}

// fundsPage pages the funds of flt (and of known, when it is not nil) in
// the order they were opened, each summarised by sum. Under the read lock.
func (p *Projections) fundsPage(flt FundFilter, after, limit int, known func(*fundNode) bool, sum func(*fundNode) FundSummary) (items []FundSummary, next int) {
	items = []FundSummary{}
	i := max(after, 0)
	for ; i < len(p.fundOrder); i++ {
		f := p.fundOrder[i]
		if (known != nil && !known(f)) || (flt.Kind != "" && f.info.Kind != flt.Kind) ||
			(flt.Unit != "" && !inSubtree(f.unit, flt.Unit)) {
			continue
		}
		if len(items) == limit {
			return items, i
		}
		items = append(items, sum(f))
	}
	return items, 0
}

func inSubtree(u *unitNode, root domain.UnitID) bool {
	for ; u != nil; u = u.parent {
		if u.view.ID == root {
			return true
		}
	}
	return false
}

// UnitSummary rolls up unit id and its descendants over [from, to] (from zero:
// the beginning).
func (p *Projections) UnitSummary(id domain.UnitID, from, to domain.Date) (UnitSummary, bool) {
	var s UnitSummary
	ok := p.UnitSummaryInto(&s, id, from, to)
	return s, ok
}

// UnitSummaryInto is UnitSummary written into *s, reusing the storage of
// s.Funds and s.Breakdown: a roll-up of a province or the whole
// confederation lists hundreds of fund lines, and on a ledger of millions
// of events what a query allocates costs more in garbage collection,
// which must mark the whole projections heap, than the query itself. It
// returns false, and leaves *s as it was, for an unknown unit.
func (p *Projections) UnitSummaryInto(s *UnitSummary, id domain.UnitID, from, to domain.Date) bool {
	u, ok := p.rlockUnit(id)
	defer p.mu.RUnlock()
	if !ok {
		return false
	}
	p.unitSummaryLocked(s, u, from, to, true)
	return true
}

// unitSummaryLocked is UnitSummaryInto of unit u, under the read lock,
// with the breakdown when withBreakdown.
func (p *Projections) unitSummaryLocked(s *UnitSummary, u *unitNode, from, to domain.Date, withBreakdown bool) {
	id := u.view.ID
	bd := s.Breakdown
	*s = UnitSummary{UnitID: id, Name: u.view.Name, From: from, To: to, Position: p.pos, Funds: slices.Grow(s.Funds[:0], u.subtreeFunds)}
	s.addLines(u, from, to)
	if withBreakdown {
		if bd == nil {
			bd = new(Breakdown)
		}
		p.unitBreakdownInto(bd, u, from, to)
		s.Breakdown = bd
	}
	s.Beneficiaries.Times = s.Counts.times()
	if from.IsZero() {
		s.Beneficiaries.Persons = u.persons.at(to)
	} else {
		s.Beneficiaries.Persons = u.persons.between(from, to)
	}
}

// addLines appends the line of every fund of u's subtree, u's own first and
// then each child's in order, and adds them to the unit's figures.
func (s *UnitSummary) addLines(u *unitNode, from, to domain.Date) {
	b := lineBatch{from: from, to: to}
	b.walk(s, u)
	b.flush(s)
}

// lineBatchSize is how many funds' lines a roll-up computes together.
const lineBatchSize = 32

// lineBatch computes the lines of a roll-up some funds at a time, in
// passes: first where each fund's entries are (month tables and dates),
// then the entries themselves, then the lines. On a long history each
// fund's entries are cache misses, hundreds of nanoseconds apart in
// memory; in a pass that does nothing else the processor has many of
// them in flight at once, where computing each line in turn waited for
// them one by one.
type lineBatch struct {
	from, to domain.Date
	n        int
	funds    [lineBatchSize]*fundNode
	closing  [lineBatchSize]lineSums
	opening  [lineBatchSize]lineSums
}

// walk queues the funds of u's subtree, u's own first, flushing full
// batches into s.
func (b *lineBatch) walk(s *UnitSummary, u *unitNode) {
	for _, f := range u.funds {
		if b.n == lineBatchSize {
			b.flush(s)
		}
		b.funds[b.n] = f
		b.n++
	}
	for _, c := range u.children {
		b.walk(s, c)
	}
}

// flush appends the lines of the queued funds to s and adds them to its
// figures.
func (b *lineBatch) flush(s *UnitSummary) {
	funds := b.funds[:b.n]
	b.n = 0
	var nTo, nFrom [lineBatchSize]int
	// From the beginning, the day before from is before every date: the
	// opening sums are zero.
	for i, f := range funds {
		nTo[i], nFrom[i] = f.sums.count(b.to), f.sums.count(b.from-1)
	}
	for i, f := range funds {
		b.closing[i] = f.sums.nth(nTo[i])
		if nFrom[i] > 0 {
			b.opening[i] = f.sums.nth(nFrom[i])
		}
	}
	// Over a period, the persons: where the period's days are in each
	// fund's person index, in a pass of their own as the sums' entries.
	var inPeriod, dTo, dFrom [lineBatchSize]int
	if !b.from.IsZero() {
		for i, f := range funds {
			dTo[i], dFrom[i] = f.persons.days.upTo(b.to), f.persons.days.upTo(b.from-1)
		}
		for i, f := range funds {
			inPeriod[i] = f.persons.betweenIn(dFrom[i], dTo[i], b.from, b.to, scanPerDay)
		}
	}
	for i, f := range funds {
		persons := inPeriod[i]
		if b.from.IsZero() {
			persons = int(b.closing[i].persons) // the fund's persons to date
		}
		s.Funds = append(s.Funds, FundLine{})
		line := &s.Funds[len(s.Funds)-1]
		var opening *lineSums
		if nFrom[i] > 0 {
			opening = &b.opening[i]
		}
		f.lineOf(line, b.from, b.to, &b.closing[i], opening, persons)
		s.OpeningBalance = s.OpeningBalance.Add(line.OpeningBalance)
		s.ClosingBalance = s.ClosingBalance.Add(line.ClosingBalance)
		s.Totals = s.Totals.add(line.Totals)
		s.Counts = s.Counts.add(line.Counts)
	}
}

func (t Totals) add(o Totals) Totals {
	return Totals{
		Donations:        t.Donations.Add(o.Donations),
		ShelterGrants:    t.ShelterGrants.Add(o.ShelterGrants),
		AssistanceGrants: t.AssistanceGrants.Add(o.AssistanceGrants),
		LoansDisbursed:   t.LoansDisbursed.Add(o.LoansDisbursed),
		Repayments:       t.Repayments.Add(o.Repayments),
	}
}

func (c Counts) add(o Counts) Counts {
	return Counts{
		Donations: c.Donations + o.Donations,
		ShelterGrants: ShelterCounts{
			NewBuild: c.ShelterGrants.NewBuild + o.ShelterGrants.NewBuild,
			Repair:   c.ShelterGrants.Repair + o.ShelterGrants.Repair,
		},
		AssistanceGrants: c.AssistanceGrants + o.AssistanceGrants,
		Loans:            c.Loans + o.Loans,
		Repayments:       c.Repayments + o.Repayments,
		Reversals:        c.Reversals + o.Reversals,
	}
}

// Transactions lists a fund's transactions in log order with position >
// after, matching f, at most limit; more tells whether another page exists.
// ok is false for an unknown fund.
func (p *Projections) Transactions(fund uuid.UUID, flt TxFilter, after domain.Position, limit int) (items []Transaction, more, ok bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	f, ok := p.funds[fund]
	if !ok {
		return nil, false, false
	}
	items = []Transaction{}
	i := sort.Search(len(f.txs), func(i int) bool { return f.txs[i].pos > after })
	for ; i < len(f.txs); i++ {
		t := f.txs[i]
		if (flt.Type != "" && t.eventType() != flt.Type) ||
			(!flt.From.IsZero() && t.date < flt.From) ||
			(!flt.To.IsZero() && t.date > flt.To) {
			continue
		}
		if len(items) == limit {
			return items, true, true
		}
		items = append(items, t.view(p.actorNames))
	}
	return items, false, true
}

// Loan returns a loan of a fund.
func (p *Projections) Loan(fund, loan uuid.UUID) (Loan, bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	f, ok := p.funds[fund]
	if !ok {
		return Loan{}, false
	}
	l, ok := f.loans[loan]
	if !ok {
		return Loan{}, false
	}
	t := l.loan
	v := Loan{LoanID: loan, FundID: f.info.FundID, BeneficiaryID: t.beneficiaryID(), Principal: t.amount(),
		Repaid: l.repaid, Status: LoanActive, DisbursedOn: t.date, DueOn: t.due, Project: t.field(tProject)}
	if _, reversed := t.reversedOn(); reversed {
		v.Status = LoanReversed
	} else {
		v.Outstanding = v.Principal.Sub(l.repaid)
		if v.Outstanding.IsZero() {
			v.Status = LoanRepaid
		}
	}
	return v, true
}

// Beneficiary returns a beneficiary's grants, loans and repayments in the
// funds of root's subtree (every fund when root is empty), in log order, each with
// reversed_by when reversed; the totals leave reversed ones out. ok is false
// when there is none.
func (p *Projections) Beneficiary(id domain.BeneficiaryID, root domain.UnitID) (Beneficiary, bool) {
	// The zero Known knows every event: one fold for both.
	return p.BeneficiaryKnown(id, root, Known{})
}
