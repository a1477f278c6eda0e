package storetest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// waitLimit bounds every wait of the suite on the store (a subscription's
// Next, a blocked goroutine), so that a broken backend fails a test instead
// of hanging the whole run until go test's global timeout.
const waitLimit = 10 * time.Second

// contractTest is one clause of the contract, run against a fresh store.
type contractTest struct {
	name string
	run  func(t *testing.T, s domain.EventStore)
}

// capabilityTest is a clause of the contract that tests a Capability: a
// backend that declares it lacks it (Run's lacks) skips the clause, by
// that name.
type capabilityTest struct {
	contractTest
	needs Capability
}

// Capability names a clause of the contract that a backend under
// construction may declare it does not keep yet, so that the rest of the
// suite runs meanwhile. Every backend the service ships lacks none.
type Capability string

// ChainLinkOnAppend: Append refuses with domain.ErrChainBroken, writing
// nothing, an append that does not link to the stream's stored tail
// (domain.CheckAppendLink), checked atomically with the expected revision.
const ChainLinkOnAppend Capability = "chain-link-on-append"

// Run runs the contract suite. open must return a fresh, empty store each
// time it is called; the suite closes every store it opens (Close must be
// idempotent, so open may register its own cleanup too). lacks lists the
// capabilities the backend declares it does not have yet: their clauses
// are skipped, and say so.
func Run(t *testing.T, open func(t *testing.T) domain.EventStore, lacks ...Capability) {
	t.Helper()
	var tests []contractTest
	tests = append(tests, appendTests...)
	tests = append(tests, concurrencyTests...)
	tests = append(tests, readTests...)
	tests = append(tests, subscribeTests...)
	tests = append(tests, limitTests...)
	tests = append(tests, lifecycleTests...)
	tests = append(tests, pipelineTests...)
	for _, tc := range chainTests {
		tests = append(tests, contractTest{tc.name, func(t *testing.T, s domain.EventStore) {
			if slices.Contains(lacks, tc.needs) {
				t.Skipf("the backend declares it lacks the capability %q", tc.needs)
			}
			tc.run(t, s)
		}})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("Close() = %v, want nil", err)
				}
			})
			tc.run(t, s)
		})
	}
}

// newStream returns a stream name no other test uses, shaped like the
// ledger's own stream names so that a backend filtering by prefix sees it.
func newStream(t *testing.T) string {
	t.Helper()
	return "fund-" + newID(t).String()
}

// newID returns a fresh time-ordered event id, as the ledger generates them.
func newID(t *testing.T) uuid.UUID {
	t.Helper()
	id, err := uuid.NewV7()
	if err != nil {
		t.Fatalf("uuid.NewV7() error: %v", err)
	}
	return id
}

// newEvent returns a valid event whose data and metadata are small JSON
// objects that differ from event to event.
func newEvent(t *testing.T, n int) domain.NewEvent {
	t.Helper()
	id := newID(t)
	return domain.NewEvent{
		ID:       id,
		Type:     "DonationReceived",
		Data:     fmt.Appendf(nil, `{"n":%d,"amount":"%d"}`, n, 1000*n),
		Metadata: fmt.Appendf(nil, `{"event_id":%q,"schema":1}`, id),
	}
}

// newEvents returns count valid events numbered from 0.
func newEvents(t *testing.T, count int) []domain.NewEvent {
	t.Helper()
	events := make([]domain.NewEvent, count)
	for i := range events {
		events[i] = newEvent(t, i)
	}
	return events
}

// mustAppend appends and fails the test on error.
func mustAppend(t *testing.T, s domain.EventStore, stream string, expected domain.ExpectedRevision, events []domain.NewEvent) domain.AppendResult {
	t.Helper()
	res, err := s.Append(context.Background(), stream, expected, events)
	if err != nil {
		t.Fatalf("Append(%s, expected %d, %d events) error: %v", stream, expected, len(events), err)
	}
	return res
}

// appendErr appends events that must be refused with want.
func appendErr(t *testing.T, s domain.EventStore, stream string, expected domain.ExpectedRevision, events []domain.NewEvent, want error) {
	t.Helper()
	res, err := s.Append(context.Background(), stream, expected, events)
	if !errors.Is(err, want) {
		t.Fatalf("Append(%s, expected %d, %d events) = %+v, %v; want error %v", stream, expected, len(events), res, err, want)
	}
}

// readAll reads the whole log in pages of MaxReadBatch.
func readAll(t *testing.T, s domain.EventStore) []domain.StoredEvent {
	t.Helper()
	return readAllPaged(t, s, domain.MaxReadBatch)
}

