package kurrentdb

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// # Event-id claims
//
// The port refuses an event id that is already in the log in any stream
// (domain.ErrDuplicateEventID): that is how "one transaction id in two
// funds" stays impossible. KurrentDB checks ids only against the events of
// the same stream at the revisions being written, so the adapter keeps its
// own index in the store: before an append, each event id gets a claim, an
// event in the stream claimStreamPrefix+id that names the (stream, expected
// revision, index) of the append it belongs to. The claim stream's own
// optimistic concurrency makes claiming atomic between instances: the first
// claim is appended with NoStream, every later one with the exact revision
// its writer read.
//
// A claim alone proves nothing — its append may have been refused or never
// sent — so a writer that finds a claim of another append looks at the
// claimed slot, the revision expected+1+index of the claimed stream:
//
//   - the slot holds the id: the event is in the log. The append is refused
//     with ErrDuplicateEventID, unless it is the very same append (same
//     stream, revision and index: a retry, or a racing instance), which then
//     goes to the server, whose idempotency rule and the read-back of Append
//     decide;
//   - the stream has an event after the claimed revision, but not the id
//     there: the claimed append can never land any more (its expected
//     revision is past). The claim is stale and is taken over;
//   - the stream has nothing after the claimed revision: the claimed append
//     may still land. The writer backs off with ErrWrongExpectedVersion; the
//     ledger decides again against fresh state, a bounded number of times.
//
// An append the server refused (wrong expected revision) releases the
// claims it wrote, guarded by the claim stream's revision, so that its ids
// are free again at once (a refused append writes nothing, ids included).
// Claims live outside the ledger's stream prefixes: ReadAll and
// subscriptions never deliver them.
//
// The one case this does not close: two writers claiming the same id for
// the same stream, revision and index but with different companion events,
// one of them refused while the stream is behind its expected revision.
// The ledger never produces it: it appends only at a revision it has read,
// and the same id at the same place always comes with the same command.

// claimStreamPrefix names the stream of an event id's claims.
const claimStreamPrefix = "wl-idclaim-"

// Claim event types.
const (
	claimType   = "EventIDClaimed"
	releaseType = "EventIDReleased"
)

// maxClaimAttempts bounds how often one claim is re-read after losing a
// race on its claim stream before the append gives up with
// ErrWrongExpectedVersion.
const maxClaimAttempts = 8

// claimNamespace derives the deterministic id of a first claim, so that a
// first claim retried after a lost answer is a no-op on the server.
var claimNamespace = uuid.MustParse("7c0c56d2-3a5e-4d8f-9a53-0b8b3f0c9e11")

// claim is the data of a claim event: where the id is to be written.
type claim struct {
	Stream   string `json:"stream"`
	Expected int64  `json:"expected"`
	Index    int    `json:"index"`
}

// slot is the revision the claimed event lands at.
func (c claim) slot() uint64 { return uint64(c.Expected+1) + uint64(c.Index) }

// heldClaim is a claim this call wrote: its id and the claim stream's
// revision after it, which a release must still find.
type heldClaim struct {
	id       uuid.UUID
	revision uint64
}

// claimAll claims every event id of an append, first checking all of them
// without writing so that an append with an id already in the log writes
// nothing. It returns the claims it wrote, also on error (the caller
// releases them).
func (s *Store) claimAll(ctx context.Context, stream string, expected domain.ExpectedRevision, events []domain.NewEvent) ([]heldClaim, error) {
	found := make([]claimLookup, len(events))
	for i, e := range events {
		want := claim{Stream: stream, Expected: int64(expected), Index: i}
		last, rev, exists, err := s.lastClaim(ctx, e.ID)
		if err != nil {
			return nil, err
		}
		found[i] = claimLookup{last: last, revision: rev, exists: exists}
		if exists && last != nil && *last != want {
			state, err := s.slotState(ctx, e.ID, *last)
			if err != nil {
				return nil, err
			}
			if state == slotLanded {
				return nil, fmt.Errorf("event id %s is already in %s: %w", e.ID, last.Stream, domain.ErrDuplicateEventID)
			}
			found[i].state, found[i].checked = state, true
		}
	}
	var held []heldClaim
	for i, e := range events {
		h, wrote, err := s.claim(ctx, e.ID, claim{Stream: stream, Expected: int64(expected), Index: i}, &found[i])
		if err != nil {
			return held, err
		}
		if wrote {
			held = append(held, h)
		}
	}
	return held, nil
}

// claimLookup is what a read of a claim stream found, so that claim's first
// attempt need not read it again.
type claimLookup struct {
	last     *claim
	revision uint64
	exists   bool
	state    slotState // of last's slot, when checked
	checked  bool
}

