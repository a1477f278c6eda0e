package projections

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// Projections holds every read model. Create it with New, feed it with Run
// (or Apply, in log order), query it from any goroutine.
type Projections struct {
	mu sync.RWMutex
	// bdMu makes one job per pending scope of breakdown person indexes,
	// and bdPause is the tests' hook between a job's turns, which
	// bdPauseMu calls one at a time (breakdown_persons.go).
	bdMu      sync.Mutex
	bdPause   func()
	bdPauseMu sync.Mutex
	pos       domain.Position
	// lastID and lastHash identify the event at pos, and prevPos is the
	// position of the event applied before it, so that a checkpoint can
	// be checked against the log it came from; history is the digest of
	// every event applied (see history.go), histBuf addHistory's scratch.
	lastID   uuid.UUID
	lastHash string
	prevPos  domain.Position
	history  hash.Hash
	histBuf  []byte
	// applied counts the events applied since New or ReadCheckpoint, for
	// the checkpointer.
	applied uint64

	units     map[domain.UnitID]*unitNode
	unitOrder []*unitNode
	funds     map[uuid.UUID]*fundNode
	fundOrder []*fundNode
	// txs indexes by id the transactions applied since the last freeze
	// (a checkpoint load, the end of a start's catch-up), frozen those
	// before (see tx).
	txs    map[uuid.UUID]*txNode
	frozen frozenTxs
	benef  map[domain.BeneficiaryID]*beneficiaryTxs
	// actors numbers the actors, whose names are in actorNames: a
	// transaction keeps the number.
	actors     map[string]uint32
	actorNames []string

	tokens     map[uuid.UUID]*tokenNode
	tokenOrder []*tokenNode

	// periods lists the closures of fiscal years in log order, closedNow
	// the ones not reopened (periods.go).
	periods   []*periodNode
	closedNow map[periodKey]*periodNode
	// void is the void rule's state (periods_void.go).
	void voidState

	// linePersonsLater is set while catchUp applies the log: the funds
	// and units it makes leave their breakdown lines' person indexes
	// pending, as a checkpoint load does (breakdown_persons.go), for a
	// job to build after it. Kept live event by event, they cost a
	// replay a fifth of its apply. Under the write lock.
	linePersonsLater bool

	// grantBuf and spanBuf are the person indexes' scratch in the live
	// apply (a person's grants, read once for the fund's, units' and
	// lines' indexes, and one index's spans), under the write lock.
	grantBuf []grantSpan
	spanBuf  []span

	ready atomic.Bool
	// resubscribes counts the subscriptions Run has opened again after
	// the store dropped one (follow.go).
	resubscribes atomic.Uint64

	notifyMu sync.Mutex
	notify   chan struct{} // closed and replaced whenever pos advances
}

// New returns empty projections.
func New() *Projections {
	return &Projections{
		units:   map[domain.UnitID]*unitNode{},
		funds:   map[uuid.UUID]*fundNode{},
		txs:     map[uuid.UUID]*txNode{},
		benef:   map[domain.BeneficiaryID]*beneficiaryTxs{},
		actors:  map[string]uint32{},
		tokens:  map[uuid.UUID]*tokenNode{},
		notify:  make(chan struct{}),
		history: sha256.New(),
	}
}

// Apply folds one event into every read model. Events must come in log
// order; an event at or before the current position is ignored.
func (p *Projections) Apply(e domain.Event) error {
	p.mu.Lock()
	err := p.applyLocked(&e)
	p.mu.Unlock()
	p.broadcast()
	return err
}

func (p *Projections) applyBatch(events []domain.Event) error {
	p.mu.Lock()
	var err error
	for i := range events {
		if err = p.applyLocked(&events[i]); err != nil {
			break
		}
	}
	p.mu.Unlock()
	p.broadcast()
	return err
}

func (p *Projections) broadcast() {
	p.notifyMu.Lock()
	close(p.notify)
	p.notify = make(chan struct{})
	p.notifyMu.Unlock()
}

// errInconsistent marks an event that contradicts what the projections hold;
// the ledger's write side makes it impossible, so it means a corrupted log.
var errInconsistent = errors.New("event inconsistent with the log before it")

// applyLocked, applyMoney and applyReversal take the event by pointer: an
// Event is a few hundred bytes, copied at every call otherwise.
func (p *Projections) applyLocked(e *domain.Event) error {
	if e.Position <= p.pos && p.pos != 0 {
		return nil
	}
	if p.skipVoid(e) {
		p.advance(e)
		return nil
	}
	switch d := e.Data.(type) {
	case *domain.UnitRegistered:
		p.applyUnit(d, e.Meta.RecordedAt)
	case *domain.FundOpened:
		if err := p.applyFundOpened(e, d); err != nil {
			return err
		}
	case *domain.TokenIssued, *domain.TokenRevoked:
		p.applyAccess(e)
	case *domain.PeriodClosing, *domain.PeriodClosed, *domain.PeriodReopened:
		if err := p.applyPeriod(e); err != nil {
			return err
		}
	default:
		if err := p.applyMoney(e); err != nil {
			return err
		}
	}
	p.advance(e)
	return nil
}

