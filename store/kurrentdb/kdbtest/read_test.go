package kdbtest

import (
	"bytes"
	"testing"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

func TestReadStreamShapes(t *testing.T) {
	s := startServer(t, Options{SystemEvents: true})
	client := newClient(t, s.URI())
	evs := events(5, "DonationReceived")
	appendOK(t, client, "fund-r", esdb.NoStream{}, evs[:2]...)
	appendOK(t, client, "fund-other", esdb.NoStream{}, events(1, "Other")...)
	appendOK(t, client, "fund-r", esdb.Revision(1), evs[2:]...)
	id := idsOf(evs)

	tests := []struct {
		name  string
		opts  esdb.ReadStreamOptions
		count uint64
		want  []uuid.UUID
	}{
		{"forwards from start", esdb.ReadStreamOptions{From: esdb.Start{}}, 100, id},
		{"forwards from start, count 2", esdb.ReadStreamOptions{From: esdb.Start{}}, 2, id[:2]},
		{"forwards from revision 2", esdb.ReadStreamOptions{From: esdb.Revision(2)}, 100, id[2:]},
		{"forwards from revision 2, count 1", esdb.ReadStreamOptions{From: esdb.Revision(2)}, 1, id[2:3]},
		{"forwards from past the end", esdb.ReadStreamOptions{From: esdb.Revision(9)}, 100, nil},
		{"forwards from end", esdb.ReadStreamOptions{From: esdb.End{}}, 100, nil},
		{"backwards from end", esdb.ReadStreamOptions{Direction: esdb.Backwards, From: esdb.End{}}, 100, reversed(id)},
		{"backwards from end, count 2", esdb.ReadStreamOptions{Direction: esdb.Backwards, From: esdb.End{}}, 2, reversed(id)[:2]},
		{"backwards from revision 1", esdb.ReadStreamOptions{Direction: esdb.Backwards, From: esdb.Revision(1)}, 100, reversed(id[:2])},
		{"backwards from start is event 0", esdb.ReadStreamOptions{Direction: esdb.Backwards, From: esdb.Start{}}, 100, id[:1]},
		{"count 0", esdb.ReadStreamOptions{From: esdb.Start{}}, 0, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ids(readStream(t, client, "fund-r", tt.opts, tt.count))
			if !equalIDs(got, tt.want) {
				t.Errorf("ReadStream = %v, want %v", got, tt.want)
			}
		})
	}
}

func reversed(in []uuid.UUID) []uuid.UUID {
	out := make([]uuid.UUID, len(in))
	for i, v := range in {
		out[len(in)-1-i] = v
	}
	return out
}

func TestReadStreamNotFound(t *testing.T) {
	s := startServer(t, Options{})
	client := newClient(t, s.URI())
	read, err := client.ReadStream(ctxFor(t), "fund-none", esdb.ReadStreamOptions{From: esdb.Start{}}, 10)
	if err != nil {
		t.Fatalf("ReadStream: %v", err)
	}
	defer read.Close()
	_, err = read.Recv()
	if errorCode(err) != esdb.ErrorCodeResourceNotFound {
		t.Errorf("Recv error = %v, want ErrorCodeResourceNotFound", err)
	}
}

// TestReadEventFields checks every field the client decodes, "created"
// above all: without it the client calls log.Fatalf.
func TestReadEventFields(t *testing.T) {
	s := startServer(t, Options{})
	client := newClient(t, s.URI())
	before := time.Now()
	json := event("DonationReceived", `{"amount":"10"}`)
	binary := esdb.EventData{EventID: uuid.New(), EventType: "Blob", ContentType: esdb.ContentTypeBinary, Data: []byte{0, 1, 2}}
	appendOK(t, client, "fund-f", esdb.NoStream{}, json, binary)
	got := readStream(t, client, "fund-f", esdb.ReadStreamOptions{From: esdb.Start{}}, 10)
	if len(got) != 2 {
		t.Fatalf("ReadStream = %d events, want 2", len(got))
	}
	tests := []struct {
		got         *esdb.RecordedEvent
		want        esdb.EventData
		revision    uint64
		contentType string
	}{
		{got[0], json, 0, "application/json"},
		{got[1], binary, 1, "application/octet-stream"},
	}
	for _, tt := range tests {
		r := tt.got
		if r.EventID != tt.want.EventID || r.EventType != tt.want.EventType || r.StreamID != "fund-f" ||
			r.EventNumber != tt.revision || r.ContentType != tt.contentType {
			t.Errorf("event = id %v type %q stream %q number %d content %q, want %v %q fund-f %d %q",
				r.EventID, r.EventType, r.StreamID, r.EventNumber, r.ContentType,
				tt.want.EventID, tt.want.EventType, tt.revision, tt.contentType)
		}
		if !bytes.Equal(r.Data, tt.want.Data) || !bytes.Equal(r.UserMetadata, nonNil(tt.want.Metadata)) {
			t.Errorf("event %v: data %q metadata %q, want %q %q", r.EventID, r.Data, r.UserMetadata, tt.want.Data, tt.want.Metadata)
		}
		if r.CreatedDate.Before(before.Add(-time.Second)) || r.CreatedDate.After(time.Now().Add(time.Second)) {
			t.Errorf("event %v: created %v, want about %v", r.EventID, r.CreatedDate, before)
		}
	}
}

