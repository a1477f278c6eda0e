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

func (RegisterUnit) commandName() string { return "RegisterUnit" }
func (OpenFund) commandName() string     { return "OpenFund" }

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
	// decide applies the kind's own rules against the fund's state, if
	// it has any, and returns the payload the command records (Decide
	// has checked the rules of every kind: the command's fields, its
	// date, the fund kind). occurred is the business date, today's when
	// the client gave none. It returns the *Error of a refusal.
	decide(f *Fund, occurred Date) (MoneyEvent, error)
}

// datedCommand is a money command with a rule between its own fields and
// its business date (a loan's due date), which Decide checks with the
// other field errors, once the date is known.
type datedCommand interface {
	validateDated(v *Validation, occurred Date)
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
