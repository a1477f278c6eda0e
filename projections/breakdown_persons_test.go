package projections

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// After a checkpoint load, readers asking for the same breakdowns at once
// build each pending scope's person indexes once (the others wait for its
// job), and all get the figures of the projections the checkpoint was
// written from (with -race, this also checks that the jobs and the
// readers do not race).
func TestBreakdownPersonsBuiltUnderConcurrentReaders(t *testing.T) {
	h := newCkptHistory(t, 21, 300)
	live := h.proj
	loaded := roundTrip(t, live)
	pending := 0
	for _, u := range loaded.unitOrder {
		if u.bdPersonsPending.Load() {
			pending++
		}
	}
	if pending != len(loaded.unitOrder) {
		t.Fatalf("%d of %d units pending after the load, want all", pending, len(loaded.unitOrder))
	}
	want := breakdownAnswers(t, h, live)
	if personsHelped(h, live) == 0 {
		t.Fatal("the history's breakdowns count no person: nothing to compare")
	}
	const readers = 4
	got := make([]string, readers)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() { got[i] = breakdownAnswers(t, h, loaded) })
	}
	wg.Wait()
	for i, g := range got {
		if g != want {
			t.Fatalf("reader %d:\n got  %s\n want %s", i, g, want)
		}
	}
	for _, u := range loaded.unitOrder {
		if u.bdPersonsPending.Load() {
			t.Fatalf("unit %s still pending after its breakdown was asked for", u.view.ID)
		}
	}
}

// breakdownEnd is the end of the periods breakdownAnswers asks for.
var breakdownEnd = domain.MustDate("2099-12-31")

// breakdownAnswers is every breakdown p answers for h's units (from the
// beginning and from 2021-01-02) and funds, as JSON: two projections of h
// agree on the breakdowns when their answers are equal.
func breakdownAnswers(t *testing.T, h *ckptHistory, p *Projections) string {
	var out []any
	for _, id := range h.unitIDs {
		for _, from := range []domain.Date{0, domain.MustDate("2021-01-02")} {
			s, ok := p.UnitSummary(id, from, breakdownEnd)
			out = append(out, ok, s.Breakdown)
		}
	}
	for _, id := range h.fundIDs {
		s, ok := p.FundSummary(id, 0)
		out = append(out, ok, s.Breakdown)
	}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// personsHelped adds up the persons of every line of h's units'
// breakdowns in p: zero means breakdownAnswers has no person to compare.
func personsHelped(h *ckptHistory, p *Projections) int {
	helped := 0
	for _, id := range h.unitIDs {
		if s, ok := p.UnitSummary(id, 0, breakdownEnd); ok && s.Breakdown != nil {
			for l := range bdLine(numLines) {
				helped += s.Breakdown.line(l).Persons
			}
		}
	}
	return helped
}

// writeLimit is how long a test lets a write wait behind a breakdown job
// before it calls it held: far more than any turn under the lock.
const writeLimit = 10 * time.Second

// tinyTurns makes jobs' turns under the lock of a few transactions and
// recorded events, so that a small history has many turns.
func tinyTurns(t *testing.T) {
	t.Helper()
	txs, ops := bdTurnTxs, bdTurnOps
	t.Cleanup(func() { bdTurnTxs, bdTurnOps = txs, ops })
	bdTurnTxs, bdTurnOps = 5, 1
}

// Between a breakdown job's turns under the lock, writes complete: each
// turn, the job is held (bdPause) until the next event of the log is
// applied by another goroutine, which would wait for ever were the job
// holding the read lock. The grants and reversals applied while a job
// runs are counted as the live apply counts them: after the rest of the
// log, every answer and every index equals those of the projections that
// applied it all live.
func TestBreakdownJobsLetWritesThrough(t *testing.T) {
	tinyTurns(t)
	for seed := uint64(31); seed <= 33; seed++ {
		h := newCkptHistory(t, seed, 1500)
		cut := len(h.events) / 3
		loaded := roundTrip(t, h.replay(cut))
		next, grants, reversals := cut, 0, 0
		loaded.bdPause = func() {
			if next == len(h.events) {
				return
			}
			e := h.events[next]
			next++
			switch domain.EventType(e.Type) {
			case domain.TypeShelterGrantPaid, domain.TypeAssistanceGranted, domain.TypeLoanDisbursed:
				grants++
			case domain.TypeTransactionReversed:
				reversals++
			}
			done := make(chan error, 1)
			go func() { done <- loaded.applyStored([]domain.StoredEvent{e}) }()
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("apply %s at %d: %v", e.Type, e.Position, err)
				}
			case <-time.After(writeLimit):
				t.Fatalf("seed %d: the write of %s at %d waited %v behind a breakdown job", seed, e.Type, e.Position, writeLimit)
			}
		}
		// Each scope's first breakdown query runs its job.
		for _, id := range h.unitIDs {
			loaded.UnitSummary(id, 0, domain.MaxDate)
		}
		for _, id := range h.fundIDs {
			loaded.FundSummary(id, 0)
		}
		loaded.bdPause = nil
		if grants == 0 || reversals == 0 {
			t.Fatalf("seed %d: %d grants and %d reversals applied during the jobs, want some of each", seed, grants, reversals)
		}
		if err := loaded.applyStored(h.events[next:]); err != nil {
			t.Fatal(err)
		}
		for _, u := range loaded.unitOrder {
			if u.bdPersonsPending.Load() || u.bdJob != nil {
				t.Fatalf("seed %d: unit %s pending %v, job %v after its breakdown was asked for", seed, u.view.ID, u.bdPersonsPending.Load(), u.bdJob != nil)
			}
		}
		sameAnswers(t, "jobs run between writes, then the rest of the log", h, loaded, h.proj)
		// What the indexes hold, not only what the queries ask.
		sameIndexes(t, "jobs run between writes, then the rest of the log", loaded, h.proj)
	}
}

