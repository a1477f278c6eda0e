package projections

import (
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// Statement is a fund's cash book (sổ quỹ) over a period: the balance at
// the end of the day before From, every money event dated in [From, To] in
// (occurred_on, position) order with the running balance after it, and the
// period's totals. It is taken at one moment: what is applied later is not
// in it.
//
// A Statement holds a pointer per line and nothing else that grows with
// the period, and its lines are built one at a time as Lines hands them
// out, so that a statement of millions of lines streams in bounded memory
// (8 bytes a line) without holding the projections' lock while it is
// written to a slow client.
type Statement struct {
	FundID         uuid.UUID
	UnitID         domain.UnitID
	Name           string
	From, To       domain.Date
	OpeningBalance domain.VND
	TotalIn        domain.VND
	TotalOut       domain.VND
	ClosingBalance domain.VND

	lines []*txNode
}

// StatementLine is one line of a Statement.
type StatementLine struct {
	OccurredOn    domain.Date
	Position      domain.Position
	TransactionID uuid.UUID
	Type          domain.EventType
	// In is whether the line adds to the balance (thu) or takes from it
	// (chi); a reversal goes the other way from what it reverses.
	In      bool
	Amount  domain.VND
	Balance domain.VND // the running balance after the line
	// Reference is the voucher number: a donation's reference or a
	// shelter grant's decision number.
	Reference string
	// Description is the line's own words: a donation's donor name, and
	// the note, or a reversal's reason.
	Description   string
	BeneficiaryID domain.BeneficiaryID // "" when none
	LoanID        *uuid.UUID
	Reverses      *uuid.UUID
}

// Statement returns the statement of a fund over [from, to]; a zero from
// means the fund's opening day, a zero to the last day there is. ok is
// false for an unknown fund.
func (p *Projections) Statement(fund uuid.UUID, from, to domain.Date) (st *Statement, ok bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	f, ok := p.funds[fund]
	if !ok {
		return nil, false
	}
	if from.IsZero() {
		from = f.info.OpenedOn
	}
	if to.IsZero() {
		to = domain.MaxDate
	}
	// The balance at the end of the day before from: Dates are YYYYMMDD
	// integers, so from-1 is below from and above every earlier day.
	opening := f.sums.At(from - 1)
	st = &Statement{
		FundID: f.info.FundID, UnitID: f.info.UnitID, Name: f.info.Name, From: from, To: to,
		OpeningBalance: opening.balance(),
	}
	for _, t := range f.txs {
		if t.date >= from && t.date <= to {
			st.lines = append(st.lines, t)
		}
	}
	st.finish()
	return st, true
}

// finish orders the lines, taken from a fund's transactions in log order,
// and sums them into the totals and the closing balance.
func (st *Statement) finish() {
	// The lines are in log order, so a stable sort by date orders by
	// (date, position).
	slices.SortStableFunc(st.lines, func(a, b *txNode) int { return int(a.date) - int(b.date) })
	for _, t := range st.lines {
		if t.inflow() {
			st.TotalIn = st.TotalIn.Add(t.amount())
		} else {
			st.TotalOut = st.TotalOut.Add(t.amount())
		}
	}
	st.ClosingBalance = st.OpeningBalance.Add(st.TotalIn).Sub(st.TotalOut)
}

// Len returns the number of lines.
func (s *Statement) Len() int { return len(s.lines) }

// Lines calls yield with each line in order, until it returns false. It
// reads only what a transaction's own event said (txNode.facts), which
// never changes once applied, so it needs no lock.
func (s *Statement) Lines(yield func(*StatementLine) bool) {
	balance := s.OpeningBalance
	var line StatementLine
	for _, t := range s.lines {
		amt := t.amount()
		in := t.inflow()
		if in {
			balance = balance.Add(amt)
		} else {
			balance = balance.Sub(amt)
		}
		line = StatementLine{
			OccurredOn: t.date, Position: t.pos, TransactionID: t.id, Type: t.eventType(),
			In: in, Amount: amt, Balance: balance, BeneficiaryID: t.beneficiaryID(), LoanID: t.loanID(),
		}
		switch t.eventType() {
		case domain.TypeDonationReceived:
			line.Reference = t.field(tReference)
			line.Description = joinNonEmpty(t.field(tDonorName), t.field(tNote))
		case domain.TypeShelterGrantPaid:
			line.Reference = t.field(tDecisionNo)
			line.Description = t.field(tNote)
		case domain.TypeTransactionReversed:
			line.Description = t.field(tReason)
			if t.link != nil {
				id := t.link.id
				line.Reverses = &id
			}
		default:
			line.Description = t.field(tNote)
		}
		if !yield(&line) {
			return
		}
	}
}

// inflow reports whether t adds to its fund's balance: donations and
// repayments do, grants and loans take from it, and a reversal goes the
// other way from its original (domain.EffectOf).
func (t *txNode) inflow() bool {
	if t.typ == typReversal {
		return !domain.CategoryOf(t.link.eventType()).Inflow()
	}
	return domain.CategoryOf(t.eventType()).Inflow()
}

// joinNonEmpty joins the non-empty parts with " — ".
func joinNonEmpty(parts ...string) string {
	parts = slices.DeleteFunc(parts, func(s string) bool { return s == "" })
	return strings.Join(parts, " — ")
}
