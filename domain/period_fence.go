package domain

import "sync"

// periodFence orders the writes of this instance against its closes of
// fiscal years (API.md, "Closed fiscal periods": no write dated in a year
// is acknowledged after the close of that year is). Every batch of a fund
// holds the read side from before it is decided until its append has
// landed and its commands are answered; a close or reopen holds the write
// side while it decides, appends and updates the write path's copy of the
// period stream. So a write is either decided before the close — and then
// recorded and answered before the close is appended, at an earlier
// position — or decided after it, against the closure, and refused.
// Batches of different funds share the read side, so writes do not wait on
// each other; they wait only while a close is being recorded.
//
// The fence is in this process only. With several API instances on one
// KurrentDB cluster a write decided on another instance is not held by
// it, and that instance may decide against a copy of the period stream up
// to periodRefresh old. There the log's order decides (period_void.go): a
// close is a PeriodClosing, then its PeriodClosed; an event that lands
// after a closing and is dated up to the end of its year (or after the
// close, in its year) is void and counts in no fold; and the other
// instance checks each append after it lands (period_postcheck.go), so
// the void write is answered period_closed, never acknowledged. The
// fence keeps void events from ever arising between the writes and the
// closes of one instance, and off the embedded store's path, which one
// process alone writes (cmd/welfare-ledger takes its data directory).
type periodFence struct {
	mu sync.RWMutex
}

// Lock takes the write side: it waits for every batch in flight to land.
func (f *periodFence) Lock() { f.mu.Lock() }

// Unlock releases the write side.
func (f *periodFence) Unlock() { f.mu.Unlock() }

// enter takes the read side for a batch about to be decided. A worker
// with batches still in flight holds the read side already and must not
// block on it (a close waiting for those very batches would wait for ever
// on a worker blocked here): with wait false, enter reports false at once
// when a close waits, and the worker lands its flights first.
func (f *periodFence) enter(wait bool) bool {
	if wait {
		f.mu.RLock()
		return true
	}
	return f.mu.TryRLock()
}

// leave releases the read side taken by enter.
func (f *periodFence) leave() { f.mu.RUnlock() }
