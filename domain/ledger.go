package domain

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
)

// maxDecideAttempts bounds how often a command is decided again after another
// writer (another API instance) moved the fund's stream in between.
const maxDecideAttempts = 8

// SystemActor is the actor of events recorded without a caller identity.
const SystemActor = "system"

// Ledger is the write side. It decides commands against state folded from
// each fund's own stream and appends the resulting events with the expected
// revision the decision was based on, so concurrent writers can never both
// spend the same money. A ledger may run beside other instances on one
// store: it catches up and decides again when it loses a race.
type Ledger struct {
	store EventStore
	now   func() time.Time

	mu    sync.Mutex
	funds map[uuid.UUID]*fundSlot

	// fence and periods keep closed fiscal years out of the write path
	// (period_fence.go, period_ledger.go).
	fence   periodFence
	periods periodBook
	// shared: other instances may write to the store (SharedStore), so
	// every append is checked after it lands (period_postcheck.go).
	shared bool
}

// fundSlot serialises the commands of one fund in this process and caches
// its state between them. Commands queue on the slot; a worker goroutine,
// running while the slot has work, decides everything queued against the
// cached state and appends the resulting events in one atomic append (one
// expected revision, one place in a group commit), so that a busy fund
// records many commands per disk flush instead of one. On a store that can
// pipeline (PipelinedStore) the worker queues the fund's next batch while
// the previous ones are still being flushed — up to maxFlights of them —
// so that the fund has an append in every group commit.
type fundSlot struct {
	// fund and stale belong to the worker.
	fund  *Fund
	stale bool // the store may hold events the cached state lacks

	mu      sync.Mutex // guards queue and working
	queue   []*fundCmd
	working bool          // a worker goroutine runs for the slot
	wake    chan struct{} // signalled when a command is queued
}

// maxFlights bounds the batches of one fund appended and not yet durable.
// Two keep a batch queued behind the one being flushed; a few more absorb
// the jitter of a loaded machine.
const maxFlights = 4

// fundCmd is one command waiting on a fund's slot.
type fundCmd struct {
	decide func(*Fund) ([]Pending, error)
	done   func(f *Fund, replay bool)
	actor  string
	// year is the fiscal year the command's event is dated in: on a
	// shared store a batch holds one year only (nextBatch).
	year int

	attempts int
	// dupSeen: an append of this command's event alone failed with a
	// duplicate id.
	dupSeen bool
	// solo: append this command's event on its own (a shared append
	// failed in a way that one of its events may have caused).
	solo bool
	// warm: the command only loads the fund's state (WarmFund); it is
	// never part of a batch, and is run outside the period fence (work).
	warm bool

	err      error
	finished chan struct{} // closed when err (and done) are final
}

func (c *fundCmd) finish(err error) {
	c.err = err
	close(c.finished)
}

// NewLedger returns a ledger writing to store, reading the time from now.
func NewLedger(store EventStore, now func() time.Time) *Ledger {
	return &Ledger{store: store, now: now, funds: map[uuid.UUID]*fundSlot{}, shared: isShared(store)}
}

// Now returns the ledger clock's current time.
func (l *Ledger) Now() time.Time { return l.now() }

// Today returns the current business date.
func (l *Ledger) Today() Date { return DateOf(l.now()) }

// UnitResult is the outcome of RegisterUnit.
type UnitResult struct {
	Unit       UnitRegistered
	Position   Position
	RecordedAt time.Time
}

// FundResult is the outcome of OpenFund.
type FundResult struct {
	Fund       FundOpened
	Position   Position
	RecordedAt time.Time
	// Replay is true when the fund had been opened by the same command
	// before and nothing new was recorded.
	Replay bool
}

// TxResult is the outcome of a money command.
type TxResult struct {
	FundID uuid.UUID
	Tx     Tx
	// Replay is true when the transaction had been recorded by the same
	// command before and nothing new was recorded.
	Replay bool
}

