package domain_test

import (
	"bytes"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// TestSealedMetadataRebuildsSealsBytes: from the decoded metadata of a
// sealed event, SealedMetadata gives back exactly the stored bytes, and a
// changed field gives bytes that no longer verify.
func TestSealedMetadataRebuildsSealsBytes(t *testing.T) {
	fund := uuid.MustParse("0190a0b4-7c3e-7d2f-9b1a-2f4e5d6c7b8a")
	tests := []struct {
		name     string
		recorded time.Time
		actor    string
	}{
		{"whole second", time.Date(2024, 7, 1, 3, 4, 5, 0, time.UTC), "token 0193 Kế toán"},
		{"nanoseconds", time.Date(2024, 7, 1, 3, 4, 5, 123456789, time.UTC), "admin"},
		{"trailing zeros of the fraction", time.Date(2024, 7, 1, 3, 4, 5, 120000000, time.UTC), "a <b> & \"c\"\n"},
		{"another zone", time.Date(2024, 7, 1, 10, 4, 5, 5, domain.VietnamZone), "x\u2028y"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := &domain.FundOpened{FundID: fund, UnitID: "lang-son", Name: "Quỹ Xã hội", Kind: domain.FundSocial, OpenedOn: domain.MustDate("2018-01-01")}
			ne, _, err := domain.Seal(domain.GenesisHash, data, domain.Metadata{
				EventID: fund, OccurredOn: domain.MustDate("2018-01-01"), RecordedAt: tt.recorded,
				Actor: tt.actor, PayloadHash: "ab",
			})
			if err != nil {
				t.Fatal(err)
			}
			se := domain.StoredEvent{Position: 1, Stream: domain.FundStream(fund), ID: ne.ID, Type: ne.Type, Data: ne.Data, Metadata: ne.Metadata}
			e, err := domain.Decode(se)
			if err != nil {
				t.Fatal(err)
			}
			got, err := domain.SealedMetadata(e.Meta)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, ne.Metadata) {
				t.Fatalf("SealedMetadata = %s, want %s", got, ne.Metadata)
			}
			if stream, ok := domain.StreamOf(e.Data); !ok || stream != se.Stream {
				t.Errorf("StreamOf = %q, %v, want %q", stream, ok, se.Stream)
			}
			changed := e.Meta
			changed.Actor += "!"
			se.Metadata, err = domain.SealedMetadata(changed)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := domain.VerifyHash(domain.GenesisHash, se); err == nil {
				t.Error("a changed actor still verifies")
			}
		})
	}
}
