package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// pipelineTests: the optional domain.PipelinedStore, run only against a
// backend that implements it.
var pipelineTests = []contractTest{
	{"PipelineInOrder", pipelined(testPipelineInOrder)},
	{"PipelineStopsAtFailure", pipelined(testPipelineStopsAtFailure)},
	{"PipelineStopsAtDuplicate", pipelined(testPipelineStopsAtDuplicate)},
	{"PipelineManyStreams", pipelined(testPipelineManyStreams)},
	{"PipelineClose", pipelined(testPipelineClose)},
}

// pipelined adapts a pipeline test to the suite: a backend without
// AppendAfter skips it.
func pipelined(run func(t *testing.T, s domain.PipelinedStore)) func(t *testing.T, s domain.EventStore) {
	return func(t *testing.T, s domain.EventStore) {
		p, ok := s.(domain.PipelinedStore)
		if !ok {
			t.Skip("the backend has no AppendAfter")
		}
		run(t, p)
	}
}

// result waits for a pending append, failing the test if it never ends.
func result(t *testing.T, p domain.PendingAppend) (domain.AppendResult, error) {
	t.Helper()
	select {
	case <-p.Done():
	case <-time.After(waitLimit):
		t.Fatalf("pending append not done after %s", waitLimit)
	}
	return p.Result()
}

// appendAfter queues an append and fails the test if it is not queued.
func appendAfter(t *testing.T, s domain.PipelinedStore, stream string, expected domain.ExpectedRevision, events []domain.NewEvent, after domain.PendingAppend) domain.PendingAppend {
	t.Helper()
	p, err := s.AppendAfter(context.Background(), stream, expected, events, after)
	if err != nil {
		t.Fatalf("AppendAfter(%s, expected %d) error: %v", stream, expected, err)
	}
	return p
}

// testPipelineInOrder: appends queued one behind the other, each expecting
// the revision the previous one leads to, all land, in order, with the
// results Append would give.
func testPipelineInOrder(t *testing.T, s domain.PipelinedStore) {
	stream := newStream(t)
	var (
		pending []domain.PendingAppend
		want    []domain.NewEvent
		prev    domain.PendingAppend
	)
	expected := domain.ExpectNoStream
	for i := range 60 {
		events := newEvents(t, 1+i%3)
		prev = appendAfter(t, s, stream, expected, events, prev)
		pending = append(pending, prev)
		want = append(want, events...)
		expected = domain.ExpectRevision(uint64(len(want) - 1))
	}
	stored := readStreamAfter(t, s, pending[len(pending)-1], stream)
	if len(stored) != len(want) {
		t.Fatalf("stream has %d events, want %d", len(stored), len(want))
	}
	for i, e := range stored {
		checkStored(t, e, stream, uint64(i), want[i])
	}
	rev := 0
	for i, p := range pending {
		res, err := result(t, p)
		if err != nil {
			t.Fatalf("pending append %d: %v", i, err)
		}
		n := 1 + i%3
		if res.FirstPosition != stored[rev].Position || res.LastPosition != stored[rev+n-1].Position || res.NextRevision != uint64(rev+n-1) {
			t.Fatalf("pending append %d = %+v, want positions %d..%d, next revision %d", i, res, stored[rev].Position, stored[rev+n-1].Position, rev+n-1)
		}
		rev += n
	}
}

// readStreamAfter waits for last and reads the stream.
func readStreamAfter(t *testing.T, s domain.PipelinedStore, last domain.PendingAppend, stream string) []domain.StoredEvent {
	t.Helper()
	if _, err := result(t, last); err != nil {
		t.Fatalf("last pending append: %v", err)
	}
	return readStream(t, s, stream)
}

// testPipelineStopsAtFailure: once an append of a pipeline is refused, every
// append queued behind it is refused with ErrPredecessorFailed — even one
// whose expected revision happens to match the stream, which would otherwise
// be written on top of events it was not decided on.
func testPipelineStopsAtFailure(t *testing.T, s domain.PipelinedStore) {
	stream := newStream(t)
	mustAppend(t, s, stream, domain.ExpectNoStream, newEvents(t, 3)) // revisions 0..2
	bad := appendAfter(t, s, stream, domain.ExpectRevision(7), newEvents(t, 1), nil)
	// Expects revision 2, where the stream really is: only the pipeline
	// rule refuses it.
	matching := appendAfter(t, s, stream, domain.ExpectRevision(2), newEvents(t, 2), bad)
	third := appendAfter(t, s, stream, domain.ExpectRevision(4), newEvents(t, 1), matching)
	if _, err := result(t, bad); !errors.Is(err, domain.ErrWrongExpectedVersion) {
		t.Fatalf("first append: %v, want %v", err, domain.ErrWrongExpectedVersion)
	}
	for name, p := range map[string]domain.PendingAppend{"second": matching, "third": third} {
		res, err := result(t, p)
		if !errors.Is(err, domain.ErrPredecessorFailed) || !errors.Is(err, domain.ErrWrongExpectedVersion) {
			t.Errorf("%s append = %+v, %v; want %v", name, res, err, domain.ErrPredecessorFailed)
		}
	}
	if n := len(readStream(t, s, stream)); n != 3 {
		t.Fatalf("stream has %d events, want the 3 appended before the pipeline", n)
	}
	// A new pipeline on the same stream works.
	p := appendAfter(t, s, stream, domain.ExpectRevision(2), newEvents(t, 1), nil)
	if _, err := result(t, appendAfter(t, s, stream, domain.ExpectRevision(3), newEvents(t, 1), p)); err != nil {
		t.Fatalf("new pipeline: %v", err)
	}
}

