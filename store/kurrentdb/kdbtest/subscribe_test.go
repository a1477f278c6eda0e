package kdbtest

import (
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"
)

var fundPrefix = &esdb.SubscriptionFilter{Type: esdb.StreamFilterType, Prefixes: []string{"fund-"}}

func subscribeAll(t *testing.T, client *esdb.Client, opts esdb.SubscribeToAllOptions) *esdb.Subscription {
	t.Helper()
	sub, err := client.SubscribeToAll(ctxFor(t), opts)
	if err != nil {
		t.Fatalf("SubscribeToAll: %v", err)
	}
	t.Cleanup(func() { sub.Close() })
	return sub
}

// TestSubscribeToAllFilteredStarts: the start is exclusive, the default is
// the end, system and other streams' events are filtered out, and the
// caught-up message comes after the events that existed at the start.
func TestSubscribeToAllFilteredStarts(t *testing.T) {
	tests := []struct {
		name         string
		from         func(before []*esdb.RecordedEvent) esdb.AllPosition
		wantBefore   int // how many of the 3 earlier fund events arrive (the last ones)
		wantCaughtUp int
	}{
		{"from start", func([]*esdb.RecordedEvent) esdb.AllPosition { return esdb.Start{} }, 3, 3},
		{"from end", func([]*esdb.RecordedEvent) esdb.AllPosition { return esdb.End{} }, 0, 0},
		{"default (nil) is the end", func([]*esdb.RecordedEvent) esdb.AllPosition { return nil }, 0, 0},
		{"from a position, exclusive", func(before []*esdb.RecordedEvent) esdb.AllPosition { return before[1].Position }, 1, 1},
		{"from the last event's position", func(before []*esdb.RecordedEvent) esdb.AllPosition { return before[2].Position }, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t, Options{SystemEvents: true})
			client := newClient(t, s.URI())
			early := events(3, "DonationReceived")
			appendOK(t, client, "fund-1", esdb.NoStream{}, early[:2]...)
			appendOK(t, client, "other-1", esdb.NoStream{}, events(1, "Other")...)
			appendOK(t, client, "fund-2", esdb.NoStream{}, early[2:]...)
			before := readStreamsOf(t, client, "fund-")

			sub := subscribeAll(t, client, esdb.SubscribeToAllOptions{From: tt.from(before), Filter: fundPrefix})
			waitFor(t, "the subscription", func() bool { return s.Subscriptions() == 1 })
			late := events(2, "DonationReceived")
			appendOK(t, client, "other-1", esdb.Revision(0), events(1, "Other")...)
			appendOK(t, client, "fund-1", esdb.Revision(1), late...)

			got := collect(t, sub, tt.wantBefore+2, true)
			want := append(idsOf(early[3-tt.wantBefore:]), idsOf(late)...)
			if !equalIDs(ids(got.events), want) {
				t.Errorf("events = %v, want %v", ids(got.events), want)
			}
			if got.caughtUp != tt.wantCaughtUp {
				t.Errorf("caught up after %d events, want %d", got.caughtUp, tt.wantCaughtUp)
			}
		})
	}
}

// readStreamsOf lists the $all events whose stream has the prefix.
func readStreamsOf(t *testing.T, client *esdb.Client, prefix string) []*esdb.RecordedEvent {
	t.Helper()
	var out []*esdb.RecordedEvent
	for _, r := range readAll(t, client, esdb.ReadAllOptions{From: esdb.Start{}}, 10_000) {
		if strings.HasPrefix(r.StreamID, prefix) {
			out = append(out, r)
		}
	}
	return out
}

// TestSubscribeCatchUpWhileWriting: events appended while the
// subscription catches up arrive once each, in $all order.
func TestSubscribeCatchUpWhileWriting(t *testing.T) {
	s := startServer(t, Options{SystemEvents: true})
	client := newClient(t, s.URI())
	const before, during = 300, 300
	for i := range before / 10 {
		appendOK(t, client, fmt.Sprintf("fund-%d", i%3), esdb.Any{}, events(10, "DonationReceived")...)
	}
	sub := subscribeAll(t, client, esdb.SubscribeToAllOptions{From: esdb.Start{}, Filter: fundPrefix})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := range during / 10 {
			if _, err := client.AppendToStream(ctxFor(t), fmt.Sprintf("fund-%d", i%3), esdb.AppendToStreamOptions{ExpectedRevision: esdb.Any{}},
				events(10, "DonationReceived")...); err != nil {
				t.Errorf("append while catching up: %v", err)
				return
			}
		}
	}()
	got := collect(t, sub, before+during, true)
	wg.Wait()
	want := ids(readStreamsOf(t, client, "fund-"))
	if !equalIDs(ids(got.events), want) {
		t.Fatalf("subscription delivered %d events, $all has %d: not the same sequence", len(got.events), len(want))
	}
	seen := make(map[uuid.UUID]bool)
	for _, id := range ids(got.events) {
		if seen[id] {
			t.Fatalf("event %v delivered twice", id)
		}
		seen[id] = true
	}
}

