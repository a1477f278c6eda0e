package embedded

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// bigEvent is an unchained event of about size bytes of data.
func bigEvent(size int) domain.NewEvent {
	return domain.NewEvent{ID: uuid.Must(uuid.NewV7()), Type: "DonationReceived",
		Data: fmt.Appendf(nil, `{"note":%q}`, strings.Repeat("x", size)), Metadata: []byte(`{}`)}
}

// request builds a request as Append queues it.
func newRequest(stream string, expected domain.ExpectedRevision, events ...domain.NewEvent) *request {
	r := &request{ctx: context.Background(), stream: stream, expected: expected, events: events, done: make(chan struct{})}
	for _, e := range events {
		r.ids = append(r.ids, e.ID.String())
	}
	return r
}

// capPages makes the writer's connection refuse to grow the file beyond
// its current size plus extra pages, as a full disk does: SQLite itself
// answers SQLITE_FULL. A negative extra lifts the cap.
func capPages(t *testing.T, s *Store, extra int) {
	t.Helper()
	ctx := context.Background()
	limit := int64(1 << 30) // SQLite's default ceiling
	if extra >= 0 {
		if err := s.w.conn.QueryRowContext(ctx, "PRAGMA page_count").Scan(&limit); err != nil {
			t.Fatal(err)
		}
		limit += int64(extra)
	}
	var got int64
	if err := s.w.conn.QueryRowContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", limit)).Scan(&got); err != nil || got != limit {
		t.Fatalf("PRAGMA max_page_count = %d: %d, %v", limit, got, err)
	}
}

