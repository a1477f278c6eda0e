package domain

import "github.com/google/uuid"

// The loan repayment (thu hồi vốn vay): a borrower paying back principal.
// Its facts are its row in the table of money kinds (kinds.go); this file
// holds its code.

// TypeLoanRepaid is the stored name of a loan repayment.
const TypeLoanRepaid EventType = "LoanRepaid"

// LoanRepaid: a borrower paid back part or all of a loan's principal.
type LoanRepaid struct {
	TransactionID uuid.UUID     `json:"transaction_id"`
	FundID        uuid.UUID     `json:"fund_id"`
	LoanID        uuid.UUID     `json:"loan_id"`
	BeneficiaryID BeneficiaryID `json:"beneficiary_id"`
	Amount        VND           `json:"amount"`
	Note          string        `json:"note,omitempty"`
}

// EventType implements EventData.
func (LoanRepaid) EventType() EventType { return TypeLoanRepaid }

// Money implements MoneyEvent.
func (d *LoanRepaid) Money() MoneyFacts {
	return MoneyFacts{Kind: KindRepayment, TransactionID: d.TransactionID, FundID: d.FundID, Amount: d.Amount,
		Beneficiary: d.BeneficiaryID, LoanID: d.LoanID, Note: d.Note}
}

func (d *LoanRepaid) commandFailures() []FieldError {
	v := Validation{stored: true}
	RepayLoan{TransactionID: d.TransactionID, FundID: d.FundID, LoanID: d.LoanID, Amount: d.Amount, Note: d.Note}.Validate(&v)
	return v.fields
}

func (d *LoanRepaid) decodeFast(b []byte) bool {
	r := jsonReader{b: b, ok: true}
	for r.open(); r.more(); {
		switch r.key() {
		case "transaction_id":
			d.TransactionID = r.uuid()
		case "fund_id":
			d.FundID = r.uuid()
		case "loan_id":
			d.LoanID = r.uuid()
		case "beneficiary_id":
			d.BeneficiaryID = BeneficiaryID(r.str())
		case "amount":
			d.Amount = r.vnd()
		case "note":
			d.Note = r.str()
		default:
			r.ok = false
		}
	}
	return r.done()
}

// RepayLoan records a repayment of a loan's principal.
type RepayLoan struct {
	TransactionID uuid.UUID `json:"transaction_id"`
	FundID        uuid.UUID `json:"fund_id"`
	LoanID        uuid.UUID `json:"loan_id"`
	Amount        VND       `json:"amount"`
	OccurredOn    Date      `json:"occurred_on,omitempty"`
	Note          string    `json:"note,omitempty"`
}

func (RepayLoan) commandName() string { return "RepayLoan" }

// Kind, Fund, TxID and Occurred implement MoneyCommand.
func (RepayLoan) Kind() MoneyKind   { return KindRepayment }
func (c RepayLoan) Fund() uuid.UUID { return c.FundID }
func (c RepayLoan) TxID() uuid.UUID { return c.TransactionID }
func (c RepayLoan) Occurred() Date  { return c.OccurredOn }

func (RepayLoan) fromValues(v Values) MoneyCommand {
	return RepayLoan{TransactionID: v.id("transaction_id"), FundID: v.id("fund_id"), LoanID: v.id("loan_id"),
		Amount: v.amount("amount"), OccurredOn: v.date("occurred_on"), Note: v.text("note")}
}

// Validate: see RegisterUnit.Validate.
func (c RepayLoan) Validate(v *Validation) {
	checkID(v, "transaction_id", c.TransactionID)
	checkID(v, "loan_id", c.LoanID)
	checkAmount(v, c.Amount)
	checkText(v, "note", c.Note, MaxNoteLen, false)
}

func (c RepayLoan) canonical(w *canonicalWriter) {
	w.id("transaction_id", c.TransactionID)
	w.id("fund_id", c.FundID)
	w.id("loan_id", c.LoanID)
	w.amount("amount", c.Amount)
	w.date("occurred_on", c.OccurredOn)
	w.text("note", c.Note, true)
}

// decide: a repayment names a loan of the fund, is not dated before it,
// and never makes its outstanding principal negative on any date; the
// borrower is copied from the loan, so that the event is self-contained.
//
// Errors: not_found, validation_failed (occurred_on), exceeds_outstanding.
func (c RepayLoan) decide(f *Fund, occurred Date) (MoneyEvent, error) {
	l, ok := f.loans[c.LoanID]
	if !ok {
		return nil, Errf(CodeNotFound, "loan %s not found in fund %s", c.LoanID, f.ID)
	}
	if occurred < l.Date {
		return nil, fieldErr("occurred_on", "must not be before the loan was disbursed (%s)", l.Date)
	}
	if l.Reversed {
		return nil, Errf(CodeExceedsOutstanding, "loan %s was reversed; nothing is outstanding", l.ID)
	}
	if headroom, at := l.Outstanding.MinFromDate(occurred); headroom.Cmp(c.Amount) < 0 {
		return nil, Errf(CodeExceedsOutstanding,
			"the repayment of %s đồng exceeds the outstanding principal of %s đồng (on %s)", c.Amount, headroom, at)
	}
	t := f.txs[c.LoanID]
	return &LoanRepaid{TransactionID: c.TransactionID, FundID: f.ID, LoanID: c.LoanID,
		BeneficiaryID: t.Beneficiary, Amount: c.Amount, Note: c.Note}, nil
}
