package api

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// eventDTO is one event of the global log as an auditor reads it (API.md,
// "Audit"). Data is the payload exactly as stored, the bytes the hash chain
// covers. PayloadHash is served beside the fields API.md lists because the
// hash covers it too: with it, an auditor can recompute every hash from
// this endpoint alone (see domain.Seal for the formula).
type eventDTO struct {
	Position    domain.Position  `json:"position"`
	Stream      string           `json:"stream"`
	Revision    uint64           `json:"revision"`
	EventID     uuid.UUID        `json:"event_id"`
	Type        domain.EventType `json:"type"`
	Schema      int              `json:"schema"`
	OccurredOn  domain.Date      `json:"occurred_on"`
	RecordedAt  string           `json:"recorded_at"`
	Actor       string           `json:"actor"`
	Data        json.RawMessage  `json:"data"`
	PayloadHash string           `json:"payload_hash"`
	PrevHash    string           `json:"prev_hash"`
	Hash        string           `json:"hash"`
}

// eventsPage is the answer of GET /v1/events. NextAfter is the value of
// after for the next page (the position of the page's last event) and
// NextCursor the same as an opaque cursor; both are null on the last page.
type eventsPage struct {
	Items      []eventDTO       `json:"items"`
	NextCursor *string          `json:"next_cursor"`
	NextAfter  *domain.Position `json:"next_after"`
}

// eventItem is a stored event as GET /v1/events lists it. Errors: Decode's.
func eventItem(se domain.StoredEvent) (eventDTO, error) {
	e, err := domain.Decode(se)
	if err != nil {
		return eventDTO{}, err
	}
	return eventDTO{
		Position:    e.Position,
		Stream:      e.Stream,
		Revision:    e.Revision,
		EventID:     e.Meta.EventID,
		Type:        e.Type,
		Schema:      e.Meta.Schema,
		OccurredOn:  e.Meta.OccurredOn,
		RecordedAt:  e.Meta.RecordedAt.UTC().Format(time.RFC3339Nano),
		Actor:       e.Meta.Actor,
		Data:        json.RawMessage(se.Data),
		PayloadHash: e.Meta.PayloadHash,
		PrevHash:    e.Meta.PrevHash,
		Hash:        e.Meta.Hash,
	}, nil
}

// eventsScope is the cursor scope of GET /v1/events.
const eventsScope = "events"

// listEvents: GET /v1/events?after=&limit= (or ?cursor=), the global log in
// order, read from the store itself rather than a projection: it is the
// ground truth an auditor checks the projections against.
func (s *Server) listEvents(c echo.Context) error {
	errs := &fieldErrors{}
	q := newQuery(c, errs, "after", "limit", "cursor")
	var after uint64
	if v, given := q.get("after"); given {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil || v != strconv.FormatUint(n, 10) {
			errs.add("after", "must be a log position: an integer from 0")
		}
		after = n
	}
	if _, given := q.get("cursor"); given {
		if _, alsoAfter := q.get("after"); alsoAfter {
			errs.add("cursor", "must not be given together with after")
		} else {
			after = q.cursor(eventsScope)
		}
	}
	limit := q.limit()
	if err := errs.err(); err != nil {
		return err
	}
	stored, next, err := s.readVisibleEvents(c, domain.Position(after), limit)
	if err != nil {
		return err
	}
	out := eventsPage{Items: make([]eventDTO, 0, len(stored))}
	for _, se := range stored {
		item, err := eventItem(se)
		if err != nil {
			return fmt.Errorf("serve the log: %w", err)
		}
		out.Items = append(out.Items, item)
	}
	if next != 0 {
		out.NextAfter = &next
		out.NextCursor = nextCursor(eventsScope, uint64(next), true)
	}
	return respondOK(c, out)
}

// maxEventsScanned bounds the events one page of a scoped caller reads past:
// a district auditor's page over a national log may hold few of its own,
// and then answers a short page with a cursor to go on from.
const maxEventsScanned = 20 * MaxPageSize

// readVisibleEvents reads up to limit events after pos of the streams in the
// caller's scope, in log order. next is where the following page starts, or
// 0 at the end of the log.
func (s *Server) readVisibleEvents(c echo.Context, after domain.Position, limit int) (out []domain.StoredEvent, next domain.Position, err error) {
	p := caller(c)
	pos, scanned := after, 0
	for scanned < maxEventsScanned {
		// One more than a page tells whether a next page exists.
		want := min(limit+1-len(out), domain.MaxReadBatch)
		batch, err := s.store.ReadAll(c.Request().Context(), pos, want)
		if err != nil {
			return nil, 0, fmt.Errorf("read the log after %d: %w", pos, err)
		}
		for _, se := range batch {
			if !s.streamVisible(p, se.Stream) {
				pos, scanned = se.Position, scanned+1
				continue
			}
			if len(out) == limit {
				return out, pos, nil
			}
			out = append(out, se)
			pos, scanned = se.Position, scanned+1
		}
		if len(batch) < want {
			return out, 0, nil
		}
	}
	return out, pos, nil
}

// streamVisible reports whether a stream belongs to the caller's scope: a
// unit's stream to the unit, a fund's to its unit, the access stream to the
// whole ledger only.
func (s *Server) streamVisible(p *principal, stream string) bool {
	if p.scope == "" {
		return true
	}
	if u, ok := strings.CutPrefix(stream, "unit-"); ok {
		return s.visible(p, domain.UnitID(u))
	}
	if f, ok := strings.CutPrefix(stream, "fund-"); ok {
		id, err := domain.ParseUUID(f)
		if err != nil {
			return false
		}
		u, found := s.proj.FundUnit(id)
		return found && s.visible(p, u)
	}
	return false
}
