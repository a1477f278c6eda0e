package storetest

import (
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// appendTests: what one Append writes, and what a refused Append leaves
// behind (nothing).
var appendTests = []contractTest{
	{"RoundTrip", testRoundTrip},
	{"ExpectedRevision", testExpectedRevision},
	{"DuplicateEventID", testDuplicateEventID},
	{"AtomicMultiEventAppend", testAtomicMultiEventAppend},
}

// testRoundTrip: everything appended reads back byte for byte, with
// 0-based revisions per stream and strictly increasing global positions,
// and AppendResult says where each append landed.
func testRoundTrip(t *testing.T, s domain.EventStore) {
	a, b := newStream(t), newStream(t)
	first := newEvents(t, 2)
	second := newEvents(t, 1)
	third := newEvents(t, 3)

	r1 := mustAppend(t, s, a, domain.ExpectNoStream, first)
	r2 := mustAppend(t, s, b, domain.ExpectNoStream, second)
	r3 := mustAppend(t, s, a, domain.ExpectRevision(1), third)

	for _, c := range []struct {
		name         string
		got          domain.AppendResult
		wantNext     uint64
		prevLast     domain.Position
		singleEvents bool
	}{
		{"first append to a", r1, 1, 0, false},
		{"first append to b", r2, 0, r1.LastPosition, true},
		{"second append to a", r3, 4, r2.LastPosition, false},
	} {
		if c.got.NextRevision != c.wantNext {
			t.Errorf("%s: NextRevision = %d, want %d", c.name, c.got.NextRevision, c.wantNext)
		}
		if c.got.FirstPosition <= c.prevLast {
			t.Errorf("%s: FirstPosition = %d, want > %d (the previous append's LastPosition)", c.name, c.got.FirstPosition, c.prevLast)
		}
		if c.singleEvents && c.got.FirstPosition != c.got.LastPosition {
			t.Errorf("%s: FirstPosition = %d, LastPosition = %d, want equal for one event", c.name, c.got.FirstPosition, c.got.LastPosition)
		}
		if !c.singleEvents && c.got.FirstPosition >= c.got.LastPosition {
			t.Errorf("%s: FirstPosition = %d, LastPosition = %d, want first < last for several events", c.name, c.got.FirstPosition, c.got.LastPosition)
		}
	}

	all := readAll(t, s)
	if len(all) != 6 {
		t.Fatalf("ReadAll: %d events, want 6", len(all))
	}
	want := []struct {
		stream   string
		revision uint64
		event    domain.NewEvent
	}{
		{a, 0, first[0]}, {a, 1, first[1]}, {b, 0, second[0]}, {a, 2, third[0]}, {a, 3, third[1]}, {a, 4, third[2]},
	}
	for i, w := range want {
		checkStored(t, all[i], w.stream, w.revision, w.event)
	}
	for _, c := range []struct {
		name      string
		res       domain.AppendResult
		firstIdx  int
		lastIndex int
	}{
		{"first append to a", r1, 0, 1},
		{"first append to b", r2, 2, 2},
		{"second append to a", r3, 3, 5},
	} {
		if c.res.FirstPosition != all[c.firstIdx].Position || c.res.LastPosition != all[c.lastIndex].Position {
			t.Errorf("%s: positions [%d, %d], ReadAll has them at [%d, %d]", c.name,
				c.res.FirstPosition, c.res.LastPosition, all[c.firstIdx].Position, all[c.lastIndex].Position)
		}
	}

	gotA := readStream(t, s, a)
	checkSame(t, "ReadStream(a)", gotA, []domain.StoredEvent{all[0], all[1], all[3], all[4], all[5]})
	gotB := readStream(t, s, b)
	checkSame(t, "ReadStream(b)", gotB, []domain.StoredEvent{all[2]})

	// The global order is the same on every read.
	checkSame(t, "second ReadAll", readAll(t, s), all)
}

// testExpectedRevision: optimistic concurrency, and a refused append writes
// nothing (its event ids stay free).
func testExpectedRevision(t *testing.T, s domain.EventStore) {
	stream := newStream(t)
	mustAppend(t, s, stream, domain.ExpectNoStream, newEvents(t, 1))

	refused := newEvents(t, 2)
	for _, c := range []struct {
		name     string
		stream   string
		expected domain.ExpectedRevision
	}{
		{"ExpectNoStream on an existing stream", stream, domain.ExpectNoStream},
		{"revision ahead of the stream", stream, domain.ExpectRevision(1)},
		{"revision far ahead", stream, domain.ExpectRevision(1 << 40)},
		{"revision on a stream that does not exist", newStream(t), domain.ExpectRevision(0)},
		{"invalid expected revision", stream, domain.ExpectedRevision(-2)},
	} {
		t.Run(c.name, func(t *testing.T) {
			appendErr(t, s, c.stream, c.expected, refused, domain.ErrWrongExpectedVersion)
			if n := logLen(t, s); n != 1 {
				t.Fatalf("after the refused append the log has %d events, want 1", n)
			}
			if n := len(readStream(t, s, c.stream)); c.stream != stream && n != 0 {
				t.Fatalf("refused append created stream %s with %d events", c.stream, n)
			}
		})
	}

	// The refused events were not written, so their ids are still free.
	res := mustAppend(t, s, stream, domain.ExpectRevision(0), refused)
	if res.NextRevision != 2 {
		t.Errorf("append at the right revision: NextRevision = %d, want 2", res.NextRevision)
	}
	// A stale writer that read revision 0 is now refused.
	appendErr(t, s, stream, domain.ExpectRevision(0), newEvents(t, 1), domain.ErrWrongExpectedVersion)
	got := readStream(t, s, stream)
	if len(got) != 3 {
		t.Fatalf("ReadStream: %d events, want 3", len(got))
	}
	checkStored(t, got[1], stream, 1, refused[0])
	checkStored(t, got[2], stream, 2, refused[1])
}

// testDuplicateEventID: an event id is unique in the whole log; an append
// reusing one is refused as a whole.
func testDuplicateEventID(t *testing.T, s domain.EventStore) {
	a, b := newStream(t), newStream(t)
	existing := newEvent(t, 0)
	mustAppend(t, s, a, domain.ExpectNoStream, []domain.NewEvent{existing})

	fresh := newEvent(t, 1)
	other := newEvent(t, 2)
	for _, c := range []struct {
		name     string
		stream   string
		expected domain.ExpectedRevision
		events   []domain.NewEvent
	}{
		{"same stream", a, domain.ExpectRevision(0), []domain.NewEvent{existing}},
		{"same stream after a fresh event", a, domain.ExpectRevision(0), []domain.NewEvent{fresh, existing}},
		{"another stream", b, domain.ExpectNoStream, []domain.NewEvent{existing}},
		{"another stream after a fresh event", b, domain.ExpectNoStream, []domain.NewEvent{fresh, existing}},
		{"twice in one append", b, domain.ExpectNoStream, []domain.NewEvent{fresh, other, fresh}},
	} {
		t.Run(c.name, func(t *testing.T) {
			appendErr(t, s, c.stream, c.expected, c.events, domain.ErrDuplicateEventID)
			if n := logLen(t, s); n != 1 {
				t.Fatalf("after the refused append the log has %d events, want 1", n)
			}
		})
	}
	if n := len(readStream(t, s, b)); n != 0 {
		t.Fatalf("stream b has %d events after refused appends, want 0", n)
	}
	// Nothing of the refused appends was kept: their fresh ids are free.
	mustAppend(t, s, b, domain.ExpectNoStream, []domain.NewEvent{fresh, other})
	got := readStream(t, s, b)
	if len(got) != 2 {
		t.Fatalf("ReadStream(b): %d events, want 2", len(got))
	}
	checkStored(t, got[0], b, 0, fresh)
	checkStored(t, got[1], b, 1, other)
}

// testAtomicMultiEventAppend: one bad event in a large append means none of
// its events is written, whichever place the bad one takes.
func testAtomicMultiEventAppend(t *testing.T, s domain.EventStore) {
	const n = 10
	taken := newEvent(t, 0)
	mustAppend(t, s, newStream(t), domain.ExpectNoStream, []domain.NewEvent{taken})

	stream := newStream(t)
	logged := 1
	for _, bad := range []int{0, n / 2, n - 1} {
		events := newEvents(t, n)
		events[bad] = taken
		appendErr(t, s, stream, domain.ExpectNoStream, events, domain.ErrDuplicateEventID)
		if got := logLen(t, s); got != logged {
			t.Fatalf("append with duplicate at index %d: log has %d events, want %d", bad, got, logged)
		}
		// The good events were not written: appending them alone works.
		good := append(events[:bad:bad], events[bad+1:]...)
		check := newStream(t)
		mustAppend(t, s, check, domain.ExpectNoStream, good)
		logged += len(good)
		if got := len(readStream(t, s, check)); got != n-1 {
			t.Fatalf("stream of the good events: %d events, want %d", got, n-1)
		}
	}
	if got := len(readStream(t, s, stream)); got != 0 {
		t.Fatalf("stream of the refused appends has %d events, want 0", got)
	}
}
