package embedded_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/internal/benchlog"
	"github.com/welfare-ledger/welfare-ledger/projections"
	"github.com/welfare-ledger/welfare-ledger/store/embedded"
)

// replayBenchEvents is the length of the log BenchmarkReplayFromStore reads.
const replayBenchEvents = 200_000

// BenchmarkReplayFromStore measures rebuilding every projection from a
// SQLite ledger on disk (projections.Run's catch-up: ReadAll → Decode →
// apply), against DESIGN.md's baseline measured in the same run: the raw
// scan of the same log plus domain.Decode of each event. It reports events/s
// of each, and replay/baseline as "ratio" (target ≥ 0.8, and ≥ 300,000
// events/s for the replay).
func BenchmarkReplayFromStore(b *testing.B) {
	s := replayBenchStore(b, replayBenchEvents)
	ctx := context.Background()
	scan := func(decode bool) int {
		n := 0
		for after := domain.Position(0); ; {
			batch, err := s.ReadAll(ctx, after, domain.MaxReadBatch)
			if err != nil {
				b.Fatal(err)
			}
			for _, se := range batch {
				if decode {
					if _, err := domain.Decode(se); err != nil {
						b.Fatal(err)
					}
				}
			}
			n += len(batch)
			if len(batch) < domain.MaxReadBatch {
				return n
			}
			after = batch[len(batch)-1].Position
		}
	}
	replay := func() int {
		p := projections.New()
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		done := make(chan error, 1)
		go func() { done <- projections.Run(ctx, s, p, slog.New(slog.NewTextHandler(io.Discard, nil))) }()
		for !p.Ready() {
			select {
			case err := <-done:
				b.Fatalf("Run stopped before catching up: %v", err)
			case <-time.After(100 * time.Microsecond):
			}
		}
		cancel()
		<-done
		return int(p.Position())
	}
	// Alternate the two in every round so that both see the same machine.
	var scanOnly, baseline, full time.Duration
	var events int
	for b.Loop() {
		t0 := time.Now()
		scan(false)
		t1 := time.Now()
		events = scan(true)
		t2 := time.Now()
		if got := replay(); got != events {
			b.Fatalf("replay reached position %d, want %d", got, events)
		}
		scanOnly, baseline, full = scanOnly+t1.Sub(t0), baseline+t2.Sub(t1), full+time.Since(t2)
	}
	rate := func(d time.Duration) float64 { return float64(events*b.N) / d.Seconds() }
	b.ReportMetric(rate(scanOnly), "scan-events/s")
	b.ReportMetric(rate(baseline), "scan+decode-events/s")
	b.ReportMetric(rate(full), "replay-events/s")
	b.ReportMetric(baseline.Seconds()/full.Seconds(), "ratio")
	b.ReportMetric(0, "ns/op")
}

// replayBenchStore returns a store in a temporary directory holding
// benchlog's log of n events, interleaved as benchlog.Append writes it.
func replayBenchStore(b *testing.B, n int) *embedded.Store {
	b.Helper()
	log, err := benchlog.Generate(n)
	if err != nil {
		b.Fatal(err)
	}
	s, err := embedded.Open(filepath.Join(b.TempDir(), "ledger.db"))
	if err != nil {
		b.Fatalf("Open error: %v", err)
	}
	b.Cleanup(func() { s.Close() })
	if err := benchlog.Append(context.Background(), s, log); err != nil {
		b.Fatal(err)
	}
	return s
}
