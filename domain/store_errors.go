package domain

import "errors"

// ErrStoreUnavailable: the store cannot be reached or cannot write now; a
// retry with the same ids is safe. Backends wrap it around the cause (a
// KurrentDB node that does not answer, a disk that refuses a write) so that
// the API answers 503 store_unavailable with Retry-After instead of 500: the
// client's retry of the same request is either recorded or answered as a
// replay, never recorded twice, because every write of the ledger carries
// its own ids.
var ErrStoreUnavailable = errors.New("the store cannot be reached or cannot write now; a retry with the same ids is safe")
