package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
)

// The export format of the log is JSON Lines of the items GET /v1/events
// lists, so that an auditor reads an exported file and the API with the
// same tools, and so that this file is the one place that writes and reads
// both: `welfare-ledger export` and `import` go through the functions
// below, listEvents through eventItem, and nothing can drift.

// AppendEventLine appends se to b as one line of an exported log: byte for
// byte the item GET /v1/events lists for it, followed by "\n". An event
// that breaks the rules of its type (domain.ErrInvalidEvent: altered in
// the file) is written as stored, as GET /v1/events shows it: an export
// is a copy of the log, and ParseEventLine refuses such a line, so that
// no import takes it in. Errors: domain.DecodeUnchecked's, for a stored
// event this program cannot read, and json.Compact's for data that is not
// JSON.
//
// It is written by hand, as appendFundSummary is: through encoding/json
// (appendBody of eventItem, kept as the reference) an import spent a
// tenth of its time encoding each line again to compare it.
// TestEventLineEncoderMatchesEncodingJSON and FuzzEventLineEncoder hold
// it to encoding/json's output.
func AppendEventLine(b []byte, se domain.StoredEvent) ([]byte, error) {
	return appendEventLine(b, se, domain.DecodeUnchecked)
}

// appendEventLine is AppendEventLine with the decoding it reads se with:
// domain.Decode for ParseEventLine, which also checks the event's rules.
func appendEventLine(b []byte, se domain.StoredEvent, decode func(domain.StoredEvent) (domain.Event, error)) ([]byte, error) {
	e, err := decode(se)
	if err != nil {
		return nil, fmt.Errorf("event at position %d: %w", se.Position, err)
	}
	b = append(b, `{"position":`...)
	b = strconv.AppendUint(b, uint64(se.Position), 10)
	b = append(b, `,"stream":`...)
	b = appendJSONString(b, se.Stream)
	b = append(b, `,"revision":`...)
	b = strconv.AppendUint(b, se.Revision, 10)
	b = append(b, `,"event_id":`...)
	b = appendJSONUUID(b, e.Meta.EventID)
	b = append(b, `,"type":`...)
	b = appendJSONString(b, string(e.Type))
	b = append(b, `,"schema":`...)
	b = strconv.AppendInt(b, int64(e.Meta.Schema), 10)
	b = append(b, `,"occurred_on":`...)
	b = e.Meta.OccurredOn.AppendJSON(b)
	b = append(b, `,"recorded_at":"`...)
	b = e.Meta.RecordedAt.UTC().AppendFormat(b, time.RFC3339Nano) // digits, '-', ':', '.', 'T', 'Z': nothing to escape
	b = append(b, `","actor":`...)
	b = appendJSONString(b, e.Meta.Actor)
	b = append(b, `,"data":`...)
	// encoding/json writes a json.RawMessage compacted, as json.Compact
	// does (both without HTML escaping).
	buf := bytes.NewBuffer(b)
	if err := json.Compact(buf, se.Data); err != nil {
		return nil, fmt.Errorf("event at position %d: data: %w", se.Position, err)
	}
	b = buf.Bytes()
	b = append(b, `,"payload_hash":`...)
	b = appendJSONString(b, e.Meta.PayloadHash)
	b = append(b, `,"prev_hash":`...)
	b = appendJSONString(b, e.Meta.PrevHash)
	b = append(b, `,"hash":`...)
	b = appendJSONString(b, e.Meta.Hash)
	return append(b, "}\n"...), nil
}

// ErrEventLine: a line is not an event as AppendEventLine writes it.
var ErrEventLine = errors.New("not an event line of an exported log")

// ParseEventLine reads one line of an exported log (with or without its
// final "\n") back into the stored event it was written from: position,
// stream, revision, id, type, the data as stored, and the stored metadata
// rebuilt with domain.SealedMetadata. The line must be exactly what
// AppendEventLine writes for that event — no other spacing, member order,
// escaping or number format — so that an edit of any member shows, the
// ones the hash chain does not cover (position, stream, revision)
// included; whether the event itself is intact is for the hash chain to
// say (domain.ChainChecker). Errors: ErrEventLine, wrapped with what is
// wrong.
// An event that breaks the rules of its type (domain.ErrInvalidEvent) is
// refused too: an import takes in only what the ledger can have written.
func ParseEventLine(line []byte) (domain.StoredEvent, error) {
	se, _, err := ParseDecodedEventLine(line)
	return se, err
}

