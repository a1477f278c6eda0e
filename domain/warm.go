package domain

import (
	"context"

	"github.com/google/uuid"
)

// WarmFund loads a fund's write-side state into the ledger's cache without
// recording anything, so that the fund's next command is decided without
// first reading and verifying its whole stream. After a start every fund's
// state is cold, and on a ledger of millions of events the first write to
// a busy fund waited 75-300 ms for that fold (docs/performance.md); a
// warm-up after the start takes that cost off the first writes.
//
// The warm-up is queued on the fund's slot like a command, so the slot's
// worker alone touches the cached state, and commands queued before or
// after it keep their order. It is not a write: it decides nothing,
// appends nothing, and takes no part of the period fence, so a close of a
// fiscal year never waits for its read of the stream. A fund that does not
// exist, or whose opening is void, leaves no state behind (forgetIfMissing)
// and is no error. A fund already in the cache is not read again, except
// for the events another instance may have appended since (a stale cache).
//
// Errors: chain_broken (the fund's stored history does not verify: the
// fund's next command will be refused the same way, and nothing is
// cached), or a store error; neither leaves anything half-loaded.
func (l *Ledger) WarmFund(ctx context.Context, id uuid.UUID) error {
	c := &fundCmd{
		decide:   func(*Fund) ([]Pending, error) { return nil, nil },
		done:     func(*Fund, bool) {},
		actor:    SystemActor,
		warm:     true,
		finished: make(chan struct{}),
	}
	return l.enqueue(ctx, id, l.slot(id), c)
}

// warm runs a warm-up on the worker of the fund's slot: it catches the
// cached state up if it may lack events, and throws it away again if the
// stream does not verify, so that the next command reads it afresh and is
// refused with chain_broken.
func (l *Ledger) warm(ctx context.Context, id uuid.UUID, slot *fundSlot) error {
	if !slot.stale {
		return nil
	}
	if err := l.catchUp(ctx, slot); err != nil {
		l.reset(slot)
		return chainBroken(id, err)
	}
	return nil
}
