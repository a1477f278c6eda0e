package projections

import (
	"context"
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
	// MismatchRebuild: the log could not be rebuilt into projections past
	// an event (it does not decode, or contradicts the events before it),
	// so the projections could not be compared. It is reported to every
	// scope; the event's stream, revision and the reason only to one that
	// holds the event.
	MismatchRebuild MismatchKind = "rebuild_failed"
)

// Mismatch is one thing a verification found wrong. Stream is the stream
// at fault ("" for the ledger as a whole); Revision is set for an event
// (hash_chain, rebuild_failed); Position is the event's position, or for a figure the log
// position at which the projections were compared.
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
}

// Verify recomputes the hash chain of every stream of store's log up to the
// position of live, rebuilds every projection from those events into a
// scratch copy, and compares it figure by figure with live as it was at that
// position. live keeps serving and applying events meanwhile: its state is
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
	if inScope == nil {
		inScope = func(string) bool { return true }
	}
	liveSnap := live.snapshot()
	r := &verifier{inScope: inScope, scope: map[string]bool{}, report: VerifyReport{Position: liveSnap.pos, Mismatches: []Mismatch{}}}
	log := &verifyingLog{EventStore: store, upTo: liveSnap.pos, chain: domain.NewChainChecker(), v: r}
	scratch := New()
	if err := scratch.catchUp(ctx, log); err != nil {
		if log.err != nil {
			return VerifyReport{}, fmt.Errorf("verify: read the log: %w", log.err)
		}
		if ctx.Err() != nil {
			return VerifyReport{}, fmt.Errorf("verify: %w", ctx.Err())
		}
		at, cause, err := firstUnfoldable(ctx, log, scratch, err)
		if err != nil {
			return VerifyReport{}, fmt.Errorf("verify: %w", err)
		}
		r.rebuildFailed(at, cause)
		// The chains of the rest of the log can still be checked.
		if err := log.checkRest(ctx); err != nil {
			return VerifyReport{}, err
		}
		return r.done(), nil
	}
	logSnap := scratch.snapshot()
	compareSnapshots(&liveSnap, &logSnap, r.add)
	compareLoans(live, scratch, &liveSnap, r.add)
	return r.done(), nil
}

// firstUnfoldable finds the event that stopped the rebuild of scratch: the
// first after its position that does not decode or that Apply refuses
// (the catch-up fails a whole batch that holds an undecodable event).
func firstUnfoldable(ctx context.Context, log *verifyingLog, scratch *Projections, failure error) (domain.StoredEvent, error, error) {
	// The store itself: these events were checked and counted already.
	batch, err := log.EventStore.ReadAll(ctx, scratch.Position(), domain.MaxReadBatch)
	if err != nil {
		return domain.StoredEvent{}, nil, fmt.Errorf("read the log: %w", err)
	}
	for _, se := range batch {
		if se.Position > log.upTo {
			break
		}
		e, err := domain.Decode(se)
		if err == nil {
			err = scratch.Apply(e)
		}
		if err != nil {
			return se, err, nil
		}
	}
	// The log changed under the verification.
	return domain.StoredEvent{}, nil, fmt.Errorf("the rebuild failed after position %d (%w), but the events after it fold when read again", scratch.Position(), failure)
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
