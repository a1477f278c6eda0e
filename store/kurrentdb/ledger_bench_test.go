package kurrentdb_test

import (
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/store/kurrentdb/kdbtest"
)

// BenchmarkLedgerRecordOnKurrentDB measures the ledger's write path on
// this adapter against the in-process test server: 64 writers recording
// donations into 8 funds (the shape of domain's
// BenchmarkLedgerRecordConcurrent). On a store shared between instances
// each append is followed by its post-check (a read of the period
// stream's tail) and a fund's commands are decided one per append
// (domain/period_postcheck.go); docs/performance.md gives the rate
// before and after that change, measured alternately on one machine.
//
//	go test ./store/kurrentdb -run '^$' -bench LedgerRecordOnKurrentDB -benchtime 2000x -count 3
func BenchmarkLedgerRecordOnKurrentDB(b *testing.B) {
	const writers, funds = 64, 8
	srv := startServer(b, kdbtest.Options{SystemEvents: true})
	st := open(b, srv.URI())
	now := time.Date(2024, 6, 1, 3, 0, 0, 0, time.UTC)
	l := domain.NewLedger(st, func() time.Time { return now })
	ctx := b.Context()
	if _, err := l.RegisterUnit(ctx, domain.RegisterUnit{UnitID: "lang-son", Name: "LĐLĐ Lạng Sơn"}, domain.SystemActor); err != nil {
		b.Fatal(err)
	}
	ids := make([]uuid.UUID, funds)
	for i := range ids {
		ids[i] = domain.NewID()
		if _, err := l.OpenFund(ctx, domain.OpenFund{FundID: ids[i], UnitID: "lang-son", Name: "Quỹ",
			Kind: domain.FundSocial, OpenedOn: domain.MustDate("2020-01-01")}, domain.SystemActor); err != nil {
			b.Fatal(err)
		}
	}
	next := make(chan int, b.N)
	for i := range b.N {
		next <- i
	}
	close(next)
	b.ResetTimer()
	var wg sync.WaitGroup
	for range writers {
		wg.Go(func() {
			for i := range next {
				c := domain.RecordDonation{TransactionID: domain.NewID(), FundID: ids[i%funds], Amount: domain.VNDFromInt64(1000),
					OccurredOn: domain.MustDate("2023-05-05"), Donor: domain.Donor{Kind: domain.DonorMember}}
				if _, err := l.Record(ctx, c, domain.SystemActor); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
