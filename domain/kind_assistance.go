package domain

import "github.com/google/uuid"

// The assistance grant (trợ cấp): money paid to a member in hardship —
// serious illness, an accident, a death, a disaster, a Tết gift. Its
// facts are its row in the table of money kinds (kinds.go); this file
// holds its code.

// TypeAssistanceGranted is the stored name of an assistance grant.
const TypeAssistanceGranted EventType = "AssistanceGranted"

// AssistanceCategory says why an assistance grant was paid.
type AssistanceCategory string

// Assistance categories.
const (
	AssistSeriousIllness AssistanceCategory = "serious_illness"
	AssistAccident       AssistanceCategory = "accident"
	AssistDeath          AssistanceCategory = "death"
	AssistDisaster       AssistanceCategory = "disaster"
	AssistTetGift        AssistanceCategory = "tet_gift"
	AssistScholarship    AssistanceCategory = "scholarship"
	AssistHardship       AssistanceCategory = "hardship"
	AssistOther          AssistanceCategory = "other"
)

// AssistanceCategories lists every category.
var AssistanceCategories = []AssistanceCategory{AssistSeriousIllness, AssistAccident, AssistDeath,
	AssistDisaster, AssistTetGift, AssistScholarship, AssistHardship, AssistOther}

// categoryNames are the categories as shared strings for the fast decoder.
var categoryNames = enumNames(AssistanceCategories)

// AssistanceGranted: a fund paid a member in hardship.
type AssistanceGranted struct {
	TransactionID uuid.UUID          `json:"transaction_id"`
	FundID        uuid.UUID          `json:"fund_id"`
	BeneficiaryID BeneficiaryID      `json:"beneficiary_id"`
	Amount        VND                `json:"amount"`
	Category      AssistanceCategory `json:"category"`
	Note          string             `json:"note,omitempty"`
}

// EventType implements EventData.
func (AssistanceGranted) EventType() EventType { return TypeAssistanceGranted }

// Money implements MoneyEvent.
func (d *AssistanceGranted) Money() MoneyFacts {
	return MoneyFacts{Kind: KindAssistanceGrant, TransactionID: d.TransactionID, FundID: d.FundID, Amount: d.Amount,
		Beneficiary: d.BeneficiaryID, Category: d.Category, Note: d.Note}
}

func (d *AssistanceGranted) commandFailures() []FieldError {
	v := Validation{stored: true}
	GrantAssistance{TransactionID: d.TransactionID, FundID: d.FundID, BeneficiaryID: d.BeneficiaryID, Amount: d.Amount,
		Category: d.Category, Note: d.Note}.Validate(&v)
	return v.fields
}

func (d *AssistanceGranted) decodeFast(b []byte) bool {
	r := jsonReader{b: b, ok: true}
	for r.open(); r.more(); {
		switch r.key() {
		case "transaction_id":
			d.TransactionID = r.uuid()
		case "fund_id":
			d.FundID = r.uuid()
		case "beneficiary_id":
			d.BeneficiaryID = BeneficiaryID(r.str())
		case "amount":
			d.Amount = r.vnd()
		case "category":
			d.Category = AssistanceCategory(r.enum(categoryNames))
		case "note":
			d.Note = r.str()
		default:
			r.ok = false
		}
	}
	return r.done()
}

// GrantAssistance records an assistance grant paid to a member.
type GrantAssistance struct {
	TransactionID uuid.UUID          `json:"transaction_id"`
	FundID        uuid.UUID          `json:"fund_id"`
	BeneficiaryID BeneficiaryID      `json:"beneficiary_id"`
	Amount        VND                `json:"amount"`
	Category      AssistanceCategory `json:"category"`
	OccurredOn    Date               `json:"occurred_on,omitempty"`
	Note          string             `json:"note,omitempty"`
}

func (GrantAssistance) commandName() string { return "GrantAssistance" }

// Kind, Fund, TxID and Occurred implement MoneyCommand.
func (GrantAssistance) Kind() MoneyKind   { return KindAssistanceGrant }
func (c GrantAssistance) Fund() uuid.UUID { return c.FundID }
func (c GrantAssistance) TxID() uuid.UUID { return c.TransactionID }
func (c GrantAssistance) Occurred() Date  { return c.OccurredOn }

func (GrantAssistance) fromValues(v Values) MoneyCommand {
	return GrantAssistance{TransactionID: v.id("transaction_id"), FundID: v.id("fund_id"),
		BeneficiaryID: BeneficiaryID(v.text("beneficiary_id")), Amount: v.amount("amount"),
		Category: AssistanceCategory(v.text("category")), OccurredOn: v.date("occurred_on"), Note: v.text("note")}
}

// Validate: see RegisterUnit.Validate.
func (c GrantAssistance) Validate(v *Validation) {
	checkID(v, "transaction_id", c.TransactionID)
	checkBeneficiary(v, c.BeneficiaryID)
	checkAmount(v, c.Amount)
	oneOf(v, "category", c.Category, AssistanceCategories)
	checkText(v, "note", c.Note, MaxNoteLen, false)
}

func (c GrantAssistance) canonical(w *canonicalWriter) {
	w.id("transaction_id", c.TransactionID)
	w.id("fund_id", c.FundID)
	w.text("beneficiary_id", string(c.BeneficiaryID), false)
	w.amount("amount", c.Amount)
	w.text("category", string(c.Category), false)
	w.date("occurred_on", c.OccurredOn)
	w.text("note", c.Note, true)
}

// decide: a grant's only rule against the fund's state is the balance
// check Decide applies to whatever takes money out.
func (c GrantAssistance) decide(f *Fund, _ Date) (MoneyEvent, error) {
	return &AssistanceGranted{TransactionID: c.TransactionID, FundID: f.ID, BeneficiaryID: c.BeneficiaryID,
		Amount: c.Amount, Category: c.Category, Note: c.Note}, nil
}
