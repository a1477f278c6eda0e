package domain

import "github.com/google/uuid"

// The table of money kinds: one row per money event type, saying
// everything about the type that is a fact rather than code — its name,
// the figure category its amount counts in, which way it moves money and
// loan principal, which fund kinds allow it, how it is counted (lượt,
// người), the fields it carries and where they come from, its command and
// its route. The codec, Decide, EffectOf, the projections and the API read
// these facts here instead of restating them; TestMoneyKindsConsistent
// (kinds_test.go) fails when a money type is added to one place and not
// the others, and docs/adding-an-event-type.md is the checklist.

// MoneyKind is the code of a money event type: its row in the table of
// money kinds. It is a small integer so that hot code (EffectOf, the
// projections' sums) finds a row by index, never by name or through a
// map. It is an in-memory code that never reaches disk: stored events
// carry the type's name, and a checkpoint the row's pinned Code.
type MoneyKind uint8

// The money kinds, in the order of the table.
const (
	KindNone            MoneyKind = iota // not a money event
	KindDonation                         // DonationReceived
	KindShelterGrant                     // ShelterGrantPaid
	KindAssistanceGrant                  // AssistanceGranted
	KindLoan                             // LoanDisbursed
	KindRepayment                        // LoanRepaid
	KindReversal                         // TransactionReversed
	// NumMoneyKinds is one more than the last kind: the length of arrays
	// indexed by MoneyKind.
	NumMoneyKinds
)

// Direction says which way a money kind moves a fund's balance.
type Direction int8

// Directions. The values are the sign of the movement.
const (
	// Opposite is a reversal's: the opposite of its original's.
	Opposite Direction = 0
	// MoneyIn adds to the balance (thu).
	MoneyIn Direction = 1
	// MoneyOut takes from the balance (chi); Decide refuses it when the
	// balance would go negative on its date or later.
	MoneyOut Direction = -1
)

// LoanEffect says what a money kind does to the outstanding principal of
// the loan it names.
type LoanEffect int8

// Loan effects. The values are the sign of the change.
const (
	LoanNone   LoanEffect = 0
	LoanLends  LoanEffect = 1  // a disbursement opens the loan's principal
	LoanRepays LoanEffect = -1 // a repayment lowers it
)

// Counting says how a money kind counts in API.md's counts and
// beneficiaries (DOMAIN.md: lượt counts times, người distinct persons).
type Counting uint8

const (
	// CountsTransaction: each event counts once in counts.<category>
	// until it is reversed.
	CountsTransaction Counting = 1 << iota
	// CountsBeneficiary: each event, until reversed, is one lượt of
	// beneficiaries.times, and its beneficiary_id one người of
	// beneficiaries.persons. Only grants and loans help a person; a
	// repayment names its borrower without counting them again.
	CountsBeneficiary
	// CountsReversal: the event counts in counts.reversals and takes its
	// original out of every count from its own date on.
	CountsReversal
)

// Rule names the validation a field goes through: the same rule for a
// request and for a stored event (the commands' Validate, checkStored).
type Rule string

// The validation rules of money fields.
const (
	RuleID          Rule = "uuid"                // a UUID, not nil
	RuleAmount      Rule = "amount"              // whole đồng, > 0, ≤ MaxTransactionAmount
	RuleDate        Rule = "date"                // YYYY-MM-DD
	RuleBeneficiary Rule = "beneficiary_id"      // ParseBeneficiaryID
	RuleName        Rule = "text_name"           // checkText, ≤ MaxNameLen
	RuleRef         Rule = "text_ref"            // checkText, ≤ MaxRefLen
	RuleNote        Rule = "text_note"           // checkText, ≤ MaxNoteLen
	RuleDonorKind   Rule = "donor_kind"          // one of DonorKinds
	RuleShelterKind Rule = "shelter_kind"        // one of ShelterKinds
	RuleAssistance  Rule = "assistance_category" // one of AssistanceCategories
	RuleMoneyType   Rule = "money_type"          // the type name of a money kind
)

// Presence says whether a field is in a request's body or an event's
// payload, and whether it must be.
type Presence uint8

const (
	// Absent: not there (a request field the path carries, or one the
	// ledger fills in from the fund's state; metadata of an event).
	Absent Presence = iota
	// Optional: may be left out; the API generates a missing id.
	Optional
	// Required: must be there.
	Required
)

// Field is one field of a money kind: its JSON name (a nested member is
// "object.member"), its rule, and whether the request's body and the
// event's payload carry it. A field in neither body nor path is filled in
// by the ledger (a repayment's beneficiary, a reversal's copy of its
// original); occurred_on is in the body and the event's metadata.
type Field struct {
	Name    string
	Rule    Rule
	Body    Presence
	Path    bool // taken from the route's {name}
	Payload Presence
}

