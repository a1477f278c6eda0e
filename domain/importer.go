package domain

import (
	"context"
	"errors"
)

// ErrLedgerNotEmpty: an import's target already holds events; nothing was
// written.
var ErrLedgerNotEmpty = errors.New("the ledger is not empty")

// LogImporter is implemented by a store that can take a whole log at once,
// as `welfare-ledger import` loads an exported one: into an empty store
// only, all or nothing, every event at its own position, stream and
// revision, so that exporting the imported log gives back the same bytes.
// (Append cannot: it numbers positions itself, and a log appended stream
// by stream is not atomic.)
type LogImporter interface {
	// ImportLog writes the events next returns, in that order, and returns
	// how many. next returns io.EOF after the last event; any other error
	// of next stops the import. Nothing is written unless every event is:
	// on any error the store is left as it was, empty.
	//
	// The caller checks the log (domain.LogChecker); the store only
	// refuses what it cannot hold. Errors: ErrLedgerNotEmpty, next's
	// errors (wrapped), ErrDuplicateEventID, ErrWrongExpectedVersion for
	// a second event at a stream's revision, ErrAppendTooLarge for an
	// event over MaxEventSize, ErrStoreClosed, ctx errors, or a backend
	// error.
	ImportLog(ctx context.Context, next func() (StoredEvent, error)) (int, error)
}
