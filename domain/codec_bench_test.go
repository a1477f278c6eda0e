package domain_test

import (
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/internal/benchlog"
)

// BenchmarkSeal measures encoding one event (payload, metadata and the hash
// chain link), per golden event type.
func BenchmarkSeal(b *testing.B) {
	for _, gc := range goldenCases() {
		b.Run(string(gc.data.EventType()), func(b *testing.B) {
			b.ReportAllocs()
			meta := goldenMeta(goldenTx, "2024-01-15", "ab")
			for b.Loop() {
				if _, _, err := domain.Seal(goldenPrev, gc.data, meta); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecode measures decoding one stored event, per golden event type.
func BenchmarkDecode(b *testing.B) {
	for _, gc := range goldenCases() {
		g := readGolden(b, goldenPath(gc.data.EventType()))
		se := domain.StoredEvent{Stream: gc.stream, ID: gc.meta.EventID, Type: g.Type, Data: g.Data, Metadata: g.Metadata}
		b.Run(g.Type, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := domain.Decode(se); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkDecodeMix measures decoding benchlog's realistic mix of events
// (the replay benchmarks' log), per event.
func BenchmarkDecodeMix(b *testing.B) {
	log, err := benchlog.Generate(10_000)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		if _, err := domain.Decode(log[i%len(log)]); err != nil {
			b.Fatal(err)
		}
		i++
	}
}