// TestWriteFaults: a store that cannot grow its file answers
// ErrStoreUnavailable, writes nothing of the failed batch — not even its
// requests before the one that failed — reports itself unhealthy, and
// takes writes again once it can, with every acknowledged append there
// once.
func TestWriteFaults(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatalf("Open error: %v", err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.CheckWritable(ctx); err != nil {
		t.Fatalf("CheckWritable on a fresh store = %v, want nil", err)
	}
	acked := 0
	for range 3 {
		if _, err := s.Append(ctx, "fund-a", domain.ExpectedRevision(acked-1), []domain.NewEvent{bigEvent(100)}); err != nil {
			t.Fatalf("Append: %v", err)
		}
		acked++
	}

	capPages(t, s, 0)
	small, big := newRequest("fund-a", domain.ExpectRevision(uint64(acked-1)), bigEvent(10)),
		newRequest("fund-b", domain.ExpectNoStream, bigEvent(64<<10))
	s.commitBatch([]*request{small, big}) // as the writer would: one transaction
	// Several events under a savepoint: the full file must still be told
	// as such, not as the savepoint SQLite has already rolled back.
	several := newRequest("fund-c", domain.ExpectNoStream, bigEvent(10), bigEvent(64<<10), bigEvent(10))
	s.commitBatch([]*request{several})
	for i, r := range []*request{small, big, several} {
		<-r.done
		if !errors.Is(r.err, domain.ErrStoreUnavailable) || errors.Is(r.err, domain.ErrOutcomeUnknown) {
			t.Errorf("request %d of a batch that met a full file = %v, want ErrStoreUnavailable (nothing written), not an unknown outcome", i, r.err)
		}
	}
	if err := s.WriteHealth(); !errors.Is(err, domain.ErrStoreUnavailable) {
		t.Errorf("WriteHealth after a full file = %v, want ErrStoreUnavailable", err)
	}
	if got, err := s.ReadAll(ctx, 0, 100); err != nil || len(got) != acked {
		t.Fatalf("ReadAll after the failed batch = %d events, %v; want the %d acknowledged", len(got), err, acked)
	}

	capPages(t, s, -1)
	if _, err := s.Append(ctx, "fund-b", domain.ExpectNoStream, []domain.NewEvent{bigEvent(64 << 10)}); err != nil {
		t.Fatalf("Append once the file can grow = %v, want nil", err)
	}
	if _, err := s.Append(ctx, "fund-a", domain.ExpectRevision(uint64(acked-1)), []domain.NewEvent{bigEvent(10)}); err != nil {
		t.Fatalf("Append once the file can grow = %v, want nil", err)
	}
	if err := s.WriteHealth(); err != nil {
		t.Errorf("WriteHealth after a successful write = %v, want nil", err)
	}
	got, err := s.ReadAll(ctx, 0, 100)
	if err != nil || len(got) != acked+2 {
		t.Fatalf("ReadAll = %d events, %v; want %d", len(got), err, acked+2)
	}
}

// TestProbeRecovers: while the store is unhealthy, the writer's own probe
// makes it healthy again once it can write, with no append sent.
func TestProbeRecovers(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatalf("Open error: %v", err)
	}
	defer s.Close()
	capPages(t, s, 0)
	if _, err := s.Append(context.Background(), "fund-a", domain.ExpectNoStream, []domain.NewEvent{bigEvent(64 << 10)}); !errors.Is(err, domain.ErrStoreUnavailable) {
		t.Fatalf("Append to a full file = %v, want ErrStoreUnavailable", err)
	}
	if s.WriteHealth() == nil {
		t.Fatal("WriteHealth after a failed write = nil, want the failure")
	}
	// The probe rewrites a page the file already has, so the cap does not
	// stop it: it succeeds as on a disk that has room again.
	deadline := time.Now().Add(5 * probeInterval)
	for s.WriteHealth() != nil {
		if time.Now().After(deadline) {
			t.Fatalf("WriteHealth %v after %v, want nil once the probe succeeds", s.WriteHealth(), 5*probeInterval)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestBatchChainBrokenAlone: in one batch, an append that does not link to
// its stream's stored tail is refused alone; the others commit.
func TestBatchChainBrokenAlone(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatalf("Open error: %v", err)
	}
	defer s.Close()
	seal := func(prev string, n int) (domain.NewEvent, string) {
		ne, meta, err := domain.Seal(prev, &domain.UnitRegistered{UnitID: domain.UnitID(fmt.Sprintf("u-%d", n)), Name: "Công đoàn"},
			domain.Metadata{EventID: uuid.Must(uuid.NewV7()), OccurredOn: domain.MustDate("2024-01-10"),
				RecordedAt: time.Date(2024, 1, 10, 0, 0, n, 0, time.UTC), Actor: "test", PayloadHash: fmt.Sprintf("%064x", n)})
		if err != nil {
			t.Fatal(err)
		}
		return ne, meta.Hash
	}
	a0, ha := seal(domain.GenesisHash, 0)
	b0, _ := seal(domain.GenesisHash, 1)
	a1, _ := seal(ha, 2)
	b1wrong, _ := seal(ha, 3) // decided on another tail
	c0, _ := seal(domain.GenesisHash, 4)
	if _, err := s.Append(context.Background(), "fund-a", domain.ExpectNoStream, []domain.NewEvent{a0}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Append(context.Background(), "fund-b", domain.ExpectNoStream, []domain.NewEvent{b0}); err != nil {
		t.Fatal(err)
	}
	batch := []*request{
		newRequest("fund-a", domain.ExpectRevision(0), a1),
		newRequest("fund-b", domain.ExpectRevision(0), b1wrong),
		newRequest("fund-c", domain.ExpectNoStream, c0),
	}
	s.commitBatch(batch)
	wantErr := []error{nil, domain.ErrChainBroken, nil}
	for i, r := range batch {
		<-r.done
		if !errors.Is(r.err, wantErr[i]) || (wantErr[i] == nil && r.err != nil) {
			t.Errorf("request %d error = %v, want %v", i, r.err, wantErr[i])
		}
	}
	got, err := s.ReadAll(context.Background(), 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	var where []string
	for _, e := range got {
		where = append(where, fmt.Sprintf("%s/%d", e.Stream, e.Revision))
	}
	if strings.Join(where, " ") != "fund-a/0 fund-b/0 fund-a/1 fund-c/0" {
		t.Errorf("log = %v, want fund-a/0 fund-b/0 fund-a/1 fund-c/0", where)
	}
	if s.WriteHealth() != nil {
		t.Errorf("WriteHealth after a refused append = %v, want nil: a refusal says nothing of the disk", s.WriteHealth())
	}
}