func TestReadAllShapes(t *testing.T) {
	s := startServer(t, Options{})
	client := newClient(t, s.URI())
	evs := events(5, "DonationReceived")
	appendOK(t, client, "fund-x", esdb.NoStream{}, evs[:3]...)
	appendOK(t, client, "fund-y", esdb.NoStream{}, evs[3:]...)
	all := readAll(t, client, esdb.ReadAllOptions{From: esdb.Start{}}, 100)
	id := idsOf(evs)
	if !equalIDs(ids(all), id) {
		t.Fatalf("ReadAll from start = %v, want %v", ids(all), id)
	}
	third := all[2].Position

	tests := []struct {
		name  string
		opts  esdb.ReadAllOptions
		count uint64
		want  []uuid.UUID
	}{
		{"forwards from start, count 2", esdb.ReadAllOptions{From: esdb.Start{}}, 2, id[:2]},
		{"forwards from a position includes it", esdb.ReadAllOptions{From: third}, 100, id[2:]},
		{"forwards from a position, count 1", esdb.ReadAllOptions{From: third}, 1, id[2:3]},
		{"forwards from end", esdb.ReadAllOptions{From: esdb.End{}}, 100, nil},
		{"backwards from end", esdb.ReadAllOptions{Direction: esdb.Backwards, From: esdb.End{}}, 100, reversed(id)},
		{"backwards from end, count 2", esdb.ReadAllOptions{Direction: esdb.Backwards, From: esdb.End{}}, 2, reversed(id)[:2]},
		{"backwards from a position excludes it", esdb.ReadAllOptions{Direction: esdb.Backwards, From: third}, 100, reversed(id[:2])},
		{"backwards from start", esdb.ReadAllOptions{Direction: esdb.Backwards, From: esdb.Start{}}, 100, nil},
		{"forwards from position 0", esdb.ReadAllOptions{From: esdb.Position{}}, 100, id},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ids(readAll(t, client, tt.opts, tt.count))
			if !equalIDs(got, tt.want) {
				t.Errorf("ReadAll = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestReadAllInvalidPosition: position+1 is inside a record, which
// KurrentDB refuses; code that computes positions fails here as it would
// on a real server.
func TestReadAllInvalidPosition(t *testing.T) {
	s := startServer(t, Options{})
	client := newClient(t, s.URI())
	appendOK(t, client, "fund-x", esdb.NoStream{}, events(2, "DonationReceived")...)
	all := readAll(t, client, esdb.ReadAllOptions{From: esdb.Start{}}, 100)
	inside := esdb.Position{Commit: all[0].Position.Commit + 1, Prepare: all[0].Position.Prepare + 1}
	for _, direction := range []esdb.Direction{esdb.Forwards, esdb.Backwards} {
		read, err := client.ReadAll(ctxFor(t), esdb.ReadAllOptions{Direction: direction, From: inside}, 10)
		if err != nil {
			t.Fatalf("ReadAll: %v", err)
		}
		_, err = read.Recv()
		read.Close()
		var esdbErr *esdb.Error
		if e, ok := err.(*esdb.Error); ok {
			esdbErr = e
		}
		if esdbErr == nil || status.Code(esdbErr.Err()) != codes.InvalidArgument {
			t.Errorf("ReadAll(%v from %v) error = %v, want InvalidArgument", direction, inside, err)
		}
	}
	sub, err := client.SubscribeToAll(ctxFor(t), esdb.SubscribeToAllOptions{From: inside})
	if err == nil {
		msg := sub.Recv()
		sub.Close()
		if msg.SubscriptionDropped == nil || status.Code(msg.SubscriptionDropped.Error) != codes.InvalidArgument {
			t.Errorf("SubscribeToAll from %v: %+v, want a drop with InvalidArgument", inside, msg)
		}
	} else if status.Code(err) != codes.InvalidArgument && !bytes.Contains([]byte(err.Error()), []byte("invalid position")) {
		t.Errorf("SubscribeToAll from %v error = %v, want InvalidArgument", inside, err)
	}
}

func TestReadAllCarriesSystemEvents(t *testing.T) {
	s := startServer(t, Options{SystemEvents: true})
	client := newClient(t, s.URI())
	appendOK(t, client, "fund-x", esdb.NoStream{}, events(2, "DonationReceived")...)
	appendOK(t, client, "fund-x", esdb.Revision(1), events(1, "DonationReceived")...)
	s.AppendSystemEvent()
	var got []string
	for _, r := range readAll(t, client, esdb.ReadAllOptions{From: esdb.Start{}}, 100) {
		got = append(got, r.StreamID+"/"+r.EventType)
	}
	want := []string{
		"$settings/$settings", "$user-admin/$User", "$users/$UserCreated",
		"fund-x/DonationReceived", "fund-x/DonationReceived", statsStream + "/$statsCollected",
		"fund-x/DonationReceived", statsStream + "/$statsCollected",
		statsStream + "/$statsCollected",
	}
	if len(got) != len(want) {
		t.Fatalf("ReadAll = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("ReadAll[%d] = %s, want %s", i, got[i], want[i])
		}
	}
}
