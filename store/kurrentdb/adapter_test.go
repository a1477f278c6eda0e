package kurrentdb_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/store/kurrentdb"
	"github.com/welfare-ledger/welfare-ledger/store/kurrentdb/kdbtest"
)

func event(t testing.TB, data string) domain.NewEvent {
	t.Helper()
	id := uuid.Must(uuid.NewV7())
	return domain.NewEvent{ID: id, Type: "DonationReceived", Data: []byte(data), Metadata: fmt.Appendf(nil, `{"event_id":%q}`, id)}
}

func fundStream() string { return domain.FundStream(uuid.Must(uuid.NewV7())) }

// ledgerEvents reads every ledger event of s.
func ledgerEvents(t testing.TB, s domain.EventStore) []domain.StoredEvent {
	t.Helper()
	var all []domain.StoredEvent
	var after domain.Position
	for {
		batch, err := s.ReadAll(context.Background(), after, domain.MaxReadBatch)
		if err != nil {
			t.Fatalf("ReadAll(after %d): %v", after, err)
		}
		if len(batch) == 0 {
			return all
		}
		all = append(all, batch...)
		after = batch[len(batch)-1].Position
	}
}

// TestTwoInstancesDuplicateEventID: one event id raced into different
// streams through two stores (two API instances) on one server lands in
// exactly one of them; every other writer is refused with
// ErrDuplicateEventID or, while the winner's append is in flight,
// ErrWrongExpectedVersion.
func TestTwoInstancesDuplicateEventID(t *testing.T) {
	srv := startServer(t, kdbtest.Options{SystemEvents: true})
	stores := []*kurrentdb.Store{open(t, srv.URI()), open(t, srv.URI())}
	for round := range 5 {
		e := event(t, fmt.Sprintf(`{"round":%d}`, round))
		const writers = 10
		errs := make([]error, writers)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i := range writers {
			wg.Go(func() {
				<-start
				_, errs[i] = stores[i%2].Append(context.Background(), fundStream(), domain.ExpectNoStream, []domain.NewEvent{e})
			})
		}
		close(start)
		wg.Wait()
		won := 0
		for i, err := range errs {
			switch {
			case err == nil:
				won++
			case errors.Is(err, domain.ErrDuplicateEventID), errors.Is(err, domain.ErrWrongExpectedVersion):
			default:
				t.Errorf("round %d writer %d: %v, want nil, %v or %v", round, i, err, domain.ErrDuplicateEventID, domain.ErrWrongExpectedVersion)
			}
		}
		if won != 1 {
			t.Fatalf("round %d: %d writers succeeded, want exactly 1", round, won)
		}
		n := 0
		for _, se := range ledgerEvents(t, stores[0]) {
			if se.ID == e.ID {
				n++
			}
		}
		if n != 1 {
			t.Fatalf("round %d: the log holds the id %d times, want once", round, n)
		}
	}
}

// TestAlreadyWritten: the server answers success when the ids of an append
// are already at its revisions; the adapter accepts that only for the same
// bytes (a retry), and reports another writer's different events under the
// same id as a wrong expected version, so the ledger decides again.
func TestAlreadyWritten(t *testing.T) {
	srv := startServer(t, kdbtest.Options{SystemEvents: true})
	a, b := open(t, srv.URI()), open(t, srv.URI())
	stream := fundStream()
	e := event(t, `{"amount":"100"}`)
	first, err := a.Append(context.Background(), stream, domain.ExpectNoStream, []domain.NewEvent{e})
	if err != nil {
		t.Fatalf("first append: %v", err)
	}
	again, err := b.Append(context.Background(), stream, domain.ExpectNoStream, []domain.NewEvent{e})
	if err != nil || again != first {
		t.Fatalf("same append through the other instance = %+v, %v; want %+v, nil", again, err, first)
	}
	other := e
	other.Data = []byte(`{"amount":"999"}`)
	if res, err := b.Append(context.Background(), stream, domain.ExpectNoStream, []domain.NewEvent{other}); !errors.Is(err, domain.ErrWrongExpectedVersion) {
		t.Fatalf("same id, other data = %+v, %v; want %v", res, err, domain.ErrWrongExpectedVersion)
	}
	if got := ledgerEvents(t, a); len(got) != 1 || string(got[0].Data) != `{"amount":"100"}` {
		t.Fatalf("log = %d events, want the first one only", len(got))
	}
}

