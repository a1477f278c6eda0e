package domain

import "github.com/google/uuid"

// The shelter grant ("Mái ấm Công đoàn"): money paid to a member to build
// or repair a house. Its facts are its row in the table of money kinds
// (kinds.go); this file holds its code.

// TypeShelterGrantPaid is the stored name of a shelter grant.
const TypeShelterGrantPaid EventType = "ShelterGrantPaid"

// ShelterKind says whether a shelter grant builds a new house or repairs one.
type ShelterKind string

// Shelter kinds.
const (
	ShelterNewBuild ShelterKind = "new_build"
	ShelterRepair   ShelterKind = "repair"
)

// ShelterKinds lists every shelter kind.
var ShelterKinds = []ShelterKind{ShelterNewBuild, ShelterRepair}

// shelterKindNames are the shelter kinds as shared strings for the fast
// decoder (a shelter grant's and a reversal's copy of it).
var shelterKindNames = enumNames(ShelterKinds)

// ShelterGrantPaid: a fund paid a member to build or repair a house
// ("Mái ấm Công đoàn").
type ShelterGrantPaid struct {
	TransactionID uuid.UUID     `json:"transaction_id"`
	FundID        uuid.UUID     `json:"fund_id"`
	BeneficiaryID BeneficiaryID `json:"beneficiary_id"`
	Amount        VND           `json:"amount"`
	Shelter       ShelterKind   `json:"shelter"`
	DecisionNo    string        `json:"decision_no,omitempty"`
	Note          string        `json:"note,omitempty"`
}

// EventType implements EventData.
func (ShelterGrantPaid) EventType() EventType { return TypeShelterGrantPaid }

// Money implements MoneyEvent.
func (d *ShelterGrantPaid) Money() MoneyFacts {
	return MoneyFacts{Kind: KindShelterGrant, TransactionID: d.TransactionID, FundID: d.FundID, Amount: d.Amount,
		Beneficiary: d.BeneficiaryID, Shelter: d.Shelter, DecisionNo: d.DecisionNo, Note: d.Note}
}

func (d *ShelterGrantPaid) commandFailures() []FieldError {
	v := Validation{stored: true}
	PayShelterGrant{TransactionID: d.TransactionID, FundID: d.FundID, BeneficiaryID: d.BeneficiaryID, Amount: d.Amount,
		Shelter: d.Shelter, DecisionNo: d.DecisionNo, Note: d.Note}.Validate(&v)
	return v.fields
}

func (d *ShelterGrantPaid) decodeFast(b []byte) bool {
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
		case "shelter":
			d.Shelter = ShelterKind(r.enum(shelterKindNames))
		case "decision_no":
			d.DecisionNo = r.str()
		case "note":
			d.Note = r.str()
		default:
			r.ok = false
		}
	}
	return r.done()
}

// PayShelterGrant records a shelter grant paid to a member.
type PayShelterGrant struct {
	TransactionID uuid.UUID     `json:"transaction_id"`
	FundID        uuid.UUID     `json:"fund_id"`
	BeneficiaryID BeneficiaryID `json:"beneficiary_id"`
	Amount        VND           `json:"amount"`
	Shelter       ShelterKind   `json:"shelter"`
	OccurredOn    Date          `json:"occurred_on,omitempty"`
	DecisionNo    string        `json:"decision_no,omitempty"`
	Note          string        `json:"note,omitempty"`
}

func (PayShelterGrant) commandName() string { return "PayShelterGrant" }

// Kind, Fund, TxID and Occurred implement MoneyCommand.
func (PayShelterGrant) Kind() MoneyKind   { return KindShelterGrant }
func (c PayShelterGrant) Fund() uuid.UUID { return c.FundID }
func (c PayShelterGrant) TxID() uuid.UUID { return c.TransactionID }
func (c PayShelterGrant) Occurred() Date  { return c.OccurredOn }

func (PayShelterGrant) fromValues(v Values) MoneyCommand {
	return PayShelterGrant{TransactionID: v.id("transaction_id"), FundID: v.id("fund_id"),
		BeneficiaryID: BeneficiaryID(v.text("beneficiary_id")), Amount: v.amount("amount"),
		Shelter: ShelterKind(v.text("shelter")), OccurredOn: v.date("occurred_on"), DecisionNo: v.text("decision_no"),
		Note: v.text("note")}
}

// Validate: see RegisterUnit.Validate.
func (c PayShelterGrant) Validate(v *Validation) {
	checkID(v, "transaction_id", c.TransactionID)
	checkBeneficiary(v, c.BeneficiaryID)
	checkAmount(v, c.Amount)
	oneOf(v, "shelter", c.Shelter, ShelterKinds)
	checkText(v, "decision_no", c.DecisionNo, MaxRefLen, false)
	checkText(v, "note", c.Note, MaxNoteLen, false)
}

func (c PayShelterGrant) canonical(w *canonicalWriter) {
	w.id("transaction_id", c.TransactionID)
	w.id("fund_id", c.FundID)
	w.text("beneficiary_id", string(c.BeneficiaryID), false)
	w.amount("amount", c.Amount)
	w.text("shelter", string(c.Shelter), false)
	w.date("occurred_on", c.OccurredOn)
	w.text("decision_no", c.DecisionNo, true)
	w.text("note", c.Note, true)
}

// decide: a grant's only rule against the fund's state is the balance
// check Decide applies to whatever takes money out.
func (c PayShelterGrant) decide(f *Fund, _ Date) (MoneyEvent, error) {
	return &ShelterGrantPaid{TransactionID: c.TransactionID, FundID: f.ID, BeneficiaryID: c.BeneficiaryID,
		Amount: c.Amount, Shelter: c.Shelter, DecisionNo: c.DecisionNo, Note: c.Note}, nil
}