// RegisterUnit adds a unit to the hierarchy.
//
// Errors: validation_failed, not_found (parent), already_exists, or a store
// error.
func (l *Ledger) RegisterUnit(ctx context.Context, c RegisterUnit, actor string) (UnitResult, error) {
	var v Validation
	c.Validate(&v)
	if err := v.Err(); err != nil {
		return UnitResult{}, err
	}
	if c.ParentID != "" {
		ok, err := l.UnitExists(ctx, c.ParentID)
		if err != nil {
			return UnitResult{}, err
		}
		if !ok {
			return UnitResult{}, Errf(CodeNotFound, "parent unit %q not found", c.ParentID)
		}
	}
	now := l.now()
	data := &UnitRegistered{UnitID: c.UnitID, Name: c.Name, ParentID: c.ParentID}
	meta := Metadata{EventID: NewID(), OccurredOn: DateOf(now), RecordedAt: now.UTC(), Actor: actor, PayloadHash: PayloadHash(c)}
	ne, _, err := Seal(GenesisHash, data, meta)
	if err != nil {
		return UnitResult{}, err
	}
	res, err := l.store.Append(ctx, UnitStream(c.UnitID), ExpectNoStream, []NewEvent{ne})
	if errors.Is(err, ErrWrongExpectedVersion) {
		return UnitResult{}, Errf(CodeAlreadyExists, "unit %q already exists", c.UnitID)
	}
	if err != nil {
		return UnitResult{}, fmt.Errorf("register unit %s: %w", c.UnitID, err)
	}
	return UnitResult{Unit: *data, Position: res.LastPosition, RecordedAt: meta.RecordedAt}, nil
}

// UnitExists reports whether a unit is registered, reading the store (not a
// projection), so that it is exact even right after a registration.
func (l *Ledger) UnitExists(ctx context.Context, id UnitID) (bool, error) {
	evs, err := l.store.ReadStream(ctx, UnitStream(id), 0, 1)
	if err != nil {
		return false, fmt.Errorf("read unit %s: %w", id, err)
	}
	return len(evs) > 0, nil
}

// OpenFund opens a fund; repeating the same command is an idempotent replay.
//
// Errors: validation_failed, not_found (unit), idempotency_conflict,
// period_closed (opened_on in a closed fiscal year of the unit or an
// ancestor), chain_broken (the fund's stored history, or the period
// stream's, does not verify), or a store error (ErrStoreUnavailable among
// them).
func (l *Ledger) OpenFund(ctx context.Context, c OpenFund, actor string) (FundResult, error) {
	var v Validation
	c.Validate(&v)
	if err := v.Err(); err != nil {
		return FundResult{}, err
	}
	unitOK, err := l.UnitExists(ctx, c.UnitID)
	if err != nil {
		return FundResult{}, err
	}
	var out FundResult
	bg := context.WithoutCancel(ctx)
	err = l.withFund(ctx, c.FundID, c.OpenedOn, func(f *Fund) ([]Pending, error) {
		p, err := DecideOpen(f, c, unitOK, l.now())
		if err != nil || len(p) == 0 {
			return p, err
		}
		return p, l.checkPeriod(bg, c.FundID, c.UnitID, p[0].OccurredOn, "opened_on")
	}, func(f *Fund, replay bool) {
		out = FundResult{
			Fund:       FundOpened{FundID: f.ID, UnitID: f.Unit, Name: f.Name, Kind: f.Kind, OpenedOn: f.OpenedOn},
			Position:   f.Opened.Position,
			RecordedAt: f.Opened.RecordedAt,
			Replay:     replay,
		}
	}, actor)
	return out, err
}

