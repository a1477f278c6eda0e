package embedded_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/store/embedded"
)

// commitTotals sums what OnCommit reports.
type commitTotals struct {
	calls, events, appends int
	nonPositiveTook        int
}

// commits records OnCommit's reports; the writer goroutine calls observe.
type commits struct {
	mu  sync.Mutex
	sum commitTotals
}

func (c *commits) observe(events, appends int, took time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sum.calls++
	c.sum.events += events
	c.sum.appends += appends
	if took <= 0 {
		c.sum.nonPositiveTook++
	}
}

// TestObservation: OnCommit sees every committed event and append once and
// nothing refused; Head follows the log, also across a reopen; DiskSize
// covers the file and its WAL.
func TestObservation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	var seen commits
	s, err := embedded.Open(path, embedded.OnCommit(seen.observe))
	if err != nil {
		t.Fatalf("Open error: %v", err)
	}
	if got := s.Head(); got != 0 {
		t.Errorf("Head() of an empty log = %d, want 0", got)
	}
	const streams, perStream = 16, 5
	var wg sync.WaitGroup
	for i := range streams {
		wg.Go(func() {
			stream := "fund-" + string(rune('a'+i))
			expected := domain.ExpectNoStream
			for j := range perStream {
				// Two events per append: events and appends differ.
				res, err := s.Append(context.Background(), stream, expected, []domain.NewEvent{event(t, j), event(t, j)})
				if err != nil {
					t.Errorf("Append to %s: %v", stream, err)
					return
				}
				expected = domain.ExpectRevision(res.NextRevision)
			}
		})
	}
	wg.Wait()
	// A refused append commits nothing and is not reported.
	if _, err := s.Append(context.Background(), "fund-a", domain.ExpectNoStream, []domain.NewEvent{event(t, 1)}); !errors.Is(err, domain.ErrWrongExpectedVersion) {
		t.Fatalf("stale Append error = %v, want %v", err, domain.ErrWrongExpectedVersion)
	}

	const wantAppends = streams * perStream
	seen.mu.Lock()
	got := seen.sum
	seen.mu.Unlock()
	if got.appends != wantAppends || got.events != 2*wantAppends {
		t.Errorf("OnCommit saw %d appends and %d events, want %d and %d", got.appends, got.events, wantAppends, 2*wantAppends)
	}
	if got.calls < 1 || got.calls > wantAppends || uint64(got.calls) != s.Stats().BatchesCommitted {
		t.Errorf("OnCommit called %d times, want one per batch (%d)", got.calls, s.Stats().BatchesCommitted)
	}
	if got.nonPositiveTook != 0 {
		t.Errorf("OnCommit reported a commit time <= 0 %d times, want never", got.nonPositiveTook)
	}
	log := readAll(t, s)
	last := log[len(log)-1].Position
	if h := s.Head(); h != last || len(log) != 2*wantAppends {
		t.Errorf("Head() = %d with %d events, want %d with %d", h, len(log), last, 2*wantAppends)
	}

	size, err := s.DiskSize()
	if err != nil {
		t.Fatalf("DiskSize() error: %v", err)
	}
	var files int64
	for _, p := range []string{path, path + "-wal"} {
		if fi, err := os.Stat(p); err == nil {
			files += fi.Size()
		}
	}
	if size != files || size <= 0 {
		t.Errorf("DiskSize() = %d, want the database and WAL files' %d (> 0)", size, files)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close error: %v", err)
	}

	// After a reopen Head starts from the file.
	s = openStore(t, path)
	if h := s.Head(); h != last {
		t.Errorf("Head() after reopen = %d, want %d", h, last)
	}
}