// TestSubscribeCheckpoints: a filtered subscription reports checkpoints
// that never run ahead of what it delivered, and resuming from the last
// checkpoint (exclusive) loses nothing.
func TestSubscribeCheckpoints(t *testing.T) {
	s := startServer(t, Options{SystemEvents: true})
	client := newClient(t, s.URI())
	for i := range 10 {
		appendOK(t, client, "other-1", esdb.Any{}, events(3, "Other")...)
		appendOK(t, client, fmt.Sprintf("fund-%d", i), esdb.NoStream{}, events(1, "DonationReceived")...)
	}
	sub := subscribeAll(t, client, esdb.SubscribeToAllOptions{
		From: esdb.Start{}, Filter: fundPrefix, MaxSearchWindow: 4, CheckpointInterval: 1,
	})
	got := collect(t, sub, 10, true)
	if len(got.checkpoints) < 2 {
		t.Fatalf("%d checkpoints for %d events considered every 4, want several", len(got.checkpoints), 3+10*5)
	}
	all := readAll(t, client, esdb.ReadAllOptions{From: esdb.Start{}}, 1000)
	last := all[len(all)-1].Position
	final := got.checkpoints[len(got.checkpoints)-1]
	if final != last {
		t.Errorf("checkpoint before caught-up = %v, want the last event's position %v", final, last)
	}
	for i := 1; i < len(got.checkpoints); i++ {
		if got.checkpoints[i].Commit <= got.checkpoints[i-1].Commit {
			t.Errorf("checkpoints not increasing: %v then %v", got.checkpoints[i-1], got.checkpoints[i])
		}
	}
	// Resume from the middle checkpoint: exactly the fund events after it.
	middle := got.checkpoints[len(got.checkpoints)/2]
	var want []uuid.UUID
	for _, r := range all {
		if r.Position.Commit > middle.Commit && strings.HasPrefix(r.StreamID, "fund-") {
			want = append(want, r.EventID)
		}
	}
	resumed := subscribeAll(t, client, esdb.SubscribeToAllOptions{From: middle, Filter: fundPrefix})
	again := collect(t, resumed, len(want), true)
	if !equalIDs(ids(again.events), want) {
		t.Errorf("resumed from checkpoint %v: %v, want %v", middle, ids(again.events), want)
	}
}

func TestSubscribeToAllFilterKinds(t *testing.T) {
	tests := []struct {
		name   string
		filter *esdb.SubscriptionFilter
		want   []string // stream/type of the events delivered
	}{
		{"no filter sees system events", nil, []string{
			"$settings/$settings", "$user-admin/$User", "$users/$UserCreated",
			"fund-1/DonationReceived", statsStream + "/$statsCollected", "loan-1/LoanGranted", statsStream + "/$statsCollected",
		}},
		{"stream prefixes skip system events", &esdb.SubscriptionFilter{Type: esdb.StreamFilterType, Prefixes: []string{"fund-", "loan-"}},
			[]string{"fund-1/DonationReceived", "loan-1/LoanGranted"}},
		{"stream regex", &esdb.SubscriptionFilter{Type: esdb.StreamFilterType, Regex: "^loan-"},
			[]string{"loan-1/LoanGranted"}},
		{"event type prefix", &esdb.SubscriptionFilter{Type: esdb.EventFilterType, Prefixes: []string{"Donation"}},
			[]string{"fund-1/DonationReceived"}},
		{"exclude system events", esdb.ExcludeSystemEventsFilter(),
			[]string{"fund-1/DonationReceived", "loan-1/LoanGranted"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t, Options{SystemEvents: true})
			client := newClient(t, s.URI())
			appendOK(t, client, "fund-1", esdb.NoStream{}, event("DonationReceived", `{}`))
			appendOK(t, client, "loan-1", esdb.NoStream{}, event("LoanGranted", `{}`))
			sub := subscribeAll(t, client, esdb.SubscribeToAllOptions{From: esdb.Start{}, Filter: tt.filter})
			got := collect(t, sub, len(tt.want), true)
			var names []string
			for _, r := range got.events {
				names = append(names, r.StreamID+"/"+r.EventType)
			}
			if strings.Join(names, " ") != strings.Join(tt.want, " ") {
				t.Errorf("events = %v, want %v", names, tt.want)
			}
			if got.caughtUp != len(tt.want) {
				t.Errorf("caught up after %d events, want %d", got.caughtUp, len(tt.want))
			}
		})
	}
}

