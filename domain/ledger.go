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
}

// fundSlot serialises the commands of one fund in this process and caches
// its state between them. Commands queue on the slot; one of their
// goroutines at a time, the leader, decides everything queued against the
// cached state and appends the resulting events in one atomic append (one
// expected revision, one place in a group commit), so that a busy fund
// records many commands per disk flush instead of one.
type fundSlot struct {
	// fund and stale belong to the leader.
	fund  *Fund
	stale bool // the store may hold events the cached state lacks

	mu      sync.Mutex // guards queue and leading
	queue   []*fundCmd
	leading bool
}

// fundCmd is one command waiting on a fund's slot.
type fundCmd struct {
	decide func(*Fund) ([]Pending, error)
	done   func(f *Fund, replay bool)
	actor  string

	attempts int
	// dupSeen: an append of this command's event alone failed with a
	// duplicate id.
	dupSeen bool
	// solo: append this command's event on its own (a shared append
	// failed in a way that one of its events may have caused).
	solo bool

	err      error
	finished chan struct{} // closed when err (and done) are final
	lead     chan struct{} // signalled when this command's goroutine must lead
}

func (c *fundCmd) finish(err error) {
	c.err = err
	close(c.finished)
}

// NewLedger returns a ledger writing to store, reading the time from now.
func NewLedger(store EventStore, now func() time.Time) *Ledger {
	return &Ledger{store: store, now: now, funds: map[uuid.UUID]*fundSlot{}}
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
// Errors: validation_failed, not_found (unit), idempotency_conflict, or a
// store error.
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
	err = l.withFund(ctx, c.FundID, func(f *Fund) ([]Pending, error) {
		return DecideOpen(f, c, unitOK, l.now())
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
// Errors: every code of Decide, or a store error.
func (l *Ledger) Record(ctx context.Context, c MoneyCommand, actor string) (TxResult, error) {
	var out TxResult
	err := l.withFund(ctx, c.Fund(), func(f *Fund) ([]Pending, error) {
		return Decide(f, c, l.now())
	}, func(f *Fund, replay bool) {
		t, _ := f.Tx(c.TxID())
		out = TxResult{FundID: f.ID, Tx: *t, Replay: replay}
	}, actor)
	return out, err
}

// withFund runs one command against a fund: catch up, decide, append with
// the expected revision, apply; again on a lost race. done is called with the
// state that holds the command's outcome, once that outcome is durable.
func (l *Ledger) withFund(ctx context.Context, id uuid.UUID, decide func(*Fund) ([]Pending, error),
	done func(f *Fund, replay bool), actor string) error {
	slot := l.slot(id)
	c := &fundCmd{decide: decide, done: done, actor: actor, finished: make(chan struct{}), lead: make(chan struct{}, 1)}
	slot.mu.Lock()
	slot.queue = append(slot.queue, c)
	lead := !slot.leading
	slot.leading = true
	slot.mu.Unlock()
	if lead {
		l.lead(ctx, id, slot, c)
	}
	for {
		select {
		case <-c.finished:
			return c.err
		case <-c.lead:
			l.lead(ctx, id, slot, c)
		}
	}
}

// lead runs the slot's queued commands, batch after batch, until me is
// finished; then it hands the lead to the first command still queued, so
// that no client waits for other clients' commands longer than for one
// batch after its own.
func (l *Ledger) lead(ctx context.Context, id uuid.UUID, slot *fundSlot, me *fundCmd) {
	// The batch holds other clients' commands: one client going away must
	// not fail them. Every store call is bounded by the store itself.
	ctx = context.WithoutCancel(ctx)
	for {
		slot.mu.Lock()
		select {
		case <-me.finished:
			if len(slot.queue) > 0 {
				// Never blocks under slot.mu: a signal already pending
				// means the same thing.
				select {
				case slot.queue[0].lead <- struct{}{}:
				default:
				}
			} else {
				slot.leading = false
				l.forgetIfMissing(id, slot)
			}
			slot.mu.Unlock()
			return
		default:
		}
		batch := takeBatch(slot.queue)
		slot.queue = slot.queue[len(batch):]
		slot.mu.Unlock()

		retry := l.runBatch(ctx, id, slot, batch)
		if len(retry) > 0 {
			slot.mu.Lock()
			slot.queue = append(retry, slot.queue...)
			slot.mu.Unlock()
		}
	}
}

// takeBatch returns the commands at the head of queue that go into one
// append: up to MaxEventsPerAppend of them, or a solo command alone.
func takeBatch(queue []*fundCmd) []*fundCmd {
	if len(queue) > 0 && queue[0].solo {
		return queue[:1:1]
	}
	n := 0
	for n < len(queue) && n < MaxEventsPerAppend && !queue[n].solo {
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

// runBatch decides the commands of batch in order against the cached state,
// each seeing the events of the ones before it, appends all their events in
// one append and then finishes them. It returns the commands to run again
// (after a lost race, or a refusal decided on a cache that may be stale).
func (l *Ledger) runBatch(ctx context.Context, id uuid.UUID, slot *fundSlot, batch []*fundCmd) (retry []*fundCmd) {
	fresh := false
	if slot.stale {
		if err := l.catchUp(ctx, slot); err != nil {
			l.reset(slot)
			for _, c := range batch {
				c.finish(err)
			}
			return nil
		}
		fresh = true
	}
	f := slot.fund
	expected := f.NextExpected()
	var (
		outcomes []outcome
		events   []NewEvent
		applied  []Event
	)
	for i, c := range batch {
		if c.attempts >= maxDecideAttempts {
			outcomes = append(outcomes, outcome{cmd: c, err: Errf(CodeConcurrentModification, "fund %s is being changed by other writers; try again", id)})
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
			outcomes = append(outcomes, outcome{cmd: c, err: err})
			continue
		case len(pending) == 0:
			outcomes = append(outcomes, outcome{cmd: c, replay: true})
			continue
		case c.dupSeen:
			// The id is taken by another stream (or another fund's id).
			outcomes = append(outcomes, outcome{cmd: c, err: Errf(CodeIdempotencyConflict,
				"id %s is already used by another transaction or fund", pending[0].EventID)})
			continue
		}
		ne, ev, err := l.seal(f, pending[0], c.actor)
		if err != nil {
			outcomes = append(outcomes, outcome{cmd: c, err: err})
			continue
		}
		// Applied before it is durable so that the next command of the
		// batch is decided on it; if the append fails, the cache is
		// thrown away (reset) and the commands decided again.
		f.Evolve(ev)
		events = append(events, ne)
		applied = append(applied, ev)
		outcomes = append(outcomes, outcome{cmd: c})
	}
	if len(events) == 0 {
		finishAll(f, outcomes)
		return retry
	}

	res, err := l.store.Append(ctx, FundStream(id), expected, events)
	if err == nil {
		err = l.setPositions(ctx, f, applied, res)
	}
	if err == nil {
		finishAll(f, outcomes)
		return retry
	}
	// Every outcome of this batch was decided on events that may not have
	// been recorded: decide them all again on a fresh cache.
	l.reset(slot)
	again := make([]*fundCmd, 0, len(batch))
	for _, o := range outcomes {
		again = append(again, o.cmd)
	}
	again = append(again, retry...)
	switch {
	case errors.Is(err, ErrWrongExpectedVersion):
		return again
	case errors.Is(err, ErrDuplicateEventID), errors.Is(err, ErrAppendTooLarge):
		if len(events) == 1 {
			for _, o := range outcomes {
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
		for _, o := range outcomes {
			if o.err == nil && !o.replay {
				o.cmd.solo = true
			}
		}
		return again
	default:
		// The outcome is unknown (the commit may have happened): report
		// it; a client's idempotent retry finds out.
		for _, c := range again {
			c.finish(fmt.Errorf("record in fund %s: %w", id, err))
		}
		return nil
	}
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
	rev := uint64(0)
	if f.Exists {
		rev = f.Revision + 1
	}
	return ne, Event{
		Stream: FundStream(f.ID), Revision: rev,
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
		s = &fundSlot{fund: NewFund(id), stale: true}
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
	from := uint64(0)
	if f.Exists {
		from = f.Revision + 1
	}
	if err := l.foldStream(ctx, FundStream(f.ID), from, f.LastHash, f.Evolve); err != nil {
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
	for {
		batch, err := l.store.ReadStream(ctx, stream, from, MaxReadBatch)
		if err != nil {
			return fmt.Errorf("read %s: %w", stream, err)
		}
		for _, se := range batch {
			if prevHash, err = VerifyHash(prevHash, se); err != nil {
				return err
			}
			e, err := Decode(se)
			if err != nil {
				return err
			}
			apply(e)
			from = se.Revision + 1
		}
		if len(batch) < MaxReadBatch {
			return nil
		}
	}
}
