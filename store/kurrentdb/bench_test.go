package kurrentdb_test

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/store/embedded"
	"github.com/welfare-ledger/welfare-ledger/store/kurrentdb/kdbtest"
)

// Shape of BenchmarkAdapterVsEmbedded: writers concurrent writers, each
// appending appendsPerWriter single-event appends to its own stream (64 HTTP
// clients recording donations, scaled down), then one replay of the whole
// log in pages of MaxReadBatch (a start of the projections).
const (
	benchWriters          = 16
	benchAppendsPerWriter = 250
)

// BenchmarkAdapterVsEmbedded runs the same appends and the same replay
// through this adapter against the in-process test server and through the
// embedded store on a temporary file, in one run, and reports both rates and
// their ratio. The test server keeps its log in memory and answers on
// loopback, so the figure is the adapter's own cost (claims, the read-back,
// gRPC and protobuf through the client library), not a real server's: a
// KurrentDB node adds its own disk and, in a cluster, a quorum round trip.
//
//	go test ./store/kurrentdb -run '^$' -bench AdapterVsEmbedded -benchtime 1x
func BenchmarkAdapterVsEmbedded(b *testing.B) {
	srv := startServer(b, kdbtest.Options{SystemEvents: true})
	for range b.N {
		kdb := open(b, srv.URI())
		emb, err := embedded.Open(filepath.Join(b.TempDir(), "ledger.db"))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { emb.Close() })
		kAppend, kReplay := appendAndReplay(b, kdb)
		eAppend, eReplay := appendAndReplay(b, emb)
		b.ReportMetric(kAppend, "kurrentdb_appends/s")
		b.ReportMetric(eAppend, "embedded_appends/s")
		b.ReportMetric(eAppend/kAppend, "append_ratio")
		b.ReportMetric(kReplay, "kurrentdb_replay_events/s")
		b.ReportMetric(eReplay, "embedded_replay_events/s")
		b.ReportMetric(eReplay/kReplay, "replay_ratio")
	}
}

// appendAndReplay runs the workload on s and returns appends per second and
// replayed events per second.
func appendAndReplay(b *testing.B, s domain.EventStore) (float64, float64) {
	b.Helper()
	data := []byte(`{"amount":"500000","donor":{"kind":"member","name":"Công đoàn cơ sở"}}`)
	prefix := uuid.NewString()
	start := time.Now()
	var wg sync.WaitGroup
	for w := range benchWriters {
		wg.Go(func() {
			stream := fmt.Sprintf("fund-%s-%d", prefix, w)
			expected := domain.ExpectNoStream
			for range benchAppendsPerWriter {
				id := uuid.Must(uuid.NewV7())
				res, err := s.Append(context.Background(), stream, expected, []domain.NewEvent{{
					ID: id, Type: "DonationReceived", Data: data, Metadata: fmt.Appendf(nil, `{"event_id":%q}`, id),
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
	appends := float64(benchWriters*benchAppendsPerWriter) / time.Since(start).Seconds()

	start = time.Now()
	n := len(ledgerEvents(b, s))
	replay := float64(n) / time.Since(start).Seconds()
	if n < benchWriters*benchAppendsPerWriter {
		b.Fatalf("replay read %d events, want at least %d", n, benchWriters*benchAppendsPerWriter)
	}
	return appends, replay
}
