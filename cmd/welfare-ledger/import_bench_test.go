package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/internal/benchdata"
	"github.com/welfare-ledger/welfare-ledger/store/embedded"
)

// importBenchEvents is the size of the history BenchmarkImport generates
// when WL_IMPORT_FILE names no export: small, so that it stays fast in
// CI's runs of benchmarks.
const importBenchEvents = 20_000

// BenchmarkImport imports an exported log into a new ledger through the
// import command's pipeline (importLog on the real embedded store) and
// reports events/s; "read" runs the reading side alone (parsing and
// checking every line, no store), the pace the store's side is set
// beside. The log is WL_IMPORT_FILE (an export: issue 14's target is
// 1,000,000 events in < 60 s), or a generated history of
// importBenchEvents events. Figures: docs/performance.md.
func BenchmarkImport(b *testing.B) {
	log := importBenchLog(b)
	events := bytes.Count(log, []byte("\n"))
	b.Run("read", func(b *testing.B) {
		for b.Loop() {
			batches := make(chan checkedBatch, importReadAhead)
			var read atomic.Int64
			go readLines(context.Background(), bytes.NewReader(log), batches, &read)
			n := 0
			for batch := range batches {
				if batch.err != nil {
					if !errors.Is(batch.err, io.EOF) {
						b.Fatal(batch.err)
					}
					break
				}
				n += len(batch.events)
			}
			if n != events {
				b.Fatalf("read %d events, want %d", n, events)
			}
		}
		b.ReportMetric(float64(events*b.N)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("import", func(b *testing.B) {
		for b.Loop() {
			b.StopTimer()
			store, err := embedded.Open(filepath.Join(b.TempDir(), "ledger.db"))
			if err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			n, err := importLog(context.Background(), store, bytes.NewReader(log), int64(len(log)), newProgress(io.Discard, "import"))
			if err != nil || n != events {
				b.Fatalf("import = %d, %v; want %d events", n, err, events)
			}
			b.StopTimer()
			if err := store.Close(); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
		}
		b.ReportMetric(float64(events*b.N)/b.Elapsed().Seconds(), "events/s")
	})
}

// importBenchLog returns the exported log BenchmarkImport imports.
func importBenchLog(b *testing.B) []byte {
	b.Helper()
	if name := os.Getenv("WL_IMPORT_FILE"); name != "" {
		log, err := os.ReadFile(name)
		if err != nil {
			b.Fatal(err)
		}
		return log
	}
	src := b.TempDir()
	store, err := embedded.Open(filepath.Join(src, "ledger.db"))
	if err != nil {
		b.Fatal(err)
	}
	spec := benchdata.DefaultSpec(importBenchEvents)
	spec.MembersPerProvince = 2_000
	_, err = benchdata.Generate(context.Background(), store, spec)
	if cerr := store.Close(); err != nil || cerr != nil {
		b.Fatalf("generate a history: %v, close: %v", err, cerr)
	}
	var out bytes.Buffer
	if err := exportCommand(context.Background(), []string{"--data", src}, func(string) string { return "" }, &out, io.Discard); err != nil {
		b.Fatal(err)
	}
	return out.Bytes()
}
