package kurrentdb

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"google.golang.org/grpc/codes"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// maxPosition is the last position the server can have: it keeps log
// positions as signed 64-bit numbers. A read after it is empty.
const maxPosition = math.MaxInt64

// readAllScanLimit bounds how many raw $all records one ReadAll looks at to
// fill its page: between two events of the ledger the log may hold any
// number of the server's own events and of this adapter's claims, and a
// page must come back within one deadline anyway.
const readAllScanLimit = 8 * domain.MaxReadBatch

// readChunk bounds the records one gRPC read asks for, so that each read,
// with its own deadline, stays short on a loaded machine; ReadStream and
// ReadAll make as many as a page needs.
const readChunk = 1024

// ReadStream returns up to max (at most domain.MaxReadBatch) events of
// stream from revision from, in revision order. An unknown stream reads as
// empty.
//
// Errors: domain.ErrStoreClosed, domain.ErrStoreUnavailable, ctx errors.
func (s *Store) ReadStream(ctx context.Context, stream string, from uint64, max int) ([]domain.StoredEvent, error) {
	if s.closed.Load() {
		return nil, fmt.Errorf("read %s: %w", stream, domain.ErrStoreClosed)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("read %s: %w", stream, err)
	}
	max = min(max, domain.MaxReadBatch)
	if max <= 0 || from > maxPosition {
		return nil, nil
	}
	var out []domain.StoredEvent
	for len(out) < max {
		want := min(max-len(out), readChunk)
		events, err := s.readStreamRaw(ctx, stream, esdb.Revision(from+uint64(len(out))), esdb.Forwards, uint64(want))
		if err != nil {
			return nil, err
		}
		for _, e := range events {
			out = append(out, stored(e))
		}
		if len(events) < want {
			break
		}
	}
	return out, nil
}

// readStreamRaw reads count events of stream from a revision in a
// direction; a stream that does not exist reads as empty.
func (s *Store) readStreamRaw(ctx context.Context, stream string, from esdb.StreamPosition, dir esdb.Direction, count uint64) ([]*esdb.RecordedEvent, error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	what := "read " + stream
	var out []*esdb.RecordedEvent
	err := s.do(ctx, func(c *esdb.Client) error {
		rs, err := c.ReadStream(ctx, stream, esdb.ReadStreamOptions{From: from, Direction: dir, Deadline: &s.timeout}, count)
		if err != nil {
			return err
		}
		out, err = drain(rs)
		return err
	})
	if err != nil {
		return s.emptyIfNotFound(ctx, what, err)
	}
	return out, nil
}

// drain receives every event of a read until its end, and closes it.
func drain(rs *esdb.ReadStream) ([]*esdb.RecordedEvent, error) {
	defer rs.Close()
	var out []*esdb.RecordedEvent
	for {
		e, err := rs.Recv()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, e.Event)
	}
}

func (s *Store) emptyIfNotFound(ctx context.Context, what string, err error) ([]*esdb.RecordedEvent, error) {
	err = s.mapErr(ctx, what, err)
	if errors.Is(err, errNotFound) {
		return nil, nil
	}
	return nil, err
}

