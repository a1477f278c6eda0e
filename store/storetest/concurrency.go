package storetest

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// concurrencyTests: optimistic concurrency under real contention, and a
// consistent global log under many concurrent writers.
var concurrencyTests = []contractTest{
	{"ConcurrentSameRevision", testConcurrentSameRevision},
	{"ConcurrentDistinctStreams", testConcurrentDistinctStreams},
}

// racers is how many appenders race for the same expected revision.
const racers = 20

// testConcurrentSameRevision: of racers appenders at the same expected
// revision exactly one wins; the others get ErrWrongExpectedVersion. This is
// what keeps two fund managers from both spending the same balance.
func testConcurrentSameRevision(t *testing.T, s domain.EventStore) {
	existing := newStream(t)
	mustAppend(t, s, existing, domain.ExpectNoStream, newEvents(t, 1))

	for _, c := range []struct {
		name     string
		stream   string
		expected domain.ExpectedRevision
		before   int
	}{
		{"ExpectRevision(0)", existing, domain.ExpectRevision(0), 1},
		{"ExpectNoStream", newStream(t), domain.ExpectNoStream, 0},
	} {
		t.Run(c.name, func(t *testing.T) {
			events := make([][]domain.NewEvent, racers)
			for i := range events {
				events[i] = newEvents(t, 1+i%3)
			}
			errs := make([]error, racers)
			start := make(chan struct{})
			var wg sync.WaitGroup
			for i := range racers {
				wg.Go(func() {
					<-start
					_, errs[i] = s.Append(context.Background(), c.stream, c.expected, events[i])
				})
			}
			close(start)
			wg.Wait()

			winner := -1
			for i, err := range errs {
				switch {
				case err == nil && winner >= 0:
					t.Errorf("appenders %d and %d both succeeded at expected revision %d", winner, i, c.expected)
				case err == nil:
					winner = i
				case !errors.Is(err, domain.ErrWrongExpectedVersion):
					t.Errorf("appender %d: error %v, want %v", i, err, domain.ErrWrongExpectedVersion)
				}
			}
			if winner < 0 {
				t.Fatalf("no appender succeeded, want exactly one")
			}
			got := readStream(t, s, c.stream)
			if want := c.before + len(events[winner]); len(got) != want {
				t.Fatalf("stream has %d events, want %d (the winner's only)", len(got), want)
			}
			for i, e := range events[winner] {
				checkStored(t, got[c.before+i], c.stream, uint64(c.before+i), e)
			}
		})
	}
}

// Shape of testConcurrentDistinctStreams: writers goroutines, each appending
// appendsPerWriter times to its own stream.
const (
	writers          = 64
	appendsPerWriter = 20
)

// testConcurrentDistinctStreams: many writers at once all succeed, and the
// log holds every event exactly once, in one order consistent with every
// stream's revisions.
func testConcurrentDistinctStreams(t *testing.T, s domain.EventStore) {
	type written struct {
		stream   string
		revision uint64
		position domain.Position
		event    domain.NewEvent
	}
	results := make([][]written, writers)
	streams := make([]string, writers)
	for w := range streams {
		streams[w] = newStream(t)
	}
	// Events are made up front: t.Fatal must not be called from these
	// goroutines.
	batches := make([][][]domain.NewEvent, writers)
	for w := range batches {
		batches[w] = make([][]domain.NewEvent, appendsPerWriter)
		for i := range batches[w] {
			// Every fifth append carries several events, to mix batch shapes.
			count := 1
			if i%5 == 4 {
				count = 3
			}
			batches[w][i] = newEvents(t, count)
		}
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			<-start
			expected := domain.ExpectNoStream
			for i, events := range batches[w] {
				count := len(events)
				res, err := s.Append(context.Background(), streams[w], expected, events)
				if err != nil {
					t.Errorf("writer %d append %d: %v", w, i, err)
					return
				}
				first := uint64(expected + 1)
				if res.NextRevision != first+uint64(count)-1 {
					t.Errorf("writer %d append %d: NextRevision = %d, want %d", w, i, res.NextRevision, first+uint64(count)-1)
					return
				}
				for j, e := range events {
					pos := domain.Position(0)
					switch j {
					case 0:
						pos = res.FirstPosition
					case count - 1:
						pos = res.LastPosition
					}
					results[w] = append(results[w], written{streams[w], first + uint64(j), pos, e})
				}
				expected = domain.ExpectRevision(res.NextRevision)
			}
		})
	}
	close(start)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}

	byID := make(map[uuid.UUID]written)
	for _, rs := range results {
		for _, r := range rs {
			byID[r.event.ID] = r
		}
	}
	all := readAll(t, s)
	if len(all) != len(byID) {
		t.Fatalf("ReadAll: %d events, want %d", len(all), len(byID))
	}
	seen := make(map[uuid.UUID]bool, len(all))
	nextRevision := make(map[string]uint64, writers)
	for _, got := range all {
		w, ok := byID[got.ID]
		if !ok {
			t.Fatalf("ReadAll returned unknown event %s", describe(got))
		}
		if seen[got.ID] {
			t.Fatalf("ReadAll returned event %s twice", got.ID)
		}
		seen[got.ID] = true
		checkStored(t, got, w.stream, w.revision, w.event)
		if w.position != 0 && got.Position != w.position {
			t.Errorf("event %s: ReadAll position %d, AppendResult said %d", got.ID, got.Position, w.position)
		}
		// In log order, each stream's revisions come 0, 1, 2, ...
		if got.Revision != nextRevision[got.Stream] {
			t.Fatalf("in log order %s has revision %d next, want %d", got.Stream, got.Revision, nextRevision[got.Stream])
		}
		nextRevision[got.Stream]++
	}
	for w, stream := range streams {
		if got := readStream(t, s, stream); len(got) != len(results[w]) {
			t.Errorf("ReadStream(%s): %d events, want %d", stream, len(got), len(results[w]))
		}
	}
}
