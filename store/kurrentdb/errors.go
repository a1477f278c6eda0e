package kurrentdb

import (
	"context"
	"errors"
	"fmt"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// errNotFound: the stream of a read does not exist (a read of it is empty).
var errNotFound = errors.New("stream not found")

// errInvalidPosition: a read of $all started at an offset where no record
// starts; KurrentDB refuses it ("Trying to read from an invalid position").
var errInvalidPosition = errors.New("not the position of a record in $all")

// mapErr turns an error of the client library into the port's: a refused
// expected revision into domain.ErrWrongExpectedVersion, a missing stream
// into errNotFound, a closed store into domain.ErrStoreClosed, the caller's
// own cancellation into its ctx error, refused credentials into
// ErrUnauthenticated, and everything else — a node that does not answer,
// a dropped connection, a deadline of ours, a follower that is not the
// leader — into domain.ErrStoreUnavailable, whose retry with the same ids is
// safe because every append of the ledger is idempotent by id.
func (s *Store) mapErr(ctx context.Context, what string, err error) error {
	if err == nil {
		return nil
	}
	if s.closed.Load() {
		return fmt.Errorf("%s: %w", what, domain.ErrStoreClosed)
	}
	if cerr := ctx.Err(); cerr != nil && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) || isStatus(err, codes.Canceled, codes.DeadlineExceeded)) {
		if errors.Is(cerr, context.DeadlineExceeded) {
			// The deadline of the call (ours or the caller's) passed: the
			// server did not answer in time.
			return fmt.Errorf("%s: no answer in time: %w: %w", what, cerr, domain.ErrStoreUnavailable)
		}
		return fmt.Errorf("%s: %w", what, cerr)
	}
	var ee *esdb.Error
	if errors.As(err, &ee) {
		switch ee.Code() {
		case esdb.ErrorCodeWrongExpectedVersion:
			return fmt.Errorf("%s: %v: %w", what, err, domain.ErrWrongExpectedVersion)
		case esdb.ErrorCodeResourceNotFound:
			return fmt.Errorf("%s: %w", what, errNotFound)
		case esdb.ErrorCodeUnauthenticated, esdb.ErrorCodeAccessDenied:
			return fmt.Errorf("%s: %v: %w: %w", what, err, ErrUnauthenticated, domain.ErrStoreUnavailable)
		}
	}
	if isStatus(err, codes.Unauthenticated, codes.PermissionDenied) {
		return fmt.Errorf("%s: %v: %w: %w", what, err, ErrUnauthenticated, domain.ErrStoreUnavailable)
	}
	return fmt.Errorf("%s: %v: %w", what, err, domain.ErrStoreUnavailable)
}

// isStatus reports whether err carries a gRPC status with one of codes.
func isStatus(err error, cs ...codes.Code) bool {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if st, ok := status.FromError(e); ok {
			for _, c := range cs {
				if st.Code() == c {
					return true
				}
			}
			return false
		}
	}
	return false
}
