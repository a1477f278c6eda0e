package embedded

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// TestWriterSkipsCancelledRequest: a request whose ctx ended while it was
// queued is never written, even though it reached the writer.
func TestWriterSkipsCancelledRequest(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatalf("Open error: %v", err)
	}
	defer s.Close()

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	id := uuid.Must(uuid.NewV7())
	r := &request{
		ctx:      ctx,
		stream:   "fund-a",
		expected: domain.ExpectNoStream,
		events:   []domain.NewEvent{{ID: id, Type: "DonationReceived", Data: []byte(`{}`), Metadata: []byte(`{}`)}},
		ids:      []string{id.String()},
		done:     make(chan struct{}),
	}
	// Bypass Append, which would refuse the cancelled ctx itself.
	s.requests <- r
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		t.Fatal("the writer did not answer the request")
	}
	if !errors.Is(r.err, context.Canceled) {
		t.Fatalf("request error = %v, want %v", r.err, context.Canceled)
	}
	if got, err := s.ReadAll(context.Background(), 0, 10); err != nil || len(got) != 0 {
		t.Fatalf("ReadAll = %d events, %v; want 0 events", len(got), err)
	}
	if st := s.Stats(); st.AppendsCommitted != 0 {
		t.Fatalf("Stats() = %+v, want nothing committed", st)
	}
}

// TestWriterSkipsAbandonedRequest: a request its Append gave up on is
// skipped without an answer (nobody is waiting for it) and not written.
func TestWriterSkipsAbandonedRequest(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatalf("Open error: %v", err)
	}
	defer s.Close()

	id := uuid.Must(uuid.NewV7())
	r := &request{
		ctx:      context.Background(),
		stream:   "fund-a",
		expected: domain.ExpectNoStream,
		events:   []domain.NewEvent{{ID: id, Type: "DonationReceived", Data: []byte(`{}`), Metadata: []byte(`{}`)}},
		ids:      []string{id.String()},
		done:     make(chan struct{}),
	}
	r.state.Store(abandoned)
	s.requests <- r
	// A normal append behind it proves the writer has passed it.
	if _, err := s.Append(context.Background(), "fund-b", domain.ExpectNoStream, []domain.NewEvent{{
		ID: uuid.Must(uuid.NewV7()), Type: "DonationReceived", Data: []byte(`{}`), Metadata: []byte(`{}`),
	}}); err != nil {
		t.Fatalf("Append error: %v", err)
	}
	select {
	case <-r.done:
		t.Fatal("the writer answered an abandoned request")
	default:
	}
	got, err := s.ReadAll(context.Background(), 0, 10)
	if err != nil || len(got) != 1 || got[0].Stream != "fund-b" {
		t.Fatalf("ReadAll = %d events, %v; want only fund-b's event", len(got), err)
	}
}

// TestBatchIsolation: in one batch, a failing request is rolled back alone
// and later requests of the same batch see the earlier ones.
func TestBatchIsolation(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatalf("Open error: %v", err)
	}
	defer s.Close()
	ev := func() domain.NewEvent {
		return domain.NewEvent{ID: uuid.Must(uuid.NewV7()), Type: "DonationReceived", Data: []byte(`{"n":1}`), Metadata: []byte(`{}`)}
	}
	dup := ev()
	mk := func(stream string, expected domain.ExpectedRevision, events ...domain.NewEvent) *request {
		r := &request{ctx: context.Background(), stream: stream, expected: expected, events: events, done: make(chan struct{})}
		for _, e := range events {
			r.ids = append(r.ids, e.ID.String())
		}
		return r
	}
	batch := []*request{
		mk("fund-a", domain.ExpectNoStream, ev(), dup),       // ok: a/0, a/1
		mk("fund-a", domain.ExpectRevision(1), ev()),         // ok: sees the first request
		mk("fund-b", domain.ExpectNoStream, ev(), ev(), dup), // duplicate: rolled back alone
		mk("fund-a", domain.ExpectRevision(1), ev()),         // stale: a is at 2 now
		mk("fund-b", domain.ExpectNoStream, ev()),            // ok: b is still empty
	}
	// Run the batch directly, as the writer would, so that all five are
	// certainly in one transaction.
	s.commitBatch(batch)
	wantErr := []error{nil, nil, domain.ErrDuplicateEventID, domain.ErrWrongExpectedVersion, nil}
	for i, r := range batch {
		<-r.done
		if !errors.Is(r.err, wantErr[i]) || (wantErr[i] == nil && r.err != nil) {
			t.Errorf("request %d error = %v, want %v", i, r.err, wantErr[i])
		}
	}
	if got := batch[1].result.NextRevision; got != 2 {
		t.Errorf("request 1 NextRevision = %d, want 2", got)
	}
	if st := s.Stats(); st.BatchesCommitted != 1 || st.AppendsCommitted != 3 || st.EventsCommitted != 4 || st.LastBatchSize != 3 {
		t.Errorf("Stats() = %+v, want 1 batch of 3 appends and 4 events", st)
	}
	got, err := s.ReadAll(context.Background(), 0, 10)
	if err != nil {
		t.Fatalf("ReadAll error: %v", err)
	}
	want := []struct {
		stream   string
		revision uint64
	}{{"fund-a", 0}, {"fund-a", 1}, {"fund-a", 2}, {"fund-b", 0}}
	if len(got) != len(want) {
		t.Fatalf("ReadAll: %d events, want %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i].Stream != w.stream || got[i].Revision != w.revision {
			t.Errorf("event %d = %s/%d, want %s/%d", i, got[i].Stream, got[i].Revision, w.stream, w.revision)
		}
		if i > 0 && got[i].Position <= got[i-1].Position {
			t.Errorf("event %d position %d after %d, want increasing", i, got[i].Position, got[i-1].Position)
		}
	}
}
