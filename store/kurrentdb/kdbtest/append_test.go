package kdbtest

import (
	"strings"
	"testing"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"
)

func TestAppendExpectations(t *testing.T) {
	tests := []struct {
		name     string
		existing int // events in the stream before the append
		expected esdb.ExpectedRevision
		wantOK   bool
		wantNext uint64 // NextExpectedVersion on success
		wantMsg  string // in the error on failure
	}{
		{"no stream on a new stream", 0, esdb.NoStream{}, true, 1, ""},
		{"no stream on an existing stream", 2, esdb.NoStream{}, false, 0, "expecting 'no_stream' but got '1'"},
		{"any on a new stream", 0, esdb.Any{}, true, 1, ""},
		{"any on an existing stream", 2, esdb.Any{}, true, 3, ""},
		{"stream exists on a new stream", 0, esdb.StreamExists{}, false, 0, "expecting 'stream_exists' but got 'no_stream'"},
		{"stream exists on an existing stream", 2, esdb.StreamExists{}, true, 3, ""},
		{"exact revision at the end", 2, esdb.Revision(1), true, 3, ""},
		{"exact revision ahead of the end", 2, esdb.Revision(2), false, 0, "expecting '2' but got '1'"},
		{"exact revision on a new stream", 0, esdb.Revision(0), false, 0, "expecting '0' but got 'no_stream'"},
		{"exact revision behind the end, new ids", 3, esdb.Revision(0), false, 0, "expecting '0' but got '2'"},
	}
	s := startServer(t, Options{})
	client := newClient(t, s.URI())
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stream := "fund-exp-" + string(rune('a'+i))
			if tt.existing > 0 {
				appendOK(t, client, stream, esdb.NoStream{}, events(tt.existing, "Seed")...)
			}
			before := len(readAll(t, client, esdb.ReadAllOptions{From: esdb.Start{}}, 1000))
			evs := events(2, "DonationReceived")
			result, err := client.AppendToStream(ctxFor(t), stream, esdb.AppendToStreamOptions{ExpectedRevision: tt.expected}, evs...)
			after := len(readAll(t, client, esdb.ReadAllOptions{From: esdb.Start{}}, 1000))
			if !tt.wantOK {
				if errorCode(err) != esdb.ErrorCodeWrongExpectedVersion {
					t.Fatalf("AppendToStream(%#v) error = %v, want ErrorCodeWrongExpectedVersion", tt.expected, err)
				}
				if !strings.Contains(err.Error(), tt.wantMsg) && !strings.Contains(errorText(err), tt.wantMsg) {
					t.Errorf("error = %q, want it to say %q", errorText(err), tt.wantMsg)
				}
				if after != before {
					t.Errorf("$all has %d events after a refused append, want %d", after, before)
				}
				return
			}
			if err != nil {
				t.Fatalf("AppendToStream(%#v): %v", tt.expected, err)
			}
			if result.NextExpectedVersion != tt.wantNext {
				t.Errorf("NextExpectedVersion = %d, want %d", result.NextExpectedVersion, tt.wantNext)
			}
			if after != before+2 {
				t.Errorf("$all has %d events, want %d", after, before+2)
			}
		})
	}
}

// errorText is the message under an esdb.Error.
func errorText(err error) string {
	if e, ok := err.(*esdb.Error); ok && e.Err() != nil {
		return e.Err().Error()
	}
	return err.Error()
}

// TestAppendIdempotency pins KurrentDB's rule for an expected revision the
// stream is already past: the ids at the following revisions decide.
func TestAppendIdempotency(t *testing.T) {
	s := startServer(t, Options{})
	client := newClient(t, s.URI())
	const stream = "fund-idem"
	original := events(3, "DonationReceived") // revisions 0, 1, 2
	first := appendOK(t, client, stream, esdb.NoStream{}, original...)
	stored := readStream(t, client, stream, esdb.ReadStreamOptions{From: esdb.Start{}}, 10)
	other := event("DonationReceived", `{"other":true}`)

	tests := []struct {
		name     string
		expected esdb.ExpectedRevision
		evs      []esdb.EventData
		wantOK   bool
		wantNext uint64
		wantPos  uint64 // commit position answered on success
	}{
		{"same append retried with no stream", esdb.NoStream{}, original, true, 2, first.CommitPosition},
		{"full match after revision 0", esdb.Revision(0), original[1:], true, 2, first.CommitPosition},
		{"match of the next event only", esdb.Revision(0), original[1:2], true, 1, stored[1].Position.Commit},
		{"full match with any", esdb.Any{}, original, true, 2, first.CommitPosition},
		{"full match with stream exists", esdb.StreamExists{}, original[:2], true, 1, stored[1].Position.Commit},
		{"partial match", esdb.Revision(0), []esdb.EventData{original[1], other}, false, 0, 0},
		{"first mismatch", esdb.Revision(0), []esdb.EventData{other, original[2]}, false, 0, 0},
		{"match running past the end", esdb.Revision(1), []esdb.EventData{original[2], other}, false, 0, 0},
		{"no stream, partial match", esdb.NoStream{}, []esdb.EventData{original[0], other}, false, 0, 0},
		{"any, partial match", esdb.Any{}, []esdb.EventData{original[0], other}, false, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			result, err := client.AppendToStream(ctxFor(t), stream, esdb.AppendToStreamOptions{ExpectedRevision: tt.expected}, tt.evs...)
			if tt.wantOK {
				if err != nil {
					t.Fatalf("AppendToStream(%#v): %v, want an idempotent success", tt.expected, err)
				}
				if result.NextExpectedVersion != tt.wantNext || result.CommitPosition != tt.wantPos || result.PreparePosition != tt.wantPos {
					t.Errorf("result = next %d, commit %d, prepare %d; want next %d, commit = prepare = %d",
						result.NextExpectedVersion, result.CommitPosition, result.PreparePosition, tt.wantNext, tt.wantPos)
				}
			} else if errorCode(err) != esdb.ErrorCodeWrongExpectedVersion {
				t.Fatalf("AppendToStream(%#v) error = %v, want ErrorCodeWrongExpectedVersion", tt.expected, err)
			}
			got := readStream(t, client, stream, esdb.ReadStreamOptions{From: esdb.Start{}}, 10)
			if !equalIDs(ids(got), idsOf(original)) {
				t.Errorf("stream = %v, want it unchanged: %v", ids(got), idsOf(original))
			}
		})
	}
}

