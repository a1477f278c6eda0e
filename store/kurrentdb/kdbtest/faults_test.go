package kdbtest

import (
	"fmt"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// recvDropped waits for sub to report a drop and returns its error.
func recvDropped(t *testing.T, sub *esdb.Subscription) error {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		for {
			msg := sub.Recv()
			if msg.SubscriptionDropped != nil {
				done <- msg.SubscriptionDropped.Error
				return
			}
		}
	}()
	select {
	case err := <-done:
		return err
	case <-ctxFor(t).Done():
		t.Fatal("the subscription was not dropped")
		return nil
	}
}

func TestDropSubscriptions(t *testing.T) {
	s := startServer(t, Options{})
	client := newClient(t, s.URI())
	all := subscribeAll(t, client, esdb.SubscribeToAllOptions{From: esdb.Start{}, Filter: fundPrefix})
	one, err := client.SubscribeToStream(ctxFor(t), "fund-1", esdb.SubscribeToStreamOptions{From: esdb.Start{}})
	if err != nil {
		t.Fatalf("SubscribeToStream: %v", err)
	}
	defer one.Close()
	waitFor(t, "two subscriptions", func() bool { return s.Subscriptions() == 2 })

	s.DropSubscriptions()
	for name, sub := range map[string]*esdb.Subscription{"$all": all, "stream": one} {
		if err := recvDropped(t, sub); status.Code(err) != codes.Unavailable {
			t.Errorf("%s subscription dropped with %v, want Unavailable", name, err)
		}
	}
	if n := s.Subscriptions(); n != 0 {
		t.Errorf("Subscriptions() = %d after the drop, want 0", n)
	}
	// The connection stayed up: the same client appends and resubscribes.
	evs := events(1, "DonationReceived")
	appendOK(t, client, "fund-1", esdb.NoStream{}, evs...)
	again := subscribeAll(t, client, esdb.SubscribeToAllOptions{From: esdb.Start{}, Filter: fundPrefix})
	if got := collect(t, again, 1, true); !equalIDs(ids(got.events), idsOf(evs)) {
		t.Errorf("resubscribed: %v, want %v", ids(got.events), idsOf(evs))
	}
}

func TestDropConnections(t *testing.T) {
	s := startServer(t, Options{})
	client := newClient(t, s.URI())
	appendOK(t, client, "fund-1", esdb.NoStream{}, events(1, "DonationReceived")...)
	sub := subscribeAll(t, client, esdb.SubscribeToAllOptions{From: esdb.Start{}, Filter: fundPrefix})
	collect(t, sub, 1, true)

	s.DropConnections()
	if err := recvDropped(t, sub); status.Code(err) != codes.Unavailable {
		t.Errorf("subscription dropped with %v, want Unavailable", err)
	}
	// The server still listens: the client reconnects on its next call.
	waitFor(t, "an append after the reconnection", func() bool {
		_, err := client.AppendToStream(ctxFor(t), "fund-2", esdb.AppendToStreamOptions{ExpectedRevision: esdb.Any{}}, events(1, "DonationReceived")...)
		return err == nil
	})
	if got := readStream(t, client, "fund-1", esdb.ReadStreamOptions{From: esdb.Start{}}, 10); len(got) != 1 {
		t.Errorf("fund-1 has %d events after the drop, want 1", len(got))
	}
}

func TestStopRestartKeepsData(t *testing.T) {
	s := startServer(t, Options{})
	uri := s.URI()
	client := newClient(t, uri)
	evs := events(2, "DonationReceived")
	first := appendOK(t, client, "fund-1", esdb.NoStream{}, evs...)
	sub := subscribeAll(t, client, esdb.SubscribeToAllOptions{From: esdb.Start{}, Filter: fundPrefix})
	collect(t, sub, 2, true)

	s.Stop()
	if err := recvDropped(t, sub); status.Code(err) != codes.Unavailable {
		t.Errorf("subscription dropped with %v, want Unavailable", err)
	}
	_, err := client.AppendToStream(ctxFor(t), "fund-1", esdb.AppendToStreamOptions{ExpectedRevision: esdb.Revision(1)}, events(1, "X")...)
	if errorCode(err) != esdb.ErrorUnavailable {
		t.Errorf("append to a stopped server: %v, want ErrorUnavailable", err)
	}

	if err := s.Restart(); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	if s.URI() != uri {
		t.Errorf("URI after Restart = %q, want %q", s.URI(), uri)
	}
	// The same client rediscovers the node on its next call.
	got := readStream(t, client, "fund-1", esdb.ReadStreamOptions{From: esdb.Start{}}, 10)
	if !equalIDs(ids(got), idsOf(evs)) {
		t.Errorf("after Restart: %v, want %v", ids(got), idsOf(evs))
	}
	next := appendOK(t, client, "fund-1", esdb.Revision(1), events(1, "DonationReceived")...)
	if next.CommitPosition <= first.CommitPosition {
		t.Errorf("position after Restart %d, want after %d", next.CommitPosition, first.CommitPosition)
	}
	if err := s.Restart(); err == nil {
		t.Error("Restart of a running server succeeded, want an error")
	}
}