// Record decides and records a money command; repeating the same command is
// an idempotent replay.
//
// Errors: every code of Decide, period_closed (dated in a closed fiscal
// year of the fund's unit or an ancestor), chain_broken (the fund's stored
// history, or the period stream's, does not verify, or the fund's last
// event changed since it was loaded), or a
// store error (ErrStoreUnavailable among them, with ErrOutcomeUnknown when
// the commit itself failed: a retry with the same id is then safe).
func (l *Ledger) Record(ctx context.Context, c MoneyCommand, actor string) (TxResult, error) {
	var out TxResult
	bg := context.WithoutCancel(ctx)
	err := l.withFund(ctx, c.Fund(), c.Occurred(), func(f *Fund) ([]Pending, error) {
		return l.decideMoney(bg, f, c)
	}, func(f *Fund, replay bool) {
		t, _ := f.Tx(c.TxID())
		out = TxResult{FundID: f.ID, Tx: *t, Replay: replay}
	}, actor)
	return out, err
}

// withFund runs one command against a fund: catch up, decide, append with
// the expected revision, apply; again on a lost race. done is called with the
// state that holds the command's outcome, once that outcome is durable.
// dated is the command's business date (zero: today).
func (l *Ledger) withFund(ctx context.Context, id uuid.UUID, dated Date, decide func(*Fund) ([]Pending, error),
	done func(f *Fund, replay bool), actor string) error {
	slot := l.slot(id)
	if dated.IsZero() {
		dated = l.Today()
	}
	c := &fundCmd{decide: decide, done: done, actor: actor, year: dated.Year(), finished: make(chan struct{})}
	return l.enqueue(ctx, id, slot, c)
}

// enqueue queues c on the fund's slot, starts the slot's worker if none
// runs, and waits for c's outcome.
func (l *Ledger) enqueue(ctx context.Context, id uuid.UUID, slot *fundSlot, c *fundCmd) error {
	slot.mu.Lock()
	slot.queue = append(slot.queue, c)
	start := !slot.working
	slot.working = true
	slot.mu.Unlock()
	if start {
		// The batch holds other clients' commands: one client going away
		// must not fail them, so the worker's ctx is not the request's.
		// Every store call is bounded by the store itself.
		go l.work(context.WithoutCancel(ctx), id, slot)
	} else {
		select {
		case slot.wake <- struct{}{}:
		default: // a wake-up is already pending
		}
	}
	<-c.finished
	return c.err
}

// flight is one decided batch of a fund: the outcomes of its commands,
// final once its append is durable, and the events it appends (none when
// every command was refused or a replay).
type flight struct {
	outcomes []outcome
	applied  []Event
	pending  PendingAppend // nil when the batch appends nothing
	// fenced: the flight holds the read side of the period fence, from
	// before its decision until it has landed.
	fenced bool
}

// release lets go of the period fence once the flight has landed.
func (l *Ledger) release(fl *flight) {
	if fl.fenced {
		fl.fenced = false
		l.fence.leave()
	}
}

// cmds returns the flight's commands in order.
func (fl *flight) cmds() []*fundCmd {
	out := make([]*fundCmd, len(fl.outcomes))
	for i, o := range fl.outcomes {
		out[i] = o.cmd
	}
	return out
}

// landed reports whether the flight's outcome is known.
func (fl *flight) landed() bool {
	if fl.pending == nil {
		return true
	}
	select {
	case <-fl.pending.Done():
		return true
	default:
		return false
	}
}

