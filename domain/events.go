package domain

import (
	"errors"
	"time"

	"github.com/google/uuid"
)

// EventType is the stable name of an event type. Names are part of the
// stored log: they never derive from Go type names and never change.
type EventType string

// The event catalogue: the types of units and funds. Each money event
// type names itself in its own file (kind_*.go), beside its row's code;
// the access and period types are in access.go and period.go.
const (
	TypeUnitRegistered EventType = "UnitRegistered"
	TypeFundOpened     EventType = "FundOpened"
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

// EventType implementations.
func (UnitRegistered) EventType() EventType { return TypeUnitRegistered }
func (FundOpened) EventType() EventType     { return TypeFundOpened }

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
