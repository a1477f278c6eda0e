package domain

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
)

// Position is an event's place in the global log. Positions grow strictly in
// log order; they need not be contiguous (KurrentDB uses commit positions).
// The zero Position means "before the first event".
type Position uint64

// ExpectedRevision is the optimistic-concurrency condition of an append: the
// revision the stream's last event must have, or ExpectNoStream. There is no
// "any revision" on purpose: every append to a fund is decided against the
// state it read.
type ExpectedRevision int64

// ExpectNoStream requires that the stream has no events yet.
const ExpectNoStream ExpectedRevision = -1

// ExpectRevision requires that the stream's last event has revision r.
func ExpectRevision(r uint64) ExpectedRevision { return ExpectedRevision(r) }

// Limits of the store port, shared by every backend and by the contract suite.
const (
	// MaxEventsPerAppend bounds one atomic Append.
	MaxEventsPerAppend = 100
	// MaxEventSize bounds the data plus metadata of one event, in bytes.
	MaxEventSize = 256 << 10
	// MaxReadBatch bounds the events returned by one ReadStream or ReadAll.
	MaxReadBatch = 4096
)

// Errors of the store port. Backends return these (wrapped) so that callers
// can test them with errors.Is.
var (
	// ErrWrongExpectedVersion: the stream's revision did not match the
	// append's ExpectedRevision; nothing of that append was written.
	ErrWrongExpectedVersion = errors.New("wrong expected version")
	// ErrDuplicateEventID: an event id of the append already exists in the
	// log (in any stream); nothing of that append was written.
	ErrDuplicateEventID = errors.New("duplicate event id")
	// ErrStoreClosed: the store was closed.
	ErrStoreClosed = errors.New("store closed")
	// ErrAppendTooLarge: the append has no events, more than
	// MaxEventsPerAppend events, or an event over MaxEventSize.
	ErrAppendTooLarge = errors.New("append too large")
)

// NewEvent is an event to append. Data and Metadata are JSON objects (the
// codec in this package produces them); the store keeps them byte for byte.
type NewEvent struct {
	ID       uuid.UUID
	Type     string
	Data     []byte
	Metadata []byte
}

// StoredEvent is an event as read back from the store.
type StoredEvent struct {
	Position Position
	Stream   string
	Revision uint64 // 0 for the first event of a stream
	ID       uuid.UUID
	Type     string
	Data     []byte
	Metadata []byte
}

// AppendResult tells where an append landed.
type AppendResult struct {
	// FirstPosition and LastPosition are the global positions of the first
	// and the last appended event.
	FirstPosition, LastPosition Position
	// NextRevision is the revision of the last appended event: the
	// ExpectedRevision of the stream's next append.
	NextRevision uint64
}

// EventStore is the port every storage backend implements (see
// store/storetest for the contract).
type EventStore interface {
	// Append atomically appends events to stream if the stream is at
	// expected. It returns only after the events are durable. Errors:
	// ErrWrongExpectedVersion (also for an expected revision below
	// ExpectNoStream: there is no "any"), ErrDuplicateEventID (an id
	// already in the log, or twice in this call), ErrChainBroken (the
	// append does not link to the stream's stored tail, checked with
	// CheckAppendLink in the same atomic step as the revision),
	// ErrAppendTooLarge, ErrStoreClosed, ErrStoreUnavailable (the store
	// cannot write now), ctx errors, or a backend error. On those errors
	// nothing was written — except when the durable commit itself fails,
	// where the backend cannot know (ErrStoreUnavailable with
	// ErrOutcomeUnknown): a retry with the same event ids then sees
	// ErrDuplicateEventID or its own events, which is why every write of
	// the ledger is idempotent by id.
	Append(ctx context.Context, stream string, expected ExpectedRevision, events []NewEvent) (AppendResult, error)

	// ReadStream returns up to max (at most MaxReadBatch) events of stream
	// with revision >= from, in revision order. An unknown stream, or max
	// <= 0, reads as empty.
	ReadStream(ctx context.Context, stream string, from uint64, max int) ([]StoredEvent, error)

	// ReadAll returns up to max (at most MaxReadBatch) events of the global
	// log with position > after, in log order. The order is the same on
	// every read.
	ReadAll(ctx context.Context, after Position, max int) ([]StoredEvent, error)

	// Subscribe delivers every event with position > after, in log order and
	// without gaps, including events appended while it catches up, until ctx
	// is done or Close is called.
	Subscribe(ctx context.Context, after Position) (Subscription, error)

	// Close releases the store; pending appends fail with ErrStoreClosed.
	Close() error
}

// Subscription is a live feed of the global log.
type Subscription interface {
	// Next blocks until at least one event is available and returns a batch
	// of events in log order (at most MaxReadBatch). It returns an error
	// when ctx is done, when the subscription or the store is closed
	// (ErrStoreClosed), or when the backend fails. Next is not safe for
	// concurrent calls: one goroutine consumes a subscription.
	Next(ctx context.Context) ([]StoredEvent, error)
	// Close ends the subscription.
	Close() error
}

// ErrPredecessorFailed: a pipelined append was refused because the append
// it was queued behind was not written. Nothing of it was written. It wraps
// ErrWrongExpectedVersion: the stream is not where the append expected it.
var ErrPredecessorFailed = fmt.Errorf("the append it was queued behind was not written: %w", ErrWrongExpectedVersion)

// PipelinedStore is implemented by a backend that can queue an append
// behind another one of the same stream before that one is durable, so that
// a busy stream has an append in every group commit instead of one in every
// other (the ledger uses it when the store has it, and Append otherwise).
type PipelinedStore interface {
	EventStore
	// AppendAfter queues an append like Append and returns without waiting
	// for it; Pending tells its outcome, which means what Append's would.
	// after, if not nil, is a pending append of this store queued earlier
	// by the same caller: the new one is written only if after was, and is
	// committed after it (in the same group commit or a later one), else it
	// is refused with ErrPredecessorFailed. Appends that name their
	// predecessor this way therefore land in the order they were queued,
	// all-or-stop: none is written on top of a failed one.
	//
	// Errors (returned at once, nothing queued): the errors of Append's
	// validation, ErrStoreClosed, ctx errors.
	AppendAfter(ctx context.Context, stream string, expected ExpectedRevision, events []NewEvent, after PendingAppend) (PendingAppend, error)
}

// PendingAppend is an append queued with AppendAfter.
type PendingAppend interface {
	// Done is closed once the outcome is known.
	Done() <-chan struct{}
	// Result is the outcome, as Append would return it; it blocks until
	// Done is closed.
	Result() (AppendResult, error)
}
