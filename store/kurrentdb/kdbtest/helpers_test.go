package kdbtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"
)

// callTimeout bounds every client call of these tests.
const callTimeout = 10 * time.Second

// startServer starts a server that the test closes.
func startServer(t *testing.T, opts Options) *Server {
	t.Helper()
	s, err := Start(opts)
	if err != nil {
		t.Fatalf("Start: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

// newClient connects the real client v4.2.0 to uri.
func newClient(t *testing.T, uri string) *esdb.Client {
	t.Helper()
	config, err := esdb.ParseConnectionString(uri)
	if err != nil {
		t.Fatalf("ParseConnectionString(%q): %v", uri, err)
	}
	config.Logger = func(esdb.LogLevel, string, ...interface{}) {} // the client logs every discovery
	client, err := esdb.NewClient(config)
	if err != nil {
		t.Fatalf("NewClient: %v", err)
	}
	t.Cleanup(func() { client.Close() })
	return client
}

func ctxFor(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), callTimeout)
	t.Cleanup(cancel)
	return ctx
}

// event is a JSON event with a fresh id.
func event(eventType, data string) esdb.EventData {
	return esdb.EventData{
		EventID:     uuid.New(),
		EventType:   eventType,
		ContentType: esdb.ContentTypeJson,
		Data:        []byte(data),
		Metadata:    []byte(`{"m":1}`),
	}
}

// events makes n events of one type.
func events(n int, eventType string) []esdb.EventData {
	out := make([]esdb.EventData, n)
	for i := range out {
		out[i] = event(eventType, fmt.Sprintf(`{"i":%d}`, i))
	}
	return out
}

func appendOK(t *testing.T, client *esdb.Client, stream string, expected esdb.ExpectedRevision, evs ...esdb.EventData) *esdb.WriteResult {
	t.Helper()
	result, err := client.AppendToStream(ctxFor(t), stream, esdb.AppendToStreamOptions{ExpectedRevision: expected}, evs...)
	if err != nil {
		t.Fatalf("AppendToStream(%s, %#v): %v", stream, expected, err)
	}
	return result
}

// drain reads a whole read stream.
func drain(t *testing.T, read *esdb.ReadStream, err error) []*esdb.RecordedEvent {
	t.Helper()
	if err != nil {
		t.Fatalf("read: %v", err)
	}
	defer read.Close()
	var out []*esdb.RecordedEvent
	for {
		ev, err := read.Recv()
		if errors.Is(err, io.EOF) {
			return out
		}
		if err != nil {
			t.Fatalf("Recv: %v", err)
		}
		out = append(out, ev.OriginalEvent())
	}
}

func readStream(t *testing.T, client *esdb.Client, stream string, opts esdb.ReadStreamOptions, count uint64) []*esdb.RecordedEvent {
	t.Helper()
	read, err := client.ReadStream(ctxFor(t), stream, opts, count)
	return drain(t, read, err)
}

func readAll(t *testing.T, client *esdb.Client, opts esdb.ReadAllOptions, count uint64) []*esdb.RecordedEvent {
	t.Helper()
	read, err := client.ReadAll(ctxFor(t), opts, count)
	return drain(t, read, err)
}

// ids lists the event ids of records.
func ids(records []*esdb.RecordedEvent) []uuid.UUID {
	out := make([]uuid.UUID, len(records))
	for i, r := range records {
		out[i] = r.EventID
	}
	return out
}

func idsOf(evs []esdb.EventData) []uuid.UUID {
	out := make([]uuid.UUID, len(evs))
	for i, e := range evs {
		out[i] = e.EventID
	}
	return out
}

func equalIDs(a, b []uuid.UUID) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// errorCode is the esdb error code of err, or -1.
func errorCode(err error) esdb.ErrorCode {
	var esdbErr *esdb.Error
	if errors.As(err, &esdbErr) {
		return esdbErr.Code()
	}
	return -1
}

// received is what a subscription delivered, in order.
type received struct {
	events      []*esdb.RecordedEvent
	checkpoints []esdb.Position
	caughtUp    int // index in events at which caught-up arrived, -1 before
}

// collect reads sub until it has delivered n events and, if wantCaughtUp,
// the caught-up message, or fails the test after callTimeout.
func collect(t *testing.T, sub *esdb.Subscription, n int, wantCaughtUp bool) received {
	t.Helper()
	got := received{caughtUp: -1}
	done := make(chan error, 1)
	go func() {
		for len(got.events) < n || (wantCaughtUp && got.caughtUp < 0) {
			msg := sub.Recv()
			switch {
			case msg.SubscriptionDropped != nil:
				done <- fmt.Errorf("dropped: %w", msg.SubscriptionDropped.Error)
				return
			case msg.EventAppeared != nil:
				got.events = append(got.events, msg.EventAppeared.OriginalEvent())
			case msg.CheckPointReached != nil:
				got.checkpoints = append(got.checkpoints, *msg.CheckPointReached)
			case msg.CaughtUp != nil:
				if got.caughtUp < 0 {
					got.caughtUp = len(got.events)
				}
			}
		}
		done <- nil
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("subscription after %d events: %v", len(got.events), err)
		}
	case <-time.After(callTimeout):
		sub.Close()
		<-done
		t.Fatalf("subscription: %d events after %v, want %d (caught up at %d)", len(got.events), callTimeout, n, got.caughtUp)
	}
	return got
}

// waitFor polls cond until it holds or the test times out.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(callTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
