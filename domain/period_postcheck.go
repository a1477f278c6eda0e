package domain

import (
	"context"
	"fmt"

	"github.com/google/uuid"
)

// SharedStore is implemented by a store that several ledger instances
// (processes) may write at once, such as a KurrentDB cluster. On such a
// store the period fence of one instance does not hold the writes of the
// others, so the ledger checks every write after its append against the
// period stream (postCheck) and decides one command per append. A store
// that one process alone writes (the embedded store) does not implement
// it, and pays for neither.
type SharedStore interface {
	// SharedBetweenInstances reports whether other ledger instances may
	// append to the store.
	SharedBetweenInstances() bool
}

// isShared reports whether store may be written by other instances.
func isShared(store EventStore) bool {
	s, ok := store.(SharedStore)
	return ok && s.SharedBetweenInstances()
}

// voidEvent is a void event of the log that this instance has met: its
// id, where it is, and the close that makes it void.
type voidEvent struct {
	id       uuid.UUID
	position Position
	date     Date
	what     string
	cause    VoidCause
}

// err is the refusal of the command whose event is void, for its first
// answer and every repeat: the event is in the log but counts nowhere.
func (v voidEvent) err() error {
	base := v.cause.Err(v.what, v.date).(*Error)
	return Errf(CodePeriodClosed, "%s (the event %s landed at position %d, after the close began, and is void: "+
		"it counts in no balance or figure, and the same id can never be recorded)", base.Message, v.id, v.position)
}

// whatDated names the date of a voidable event in messages.
func whatDated(e *Event) string {
	if _, ok := e.Data.(*FundOpened); ok {
		return "opened_on"
	}
	return "occurred_on"
}

// applyFund applies events of a fund's stream, read from the store, to f
// with the void rule: a void event moves the stream's revision and hash
// chain on, and changes nothing else. On a shared store the period stream
// is read again first, so that every period event before these events is
// known; on any other store the book is exact once read.
//
// Errors: chain_broken (the period stream does not verify), store errors.
func (l *Ledger) applyFund(ctx context.Context, f *Fund, events []Event) error {
	b := &l.periods
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.state == nil || l.shared {
		if err := l.syncPeriodsLocked(ctx); err != nil {
			return err
		}
	}
	for i := range events {
		e := &events[i]
		if _, opening := e.Data.(*FundOpened); !opening && !f.Exists {
			if v, ok := b.voids[f.ID]; ok {
				// The fund's opening is void: nothing of it counts.
				l.rememberVoidLocked(e, v.cause)
				f.skip(*e)
				continue
			}
		}
		if b.state.numSpans > 0 && Voidable(e) {
			v, void, err := l.voidLocked(ctx, f, e)
			if err != nil {
				return err
			}
			if void {
				l.rememberVoidLocked(e, v)
				f.skip(*e)
				continue
			}
		}
		f.Evolve(*e)
	}
	return nil
}

// voidLocked applies the void rule to an event of fund f. b.mu is held.
func (l *Ledger) voidLocked(ctx context.Context, f *Fund, e *Event) (VoidCause, bool, error) {
	unit := f.Unit
	if d, ok := e.Data.(*FundOpened); ok {
		unit = d.UnitID
	}
	path, err := l.unitPathLocked(ctx, unit)
	if err != nil {
		return VoidCause{}, false, err
	}
	v, void := l.periods.state.VoidAt(path, e.Meta.OccurredOn, e.Position)
	return v, void, nil
}

// rememberVoidLocked records a void event met. b.mu is held.
func (l *Ledger) rememberVoidLocked(e *Event, v VoidCause) {
	b := &l.periods
	if b.voids == nil {
		b.voids = map[uuid.UUID]voidEvent{}
	}
	b.voids[e.Meta.EventID] = voidEvent{id: e.Meta.EventID, position: e.Position, date: e.Meta.OccurredOn, what: whatDated(e), cause: v}
}