// TestClientClosesAfterFailedDiscovery documents client v4.2.0: once its
// rediscovery fails (MaxDiscoverAttempts), it is closed for good, even
// after the node is back; an adapter must make a new client.
func TestClientClosesAfterFailedDiscovery(t *testing.T) {
	s := startServer(t, Options{})
	client := newClient(t, s.URI()+"&maxDiscoverAttempts=2&discoveryInterval=10")
	appendOK(t, client, "fund-1", esdb.NoStream{}, events(1, "DonationReceived")...)
	s.Stop()
	_, err := client.AppendToStream(ctxFor(t), "fund-1", esdb.AppendToStreamOptions{ExpectedRevision: esdb.Revision(0)}, events(1, "X")...)
	if errorCode(err) != esdb.ErrorUnavailable {
		t.Fatalf("first call to a stopped server: %v, want ErrorUnavailable", err)
	}
	_, err = client.AppendToStream(ctxFor(t), "fund-1", esdb.AppendToStreamOptions{ExpectedRevision: esdb.Revision(0)}, events(1, "X")...)
	if errorCode(err) != esdb.ErrorUnavailable {
		t.Fatalf("second call (failed rediscovery): %v, want ErrorUnavailable", err)
	}
	if err := s.Restart(); err != nil {
		t.Fatalf("Restart: %v", err)
	}
	_, err = client.AppendToStream(ctxFor(t), "fund-1", esdb.AppendToStreamOptions{ExpectedRevision: esdb.Revision(0)}, events(1, "X")...)
	if errorCode(err) != esdb.ErrorCodeConnectionClosed {
		t.Errorf("old client after Restart: %v, want ErrorCodeConnectionClosed", err)
	}
	fresh := newClient(t, s.URI())
	if got := readStream(t, fresh, "fund-1", esdb.ReadStreamOptions{From: esdb.Start{}}, 10); len(got) != 1 {
		t.Errorf("new client reads %d events, want 1", len(got))
	}
}

func TestFailAppends(t *testing.T) {
	tests := []struct {
		mode        FailMode
		wantWritten bool
	}{
		{FailBeforeWrite, false},
		{FailAfterWrite, true},
	}
	for _, tt := range tests {
		t.Run(tt.mode.String(), func(t *testing.T) {
			s := startServer(t, Options{SystemEvents: true})
			client := newClient(t, s.URI())
			appendOK(t, client, "fund-1", esdb.NoStream{}, events(1, "Seed")...)
			evs := events(2, "DonationReceived")

			s.FailAppends(tt.mode, 2)
			for attempt := 1; attempt <= 2; attempt++ {
				_, err := client.AppendToStream(ctxFor(t), "fund-1", esdb.AppendToStreamOptions{ExpectedRevision: esdb.Revision(0)}, evs...)
				if errorCode(err) != esdb.ErrorUnavailable {
					t.Fatalf("append %d with %v: %v, want ErrorUnavailable", attempt, tt.mode, err)
				}
			}
			got := readStream(t, client, "fund-1", esdb.ReadStreamOptions{From: esdb.Start{}}, 10)
			wantLen := 1
			if tt.wantWritten {
				wantLen = 3 // the second failed append was an idempotent retry
			}
			if len(got) != wantLen {
				t.Fatalf("stream has %d events after two %v appends, want %d", len(got), tt.mode, wantLen)
			}
			// The retry with the same ids and expected revision succeeds
			// exactly once, whatever the failure left behind.
			result := appendOK(t, client, "fund-1", esdb.Revision(0), evs...)
			got = readStream(t, client, "fund-1", esdb.ReadStreamOptions{From: esdb.Start{}}, 10)
			if len(got) != 3 || !equalIDs(ids(got[1:]), idsOf(evs)) {
				t.Errorf("after the retry: %v, want the seed then %v", ids(got), idsOf(evs))
			}
			if result.NextExpectedVersion != 2 || result.CommitPosition != got[2].Position.Commit {
				t.Errorf("retry result = next %d at %d, want 2 at %d", result.NextExpectedVersion, result.CommitPosition, got[2].Position.Commit)
			}
		})
	}
}