// testPipelineStopsAtDuplicate: a predecessor refused for a duplicate event
// id stops its successors too; nothing of them is written.
func testPipelineStopsAtDuplicate(t *testing.T, s domain.PipelinedStore) {
	other := newStream(t)
	taken := newEvents(t, 1)
	mustAppend(t, s, other, domain.ExpectNoStream, taken)

	stream := newStream(t)
	first := appendAfter(t, s, stream, domain.ExpectNoStream, newEvents(t, 1), nil)
	dup := appendAfter(t, s, stream, domain.ExpectRevision(0), []domain.NewEvent{newEvent(t, 1), taken[0]}, first)
	next := appendAfter(t, s, stream, domain.ExpectRevision(2), newEvents(t, 1), dup)
	if _, err := result(t, first); err != nil {
		t.Fatalf("first append: %v", err)
	}
	if _, err := result(t, dup); !errors.Is(err, domain.ErrDuplicateEventID) {
		t.Fatalf("append with a taken id: %v, want %v", err, domain.ErrDuplicateEventID)
	}
	if _, err := result(t, next); !errors.Is(err, domain.ErrPredecessorFailed) {
		t.Fatalf("append behind it: %v, want %v", err, domain.ErrPredecessorFailed)
	}
	if n := len(readStream(t, s, stream)); n != 1 {
		t.Fatalf("stream has %d events, want 1", n)
	}
}

// testPipelineManyStreams: pipelines on several streams at once, from
// concurrent goroutines, beside plain appends, all land in order; the
// global log holds every event once.
func testPipelineManyStreams(t *testing.T, s domain.PipelinedStore) {
	const streams, depth = 8, 40
	var wg sync.WaitGroup
	names := make([]string, streams)
	for i := range names {
		names[i] = newStream(t)
	}
	errs := make(chan error, streams*2)
	for _, stream := range names {
		wg.Go(func() {
			var prev domain.PendingAppend
			for i := range depth {
				expected := domain.ExpectNoStream
				if i > 0 {
					expected = domain.ExpectRevision(uint64(i - 1))
				}
				p, err := s.AppendAfter(context.Background(), stream, expected, newEvents(t, 1), prev)
				if err != nil {
					errs <- err
					return
				}
				prev = p
			}
			if _, err := result(t, prev); err != nil {
				errs <- err
			}
		})
		wg.Go(func() {
			plain := stream + "-plain"
			for i := range depth / 4 {
				expected := domain.ExpectNoStream
				if i > 0 {
					expected = domain.ExpectRevision(uint64(i - 1))
				}
				if _, err := s.Append(context.Background(), plain, expected, newEvents(t, 1)); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, stream := range names {
		got := readStream(t, s, stream)
		if len(got) != depth {
			t.Fatalf("%s has %d events, want %d", stream, len(got), depth)
		}
		for i, e := range got {
			if e.Revision != uint64(i) {
				t.Fatalf("%s event %d has revision %d", stream, i, e.Revision)
			}
		}
	}
	if n := len(readAll(t, s)); n != streams*(depth+depth/4) {
		t.Fatalf("log has %d events, want %d", n, streams*(depth+depth/4))
	}
}

// testPipelineClose: closing the store answers every queued pipelined
// append (written, or refused with ErrStoreClosed — never left pending), and
// AppendAfter on a closed store is refused at once.
func testPipelineClose(t *testing.T, s domain.PipelinedStore) {
	stream := newStream(t)
	var (
		pending []domain.PendingAppend
		prev    domain.PendingAppend
	)
	for i := range 200 {
		expected := domain.ExpectNoStream
		if i > 0 {
			expected = domain.ExpectRevision(uint64(i - 1))
		}
		p, err := s.AppendAfter(context.Background(), stream, expected, newEvents(t, 1), prev)
		if err != nil {
			t.Fatalf("AppendAfter %d: %v", i, err)
		}
		pending = append(pending, p)
		prev = p
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	written, refused := 0, 0
	for i, p := range pending {
		_, err := result(t, p)
		switch {
		case err == nil:
			if refused > 0 {
				t.Fatalf("append %d written after an earlier one was refused", i)
			}
			written++
		case errors.Is(err, domain.ErrStoreClosed), errors.Is(err, domain.ErrPredecessorFailed):
			refused++
		default:
			t.Fatalf("append %d: %v, want nil, %v or %v", i, err, domain.ErrStoreClosed, domain.ErrPredecessorFailed)
		}
	}
	t.Logf("%d written, %d refused by Close", written, refused)
	if _, err := s.AppendAfter(context.Background(), stream, domain.ExpectRevision(uint64(written-1)), newEvents(t, 1), nil); !errors.Is(err, domain.ErrStoreClosed) {
		t.Fatalf("AppendAfter after Close: %v, want %v", err, domain.ErrStoreClosed)
	}
}
