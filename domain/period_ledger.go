package domain

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
)

// periodRefresh is how old the write path's copy of the period stream may
// get before a decision reads the stream's tail again. Within one instance
// the copy is always exact (a close updates it under the fence); the
// refresh only bounds how long a close recorded by another instance on a
// shared store goes unseen here (see periodFence).
const periodRefresh = time.Second

// maxUnitDepth bounds the walk from a unit up to its root. The hierarchy
// has five levels today; a parent is always registered before its child,
// so a cycle cannot occur, and the bound only keeps a corrupted log from
// holding the write path.
const maxUnitDepth = 64

// periodBook is the write path's copy of the period stream, and the paths
// of the units it has met (a unit's place in the hierarchy never changes,
// so a path is read once).
type periodBook struct {
	mu     sync.Mutex
	state  *Periods
	synced time.Time // when state was last caught up with the store; zero: never
	paths  map[UnitID][]UnitID
	// voids are the void events this instance has met, by event id
	// (period_postcheck.go): a repeat of the command is refused with the
	// reason, never recorded again nor answered as recorded.
	voids map[uuid.UUID]voidEvent
}

// PeriodResult is the outcome of ClosePeriod and ReopenPeriod.
type PeriodResult struct {
	// Closed is the closure recorded (ClosePeriod) or ended (ReopenPeriod).
	Closed   PeriodClosed
	Reopened *PeriodReopened
	// ClosurePosition is, for ReopenPeriod, the position of the closure
	// it ended.
	ClosurePosition Position
	Position        Position
	RecordedAt      time.Time
}

// checkPeriod refuses a decided event with id dated d for a fund of unit
// when a year closed, or being closed, for the unit or an ancestor holds
// d (the void rule at the end of the log), and an id whose event is void
// in the log. It is called while the decision holds the fence's read
// side, so no close of this instance can be recorded between this check
// and the event's append.
//
// Errors: period_closed, store errors (reading the stream or a unit).
func (l *Ledger) checkPeriod(ctx context.Context, id uuid.UUID, unit UnitID, d Date, what string) error {
	b := &l.periods
	b.mu.Lock()
	defer b.mu.Unlock()
	if v, ok := b.voids[id]; ok {
		return v.err()
	}
	if b.state == nil || time.Since(b.synced) > periodRefresh {
		if err := l.syncPeriodsLocked(ctx); err != nil {
			return err
		}
	}
	if b.state.numSpans == 0 {
		return nil
	}
	path, err := l.unitPathLocked(ctx, unit)
	if err != nil {
		return err
	}
	return b.state.CheckOpen(path, d, what)
}

// syncPeriodsLocked catches the book's state up with the period stream,
// verifying the hash chain of each event it reads. b.mu is held.
func (l *Ledger) syncPeriodsLocked(ctx context.Context) error {
	b := &l.periods
	if b.state == nil {
		b.state = NewPeriods()
	}
	from := uint64(0)
	if b.state.Revision != ExpectNoStream {
		from = uint64(b.state.Revision) + 1
	}
	started := time.Now()
	if err := l.foldStream(ctx, PeriodStream, from, b.state.LastHash, b.state.Evolve); err != nil {
		// A half-applied fold leaves a state that is still a prefix of
		// the stream: valid, only behind.
		return periodsBroken(fmt.Errorf("load %s: %w", PeriodStream, err))
	}
	b.synced = started
	return nil
}

// periodsBroken turns a period stream whose hash chain does not verify
// (an edit outside the ledger) into the chain_broken refusal: no write can
// be decided without knowing which years are closed, so none is recorded
// until an operator restores the ledger. Any other error is returned as
// it is.
func periodsBroken(err error) error {
	if !errors.Is(err, ErrHashMismatch) && !errors.Is(err, ErrChainBroken) && !errors.Is(err, ErrInvalidEvent) {
		return err
	}
	e := Errf(CodeChainBroken, "the stored history of the closed fiscal periods (stream %s) does not verify (%v); nothing was "+
		"recorded, and no write will be until an operator restores the ledger: `welfare-ledger verify` locates the change", PeriodStream, err)
	e.cause = err
	return e
}

