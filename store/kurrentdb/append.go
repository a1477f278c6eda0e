package kurrentdb

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// ErrInvalidAppend: the append names no stream or a stream that is not the
// ledger's, or one of its events has the nil id or no type. The domain
// never produces such appends.
var ErrInvalidAppend = errors.New("invalid append")

// maxStreamNameBytes bounds a stream name (the ledger's are a prefix and a
// UUID or a unit id).
const maxStreamNameBytes = 512

// Append appends events to stream if the stream is at expected, and
// returns once the server has acknowledged them (a KurrentDB
// acknowledgement means written to a quorum of the cluster).
//
// Every append carries an exact expected revision (NoStream or Revision(n),
// never Any or StreamExists, whose deduplication is only a best-effort
// cache on the server). Before it, each event id is claimed (claims.go), so
// that an id already in another stream is refused as the port requires —
// KurrentDB itself does not refuse it. After it, the events are read back:
// the server answers "success" both for a fresh write and for a repeat of
// ids already at those revisions (its idempotency rule), and the second is
// ours only if the stored events are byte for byte what we sent; otherwise
// another instance wrote them first and the caller must decide again
// (ErrWrongExpectedVersion), so that the ledger never answers 201 twice
// for one id.
//
// The hash chain is checked against the stream's stored tail first
// (checkLink).
//
// Errors: domain.ErrWrongExpectedVersion, domain.ErrDuplicateEventID,
// domain.ErrChainBroken, domain.ErrAppendTooLarge, domain.ErrStoreClosed,
// ErrInvalidAppend,
// domain.ErrStoreUnavailable (the outcome may be unknown: a retry with the
// same ids finds its own events or is refused), ctx errors.
func (s *Store) Append(ctx context.Context, stream string, expected domain.ExpectedRevision, events []domain.NewEvent) (domain.AppendResult, error) {
	if s.closed.Load() {
		return domain.AppendResult{}, fmt.Errorf("append to %s: %w", stream, domain.ErrStoreClosed)
	}
	if err := validateAppend(stream, expected, events); err != nil {
		return domain.AppendResult{}, fmt.Errorf("append to %s: %w", stream, err)
	}
	if err := ctx.Err(); err != nil {
		return domain.AppendResult{}, fmt.Errorf("append to %s: %w", stream, err)
	}
	if err := s.checkLink(ctx, stream, expected, events[0]); err != nil {
		return domain.AppendResult{}, fmt.Errorf("append to %s: %w", stream, err)
	}
	held, err := s.claimAll(ctx, stream, expected, events)
	if err != nil {
		s.releaseAll(ctx, held)
		return domain.AppendResult{}, fmt.Errorf("append to %s: %w", stream, err)
	}
	if err := s.appendRaw(ctx, stream, expected, events); err != nil {
		if errors.Is(err, domain.ErrWrongExpectedVersion) {
			// The server refused it: it is not written and never will be,
			// so its ids are free again.
			s.releaseAll(ctx, held)
		}
		return domain.AppendResult{}, fmt.Errorf("append to %s: %w", stream, err)
	}
	res, err := s.confirm(ctx, stream, uint64(expected+1), events)
	if err != nil {
		return domain.AppendResult{}, fmt.Errorf("append to %s: %w", stream, err)
	}
	return res, nil
}

// appendRaw sends the append with its exact expected revision.
func (s *Store) appendRaw(ctx context.Context, stream string, expected domain.ExpectedRevision, events []domain.NewEvent) error {
	data := make([]esdb.EventData, len(events))
	for i, e := range events {
		data[i] = esdb.EventData{
			EventID:     e.ID,
			EventType:   e.Type,
			ContentType: esdb.ContentTypeJson,
			Data:        e.Data,
			Metadata:    e.Metadata,
		}
	}
	ctx, cancel := s.call(ctx)
	defer cancel()
	err := s.do(ctx, func(c *esdb.Client) error {
		_, err := c.AppendToStream(ctx, stream, esdb.AppendToStreamOptions{
			ExpectedRevision: expectedRevision(expected),
			Deadline:         &s.timeout,
		}, data...)
		return err
	})
	return s.mapErr(ctx, "append", err)
}

// expectedRevision is the client's form of an exact expected revision.
func expectedRevision(expected domain.ExpectedRevision) esdb.ExpectedRevision {
	if expected == domain.ExpectNoStream {
		return esdb.NoStream{}
	}
	return esdb.Revision(uint64(expected))
}

