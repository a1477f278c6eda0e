package domain_test

import (
	"path/filepath"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/store/embedded"
)

// benchWriters and benchFunds shape BenchmarkLedgerRecordConcurrent: as
// many concurrent writers as the HTTP load target (DESIGN.md,
// "Performance"), spread over a few busy funds.
const (
	benchWriters = 64
	benchFunds   = 8
)

// BenchmarkLedgerRecordConcurrent measures the write path — per-fund
// slots, batched decisions, pipelined appends, and the period fence every
// batch passes — with 64 writers recording donations into 8 funds of a
// real ledger file. It reports events/s; compare it with the same
// benchmark on a tree without the fence, run alternately on the same
// machine (when the fence came in, on 2 shared cores: 6,700 events/s
// without it, 7,200 with it, three runs of 3 s each — within the noise).
func BenchmarkLedgerRecordConcurrent(b *testing.B) {
	st, err := embedded.Open(filepath.Join(b.TempDir(), "ledger.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	l := domain.NewLedger(st, clockAt(ledgerNow))
	ctx := b.Context()
	if _, err := l.RegisterUnit(ctx, domain.RegisterUnit{UnitID: "lang-son", Name: "LĐLĐ Lạng Sơn"}, testActor); err != nil {
		b.Fatal(err)
	}
	funds := make([]uuid.UUID, benchFunds)
	for i := range funds {
		funds[i] = domain.NewID()
		if _, err := l.OpenFund(ctx, domain.OpenFund{FundID: funds[i], UnitID: "lang-son", Name: "Quỹ",
			Kind: domain.FundSocial, OpenedOn: domain.MustDate("2020-01-01")}, testActor); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	var wg sync.WaitGroup
	next := make(chan int, b.N)
	for i := range b.N {
		next <- i
	}
	close(next)
	for range benchWriters {
		wg.Go(func() {
			for i := range next {
				c := donate(funds[i%benchFunds], 1000)
				c.OccurredOn = domain.MustDate("2023-05-05")
				if _, err := l.Record(ctx, c, testActor); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
