package domain

import "errors"

// Errors of the store port about faults and broken history, beside those
// declared with the port in store.go. Backends return them wrapped, so that
// callers can test them with errors.Is.
var (
	// ErrStoreUnavailable: the store cannot be reached or cannot write now
	// (a full disk, a read-only data directory, a lost connection); a retry
	// with the same ids is safe. It is no fault of the request, and the
	// API answers it 503 store_unavailable with Retry-After.
	ErrStoreUnavailable = errors.New("store unavailable")

	// ErrOutcomeUnknown accompanies ErrStoreUnavailable when the failure
	// came while the store was making the append durable (its commit), so
	// that the append may or may not have been written. Every write of the
	// ledger is idempotent by id, which is what makes its retry safe: the
	// retry is recorded once or answered as a replay.
	ErrOutcomeUnknown = errors.New("outcome unknown: the write may or may not have been recorded")

	// ErrChainBroken: the append does not link to the stream's stored hash
	// chain (see CheckAppendLink): the stream's last stored event does not
	// hash to its stored hash (it was changed outside the ledger), or the
	// append's first event names another predecessor than the stored one.
	// Nothing of that append was written. Retrying cannot help: the stored
	// history has to be restored first.
	ErrChainBroken = errors.New("the append does not link to the stream's stored hash chain")
)
