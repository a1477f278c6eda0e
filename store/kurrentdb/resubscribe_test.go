package kurrentdb_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
	"github.com/welfare-ledger/welfare-ledger/store/kurrentdb/kdbtest"
)

// TestTwoInstancesSubscriptionDropped: one instance writes while the
// projections of another follow $all, and the server drops their
// subscription (and once every connection) again and again in the middle
// of the stream. The runner subscribes again from the last applied
// position each time, counts it, and its projections end identical to a
// fresh rebuild from the log: nothing lost, nothing applied twice.
func TestTwoInstancesSubscriptionDropped(t *testing.T) {
	srv := startServer(t, kdbtest.Options{SystemEvents: true})
	writer, reader := open(t, srv.URI()), open(t, srv.URI())
	ledger := domain.NewLedger(writer, time.Now)
	ctx := context.Background()
	if _, err := ledger.RegisterUnit(ctx, domain.RegisterUnit{UnitID: "lang-son", Name: "Lạng Sơn"}, "test"); err != nil {
		t.Fatal(err)
	}
	fund := uuid.Must(uuid.NewV7())
	if _, err := ledger.OpenFund(ctx, domain.OpenFund{FundID: fund, UnitID: "lang-son", Name: "Quỹ Xã hội", Kind: domain.FundSocial}, "test"); err != nil {
		t.Fatal(err)
	}

	live := projections.New()
	runCtx, stop := context.WithCancel(ctx)
	runDone := make(chan error, 1)
	go func() {
		runDone <- projections.Run(runCtx, reader, live, slog.New(slog.DiscardHandler))
	}()
	t.Cleanup(func() {
		stop()
		if err := <-runDone; !errors.Is(err, context.Canceled) {
			t.Errorf("projections.Run() = %v, want %v", err, context.Canceled)
		}
	})

	const donations, dropEvery = 120, 15
	drops := 0
	for i := range donations {
		_, err := ledger.Record(ctx, domain.RecordDonation{
			TransactionID: uuid.Must(uuid.NewV7()), FundID: fund, Amount: domain.VNDFromInt64(int64(1000 * (i + 1))),
			Donor: domain.Donor{Kind: domain.DonorMember, Name: fmt.Sprintf("Đoàn viên %d", i)},
		}, "test")
		if err != nil {
			t.Fatalf("donation %d: %v", i, err)
		}
		if i%dropEvery == dropEvery-1 {
			if drops%3 == 2 {
				srv.DropConnections()
			} else {
				srv.DropSubscriptions()
			}
			drops++
		}
	}
	end := lastPosition(t, writer)
	deadline := time.Now().Add(20 * time.Second)
	for live.Position() < end {
		if time.Now().After(deadline) {
			t.Fatalf("projections at %d, log ends at %d: not caught up after the drops", live.Position(), end)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if got := live.Resubscribes(); got < 1 || got > uint64(4*drops) {
		t.Errorf("Resubscribes() = %d after %d drops, want between 1 and %d", got, drops, 4*drops)
	}
	report, err := projections.Verify(ctx, reader, live, nil)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if report.MismatchesFound != 0 || report.Position != end {
		t.Fatalf("live projections differ from a rebuild: %d mismatches at position %d (log end %d): %+v",
			report.MismatchesFound, report.Position, end, report.Mismatches)
	}
}

// lastPosition returns the position of the last ledger event.
func lastPosition(t testing.TB, s domain.EventStore) domain.Position {
	t.Helper()
	all := ledgerEvents(t, s)
	if len(all) == 0 {
		return 0
	}
	return all[len(all)-1].Position
}
