package domain_test

import (
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// sealedLog returns a small valid log: a unit, a fund of it, and two
// donations to the fund, at positions 1, 2, 3 and 5.
func sealedLog(t *testing.T) []domain.StoredEvent {
	t.Helper()
	fund := uuid.MustParse("0190a0b4-7c3e-7d2f-9b1a-2f4e5d6c7b8a")
	day := domain.MustDate("2018-03-08")
	at := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	type step struct {
		stream string
		data   domain.EventData
		id     uuid.UUID
	}
	steps := []step{
		{domain.UnitStream("lang-son"), &domain.UnitRegistered{UnitID: "lang-son", Name: "LĐLĐ tỉnh Lạng Sơn"}, uuid.MustParse("0190a0b4-7c3e-7d2f-9b1a-000000000001")},
		{domain.FundStream(fund), &domain.FundOpened{FundID: fund, UnitID: "lang-son", Name: "Quỹ Xã hội", Kind: domain.FundSocial, OpenedOn: day}, fund},
	}
	for i, amount := range []string{"100000000", "5000000"} {
		id := uuid.MustParse("0190a0b4-7c3e-7d2f-9b1a-00000000001" + string(rune('0'+i)))
		steps = append(steps, step{domain.FundStream(fund), &domain.DonationReceived{
			TransactionID: id, FundID: fund, Amount: domain.MustVND(amount), Donor: domain.Donor{Kind: domain.DonorEnterprise},
		}, id})
	}
	last := map[string]string{}
	revs := map[string]uint64{}
	var log []domain.StoredEvent
	for i, s := range steps {
		prev, ok := last[s.stream]
		if !ok {
			prev = domain.GenesisHash
		}
		ne, meta, err := domain.Seal(prev, s.data, domain.Metadata{EventID: s.id, OccurredOn: day, RecordedAt: at, Actor: "admin", PayloadHash: "00"})
		if err != nil {
			t.Fatal(err)
		}
		last[s.stream] = meta.Hash
		pos := domain.Position(i + 1)
		if i == 3 {
			pos = 5
		}
		log = append(log, domain.StoredEvent{Position: pos, Stream: s.stream, Revision: revs[s.stream], ID: ne.ID, Type: ne.Type, Data: ne.Data, Metadata: ne.Metadata})
		revs[s.stream]++
	}
	return log
}

func TestLogChecker(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(log []domain.StoredEvent) []domain.StoredEvent
		bad     int // index of the event refused; -1: none
		wantErr error
	}{
		{"a valid log", func(l []domain.StoredEvent) []domain.StoredEvent { return l }, -1, nil},
		{"two events of two streams swapped", func(l []domain.StoredEvent) []domain.StoredEvent {
			l[0], l[1] = l[1], l[0]
			return l
		}, 0, domain.ErrLogOrder},
		{"a fund of a unit never registered", func(l []domain.StoredEvent) []domain.StoredEvent {
			return l[1:]
		}, 0, domain.ErrLogOrder},
		{"two events of a stream swapped", func(l []domain.StoredEvent) []domain.StoredEvent {
			l[2], l[3] = l[3], l[2]
			return l
		}, 2, domain.ErrHashMismatch},
		{"swapped with their positions", func(l []domain.StoredEvent) []domain.StoredEvent {
			l[2], l[3] = l[3], l[2]
			l[2].Position, l[3].Position = l[3].Position, l[2].Position
			return l
		}, 2, domain.ErrHashMismatch},
		{"a unit and its fund swapped with their positions", func(l []domain.StoredEvent) []domain.StoredEvent {
			l[0], l[1] = l[1], l[0]
			l[0].Position, l[1].Position = l[1].Position, l[0].Position
			return l
		}, 0, domain.ErrLogOrder},
		{"a position repeated", func(l []domain.StoredEvent) []domain.StoredEvent {
			l[2].Position = 2
			return l
		}, 2, domain.ErrLogOrder},
		{"an event removed", func(l []domain.StoredEvent) []domain.StoredEvent {
			return append(l[:2], l[3:]...)
		}, 2, domain.ErrHashMismatch},
		{"a revision changed", func(l []domain.StoredEvent) []domain.StoredEvent {
			l[3].Revision = 7
			return l
		}, 3, domain.ErrHashMismatch},
		{"a stream renamed", func(l []domain.StoredEvent) []domain.StoredEvent {
			l[1].Stream = "fund-0190a0b4-7c3e-7d2f-9b1a-2f4e5d6c7b8b"
			return l
		}, 1, domain.ErrLogOrder},
		{"an amount altered", func(l []domain.StoredEvent) []domain.StoredEvent {
			l[2].Data = []byte(string(l[2].Data[:len(l[2].Data)-1]) + `,"note":"x"}`)
			return l
		}, 2, domain.ErrHashMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := tt.edit(sealedLog(t))
			c := domain.NewLogChecker()
			for i, se := range log {
				err := c.Check(se)
				if i == tt.bad {
					if !errors.Is(err, tt.wantErr) {
						t.Fatalf("Check(event %d) = %v, want %v", i, err, tt.wantErr)
					}
					return
				}
				if err != nil {
					t.Fatalf("Check(event %d) = %v, want nil", i, err)
				}
			}
			if tt.bad >= 0 {
				t.Fatalf("no event refused, want event %d", tt.bad)
			}
			if got := c.Last(); got != log[len(log)-1].Position {
				t.Errorf("Last() = %d, want %d", got, log[len(log)-1].Position)
			}
		})
	}
}