// work runs the slot's commands until none is left: it decides batches,
// queues their appends, and lands them in the order they were decided.
// A batch is decided on the cached state, which includes the events of
// the batches still in flight; their outcomes are final only when every
// flight before them has landed, so a failure of one flight sends it and
// every later one back to be decided again.
func (l *Ledger) work(ctx context.Context, id uuid.UUID, slot *fundSlot) {
	var flights []*flight
	for {
		for len(flights) > 0 && flights[0].landed() {
			flights = l.land(ctx, id, slot, flights)
		}
		slot.mu.Lock()
		// A warm-up at the head of the queue is run on its own, outside
		// the period fence: it decides and appends nothing, so no close
		// need wait for its read of the stream (warm.go). A stale cache
		// is caught up only when nothing is in flight.
		if len(slot.queue) > 0 && slot.queue[0].warm && (len(flights) == 0 || !slot.stale) {
			c := slot.queue[0]
			slot.queue = slot.queue[1:]
			slot.mu.Unlock()
			c.finish(l.warm(ctx, id, slot))
			continue
		}
		// A stale cache is caught up only when nothing is in flight: the
		// store must hold every event the cache has.
		if len(slot.queue) > 0 && len(flights) < maxFlights && !(slot.stale && len(flights) > 0) {
			batch := l.nextBatch(slot.queue)
			slot.queue = slot.queue[len(batch):]
			slot.mu.Unlock()
			if !l.fence.enter(len(flights) == 0) {
				// A close waits for the flights in the air: land them
				// before deciding anything more.
				slot.mu.Lock()
				slot.queue = append(batch, slot.queue...)
				slot.mu.Unlock()
				<-flights[0].pending.Done()
				continue
			}
			fl, retry := l.decideBatch(ctx, id, slot, batch, lastPending(flights))
			if fl != nil {
				fl.fenced = true
				flights = append(flights, fl)
			} else {
				l.fence.leave()
			}
			if len(retry) > 0 {
				slot.mu.Lock()
				slot.queue = append(retry, slot.queue...)
				slot.mu.Unlock()
			}
			continue
		}
		if len(flights) == 0 {
			// Nothing queued (else the batch above was taken) and nothing
			// in flight: done. The next command starts a new worker.
			slot.working = false
			l.forgetIfMissing(id, slot)
			slot.mu.Unlock()
			return
		}
		idle := len(slot.queue) == 0
		slot.mu.Unlock()
		if idle {
			select {
			case <-flights[0].pending.Done():
			case <-slot.wake:
			}
		} else {
			<-flights[0].pending.Done()
		}
	}
}

// lastPending returns the append of the latest flight that has one: the
// one a new append must follow.
func lastPending(flights []*flight) PendingAppend {
	for i := len(flights) - 1; i >= 0; i-- {
		if flights[i].pending != nil {
			return flights[i].pending
		}
	}
	return nil
}

// takeBatch returns the commands at the head of queue that go into one
// append: up to limit of them, or a solo command alone. A warm-up ends a
// batch: work runs it on its own.
func takeBatch(queue []*fundCmd, limit int) []*fundCmd {
	if len(queue) > 0 && queue[0].solo {
		return queue[:1:1]
	}
	n := 0
	for n < len(queue) && n < limit && !queue[n].solo && !queue[n].warm {
		n++
	}
	return queue[:n:n]
}

// outcome is a command's result decided in a batch, final once the
// batch's events are durable.
type outcome struct {
	cmd    *fundCmd
	err    error
	replay bool
}

