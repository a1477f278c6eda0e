package storetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// limitTests: the named limits of the port, at and beyond each bound.
var limitTests = []contractTest{
	{"EventsPerAppendLimit", testEventsPerAppendLimit},
	{"EventSizeLimit", testEventSizeLimit},
}

// testEventsPerAppendLimit: 1..MaxEventsPerAppend events are accepted;
// zero and MaxEventsPerAppend+1 are refused with ErrAppendTooLarge.
func testEventsPerAppendLimit(t *testing.T, s domain.EventStore) {
	appendErr(t, s, newStream(t), domain.ExpectNoStream, nil, domain.ErrAppendTooLarge)
	appendErr(t, s, newStream(t), domain.ExpectNoStream, []domain.NewEvent{}, domain.ErrAppendTooLarge)
	appendErr(t, s, newStream(t), domain.ExpectNoStream, newEvents(t, domain.MaxEventsPerAppend+1), domain.ErrAppendTooLarge)
	if n := logLen(t, s); n != 0 {
		t.Fatalf("after refused appends the log has %d events, want 0", n)
	}
	stream := newStream(t)
	full := newEvents(t, domain.MaxEventsPerAppend)
	res := mustAppend(t, s, stream, domain.ExpectNoStream, full)
	if res.NextRevision != domain.MaxEventsPerAppend-1 {
		t.Errorf("append of %d events: NextRevision = %d, want %d", domain.MaxEventsPerAppend, res.NextRevision, domain.MaxEventsPerAppend-1)
	}
	got := readStream(t, s, stream)
	if len(got) != domain.MaxEventsPerAppend {
		t.Fatalf("ReadStream: %d events, want %d", len(got), domain.MaxEventsPerAppend)
	}
	for i, e := range got {
		checkStored(t, e, stream, uint64(i), full[i])
	}
}

// jsonOfSize returns a JSON object of exactly size bytes.
func jsonOfSize(t *testing.T, size int) []byte {
	t.Helper()
	const frame = len(`{"pad":""}`)
	if size < frame {
		t.Fatalf("jsonOfSize(%d): want at least %d", size, frame)
	}
	return []byte(`{"pad":"` + strings.Repeat("x", size-frame) + `"}`)
}

// sizedEvent returns a valid event whose data and metadata together are
// exactly size bytes.
func sizedEvent(t *testing.T, size int) domain.NewEvent {
	t.Helper()
	e := newEvent(t, 0)
	e.Metadata = fmt.Appendf(nil, `{"event_id":%q}`, e.ID)
	e.Data = jsonOfSize(t, size-len(e.Metadata))
	if got := len(e.Data) + len(e.Metadata); got != size {
		t.Fatalf("sizedEvent(%d) made %d bytes", size, got)
	}
	return e
}

// testEventSizeLimit: an event of exactly MaxEventSize bytes of data plus
// metadata is accepted; one byte more is refused, with the whole append.
func testEventSizeLimit(t *testing.T, s domain.EventStore) {
	stream := newStream(t)
	over := sizedEvent(t, domain.MaxEventSize+1)
	appendErr(t, s, stream, domain.ExpectNoStream, []domain.NewEvent{over}, domain.ErrAppendTooLarge)
	appendErr(t, s, stream, domain.ExpectNoStream,
		[]domain.NewEvent{newEvent(t, 1), over, newEvent(t, 2)}, domain.ErrAppendTooLarge)
	// The size counts data and metadata together.
	// Each part alone is within the limit.
	split := newEvent(t, 3)
	split.Data = jsonOfSize(t, domain.MaxEventSize/2+1)
	split.Metadata = jsonOfSize(t, domain.MaxEventSize/2)
	appendErr(t, s, stream, domain.ExpectNoStream, []domain.NewEvent{split}, domain.ErrAppendTooLarge)
	if n := logLen(t, s); n != 0 {
		t.Fatalf("after refused appends the log has %d events, want 0", n)
	}

	exact := sizedEvent(t, domain.MaxEventSize)
	small := newEvent(t, 4)
	mustAppend(t, s, stream, domain.ExpectNoStream, []domain.NewEvent{exact, small})
	got := readStream(t, s, stream)
	if len(got) != 2 {
		t.Fatalf("ReadStream: %d events, want 2", len(got))
	}
	checkStored(t, got[0], stream, 0, exact)
	checkStored(t, got[1], stream, 1, small)
}
