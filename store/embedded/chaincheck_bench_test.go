package embedded

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// BenchmarkChainCheckCost measures what the chain check adds to one
// append inside the writer: the stream's last event read whole and
// domain.CheckAppendLink, against the revision-only lookup it replaced.
func BenchmarkChainCheckCost(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "ledger.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	prev := domain.GenesisHash
	stream := domain.FundStream(domain.NewID())
	var next domain.NewEvent
	for i := range 1001 {
		ne, meta, err := domain.Seal(prev, &domain.DonationReceived{TransactionID: domain.NewID(), FundID: domain.NewID(),
			Amount: domain.VNDFromInt64(500_000), Donor: domain.Donor{Kind: domain.DonorEnterprise, Name: "Công ty TNHH May Việt Tiến"},
			Campaign: "Tháng Công nhân 2024", Reference: "PT-2024-000123"},
			domain.Metadata{EventID: uuid.Must(uuid.NewV7()), OccurredOn: domain.MustDate("2024-05-01"),
				RecordedAt: time.Date(2024, 5, 1, 2, 0, i, 0, time.UTC), Actor: "ketoan", PayloadHash: fmt.Sprintf("%064x", i)})
		if err != nil {
			b.Fatal(err)
		}
		if i == 1000 {
			next = ne
			break
		}
		if _, err := s.Append(ctx, stream, domain.ExpectedRevision(i-1), []domain.NewEvent{ne}); err != nil {
			b.Fatal(err)
		}
		prev = meta.Hash
	}
	revOnly, err := s.w.conn.PrepareContext(ctx, "SELECT revision FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1")
	if err != nil {
		b.Fatal(err)
	}
	defer revOnly.Close()
	// Inside a transaction, as in the writer's batch: no read lock per query.
	if _, err := s.w.conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		b.Fatal(err)
	}
	defer s.w.conn.ExecContext(ctx, "ROLLBACK")
	b.Run("revision-only", func(b *testing.B) {
		for b.Loop() {
			var r int64
			if err := revOnly.QueryRowContext(ctx, stream).Scan(&r); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("tail-and-link", func(b *testing.B) {
		for b.Loop() {
			tail, err := s.w.tail(ctx, stream)
			if err != nil {
				b.Fatal(err)
			}
			if err := domain.CheckAppendLink(stream, tail, next); err != nil {
				b.Fatal(err)
			}
		}
	})
}
