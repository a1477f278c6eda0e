package projections

import (
	"reflect"
	"testing"
	"time"
	"unsafe"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/internal/benchlog"
)

// wantTransaction is the Transaction of a money event, built field by
// field from the event, as the projections returned it before txNode
// packed it. reversedBy is the id of its reversal, if any.
func wantTransaction(e domain.Event, f FundSummary, reversedBy *uuid.UUID) Transaction {
	tx := Transaction{TransactionID: e.Meta.EventID, FundID: f.FundID, UnitID: f.UnitID, Type: e.Type,
		OccurredOn: e.Meta.OccurredOn, RecordedAt: e.Meta.RecordedAt, Position: e.Position, Actor: e.Meta.Actor, ReversedBy: reversedBy}
	switch d := e.Data.(type) {
	case *domain.DonationReceived:
		donor := d.Donor
		tx.Amount, tx.Donor, tx.Campaign, tx.Reference, tx.Note = d.Amount, &donor, d.Campaign, d.Reference, d.Note
	case *domain.ShelterGrantPaid:
		tx.Amount, tx.BeneficiaryID, tx.Shelter, tx.DecisionNo, tx.Note = d.Amount, d.BeneficiaryID, d.Shelter, d.DecisionNo, d.Note
	case *domain.AssistanceGranted:
		tx.Amount, tx.BeneficiaryID, tx.Category, tx.Note = d.Amount, d.BeneficiaryID, d.Category, d.Note
	case *domain.LoanDisbursed:
		loanID := d.LoanID
		tx.Amount, tx.BeneficiaryID, tx.LoanID, tx.DueOn, tx.Project, tx.Note = d.Amount, d.BeneficiaryID, &loanID, d.DueOn, d.Project, d.Note
	case *domain.LoanRepaid:
		loanID := d.LoanID
		tx.Amount, tx.BeneficiaryID, tx.LoanID, tx.Note = d.Amount, d.BeneficiaryID, &loanID, d.Note
	case *domain.TransactionReversed:
		reverses := d.Reverses
		tx.Amount, tx.Reverses, tx.Reason, tx.BeneficiaryID = d.Amount, &reverses, d.Reason, d.BeneficiaryID
		if d.LoanID != uuid.Nil {
			loanID := d.LoanID
			tx.LoanID = &loanID
		}
	}
	return tx
}

// TestTransactionViewsKeepEveryField replays a generated log, with odd
// values mixed in (unknown kinds, loan ids that differ from the event id,
// long texts), and checks every Transaction the projections return
// against the event it came from, field by field.
func TestTransactionViewsKeepEveryField(t *testing.T) {
	log, err := benchlog.Generate(3000)
	if err != nil {
		t.Fatal(err)
	}
	var events []domain.Event
	for _, se := range log {
		e, err := domain.Decode(se)
		if err != nil {
			t.Fatal(err)
		}
		events = append(events, e)
	}
	long := string(make([]byte, 300))
	for i := range events {
		if i%13 == 0 {
			events[i].Meta.RecordedAt = time.Date(1500+i%1000, 2, 3, 4, 5, 6, 7, time.UTC)
		}
		switch d := events[i].Data.(type) {
		case *domain.DonationReceived:
			if i%7 == 0 {
				d.Donor.Kind, d.Note = "kind-from-the-future", long
			}
			if i%11 == 0 {
				d.Amount = domain.MustVND("123456789012345678901234567890")
			}
		case *domain.AssistanceGranted:
			if i%7 == 0 {
				d.Category = "new_category"
			}
		case *domain.ShelterGrantPaid:
			if i%7 == 0 {
				d.Shelter, d.Note = "", "x"
			}
		case *domain.LoanDisbursed:
			if i%3 == 0 {
				d.LoanID = uuid.New() // a loan id that is not the event id
			}
		}
	}
	p := New()
	reversedBy := map[uuid.UUID]*uuid.UUID{}
	for _, e := range events {
		if err := p.Apply(e); err != nil {
			t.Fatal(err)
		}
		if d, ok := e.Data.(*domain.TransactionReversed); ok {
			id := d.TransactionID
			reversedBy[d.Reverses] = &id
		}
	}
	byPos := map[domain.Position]domain.Event{}
	for _, e := range events {
		byPos[e.Position] = e
	}
	checked := 0
	for _, f := range p.fundOrder {
		items, _, _ := p.Transactions(f.info.FundID, TxFilter{}, 0, 1<<30)
		for _, got := range items {
			e := byPos[got.Position]
			want := wantTransaction(e, f.info, reversedBy[e.Meta.EventID])
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("Transaction at %d = %+v, want %+v", got.Position, got, want)
			}
			checked++
		}
	}
	for _, e := range events {
		d, ok := e.Data.(*domain.LoanDisbursed)
		if !ok {
			continue
		}
		got, ok := p.Loan(d.FundID, d.LoanID)
		want := Loan{LoanID: d.LoanID, FundID: d.FundID, BeneficiaryID: d.BeneficiaryID, Principal: d.Amount,
			DisbursedOn: e.Meta.OccurredOn, DueOn: d.DueOn, Project: d.Project}
		got.Repaid, got.Outstanding, got.Status = domain.VND{}, domain.VND{}, ""
		if !ok || !reflect.DeepEqual(got, want) {
			t.Fatalf("Loan(%s) = %+v, %v; want %+v", d.LoanID, got, ok, want)
		}
	}
	if checked != len(events)-benchlog.Units*(1+benchlog.FundsPerUnit) {
		t.Errorf("checked %d transactions, want %d", checked, len(events)-benchlog.Units*(1+benchlog.FundsPerUnit))
	}
}

// TestTxNodeSize keeps txNode within the 96-byte allocation class: it is
// allocated once per event of history.
func TestTxNodeSize(t *testing.T) {
	const limit = 96
	if got := unsafe.Sizeof(txNode{}); got > limit {
		t.Errorf("unsafe.Sizeof(txNode{}) = %d, want at most %d", got, limit)
	}
}
