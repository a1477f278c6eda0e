package domain_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// goldenStored returns the golden file of typ as the store would return it:
// in its golden stream, with its event id in the event_id column.
func goldenStored(t *testing.T, typ domain.EventType) domain.StoredEvent {
	t.Helper()
	for _, gc := range goldenCases() {
		if gc.data.EventType() == typ {
			g := readGolden(t, goldenPath(typ))
			return domain.StoredEvent{Position: 42, Stream: gc.stream, Revision: 7, ID: gc.meta.EventID,
				Type: g.Type, Data: []byte(g.Data), Metadata: []byte(g.Metadata)}
		}
	}
	t.Fatalf("no golden case of %s", typ)
	return domain.StoredEvent{}
}

// TestDecodeRefusesInvalidEvents: an event the ledger could not have
// written (the command rules of its type, its ids, its stream, the store's
// event_id column) does not decode, and the error names the event, its
// position and the field, so that a start or a verification can say where
// the log was altered.
// A beneficiary id of 9 or 12 digits is refused in requests since the rule
// against citizen id numbers; a grant recorded with one before it is still
// a valid event, so that the ledger that holds it still starts.
func TestDecodeKeepsCitizenShapedIDsRecordedBefore(t *testing.T) {
	for _, typ := range []domain.EventType{domain.TypeShelterGrantPaid, domain.TypeTransactionReversed} {
		se := goldenStored(t, typ)
		old := `"LS-00123"`
		if typ == domain.TypeTransactionReversed {
			old = `"LS-00789"`
		}
		se.Data = []byte(strings.Replace(string(se.Data), old, `"001234567890"`, 1))
		if !strings.Contains(string(se.Data), `"001234567890"`) {
			t.Fatalf("golden %s data has no %s", typ, old)
		}
		if _, err := domain.Decode(se); err != nil {
			t.Errorf("Decode(%s with a 12-digit beneficiary id) = %v, want the event", typ, err)
		}
	}
	if _, err := domain.ParseBeneficiaryID("001234567890"); !errors.Is(err, domain.ErrBeneficiaryIDCitizenNumber) {
		t.Errorf("ParseBeneficiaryID(12 digits) = %v, want the request rule to refuse it", err)
	}
}