// decideBatch decides the commands of batch in order against the cached
// state, each seeing the events of the ones before it, and queues all their
// events in one append behind prev (the fund's previous append still in
// flight, or nil). It returns the flight to land, and the commands to
// decide again later (a refusal decided on a cache that may be stale).
func (l *Ledger) decideBatch(ctx context.Context, id uuid.UUID, slot *fundSlot, batch []*fundCmd, prev PendingAppend) (fl *flight, retry []*fundCmd) {
	fresh := false
	if slot.stale {
		if err := l.catchUp(ctx, slot); err != nil {
			l.reset(slot)
			err = chainBroken(id, err)
			for _, c := range batch {
				c.finish(err)
			}
			return nil, nil
		}
		fresh = true
	}
	f := slot.fund
	expected := f.NextExpected()
	fl = &flight{}
	var events []NewEvent
	for i, c := range batch {
		if c.attempts >= maxDecideAttempts {
			fl.outcomes = append(fl.outcomes, outcome{cmd: c, err: Errf(CodeConcurrentModification, "fund %s is being changed by other writers; try again", id)})
			continue
		}
		c.attempts++
		pending, err := c.decide(f)
		if err != nil && !fresh {
			// Another instance may have written to the fund since this
			// cache was filled: a refusal (insufficient funds, unknown
			// loan…) is only final against the stream as it is now. The
			// events decided so far are still valid on their own.
			slot.stale = true
			retry = batch[i:]
			break
		}
		switch {
		case err != nil:
			fl.outcomes = append(fl.outcomes, outcome{cmd: c, err: err})
			continue
		case len(pending) == 0:
			fl.outcomes = append(fl.outcomes, outcome{cmd: c, replay: true})
			continue
		case c.dupSeen:
			// The id is taken by another stream (or another fund's id).
			fl.outcomes = append(fl.outcomes, outcome{cmd: c, err: Errf(CodeIdempotencyConflict,
				"id %s is already used by another transaction or fund", pending[0].EventID)})
			continue
		}
		ne, ev, err := l.seal(f, pending[0], c.actor)
		if err != nil {
			fl.outcomes = append(fl.outcomes, outcome{cmd: c, err: err})
			continue
		}
		// Applied before it is durable so that the next command is
		// decided on it; if the append fails, the cache is thrown away
		// (reset) and the commands decided again.
		f.Evolve(ev)
		events = append(events, ne)
		fl.applied = append(fl.applied, ev)
		fl.outcomes = append(fl.outcomes, outcome{cmd: c})
	}
	if len(events) > 0 {
		fl.pending = l.appendAfter(ctx, FundStream(id), expected, events, prev)
	}
	return fl, retry
}

// appendAfter queues an append behind prev on a pipelining store, and on
// any other store appends and waits. A shared store is never pipelined:
// a batch is decided only once the one before it is post-checked.
func (l *Ledger) appendAfter(ctx context.Context, stream string, expected ExpectedRevision, events []NewEvent, prev PendingAppend) PendingAppend {
	if ps, ok := l.store.(PipelinedStore); ok && !l.shared {
		p, err := ps.AppendAfter(ctx, stream, expected, events, prev)
		if err != nil {
			return answered(AppendResult{}, err)
		}
		return p
	}
	return answered(l.store.Append(ctx, stream, expected, events))
}

// answeredAppend is a PendingAppend whose outcome is already known.
type answeredAppend struct {
	res AppendResult
	err error
}

var closedChan = func() chan struct{} { c := make(chan struct{}); close(c); return c }()

func answered(res AppendResult, err error) PendingAppend { return answeredAppend{res, err} }

func (a answeredAppend) Done() <-chan struct{}         { return closedChan }
func (a answeredAppend) Result() (AppendResult, error) { return a.res, a.err }

// land makes the outcome of the oldest flight final, which is landed, and
// returns the flights left. If its append failed, every later flight was
// decided on events that were not recorded: land waits until their appends
// are answered too (the store refuses those queued behind a failed one)
// and sends all their commands back to be decided again on a fresh cache.
func (l *Ledger) land(ctx context.Context, id uuid.UUID, slot *fundSlot, flights []*flight) []*flight {
	fl := flights[0]
	if fl.pending == nil {
		finishAll(slot.fund, fl.outcomes)
		l.release(fl)
		return flights[1:]
	}
	res, err := fl.pending.Result()
	if err == nil {
		err = l.setPositions(ctx, slot.fund, fl.applied, res)
	}
	if err == nil && l.shared {
		l.landShared(ctx, slot, fl)
		l.release(fl)
		return flights[1:]
	}
	if err == nil {
		finishAll(slot.fund, fl.outcomes)
		l.release(fl)
		return flights[1:]
	}
	// Every flight is dropped below, once its append is answered.
	defer func() {
		for _, f := range flights {
			l.release(f)
		}
	}()
	l.reset(slot)
	again := l.afterFailure(id, fl, err)
	for _, later := range flights[1:] {
		var lerr error
		if later.pending != nil {
			_, lerr = later.pending.Result()
		}
		if lerr == nil || errors.Is(lerr, ErrWrongExpectedVersion) {
			// Written (then deciding again finds it and replays it) or
			// refused: decide again.
			again = append(again, later.cmds()...)
			continue
		}
		// The outcome is unknown (the commit may have happened): report
		// it; a client's idempotent retry finds out.
		for _, c := range later.cmds() {
			c.finish(fmt.Errorf("record in fund %s: %w", id, lerr))
		}
	}
	slot.mu.Lock()
	slot.queue = append(again, slot.queue...)
	slot.mu.Unlock()
	return nil
}