func TestSubscribeToStream(t *testing.T) {
	tests := []struct {
		name         string
		from         esdb.StreamPosition
		wantEarly    int // how many of the 3 earlier events arrive (the last ones)
		wantCaughtUp int
	}{
		{"from start", esdb.Start{}, 3, 3},
		{"from end", esdb.End{}, 0, 0},
		{"from revision 0, exclusive", esdb.Revision(0), 2, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := startServer(t, Options{SystemEvents: true})
			client := newClient(t, s.URI())
			early := events(3, "DonationReceived")
			appendOK(t, client, "fund-s", esdb.NoStream{}, early...)
			sub, err := client.SubscribeToStream(ctxFor(t), "fund-s", esdb.SubscribeToStreamOptions{From: tt.from})
			if err != nil {
				t.Fatalf("SubscribeToStream: %v", err)
			}
			defer sub.Close()
			waitFor(t, "the subscription", func() bool { return s.Subscriptions() == 1 })
			late := events(2, "DonationReceived")
			appendOK(t, client, "fund-other", esdb.NoStream{}, events(1, "Other")...)
			appendOK(t, client, "fund-s", esdb.Revision(2), late...)
			got := collect(t, sub, tt.wantEarly+2, true)
			want := append(idsOf(early[3-tt.wantEarly:]), idsOf(late)...)
			if !equalIDs(ids(got.events), want) {
				t.Errorf("events = %v, want %v", ids(got.events), want)
			}
			if got.caughtUp != tt.wantCaughtUp {
				t.Errorf("caught up after %d events, want %d", got.caughtUp, tt.wantCaughtUp)
			}
		})
	}
}

func TestSubscribeToStreamNotYetCreated(t *testing.T) {
	s := startServer(t, Options{})
	client := newClient(t, s.URI())
	sub, err := client.SubscribeToStream(ctxFor(t), "fund-later", esdb.SubscribeToStreamOptions{From: esdb.Start{}})
	if err != nil {
		t.Fatalf("SubscribeToStream: %v", err)
	}
	defer sub.Close()
	evs := events(2, "DonationReceived")
	appendOK(t, client, "fund-later", esdb.NoStream{}, evs...)
	got := collect(t, sub, 2, true)
	if !equalIDs(ids(got.events), idsOf(evs)) || got.caughtUp != 0 {
		t.Errorf("events = %v caught up at %d, want %v caught up at 0", ids(got.events), got.caughtUp, idsOf(evs))
	}
}

// TestSubscribeFromPastTheEnd: a start position no event has reached yet
// skips the events up to it, as KurrentDB skips live events up to a
// subscription's checkpoint.
func TestSubscribeFromPastTheEnd(t *testing.T) {
	s := startServer(t, Options{})
	client := newClient(t, s.URI())
	seed := event("DonationReceived", `{"seed":true}`)
	appendOK(t, client, "fund-1", esdb.NoStream{}, seed)
	seedAt := readAll(t, client, esdb.ReadAllOptions{From: esdb.Start{}}, 10)[0].Position.Commit
	first, second, third := event("DonationReceived", `{}`), event("DonationReceived", `{}`), event("DonationReceived", `{}`)
	// Inside the second event to come: the third is the only one after it.
	beyond := seedAt + recordSize("fund-1", seed) + recordSize("fund-1", first) + 1
	sub := subscribeAll(t, client, esdb.SubscribeToAllOptions{From: esdb.Position{Commit: beyond, Prepare: beyond}, Filter: fundPrefix})
	waitFor(t, "the subscription", func() bool { return s.Subscriptions() == 1 })
	appendOK(t, client, "fund-1", esdb.Revision(0), first, second, third)
	got := collect(t, sub, 1, true)
	if !equalIDs(ids(got.events), idsOf([]esdb.EventData{third})) {
		t.Errorf("events = %v, want only the event past %d: %v", ids(got.events), beyond, third.EventID)
	}
	if got.caughtUp != 0 {
		t.Errorf("caught up after %d events, want 0", got.caughtUp)
	}
}

// recordSize is the size doc.go gives an event's record in the log.
func recordSize(stream string, e esdb.EventData) uint64 {
	return uint64(recordOverhead + len(stream) + 2*len(e.EventType) + len(e.Data) + len(e.Metadata))
}