// readAllPaged reads the whole log in pages of size page, each page starting
// after the last position of the previous one, and checks the global order.
func readAllPaged(t *testing.T, s domain.EventStore, page int) []domain.StoredEvent {
	t.Helper()
	var all []domain.StoredEvent
	var after domain.Position
	for {
		events, err := s.ReadAll(context.Background(), after, page)
		if err != nil {
			t.Fatalf("ReadAll(after %d, max %d) error: %v", after, page, err)
		}
		if len(events) > page {
			t.Fatalf("ReadAll(after %d, max %d) returned %d events, want at most %d", after, page, len(events), page)
		}
		if len(events) == 0 {
			break
		}
		if events[0].Position <= after {
			t.Fatalf("ReadAll(after %d) first position = %d, want > %d", after, events[0].Position, after)
		}
		all = append(all, events...)
		after = events[len(events)-1].Position
	}
	checkLogOrder(t, all)
	return all
}

// readStream reads a whole stream in pages of MaxReadBatch and checks that
// its revisions are 0..n-1 in order.
func readStream(t *testing.T, s domain.EventStore, stream string) []domain.StoredEvent {
	t.Helper()
	var all []domain.StoredEvent
	for {
		from := uint64(len(all))
		events, err := s.ReadStream(context.Background(), stream, from, domain.MaxReadBatch)
		if err != nil {
			t.Fatalf("ReadStream(%s, from %d) error: %v", stream, from, err)
		}
		if len(events) == 0 {
			break
		}
		all = append(all, events...)
	}
	for i, e := range all {
		if e.Revision != uint64(i) || e.Stream != stream {
			t.Fatalf("ReadStream(%s) event %d = (stream %s, revision %d), want (%s, %d)", stream, i, e.Stream, e.Revision, stream, i)
		}
	}
	checkLogOrder(t, all)
	return all
}

// logLen returns the number of events in the log.
func logLen(t *testing.T, s domain.EventStore) int {
	t.Helper()
	return len(readAll(t, s))
}

// checkLogOrder checks that positions grow strictly, which also rules out
// an event delivered twice.
func checkLogOrder(t *testing.T, events []domain.StoredEvent) {
	t.Helper()
	for i := 1; i < len(events); i++ {
		if events[i].Position <= events[i-1].Position {
			t.Fatalf("event %d has position %d after position %d, want strictly increasing", i, events[i].Position, events[i-1].Position)
		}
	}
}

// checkStored checks that got is want as appended to stream at revision.
func checkStored(t *testing.T, got domain.StoredEvent, stream string, revision uint64, want domain.NewEvent) {
	t.Helper()
	if got.Stream != stream || got.Revision != revision {
		t.Errorf("event %s: (stream, revision) = (%s, %d), want (%s, %d)", want.ID, got.Stream, got.Revision, stream, revision)
	}
	if got.ID != want.ID {
		t.Errorf("event at %s/%d: ID = %s, want %s", stream, revision, got.ID, want.ID)
	}
	if got.Type != want.Type {
		t.Errorf("event %s: Type = %q, want %q", want.ID, got.Type, want.Type)
	}
	if !bytes.Equal(got.Data, want.Data) {
		t.Errorf("event %s: Data = %q, want %q", want.ID, got.Data, want.Data)
	}
	if !bytes.Equal(got.Metadata, want.Metadata) {
		t.Errorf("event %s: Metadata = %q, want %q", want.ID, got.Metadata, want.Metadata)
	}
	if got.Position == 0 {
		t.Errorf("event %s: Position = 0, want > 0", want.ID)
	}
}

// checkSame checks that two reads of the log agree event for event.
func checkSame(t *testing.T, what string, got, want []domain.StoredEvent) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d events, want %d", what, len(got), len(want))
	}
	for i := range got {
		g, w := got[i], want[i]
		if g.Position != w.Position || g.ID != w.ID || g.Stream != w.Stream || g.Revision != w.Revision ||
			g.Type != w.Type || !bytes.Equal(g.Data, w.Data) || !bytes.Equal(g.Metadata, w.Metadata) {
			t.Fatalf("%s: event %d = %s, want %s", what, i, describe(g), describe(w))
		}
	}
}

// describe formats a stored event for failure messages.
func describe(e domain.StoredEvent) string {
	return fmt.Sprintf("{pos %d %s/%d id %s type %s data %s meta %s}", e.Position, e.Stream, e.Revision, e.ID, e.Type, e.Data, e.Metadata)
}

// nextWithin calls sub.Next with a deadline of waitLimit.
func nextWithin(t *testing.T, sub domain.Subscription) []domain.StoredEvent {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	events, err := sub.Next(ctx)
	if err != nil {
		t.Fatalf("Subscription.Next() error: %v", err)
	}
	if len(events) == 0 {
		t.Fatalf("Subscription.Next() returned no events and no error, want at least one event")
	}
	if len(events) > domain.MaxReadBatch {
		t.Fatalf("Subscription.Next() returned %d events, want at most %d", len(events), domain.MaxReadBatch)
	}
	return events
}

// errWithin runs f in a goroutine and returns its error, failing the test if
// f has not returned within waitLimit.
func errWithin(t *testing.T, what string, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(waitLimit):
		t.Fatalf("%s did not return within %v", what, waitLimit)
		return nil
	}
}
