package storetest

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// subscribeTests: the live feed projections are built from.
var subscribeTests = []contractTest{
	{"SubscribeCatchUpAndLive", testSubscribeCatchUpAndLive},
	{"SubscribeAfterPosition", testSubscribeAfterPosition},
	{"SubscribeContext", testSubscribeContext},
	{"SubscriptionClose", testSubscriptionClose},
	{"SubscriptionStoreClose", testSubscriptionStoreClose},
}

// blockedFor is how long a test lets a goroutine block in Next before it
// closes or cancels something under it. The test is correct even if the
// goroutine has not blocked yet; the pause only makes the interesting
// interleaving likely.
const blockedFor = 50 * time.Millisecond

// subscribe subscribes and closes the subscription at the end of the test.
func subscribe(t *testing.T, s domain.EventStore, ctx context.Context, after domain.Position) domain.Subscription {
	t.Helper()
	sub, err := s.Subscribe(ctx, after)
	if err != nil {
		t.Fatalf("Subscribe(after %d) error: %v", after, err)
	}
	t.Cleanup(func() { sub.Close() })
	return sub
}

// testSubscribeCatchUpAndLive: a subscription from the start delivers the
// events already stored, then the events appended while it catches up and
// after, in log order, without gaps or duplicates.
func testSubscribeCatchUpAndLive(t *testing.T, s domain.EventStore) {
	streams := []string{newStream(t), newStream(t), newStream(t), newStream(t)}
	revisions := make([]domain.ExpectedRevision, len(streams))
	for i := range revisions {
		revisions[i] = domain.ExpectNoStream
	}
	for i := range 10 {
		w := i % 2
		res := mustAppend(t, s, streams[w], revisions[w], newEvents(t, 3))
		revisions[w] = domain.ExpectRevision(res.NextRevision)
	}

	// Made up front: t.Fatal must not be called from the appender goroutine.
	const liveAppends = 60
	live := make([][]domain.NewEvent, liveAppends)
	for i := range live {
		live[i] = newEvents(t, 1+i%5)
	}
	marker := live[liveAppends-1][len(live[liveAppends-1])-1]

	sub := subscribe(t, s, context.Background(), 0)
	appended := make(chan struct{})
	go func() {
		defer close(appended)
		for i, events := range live {
			w := i % len(streams)
			res, err := s.Append(context.Background(), streams[w], revisions[w], events)
			if err != nil {
				t.Errorf("live append %d: %v", i, err)
				return
			}
			revisions[w] = domain.ExpectRevision(res.NextRevision)
		}
	}()

	var delivered []domain.StoredEvent
	for done := false; !done; {
		select {
		case <-appended:
			if t.Failed() {
				t.FailNow()
			}
		default:
		}
		events := nextWithin(t, sub)
		delivered = append(delivered, events...)
		done = events[len(events)-1].ID == marker.ID
	}
	<-appended
	checkSame(t, "delivered by the subscription", delivered, readAll(t, s))

	// After an idle moment the subscription still follows the log.
	late := newEvents(t, 2)
	mustAppend(t, s, newStream(t), domain.ExpectNoStream, late)
	var got []domain.StoredEvent
	for len(got) < len(late) {
		got = append(got, nextWithin(t, sub)...)
	}
	if len(got) != len(late) || got[0].ID != late[0].ID || got[1].ID != late[1].ID {
		t.Fatalf("after idling the subscription delivered %d events, want exactly the 2 appended", len(got))
	}
}

// testSubscribeAfterPosition: a subscription starts right after the given
// position, also when that is the end of the log.
func testSubscribeAfterPosition(t *testing.T, s domain.EventStore) {
	stream := newStream(t)
	mustAppend(t, s, stream, domain.ExpectNoStream, newEvents(t, 20))
	all := readAll(t, s)

	sub := subscribe(t, s, context.Background(), all[9].Position)
	var got []domain.StoredEvent
	for len(got) < 10 {
		got = append(got, nextWithin(t, sub)...)
	}
	checkSame(t, "subscription after the 10th event", got, all[10:])

	end := all[len(all)-1].Position
	tail := subscribe(t, s, context.Background(), end)
	ctx, cancel := context.WithTimeout(context.Background(), blockedFor)
	defer cancel()
	if events, err := tail.Next(ctx); err == nil {
		t.Fatalf("Next on a subscription at the end of the log = %d events, want to block until the deadline", len(events))
	}
	next := newEvents(t, 1)
	mustAppend(t, s, stream, domain.ExpectRevision(19), next)
	events := nextWithin(t, tail)
	if len(events) != 1 || events[0].ID != next[0].ID || events[0].Position <= end {
		t.Fatalf("subscription at the end delivered %d events, want exactly the one appended after position %d", len(events), end)
	}
}

