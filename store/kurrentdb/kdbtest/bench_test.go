package kdbtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"testing"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
)

// The benchmarks measure the test server with the real client on one
// machine: the cost an adapter benchmark against kdbtest includes, not a
// real KurrentDB's speed.

func benchClient(b *testing.B) (*Server, *esdb.Client) {
	b.Helper()
	s, err := Start(Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(s.Close)
	config, err := esdb.ParseConnectionString(s.URI())
	if err != nil {
		b.Fatal(err)
	}
	config.Logger = func(esdb.LogLevel, string, ...interface{}) {}
	client, err := esdb.NewClient(config)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { client.Close() })
	return s, client
}

// BenchmarkAppend: one event per append, exact expected revision.
func BenchmarkAppend(b *testing.B) {
	_, client := benchClient(b)
	ctx := context.Background()
	var expected esdb.ExpectedRevision = esdb.NoStream{}
	for i := 0; b.Loop(); i++ {
		if _, err := client.AppendToStream(ctx, "fund-bench", esdb.AppendToStreamOptions{ExpectedRevision: expected},
			event("DonationReceived", `{"amount":"100000","currency":"VND"}`)); err != nil {
			b.Fatal(err)
		}
		expected = esdb.Revision(uint64(i))
	}
}

// BenchmarkAppendParallel: one event per append on many streams at once.
func BenchmarkAppendParallel(b *testing.B) {
	_, client := benchClient(b)
	var stream atomic.Int64
	b.RunParallel(func(pb *testing.PB) {
		name := fmt.Sprintf("fund-%d", stream.Add(1))
		var expected esdb.ExpectedRevision = esdb.NoStream{}
		for i := uint64(0); pb.Next(); i++ {
			if _, err := client.AppendToStream(context.Background(), name, esdb.AppendToStreamOptions{ExpectedRevision: expected},
				event("DonationReceived", `{"amount":"100000","currency":"VND"}`)); err != nil {
				b.Error(err)
				return
			}
			expected = esdb.Revision(i)
		}
	})
}

// BenchmarkReadAll: events per second of a forward $all read.
func BenchmarkReadAll(b *testing.B) {
	_, client := benchClient(b)
	const n = 10_000
	for i := range n / 100 {
		if _, err := client.AppendToStream(context.Background(), fmt.Sprintf("fund-%d", i), esdb.AppendToStreamOptions{ExpectedRevision: esdb.NoStream{}},
			events(100, "DonationReceived")...); err != nil {
			b.Fatal(err)
		}
	}
	for b.Loop() {
		read, err := client.ReadAll(context.Background(), esdb.ReadAllOptions{From: esdb.Start{}}, n)
		if err != nil {
			b.Fatal(err)
		}
		got := 0
		for {
			_, err := read.Recv()
			if errors.Is(err, io.EOF) {
				break
			}
			if err != nil {
				b.Fatal(err)
			}
			got++
		}
		read.Close()
		if got != n {
			b.Fatalf("read %d events, want %d", got, n)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "events/s")
}
