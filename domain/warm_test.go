package domain_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/store/embedded"
)

// readCountingStore is the embedded store counting the reads of fund
// streams, and holding the first when gated (fundReadGate).
type readCountingStore struct {
	*embedded.Store
	fundReadGate
}

func (s *readCountingStore) ReadStream(ctx context.Context, stream string, from uint64, max int) ([]domain.StoredEvent, error) {
	s.reading(stream)
	return s.Store.ReadStream(ctx, stream, from, max)
}

// TestLedgerWarmFund: after a warm-up, the fund's next command is decided
// on the cached state without reading the stream again, and a retry of a
// transaction recorded before the start is still a replay; a fund that
// does not exist, or whose opening is void, is no error and leaves nothing
// in the cache.
func TestLedgerWarmFund(t *testing.T) {
	env := newLedgerEnv(t, domain.FundSocial)
	earlier := donate(env.fund, 500)
	mustRecord(t, env.l, earlier)
	mustRecord(t, env.l, donate(env.fund, 700))
	closeYear(t, env.l, "lang-son", 2023)
	voidOpening := domain.OpenFund{FundID: domain.NewID(), UnitID: "lang-son", Name: "Quỹ mở muộn", Kind: domain.FundSocial,
		OpenedOn: domain.MustDate("2023-06-01")}
	plantOpening(t, env.store, voidOpening)

	for _, tc := range []struct {
		name       string
		fund       uuid.UUID
		wantCached int // funds in the cache after the warm-up
	}{
		{"a fund with history", env.fund, 1},
		{"a fund that does not exist", domain.NewID(), 0},
		{"a fund whose opening is void", voidOpening.FundID, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// A new ledger on the same file: a start, every fund cold.
			st := &readCountingStore{Store: env.store}
			l := domain.NewLedger(st, clockAt(ledgerNow))
			if err := l.WarmFund(t.Context(), tc.fund); err != nil {
				t.Fatalf("WarmFund = %v, want nil", err)
			}
			// The worker drops the slot of a missing fund once its queue
			// is empty, just after it answers the warm-up.
			got := l.CachedFunds()
			for deadline := time.Now().Add(5 * time.Second); got != tc.wantCached && time.Now().Before(deadline); got = l.CachedFunds() {
				time.Sleep(time.Millisecond)
			}
			if got != tc.wantCached {
				t.Errorf("funds cached after the warm-up = %d, want %d", got, tc.wantCached)
			}
			if st.fundReads.Load() == 0 {
				t.Fatalf("the warm-up read no fund stream")
			}
			if tc.wantCached == 0 {
				return
			}
			st.fundReads.Store(0)
			// A second warm-up of a warm fund reads nothing.
			if err := l.WarmFund(t.Context(), tc.fund); err != nil {
				t.Fatalf("second WarmFund = %v, want nil", err)
			}
			replay, err := l.Record(t.Context(), earlier, testActor)
			if err != nil || !replay.Replay {
				t.Fatalf("Record(the earlier donation again) = %+v, %v; want a replay", replay, err)
			}
			if _, err := l.Record(t.Context(), donate(tc.fund, 300), testActor); err != nil {
				t.Fatalf("Record after the warm-up = %v, want recorded", err)
			}
			if got := st.fundReads.Load(); got != 0 {
				t.Errorf("reads of the fund stream after the warm-up = %d, want 0", got)
			}
			if got, want := balanceOf(t, env.store, tc.fund), vnd(500+700+300); !got.Equal(want) {
				t.Errorf("balance = %s, want %s", got, want)
			}
		})
	}
}

// TestLedgerWarmFundBesideWrites: a write queued while a warm-up reads the
// fund's stream is recorded once, on the state the warm-up loaded, and a
// close of a fiscal year does not wait for the warm-up's read (it takes no
// part of the period fence).
func TestLedgerWarmFundBesideWrites(t *testing.T) {
	env := newLedgerEnv(t, domain.FundSocial)
	mustRecord(t, env.l, donate(env.fund, 1000))
	st := &readCountingStore{Store: env.store, fundReadGate: gated()}
	l := domain.NewLedger(st, clockAt(ledgerNow))

	var warmErr, writeErr error
	var written domain.TxResult
	var wg sync.WaitGroup
	wg.Go(func() { warmErr = l.WarmFund(t.Context(), env.fund) })
	<-st.held // the warm-up is reading the stream
	closed := make(chan error, 1)
	go func() {
		_, err := l.ClosePeriod(t.Context(), domain.ClosePeriod{UnitID: "lang-son", Year: 2023}, testActor, fixedSeal)
		closed <- err
	}()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatalf("ClosePeriod during the warm-up = %v, want closed", err)
		}
	case <-time.After(10 * time.Second):
		close(st.gate)
		t.Fatalf("ClosePeriod waited for the warm-up's read of the fund stream")
	}
	write := donate(env.fund, 250)
	wg.Go(func() { written, writeErr = l.Record(t.Context(), write, testActor) })
	time.Sleep(50 * time.Millisecond) // the write queues behind the warm-up
	close(st.gate)
	wg.Wait()
	if warmErr != nil {
		t.Fatalf("WarmFund = %v, want nil", warmErr)
	}
	if writeErr != nil || written.Replay {
		t.Fatalf("Record during the warm-up = %+v, %v; want recorded, not a replay", written, writeErr)
	}
	count := 0
	for _, se := range env.stream(env.fund) {
		if se.ID == write.TransactionID {
			count++
		}
	}
	if count != 1 {
		t.Errorf("the write is %d times in the stream, want once", count)
	}
	if got, want := balanceOf(t, env.store, env.fund), vnd(1250); !got.Equal(want) {
		t.Errorf("balance = %s, want %s", got, want)
	}
	if err := verifyChain(env.stream(env.fund)); err != nil {
		t.Errorf("fund stream does not verify: %v", err)
	}
}
