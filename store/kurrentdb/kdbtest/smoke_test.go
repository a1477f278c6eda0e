package kdbtest

import (
	"testing"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
)

func TestSmokeAppendReadSubscribe(t *testing.T) {
	s := startServer(t, Options{SystemEvents: true})
	client := newClient(t, s.URI())
	evs := events(3, "DonationReceived")
	result := appendOK(t, client, "fund-1", esdb.NoStream{}, evs...)
	if result.NextExpectedVersion != 2 {
		t.Errorf("NextExpectedVersion = %d, want 2", result.NextExpectedVersion)
	}
	got := readStream(t, client, "fund-1", esdb.ReadStreamOptions{From: esdb.Start{}}, 10)
	if !equalIDs(ids(got), idsOf(evs)) {
		t.Errorf("ReadStream ids = %v, want %v", ids(got), idsOf(evs))
	}
	all := readAll(t, client, esdb.ReadAllOptions{From: esdb.Start{}}, 100)
	if len(all) != 3+3+1 {
		t.Errorf("ReadAll = %d events, want 7", len(all))
	}
	sub, err := client.SubscribeToAll(ctxFor(t), esdb.SubscribeToAllOptions{
		From:   esdb.Start{},
		Filter: &esdb.SubscriptionFilter{Type: esdb.StreamFilterType, Prefixes: []string{"fund-"}},
	})
	if err != nil {
		t.Fatalf("SubscribeToAll: %v", err)
	}
	defer sub.Close()
	r := collect(t, sub, 3, true)
	if !equalIDs(ids(r.events), idsOf(evs)) {
		t.Errorf("subscription ids = %v, want %v", ids(r.events), idsOf(evs))
	}
}