// KindSpec is one row of the table of money kinds.
type KindSpec struct {
	Kind MoneyKind
	Type EventType
	// Code is the kind's number wherever kinds are stored by number
	// rather than by name (the projections' checkpoint writes it as each
	// transaction's type): given once, never changed or reused, and
	// pinned by projections/testdata/money_type_codes.golden. A new kind
	// takes the next free number.
	Code uint8
	// command is the zero value of the command that records it.
	command MoneyCommand
	// Route is the API's path of the write (API.md, "Money events"),
	// path parameters in braces; the method is POST.
	Route string
	// Category is the figure category its amount counts in; a reversal
	// counts in its original's.
	Category  Category
	Direction Direction
	Loan      LoanEffect
	Counting  Counting
	// FundKinds lists the fund kinds that allow it (API.md, "Funds");
	// nil means every kind. Refusal finishes "a <kind> fund does not …"
	// of the not_allowed_for_fund_kind error.
	FundKinds []FundKind
	Refusal   string
	// Label names the kind to people: Vi in the cash book's Loại column
	// and on the pages in Vietnamese, En on the pages in English.
	Label Label
	// Fields lists every field of the request and of the payload, the
	// transaction's id first (a loan's is its loan_id). The
	// API reads a request's path fields, then its body's, in this order,
	// which is the order of the errors a request is answered with.
	Fields []Field
	// newPayload returns an empty schema-1 payload, for the decoder.
	newPayload func() MoneyEvent
	// filled are the fields the ledger fills in from the fund's state
	// (in the payload, neither in the body nor in the path), computed
	// from Fields once: checkStored reads them for every decoded event.
	filled []Field
}

// Label is a name for people, in Vietnamese and in English.
type Label struct{ Vi, En string }

// Shorthands for the table.
var (
	fieldTxID     = Field{Name: "transaction_id", Rule: RuleID, Body: Optional, Payload: Required}
	fieldFund     = Field{Name: "fund_id", Rule: RuleID, Path: true, Payload: Required}
	fieldAmount   = Field{Name: "amount", Rule: RuleAmount, Body: Required, Payload: Required}
	fieldOccurred = Field{Name: "occurred_on", Rule: RuleDate, Body: Optional}
	fieldBenef    = Field{Name: "beneficiary_id", Rule: RuleBeneficiary, Body: Required, Payload: Required}
	fieldNote     = Field{Name: "note", Rule: RuleNote, Body: Optional, Payload: Optional}
	grantFunds    = []FundKind{FundSocial, FundShelter, FundCharity}
	assistFunds   = []FundKind{FundSocial, FundCharity, FundMutualAid}
	lendingFunds  = []FundKind{FundCapitalSupport, FundMutualAid}
)

