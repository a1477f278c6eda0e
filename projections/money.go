package projections

import (
	"fmt"
	"sort"
	"strings"

	"github.com/google/uuid"
	"github.com/welfare-ledger/welfare-ledger/domain"
)

// applyMoney applies a money event: the transaction joins its fund's list
// (in log order), its beneficiary's, the index by id, the fund's running
// sums and loans, and the persons indexes of its fund and of every unit
// above it. A checkpoint load rebuilds the same from the transactions
// (readTxs, relink); TestRebuildEqualsApply holds them equal.
func (p *Projections) applyMoney(e *domain.Event) error {
	money, ok := e.Data.(domain.MoneyEvent)
	if !ok {
		return fmt.Errorf("event %s at %d: %w", e.Type, e.Position, domain.ErrUnknownEventType)
	}
	// Everything a transaction keeps of its event is in its money facts,
	// and what its kind does is its row's: no case per type.
	m := money.Money()
	spec := m.Kind.Spec()
	f, ok := p.funds[m.FundID]
	if !ok {
		return fmt.Errorf("%s at %d for unknown fund %s: %w", e.Type, e.Position, m.FundID, errInconsistent)
	}
	actor, ok := p.actors[e.Meta.Actor]
	if !ok {
		// A copy: the decoded name may share memory with its whole event.
		name := strings.Clone(e.Meta.Actor)
		actor = uint32(len(p.actorNames))
		p.actors[name] = actor
		p.actorNames = append(p.actorNames, name)
	}
	t := &txNode{id: e.Meta.EventID, fund: f, pos: e.Position, date: e.Meta.OccurredOn, actor: actor, typ: txTypes[m.Kind]}
	var text packer
	t.setRecorded(e.Meta.RecordedAt, &text)
	date := e.Meta.OccurredOn
	benef := m.Beneficiary
	if spec.Direction == domain.Opposite {
		if err := p.applyReversal(e, f, t, &m, &text); err != nil {
			return err
		}
	} else {
		t.pack(spec, &m, &text)
		switch spec.Loan {
		case domain.LoanLends:
			f.loans[m.LoanID] = &loanState{loan: t}
		case domain.LoanRepays:
			if l, ok := f.loans[m.LoanID]; ok {
				l.repaid = l.repaid.Add(m.Amount)
			}
		}
	}
	if len(text.b) > 0 {
		t.text = string(text.b)
	}
	var bt *beneficiaryTxs
	if benef != "" {
		bt = p.beneficiary(benef)
		t.benef = bt
	}
	if t.helps() {
		// The person's grants are read once for every index.
		p.grantBuf = personGrants(bt, p.grantBuf[:0])
		p.countPerson(f, bt, p.grantBuf, date)
		p.breakdownGrant(f, p.grantBuf, t)
	}
	if spec.Direction != domain.Opposite {
		f.sums.add(date, catOf(t.kind), t.amount(), t.kind, 1)
	}
	f.txs = append(f.txs, t)
	f.lastPos = e.Position
	f.noteRecorded(t)
	p.txs[t.id] = t
	if bt != nil && spec.Direction != domain.Opposite {
		bt.txs = append(bt.txs, t)
	}
	return nil
}

// pack fills in what a transaction of a kind that is not a reversal keeps
// of its money facts: its count kind (its category's; a shelter grant's
// by its shelter kind), its amount, its due date, and its words and
// closed-list values in the packed text. The text's fields are added in
// one fixed order, the order each type's own code wrote them in before
// this function was the only one: a checkpoint stores the text as is,
// and verify compares it byte for byte with a replay's.
func (t *txNode) pack(spec *domain.KindSpec, m *domain.MoneyFacts, text *packer) {
	t.kind = countKindOf(spec.Category, m.Shelter)
	t.due = m.DueOn
	t.setAmount(m.Amount, text)
	if m.DonorKind != "" { // a kind whose payload has a donor requires its kind
		t.flags |= flagDonor
	}
	text.add(tDonorName, m.DonorName)
	packEnum(text, t, tDonorKind, m.DonorKind, donorKindCodes)
	packEnum(text, t, tShelter, m.Shelter, shelterKindCodes)
	packEnum(text, t, tCategory, m.Category, categoryCodes)
	text.add(tCampaign, m.Campaign)
	text.add(tReference, m.Reference)
	text.add(tDecisionNo, m.DecisionNo)
	if m.LoanID != uuid.Nil {
		if spec.Loan == domain.LoanLends && m.LoanID == t.id {
			t.flags |= flagLoanIsID
		} else {
			text.add(tLoanID, string(m.LoanID[:]))
		}
	}
	text.add(tProject, m.Project)
	text.add(tNote, m.Note)
}