// The warmer builds every pending unit with enough transactions;
// stopped during a job, it gives the job up, leaving the unit pending
// with no job, and the unit's next query builds it.
func TestWarmBreakdowns(t *testing.T) {
	tinyTurns(t)
	defer func(n int) { warmMinTxs = n }(warmMinTxs)
	warmMinTxs = 0
	h := newCkptHistory(t, 35, 300)
	loaded := roundTrip(t, h.proj)
	ctx, cancel := context.WithCancel(context.Background())
	turns := 0
	loaded.bdPause = func() {
		if turns++; turns == 3 {
			cancel()
		}
	}
	loaded.WarmBreakdowns(ctx)
	root := loaded.units["vgcl"]
	if !root.bdPersonsPending.Load() || root.bdJob != nil {
		t.Fatalf("after the warmer stopped in the root's job: pending %v, job %v; want pending and no job", root.bdPersonsPending.Load(), root.bdJob != nil)
	}
	loaded.bdPause = nil
	sameAnswers(t, "queries after a stopped warmer", h, loaded, h.proj)

	loaded = roundTrip(t, h.proj)
	loaded.WarmBreakdowns(context.Background())
	for _, u := range loaded.unitOrder {
		if u.bdPersonsPending.Load() {
			t.Fatalf("unit %s pending after the warmer", u.view.ID)
		}
	}
	for _, f := range loaded.fundOrder {
		if !f.bdPersonsPending.Load() {
			t.Fatalf("fund %s built by the warmer, which leaves funds to their first query", f.info.FundID)
		}
	}
	sameAnswers(t, "warmed", h, loaded, h.proj)

	// Only the units with at least warmMinTxs transactions.
	warmMinTxs = len(loaded.units["cao-loc"].funds[0].txs) + len(loaded.units["cao-loc"].funds[1].txs)
	loaded = roundTrip(t, h.proj)
	if n := loaded.WarmBreakdowns(context.Background()); n != 3 {
		t.Errorf("WarmBreakdowns with at least %d transactions built %d units, want 3 (vgcl, lang-son, cao-loc)", warmMinTxs, n)
	}
	for _, u := range loaded.unitOrder {
		txs := 0
		u.walkFunds(func(f *fundNode) { txs += len(f.txs) })
		if built := !u.bdPersonsPending.Load(); built != (txs >= warmMinTxs) {
			t.Errorf("unit %s of %d transactions: built %v, want %v", u.view.ID, txs, built, txs >= warmMinTxs)
		}
	}
}
