package domain

import "github.com/google/uuid"

// The loan disbursement (cho vay): principal lent to a member, which
// repayments pay back. Its facts are its row in the table of money kinds
// (kinds.go); this file holds its code.

// TypeLoanDisbursed is the stored name of a loan disbursement.
const TypeLoanDisbursed EventType = "LoanDisbursed"

// LoanDisbursed: a fund lent principal to a member. The loan id is the
// transaction id.
type LoanDisbursed struct {
	LoanID        uuid.UUID     `json:"loan_id"`
	FundID        uuid.UUID     `json:"fund_id"`
	BeneficiaryID BeneficiaryID `json:"beneficiary_id"`
	Amount        VND           `json:"amount"`
	DueOn         Date          `json:"due_on,omitempty"`
	Project       string        `json:"project,omitempty"`
	Note          string        `json:"note,omitempty"`
}

// EventType implements EventData.
func (LoanDisbursed) EventType() EventType { return TypeLoanDisbursed }

// Money implements MoneyEvent.
func (d *LoanDisbursed) Money() MoneyFacts {
	return MoneyFacts{Kind: KindLoan, TransactionID: d.LoanID, FundID: d.FundID, Amount: d.Amount,
		Beneficiary: d.BeneficiaryID, LoanID: d.LoanID, DueOn: d.DueOn, Project: d.Project, Note: d.Note}
}

func (d *LoanDisbursed) commandFailures() []FieldError {
	v := Validation{stored: true}
	DisburseLoan{LoanID: d.LoanID, FundID: d.FundID, BeneficiaryID: d.BeneficiaryID, Amount: d.Amount,
		Project: d.Project, Note: d.Note}.Validate(&v)
	return v.fields
}

func (d *LoanDisbursed) decodeFast(b []byte) bool {
	r := jsonReader{b: b, ok: true}
	for r.open(); r.more(); {
		switch r.key() {
		case "loan_id":
			d.LoanID = r.uuid()
		case "fund_id":
			d.FundID = r.uuid()
		case "beneficiary_id":
			d.BeneficiaryID = BeneficiaryID(r.str())
		case "amount":
			d.Amount = r.vnd()
		case "due_on":
			d.DueOn = r.date()
		case "project":
			d.Project = r.str()
		case "note":
			d.Note = r.str()
		default:
			r.ok = false
		}
	}
	return r.done()
}

// DisburseLoan lends principal to a member.
type DisburseLoan struct {
	LoanID        uuid.UUID     `json:"loan_id"`
	FundID        uuid.UUID     `json:"fund_id"`
	BeneficiaryID BeneficiaryID `json:"beneficiary_id"`
	Amount        VND           `json:"amount"`
	OccurredOn    Date          `json:"occurred_on,omitempty"`
	DueOn         Date          `json:"due_on,omitempty"`
	Project       string        `json:"project,omitempty"`
	Note          string        `json:"note,omitempty"`
}

func (DisburseLoan) commandName() string { return "DisburseLoan" }

// Kind, Fund, TxID and Occurred implement MoneyCommand. A loan's
// transaction id is its loan id.
func (DisburseLoan) Kind() MoneyKind   { return KindLoan }
func (c DisburseLoan) Fund() uuid.UUID { return c.FundID }
func (c DisburseLoan) TxID() uuid.UUID { return c.LoanID }
func (c DisburseLoan) Occurred() Date  { return c.OccurredOn }

func (DisburseLoan) fromValues(v Values) MoneyCommand {
	return DisburseLoan{LoanID: v.id("loan_id"), FundID: v.id("fund_id"), BeneficiaryID: BeneficiaryID(v.text("beneficiary_id")),
		Amount: v.amount("amount"), OccurredOn: v.date("occurred_on"), DueOn: v.date("due_on"), Project: v.text("project"),
		Note: v.text("note")}
}

// Validate: see RegisterUnit.Validate.
func (c DisburseLoan) Validate(v *Validation) {
	checkID(v, "loan_id", c.LoanID)
	checkBeneficiary(v, c.BeneficiaryID)
	checkAmount(v, c.Amount)
	checkText(v, "project", c.Project, MaxRefLen, false)
	checkText(v, "note", c.Note, MaxNoteLen, false)
}

// validateDated implements datedCommand: a loan is not due before it is
// disbursed. Decide reports it with the command's other field errors.
func (c DisburseLoan) validateDated(v *Validation, occurred Date) {
	if !c.DueOn.IsZero() && c.DueOn < occurred {
		v.Addf("due_on", "must not be before the disbursement date (%s)", occurred)
	}
}

func (c DisburseLoan) canonical(w *canonicalWriter) {
	w.id("loan_id", c.LoanID)
	w.id("fund_id", c.FundID)
	w.text("beneficiary_id", string(c.BeneficiaryID), false)
	w.amount("amount", c.Amount)
	w.date("occurred_on", c.OccurredOn)
	w.date("due_on", c.DueOn)
	w.text("project", c.Project, true)
	w.text("note", c.Note, true)
}

// decide: a loan's only rule against the fund's state is the balance
// check Decide applies to whatever takes money out; Evolve opens the loan.
func (c DisburseLoan) decide(f *Fund, _ Date) (MoneyEvent, error) {
	return &LoanDisbursed{LoanID: c.LoanID, FundID: f.ID, BeneficiaryID: c.BeneficiaryID, Amount: c.Amount,
		DueOn: c.DueOn, Project: c.Project, Note: c.Note}, nil
}
