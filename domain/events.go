package domain

import (
	"errors"
	"time"

	"github.com/google/uuid"
)

// EventType is the stable name of an event type. Names are part of the
// stored log: they never derive from Go type names and never change.
type EventType string

// The event catalogue.
const (
	TypeUnitRegistered      EventType = "UnitRegistered"
	TypeFundOpened          EventType = "FundOpened"
	TypeDonationReceived    EventType = "DonationReceived"
	TypeShelterGrantPaid    EventType = "ShelterGrantPaid"
	TypeAssistanceGranted   EventType = "AssistanceGranted"
	TypeLoanDisbursed       EventType = "LoanDisbursed"
	TypeLoanRepaid          EventType = "LoanRepaid"
	TypeTransactionReversed EventType = "TransactionReversed"
)

// EventData is the payload of an event. Payloads are self-contained: every
// field a projection needs is in the event itself.
type EventData interface {
	// EventType returns the event's stable type name.
	EventType() EventType
}

// Stream names.
const (
	unitStreamPrefix = "unit-"
	fundStreamPrefix = "fund-"
)

// UnitStream returns the stream of a unit.
func UnitStream(id UnitID) string { return unitStreamPrefix + string(id) }

// FundStream returns the stream of a fund.
func FundStream(id uuid.UUID) string { return fundStreamPrefix + id.String() }

// UnitRegistered: a unit joined the hierarchy. ParentID is empty for a root.
type UnitRegistered struct {
	UnitID   UnitID `json:"unit_id"`
	Name     string `json:"name"`
	ParentID UnitID `json:"parent_id,omitempty"`
}

// FundOpened: a unit opened a fund of a kind on a business date.
type FundOpened struct {
	FundID   uuid.UUID `json:"fund_id"`
	UnitID   UnitID    `json:"unit_id"`
	Name     string    `json:"name"`
	Kind     FundKind  `json:"kind"`
	OpenedOn Date      `json:"opened_on"`
}

// DonorKind says who gave a donation.
type DonorKind string

// Donor kinds.
const (
	DonorMember       DonorKind = "member"
	DonorEnterprise   DonorKind = "enterprise"
	DonorOrganization DonorKind = "organization"
	DonorIndividual   DonorKind = "individual"
	DonorAnonymous    DonorKind = "anonymous"
)

// DonorKinds lists every donor kind.
var DonorKinds = []DonorKind{DonorMember, DonorEnterprise, DonorOrganization, DonorIndividual, DonorAnonymous}

// Donor describes who gave a donation.
type Donor struct {
	Name string    `json:"name,omitempty"`
	Kind DonorKind `json:"kind"`
}

// DonationReceived: money came into a fund.
type DonationReceived struct {
	TransactionID uuid.UUID `json:"transaction_id"`
	FundID        uuid.UUID `json:"fund_id"`
	Amount        VND       `json:"amount"`
	Donor         Donor     `json:"donor"`
	Campaign      string    `json:"campaign,omitempty"`
	Reference     string    `json:"reference,omitempty"`
	Note          string    `json:"note,omitempty"`
}

// ShelterKind says whether a shelter grant builds a new house or repairs one.
type ShelterKind string

// Shelter kinds.
const (
	ShelterNewBuild ShelterKind = "new_build"
	ShelterRepair   ShelterKind = "repair"
)

// ShelterKinds lists every shelter kind.
var ShelterKinds = []ShelterKind{ShelterNewBuild, ShelterRepair}

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

// AssistanceGranted: a fund paid a member in hardship.
type AssistanceGranted struct {
	TransactionID uuid.UUID          `json:"transaction_id"`
	FundID        uuid.UUID          `json:"fund_id"`
	BeneficiaryID BeneficiaryID      `json:"beneficiary_id"`
	Amount        VND                `json:"amount"`
	Category      AssistanceCategory `json:"category"`
	Note          string             `json:"note,omitempty"`
}

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

// LoanRepaid: a borrower paid back part or all of a loan's principal.
type LoanRepaid struct {
	TransactionID uuid.UUID     `json:"transaction_id"`
	FundID        uuid.UUID     `json:"fund_id"`
	LoanID        uuid.UUID     `json:"loan_id"`
	BeneficiaryID BeneficiaryID `json:"beneficiary_id"`
	Amount        VND           `json:"amount"`
	Note          string        `json:"note,omitempty"`
}

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