// unitPathLocked returns the path of a unit, root first, reading the unit
// streams the book has not met yet. b.mu is held.
//
// Errors: store errors, ErrHashMismatch, and an error for a unit that is
// not registered or a hierarchy deeper than maxUnitDepth.
func (l *Ledger) unitPathLocked(ctx context.Context, unit UnitID) ([]UnitID, error) {
	b := &l.periods
	if p, ok := b.paths[unit]; ok {
		return p, nil
	}
	var up []UnitID // the unit first, the root last
	for id := unit; id != ""; {
		if p, ok := b.paths[id]; ok {
			up = append(up, reversed(p)...)
			break
		}
		if len(up) == maxUnitDepth {
			return nil, fmt.Errorf("unit %s is more than %d levels deep", unit, maxUnitDepth)
		}
		var reg *UnitRegistered
		if err := l.foldStream(ctx, UnitStream(id), 0, GenesisHash, func(e Event) {
			if d, ok := e.Data.(*UnitRegistered); ok {
				reg = d
			}
		}); err != nil {
			return nil, fmt.Errorf("read unit %s: %w", id, err)
		}
		if reg == nil {
			return nil, fmt.Errorf("unit %s of the hierarchy of %s is not registered", id, unit)
		}
		up = append(up, id)
		id = reg.ParentID
	}
	path := reversed(up)
	if b.paths == nil {
		b.paths = map[UnitID][]UnitID{}
	}
	b.paths[unit] = path
	return path, nil
}

func reversed(s []UnitID) []UnitID {
	out := make([]UnitID, len(s))
	for i, u := range s {
		out[len(s)-1-i] = u
	}
	return out
}

// ClosePeriod closes a fiscal year of a unit and its subtree, in two
// events of the period stream: a PeriodClosing, from whose position the
// void rule freezes every date up to 31 December of the year
// (period_void.go), then, once seal has computed the year-end balances'
// seal from the log up to that position, the PeriodClosed that carries
// it. seal is given the closing's position and must read every event
// before it, other instances' included.
//
// It holds the fence's write side throughout: it waits until every write
// this instance has decided is recorded and answered, and lets no write
// be decided until the closure is recorded and known to the write path.
// Writes of other instances on a shared store are not held by the fence;
// the void rule and their post-check (period_postcheck.go) keep them out
// of the year.
//
// A closing left pending (the process stopped between the two events, or
// seal failed) is completed by closing the year again.
//
// Errors: validation_failed, not_found (unit), already_exists (the year is
// closed for the unit and not reopened), concurrent_modification (also
// when another instance abandoned the closing meanwhile), chain_broken
// (the period stream does not verify), seal's errors, or a store error.
func (l *Ledger) ClosePeriod(ctx context.Context, c ClosePeriod, actor string, seal func(ctx context.Context, upTo Position) (string, error)) (PeriodResult, error) {
	var v Validation
	c.Validate(&v, l.Today())
	if err := v.Err(); err != nil {
		return PeriodResult{}, err
	}
	if err := l.mustUnit(ctx, c.UnitID); err != nil {
		return PeriodResult{}, err
	}
	l.fence.Lock()
	defer l.fence.Unlock()
	var closing Position
	err := l.appendPeriod(ctx, func(p *Periods) (EventData, error) {
		if _, err := DecideClose(p, c, ""); err != nil {
			return nil, err
		}
		if sp, ok := p.Pending(c.UnitID, c.Year); ok {
			closing = sp.From
			return nil, nil // a close stopped half-way: complete it
		}
		return &PeriodClosing{UnitID: c.UnitID, Year: c.Year, DecisionNo: c.DecisionNo, Note: c.Note}, nil
	}, PayloadHash(c), actor, func(_ EventData, pos Position, _ time.Time) { closing = pos })
	if err != nil {
		return PeriodResult{}, err
	}
	// Once the closing is in the log the close is finished even if the
	// caller goes away: a close left pending freezes the year's dates
	// until an admin acts. seal bounds its own wait.
	ctx = context.WithoutCancel(ctx)
	s, err := seal(ctx, closing)
	if err != nil {
		return PeriodResult{}, fmt.Errorf("seal fiscal year %d of %s (the close stays pending at position %d: close "+
			"the year again to complete it, or reopen it to abandon it): %w", c.Year, c.UnitID, closing, err)
	}
	var out PeriodResult
	err = l.appendPeriod(ctx, func(p *Periods) (EventData, error) {
		if sp, ok := p.Pending(c.UnitID, c.Year); !ok || sp.From != closing {
			if _, err := DecideClose(p, c, s); err != nil {
				return nil, err // another instance completed it
			}
			return nil, Errf(CodeConcurrentModification, "the close of fiscal year %d of unit %q begun at position %d "+
				"was abandoned by a reopening meanwhile; nothing more was recorded", c.Year, c.UnitID, closing)
		}
		return DecideClose(p, c, s)
	}, PayloadHash(c), actor, func(e EventData, pos Position, at time.Time) {
		out = PeriodResult{Closed: *e.(*PeriodClosed), Position: pos, RecordedAt: at}
	})
	return out, err
}