// testSubscribeContext: Next gives up when its ctx is done, and the whole
// subscription ends when the ctx passed to Subscribe is done.
func testSubscribeContext(t *testing.T, s domain.EventStore) {
	mustAppend(t, s, newStream(t), domain.ExpectNoStream, newEvents(t, 1))
	sub := subscribe(t, s, context.Background(), 0)
	nextWithin(t, sub) // caught up from here on

	t.Run("cancelled while waiting", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(blockedFor, cancel)
		err := errWithin(t, "Next", func() error { _, err := sub.Next(ctx); return err })
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Next(cancelled while waiting) error = %v, want %v", err, context.Canceled)
		}
	})
	t.Run("cancelled before", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		err := errWithin(t, "Next", func() error { _, err := sub.Next(ctx); return err })
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Next(cancelled ctx) error = %v, want %v", err, context.Canceled)
		}
	})
	t.Run("subscription still usable", func(t *testing.T) {
		next := newEvents(t, 1)
		mustAppend(t, s, newStream(t), domain.ExpectNoStream, next)
		if events := nextWithin(t, sub); len(events) != 1 || events[0].ID != next[0].ID {
			t.Fatalf("Next after cancelled calls delivered %d events, want exactly the new one", len(events))
		}
	})
	t.Run("Subscribe ctx done", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		bounded := subscribe(t, s, ctx, 0)
		nextWithin(t, bounded)
		// Caught up first: a backend that receives asynchronously may
		// hand the events after 0 over in more than one Next, and the
		// case is a Next blocked on a caught-up subscription.
		for {
			short, stop := context.WithTimeout(context.Background(), blockedFor)
			_, err := bounded.Next(short)
			stop()
			if errors.Is(err, context.DeadlineExceeded) {
				break
			}
			if err != nil {
				t.Fatalf("Next while catching up: %v", err)
			}
		}
		time.AfterFunc(blockedFor, cancel)
		err := errWithin(t, "Next", func() error { _, err := bounded.Next(context.Background()); return err })
		if err == nil {
			t.Fatalf("Next after the Subscribe ctx was cancelled: nil error, want an error")
		}
	})
}

// testSubscriptionClose: closing a subscription ends a Next blocked on it.
func testSubscriptionClose(t *testing.T, s domain.EventStore) {
	sub := subscribe(t, s, context.Background(), 0)
	time.AfterFunc(blockedFor, func() { sub.Close() })
	err := errWithin(t, "Next", func() error { _, err := sub.Next(context.Background()); return err })
	if !errors.Is(err, domain.ErrStoreClosed) {
		t.Fatalf("Next on a closed subscription: error %v, want %v", err, domain.ErrStoreClosed)
	}
	mustAppend(t, s, newStream(t), domain.ExpectNoStream, newEvents(t, 1))
	if _, err := sub.Next(context.Background()); !errors.Is(err, domain.ErrStoreClosed) {
		t.Fatalf("Next after Close: error %v, want %v", err, domain.ErrStoreClosed)
	}
	sub.Close() // a second Close must not panic
}

// testSubscriptionStoreClose: closing the store ends a Next blocked on one
// of its subscriptions.
func testSubscriptionStoreClose(t *testing.T, s domain.EventStore) {
	sub := subscribe(t, s, context.Background(), 0)
	time.AfterFunc(blockedFor, func() { s.Close() })
	err := errWithin(t, "Next", func() error { _, err := sub.Next(context.Background()); return err })
	if !errors.Is(err, domain.ErrStoreClosed) {
		t.Fatalf("Next while the store closes: error %v, want %v", err, domain.ErrStoreClosed)
	}
	if _, err := s.Subscribe(context.Background(), 0); err == nil {
		t.Fatalf("Subscribe after Close: nil error, want an error")
	}
}
