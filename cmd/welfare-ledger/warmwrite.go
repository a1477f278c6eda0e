package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
)

// The write side's warm-up after a start (domain.Ledger.WarmFund): the
// first write to a fund after a start reads and verifies the fund's whole
// stream (75 ms for 13,000 events, 294 ms for 40,000 on the 10 M-event
// ledger; writes queued up to ~2 s in the first 10-15 s after a start,
// docs/performance.md). Once the projections are ready, serve loads the
// write-side state of the funds written to most recently, one at a time,
// before their first write comes.
const (
	// warmWindow: only funds written to within this time before the
	// ledger's newest write are warmed. A week covers the funds of a
	// working week's routine (donations, grants, repayments) and leaves
	// out those written to once a season, whose first write may pay the
	// fold.
	warmWindow = 7 * 24 * time.Hour
	// warmMaxTxs bounds the transactions whose write-side state the
	// warm-up loads: that state holds ~300 bytes a transaction (~220 of
	// live heap measured) and is kept for the life of the process, so a
	// million is at most ~300 MB, a tenth of the 10 M-event ledger's
	// ~3 GB, against ~3 GB more were every fund warmed. On that ledger
	// the budget took its 19 busiest funds (969,160 transactions) in
	// 10.7 s of one core after ready (docs/performance.md), the time in
	// which the first writes used to queue.
	warmMaxTxs = 1_000_000
	// warmReadyPoll is how often the warm-up looks whether the
	// projections are ready (it needs their list of funds).
	warmReadyPoll = 50 * time.Millisecond
)

// warmTxBudget is warmMaxTxs, which tests make tiny.
var warmTxBudget = warmMaxTxs

// warmedFund, when set (by tests), is called with each fund warmed, in
// order.
var warmedFund func(projections.RecentFund)

// warmPlan returns the funds to warm, from funds in the order of
// Projections.RecentFunds: those written to within window before the
// newest of them, most recent first, stopping before the fund that would
// take the transactions past budget.
func warmPlan(funds []projections.RecentFund, window time.Duration, budget int) []projections.RecentFund {
	if len(funds) == 0 {
		return nil
	}
	since := funds[0].LastRecorded.Add(-window)
	txs := 0
	for i, f := range funds {
		if f.LastRecorded.Before(since) || txs+f.Txs > budget {
			return funds[:i]
		}
		txs += f.Txs
	}
	return funds
}

// warmWriteSide waits until proj is ready, then warms the write side of
// the funds of warmPlan, one at a time, so that it takes one core at
// most from the requests, until they are done or ctx is. It logs one
// line at the end; a fund that cannot be loaded (a broken hash chain, a
// store error) is logged and skipped: its first write reports the same
// error to its caller.
func warmWriteSide(ctx context.Context, proj *projections.Projections, ledger *domain.Ledger, log *slog.Logger) {
	tick := time.NewTicker(warmReadyPoll)
	defer tick.Stop()
	for !proj.Ready() {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
	start := time.Now()
	plan := warmPlan(proj.RecentFunds(), warmWindow, warmTxBudget)
	funds, txs := 0, 0
	for _, f := range plan {
		if ctx.Err() != nil {
			break
		}
		if err := ledger.WarmFund(ctx, f.FundID); err != nil {
			log.Warn("write side warm-up: fund not loaded", "fund", f.FundID, "err", err)
			continue
		}
		funds++
		txs += f.Txs
		if warmedFund != nil {
			warmedFund(f)
		}
	}
	log.Info("write side warmed", "funds", funds, "transactions", txs, "planned_funds", len(plan),
		"took", time.Since(start).Round(time.Millisecond), "stopped", ctx.Err() != nil)
}