// TestAppendFaults: a connection that drops before or after the server
// writes is retried once at once (the client reconnects on the next call);
// when it drops again Append fails with ErrStoreUnavailable, and a later
// retry with the same ids writes the events exactly once either way.
func TestAppendFaults(t *testing.T) {
	for _, mode := range []kdbtest.FailMode{kdbtest.FailBeforeWrite, kdbtest.FailAfterWrite} {
		t.Run(mode.String()+"/once", func(t *testing.T) {
			srv := startServer(t, kdbtest.Options{SystemEvents: true})
			s := open(t, srv.URI())
			events := []domain.NewEvent{event(t, `{"n":1}`), event(t, `{"n":2}`)}
			srv.FailAppends(mode, 1)
			if _, err := s.Append(context.Background(), fundStream(), domain.ExpectNoStream, events); err != nil {
				t.Fatalf("Append through one dropped connection: %v, want it retried", err)
			}
			if got := ledgerEvents(t, s); len(got) != 2 || got[0].ID != events[0].ID || got[1].ID != events[1].ID {
				t.Fatalf("log has %d events, want the 2 appended once", len(got))
			}
		})
		t.Run(mode.String()+"/again", func(t *testing.T) {
			srv := startServer(t, kdbtest.Options{SystemEvents: true})
			s := open(t, srv.URI())
			stream := fundStream()
			events := []domain.NewEvent{event(t, `{"n":1}`), event(t, `{"n":2}`)}
			// Each call meets two drops (its try and its retry): the first
			// calls meet them on the claims, the last on the append.
			for range len(events) + 1 {
				srv.FailAppends(mode, 2)
				_, err := s.Append(context.Background(), stream, domain.ExpectNoStream, events)
				if !errors.Is(err, domain.ErrStoreUnavailable) {
					t.Fatalf("Append with a dropped connection: %v, want %v", err, domain.ErrStoreUnavailable)
				}
			}
			res, err := s.Append(context.Background(), stream, domain.ExpectNoStream, events)
			if err != nil {
				t.Fatalf("retry: %v", err)
			}
			got := ledgerEvents(t, s)
			if len(got) != 2 || got[0].ID != events[0].ID || got[1].ID != events[1].ID {
				t.Fatalf("log has %d events, want the 2 appended once", len(got))
			}
			if res.FirstPosition != got[0].Position || res.LastPosition != got[1].Position || res.NextRevision != 1 {
				t.Fatalf("retry result %+v, log positions %d, %d", res, got[0].Position, got[1].Position)
			}
		})
	}
}