// ReopenPeriod opens a year that the unit closed again; writes dated in
// it are accepted from then on (unless an ancestor closed it too). A
// closing left pending is abandoned: ClosurePosition is then the
// closing's, and Closed has no seal.
//
// Errors: validation_failed, not_found (unit), period_not_closed,
// concurrent_modification, chain_broken (the period stream does not
// verify), or a store error.
func (l *Ledger) ReopenPeriod(ctx context.Context, c ReopenPeriod, actor string) (PeriodResult, error) {
	var v Validation
	c.Validate(&v, l.Today())
	if err := v.Err(); err != nil {
		return PeriodResult{}, err
	}
	if err := l.mustUnit(ctx, c.UnitID); err != nil {
		return PeriodResult{}, err
	}
	// The fence's write side too: the book changes under it only.
	l.fence.Lock()
	defer l.fence.Unlock()
	var out PeriodResult
	var closed Closure
	err := l.appendPeriod(ctx, func(p *Periods) (EventData, error) {
		var ok bool
		if closed, ok = p.Closed(c.UnitID, c.Year); !ok {
			// A pending closing, abandoned: it has no seal yet.
			sp, _ := p.Pending(c.UnitID, c.Year)
			closed = Closure{PeriodClosed: PeriodClosed{UnitID: c.UnitID, Year: c.Year}, Position: sp.From}
		}
		return DecideReopen(p, c)
	}, PayloadHash(c), actor, func(e EventData, pos Position, at time.Time) {
		out = PeriodResult{Closed: closed.PeriodClosed, Reopened: e.(*PeriodReopened), ClosurePosition: closed.Position, Position: pos, RecordedAt: at}
	})
	return out, err
}

func (l *Ledger) mustUnit(ctx context.Context, id UnitID) error {
	ok, err := l.UnitExists(ctx, id)
	if err != nil {
		return err
	}
	if !ok {
		return Errf(CodeNotFound, "unit %q not found", id)
	}
	return nil
}

// appendPeriod decides an event of the period stream on the stream as it
// is in the store and appends it with the revision it was decided on,
// again when another instance appended in between. A decision of no event
// (nil, nil) appends nothing. The caller holds the fence's write side.
func (l *Ledger) appendPeriod(ctx context.Context, decide func(*Periods) (EventData, error),
	payloadHash, actor string, done func(EventData, Position, time.Time)) error {
	b := &l.periods
	b.mu.Lock()
	defer b.mu.Unlock()
	for range maxDecideAttempts {
		if err := l.syncPeriodsLocked(ctx); err != nil {
			return err
		}
		data, err := decide(b.state)
		if err != nil || data == nil {
			return err
		}
		now := l.now()
		meta := Metadata{EventID: NewID(), OccurredOn: DateOf(now), RecordedAt: now.UTC(), Actor: actor, PayloadHash: payloadHash}
		ne, meta, err := Seal(b.state.LastHash, data, meta)
		if err != nil {
			return err
		}
		rev := uint64(0)
		if b.state.Revision != ExpectNoStream {
			rev = uint64(b.state.Revision) + 1
		}
		res, err := l.store.Append(ctx, PeriodStream, b.state.Revision, []NewEvent{ne})
		if errors.Is(err, ErrWrongExpectedVersion) {
			continue
		}
		if err != nil {
			// The outcome may be unknown: the next decision reads the
			// stream again before it trusts the book.
			b.synced = time.Time{}
			return periodsBroken(fmt.Errorf("append to %s: %w", PeriodStream, err))
		}
		b.state.Evolve(Event{Position: res.LastPosition, Stream: PeriodStream, Revision: rev,
			Type: data.EventType(), Meta: meta, Data: data})
		done(data, res.LastPosition, meta.RecordedAt)
		return nil
	}
	return Errf(CodeConcurrentModification, "the fiscal periods are being changed by other writers; try again")
}

// decideMoney is Decide with the closed years of the fund's unit and its
// ancestors: a command dated in a closed year is refused before the
// fund's own rules are looked at — nothing at all can be recorded in that
// year, which is what the manager needs to know first — while a repeat of
// a command recorded before the close still answers its original.
//
// Errors: period_closed, the errors of Decide, and store errors from
// reading the period stream or a unit.
func (l *Ledger) decideMoney(ctx context.Context, f *Fund, c MoneyCommand) ([]Pending, error) {
	now := l.now()
	if f.Exists {
		if _, seen := f.Tx(c.TxID()); !seen {
			d := c.Occurred()
			if d.IsZero() {
				d = DateOf(now)
			}
			if err := l.checkPeriod(ctx, c.TxID(), f.Unit, d, "occurred_on"); err != nil {
				return nil, err
			}
		}
	}
	return Decide(f, c, now)
}
