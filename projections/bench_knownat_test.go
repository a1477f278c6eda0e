package projections_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
)

// knownAtOf returns an instant on business date d, in the afternoon: the
// generated histories record each event during the office hours of its
// business date, so most of a fund's later events are unknown at it.
func knownAtOf(d domain.Date) projections.Known {
	return projections.KnownAt(time.Date(d.Year(), time.Month(int(d)/100%100), int(d)%100, 15, 0, 0, 0, domain.VietnamZone))
}

// Issue 14's bounds on known_at answers at 10 M events.
const (
	fundKnownAtTarget     = time.Millisecond
	provinceKnownAtTarget = 20 * time.Millisecond
)

// withinAt10M fails b when the history has 10 M events or more and a
// query took target or longer on average.
func withinAt10M(b *testing.B, h *history, target time.Duration) {
	b.Helper()
	if b.N > 0 && h.sum.Events >= tenMillion {
		if per := b.Elapsed() / time.Duration(b.N); per >= target {
			b.Errorf("%v a query at %d events, want < %v", per, h.sum.Events, target)
		}
	}
}

// BenchmarkHistoryKnownAt measures known_at answers on the generated
// history beside the same queries without known_at, in the same run (issue
// 14: a fund summary < 1 ms, a province's roll-up < 20 ms at 10 M events,
// which the benchmark fails at WL_BENCH_10M=1):
// a fund summary as of a random date as known that afternoon, and a
// province's roll-up over a random period as known at its last day. The
// known_at answers are folds over the funds' transactions (see
// projections.Known), so they grow with a fund's history.
func BenchmarkHistoryKnownAt(b *testing.B) {
	h := sharedHistory(b)
	rng := rand.New(rand.NewPCG(5, 6))
	type query struct {
		fund     int
		unit     domain.UnitID
		from, to domain.Date
	}
	qs := make([]query, queryMix)
	for i := range qs {
		from, to := randomPeriod(rng, h.sum.Spec.From, h.sum.Last)
		qs[i] = query{fund: rng.IntN(len(h.sum.Funds)), unit: h.sum.Provinces[rng.IntN(len(h.sum.Provinces))], from: from, to: to}
	}
	b.Run("fund/plain", func(b *testing.B) {
		i := 0
		for b.Loop() {
			q := qs[i%queryMix]
			if _, ok := h.proj.FundSummary(h.sum.Funds[q.fund], q.to); !ok {
				b.Fatal("fund not found")
			}
			i++
		}
	})
	b.Run("fund/known_at", func(b *testing.B) {
		i := 0
		for b.Loop() {
			q := qs[i%queryMix]
			// A fund opened after the instant is not found: that is an
			// answer too.
			h.proj.FundSummaryKnown(h.sum.Funds[q.fund], q.to, knownAtOf(q.to))
			i++
		}
		withinAt10M(b, h, fundKnownAtTarget)
	})
	var sum projections.UnitSummary
	b.Run("province/plain", func(b *testing.B) {
		i := 0
		for b.Loop() {
			q := qs[i%queryMix]
			if !h.proj.UnitSummaryInto(&sum, q.unit, q.from, q.to) {
				b.Fatal("unit not found")
			}
			i++
		}
	})
	b.Run("province/known_at", func(b *testing.B) {
		i := 0
		for b.Loop() {
			q := qs[i%queryMix]
			if !h.proj.UnitSummaryKnownInto(&sum, q.unit, q.from, q.to, knownAtOf(q.to)) {
				b.Fatal("unit not found")
			}
			i++
		}
		withinAt10M(b, h, provinceKnownAtTarget)
	})
	b.Run("province/known_at-now", func(b *testing.B) {
		// After every recording: the indexes answer, behind one check of
		// every fund of the subtree.
		late := projections.KnownAt(time.Now().Add(time.Hour))
		i := 0
		for b.Loop() {
			q := qs[i%queryMix]
			if !h.proj.UnitSummaryKnownInto(&sum, q.unit, q.from, q.to, late) {
				b.Fatal("unit not found")
			}
			i++
		}
	})
}