func TestDecodeRefusesInvalidEvents(t *testing.T) {
	edit := func(typ domain.EventType, old, new string) func(*testing.T) domain.StoredEvent {
		return func(t *testing.T) domain.StoredEvent {
			se := goldenStored(t, typ)
			if !strings.Contains(string(se.Data), old) {
				t.Fatalf("golden %s data has no %s", typ, old)
			}
			se.Data = []byte(strings.Replace(string(se.Data), old, new, 1))
			return se
		}
	}
	for _, tt := range []struct {
		name  string
		event func(*testing.T) domain.StoredEvent
		field string // the field the error must name
	}{
		{"grant without beneficiary_id", edit(domain.TypeShelterGrantPaid, `"beneficiary_id":"LS-00123",`, ``), "beneficiary_id must be a member code"},
		{"loan without beneficiary_id", edit(domain.TypeLoanDisbursed, `"beneficiary_id":"LS-00789",`, ``), "beneficiary_id"},
		{"assistance with an empty beneficiary_id", edit(domain.TypeAssistanceGranted, `"LS-00456"`, `""`), "beneficiary_id"},
		{"repayment without beneficiary_id", edit(domain.TypeLoanRepaid, `"beneficiary_id":"LS-00789",`, ``), "beneficiary_id"},
		{"amount zero", edit(domain.TypeDonationReceived, `"1200000000"`, `"0"`), "amount must be greater than 0"},
		{"amount negative", edit(domain.TypeAssistanceGranted, `"2000000"`, `"-2000000"`), "amount must be greater than 0"},
		{"amount beyond the limit", edit(domain.TypeDonationReceived, `"1200000000"`, `"1000000000000001"`), "amount must be at most"},
		{"unknown assistance category", edit(domain.TypeAssistanceGranted, `"serious_illness"`, `"lottery"`), "category must be one of"},
		{"donation of another fund", edit(domain.TypeDonationReceived, `"fund_id":"0190a0b4-`, `"fund_id":"0290a0b4-`), "stream the event belongs to stream fund-0290a0b4"},
		{"transaction id that is not the event's", edit(domain.TypeDonationReceived, `"transaction_id":"0190a0b5-11aa`, `"transaction_id":"0190a0b5-11ab`), "transaction_id is 0190a0b5-11ab"},
		{"loan id that is not the event's", edit(domain.TypeLoanDisbursed, `"loan_id":"0190a0b5-22bb`, `"loan_id":"0190a0b5-22bc`), "loan_id is"},
		{"reversal without a reason", edit(domain.TypeTransactionReversed, `"reason":"Ghi nhầm quỹ"`, `"reason":""`), "reason is required"},
		{"reversal of a loan without its loan_id", edit(domain.TypeTransactionReversed, `,"loan_id":"0190a0b5-22bb-7cde-9f01-123456789abc"`, ``), "loan_id is required"},
		{"reversal of a loan without beneficiary", edit(domain.TypeTransactionReversed, `,"beneficiary_id":"LS-00789"`, ``), "beneficiary_id"},
		{"note with a control character", edit(domain.TypeDonationReceived, `"note":"Ủng hộ`, `"note":"\u0007Ủng hộ`), "note must not contain control characters"},
		{"token of no role", edit(domain.TypeTokenIssued, `"role":"manager"`, `"role":"root"`), "role must be one of"},
		{"token secret hash that is not a hash", edit(domain.TypeTokenIssued, `"secret_hash":"5e88`, `"secret_hash":"xx88`), "secret_hash must be 64"},
		{"type column changed from a donation to a grant", func(t *testing.T) domain.StoredEvent {
			se := goldenStored(t, domain.TypeDonationReceived)
			se.Type = string(domain.TypeShelterGrantPaid)
			return se
		}, "beneficiary_id must be a member code"},
		{"type column changed from a grant to a donation", func(t *testing.T) domain.StoredEvent {
			se := goldenStored(t, domain.TypeShelterGrantPaid)
			se.Type = string(domain.TypeDonationReceived)
			return se
		}, "donor.kind must be one of"},
		{"event_id column edited", func(t *testing.T) domain.StoredEvent {
			se := goldenStored(t, domain.TypeDonationReceived)
			se.ID = uuid.MustParse("0190a0b5-11aa-7bcd-8ef0-0123456789ac")
			return se
		}, "event_id the store's event_id column is 0190a0b5-11aa-7bcd-8ef0-0123456789ac"},
		{"stream column edited", func(t *testing.T) domain.StoredEvent {
			se := goldenStored(t, domain.TypeUnitRegistered)
			se.Stream = "unit-ha-noi"
			return se
		}, "stream the event belongs to stream unit-lang-son, it is stored in unit-ha-noi"},
		{"token event stored in a fund's stream", func(t *testing.T) domain.StoredEvent {
			se := goldenStored(t, domain.TypeTokenRevoked)
			se.Stream = domain.FundStream(goldenFund)
			return se
		}, "stream the event belongs to stream access"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			se := tt.event(t)
			ev, err := domain.Decode(se)
			if !errors.Is(err, domain.ErrInvalidEvent) {
				t.Fatalf("Decode = %+v, %v; want ErrInvalidEvent", ev.Data, err)
			}
			for _, want := range []string{tt.field, se.Stream + "@7", "position 42"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("Decode error %q does not say %q", err, want)
				}
			}
			// The codec alone still reads it: the refusal is the rules'.
			if _, err := domain.DecodeUnchecked(se); err != nil && tt.name != "type column changed from a grant to a donation" {
				t.Errorf("DecodeUnchecked = %v, want the event", err)
			}
		})
	}
}

// TestDecodeAcceptsEveryGolden: the rules refuse nothing the ledger writes.
func TestDecodeAcceptsEveryGolden(t *testing.T) {
	for _, gc := range goldenCases() {
		typ := gc.data.EventType()
		if _, err := domain.Decode(goldenStored(t, typ)); err != nil {
			t.Errorf("Decode(golden %s) = %v, want nil", typ, err)
		}
	}
}
