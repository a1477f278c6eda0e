package projections

import (
	"context"
	"errors"
	"fmt"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// MaxMismatches bounds the mismatches a VerifyReport lists, so that a badly
// damaged ledger does not make a report of millions of lines; the report
// counts the rest.
const MaxMismatches = 100

// MismatchKind says what a verification found wrong.
type MismatchKind string

// Mismatch kinds.
const (
	// MismatchHashChain: a stored event's bytes do not hash to its stored
	// hash, its prev_hash does not link to the previous event of its
	// stream, or its revision does not follow the previous one (see
	// domain.ChainChecker): the event was altered, removed or inserted
	// after it was written.
	MismatchHashChain MismatchKind = "hash_chain"
	// MismatchProjection: a figure of the live projections differs from
	// the same figure rebuilt from the log at the same position: the
	// projections answer something the log does not say.
	MismatchProjection MismatchKind = "projection"
	// MismatchHistory: the log does not hold the history the projections
	// compared were built from (the running server's, or the checkpoint a
	// start would load): it ends before their position, or an event up to
	// it was removed, inserted or replaced (see history.go). A
	// ledger-wide mismatch (stream "").
	MismatchHistory MismatchKind = "history"
	// MismatchStorage: the store's own check of its storage found damage
	// (the embedded store: PRAGMA quick_check of the ledger file, such as
	// a damaged page of an index), or the log could not be read past a
	// position because of it. A ledger-wide mismatch (stream ""); the
	// latter, which voids the comparison, is reported to every scope.
	MismatchStorage MismatchKind = "storage"
	// MismatchInvalidEvent: a stored event does not decode, or breaks the
	// rules of its type (domain.ErrInvalidEvent: a grant without its
	// beneficiary, an amount that is not money, a type or event_id column
	// that does not fit the event, a payload in another fund's stream).
	// Every such event up to the position is listed, with its stream,
	// revision and the reason.
	MismatchInvalidEvent MismatchKind = "invalid_event"
	// MismatchRebuild: the log could not be rebuilt into projections past
	// an event (it does not decode, or contradicts the events before it),
	// so the projections could not be compared. It is reported to every
	// scope; the event's stream, revision and the reason only to one that
	// holds the event.
	MismatchRebuild MismatchKind = "rebuild_failed"
)

// Mismatch is one thing a verification found wrong. Stream is the stream
// at fault ("" for the ledger as a whole); Revision is set for an event
// (hash_chain, invalid_event, rebuild_failed); Position is the event's
// position, or for a figure the log position at which the projections were
// compared.
type Mismatch struct {
	Kind     MismatchKind    `json:"kind"`
	Stream   string          `json:"stream"`
	Revision *uint64         `json:"revision,omitempty"`
	Position domain.Position `json:"position"`
	Detail   string          `json:"detail"`
}

// VerifyReport is the outcome of Verify, restricted to a scope.
type VerifyReport struct {
	// OK is true when no mismatch was found in scope.
	OK bool `json:"ok"`
	// Position is the log position the log and the projections were
	// checked up to: the live projections' position when Verify started.
	Position domain.Position `json:"position"`
	// EventsChecked and StreamsChecked count the events and streams in
	// scope whose hash chain was recomputed.
	EventsChecked  uint64 `json:"events_checked"`
	StreamsChecked int    `json:"streams_checked"`
	// Mismatches lists at most MaxMismatches mismatches, in the order
	// found; MismatchesFound counts them all, and Truncated says whether
	// some were left out.
	Mismatches      []Mismatch `json:"mismatches"`
	MismatchesFound int        `json:"mismatches_found"`
	Truncated       bool       `json:"truncated"`
	// VoidEvents lists at most MaxMismatches of the void events found in
	// scope (verify_void.go): findings, not mismatches — OK stays true;
	// VoidEventsFound counts them all.
	VoidEvents      []VoidFinding `json:"void_events"`
	VoidEventsFound int           `json:"void_events_found"`
}

// Verify checks store's storage when the store can (StorageChecker),
// recomputes the hash chain of every stream of store's log up to the
// position of live, rebuilds every projection from those events into a
// scratch copy (listing every event that does not decode), checks that
// the log holds the history live was built from, and compares the rebuild
// figure by figure with live as it was at that position. live keeps serving and applying events meanwhile: its state is
// copied under its read lock first (as a checkpoint is), and the rebuild
// stops at the same position. The rebuild holds a second copy of every
// projection in memory for as long as it runs.
//
// inScope says whether the report may speak of a stream (nil: of every
// stream); "" stands for the ledger as a whole. The whole log is still
// checked and rebuilt, because a unit's figures fold the events of every
// fund below it, but the report counts and lists only what is in scope.
//
// Errors: store errors and ctx's error (the rebuild stops when ctx is
// done). What is wrong with the log or the projections is in the report,
// never an error.
func Verify(ctx context.Context, store domain.EventStore, live *Projections, inScope func(stream string) bool) (VerifyReport, error) {
	liveSnap := live.snapshot()
	return verifyUpTo(ctx, store, liveSnap.pos, inScope, func(r *verifier, scratch *Projections) {
		logSnap := scratch.snapshot()
		r.compareHistory(&liveSnap, &logSnap)
		compareSnapshots(&liveSnap, &logSnap, r.add)
		compareLoans(live, scratch, &liveSnap, r.add)
	})
}

// VerifyLog is Verify of the whole log without projections to compare
// with: the storage, every event's decoding and hash link, and the rebuild
// of the projections. It is what can be checked of a log that a start
// cannot fold (see `welfare-ledger verify`). Errors: Verify's.
func VerifyLog(ctx context.Context, store domain.EventStore, inScope func(stream string) bool) (VerifyReport, error) {
	end, err := logEnd(ctx, store, 0)
	if err != nil {
		return VerifyReport{}, fmt.Errorf("verify: read the log: %w", err)
	}
	return verifyUpTo(ctx, store, end, inScope, nil)
}

// verifyUpTo checks store's storage and its log up to the position upTo,
// rebuilds projections from it, and hands them to compare, when set and
// the rebuild succeeded.
func verifyUpTo(ctx context.Context, store domain.EventStore, upTo domain.Position, inScope func(string) bool,
	compare func(r *verifier, scratch *Projections)) (VerifyReport, error) {
	if inScope == nil {
		inScope = func(string) bool { return true }
	}
	r := &verifier{inScope: inScope, scope: map[string]bool{}, report: VerifyReport{Position: upTo, Mismatches: []Mismatch{}, VoidEvents: []VoidFinding{}}}
	damaged, err := r.checkStorage(ctx, store)
	if err != nil {
		return VerifyReport{}, err
	}
	log := &verifyingLog{EventStore: store, upTo: upTo, chain: domain.NewChainChecker(), v: r}
	scratch := New()
	if err := scratch.catchUp(ctx, log); err != nil {
		if log.err != nil && damaged {
			// The damage the storage check found stops the reading too.
			// Like rebuild_failed, every scope hears that nothing was
			// compared.
			r.record(Mismatch{Kind: MismatchStorage, Position: log.read, Detail: fmt.Sprintf(
				"the log could not be read after position %d, so the projections were not compared: %v", log.read, log.err)})
			return r.done(), nil
		}
		if log.err != nil {
			return VerifyReport{}, fmt.Errorf("verify: read the log: %w", log.err)
		}
		if ctx.Err() != nil {
			return VerifyReport{}, fmt.Errorf("verify: %w", ctx.Err())
		}
		at, cause, undecodable, err := firstUnfoldable(ctx, log, scratch, err)
		if err != nil {
			return VerifyReport{}, fmt.Errorf("verify: %w", err)
		}
		if undecodable {
			r.invalid(at, cause)
		}
		r.rebuildFailed(at, cause)
		// The events after it can still be decoded, and the chains of the
		// rest of the log checked.
		if err := log.checkDecoding(ctx, at.Position); err != nil {
			return VerifyReport{}, err
		}
		if err := log.checkRest(ctx); err != nil {
			return VerifyReport{}, err
		}
		return r.done(), nil
	}
	if compare != nil {
		compare(r, scratch)
	}
	r.voids(scratch)
	return r.done(), nil
}

// StorageChecker is a store that can check its own storage for damage
// (the embedded store: PRAGMA quick_check). CheckStorage returns the
// problems found, none for sound storage; its errors are ctx's, or say
// that the check could not run.
type StorageChecker interface {
	CheckStorage(ctx context.Context) ([]string, error)
}

// checkStorage runs store's own check of its storage, when it has one, and
// reports each problem; damaged says whether there was any. A check that
// cannot run on a file too damaged for it is one more problem.
//
// Errors: ctx's error, domain.ErrStoreClosed.
func (v *verifier) checkStorage(ctx context.Context, store domain.EventStore) (damaged bool, err error) {
	sc, ok := store.(StorageChecker)
	if !ok {
		return false, nil
	}
	problems, err := sc.CheckStorage(ctx)
	if err != nil {
		if ctx.Err() != nil {
			return false, fmt.Errorf("verify: %w", ctx.Err())
		}
		if errors.Is(err, domain.ErrStoreClosed) {
			return false, fmt.Errorf("verify: %w", err)
		}
		problems = []string{fmt.Sprintf("the storage check could not run: %v", err)}
	}
	for _, p := range problems {
		v.add(Mismatch{Kind: MismatchStorage, Detail: p})
	}
	return len(problems) > 0, nil
}

// firstUnfoldable finds the event that stopped the rebuild of scratch: the
// first after its position that does not decode (undecodable) or that
// Apply refuses (the catch-up fails a whole batch that holds an
// undecodable event).
func firstUnfoldable(ctx context.Context, log *verifyingLog, scratch *Projections, failure error) (at domain.StoredEvent, cause error, undecodable bool, err error) {
	// The store itself: these events were checked and counted already.
	batch, err := log.EventStore.ReadAll(ctx, scratch.Position(), domain.MaxReadBatch)
	if err != nil {
		return domain.StoredEvent{}, nil, false, fmt.Errorf("read the log: %w", err)
	}
	for _, se := range batch {
		if se.Position > log.upTo {
			break
		}
		e, err := domain.Decode(se)
		if err != nil {
			return se, err, true, nil
		}
		if err := scratch.Apply(e); err != nil {
			return se, err, false, nil
		}
	}
	// The log changed under the verification.
	return domain.StoredEvent{}, nil, false, fmt.Errorf("the rebuild failed after position %d (%w), but the events after it fold when read again", scratch.Position(), failure)
}

// invalid reports a stored event that does not decode, in scope.
func (v *verifier) invalid(se domain.StoredEvent, cause error) {
	rev := se.Revision
	v.add(Mismatch{Kind: MismatchInvalidEvent, Stream: se.Stream, Revision: &rev, Position: se.Position, Detail: cause.Error()})
}

// rebuildFailed reports the event the log could not be folded past. Every
// scope's comparison is void, so every report says so; one whose scope
// does not hold the event learns only its position.
func (v *verifier) rebuildFailed(se domain.StoredEvent, cause error) {
	const void = "the log could not be rebuilt into projections past this event, so the projections were not compared"
	m := Mismatch{Kind: MismatchRebuild, Position: se.Position, Detail: void}
	if v.visible(se.Stream) {
		rev := se.Revision
		m.Stream, m.Revision, m.Detail = se.Stream, &rev, void+": "+cause.Error()
	}
	v.record(m)
}

// verifier gathers a report.
type verifier struct {
	inScope func(string) bool
	scope   map[string]bool // inScope's answers, by stream
	report  VerifyReport
}

// visible reports whether the report may speak of stream, asking inScope
// once per stream.
func (v *verifier) visible(stream string) bool {
	in, known := v.scope[stream]
	if !known {
		in = v.inScope(stream)
		v.scope[stream] = in
	}
	return in
}

// add records a mismatch in scope.
func (v *verifier) add(m Mismatch) {
	if v.visible(m.Stream) {
		v.record(m)
	}
}

// record records a mismatch.
func (v *verifier) record(m Mismatch) {
	v.report.MismatchesFound++
	if len(v.report.Mismatches) < MaxMismatches {
		v.report.Mismatches = append(v.report.Mismatches, m)
	} else {
		v.report.Truncated = true
	}
}

func (v *verifier) done() VerifyReport {
	r := v.report
	r.OK = r.MismatchesFound == 0
	return r
}

// verifyingLog is the store as the scratch rebuild reads it: the log up to
// upTo only, each event's hash link checked as it is read. The catch-up
// reads from one goroutine, which owns it until the catch-up returns.
type verifyingLog struct {
	domain.EventStore
	upTo  domain.Position
	read  domain.Position // the last position read
	chain *domain.ChainChecker
	v     *verifier
	err   error // the store's error, if reading failed
}

// ReadAll reads the log up to upTo and checks every event read.
func (l *verifyingLog) ReadAll(ctx context.Context, after domain.Position, max int) ([]domain.StoredEvent, error) {
	if after >= l.upTo {
		return nil, nil
	}
	batch, err := l.EventStore.ReadAll(ctx, after, max)
	if err != nil {
		if ctx.Err() == nil { // not the catch-up stopping its reader
			l.err = err
		}
		return nil, err
	}
	for i, se := range batch {
		if se.Position > l.upTo {
			batch = batch[:i]
			break
		}
	}
	if len(batch) > 0 {
		l.read = batch[len(batch)-1].Position
	}
	for _, se := range batch {
		err := l.chain.Check(se) // only ever domain.ErrHashMismatch
		_, seen := l.v.scope[se.Stream]
		if !l.v.visible(se.Stream) {
			continue
		}
		if !seen {
			l.v.report.StreamsChecked++
		}
		l.v.report.EventsChecked++
		if err != nil {
			rev := se.Revision
			l.v.add(Mismatch{Kind: MismatchHashChain, Stream: se.Stream, Revision: &rev, Position: se.Position, Detail: err.Error()})
		}
	}
	return batch, nil
}

// checkDecoding decodes every event after the position after up to upTo
// and reports each that does not decode: once the rebuild has stopped at
// one, the others would go unreported. The chains are checkRest's.
//
// Errors: store errors, ctx's error.
func (l *verifyingLog) checkDecoding(ctx context.Context, after domain.Position) error {
	for after < l.upTo {
		batch, err := l.EventStore.ReadAll(ctx, after, domain.MaxReadBatch)
		if err != nil {
			return fmt.Errorf("verify: read the log: %w", err)
		}
		if len(batch) == 0 {
			return nil
		}
		for _, se := range batch {
			if se.Position > l.upTo {
				return nil
			}
			if _, err := domain.Decode(se); err != nil {
				l.v.invalid(se, err)
			}
		}
		after = batch[len(batch)-1].Position
	}
	return nil
}

// checkRest checks the hash links of the events up to upTo that the
// catch-up did not read.
//
// Errors: store errors, ctx's error.
func (l *verifyingLog) checkRest(ctx context.Context) error {
	for l.read < l.upTo {
		batch, err := l.ReadAll(ctx, l.read, domain.MaxReadBatch)
		if err != nil {
			return fmt.Errorf("verify: read the log: %w", err)
		}
		if len(batch) == 0 {
			return nil
		}
	}
	return nil
}
