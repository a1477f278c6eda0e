package api

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// eventLineReference is AppendEventLine through encoding/json: the item
// listEvents encodes, as writeJSON encodes it.
func eventLineReference(t testing.TB, se domain.StoredEvent) ([]byte, error) {
	t.Helper()
	item, err := eventItem(se)
	if err != nil {
		return nil, err
	}
	return appendBody(nil, item)
}

// sealedEvent seals a donation with the given texts into a stored event.
func sealedEvent(t testing.TB, stream, actor, hash, note string, recorded time.Time, data []byte) domain.StoredEvent {
	t.Helper()
	fund := uuid.MustParse("0190a0b4-0000-7000-8000-000000000001")
	tx := uuid.MustParse("0190a0b4-0000-7000-8000-0000000000aa")
	ne, _, err := domain.Seal(hash, &domain.DonationReceived{
		TransactionID: tx, FundID: fund, Amount: domain.MustVND("1027000000"),
		Donor: domain.Donor{Kind: domain.DonorEnterprise, Name: note}, Note: note,
	}, domain.Metadata{EventID: tx, OccurredOn: domain.MustDate("2024-02-29"), RecordedAt: recorded, Actor: actor, PayloadHash: hash})
	if err != nil {
		t.Fatal(err)
	}
	if data == nil {
		data = ne.Data
	}
	return domain.StoredEvent{Position: 1 << 40, Stream: stream, Revision: 1<<63 + 5, ID: ne.ID, Type: ne.Type, Data: data, Metadata: ne.Metadata}
}

func TestEventLineEncoderMatchesEncodingJSON(t *testing.T) {
	at := time.Date(2024, 6, 30, 3, 0, 0, 0, time.UTC)
	var events []domain.StoredEvent
	for _, text := range hostileTexts {
		events = append(events,
			sealedEvent(t, "fund-"+text, text, domain.GenesisHash, text, at, nil),
			sealedEvent(t, "access", "admin", text, "", at.Add(123456789), nil))
	}
	events = append(events,
		sealedEvent(t, "fund-x", "a", domain.GenesisHash, "", at.In(domain.VietnamZone).Add(120*time.Millisecond), nil),
		// Data as an edit outside the ledger could leave it: spaces, which
		// both encoders drop, and HTML characters, which neither escapes.
		sealedEvent(t, "fund-x", "a", domain.GenesisHash, "", at, []byte(" { \"a\" : [1, 2,\n3], \"b\":\"<&>\\u003c\" } ")),
	)
	for i, se := range events {
		got, err := AppendEventLine([]byte("prefix"), se)
		if err != nil {
			t.Fatalf("event %d: AppendEventLine = %v", i, err)
		}
		want, err := eventLineReference(t, se)
		if err != nil {
			t.Fatalf("event %d: encoding/json = %v", i, err)
		}
		if !bytes.Equal(got, append([]byte("prefix"), want...)) {
			t.Errorf("event %d:\n got %s\nwant prefix%s", i, got, want)
		}
	}
	// Data that is not JSON fails both ways.
	bad := sealedEvent(t, "fund-x", "a", domain.GenesisHash, "", at, []byte(`{"a":`))
	if _, err := AppendEventLine(nil, bad); err == nil {
		t.Error("AppendEventLine of data that is not JSON = nil error")
	}
	if _, err := eventLineReference(t, bad); err == nil {
		t.Error("encoding/json of data that is not JSON = nil error")
	}
}

// FuzzEventLineEncoder holds AppendEventLine to encoding/json over any
// stream, actor, hash and note text, any time and any data bytes.
func FuzzEventLineEncoder(f *testing.F) {
	for _, text := range hostileTexts {
		f.Add("fund-"+text, text, text, int64(1719716400123456789), []byte(`{"a":1}`))
	}
	f.Add("access", "admin", domain.GenesisHash, int64(0), []byte(" {\"x\" : \"<\\u2028>\"}\n"))
	f.Fuzz(func(t *testing.T, stream, text, hash string, nanos int64, data []byte) {
		se := sealedEvent(t, stream, text, hash, text, time.Unix(0, nanos), nil)
		if len(data) > 0 {
			se.Data = data
		}
		got, gotErr := AppendEventLine(nil, se)
		want, wantErr := eventLineReference(t, se)
		if (gotErr != nil) != (wantErr != nil) {
			t.Fatalf("AppendEventLine error %v, encoding/json error %v", gotErr, wantErr)
		}
		if gotErr == nil && !bytes.Equal(got, want) {
			t.Fatalf("AppendEventLine:\n got %s\nwant %s", got, want)
		}
	})
}
