package kurrentdb_test

import (
	"context"
	"os"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/store/kurrentdb"
	"github.com/welfare-ledger/welfare-ledger/store/kurrentdb/kdbtest"
	"github.com/welfare-ledger/welfare-ledger/store/storetest"
)

// startServer starts a test server for the test and stops it at its end.
func startServer(t testing.TB, opts kdbtest.Options) *kdbtest.Server {
	t.Helper()
	srv, err := kdbtest.Start(opts)
	if err != nil {
		t.Fatalf("kdbtest.Start: %v", err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// open opens a Store on uri and closes it at the end of the test.
func open(t testing.TB, uri string) *kurrentdb.Store {
	t.Helper()
	s, err := kurrentdb.Open(context.Background(), uri, kurrentdb.Options{})
	if err != nil {
		t.Fatalf("Open(%s): %v", kurrentdb.Redact(uri), err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// TestContract runs the whole store contract against the test server, with
// the server's own system events interleaved in $all so that the filtering
// and the non-contiguous positions are exercised on every clause.
func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) domain.EventStore {
		return open(t, startServer(t, kdbtest.Options{SystemEvents: true}).URI())
	})
}

// TestContractLive runs the contract against a real KurrentDB server when
// KURRENTDB_URL names one (a server nobody else writes to while it runs).
// Each clause sees the log as if it were empty: a view that starts after
// the log's end at the clause's start.
func TestContractLive(t *testing.T) {
	uri := os.Getenv("KURRENTDB_URL")
	if uri == "" {
		t.Skip("KURRENTDB_URL is not set: no live KurrentDB server to run the contract against (TestContract runs it against the test server)")
	}
	storetest.Run(t, func(t *testing.T) domain.EventStore {
		s := open(t, uri)
		return &freshView{Store: s, base: endOfLog(t, s)}
	})
}

// freshView is a Store that shows only the events after base.
type freshView struct {
	*kurrentdb.Store
	base domain.Position
}

func (v *freshView) ReadAll(ctx context.Context, after domain.Position, limit int) ([]domain.StoredEvent, error) {
	return v.Store.ReadAll(ctx, max(after, v.base), limit)
}

func (v *freshView) Subscribe(ctx context.Context, after domain.Position) (domain.Subscription, error) {
	return v.Store.Subscribe(ctx, max(after, v.base))
}

// endOfLog returns the position of the last ledger event in s.
func endOfLog(t *testing.T, s *kurrentdb.Store) domain.Position {
	t.Helper()
	var end domain.Position
	for {
		events, err := s.ReadAll(context.Background(), end, domain.MaxReadBatch)
		if err != nil {
			t.Fatalf("ReadAll(after %d): %v", end, err)
		}
		if len(events) == 0 {
			return end
		}
		end = events[len(events)-1].Position
	}
}