// foldFund reads the fund's stream from revision from on, checks each
// event's link of the hash chain, and applies the events to f with the
// void rule, a batch at a time.
//
// Errors: store errors, ErrHashMismatch, decoding errors, chain_broken
// (the period stream).
func (l *Ledger) foldFund(ctx context.Context, f *Fund, from uint64) error {
	return l.foldBatches(ctx, FundStream(f.ID), from, f.LastHash, func(events []Event) error {
		return l.applyFund(ctx, f, events)
	})
}

// postCheck is the check of a landed flight on a shared store (API.md,
// "Closed fiscal periods": no write dated in the year is acknowledged
// after the close is): the period stream is read again, now that the
// flight's events have their positions, and each event is judged by the
// void rule there. The outcome of a void event's command becomes
// period_closed (it never gets its 201), and the id is remembered so that
// a repeat gets the same answer. It reports whether any event was void:
// the fund's cached state holds them and must be thrown away.
//
// Errors: chain_broken (the period stream), store errors; the flight's
// events are then of unknown standing, and the caller answers them with
// the error.
func (l *Ledger) postCheck(ctx context.Context, f *Fund, fl *flight) (anyVoid bool, err error) {
	b := &l.periods
	b.mu.Lock()
	defer b.mu.Unlock()
	if err := l.syncPeriodsLocked(ctx); err != nil {
		return false, err
	}
	if b.state.numSpans == 0 {
		return false, nil
	}
	// The k-th outcome that appended an event is the k-th event applied
	// (decideBatch appends them together).
	k := 0
	for i, o := range fl.outcomes {
		if o.err != nil || o.replay {
			continue
		}
		e := fl.applied[k]
		k++
		e.Position = positionIn(f, &e)
		if !Voidable(&e) {
			continue
		}
		v, isVoid, err := l.voidLocked(ctx, f, &e)
		if err != nil {
			return false, err
		}
		if isVoid {
			l.rememberVoidLocked(&e, v)
			fl.outcomes[i].err = b.voids[e.Meta.EventID].err()
			anyVoid = true
		}
	}
	return anyVoid, nil
}

// positionIn returns the global position of an applied event of f, set
// by setPositions once its append landed.
func positionIn(f *Fund, e *Event) Position {
	if _, ok := e.Data.(*FundOpened); ok {
		return f.Opened.Position
	}
	if t, ok := f.Tx(e.Meta.EventID); ok {
		return t.Position
	}
	return e.Position
}

// nextBatch returns the commands at the head of queue that go into one
// append (takeBatch). On a shared store they are also of one fiscal year:
// a command decided on an event that then proves void (a grant of 2024
// paid from a donation of 2023 that landed after 2023's close began)
// would stand in the log with nothing to pay it from. The events of one
// append are contiguous in the log, so the void rule judges them all at
// the same place, and events of one year alike: all of them are void or
// none. Across appends nothing is decided on an event before its
// post-check (the flight lands before the next batch is decided: a shared
// store does not pipeline).
func (l *Ledger) nextBatch(queue []*fundCmd) []*fundCmd {
	batch := takeBatch(queue, MaxEventsPerAppend)
	if !l.shared {
		return batch
	}
	for i, c := range batch {
		if c.year != batch[0].year {
			return batch[:i:i]
		}
	}
	return batch
}

// landShared makes the outcome of a landed flight final on a shared store,
// after its post-check. A void event's command is refused; when the check
// itself fails the events' standing is unknown, and their commands get
// the error (a retry with the same id finds out). Either way the fund's
// cached state, which holds the events, is thrown away and read again
// under the void rule.
func (l *Ledger) landShared(ctx context.Context, slot *fundSlot, fl *flight) {
	f := slot.fund
	anyVoid, err := l.postCheck(ctx, f, fl)
	if err != nil {
		for i, o := range fl.outcomes {
			if o.err == nil && !o.replay {
				fl.outcomes[i].err = fmt.Errorf("check the closed fiscal periods after the append to fund %s: %w", f.ID, err)
			}
		}
	}
	finishAll(f, fl.outcomes)
	if anyVoid || err != nil {
		l.reset(slot)
	}
}
