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
	fundID, ok := fundOf(e.Data)
	if !ok {
		return fmt.Errorf("event %s at %d: %w", e.Type, e.Position, domain.ErrUnknownEventType)
	}
	f, ok := p.funds[fundID]
	if !ok {
		return fmt.Errorf("%s at %d for unknown fund %s: %w", e.Type, e.Position, fundID, errInconsistent)
	}
	actor, ok := p.actors[e.Meta.Actor]
	if !ok {
		// A copy: the decoded name may share memory with its whole event.
		name := strings.Clone(e.Meta.Actor)
		actor = uint32(len(p.actorNames))
		p.actors[name] = actor
		p.actorNames = append(p.actorNames, name)
	}
	t := &txNode{id: e.Meta.EventID, fund: f, pos: e.Position, date: e.Meta.OccurredOn, actor: actor}
	var text packer
	t.setRecorded(e.Meta.RecordedAt, &text)
	date := e.Meta.OccurredOn
	var benef domain.BeneficiaryID
	switch d := e.Data.(type) {
	case *domain.DonationReceived:
		t.typ, t.kind = typDonation, kDonation
		t.flags |= flagDonor
		t.setAmount(d.Amount, &text)
		text.add(tDonorName, d.Donor.Name)
		packEnum(&text, t, tDonorKind, d.Donor.Kind, donorKindCodes)
		text.add(tCampaign, d.Campaign)
		text.add(tReference, d.Reference)
		text.add(tNote, d.Note)
	case *domain.ShelterGrantPaid:
		t.typ, benef = typShelter, d.BeneficiaryID
		t.setAmount(d.Amount, &text)
		packEnum(&text, t, tShelter, d.Shelter, shelterKindCodes)
		text.add(tDecisionNo, d.DecisionNo)
		text.add(tNote, d.Note)
		t.kind = kShelterNew
		if d.Shelter == domain.ShelterRepair {
			t.kind = kShelterRepair
		}
	case *domain.AssistanceGranted:
		t.typ, benef, t.kind = typAssistance, d.BeneficiaryID, kAssistance
		t.setAmount(d.Amount, &text)
		packEnum(&text, t, tCategory, d.Category, categoryCodes)
		text.add(tNote, d.Note)
	case *domain.LoanDisbursed:
		t.typ, benef, t.kind, t.due = typLoan, d.BeneficiaryID, kLoan, d.DueOn
		t.setAmount(d.Amount, &text)
		if d.LoanID == t.id {
			t.flags |= flagLoanIsID
		} else {
			text.add(tLoanID, string(d.LoanID[:]))
		}
		text.add(tProject, d.Project)
		text.add(tNote, d.Note)
		f.loans[d.LoanID] = &loanState{loan: t}
	case *domain.LoanRepaid:
		t.typ, benef, t.kind = typRepayment, d.BeneficiaryID, kRepayment
		t.setAmount(d.Amount, &text)
		text.add(tLoanID, string(d.LoanID[:]))
		text.add(tNote, d.Note)
		if l, ok := f.loans[d.LoanID]; ok {
			l.repaid = l.repaid.Add(d.Amount)
		}
	case *domain.TransactionReversed:
		t.typ, benef = typReversal, d.BeneficiaryID
		if err := p.applyReversal(e, f, t, d, &text); err != nil {
			return err
		}
	default:
		// A kind of the table without its case here: what of its
		// payload the transaction keeps is written out above.
		return fmt.Errorf("event %s at %d has no case in applyMoney: %w", e.Type, e.Position, domain.ErrUnknownEventType)
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
		p.countPerson(f, bt, date)
		p.breakdownGrant(f, bt, t)
	}
	if t.typ != typReversal {
		f.sums.add(date, catOf(t.kind), t.amount(), t.kind, 1)
	}
	f.txs = append(f.txs, t)
	f.lastPos = e.Position
	f.noteRecorded(t)
	p.txs[t.id] = t
	if bt != nil && t.typ != typReversal {
		bt.txs = append(bt.txs, t)
	}
	return nil
}

func (p *Projections) applyReversal(e *domain.Event, f *fundNode, t *txNode, d *domain.TransactionReversed, text *packer) error {
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
		p.uncountPerson(f, orig.benef, orig.date, date)
		p.breakdownReverse(f, orig, date)
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

// fundOf returns the fund of a money event.
func fundOf(d domain.EventData) (uuid.UUID, bool) {
	m, ok := d.(domain.MoneyEvent)
	if !ok {
		return uuid.Nil, false
	}
	return m.Money().FundID, true
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
