package embedded

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// ErrInvalidAppend: the append names no stream, or one of its events has no
// id or no type, or data or metadata that is not a JSON object. The domain
// codec never produces such events; the error guards the file, whose data
// and metadata columns auditors query as JSON.
var ErrInvalidAppend = errors.New("invalid append")

// Bounds on names, which the port leaves open. They are far above anything
// the ledger produces (a stream name is a prefix and a UUID, a type a short
// past-tense phrase) and only keep a buggy caller from bloating the indexes.
const (
	maxStreamNameBytes = 512
	maxTypeBytes       = 256
)

// validateAppend checks an append before it is queued, so the writer never
// spends a batch slot on it, and returns the events' ids as stored. Cheap
// size checks come first, so an oversized append fails without parsing any
// JSON.
func validateAppend(stream string, expected domain.ExpectedRevision, events []domain.NewEvent) ([]string, error) {
	if len(events) == 0 || len(events) > domain.MaxEventsPerAppend {
		return nil, fmt.Errorf("%d events, want 1 to %d: %w", len(events), domain.MaxEventsPerAppend, domain.ErrAppendTooLarge)
	}
	for i, e := range events {
		if size := len(e.Data) + len(e.Metadata); size > domain.MaxEventSize {
			return nil, fmt.Errorf("event %d (%s) has %d bytes of data and metadata, limit %d: %w",
				i, e.ID, size, domain.MaxEventSize, domain.ErrAppendTooLarge)
		}
	}
	if expected < domain.ExpectNoStream {
		// No stream is ever at such a revision, so the append can never
		// succeed; "any revision" does not exist on purpose.
		return nil, fmt.Errorf("expected revision %d is not a revision: %w", expected, domain.ErrWrongExpectedVersion)
	}
	if err := checkName("stream name", stream, maxStreamNameBytes); err != nil {
		return nil, err
	}
	ids := make([]string, len(events))
	for i, e := range events {
		if e.ID == uuid.Nil {
			return nil, fmt.Errorf("event %d has the nil id: %w", i, ErrInvalidAppend)
		}
		ids[i] = e.ID.String()
		for j := range i {
			if events[j].ID == e.ID {
				return nil, fmt.Errorf("events %d and %d have the same id %s: %w", j, i, e.ID, domain.ErrDuplicateEventID)
			}
		}
		if err := checkName("event type", e.Type, maxTypeBytes); err != nil {
			return nil, fmt.Errorf("event %d (%s): %w", i, e.ID, err)
		}
		if err := checkJSONObject(e.Data); err != nil {
			return nil, fmt.Errorf("event %d (%s) data: %w", i, e.ID, err)
		}
		if err := checkJSONObject(e.Metadata); err != nil {
			return nil, fmt.Errorf("event %d (%s) metadata: %w", i, e.ID, err)
		}
	}
	return ids, nil
}

// checkName checks a stream name or an event type: present, bounded, UTF-8.
func checkName(what, name string, limit int) error {
	switch {
	case name == "":
		return fmt.Errorf("empty %s: %w", what, ErrInvalidAppend)
	case len(name) > limit:
		return fmt.Errorf("%s of %d bytes, limit %d: %w", what, len(name), limit, ErrInvalidAppend)
	case !utf8.ValidString(name):
		return fmt.Errorf("%s %q is not UTF-8: %w", what, name, ErrInvalidAppend)
	}
	return nil
}

// checkJSONObject checks that b is one JSON object in UTF-8, as the port
// requires and as SQLite's json functions need to read the stored text.
func checkJSONObject(b []byte) error {
	if !utf8.Valid(b) {
		return fmt.Errorf("not UTF-8: %w", ErrInvalidAppend)
	}
	if !json.Valid(b) {
		return fmt.Errorf("not valid JSON: %w", ErrInvalidAppend)
	}
	if t := bytes.TrimLeft(b, " \t\r\n"); t[0] != '{' {
		return fmt.Errorf("JSON but not an object: %w", ErrInvalidAppend)
	}
	return nil
}