// afterFailure returns the commands of a flight whose append failed with err
// that are to be decided again, and finishes the others.
func (l *Ledger) afterFailure(id uuid.UUID, fl *flight, err error) []*fundCmd {
	again := fl.cmds()
	switch {
	case errors.Is(err, ErrWrongExpectedVersion):
		return again
	case errors.Is(err, ErrDuplicateEventID), errors.Is(err, ErrAppendTooLarge):
		if len(fl.applied) == 1 {
			for _, o := range fl.outcomes {
				if o.err == nil && !o.replay {
					if errors.Is(err, ErrAppendTooLarge) {
						o.cmd.finish(fmt.Errorf("record in fund %s: %w", id, err))
						return removeFinished(again)
					}
					// Either our own fund has it (another instance won
					// the race: catching up makes it a replay) or another
					// stream has it.
					o.cmd.dupSeen = true
				}
			}
			return again
		}
		// One of the events caused it: find which by appending each alone.
		for _, o := range fl.outcomes {
			if o.err == nil && !o.replay {
				o.cmd.solo = true
			}
		}
		return again
	case errors.Is(err, ErrChainBroken):
		// The stored tail is not the one the batch was decided against:
		// nothing was written, and deciding again cannot help.
		err = chainBroken(id, err)
		for _, c := range again {
			c.finish(err)
		}
		return nil
	default:
		// The outcome is unknown (the commit may have happened): report
		// it; a client's idempotent retry finds out.
		for _, c := range again {
			c.finish(fmt.Errorf("record in fund %s: %w", id, err))
		}
		return nil
	}
}

// chainBroken turns a broken hash chain met while loading or writing a
// fund (ErrHashMismatch, ErrChainBroken), or a stored event the ledger
// cannot have written (ErrInvalidEvent: an event_id column edited, which
// the chain does not cover, or an event resealed after an edit), into the
// chain_broken refusal, whose message keeps the stream and revision where
// the history breaks; any other error is returned as it is.
func chainBroken(id uuid.UUID, err error) error {
	if !errors.Is(err, ErrHashMismatch) && !errors.Is(err, ErrChainBroken) && !errors.Is(err, ErrInvalidEvent) {
		return err
	}
	e := Errf(CodeChainBroken, "the stored history of fund %s does not verify (%v); nothing was recorded, and nothing "+
		"will be until an operator restores the ledger: `welfare-ledger verify` locates the change", id, err)
	e.cause = err
	return e
}

// finishAll makes the outcomes of a batch final, in order.
func finishAll(f *Fund, outcomes []outcome) {
	for _, o := range outcomes {
		if o.err == nil {
			o.cmd.done(f, o.replay)
		}
		o.cmd.finish(o.err)
	}
}

func removeFinished(cmds []*fundCmd) []*fundCmd {
	out := cmds[:0]
	for _, c := range cmds {
		select {
		case <-c.finished:
		default:
			out = append(out, c)
		}
	}
	return out
}

// reset throws the cached state away: it may hold events that were never
// recorded.
func (l *Ledger) reset(slot *fundSlot) {
	slot.fund = NewFund(slot.fund.ID)
	slot.stale = true
}