// ReadAll returns up to max (at most domain.MaxReadBatch) events of the
// ledger's streams with position > after, in $all order. The server's own
// events and the adapter's claims are skipped; a short page therefore means
// the end of the log (or readAllScanLimit records without a ledger event,
// which a caller treats the same way and reads again later).
//
// Errors: domain.ErrStoreClosed, domain.ErrStoreUnavailable, ctx errors,
// errPositionOrder (the log holds events this adapter cannot place).
func (s *Store) ReadAll(ctx context.Context, after domain.Position, max int) ([]domain.StoredEvent, error) {
	if s.closed.Load() {
		return nil, fmt.Errorf("read $all: %w", domain.ErrStoreClosed)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("read $all: %w", err)
	}
	max = min(max, domain.MaxReadBatch)
	if max <= 0 || after >= maxPosition {
		return nil, nil
	}
	var out []domain.StoredEvent
	from := allPosition(after)
	last, skip := after, after
	for scanned := 0; len(out) < max && scanned < readAllScanLimit; {
		// A read from a position includes the record at that position:
		// ask one more and drop what is not after `after`.
		want := uint64(min(max-len(out)+1, readChunk))
		events, err := s.readAllRaw(ctx, from, esdb.Forwards, want)
		if errors.Is(err, errInvalidPosition) && scanned == 0 && len(out) == 0 {
			// after is not where a record starts (a position computed
			// rather than read): start from the first record after it.
			next, found, ferr := s.recordAfter(ctx, after)
			if ferr != nil || !found {
				return nil, ferr
			}
			from, skip = esdb.Position{Commit: uint64(next), Prepare: uint64(next)}, after
			events, err = s.readAllRaw(ctx, from, esdb.Forwards, want)
		}
		if err != nil {
			return nil, err
		}
		for _, e := range events {
			pos := domain.Position(e.Position.Commit)
			if isLedgerStream(e.StreamID) {
				var err error
				if pos, err = position(e); err != nil {
					return nil, err
				}
			}
			switch {
			case pos <= after || pos == skip:
				continue // the record at `from` itself, read again on purpose
			case pos <= last && last > after:
				return nil, fmt.Errorf("read $all: position %d after %d: %w", pos, last, errPositionOrder)
			}
			last = pos
			if isLedgerStream(e.StreamID) && len(out) < max {
				out = append(out, stored(e))
			}
		}
		scanned += len(events)
		if uint64(len(events)) < want {
			break // the end of $all
		}
		from, skip = esdb.Position{Commit: uint64(last), Prepare: uint64(last)}, last
	}
	return out, nil
}

// readAllRaw reads count records of $all from a position in a direction,
// system events included.
func (s *Store) readAllRaw(ctx context.Context, from esdb.AllPosition, dir esdb.Direction, count uint64) ([]*esdb.RecordedEvent, error) {
	ctx, cancel := s.call(ctx)
	defer cancel()
	var out []*esdb.RecordedEvent
	err := s.do(ctx, func(c *esdb.Client) error {
		rs, err := c.ReadAll(ctx, esdb.ReadAllOptions{From: from, Direction: dir, Deadline: &s.timeout}, count)
		if err != nil {
			return err
		}
		out, err = drain(rs)
		return err
	})
	if err != nil && isStatus(err, codes.InvalidArgument) {
		// The one argument of a $all read the server can find invalid is
		// its start: an offset inside a record.
		return nil, fmt.Errorf("read $all: %v: %w", err, errInvalidPosition)
	}
	if err != nil {
		return nil, s.mapErr(ctx, "read $all", err)
	}
	return out, nil
}

// stored converts a recorded event; its position must have been checked
// with position.
func stored(e *esdb.RecordedEvent) domain.StoredEvent {
	return domain.StoredEvent{
		Position: domain.Position(e.Position.Commit),
		Stream:   e.StreamID,
		Revision: e.EventNumber,
		ID:       e.EventID,
		Type:     e.EventType,
		Data:     e.Data,
		Metadata: e.UserMetadata,
	}
}

// maxBackwardScan bounds recordAfter's walk back from the end of $all.
const maxBackwardScan = 64 * readChunk

// recordAfter finds the position of the first record of $all after a
// position that is not itself the start of a record, walking back from the
// end of $all (where such a position is in practice: the tail check of a
// projections checkpoint asks for the record before the checkpoint's
// last). It reports false when no record is after it, and fails with
// errInvalidPosition when it is more than maxBackwardScan records back.
func (s *Store) recordAfter(ctx context.Context, after domain.Position) (domain.Position, bool, error) {
	var from esdb.AllPosition = esdb.End{}
	var first domain.Position // the earliest record after `after` seen so far
	for scanned := 0; scanned < maxBackwardScan; {
		events, err := s.readAllRaw(ctx, from, esdb.Backwards, readChunk)
		if err != nil {
			return 0, false, err
		}
		for _, e := range events {
			pos := domain.Position(e.Position.Commit)
			if pos <= after {
				return first, first != 0, nil
			}
			first = pos
		}
		if len(events) < readChunk {
			return first, first != 0, nil // the start of $all
		}
		scanned += len(events)
		from = esdb.Position{Commit: uint64(first), Prepare: uint64(first)}
	}
	return 0, false, fmt.Errorf("read $all after %d: more than %d records back from the end: %w", after, maxBackwardScan, errInvalidPosition)
}