// EventType implementations.
func (UnitRegistered) EventType() EventType      { return TypeUnitRegistered }
func (FundOpened) EventType() EventType          { return TypeFundOpened }
func (DonationReceived) EventType() EventType    { return TypeDonationReceived }
func (ShelterGrantPaid) EventType() EventType    { return TypeShelterGrantPaid }
func (AssistanceGranted) EventType() EventType   { return TypeAssistanceGranted }
func (LoanDisbursed) EventType() EventType       { return TypeLoanDisbursed }
func (LoanRepaid) EventType() EventType          { return TypeLoanRepaid }
func (TransactionReversed) EventType() EventType { return TypeTransactionReversed }

// Metadata travels with every event. The hash chain covers all of it but the
// hash itself.
type Metadata struct {
	EventID     uuid.UUID `json:"event_id"`
	Schema      int       `json:"schema"`
	OccurredOn  Date      `json:"occurred_on"`
	RecordedAt  time.Time `json:"recorded_at"`
	Actor       string    `json:"actor"`
	PayloadHash string    `json:"payload_hash"`
	PrevHash    string    `json:"prev_hash"`
	Hash        string    `json:"hash"`
}

// Event is a decoded event of the log: where it is, its metadata and its
// payload (one of the pointer types of this file: *DonationReceived, …).
type Event struct {
	Position Position
	Stream   string
	Revision uint64
	Type     EventType
	Meta     Metadata
	Data     EventData
	// RawData and RawMetadata are the bytes as stored, which the hash chain
	// covers.
	RawData     []byte
	RawMetadata []byte
}

// ErrUnknownEventType is returned when decoding an event type (or schema)
// that this program does not know.
var ErrUnknownEventType = errors.New("unknown event type or schema")

// MoneyEffect is the signed change an event makes to a fund's balance, and
// the category its amount counts in. Non-money events have a zero effect.
type MoneyEffect struct {
	Category Category
	// Delta is added to the balance: positive for donations and repayments
	// (and reversals of grants and loans), negative otherwise.
	Delta VND
	// Outstanding is added to the outstanding principal of LoanID.
	Outstanding VND
	LoanID      uuid.UUID
}

// Category is a movement category of API.md's figures.
type Category int

// Movement categories, as named in API.md's totals.
const (
	CatNone Category = iota
	CatDonations
	CatShelterGrants
	CatAssistanceGrants
	CatLoansDisbursed
	CatRepayments
	numCategories
)

// CategoryOf returns the figure category of a money event type (the table
// of money kinds): CatNone for a reversal, whose category is its
// original's, and for every other type.
func CategoryOf(t EventType) Category { return KindOf(t).Spec().Category }

// Inflow reports whether a category adds to the balance (money in: thu)
// rather than taking from it (money out: chi), as the table of money kinds
// says of the kind that counts in it.
func (c Category) Inflow() bool {
	return c > CatNone && c < numCategories && categoryDirection[c] == MoneyIn
}

// EffectOf returns the money effect of an event's payload, from the table
// of money kinds: its direction and loan effect applied to its amount. A
// reversal has the opposite effect of its original, in the original's
// category (API.md, "How the figures are defined").
func EffectOf(d EventData) MoneyEffect {
	m, ok := d.(MoneyEvent)
	if !ok {
		return MoneyEffect{}
	}
	facts := m.Money()
	spec := facts.Kind.Spec()
	sign := int(spec.Direction)
	loan := int(spec.Loan)
	if spec.Direction == Opposite {
		spec = KindOf(facts.Original).Spec()
		sign, loan = -int(spec.Direction), -int(spec.Loan)
	}
	eff := MoneyEffect{Category: spec.Category, LoanID: facts.LoanID}
	switch sign {
	case 1:
		eff.Delta = facts.Amount
	case -1:
		eff.Delta = facts.Amount.Neg()
	}
	switch loan {
	case 1:
		eff.Outstanding = facts.Amount
	case -1:
		eff.Outstanding = facts.Amount.Neg()
	}
	return eff
}