// claim makes want the live claim of id. It reports whether it wrote a
// claim event (a same-append claim found in place is left as it is). known,
// if not nil, is a lookup of the claim stream made just before.
func (s *Store) claim(ctx context.Context, id uuid.UUID, want claim, known *claimLookup) (heldClaim, bool, error) {
	for range maxClaimAttempts {
		var look claimLookup
		if known != nil {
			look, known = *known, nil
		} else {
			last, rev, exists, err := s.lastClaim(ctx, id)
			if err != nil {
				return heldClaim{}, false, err
			}
			look = claimLookup{last: last, revision: rev, exists: exists}
		}
		last, rev, exists := look.last, look.revision, look.exists
		var expected esdb.ExpectedRevision = esdb.NoStream{}
		eventID := uuid.NewSHA1(claimNamespace, fmt.Appendf(nil, "%s|%s|%d|%d", id, want.Stream, want.Expected, want.Index))
		if exists {
			expected, eventID = esdb.Revision(rev), uuid.New()
		}
		if last != nil {
			if *last == want {
				return heldClaim{}, false, nil
			}
			state := look.state
			if !look.checked {
				var err error
				if state, err = s.slotState(ctx, id, *last); err != nil {
					return heldClaim{}, false, err
				}
			}
			switch state {
			case slotLanded:
				return heldClaim{}, false, fmt.Errorf("event id %s is already in %s: %w", id, last.Stream, domain.ErrDuplicateEventID)
			case slotPending:
				return heldClaim{}, false, fmt.Errorf("event id %s is being appended to %s by another writer: %w", id, last.Stream, domain.ErrWrongExpectedVersion)
			}
		}
		data, err := json.Marshal(want)
		if err != nil {
			return heldClaim{}, false, fmt.Errorf("claim %s: %w", id, err)
		}
		err = s.appendClaimEvent(ctx, id, expected, esdb.EventData{EventID: eventID, EventType: claimType, ContentType: esdb.ContentTypeJson, Data: data})
		switch {
		case err == nil:
			next := uint64(0)
			if exists {
				next = rev + 1
			}
			return heldClaim{id: id, revision: next}, true, nil
		case errors.Is(err, domain.ErrWrongExpectedVersion):
			continue // another writer claimed it meanwhile: look again
		default:
			return heldClaim{}, false, err
		}
	}
	return heldClaim{}, false, fmt.Errorf("event id %s: claim contended %d times: %w", id, maxClaimAttempts, domain.ErrWrongExpectedVersion)
}

// releaseAll frees the claims of an append that will never be written.
// Each release expects the claim stream where the claim left it, so a claim
// another writer has taken meanwhile is left alone. A release that fails
// only leaves a claim that the next writer finds stale or pending; the
// append's own error is what the caller reports.
func (s *Store) releaseAll(ctx context.Context, held []heldClaim) {
	ctx = context.WithoutCancel(ctx)
	for _, h := range held {
		err := s.appendClaimEvent(ctx, h.id, esdb.Revision(h.revision),
			esdb.EventData{EventID: uuid.New(), EventType: releaseType, ContentType: esdb.ContentTypeJson, Data: []byte(`{}`)})
		if err != nil {
			s.log.Debug("release of an event-id claim failed", "event_id", h.id, "error", err)
		}
	}
}

func (s *Store) appendClaimEvent(ctx context.Context, id uuid.UUID, expected esdb.ExpectedRevision, e esdb.EventData) error {
	ctx, cancel := s.call(ctx)
	defer cancel()
	err := s.do(ctx, func(c *esdb.Client) error {
		_, err := c.AppendToStream(ctx, claimStreamPrefix+id.String(),
			esdb.AppendToStreamOptions{ExpectedRevision: expected, Deadline: &s.timeout}, e)
		return err
	})
	return s.mapErr(ctx, "claim "+id.String(), err)
}

// lastClaim returns the live claim of id (nil if there is none or the last
// one was released), the claim stream's revision, and whether the stream
// exists.
func (s *Store) lastClaim(ctx context.Context, id uuid.UUID) (*claim, uint64, bool, error) {
	events, err := s.readStreamRaw(ctx, claimStreamPrefix+id.String(), esdb.End{}, esdb.Backwards, 1)
	if err != nil || len(events) == 0 {
		return nil, 0, false, err
	}
	e := events[0]
	if e.EventType != claimType {
		return nil, e.EventNumber, true, nil
	}
	var c claim
	if err := json.Unmarshal(e.Data, &c); err != nil {
		return nil, 0, false, fmt.Errorf("claim of %s at %d: %w", id, e.EventNumber, err)
	}
	return &c, e.EventNumber, true, nil
}

// slotState is what the claimed slot of a claim says about its append.
type slotState int

const (
	slotStale   slotState = iota // the claimed append can never land
	slotLanded                   // the id is in the claimed stream
	slotPending                  // the claimed append may still land
)

func (s *Store) slotState(ctx context.Context, id uuid.UUID, c claim) (slotState, error) {
	events, err := s.readStreamRaw(ctx, c.Stream, esdb.Revision(uint64(c.Expected+1)), esdb.Forwards, uint64(c.Index)+1)
	if err != nil {
		return 0, err
	}
	switch {
	case len(events) > c.Index && events[c.Index].EventID == id && events[c.Index].EventNumber == c.slot():
		return slotLanded, nil
	case len(events) > 0:
		return slotStale, nil
	default:
		return slotPending, nil
	}
}
