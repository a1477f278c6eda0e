package domain

import (
	"errors"
	"fmt"
	"strings"

	"github.com/google/uuid"
)

// ErrInvalidEvent is returned by Decode for a stored event that decodes but
// could not have been written by the ledger: a field its type requires is
// missing or not valid (a grant without beneficiary_id, an amount that is
// not money), an id in the payload that is not the event's id, a payload
// that does not belong to the stream it is stored in, or an event_id
// column that is not the event's own id. The write side validates every
// command with the same rules before it seals an event, so such an event
// was altered in the store after it was written (its type column changed,
// a field removed with sqlite3). Projections must never fold one: each
// rule below is one a projection relies on.
var ErrInvalidEvent = errors.New("stored event breaks the rules of its type")

// checkStored checks a decoded event against the rules its command was
// validated with (the commands' Validate, one set of rules for requests
// and for the log), against its stream, and against the event id the
// store keeps beside it (column). The error names the event and every
// failure, and wraps ErrInvalidEvent.
func checkStored(e *Event, column uuid.UUID) error {
	v := Validation{stored: true}
	if column != e.Meta.EventID {
		v.Addf("event_id", "the store's event_id column is %s, the event's metadata says %s", column, e.Meta.EventID)
	}
	if e.Meta.OccurredOn == 0 {
		v.Addf("occurred_on", "is required")
	}
	switch d := e.Data.(type) {
	case *UnitRegistered:
		RegisterUnit{UnitID: d.UnitID, Name: d.Name, ParentID: d.ParentID}.Validate(&v)
	case *FundOpened:
		sameID(&v, "fund_id", d.FundID, e.Meta.EventID)
		OpenFund{FundID: d.FundID, UnitID: d.UnitID, Name: d.Name, Kind: d.Kind}.Validate(&v)
		if d.OpenedOn == 0 {
			v.Addf("opened_on", "is required")
		}
	case MoneyEvent:
		checkMoney(&v, d, e.Meta.EventID)
	case *TokenIssued:
		IssueToken{TokenID: d.TokenID, Name: d.Name, Role: d.Role, UnitID: d.UnitID}.Validate(&v)
		if !isSHA256Hex(d.SecretHash) {
			v.Addf("secret_hash", "must be 64 lowercase hex digits")
		}
	case *TokenRevoked:
		checkID(&v, "token_id", d.TokenID)
	case *PeriodClosing, *PeriodClosed, *PeriodReopened:
		checkPeriodStored(&v, e)
	default:
		v.Addf("type", "%s has no rules", e.Type)
	}
	if stream, ok := StreamOf(e.Data); ok && stream != e.Stream {
		v.Addf("stream", "the event belongs to stream %s, it is stored in %s", stream, e.Stream)
	}
	if len(v.fields) == 0 {
		return nil
	}
	parts := make([]string, len(v.fields))
	for i, f := range v.fields {
		parts[i] = f.Field + " " + f.Message
	}
	return fmt.Errorf("%s %s@%d at position %d: %s: %w", e.Type, e.Stream, e.Revision, e.Position, strings.Join(parts, "; "), ErrInvalidEvent)
}

// sameID checks that the id a payload names is the event's id: the write
// side makes the transaction (fund, loan) id the event id, which is how the
// store's unique index on event ids refuses a second recording.
func sameID(v *Validation, field string, id, eventID uuid.UUID) {
	if id != eventID {
		v.Addf(field, "is %s, the event's id is %s", id, eventID)
	}
}

// checkMoney checks a money event by its row of the table of money
// kinds: the id the event is recorded under, the command it was decided
// from (the command's own Validate), and the fields Decide filled in from
// the fund's state — a repayment's borrower, a reversal's copy of its
// original. A copied field the table marks optional is checked when the
// original's kind has it.
func checkMoney(v *Validation, d MoneyEvent, eventID uuid.UUID) {
	facts := d.Money()
	spec := facts.Kind.Spec()
	// The write side makes the event's id the transaction id, which the
	// row's first field names (a loan's is its loan_id).
	sameID(v, spec.Fields[0].Name, facts.TransactionID, eventID)
	v.fields = append(v.fields, d.commandFailures()...)
	var orig *KindSpec // a reversal's original's row, looked up once
	for _, f := range spec.filled {
		if f.Payload == Optional {
			if orig == nil {
				orig = KindOf(facts.Original).Spec()
			}
			if orig.Direction == Opposite || !orig.Has(f.Name) {
				continue
			}
		}
		checkFilled(v, f.Name, &facts)
	}
}

// checkFilled checks one field Decide filled in from the fund's state.
func checkFilled(v *Validation, name string, m *MoneyFacts) {
	switch name {
	case "original_type":
		if CategoryOf(m.Original) == CatNone {
			v.Addf(name, "must be the type of a money event")
		}
	case "amount":
		checkAmount(v, m.Amount)
	case "original_occurred_on":
		if m.OriginalOn == 0 {
			v.Addf(name, "is required")
		}
	case "beneficiary_id":
		checkBeneficiary(v, m.Beneficiary)
	case "loan_id":
		checkID(v, name, m.LoanID)
	case "shelter":
		oneOf(v, name, m.Shelter, ShelterKinds)
	default:
		// A new filled-in field needs its check here; until then no
		// event of its kind is valid, which the golden files show.
		v.Addf(name, "is filled in by the ledger and has no check")
	}
}

// isSHA256Hex reports whether s is a hex SHA-256 as HashToken writes it.
func isSHA256Hex(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
