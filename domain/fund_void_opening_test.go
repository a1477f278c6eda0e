package domain_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/store/embedded"
)

// plantOpening writes c's FundOpened straight into the store, as an
// instance that had not yet read a close would have: the opening of a
// fund that is void once the close is known.
func plantOpening(t *testing.T, st domain.EventStore, c domain.OpenFund) {
	t.Helper()
	meta := domain.Metadata{EventID: c.FundID, OccurredOn: c.OpenedOn, RecordedAt: time.Now().UTC(), Actor: testActor,
		PayloadHash: domain.PayloadHash(c)}
	ne, _, err := domain.Seal(domain.GenesisHash, &domain.FundOpened{FundID: c.FundID, UnitID: c.UnitID, Name: c.Name, Kind: c.Kind, OpenedOn: c.OpenedOn}, meta)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Append(t.Context(), domain.FundStream(c.FundID), domain.ExpectNoStream, []domain.NewEvent{ne}); err != nil {
		t.Fatalf("plant the opening: %v", err)
	}
}

// sharedEmbedded is the embedded store presented as shared between
// instances (as KurrentDB is), so that the ledger splits a fund's queue
// into one append per fiscal year; when gated, it holds the first read of
// a fund's stream (fundReadGate).
type sharedEmbedded struct {
	*embedded.Store
	fundReadGate
}

func (*sharedEmbedded) SharedBetweenInstances() bool { return true }

func (s *sharedEmbedded) ReadStream(ctx context.Context, stream string, from uint64, max int) ([]domain.StoredEvent, error) {
	s.reading(stream)
	return s.Store.ReadStream(ctx, stream, from, max)
}

// TestLedgerFundWithAVoidOpening: a fund whose opening landed in a year
// already closed does not exist, however the ledger comes to read its
// stream again. The cached state used to be read again from the stream's
// start but chained to the void opening's hash, which broke the chain: a
// second command queued behind the first (here one of another year, on a
// shared store, where an append holds one year) was answered chain_broken
// instead of not_found (seen once in TestTwoInstancesCloseRacesAFundOpening).
// The opening's id stays the void event's, whatever the date of a new
// request that reuses it.
func TestLedgerFundWithAVoidOpening(t *testing.T) {
	env := newLedgerEnv(t, domain.FundSocial)
	closeYear(t, env.l, "lang-son", 2023)
	opening := domain.OpenFund{FundID: domain.NewID(), UnitID: "lang-son", Name: "Quỹ mở muộn", Kind: domain.FundSocial, OpenedOn: domain.MustDate("2023-06-01")}
	plantOpening(t, env.store, opening)

	t.Run("commands queued together", func(t *testing.T) {
		st := &sharedEmbedded{Store: env.store, fundReadGate: gated()}
		l := domain.NewLedger(st, clockAt(ledgerNow))
		errs := make([]error, 2)
		var wg sync.WaitGroup
		wg.Go(func() {
			_, errs[0] = l.Record(t.Context(), dated(donate(opening.FundID, 1000), "2024-01-02"), testActor)
		})
		<-st.held // the first command's worker reads the stream
		wg.Go(func() {
			_, errs[1] = l.Record(t.Context(), dated(donate(opening.FundID, 2000), "2025-01-02"), testActor)
		})
		time.Sleep(50 * time.Millisecond) // the second is queued behind it
		close(st.gate)
		wg.Wait()
		for i, err := range errs {
			if domain.CodeOf(err) != domain.CodeNotFound {
				t.Errorf("donation %d to the fund with a void opening = %v, want not_found", i, err)
			}
		}
	})
	t.Run("an opening of the same id in an open year", func(t *testing.T) {
		again := opening
		again.OpenedOn = domain.MustDate("2024-02-01")
		_, err := env.l.OpenFund(t.Context(), again, testActor)
		if domain.CodeOf(err) != domain.CodePeriodClosed {
			t.Errorf("OpenFund(same id, 2024) = %v, want period_closed: the id is the void opening's, and can never be recorded", err)
		}
		if _, err := env.l.OpenFund(t.Context(), opening, testActor); domain.CodeOf(err) != domain.CodePeriodClosed {
			t.Errorf("OpenFund(the void opening again) = %v, want period_closed", err)
		}
		fresh := domain.NewID()
		again.FundID = fresh
		if _, err := env.l.OpenFund(t.Context(), again, testActor); err != nil {
			t.Errorf("OpenFund(a new id, 2024) = %v, want opened", err)
		}
		if n := len(env.stream(opening.FundID)); n != 1 {
			t.Errorf("the void fund's stream holds %d events, want its opening only", n)
		}
	})
}