// confirm reads back the revisions an append was acknowledged at and
// checks that they hold exactly its events (see Append); it returns where
// they are.
func (s *Store) confirm(ctx context.Context, stream string, first uint64, events []domain.NewEvent) (domain.AppendResult, error) {
	got, err := s.readStreamRaw(ctx, stream, esdb.Revision(first), esdb.Forwards, uint64(len(events)))
	if err != nil {
		return domain.AppendResult{}, fmt.Errorf("read back: %w", err)
	}
	if len(got) != len(events) {
		return domain.AppendResult{}, fmt.Errorf("read back: %d events at revision %d, appended %d: %w", len(got), first, len(events), domain.ErrStoreUnavailable)
	}
	var res domain.AppendResult
	for i, e := range events {
		g := got[i]
		if g.EventID != e.ID || g.EventNumber != first+uint64(i) || g.EventType != e.Type ||
			!bytes.Equal(g.Data, e.Data) || !bytes.Equal(g.UserMetadata, e.Metadata) {
			return domain.AppendResult{}, fmt.Errorf("revision %d holds event %s written by another writer with the same id: %w",
				g.EventNumber, g.EventID, domain.ErrWrongExpectedVersion)
		}
		pos, err := position(g)
		if err != nil {
			return domain.AppendResult{}, err
		}
		if i == 0 {
			res.FirstPosition = pos
		}
		res.LastPosition = pos
	}
	res.NextRevision = first + uint64(len(events)) - 1
	return res, nil
}

// validateAppend checks an append before anything is sent.
func validateAppend(stream string, expected domain.ExpectedRevision, events []domain.NewEvent) error {
	if len(events) == 0 || len(events) > domain.MaxEventsPerAppend {
		return fmt.Errorf("%d events, want 1 to %d: %w", len(events), domain.MaxEventsPerAppend, domain.ErrAppendTooLarge)
	}
	for i, e := range events {
		if size := len(e.Data) + len(e.Metadata); size > domain.MaxEventSize {
			return fmt.Errorf("event %d (%s) has %d bytes of data and metadata, limit %d: %w",
				i, e.ID, size, domain.MaxEventSize, domain.ErrAppendTooLarge)
		}
	}
	if expected < domain.ExpectNoStream {
		return fmt.Errorf("expected revision %d is not a revision: %w", expected, domain.ErrWrongExpectedVersion)
	}
	if !isLedgerStream(stream) || len(stream) > maxStreamNameBytes || strings.HasPrefix(stream, "$") {
		return fmt.Errorf("stream %q is not one of the ledger's (%s…): %w", stream, strings.Join(ledgerStreamPrefixes, "…, "), ErrInvalidAppend)
	}
	for i, e := range events {
		if e.ID == uuid.Nil || e.Type == "" {
			return fmt.Errorf("event %d has no id or no type: %w", i, ErrInvalidAppend)
		}
		for j := range i {
			if events[j].ID == e.ID {
				return fmt.Errorf("events %d and %d have the same id %s: %w", j, i, e.ID, domain.ErrDuplicateEventID)
			}
		}
	}
	return nil
}

// checkLink applies the chain rule (domain.CheckAppendLink) to the stream's
// last stored event. It is atomic with the append that follows in the
// sense the rule needs: that append carries the exact revision of the tail
// checked here, and KurrentDB never changes a written event, so the append
// lands on this very tail or not at all. A stream that is not at expected
// is left to the server, so that a stale writer is told to catch up
// (ErrWrongExpectedVersion) rather than that the chain is broken.
func (s *Store) checkLink(ctx context.Context, stream string, expected domain.ExpectedRevision, first domain.NewEvent) error {
	tails, err := s.readStreamRaw(ctx, stream, esdb.End{}, esdb.Backwards, 1)
	if err != nil {
		return fmt.Errorf("read the tail: %w", err)
	}
	var tail *domain.StoredEvent
	switch {
	case len(tails) == 0 && expected == domain.ExpectNoStream:
	case len(tails) == 0, expected == domain.ExpectNoStream, tails[0].EventNumber != uint64(expected):
		// The stream is not at expected: the server refuses the append
		// (ErrWrongExpectedVersion), or finds it already written — a
		// retry, whose link was checked on its first attempt.
		return nil
	default:
		t := stored(tails[0])
		tail = &t
	}
	return domain.CheckAppendLink(stream, tail, first)
}