// advance moves the position past an applied (or void) event.
func (p *Projections) advance(e *domain.Event) {
	p.prevPos, p.pos = p.pos, e.Position
	p.lastID, p.lastHash = e.Meta.EventID, e.Meta.Hash
	p.addHistory(e.Position, e.Meta.Hash)
	p.applied++
}

// tx returns the transaction with the given id.
func (p *Projections) tx(id uuid.UUID) (*txNode, bool) {
	if t, ok := p.txs[id]; ok {
		return t, true
	}
	return p.frozen.find(id)
}

// Run catches the projections up with the store's log, marks them ready,
// starts building the breakdown persons a checkpoint load or the catch-up
// left pending (WarmBreakdowns, until ctx is done), and then follows the store's
// subscription until ctx is done, subscribing again when the store drops
// it (follow). It returns the first error that stops it (ctx's error on
// shutdown).
func Run(ctx context.Context, store domain.EventStore, p *Projections, log *slog.Logger) error {
	if err := p.catchUp(ctx, store); err != nil {
		return err
	}
	// A replay from the start leaves millions of ids in the map: ~40
	// bytes each, where the frozen index takes 8.
	p.mu.Lock()
	err := p.freezeTxs(freezeMinTxs)
	p.mu.Unlock()
	if err != nil {
		return err
	}
	p.ready.Store(true)
	log.Info("projections caught up", "position", uint64(p.Position()))
	// The breakdown persons a checkpoint load or the catch-up left
	// pending, built while serving (breakdown_persons.go): ready does not wait for them.
	go func() {
		start := time.Now()
		if n := p.WarmBreakdowns(ctx); n > 0 && ctx.Err() == nil {
			log.Info("breakdown persons built", "scopes", n, "took", time.Since(start).Round(time.Millisecond))
		}
	}()
	return p.follow(ctx, store, log)
}

// catchUpReadAhead is how many batches each stage of the catch-up may run
// ahead of the next one: enough to keep the stages busy, bounded so that a
// slow apply does not pull the whole log into memory.
const catchUpReadAhead = 2

// catchUp applies the store's log from the current position to its end.
// Reading, decoding and applying are three stages connected by channels, so
// that on several cores the SQLite scan, the JSON decoding and the folding
// overlap instead of adding up; events are still applied one batch at a
// time, in log order.
func (p *Projections) catchUp(ctx context.Context, store domain.EventStore) error {
	ctx, cancel := context.WithCancel(ctx)
	type stage struct {
		stored []domain.StoredEvent
		events []domain.Event
		err    error
	}
	read := make(chan stage, catchUpReadAhead)
	decoded := make(chan stage, catchUpReadAhead)
	send := func(ch chan<- stage, st stage) bool {
		select {
		case ch <- st:
			return true
		case <-ctx.Done():
			return false
		}
	}
	go func() {
		defer close(read)
		after := p.Position()
		for {
			batch, err := store.ReadAll(ctx, after, domain.MaxReadBatch)
			if err != nil {
				err = fmt.Errorf("projections catch-up: %w", err)
			}
			if !send(read, stage{stored: batch, err: err}) || err != nil || len(batch) < domain.MaxReadBatch {
				return
			}
			after = batch[len(batch)-1].Position
		}
	}()
	go func() {
		defer close(decoded)
		// Closing decoded only once read is closed makes the reader's end
		// part of catchUp's: none of its reads outlives the return.
		defer func() {
			for range read {
			}
		}()
		for st := range read {
			if st.err == nil {
				st.events, st.err = decodeAll(st.stored)
			}
			if !send(decoded, st) || st.err != nil {
				return
			}
		}
	}()
	defer func() {
		cancel()
		for range decoded { // let both stages finish before returning
		}
	}()
	p.mu.Lock()
	p.linePersonsLater = true
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		p.linePersonsLater = false
		p.mu.Unlock()
	}()
	for st := range decoded {
		if st.err != nil {
			return st.err
		}
		if len(st.events) == 0 {
			continue
		}
		if err := p.applyBatch(st.events); err != nil {
			return fmt.Errorf("projections: %w", err)
		}
	}
	return ctx.Err()
}

// decodeAll decodes a batch of stored events.
func decodeAll(batch []domain.StoredEvent) ([]domain.Event, error) {
	events := make([]domain.Event, len(batch))
	for i := range batch {
		var err error
		if events[i], err = domain.Decode(batch[i]); err != nil {
			return nil, fmt.Errorf("projections: %w", err)
		}
	}
	return events, nil
}

func (p *Projections) applyStored(batch []domain.StoredEvent) error {
	if len(batch) == 0 {
		return nil
	}
	events, err := decodeAll(batch)
	if err != nil {
		return err
	}
	if err := p.applyBatch(events); err != nil {
		return fmt.Errorf("projections: %w", err)
	}
	return nil
}
