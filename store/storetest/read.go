package storetest

import (
	"context"
	"math"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// readTests: paging through the global log and through a stream.
var readTests = []contractTest{
	{"ReadAllPaging", testReadAllPaging},
	{"ReadStreamRange", testReadStreamRange},
	{"ReadCappedAtMaxReadBatch", testReadCappedAtMaxReadBatch},
	{"UnknownStreamReadsEmpty", testUnknownStreamReadsEmpty},
}

// testReadAllPaging: reading in small pages, each after the last position
// of the previous one, gives exactly the sequence of one big read.
func testReadAllPaging(t *testing.T, s domain.EventStore) {
	streams := []string{newStream(t), newStream(t), newStream(t)}
	revisions := make([]domain.ExpectedRevision, len(streams))
	for i := range revisions {
		revisions[i] = domain.ExpectNoStream
	}
	total := 0
	for i := range 15 {
		w := i % len(streams)
		n := 1 + i%4
		res := mustAppend(t, s, streams[w], revisions[w], newEvents(t, n))
		revisions[w] = domain.ExpectRevision(res.NextRevision)
		total += n
	}
	whole, err := s.ReadAll(context.Background(), 0, domain.MaxReadBatch)
	if err != nil {
		t.Fatalf("ReadAll(0, %d) error: %v", domain.MaxReadBatch, err)
	}
	if len(whole) != total {
		t.Fatalf("ReadAll(0, %d): %d events, want %d", domain.MaxReadBatch, len(whole), total)
	}
	checkLogOrder(t, whole)
	for _, page := range []int{1, 2, 7, total - 1, total, total + 1} {
		checkSame(t, "paged ReadAll", readAllPaged(t, s, page), whole)
	}

	// A page starting in the middle starts right after the given position.
	mid := whole[10].Position
	got, err := s.ReadAll(context.Background(), mid, 3)
	if err != nil {
		t.Fatalf("ReadAll(%d, 3) error: %v", mid, err)
	}
	checkSame(t, "ReadAll from the middle", got, whole[11:14])

	// After the last position, and far beyond it, the log reads empty.
	for _, after := range []domain.Position{whole[total-1].Position, math.MaxInt64, math.MaxUint64} {
		got, err := s.ReadAll(context.Background(), after, 10)
		if err != nil || len(got) != 0 {
			t.Errorf("ReadAll(after %d) = %d events, %v; want 0 events, nil", after, len(got), err)
		}
	}
}

// testReadStreamRange: ReadStream honours from and max.
func testReadStreamRange(t *testing.T, s domain.EventStore) {
	stream := newStream(t)
	events := newEvents(t, 10)
	mustAppend(t, s, stream, domain.ExpectNoStream, events[:4])
	mustAppend(t, s, newStream(t), domain.ExpectNoStream, newEvents(t, 2))
	mustAppend(t, s, stream, domain.ExpectRevision(3), events[4:])

	for _, c := range []struct {
		from      uint64
		max       int
		wantFirst uint64
		wantLen   int
	}{
		{0, 10, 0, 10},
		{0, 3, 0, 3},
		{3, 4, 3, 4},
		{8, 10, 8, 2},
		{9, 1, 9, 1},
		{10, 10, 0, 0},
		{math.MaxInt64, 10, 0, 0},
		{math.MaxUint64, 10, 0, 0},
	} {
		got, err := s.ReadStream(context.Background(), stream, c.from, c.max)
		if err != nil {
			t.Fatalf("ReadStream(from %d, max %d) error: %v", c.from, c.max, err)
		}
		if len(got) != c.wantLen {
			t.Fatalf("ReadStream(from %d, max %d): %d events, want %d", c.from, c.max, len(got), c.wantLen)
		}
		for i, e := range got {
			rev := c.wantFirst + uint64(i)
			checkStored(t, e, stream, rev, events[rev])
		}
		checkLogOrder(t, got)
	}
}

// testReadCappedAtMaxReadBatch: a read never returns more than
// MaxReadBatch events, however large max is.
func testReadCappedAtMaxReadBatch(t *testing.T, s domain.EventStore) {
	stream := newStream(t)
	expected := domain.ExpectNoStream
	for written := 0; written < domain.MaxReadBatch+1; {
		n := min(domain.MaxEventsPerAppend, domain.MaxReadBatch+1-written)
		res := mustAppend(t, s, stream, expected, newEvents(t, n))
		expected = domain.ExpectRevision(res.NextRevision)
		written += n
	}
	for _, limit := range []int{domain.MaxReadBatch, domain.MaxReadBatch + 1, math.MaxInt} {
		all, err := s.ReadAll(context.Background(), 0, limit)
		if err != nil {
			t.Fatalf("ReadAll(0, %d) error: %v", limit, err)
		}
		if len(all) != domain.MaxReadBatch {
			t.Errorf("ReadAll(0, %d): %d events, want %d", limit, len(all), domain.MaxReadBatch)
		}
		got, err := s.ReadStream(context.Background(), stream, 0, limit)
		if err != nil {
			t.Fatalf("ReadStream(0, %d) error: %v", limit, err)
		}
		if len(got) != domain.MaxReadBatch {
			t.Errorf("ReadStream(0, %d): %d events, want %d", limit, len(got), domain.MaxReadBatch)
		}
	}
	rest, err := s.ReadStream(context.Background(), stream, domain.MaxReadBatch, math.MaxInt)
	if err != nil {
		t.Fatalf("ReadStream(%d, max) error: %v", domain.MaxReadBatch, err)
	}
	if len(rest) != 1 || rest[0].Revision != domain.MaxReadBatch {
		t.Fatalf("ReadStream(%d, max): %d events, want the one at revision %d", domain.MaxReadBatch, len(rest), domain.MaxReadBatch)
	}
	if got := len(readStream(t, s, stream)); got != domain.MaxReadBatch+1 {
		t.Fatalf("whole stream: %d events, want %d", got, domain.MaxReadBatch+1)
	}
}

// testUnknownStreamReadsEmpty: a stream nobody wrote reads as empty, not as
// an error, on an empty store and on a busy one.
func testUnknownStreamReadsEmpty(t *testing.T, s domain.EventStore) {
	check := func(when string) {
		t.Helper()
		got, err := s.ReadStream(context.Background(), newStream(t), 0, 10)
		if err != nil || len(got) != 0 {
			t.Errorf("%s: ReadStream(unknown) = %d events, %v; want 0 events, nil", when, len(got), err)
		}
	}
	check("empty store")
	all, err := s.ReadAll(context.Background(), 0, 10)
	if err != nil || len(all) != 0 {
		t.Errorf("empty store: ReadAll(0) = %d events, %v; want 0 events, nil", len(all), err)
	}
	mustAppend(t, s, newStream(t), domain.ExpectNoStream, newEvents(t, 3))
	check("after an append")
}
