package embedded_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// A subscription sees what another process (here: another Store on the same
// file, as `welfare-ledger token issue` is beside a running server) appends,
// although no commit of its own wakes it.
func TestSubscriptionSeesOtherProcessAppends(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	server := openStore(t, path)
	cli := openStore(t, path)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	sub, err := server.Subscribe(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Close()
	got := make(chan []domain.StoredEvent, 1)
	go func() {
		evs, err := sub.Next(ctx)
		if err != nil {
			t.Errorf("Next: %v", err)
		}
		got <- evs
	}()
	// Let Next find the log empty and start waiting before the append.
	time.Sleep(100 * time.Millisecond)
	if _, err := cli.Append(ctx, "access", domain.ExpectNoStream, []domain.NewEvent{event(t, 1)}); err != nil {
		t.Fatal(err)
	}
	select {
	case evs := <-got:
		if len(evs) != 1 || evs[0].Stream != "access" {
			t.Fatalf("Next = %d events, want the one appended by the other store", len(evs))
		}
	case <-ctx.Done():
		t.Fatal("the subscription did not see the other store's append")
	}
}