// ParseDecodedEventLine is ParseEventLine that also returns the event as
// domain.Decode reads it (the line is checked against it): an import hands
// it to domain.LogChecker.CheckDecoded rather than decoding every event a
// second time.
func ParseDecodedEventLine(line []byte) (domain.StoredEvent, domain.Event, error) {
	line = bytes.TrimSuffix(line, []byte("\n"))
	// Most lines are read by hand; a line the scanner does not take, or
	// one it takes but that fails, is read again with encoding/json, so
	// that the answer is always the one below.
	if item, ok := scanEventLine(line); ok {
		if se, e, err := storedEventOfLine(line, item); err == nil {
			return se, e, nil
		}
	}
	return parseEventLineJSON(line)
}

// parseEventLineJSON is ParseEventLine reading line (without its "\n")
// with encoding/json.
func parseEventLineJSON(line []byte) (domain.StoredEvent, domain.Event, error) {
	// Unknown, repeated or reordered members are not refused here but by
	// the comparison with the line the encoder writes, below.
	var item eventDTO
	if err := json.Unmarshal(line, &item); err != nil {
		return domain.StoredEvent{}, domain.Event{}, fmt.Errorf("%w: %w", ErrEventLine, err)
	}
	return storedEventOfLine(line, item)
}

// storedEventOfLine is the stored event of item, read from line, once
// the event is decoded with its rules and the line found to be exactly
// what AppendEventLine writes for it.
func storedEventOfLine(line []byte, item eventDTO) (domain.StoredEvent, domain.Event, error) {
	recorded, err := time.Parse(time.RFC3339Nano, item.RecordedAt)
	if err != nil {
		return domain.StoredEvent{}, domain.Event{}, fmt.Errorf("%w: recorded_at: %w", ErrEventLine, err)
	}
	meta, err := domain.SealedMetadata(domain.Metadata{
		EventID:     item.EventID,
		Schema:      item.Schema,
		OccurredOn:  item.OccurredOn,
		RecordedAt:  recorded,
		Actor:       item.Actor,
		PayloadHash: item.PayloadHash,
		PrevHash:    item.PrevHash,
		Hash:        item.Hash,
	})
	if err != nil {
		return domain.StoredEvent{}, domain.Event{}, fmt.Errorf("%w: %w", ErrEventLine, err)
	}
	se := domain.StoredEvent{
		Position: item.Position,
		Stream:   item.Stream,
		Revision: item.Revision,
		ID:       item.EventID,
		Type:     string(item.Type),
		Data:     []byte(item.Data),
		Metadata: meta,
	}
	// Decoded with the rules: an event the ledger cannot have written
	// (domain.ErrInvalidEvent) is not imported.
	var e domain.Event
	again, err := appendEventLine(make([]byte, 0, len(line)+1), se, func(se domain.StoredEvent) (domain.Event, error) {
		decoded, err := domain.Decode(se)
		e = decoded
		return decoded, err
	})
	if err != nil {
		return domain.StoredEvent{}, domain.Event{}, fmt.Errorf("%w: %w", ErrEventLine, err)
	}
	if !bytes.Equal(again[:len(again)-1], line) {
		return domain.StoredEvent{}, domain.Event{}, fmt.Errorf("%w: not written as the export writes it (spacing, member order, escaping or a member's format differ)", ErrEventLine)
	}
	return se, e, nil
}

// AppendFundList appends to b the answer of GET /v1/funds whose items are
// items and which has no next page: `{"items":[…],"next_cursor":null}`, each
// fund summary encoded as the API encodes it. `welfare-ledger replay
// --json` prints it. Errors: encoding errors, which a summary never has.
//
// knownAt, when not nil, is echoed as GET /v1/funds?known_at= echoes it.
func AppendFundList(b []byte, items []projections.FundSummary, knownAt *time.Time) ([]byte, error) {
	return appendBody(b, withKnownAt(newPage(items, nil), knownAt))
}