// countKindOf is the count kind of a category; a shelter grant's is its
// shelter kind's.
func countKindOf(c domain.Category, shelter domain.ShelterKind) countKind {
	switch c {
	case domain.CatShelterGrants:
		if shelter == domain.ShelterRepair {
			return kShelterRepair
		}
		return kShelterNew
	case domain.CatAssistanceGrants:
		return kAssistance
	case domain.CatLoansDisbursed:
		return kLoan
	case domain.CatRepayments:
		return kRepayment
	}
	return kDonation
}

func (p *Projections) applyReversal(e *domain.Event, f *fundNode, t *txNode, d *domain.MoneyFacts, text *packer) error {
	orig, ok := p.tx(d.Reverses)
	if !ok || orig.fund != f || orig.link != nil || orig.typ == typReversal {
		return fmt.Errorf("reversal %s of %s at %d: %w", d.TransactionID, d.Reverses, e.Position, errInconsistent)
	}
	date := e.Meta.OccurredOn
	t.link = orig
	t.setAmount(d.Amount, text)
	text.add(tReason, d.Reason)
	if d.LoanID != uuid.Nil {
		text.add(tLoanID, string(d.LoanID[:]))
	}
	t.kind = orig.kind
	f.sums.add(date, catOf(orig.kind), d.Amount.Neg(), orig.kind, 0)
	f.sums.addReversal(date, orig.kind)
	f.addRev(reversalRec{kind: orig.kind, orig: orig.date, revDate: date})
	switch orig.kind {
	case kShelterNew, kShelterRepair, kAssistance, kLoan:
		// Before the link: the person's spans are read from their
		// grants, and this one is still counted until this reversal.
		// The person's grants are read once for every index.
		p.grantBuf = personGrants(orig.benef, p.grantBuf[:0])
		p.uncountPerson(f, orig.benef, p.grantBuf, orig.date, date)
		p.breakdownReverse(f, p.grantBuf, orig, date)
	}
	orig.link = t
	switch orig.kind {
	case kRepayment:
		if l, ok := f.loans[*orig.loanID()]; ok {
			l.repaid = l.repaid.Sub(d.Amount)
		}
	}
	return nil
}

type reversalRec struct {
	kind          countKind
	orig, revDate domain.Date
}

type loanState struct {
	loan   *txNode // the disbursement
	repaid domain.VND
}

func catOf(k countKind) amountCat {
	switch k {
	case kDonation:
		return aDonations
	case kShelterNew, kShelterRepair:
		return aShelter
	case kAssistance:
		return aAssistance
	case kLoan:
		return aLoans
	default:
		return aRepayments
	}
}

// relink rebuilds, for t just read and appended to f's list, the loan
// state and reversal links that applyMoney and applyReversal keep; a
// reversal's original is the transaction of f at origPos.
func relink(f *fundNode, t *txNode, origPos domain.Position) error {
	// What a kind does to loans and to other transactions is its row's.
	switch spec := txKinds[t.typ].Spec(); {
	case spec.Loan == domain.LoanLends:
		f.loans[*t.loanID()] = &loanState{loan: t}
	case spec.Loan == domain.LoanRepays:
		id := t.loanID()
		if id == nil {
			return fmt.Errorf("repayment %s without a loan id", t.id)
		}
		if l, ok := f.loans[*id]; ok {
			l.repaid = l.repaid.Add(t.amount())
		}
	case spec.Direction == domain.Opposite:
		i := sort.Search(len(f.txs), func(i int) bool { return f.txs[i].pos >= origPos })
		if i == len(f.txs) || f.txs[i].pos != origPos || f.txs[i].link != nil || f.txs[i].typ == typReversal {
			return fmt.Errorf("reversal %s of the transaction at %d", t.id, origPos)
		}
		orig := f.txs[i]
		t.link, orig.link = orig, t
		f.addRev(reversalRec{kind: orig.kind, orig: orig.date, revDate: t.date})
		if orig.kind == kRepayment {
			if l, ok := f.loans[*orig.loanID()]; ok {
				l.repaid = l.repaid.Sub(t.amount())
			}
		}
	}
	return nil
}
