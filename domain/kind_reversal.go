package domain

import "github.com/google/uuid"

// The reversal (bút toán đảo): a correction that cancels an earlier
// transaction's effect from its own date on. Its facts are its row in the
// table of money kinds (kinds.go); this file holds its code.

// TypeTransactionReversed is the stored name of a reversal.
const TypeTransactionReversed EventType = "TransactionReversed"

// moneyTypeNames are the values of a reversal's original_type, as shared
// strings for the fast decoder.
var moneyTypeNames = func() []string {
	var names []string
	for _, s := range MoneyKinds() {
		names = append(names, string(s.Type))
	}
	return names
}()

// TransactionReversed: a correction that cancels an earlier transaction's
// effect from the reversal's own business date on. The original stays in the
// log. The fields copied from the original (type, amount, date, beneficiary,
// loan, shelter kind) make the event self-contained for projections.
type TransactionReversed struct {
	TransactionID      uuid.UUID     `json:"transaction_id"`
	FundID             uuid.UUID     `json:"fund_id"`
	Reverses           uuid.UUID     `json:"reverses"`
	Reason             string        `json:"reason"`
	OriginalType       EventType     `json:"original_type"`
	Amount             VND           `json:"amount"`
	OriginalOccurredOn Date          `json:"original_occurred_on"`
	BeneficiaryID      BeneficiaryID `json:"beneficiary_id,omitempty"`
	LoanID             uuid.UUID     `json:"loan_id,omitzero"`
	Shelter            ShelterKind   `json:"shelter,omitempty"`
}

// EventType implements EventData.
func (TransactionReversed) EventType() EventType { return TypeTransactionReversed }

// Money implements MoneyEvent.
func (d *TransactionReversed) Money() MoneyFacts {
	return MoneyFacts{Kind: KindReversal, TransactionID: d.TransactionID, FundID: d.FundID, Amount: d.Amount,
		Beneficiary: d.BeneficiaryID, LoanID: d.LoanID, Shelter: d.Shelter,
		Reverses: d.Reverses, Original: d.OriginalType, OriginalOn: d.OriginalOccurredOn, Reason: d.Reason}
}

func (d *TransactionReversed) commandFailures() []FieldError {
	v := Validation{stored: true}
	ReverseTransaction{TransactionID: d.TransactionID, FundID: d.FundID, Reverses: d.Reverses, Reason: d.Reason}.Validate(&v)
	return v.fields
}

func (d *TransactionReversed) decodeFast(b []byte) bool {
	r := jsonReader{b: b, ok: true}
	for r.open(); r.more(); {
		switch r.key() {
		case "transaction_id":
			d.TransactionID = r.uuid()
		case "fund_id":
			d.FundID = r.uuid()
		case "reverses":
			d.Reverses = r.uuid()
		case "reason":
			d.Reason = r.str()
		case "original_type":
			d.OriginalType = EventType(r.enum(moneyTypeNames))
		case "amount":
			d.Amount = r.vnd()
		case "original_occurred_on":
			d.OriginalOccurredOn = r.date()
		case "beneficiary_id":
			d.BeneficiaryID = BeneficiaryID(r.str())
		case "loan_id":
			d.LoanID = r.uuid()
		case "shelter":
			d.Shelter = ShelterKind(r.enum(shelterKindNames))
		default:
			r.ok = false
		}
	}
	return r.done()
}

// ReverseTransaction cancels an earlier transaction of the same fund.
type ReverseTransaction struct {
	TransactionID uuid.UUID `json:"transaction_id"`
	FundID        uuid.UUID `json:"fund_id"`
	Reverses      uuid.UUID `json:"reverses"`
	Reason        string    `json:"reason"`
	OccurredOn    Date      `json:"occurred_on,omitempty"`
}

func (ReverseTransaction) commandName() string { return "ReverseTransaction" }

// Kind, Fund, TxID and Occurred implement MoneyCommand.
func (ReverseTransaction) Kind() MoneyKind   { return KindReversal }
func (c ReverseTransaction) Fund() uuid.UUID { return c.FundID }
func (c ReverseTransaction) TxID() uuid.UUID { return c.TransactionID }
func (c ReverseTransaction) Occurred() Date  { return c.OccurredOn }

func (ReverseTransaction) fromValues(v Values) MoneyCommand {
	return ReverseTransaction{TransactionID: v.id("transaction_id"), FundID: v.id("fund_id"), Reverses: v.id("reverses"),
		Reason: v.text("reason"), OccurredOn: v.date("occurred_on")}
}

// Validate: see RegisterUnit.Validate.
func (c ReverseTransaction) Validate(v *Validation) {
	checkID(v, "transaction_id", c.TransactionID)
	checkID(v, "reverses", c.Reverses)
	checkText(v, "reason", c.Reason, MaxNoteLen, true)
}

func (c ReverseTransaction) canonical(w *canonicalWriter) {
	w.id("transaction_id", c.TransactionID)
	w.id("fund_id", c.FundID)
	w.id("reverses", c.Reverses)
	w.text("reason", c.Reason, false)
	w.date("occurred_on", c.OccurredOn)
}

// decide: a reversal names a transaction of the fund that is neither a
// reversal nor reversed already, is not dated before it, and copies what
// the projections need of it (API.md, "Rules"). A loan is reversed only
// once no repayment of it is in effect.
//
// Errors: not_found, not_reversible, already_reversed, validation_failed
// (occurred_on), loan_has_repayments, exceeds_outstanding.
func (c ReverseTransaction) decide(f *Fund, occurred Date) (MoneyEvent, error) {
	orig, ok := f.txs[c.Reverses]
	if !ok {
		return nil, Errf(CodeNotFound, "transaction %s not found in fund %s", c.Reverses, f.ID)
	}
	if orig.Type == TypeTransactionReversed {
		return nil, Errf(CodeNotReversible, "transaction %s is itself a reversal and cannot be reversed", orig.ID)
	}
	if orig.ReversedBy != uuid.Nil {
		return nil, Errf(CodeAlreadyReversed, "transaction %s was already reversed by %s", orig.ID, orig.ReversedBy)
	}
	if occurred < orig.OccurredOn {
		return nil, fieldErr("occurred_on", "must not be before the original transaction (%s)", orig.OccurredOn)
	}
	if orig.Type == TypeLoanDisbursed {
		l := f.loans[orig.ID]
		if l.ActiveRepayments > 0 {
			return nil, Errf(CodeLoanHasRepayments,
				"loan %s has %d repayment(s) that are not reversed; reverse them first", l.ID, l.ActiveRepayments)
		}
		// A repayment reversed later than this reversal's date still
		// counts until its own reversal date: reversing the loan before
		// then would make its outstanding principal negative.
		if headroom, at := l.Outstanding.MinFromDate(occurred); headroom.Cmp(l.Principal) < 0 {
			return nil, Errf(CodeExceedsOutstanding,
				"reversing loan %s on %s would make its outstanding principal negative on %s, while a repayment is still in effect; date the reversal on or after the repayments' reversals",
				l.ID, occurred, at)
		}
	}
	return &TransactionReversed{TransactionID: c.TransactionID, FundID: f.ID, Reverses: orig.ID, Reason: c.Reason,
		OriginalType: orig.Type, Amount: orig.Amount, OriginalOccurredOn: orig.OccurredOn,
		BeneficiaryID: orig.Beneficiary, LoanID: orig.LoanID, Shelter: orig.Shelter}, nil
}
