package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// lifecycleTests: cancelled contexts and a closed store.
var lifecycleTests = []contractTest{
	{"CancelledContext", testCancelledContext},
	{"Close", testClose},
}

// testCancelledContext: an append with a cancelled ctx is refused with the
// ctx error and writes nothing; reads with a cancelled ctx fail too.
func testCancelledContext(t *testing.T, s domain.EventStore) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	stream := newStream(t)
	events := newEvents(t, 2)
	if res, err := s.Append(ctx, stream, domain.ExpectNoStream, events); !errors.Is(err, context.Canceled) {
		t.Fatalf("Append(cancelled ctx) = %+v, %v; want error %v", res, err, context.Canceled)
	}
	if n := logLen(t, s); n != 0 {
		t.Fatalf("after Append(cancelled ctx) the log has %d events, want 0", n)
	}
	// Nothing was written, so the same append succeeds with a live ctx.
	mustAppend(t, s, stream, domain.ExpectNoStream, events)

	if got, err := s.ReadAll(ctx, 0, 10); err == nil {
		t.Errorf("ReadAll(cancelled ctx) = %d events, nil error; want an error", len(got))
	}
	if got, err := s.ReadStream(ctx, stream, 0, 10); err == nil {
		t.Errorf("ReadStream(cancelled ctx) = %d events, nil error; want an error", len(got))
	}
}

// testClose: a closed store refuses appends with ErrStoreClosed, fails
// reads and subscriptions, and may be closed again.
func testClose(t *testing.T, s domain.EventStore) {
	stream := newStream(t)
	mustAppend(t, s, stream, domain.ExpectNoStream, newEvents(t, 1))
	if err := s.Close(); err != nil {
		t.Fatalf("Close() = %v, want nil", err)
	}
	if res, err := s.Append(context.Background(), stream, domain.ExpectRevision(0), newEvents(t, 1)); !errors.Is(err, domain.ErrStoreClosed) {
		t.Fatalf("Append after Close = %+v, %v; want error %v", res, err, domain.ErrStoreClosed)
	}
	if got, err := s.ReadAll(context.Background(), 0, 10); err == nil {
		t.Errorf("ReadAll after Close = %d events, nil error; want an error", len(got))
	}
	if got, err := s.ReadStream(context.Background(), stream, 0, 10); err == nil {
		t.Errorf("ReadStream after Close = %d events, nil error; want an error", len(got))
	}
	if _, err := s.Subscribe(context.Background(), 0); err == nil {
		t.Errorf("Subscribe after Close: nil error, want an error")
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close() = %v, want nil", err)
	}
}
