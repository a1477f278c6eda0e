package domain

import (
	"errors"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Limits on free text, in characters.
const (
	MaxNameLen = 200  // unit, fund and donor names
	MaxRefLen  = 200  // campaign, reference, decision number, project
	MaxNoteLen = 2000 // notes and reversal reasons
)

// Command is a request to change the ledger. Its canonical form (see
// canonical.go), with the fields the client sent and nothing the server
// filled in, is what its payload hash is taken over: the hash tells an
// idempotent retry from a conflicting reuse of an id.
type Command interface {
	commandName() string
	// canonical writes the command's members in their canonical order.
	canonical(w *canonicalWriter)
}

// RegisterUnit adds a unit to the hierarchy.
type RegisterUnit struct {
	UnitID   UnitID `json:"unit_id"`
	Name     string `json:"name"`
	ParentID UnitID `json:"parent_id,omitempty"`
}

// OpenFund opens a fund for a unit. A zero OpenedOn means today.
type OpenFund struct {
	FundID   uuid.UUID `json:"fund_id"`
	UnitID   UnitID    `json:"unit_id"`
	Name     string    `json:"name"`
	Kind     FundKind  `json:"kind"`
	OpenedOn Date      `json:"opened_on,omitempty"`
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

// RepayLoan records a repayment of a loan's principal.
type RepayLoan struct {
	TransactionID uuid.UUID `json:"transaction_id"`
	FundID        uuid.UUID `json:"fund_id"`
	LoanID        uuid.UUID `json:"loan_id"`
	Amount        VND       `json:"amount"`
	OccurredOn    Date      `json:"occurred_on,omitempty"`
	Note          string    `json:"note,omitempty"`
}

// ReverseTransaction cancels an earlier transaction of the same fund.
type ReverseTransaction struct {
	TransactionID uuid.UUID `json:"transaction_id"`
	FundID        uuid.UUID `json:"fund_id"`
	Reverses      uuid.UUID `json:"reverses"`
	Reason        string    `json:"reason"`
	OccurredOn    Date      `json:"occurred_on,omitempty"`
}

func (RegisterUnit) commandName() string       { return "RegisterUnit" }
func (OpenFund) commandName() string           { return "OpenFund" }
func (RecordDonation) commandName() string     { return "RecordDonation" }
func (PayShelterGrant) commandName() string    { return "PayShelterGrant" }
func (GrantAssistance) commandName() string    { return "GrantAssistance" }
func (DisburseLoan) commandName() string       { return "DisburseLoan" }
func (RepayLoan) commandName() string          { return "RepayLoan" }
func (ReverseTransaction) commandName() string { return "ReverseTransaction" }

// MoneyCommand is a command that records a transaction in a fund.
type MoneyCommand interface {
	Command
	// Fund returns the fund the command records into.
	Fund() uuid.UUID
	// TxID returns the id of the transaction the command creates.
	TxID() uuid.UUID
	// Occurred returns the business date the client gave; zero means
	// today.
	Occurred() Date
	// Validate adds every failure of the command's own fields to v.
	Validate(v *Validation)
	// Kind returns the money kind the command records (its row in the
	// table of money kinds).
	Kind() MoneyKind
	// fromValues returns the command of the fields a transport read
	// (see Values).
	fromValues(v Values) MoneyCommand
}

// Kind implements MoneyCommand.
func (RecordDonation) Kind() MoneyKind     { return KindDonation }
func (PayShelterGrant) Kind() MoneyKind    { return KindShelterGrant }
func (GrantAssistance) Kind() MoneyKind    { return KindAssistanceGrant }
func (DisburseLoan) Kind() MoneyKind       { return KindLoan }
func (RepayLoan) Kind() MoneyKind          { return KindRepayment }
func (ReverseTransaction) Kind() MoneyKind { return KindReversal }

// Fund, Occurred and TxID implement MoneyCommand.
func (c RecordDonation) Fund() uuid.UUID     { return c.FundID }
func (c PayShelterGrant) Fund() uuid.UUID    { return c.FundID }
func (c GrantAssistance) Fund() uuid.UUID    { return c.FundID }
func (c DisburseLoan) Fund() uuid.UUID       { return c.FundID }
func (c RepayLoan) Fund() uuid.UUID          { return c.FundID }
func (c ReverseTransaction) Fund() uuid.UUID { return c.FundID }

func (c RecordDonation) Occurred() Date     { return c.OccurredOn }
func (c PayShelterGrant) Occurred() Date    { return c.OccurredOn }
func (c GrantAssistance) Occurred() Date    { return c.OccurredOn }
func (c DisburseLoan) Occurred() Date       { return c.OccurredOn }
func (c RepayLoan) Occurred() Date          { return c.OccurredOn }
func (c ReverseTransaction) Occurred() Date { return c.OccurredOn }

func (c RecordDonation) TxID() uuid.UUID     { return c.TransactionID }
func (c PayShelterGrant) TxID() uuid.UUID    { return c.TransactionID }
func (c GrantAssistance) TxID() uuid.UUID    { return c.TransactionID }
func (c DisburseLoan) TxID() uuid.UUID       { return c.LoanID }
func (c RepayLoan) TxID() uuid.UUID          { return c.TransactionID }
func (c ReverseTransaction) TxID() uuid.UUID { return c.TransactionID }

// fromValues implements MoneyCommand: the command's fields by the table's
// names (see Values).
func (RecordDonation) fromValues(v Values) MoneyCommand {
	return RecordDonation{TransactionID: v.id("transaction_id"), FundID: v.id("fund_id"), Amount: v.amount("amount"),
		OccurredOn: v.date("occurred_on"), Donor: Donor{Name: v.text("donor.name"), Kind: DonorKind(v.text("donor.kind"))},
		Campaign: v.text("campaign"), Reference: v.text("reference"), Note: v.text("note")}
}

func (PayShelterGrant) fromValues(v Values) MoneyCommand {
	return PayShelterGrant{TransactionID: v.id("transaction_id"), FundID: v.id("fund_id"),
		BeneficiaryID: BeneficiaryID(v.text("beneficiary_id")), Amount: v.amount("amount"),
		Shelter: ShelterKind(v.text("shelter")), OccurredOn: v.date("occurred_on"), DecisionNo: v.text("decision_no"),
		Note: v.text("note")}
}

func (GrantAssistance) fromValues(v Values) MoneyCommand {
	return GrantAssistance{TransactionID: v.id("transaction_id"), FundID: v.id("fund_id"),
		BeneficiaryID: BeneficiaryID(v.text("beneficiary_id")), Amount: v.amount("amount"),
		Category: AssistanceCategory(v.text("category")), OccurredOn: v.date("occurred_on"), Note: v.text("note")}
}

func (DisburseLoan) fromValues(v Values) MoneyCommand {
	return DisburseLoan{LoanID: v.id("loan_id"), FundID: v.id("fund_id"), BeneficiaryID: BeneficiaryID(v.text("beneficiary_id")),
		Amount: v.amount("amount"), OccurredOn: v.date("occurred_on"), DueOn: v.date("due_on"), Project: v.text("project"),
		Note: v.text("note")}
}

func (RepayLoan) fromValues(v Values) MoneyCommand {
	return RepayLoan{TransactionID: v.id("transaction_id"), FundID: v.id("fund_id"), LoanID: v.id("loan_id"),
		Amount: v.amount("amount"), OccurredOn: v.date("occurred_on"), Note: v.text("note")}
}

func (ReverseTransaction) fromValues(v Values) MoneyCommand {
	return ReverseTransaction{TransactionID: v.id("transaction_id"), FundID: v.id("fund_id"), Reverses: v.id("reverses"),
		Reason: v.text("reason"), OccurredOn: v.date("occurred_on")}
}

// checkText validates a free-text field: valid UTF-8, no control
// characters, at most max characters (runes), and not blank when required.
//
// Control characters are refused in every text field, notes and reasons
// included, tab and line breaks too: a NUL or an escape sequence in a
// voucher is never meant, and a note is one line of a register, printed
// and exported one record per line. The same goes for the characters that
// make text display other than it is stored: the Unicode line and paragraph
// separators and the bidirectional embeddings, overrides and isolates, with
// which a donor's name or a reason could read one way in a report and
// another in the log an auditor checks.
func checkText(v *Validation, field, s string, max int, required bool) {
	switch {
	case required && strings.TrimSpace(s) == "":
		v.Addf(field, "is required")
	case !utf8.ValidString(s):
		v.Addf(field, "must be valid UTF-8 text")
	case utf8.RuneCountInString(s) > max:
		v.Addf(field, "must be at most %d characters", max)
	case strings.IndexFunc(s, isControl) >= 0:
		v.Addf(field, "must not contain control characters (tab and line breaks included) or bidirectional or line-separator formatting characters")
	}
}

// isControl reports the characters checkText refuses: C0, DEL and C1
// controls, U+2028 and U+2029, and the bidirectional formatting characters
// U+202A–U+202E and U+2066–U+2069.
func isControl(r rune) bool {
	return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) ||
		r == 0x2028 || r == 0x2029 || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

func checkAmount(v *Validation, a VND) {
	switch {
	case a.Sign() <= 0:
		v.Add("amount", ErrAmountNotPos)
	case a.Cmp(MaxTransactionAmount) > 0:
		v.Add("amount", ErrAmountTooLarge)
	}
}

func checkBeneficiary(v *Validation, b BeneficiaryID) {
	_, err := ParseBeneficiaryID(string(b))
	if v.stored && errors.Is(err, ErrBeneficiaryIDCitizenNumber) {
		// Recorded before the rule existed (see Validation.stored).
		err = nil
	}
	v.Add("beneficiary_id", err)
}

func checkID(v *Validation, field string, id uuid.UUID) {
	if id == uuid.Nil {
		v.Addf(field, "is required")
	}
}

func oneOf[T ~string](v *Validation, field string, got T, allowed []T) {
	for _, a := range allowed {
		if got == a {
			return
		}
	}
	names := make([]string, len(allowed))
	for i, a := range allowed {
		names[i] = string(a)
	}
	v.Addf(field, "must be one of %s", strings.Join(names, ", "))
}

// Validate checks the command's fields on their own (not against any state)
// and adds every failure to v. Dates are checked against the ledger's state
// in Decide.
func (c RegisterUnit) Validate(v *Validation) {
	if _, err := ParseUnitID(string(c.UnitID)); err != nil {
		v.Add("unit_id", err)
	}
	checkText(v, "name", c.Name, MaxNameLen, true)
	if c.ParentID != "" {
		if _, err := ParseUnitID(string(c.ParentID)); err != nil {
			v.Add("parent_id", err)
		} else if c.ParentID == c.UnitID {
			v.Addf("parent_id", "must not be the unit itself")
		}
	}
}

// Validate: see RegisterUnit.Validate.
func (c OpenFund) Validate(v *Validation) {
	checkID(v, "fund_id", c.FundID)
	if _, err := ParseUnitID(string(c.UnitID)); err != nil {
		v.Add("unit_id", err)
	}
	checkText(v, "name", c.Name, MaxNameLen, true)
	oneOf(v, "kind", c.Kind, FundKinds)
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

// Validate: see RegisterUnit.Validate.
func (c PayShelterGrant) Validate(v *Validation) {
	checkID(v, "transaction_id", c.TransactionID)
	checkBeneficiary(v, c.BeneficiaryID)
	checkAmount(v, c.Amount)
	oneOf(v, "shelter", c.Shelter, ShelterKinds)
	checkText(v, "decision_no", c.DecisionNo, MaxRefLen, false)
	checkText(v, "note", c.Note, MaxNoteLen, false)
}

// Validate: see RegisterUnit.Validate.
func (c GrantAssistance) Validate(v *Validation) {
	checkID(v, "transaction_id", c.TransactionID)
	checkBeneficiary(v, c.BeneficiaryID)
	checkAmount(v, c.Amount)
	oneOf(v, "category", c.Category, AssistanceCategories)
	checkText(v, "note", c.Note, MaxNoteLen, false)
}

// Validate: see RegisterUnit.Validate.
func (c DisburseLoan) Validate(v *Validation) {
	checkID(v, "loan_id", c.LoanID)
	checkBeneficiary(v, c.BeneficiaryID)
	checkAmount(v, c.Amount)
	checkText(v, "project", c.Project, MaxRefLen, false)
	checkText(v, "note", c.Note, MaxNoteLen, false)
}

// Validate: see RegisterUnit.Validate.
func (c RepayLoan) Validate(v *Validation) {
	checkID(v, "transaction_id", c.TransactionID)
	checkID(v, "loan_id", c.LoanID)
	checkAmount(v, c.Amount)
	checkText(v, "note", c.Note, MaxNoteLen, false)
}

// Validate: see RegisterUnit.Validate.
func (c ReverseTransaction) Validate(v *Validation) {
	checkID(v, "transaction_id", c.TransactionID)
	checkID(v, "reverses", c.Reverses)
	checkText(v, "reason", c.Reason, MaxNoteLen, true)
}