// TestDropSubscriptionAfter: a drop in the middle of catch-up after
// exactly n events; resuming from the last one received loses nothing.
func TestDropSubscriptionAfter(t *testing.T) {
	s := startServer(t, Options{SystemEvents: true})
	client := newClient(t, s.URI())
	evs := events(10, "DonationReceived")
	for i, e := range evs {
		appendOK(t, client, fmt.Sprintf("fund-%d", i), esdb.NoStream{}, e)
	}
	s.DropSubscriptionAfter(4)
	sub := subscribeAll(t, client, esdb.SubscribeToAllOptions{From: esdb.Start{}, Filter: fundPrefix})
	var got []*esdb.RecordedEvent
	for {
		msg := sub.Recv()
		if msg.SubscriptionDropped != nil {
			if status.Code(msg.SubscriptionDropped.Error) != codes.Unavailable {
				t.Fatalf("dropped with %v, want Unavailable", msg.SubscriptionDropped.Error)
			}
			break
		}
		if msg.EventAppeared != nil {
			got = append(got, msg.EventAppeared.OriginalEvent())
		}
	}
	if !equalIDs(ids(got), idsOf(evs[:4])) {
		t.Fatalf("before the drop: %v, want %v", ids(got), idsOf(evs[:4]))
	}
	resumed := subscribeAll(t, client, esdb.SubscribeToAllOptions{From: got[3].Position, Filter: fundPrefix})
	rest := collect(t, resumed, 6, true)
	if !equalIDs(ids(rest.events), idsOf(evs[4:])) {
		t.Errorf("after resuming: %v, want %v", ids(rest.events), idsOf(evs[4:]))
	}
}

// TestFailHang: an append that never gets an answer ends at the client's
// deadline, with nothing written.
func TestFailHang(t *testing.T) {
	s := startServer(t, Options{})
	client := newClient(t, s.URI())
	s.FailAppends(FailHang, 1)
	deadline := 100 * time.Millisecond
	start := time.Now()
	_, err := client.AppendToStream(ctxFor(t), "fund-1", esdb.AppendToStreamOptions{ExpectedRevision: esdb.NoStream{}, Deadline: &deadline},
		events(1, "DonationReceived")...)
	if errorCode(err) != esdb.ErrorCodeDeadlineExceeded {
		t.Fatalf("hung append: %v, want ErrorCodeDeadlineExceeded", err)
	}
	if elapsed := time.Since(start); elapsed < deadline {
		t.Errorf("hung append returned after %v, before its deadline %v", elapsed, deadline)
	}
	read, err := client.ReadStream(ctxFor(t), "fund-1", esdb.ReadStreamOptions{From: esdb.Start{}}, 10)
	if err != nil {
		t.Fatal(err)
	}
	defer read.Close()
	if _, err := read.Recv(); errorCode(err) != esdb.ErrorCodeResourceNotFound {
		t.Errorf("stream after the hung append: %v, want not found", err)
	}
	// The fault is spent: the next append goes through.
	appendOK(t, client, "fund-1", esdb.NoStream{}, events(1, "DonationReceived")...)
}

// TestDropSubscriptionsDuringCatchUp: a drop stops a long catch-up too.
func TestDropSubscriptionsDuringCatchUp(t *testing.T) {
	s := startServer(t, Options{})
	client := newClient(t, s.URI())
	const n = 20 * readBatchSize
	for i := range n / 100 {
		appendOK(t, client, fmt.Sprintf("fund-%d", i), esdb.NoStream{}, events(100, "DonationReceived")...)
	}
	sub := subscribeAll(t, client, esdb.SubscribeToAllOptions{From: esdb.Start{}, Filter: fundPrefix})
	// Read a few events so that the subscription is mid catch-up, then
	// drop it; the client's flow-control window holds up the server.
	for got := 0; got < 10; {
		if msg := sub.Recv(); msg.EventAppeared != nil {
			got++
		}
	}
	s.DropSubscriptions()
	received := 10
	for {
		msg := sub.Recv()
		if msg.SubscriptionDropped != nil {
			if status.Code(msg.SubscriptionDropped.Error) != codes.Unavailable {
				t.Fatalf("dropped with %v, want Unavailable", msg.SubscriptionDropped.Error)
			}
			break
		}
		if msg.CaughtUp != nil {
			t.Fatal("caught up: the drop did not stop the catch-up")
		}
		if msg.EventAppeared != nil {
			received++
		}
	}
	if received >= n {
		t.Errorf("received all %d events before the drop, want it to stop the catch-up", received)
	}
}