// seal turns a decided event into the fund stream's next event, chained to
// the cached state's last hash. Its position is known only once appended.
func (l *Ledger) seal(f *Fund, p Pending, actor string) (NewEvent, Event, error) {
	now := l.now()
	meta := Metadata{EventID: p.EventID, OccurredOn: p.OccurredOn, RecordedAt: now.UTC(), Actor: actor, PayloadHash: p.PayloadHash}
	ne, meta, err := Seal(f.LastHash, p.Data, meta)
	if err != nil {
		return NewEvent{}, Event{}, err
	}
	return ne, Event{
		Stream: FundStream(f.ID), Revision: f.next(),
		Type: p.Data.EventType(), Meta: meta, Data: p.Data, RawData: ne.Data, RawMetadata: ne.Metadata,
	}, nil
}

// setPositions gives the events of one append, already applied, their
// global positions. Positions of one append are consecutive in the embedded
// store; where they are not (commit positions), they are read back.
func (l *Ledger) setPositions(ctx context.Context, f *Fund, applied []Event, res AppendResult) error {
	n := len(applied)
	if uint64(res.LastPosition-res.FirstPosition) == uint64(n-1) {
		for i, e := range applied {
			f.setPosition(e, res.FirstPosition+Position(i))
		}
		return nil
	}
	read, err := l.store.ReadStream(ctx, FundStream(f.ID), applied[0].Revision, n)
	if err != nil {
		return fmt.Errorf("read back positions: %w", err)
	}
	if len(read) != n {
		return fmt.Errorf("read back positions: %d of %d events", len(read), n)
	}
	for i, e := range applied {
		f.setPosition(e, read[i].Position)
	}
	return nil
}

func (l *Ledger) slot(id uuid.UUID) *fundSlot {
	l.mu.Lock()
	defer l.mu.Unlock()
	s, ok := l.funds[id]
	if !ok {
		s = &fundSlot{fund: NewFund(id), stale: true, wake: make(chan struct{}, 1)}
		l.funds[id] = s
	}
	return s
}

// forgetIfMissing drops the slot of a fund that does not exist, so that
// requests for random fund ids do not grow the cache.
func (l *Ledger) forgetIfMissing(id uuid.UUID, s *fundSlot) {
	if s.fund.Exists {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.funds[id] == s {
		delete(l.funds, id)
	}
}

// catchUp applies the events of the fund's stream that the cached state
// lacks, verifying the hash chain of each: the ledger refuses to decide on a
// stream that was altered.
func (l *Ledger) catchUp(ctx context.Context, s *fundSlot) error {
	f := s.fund
	if err := l.foldFund(ctx, f, f.next()); err != nil {
		return fmt.Errorf("load fund %s: %w", f.ID, err)
	}
	s.stale = false
	return nil
}

// foldStream reads stream from revision from on, whose previous event's hash
// is prevHash, checks each event's link of the hash chain and hands it,
// decoded, to apply.
//
// Errors: store errors, ErrHashMismatch, decoding errors.
func (l *Ledger) foldStream(ctx context.Context, stream string, from uint64, prevHash string, apply func(Event)) error {
	return l.foldBatches(ctx, stream, from, prevHash, func(events []Event) error {
		for _, e := range events {
			apply(e)
		}
		return nil
	})
}

// foldBatches is foldStream a batch of at most MaxReadBatch events at a
// time, for a fold that judges an event by the others of its batch (a
// fund's, with the void rule); an error of apply stops the fold.
//
// Errors: store errors, ErrHashMismatch, decoding errors, apply's.
func (l *Ledger) foldBatches(ctx context.Context, stream string, from uint64, prevHash string, apply func([]Event) error) error {
	for {
		batch, err := l.store.ReadStream(ctx, stream, from, MaxReadBatch)
		if err != nil {
			return fmt.Errorf("read %s: %w", stream, err)
		}
		events := make([]Event, 0, len(batch))
		for _, se := range batch {
			if prevHash, err = VerifyHash(prevHash, se); err != nil {
				return err
			}
			e, err := Decode(se)
			if err != nil {
				return err
			}
			events = append(events, e)
			from = se.Revision + 1
		}
		if err := apply(events); err != nil {
			return err
		}
		if len(batch) < MaxReadBatch {
			return nil
		}
	}
}
