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
// its state between them.
type fundSlot struct {
	mu    sync.Mutex
	fund  *Fund
	stale bool // the store may hold events the cached state lacks
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
// state that holds the command's outcome.
func (l *Ledger) withFund(ctx context.Context, id uuid.UUID, decide func(*Fund) ([]Pending, error),
	done func(f *Fund, replay bool), actor string) error {
	slot := l.slot(id)
	slot.mu.Lock()
	defer slot.mu.Unlock()
	defer l.forgetIfMissing(id, slot)

	dupSeen, fresh := false, false
	for attempt := 0; attempt < maxDecideAttempts; attempt++ {
		if slot.stale {
			if err := l.catchUp(ctx, slot); err != nil {
				return err
			}
			fresh = true
		}
		f := slot.fund
		pending, err := decide(f)
		if err != nil && !fresh {
			// Another instance may have written to the fund since this
			// cache was filled: a refusal (insufficient funds, unknown
			// loan…) is only final against the stream as it is now.
			slot.stale = true
			continue
		}
		if err != nil {
			return err
		}
		if len(pending) == 0 {
			done(f, true)
			return nil
		}
		if dupSeen {
			// The id is taken by another stream (or another fund's id).
			return Errf(CodeIdempotencyConflict, "id %s is already used by another transaction or fund", pending[0].EventID)
		}
		ev, err := l.appendPending(ctx, f, pending[0], actor)
		switch {
		case err == nil:
			f.Evolve(ev)
			done(f, false)
			return nil
		case errors.Is(err, ErrWrongExpectedVersion):
			slot.stale = true
		case errors.Is(err, ErrDuplicateEventID):
			// Either our own fund has it (another instance won the race:
			// catch up and it is a replay) or another stream has it.
			slot.stale, dupSeen = true, true
		default:
			// The outcome is unknown (the commit may have happened):
			// the next command reads the stream again.
			slot.stale = true
			return fmt.Errorf("record in fund %s: %w", id, err)
		}
	}
	return Errf(CodeConcurrentModification, "fund %s is being changed by other writers; try again", id)
}

func (l *Ledger) appendPending(ctx context.Context, f *Fund, p Pending, actor string) (Event, error) {
	now := l.now()
	meta := Metadata{EventID: p.EventID, OccurredOn: p.OccurredOn, RecordedAt: now.UTC(), Actor: actor, PayloadHash: p.PayloadHash}
	ne, meta, err := Seal(f.LastHash, p.Data, meta)
	if err != nil {
		return Event{}, err
	}
	stream := FundStream(f.ID)
	res, err := l.store.Append(ctx, stream, f.NextExpected(), []NewEvent{ne})
	if err != nil {
		return Event{}, err
	}
	return Event{
		Position: res.LastPosition, Stream: stream, Revision: res.NextRevision,
		Type: p.Data.EventType(), Meta: meta, Data: p.Data, RawData: ne.Data, RawMetadata: ne.Metadata,
	}, nil
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
	stream := FundStream(f.ID)
	for {
		from := uint64(0)
		if f.Exists {
			from = f.Revision + 1
		}
		batch, err := l.store.ReadStream(ctx, stream, from, MaxReadBatch)
		if err != nil {
			return fmt.Errorf("read %s: %w", stream, err)
		}
		for _, se := range batch {
			if _, err := VerifyHash(f.LastHash, se); err != nil {
				return fmt.Errorf("load fund %s: %w", f.ID, err)
			}
			e, err := Decode(se)
			if err != nil {
				return fmt.Errorf("load fund %s: %w", f.ID, err)
			}
			f.Evolve(e)
		}
		if len(batch) < MaxReadBatch {
			s.stale = false
			return nil
		}
	}
}