// TestAppendAnyWritesWhenFirstIDIsNew shows the weak check's other side:
// with Any, a first id not found means a plain write, even if a later id
// is already in the stream — why the ledger never appends with Any.
func TestAppendAnyWritesWhenFirstIDIsNew(t *testing.T) {
	s := startServer(t, Options{})
	client := newClient(t, s.URI())
	original := events(1, "DonationReceived")
	appendOK(t, client, "fund-any", esdb.NoStream{}, original...)
	fresh := event("DonationReceived", `{}`)
	result := appendOK(t, client, "fund-any", esdb.Any{}, fresh, original[0])
	if result.NextExpectedVersion != 2 {
		t.Errorf("NextExpectedVersion = %d, want 2 (both written)", result.NextExpectedVersion)
	}
	got := readStream(t, client, "fund-any", esdb.ReadStreamOptions{From: esdb.Start{}}, 10)
	want := []uuid.UUID{original[0].EventID, fresh.EventID, original[0].EventID}
	if !equalIDs(ids(got), want) {
		t.Errorf("stream = %v, want %v", ids(got), want)
	}
}

// TestAppendSameIDInTwoStreams: KurrentDB checks ids per stream only, so
// the ledger must enforce "one transaction id, one fund" itself.
func TestAppendSameIDInTwoStreams(t *testing.T) {
	s := startServer(t, Options{})
	client := newClient(t, s.URI())
	e := event("DonationReceived", `{}`)
	appendOK(t, client, "fund-a", esdb.NoStream{}, e)
	appendOK(t, client, "fund-b", esdb.NoStream{}, e)
	for _, stream := range []string{"fund-a", "fund-b"} {
		got := readStream(t, client, stream, esdb.ReadStreamOptions{From: esdb.Start{}}, 10)
		if len(got) != 1 || got[0].EventID != e.EventID {
			t.Errorf("%s = %v, want [%v]", stream, ids(got), e.EventID)
		}
	}
}

// TestAppendPositions pins the position scheme doc.go describes: every
// event of a multi-event append has its own commit (= prepare) position,
// the gap between two events is the first one's record size, and the
// answer carries the last event's position.
func TestAppendPositions(t *testing.T) {
	s := startServer(t, Options{})
	client := newClient(t, s.URI())
	const stream = "fund-pos"
	evs := events(4, "DonationReceived")
	result := appendOK(t, client, stream, esdb.NoStream{}, evs...)
	got := readAll(t, client, esdb.ReadAllOptions{From: esdb.Start{}}, 10)
	if len(got) != 4 {
		t.Fatalf("ReadAll = %d events, want 4", len(got))
	}
	if got[0].Position.Commit != epochRecordSize {
		t.Errorf("first position = %d, want %d (after the epoch record)", got[0].Position.Commit, epochRecordSize)
	}
	for i, r := range got {
		if r.Position.Commit != r.Position.Prepare {
			t.Errorf("event %d: commit %d != prepare %d", i, r.Position.Commit, r.Position.Prepare)
		}
		if i == 0 {
			continue
		}
		wantGap := recordSize(stream, evs[i-1])
		if gap := r.Position.Commit - got[i-1].Position.Commit; gap != wantGap {
			t.Errorf("gap before event %d = %d, want %d", i, gap, wantGap)
		}
	}
	last := got[len(got)-1].Position
	if result.CommitPosition != last.Commit || result.PreparePosition != last.Prepare {
		t.Errorf("WriteResult position = %d/%d, want the last event's %d/%d",
			result.CommitPosition, result.PreparePosition, last.Commit, last.Prepare)
	}
	// Stream reads carry the same positions.
	fromStream := readStream(t, client, stream, esdb.ReadStreamOptions{From: esdb.Start{}}, 10)
	for i := range fromStream {
		if fromStream[i].Position != got[i].Position {
			t.Errorf("stream event %d position = %v, $all says %v", i, fromStream[i].Position, got[i].Position)
		}
	}
}

func TestAppendEmptyKeepsTheStream(t *testing.T) {
	s := startServer(t, Options{})
	client := newClient(t, s.URI())
	appendOK(t, client, "fund-empty", esdb.NoStream{}, events(2, "Seed")...)
	result := appendOK(t, client, "fund-empty", esdb.Revision(1))
	if result.NextExpectedVersion != 1 {
		t.Errorf("NextExpectedVersion = %d, want 1", result.NextExpectedVersion)
	}
	_, err := client.AppendToStream(ctxFor(t), "fund-empty", esdb.AppendToStreamOptions{ExpectedRevision: esdb.Revision(0)})
	if errorCode(err) != esdb.ErrorCodeWrongExpectedVersion {
		t.Errorf("empty append behind the end: error = %v, want ErrorCodeWrongExpectedVersion", err)
	}
}
