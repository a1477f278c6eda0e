package projections

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/google/uuid"
)

// RecentFund is a fund with the time its latest transaction was recorded
// and its number of transactions.
type RecentFund struct {
	FundID       uuid.UUID
	LastRecorded time.Time
	Txs          int
}

// RecentFunds returns the funds that hold transactions, the one written
// to most recently first (by the recorded_at of its latest transaction,
// fundNode.lastRec; ties by fund id), for the write side's warm-up after
// a start: the funds written to last are the likeliest to be written to
// next. A fund whose latest recorded_at is outside the range the index
// keeps in nanoseconds (after 2262, which the ledger's clock never
// writes) is left out rather than put first. It holds the read lock only
// to copy one entry per fund; the sort runs after.
func (p *Projections) RecentFunds() []RecentFund {
	type entry struct {
		id  uuid.UUID
		rec int64
		txs int
	}
	p.mu.RLock()
	entries := make([]entry, 0, len(p.fundOrder))
	for _, f := range p.fundOrder {
		if len(f.txs) == 0 || f.lastRec == 0 || f.lastRec == math.MaxInt64 {
			continue
		}
		entries = append(entries, entry{f.info.FundID, f.lastRec, len(f.txs)})
	}
	p.mu.RUnlock()
	slices.SortFunc(entries, func(a, b entry) int {
		if c := cmp.Compare(b.rec, a.rec); c != 0 {
			return c
		}
		return slices.Compare(a.id[:], b.id[:])
	})
	out := make([]RecentFund, len(entries))
	for i, e := range entries {
		out[i] = RecentFund{FundID: e.id, LastRecorded: time.Unix(0, e.rec).UTC(), Txs: e.txs}
	}
	return out
}