// moneyKinds is the table, indexed by MoneyKind (row 0, KindNone, is the
// zero row of every non-money event).
var moneyKinds = [NumMoneyKinds]KindSpec{
	KindDonation: {
		Code: 0, Type: TypeDonationReceived, command: RecordDonation{}, Route: "/v1/funds/{fund_id}/donations",
		Label:    Label{Vi: "Thu ủng hộ", En: "Donation"},
		Category: CatDonations, Direction: MoneyIn, Counting: CountsTransaction,
		Fields: []Field{fieldTxID, fieldFund, fieldAmount, fieldOccurred,
			{Name: "campaign", Rule: RuleRef, Body: Optional, Payload: Optional},
			{Name: "reference", Rule: RuleRef, Body: Optional, Payload: Optional},
			fieldNote,
			{Name: "donor.name", Rule: RuleName, Body: Optional, Payload: Optional},
			{Name: "donor.kind", Rule: RuleDonorKind, Body: Required, Payload: Required}},
		newPayload: func() MoneyEvent { return &DonationReceived{} },
	},
	KindShelterGrant: {
		Code: 1, Type: TypeShelterGrantPaid, command: PayShelterGrant{}, Route: "/v1/funds/{fund_id}/shelter-grants",
		Label:    Label{Vi: "Chi hỗ trợ Mái ấm Công đoàn", En: "Shelter grant"},
		Category: CatShelterGrants, Direction: MoneyOut, Counting: CountsTransaction | CountsBeneficiary,
		FundKinds: grantFunds, Refusal: "pay shelter grants",
		Fields: []Field{fieldTxID, fieldFund, fieldBenef, fieldAmount,
			{Name: "shelter", Rule: RuleShelterKind, Body: Required, Payload: Required},
			fieldOccurred,
			{Name: "decision_no", Rule: RuleRef, Body: Optional, Payload: Optional},
			fieldNote},
		newPayload: func() MoneyEvent { return &ShelterGrantPaid{} },
	},
	KindAssistanceGrant: {
		Code: 2, Type: TypeAssistanceGranted, command: GrantAssistance{}, Route: "/v1/funds/{fund_id}/assistance-grants",
		Label:    Label{Vi: "Chi trợ cấp", En: "Assistance grant"},
		Category: CatAssistanceGrants, Direction: MoneyOut, Counting: CountsTransaction | CountsBeneficiary,
		FundKinds: assistFunds, Refusal: "pay assistance grants",
		Fields: []Field{fieldTxID, fieldFund, fieldBenef, fieldAmount,
			{Name: "category", Rule: RuleAssistance, Body: Required, Payload: Required},
			fieldOccurred, fieldNote},
		newPayload: func() MoneyEvent { return &AssistanceGranted{} },
	},
	KindLoan: {
		Code: 3, Type: TypeLoanDisbursed, command: DisburseLoan{}, Route: "/v1/funds/{fund_id}/loans",
		Label:    Label{Vi: "Chi cho vay", En: "Loan disbursed"},
		Category: CatLoansDisbursed, Direction: MoneyOut, Loan: LoanLends, Counting: CountsTransaction | CountsBeneficiary,
		FundKinds: lendingFunds, Refusal: "lend",
		Fields: []Field{
			// The loan id is the transaction id.
			{Name: "loan_id", Rule: RuleID, Body: Optional, Payload: Required},
			fieldFund, fieldBenef, fieldAmount, fieldOccurred,
			{Name: "due_on", Rule: RuleDate, Body: Optional, Payload: Optional},
			{Name: "project", Rule: RuleRef, Body: Optional, Payload: Optional},
			fieldNote},
		newPayload: func() MoneyEvent { return &LoanDisbursed{} },
	},
	KindRepayment: {
		Code: 4, Type: TypeLoanRepaid, command: RepayLoan{}, Route: "/v1/funds/{fund_id}/loans/{loan_id}/repayments",
		Label:    Label{Vi: "Thu hồi vốn vay", En: "Loan repayment"},
		Category: CatRepayments, Direction: MoneyIn, Loan: LoanRepays, Counting: CountsTransaction,
		FundKinds: lendingFunds, Refusal: "lend",
		Fields: []Field{fieldTxID, fieldFund,
			{Name: "loan_id", Rule: RuleID, Path: true, Payload: Required},
			// Copied from the loan by Decide.
			{Name: "beneficiary_id", Rule: RuleBeneficiary, Payload: Required},
			fieldAmount, fieldOccurred, fieldNote},
		newPayload: func() MoneyEvent { return &LoanRepaid{} },
	},
	KindReversal: {
		Code: 5, Type: TypeTransactionReversed, command: ReverseTransaction{}, Route: "/v1/funds/{fund_id}/reversals",
		Label:    Label{Vi: "Bút toán đảo", En: "Reversal"},
		Category: CatNone, Direction: Opposite, Counting: CountsReversal,
		Fields: []Field{fieldTxID, fieldFund,
			{Name: "reverses", Rule: RuleID, Body: Required, Payload: Required},
			{Name: "reason", Rule: RuleNote, Body: Required, Payload: Required},
			fieldOccurred,
			// Copied from the original by Decide, so that the event is
			// self-contained; the three optional ones are there when
			// the original's kind has them.
			{Name: "original_type", Rule: RuleMoneyType, Payload: Required},
			{Name: "amount", Rule: RuleAmount, Payload: Required},
			{Name: "original_occurred_on", Rule: RuleDate, Payload: Required},
			{Name: "beneficiary_id", Rule: RuleBeneficiary, Payload: Optional},
			{Name: "loan_id", Rule: RuleID, Payload: Optional},
			{Name: "shelter", Rule: RuleShelterKind, Payload: Optional}},
		newPayload: func() MoneyEvent { return &TransactionReversed{} },
	},
}

func init() {
	for k := range moneyKinds {
		spec := &moneyKinds[k]
		spec.Kind = MoneyKind(k)
		for _, f := range spec.Fields {
			if f.Body == Absent && !f.Path && f.Payload != Absent {
				spec.filled = append(spec.filled, f)
			}
		}
	}
}

// MoneyKinds returns the rows of the table, money kinds only, in code
// order.
func MoneyKinds() []KindSpec { return moneyKinds[KindDonation:] }

// Spec returns the row of kind k; the zero row for KindNone or a code
// outside the table.
func (k MoneyKind) Spec() *KindSpec {
	if k >= NumMoneyKinds {
		return &moneyKinds[KindNone]
	}
	return &moneyKinds[k]
}

// String returns the type name of k.
func (k MoneyKind) String() string { return string(k.Spec().Type) }

// KindOf returns the money kind of an event type, KindNone for any other
// type. It compares names; code that holds a payload asks the payload
// (MoneyFacts.Kind) instead.
func KindOf(t EventType) MoneyKind {
	for k := KindDonation; k < NumMoneyKinds; k++ {
		if moneyKinds[k].Type == t {
			return k
		}
	}
	return KindNone
}

