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
	case *DonationReceived:
		sameID(&v, "transaction_id", d.TransactionID, e.Meta.EventID)
		RecordDonation{TransactionID: d.TransactionID, FundID: d.FundID, Amount: d.Amount, Donor: d.Donor,
			Campaign: d.Campaign, Reference: d.Reference, Note: d.Note}.Validate(&v)
	case *ShelterGrantPaid:
		sameID(&v, "transaction_id", d.TransactionID, e.Meta.EventID)
		PayShelterGrant{TransactionID: d.TransactionID, FundID: d.FundID, BeneficiaryID: d.BeneficiaryID, Amount: d.Amount,
			Shelter: d.Shelter, DecisionNo: d.DecisionNo, Note: d.Note}.Validate(&v)
	case *AssistanceGranted:
		sameID(&v, "transaction_id", d.TransactionID, e.Meta.EventID)
		GrantAssistance{TransactionID: d.TransactionID, FundID: d.FundID, BeneficiaryID: d.BeneficiaryID, Amount: d.Amount,
			Category: d.Category, Note: d.Note}.Validate(&v)
	case *LoanDisbursed:
		sameID(&v, "loan_id", d.LoanID, e.Meta.EventID)
		DisburseLoan{LoanID: d.LoanID, FundID: d.FundID, BeneficiaryID: d.BeneficiaryID, Amount: d.Amount,
			Project: d.Project, Note: d.Note}.Validate(&v)
	case *LoanRepaid:
		sameID(&v, "transaction_id", d.TransactionID, e.Meta.EventID)
		RepayLoan{TransactionID: d.TransactionID, FundID: d.FundID, LoanID: d.LoanID, Amount: d.Amount, Note: d.Note}.Validate(&v)
		// The write side copies the loan's beneficiary into the event.
		checkBeneficiary(&v, d.BeneficiaryID)
	case *TransactionReversed:
		sameID(&v, "transaction_id", d.TransactionID, e.Meta.EventID)
		ReverseTransaction{TransactionID: d.TransactionID, FundID: d.FundID, Reverses: d.Reverses, Reason: d.Reason}.Validate(&v)
		checkReversalCopy(&v, d)
	case *TokenIssued:
		IssueToken{TokenID: d.TokenID, Name: d.Name, Role: d.Role, UnitID: d.UnitID}.Validate(&v)
		if !isSHA256Hex(d.SecretHash) {
			v.Addf("secret_hash", "must be 64 lowercase hex digits")
		}
	case *TokenRevoked:
		checkID(&v, "token_id", d.TokenID)
	case *PeriodClosed, *PeriodReopened:
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

// checkReversalCopy checks the fields a reversal copies from its original
// (Decide's reversal): the original's type, amount and date, and the
// beneficiary, loan and shelter kind that the original's type has.
func checkReversalCopy(v *Validation, d *TransactionReversed) {
	if CategoryOf(d.OriginalType) == CatNone {
		v.Addf("original_type", "must be the type of a money event")
	}
	checkAmount(v, d.Amount)
	if d.OriginalOccurredOn == 0 {
		v.Addf("original_occurred_on", "is required")
	}
	switch d.OriginalType {
	case TypeShelterGrantPaid, TypeAssistanceGranted, TypeLoanDisbursed, TypeLoanRepaid:
		checkBeneficiary(v, d.BeneficiaryID)
	}
	switch d.OriginalType {
	case TypeLoanDisbursed, TypeLoanRepaid:
		checkID(v, "loan_id", d.LoanID)
	}
	if d.OriginalType == TypeShelterGrantPaid {
		oneOf(v, "shelter", d.Shelter, ShelterKinds)
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