// TestStoreGoesAway: with the server down, appends and reads fail fast
// with ErrStoreUnavailable; once it is back, appends resume and nothing
// was half-written.
func TestStoreGoesAway(t *testing.T) {
	srv := startServer(t, kdbtest.Options{})
	s, err := kurrentdb.Open(context.Background(), srv.URI(), kurrentdb.Options{CallTimeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	stream := fundStream()
	if _, err := s.Append(context.Background(), stream, domain.ExpectNoStream, []domain.NewEvent{event(t, `{}`)}); err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	start := time.Now()
	e := event(t, `{"n":2}`)
	if _, err := s.Append(context.Background(), stream, domain.ExpectRevision(0), []domain.NewEvent{e}); !errors.Is(err, domain.ErrStoreUnavailable) {
		t.Fatalf("Append with the server down: %v, want %v", err, domain.ErrStoreUnavailable)
	}
	if err := s.Ping(context.Background()); !errors.Is(err, domain.ErrStoreUnavailable) {
		t.Fatalf("Ping with the server down: %v, want %v", err, domain.ErrStoreUnavailable)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("failing took %s, want within the call deadlines", d)
	}
	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := s.Append(context.Background(), stream, domain.ExpectRevision(0), []domain.NewEvent{e})
		if err == nil {
			break
		}
		if !errors.Is(err, domain.ErrStoreUnavailable) || time.Now().After(deadline) {
			t.Fatalf("Append after Restart: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if got := ledgerEvents(t, s); len(got) != 2 {
		t.Fatalf("log has %d events, want 2", len(got))
	}
}

// TestOpenErrors: a wrong scheme, an address where nothing listens and
// wrong credentials each stop Open with a clear, typed error.
func TestOpenErrors(t *testing.T) {
	srv := startServer(t, kdbtest.Options{Username: "admin", Password: "changeit"})
	if _, err := kurrentdb.Open(context.Background(), srv.URI(), kurrentdb.Options{}); err != nil {
		t.Fatalf("Open with the right credentials: %v", err)
	}
	down := startServer(t, kdbtest.Options{})
	downURI := down.URI()
	down.Close()
	for _, c := range []struct {
		name, uri string
		want      error
	}{
		{"wrong scheme", "http://127.0.0.1:2113", kurrentdb.ErrBadURI},
		{"not a URI", "esdb://", kurrentdb.ErrBadURI},
		{"nothing listening", downURI, domain.ErrStoreUnavailable},
		{"wrong password", srv.URIWith("admin", "wrong"), kurrentdb.ErrUnauthenticated},
		{"no credentials", srv.URIWith("", ""), kurrentdb.ErrUnauthenticated},
	} {
		t.Run(c.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			s, err := kurrentdb.Open(ctx, c.uri, kurrentdb.Options{CallTimeout: 2 * time.Second})
			if !errors.Is(err, c.want) {
				if s != nil {
					s.Close()
				}
				t.Fatalf("Open(%s) error = %v, want %v", c.uri, err, c.want)
			}
			if err != nil && containsPassword(err.Error()) {
				t.Errorf("error %q shows a password", err)
			}
		})
	}
}

// containsPassword reports whether an error message shows one of the
// passwords of TestOpenErrors.
func containsPassword(s string) bool {
	return strings.Contains(s, "changeit") || strings.Contains(s, ":wrong@")
}

// TestAppendDeadline: a node that accepts an append and never answers
// makes it fail with ErrStoreUnavailable once the call deadline has passed,
// having written nothing; the same append then succeeds.
func TestAppendDeadline(t *testing.T) {
	srv := startServer(t, kdbtest.Options{})
	const timeout = 500 * time.Millisecond
	s, err := kurrentdb.Open(context.Background(), srv.URI(), kurrentdb.Options{CallTimeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	stream, events := fundStream(), []domain.NewEvent{event(t, `{}`)}
	srv.FailAppends(kdbtest.FailHang, 1)
	start := time.Now()
	_, err = s.Append(context.Background(), stream, domain.ExpectNoStream, events)
	if took := time.Since(start); !errors.Is(err, domain.ErrStoreUnavailable) || took > 4*timeout {
		t.Fatalf("Append to a node that never answers = %v after %s; want %v within %s", err, took, domain.ErrStoreUnavailable, 4*timeout)
	}
	if n := len(ledgerEvents(t, s)); n != 0 {
		t.Fatalf("log has %d events after the unanswered append, want 0", n)
	}
	if _, err := s.Append(context.Background(), stream, domain.ExpectNoStream, events); err != nil {
		t.Fatalf("the same append afterwards: %v", err)
	}
}

// TestReadAllInsideARecord: a ReadAll after an offset where no record
// starts (KurrentDB refuses to read from there) returns the events after
// it, as from the position of the event it falls in — what the projections'
// checkpoint check asks when it reads after position-1.
func TestReadAllInsideARecord(t *testing.T) {
	srv := startServer(t, kdbtest.Options{SystemEvents: true})
	s := open(t, srv.URI())
	stream := fundStream()
	if _, err := s.Append(context.Background(), stream, domain.ExpectNoStream, []domain.NewEvent{event(t, `{"n":1}`), event(t, `{"n":2}`), event(t, `{"n":3}`)}); err != nil {
		t.Fatal(err)
	}
	all := ledgerEvents(t, s)
	for i, e := range all {
		got, err := s.ReadAll(context.Background(), e.Position-1, 10)
		if err != nil {
			t.Fatalf("ReadAll(%d - 1) error: %v", e.Position, err)
		}
		if len(got) != len(all)-i || got[0].ID != e.ID {
			t.Fatalf("ReadAll(%d - 1) = %d events, want the %d from event %d on", e.Position, len(got), len(all)-i, i)
		}
	}
	if got, err := s.ReadAll(context.Background(), all[len(all)-1].Position+1, 10); err != nil || len(got) != 0 {
		t.Fatalf("ReadAll(after the last + 1) = %d events, %v; want none", len(got), err)
	}
}
