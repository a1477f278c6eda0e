package projections_test

import (
	"math/rand/v2"
	"testing"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
)

// BenchmarkHistoryUnitSummaryBreakdown measures a province's roll-up with
// its breakdown against the same roll-up without it, on the same random
// queries in the same run (issue 15: within 1.5×), for the periods an
// official asks: a random one, everything to date, this year. It reports
// ns/query of each and their ratio. Like the other History benchmarks it
// runs on a generated ledger, only when asked for (see historySize).
func BenchmarkHistoryUnitSummaryBreakdown(b *testing.B) {
	// breakdownRound is how many queries each side runs in a round.
	const breakdownRound = 64
	h := sharedHistory(b)
	for _, tc := range []struct {
		name   string
		period func(rng *rand.Rand) (from, to domain.Date)
	}{
		{"province/period", func(rng *rand.Rand) (domain.Date, domain.Date) {
			return randomPeriod(rng, h.sum.Spec.From, h.sum.Last)
		}},
		{"province/now", func(*rand.Rand) (domain.Date, domain.Date) { return 0, h.sum.Last }},
		{"province/this-year", func(*rand.Rand) (domain.Date, domain.Date) {
			return domain.Date(h.sum.Last.Year()*10000 + 101), h.sum.Last
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(5, 6))
			type query struct {
				unit     domain.UnitID
				from, to domain.Date
			}
			qs := make([]query, queryMix)
			for i := range qs {
				qs[i].unit = h.sum.Provinces[rng.IntN(len(h.sum.Provinces))]
				qs[i].from, qs[i].to = tc.period(rng)
			}
			var sum projections.UnitSummary
			run := func(into func(*projections.UnitSummary, domain.UnitID, domain.Date, domain.Date) bool, first, n int) time.Duration {
				start := time.Now()
				for i := first; i < first+n; i++ {
					q := qs[i%queryMix]
					if !into(&sum, q.unit, q.from, q.to) {
						b.Fatalf("UnitSummary(%s) not found", q.unit)
					}
				}
				return time.Since(start)
			}
			// Alternate the two in short rounds of the same queries,
			// each side first every other round, so that a noisy
			// neighbour (this machine's load swings by the second) and
			// the caches the first side warms fall on both alike.
			var with, without time.Duration
			queries := 0
			for b.Loop() {
				for r := 0; r < queryMix; r += breakdownRound {
					if r/breakdownRound%2 == 0 {
						without += run(h.proj.UnitSummaryWithoutBreakdownInto, r, breakdownRound)
						with += run(h.proj.UnitSummaryInto, r, breakdownRound)
					} else {
						with += run(h.proj.UnitSummaryInto, r, breakdownRound)
						without += run(h.proj.UnitSummaryWithoutBreakdownInto, r, breakdownRound)
					}
				}
				queries += queryMix
			}
			if q := qs[0]; !h.proj.UnitSummaryInto(&sum, q.unit, q.from, q.to) || sum.Breakdown == nil {
				b.Fatal("the roll-up has no breakdown")
			}
			b.ReportMetric(float64(without.Nanoseconds())/float64(queries), "ns/without")
			b.ReportMetric(float64(with.Nanoseconds())/float64(queries), "ns/with")
			b.ReportMetric(float64(with)/float64(without), "ratio")
		})
	}
}
