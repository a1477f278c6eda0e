package embedded_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/store/embedded"
)

// BenchmarkAppendConcurrent64 measures durable single-event appends from 64
// concurrent writers, each to its own stream: the shape of 64 HTTP clients
// recording donations. b.N is the total number of appends.
func BenchmarkAppendConcurrent64(b *testing.B) {
	const writers = 64
	s, err := embedded.Open(filepath.Join(b.TempDir(), "ledger.db"))
	if err != nil {
		b.Fatalf("Open error: %v", err)
	}
	defer s.Close()
	data := []byte(`{"amount":"500000","donor":"Công đoàn cơ sở"}`)
	meta := []byte(`{"schema":1}`)
	var next atomic.Int64
	var wg sync.WaitGroup
	b.ResetTimer()
	start := time.Now()
	for w := range writers {
		wg.Go(func() {
			stream := fmt.Sprintf("fund-%d", w)
			expected := domain.ExpectNoStream
			for next.Add(1) <= int64(b.N) {
				id, err := uuid.NewV7()
				if err != nil {
					b.Errorf("NewV7: %v", err)
					return
				}
				res, err := s.Append(context.Background(), stream, expected, []domain.NewEvent{{
					ID: id, Type: "DonationReceived", Data: data, Metadata: meta,
				}})
				if err != nil {
					b.Errorf("Append: %v", err)
					return
				}
				expected = domain.ExpectRevision(res.NextRevision)
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	st := s.Stats()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "events/s")
	if st.BatchesCommitted > 0 {
		b.ReportMetric(float64(st.AppendsCommitted)/float64(st.BatchesCommitted), "appends/batch")
	}
}
