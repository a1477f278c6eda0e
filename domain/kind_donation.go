package domain

import "github.com/google/uuid"

// The donation: money given to a fund (thu ủng hộ). Its facts are its row
// in the table of money kinds (kinds.go); this file holds its code.

// TypeDonationReceived is the stored name of a donation.
const TypeDonationReceived EventType = "DonationReceived"

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

// donorKindNames are the donor kinds as shared strings for the fast
// decoder, which hands out one of them instead of a new string per event.
var donorKindNames = enumNames(DonorKinds)

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

// EventType implements EventData.
func (DonationReceived) EventType() EventType { return TypeDonationReceived }

// Money implements MoneyEvent.
func (d *DonationReceived) Money() MoneyFacts {
	return MoneyFacts{Kind: KindDonation, TransactionID: d.TransactionID, FundID: d.FundID, Amount: d.Amount,
		DonorName: d.Donor.Name, DonorKind: d.Donor.Kind, Campaign: d.Campaign, Reference: d.Reference, Note: d.Note}
}

func (d *DonationReceived) commandFailures() []FieldError {
	v := Validation{stored: true}
	RecordDonation{TransactionID: d.TransactionID, FundID: d.FundID, Amount: d.Amount, Donor: d.Donor,
		Campaign: d.Campaign, Reference: d.Reference, Note: d.Note}.Validate(&v)
	return v.fields
}

func (d *DonationReceived) decodeFast(b []byte) bool {
	r := jsonReader{b: b, ok: true}
	for r.open(); r.more(); {
		switch r.key() {
		case "transaction_id":
			d.TransactionID = r.uuid()
		case "fund_id":
			d.FundID = r.uuid()
		case "amount":
			d.Amount = r.vnd()
		case "donor":
			outer := r.seen
			for r.open(); r.more(); {
				switch r.key() {
				case "name":
					d.Donor.Name = r.str()
				case "kind":
					d.Donor.Kind = DonorKind(r.enum(donorKindNames))
				default:
					r.ok = false
				}
			}
			r.seen = outer
		case "campaign":
			d.Campaign = r.str()
		case "reference":
			d.Reference = r.str()
		case "note":
			d.Note = r.str()
		default:
			r.ok = false
		}
	}
	return r.done()
}

// RecordDonation records money given to a fund. A zero OccurredOn means
// today (so for every money command).
type RecordDonation struct {
	TransactionID uuid.UUID `json:"transaction_id"`
	FundID        uuid.UUID `json:"fund_id"`
	Amount        VND       `json:"amount"`
	OccurredOn    Date      `json:"occurred_on,omitempty"`
	Donor         Donor     `json:"donor"`
	Campaign      string    `json:"campaign,omitempty"`
	Reference     string    `json:"reference,omitempty"`
	Note          string    `json:"note,omitempty"`
}

func (RecordDonation) commandName() string { return "RecordDonation" }

// Kind, Fund, TxID and Occurred implement MoneyCommand.
func (RecordDonation) Kind() MoneyKind   { return KindDonation }
func (c RecordDonation) Fund() uuid.UUID { return c.FundID }
func (c RecordDonation) TxID() uuid.UUID { return c.TransactionID }
func (c RecordDonation) Occurred() Date  { return c.OccurredOn }

func (RecordDonation) fromValues(v Values) MoneyCommand {
	return RecordDonation{TransactionID: v.id("transaction_id"), FundID: v.id("fund_id"), Amount: v.amount("amount"),
		OccurredOn: v.date("occurred_on"), Donor: Donor{Name: v.text("donor.name"), Kind: DonorKind(v.text("donor.kind"))},
		Campaign: v.text("campaign"), Reference: v.text("reference"), Note: v.text("note")}
}

// Validate: see RegisterUnit.Validate.
func (c RecordDonation) Validate(v *Validation) {
	checkID(v, "transaction_id", c.TransactionID)
	checkAmount(v, c.Amount)
	oneOf(v, "donor.kind", c.Donor.Kind, DonorKinds)
	checkText(v, "donor.name", c.Donor.Name, MaxNameLen, false)
	checkText(v, "campaign", c.Campaign, MaxRefLen, false)
	checkText(v, "reference", c.Reference, MaxRefLen, false)
	checkText(v, "note", c.Note, MaxNoteLen, false)
}

func (c RecordDonation) canonical(w *canonicalWriter) {
	w.id("transaction_id", c.TransactionID)
	w.id("fund_id", c.FundID)
	w.amount("amount", c.Amount)
	w.date("occurred_on", c.OccurredOn)
	w.nested("donor", func(w *canonicalWriter) {
		w.text("name", c.Donor.Name, true)
		w.text("kind", string(c.Donor.Kind), false)
	})
	w.text("campaign", c.Campaign, true)
	w.text("reference", c.Reference, true)
	w.text("note", c.Note, true)
}

// decide: a donation has no rule against the fund's state beyond those
// Decide applies to every kind.
func (c RecordDonation) decide(f *Fund, _ Date) (MoneyEvent, error) {
	return &DonationReceived{TransactionID: c.TransactionID, FundID: f.ID, Amount: c.Amount,
		Donor: c.Donor, Campaign: c.Campaign, Reference: c.Reference, Note: c.Note}, nil
}