// NewPayload returns an empty schema-1 payload of the kind, or nil for
// KindNone.
func (s *KindSpec) NewPayload() EventData {
	if s.newPayload == nil {
		return nil
	}
	return s.newPayload()
}

// Command returns the name of the command that records the kind, as its
// canonical form names it.
func (s *KindSpec) Command() string {
	if s.command == nil {
		return ""
	}
	return s.command.commandName()
}

// AllowedIn reports whether a fund of kind fk may record events of this
// kind.
func (s *KindSpec) AllowedIn(fk FundKind) bool {
	if s.Kind == KindNone {
		return false
	}
	if s.FundKinds == nil {
		return true
	}
	for _, k := range s.FundKinds {
		if k == fk {
			return true
		}
	}
	return false
}

// Has reports whether the kind's payload carries the named field.
func (s *KindSpec) Has(name string) bool {
	for _, f := range s.Fields {
		if f.Name == name && f.Payload != Absent {
			return true
		}
	}
	return false
}

// BodyFields returns the names of the request body's top-level members,
// in the table's order: a nested field ("donor.kind") gives its object
// ("donor") once.
func (s *KindSpec) BodyFields() []string {
	var names []string
	for _, f := range s.Fields {
		if f.Body == Absent {
			continue
		}
		name := f.Name
		if i := indexDot(name); i >= 0 {
			name = name[:i]
		}
		if len(names) == 0 || names[len(names)-1] != name {
			names = append(names, name)
		}
	}
	return names
}

// NestedBodyFields returns the members a body's object may hold: for
// "donor", the names after "donor." of the fields in the body.
func (s *KindSpec) NestedBodyFields(object string) []string {
	var names []string
	for _, f := range s.Fields {
		if i := indexDot(f.Name); f.Body != Absent && i >= 0 && f.Name[:i] == object {
			names = append(names, f.Name[i+1:])
		}
	}
	return names
}

func indexDot(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] == '.' {
			return i
		}
	}
	return -1
}

// MoneyFacts are the fields every money payload shares in meaning, read
// the same way whatever the type: what the write side and the projections
// need without a switch on the payload's Go type.
type MoneyFacts struct {
	Kind MoneyKind
	// TransactionID is the event's own id (a loan's is its LoanID too).
	TransactionID uuid.UUID
	FundID        uuid.UUID
	Amount        VND
	// Beneficiary is the person the event names, if any (a repayment's
	// borrower, a reversal's copy of its original's).
	Beneficiary BeneficiaryID
	// LoanID is the loan a disbursement opens, a repayment repays, or a
	// reversal of either concerns.
	LoanID uuid.UUID
	// Shelter is a shelter grant's kind (and a reversal's copy of it).
	Shelter ShelterKind
	// Reverses, Original and OriginalOn are a reversal's original: its
	// id, type and business date.
	Reverses   uuid.UUID
	Original   EventType
	OriginalOn Date
	// The payload's words and closed-list values, each the field of its
	// name in the table ("" when the kind has none): what a transaction
	// shows of them. A reversal's copies of its original's are not here
	// but Shelter, which its own row names.
	DonorName  string             // donor.name
	DonorKind  DonorKind          // donor.kind
	Category   AssistanceCategory // category
	Campaign   string             // campaign
	Reference  string             // reference
	DecisionNo string             // decision_no
	Project    string             // project
	Reason     string             // reason
	Note       string             // note
	DueOn      Date               // due_on
}

// MoneyEvent is the payload of a money event: every type of the table
// implements it.
type MoneyEvent interface {
	EventData
	// Money returns the payload's money facts.
	Money() MoneyFacts
	// commandFailures returns what the command's Validate finds in the
	// command the payload was decided from (as far as the payload tells
	// it), nil when nothing: what checkStored checks a stored event with.
	commandFailures() []FieldError
	// decodeFast fills the empty payload from compact schema-1 JSON
	// whose keys are all known (knownKeys) and appear at most once, in
	// any order, and reports whether it understood every byte; when it
	// did not, Decode falls back to encoding/json (decodePayloadFast).
	decodeFast(b []byte) bool
}

// MoneyOf returns the money facts of a payload; ok is false for a payload
// that is not a money event.
func MoneyOf(d EventData) (MoneyFacts, bool) {
	m, ok := d.(MoneyEvent)
	if !ok {
		return MoneyFacts{}, false
	}
	return m.Money(), true
}

// categoryDirection is the direction of each category's movements, from
// the table (for Category.Inflow).
var categoryDirection = func() (dir [numCategories]Direction) {
	for _, s := range moneyKinds {
		if s.Category != CatNone {
			dir[s.Category] = s.Direction
		}
	}
	return dir
}()
