package projections

import (
	"runtime"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/internal/benchlog"
)

// benchLog returns benchlog's realistic log of n events.
func benchLog(b *testing.B, n int) []domain.StoredEvent {
	b.Helper()
	log, err := benchlog.Generate(n)
	if err != nil {
		b.Fatal(err)
	}
	return log
}

// BenchmarkReplay measures rebuilding every projection from a log already in
// memory, against the baseline of decoding the same events alone, in the
// same run: decode is the floor any replay pays.
func BenchmarkReplay(b *testing.B) {
	const n = 200_000
	log := benchLog(b, n)
	b.Run("decode-only", func(b *testing.B) {
		for b.Loop() {
			for _, se := range log {
				if _, err := domain.Decode(se); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("decode+apply", func(b *testing.B) {
		for b.Loop() {
			p := New()
			// In batches of a store read, as Run applies them.
			for i := 0; i < len(log); i += domain.MaxReadBatch {
				if err := p.applyStored(log[i:min(i+domain.MaxReadBatch, len(log))]); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
	})
}

// BenchmarkFundSummaryAsOf measures one as_of answer on a fund of the replay
// log.
func BenchmarkFundSummaryAsOf(b *testing.B) {
	log := benchLog(b, 200_000)
	p := New()
	if err := p.applyStored(log); err != nil {
		b.Fatal(err)
	}
	id := p.fundOrder[0].info.FundID
	asOf := domain.MustDate("2023-06-15")
	for b.Loop() {
		if _, ok := p.FundSummary(id, asOf); !ok {
			b.Fatal("fund missing")
		}
	}
}

// BenchmarkReplayMemory measures the heap the projections keep per event of
// history after replaying a realistic log (DESIGN.md: < 200 bytes per
// event). The log itself is allocated before the first measurement, so only
// what the projections retain is counted.
func BenchmarkReplayMemory(b *testing.B) {
	const n = 200_000
	log := benchLog(b, n)
	var perEvent float64
	for b.Loop() {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		p := New()
		if err := p.applyStored(log); err != nil {
			b.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		runtime.KeepAlive(p)
		perEvent = float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / n
	}
	runtime.KeepAlive(log)
	b.ReportMetric(perEvent, "B/event")
}
