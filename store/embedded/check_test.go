package embedded_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/store/embedded"
)

// TestCheckStorage: a sound file has no problem; a page of an index's
// b-tree overwritten on disk (which reads by position never touch) is
// reported; a closed store says so.
func TestCheckStorage(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "ledger.db")
	s, err := embedded.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		ev := domain.NewEvent{ID: uuid.New(), Type: "Tested", Data: []byte(`{"n":1}`), Metadata: []byte(`{}`)}
		expected := domain.ExpectNoStream
		if i > 0 {
			expected = domain.ExpectRevision(uint64(i - 1))
		}
		if _, err := s.Append(ctx, "s-1", expected, []domain.NewEvent{ev}); err != nil {
			t.Fatal(err)
		}
	}
	if problems, err := s.CheckStorage(ctx); err != nil || len(problems) != 0 {
		t.Fatalf("CheckStorage(sound file) = %q, %v; want none", problems, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CheckStorage(ctx); !errors.Is(err, domain.ErrStoreClosed) {
		t.Errorf("CheckStorage(closed) = %v, want ErrStoreClosed", err)
	}

	// Overwrite the root page of the event id index.
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	var root, pageSize int64
	err = db.QueryRow(`SELECT rootpage FROM sqlite_schema WHERE name = 'events_event_id'`).Scan(&root)
	if err == nil {
		err = db.QueryRow(`PRAGMA page_size`).Scan(&pageSize)
	}
	if err == nil {
		_, err = db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	}
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteAt(bytes.Repeat([]byte{0xA5}, int(pageSize)), (root-1)*pageSize)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}

	s = openStore(t, path)
	if evs, err := s.ReadAll(ctx, 0, 100); err != nil || len(evs) != 50 {
		t.Fatalf("ReadAll of the damaged file = %d events, %v; want all 50 (reads by position)", len(evs), err)
	}
	problems, err := s.CheckStorage(ctx)
	if err != nil || len(problems) == 0 {
		t.Fatalf("CheckStorage(damaged index) = %q, %v; want problems", problems, err)
	}
	t.Logf("problems: %q", problems)
}