// Money implementations: see MoneyFacts.
func (d *DonationReceived) Money() MoneyFacts {
	return MoneyFacts{Kind: KindDonation, TransactionID: d.TransactionID, FundID: d.FundID, Amount: d.Amount}
}

func (d *ShelterGrantPaid) Money() MoneyFacts {
	return MoneyFacts{Kind: KindShelterGrant, TransactionID: d.TransactionID, FundID: d.FundID, Amount: d.Amount,
		Beneficiary: d.BeneficiaryID, Shelter: d.Shelter}
}

func (d *AssistanceGranted) Money() MoneyFacts {
	return MoneyFacts{Kind: KindAssistanceGrant, TransactionID: d.TransactionID, FundID: d.FundID, Amount: d.Amount,
		Beneficiary: d.BeneficiaryID}
}

func (d *LoanDisbursed) Money() MoneyFacts {
	return MoneyFacts{Kind: KindLoan, TransactionID: d.LoanID, FundID: d.FundID, Amount: d.Amount,
		Beneficiary: d.BeneficiaryID, LoanID: d.LoanID}
}

func (d *LoanRepaid) Money() MoneyFacts {
	return MoneyFacts{Kind: KindRepayment, TransactionID: d.TransactionID, FundID: d.FundID, Amount: d.Amount,
		Beneficiary: d.BeneficiaryID, LoanID: d.LoanID}
}

func (d *TransactionReversed) Money() MoneyFacts {
	return MoneyFacts{Kind: KindReversal, TransactionID: d.TransactionID, FundID: d.FundID, Amount: d.Amount,
		Beneficiary: d.BeneficiaryID, LoanID: d.LoanID, Shelter: d.Shelter,
		Reverses: d.Reverses, Original: d.OriginalType, OriginalOn: d.OriginalOccurredOn}
}

// commandFailures implementations: see MoneyEvent. Each validates the
// command statically, into a Validation of its own, so that decoding an
// event allocates nothing for it (an interface call with a pointer would
// move the Validation to the heap on every decode of a replay).
func (d *DonationReceived) commandFailures() []FieldError {
	v := Validation{stored: true}
	RecordDonation{TransactionID: d.TransactionID, FundID: d.FundID, Amount: d.Amount, Donor: d.Donor,
		Campaign: d.Campaign, Reference: d.Reference, Note: d.Note}.Validate(&v)
	return v.fields
}

func (d *ShelterGrantPaid) commandFailures() []FieldError {
	v := Validation{stored: true}
	PayShelterGrant{TransactionID: d.TransactionID, FundID: d.FundID, BeneficiaryID: d.BeneficiaryID, Amount: d.Amount,
		Shelter: d.Shelter, DecisionNo: d.DecisionNo, Note: d.Note}.Validate(&v)
	return v.fields
}

func (d *AssistanceGranted) commandFailures() []FieldError {
	v := Validation{stored: true}
	GrantAssistance{TransactionID: d.TransactionID, FundID: d.FundID, BeneficiaryID: d.BeneficiaryID, Amount: d.Amount,
		Category: d.Category, Note: d.Note}.Validate(&v)
	return v.fields
}

func (d *LoanDisbursed) commandFailures() []FieldError {
	v := Validation{stored: true}
	DisburseLoan{LoanID: d.LoanID, FundID: d.FundID, BeneficiaryID: d.BeneficiaryID, Amount: d.Amount,
		Project: d.Project, Note: d.Note}.Validate(&v)
	return v.fields
}

func (d *LoanRepaid) commandFailures() []FieldError {
	v := Validation{stored: true}
	RepayLoan{TransactionID: d.TransactionID, FundID: d.FundID, LoanID: d.LoanID, Amount: d.Amount, Note: d.Note}.Validate(&v)
	return v.fields
}

func (d *TransactionReversed) commandFailures() []FieldError {
	v := Validation{stored: true}
	ReverseTransaction{TransactionID: d.TransactionID, FundID: d.FundID, Reverses: d.Reverses, Reason: d.Reason}.Validate(&v)
	return v.fields
}
