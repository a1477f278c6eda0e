package api

import (
	"encoding/json"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// scanEventLine reads the members of an exported line in the one order
// and form AppendEventLine writes them, without encoding/json: an import
// spent 43 % of its reading there (1,000,000 lines, reflection on every
// member). It reports false for anything else — another order, spacing,
// a string with an escape or a control character — and the caller then
// reads the line with encoding/json, so that what it accepts and every
// error it gives stay encoding/json's. It need not refuse all that the
// export would not write: the caller writes the line again from what it
// read and compares, which refuses the rest.
func scanEventLine(line []byte) (eventDTO, bool) {
	s := lineScanner{b: line, ok: true}
	var item eventDTO
	s.literal(`{"position":`)
	item.Position = domain.Position(s.number())
	s.literal(`,"stream":`)
	item.Stream = s.text()
	s.literal(`,"revision":`)
	item.Revision = s.number()
	s.literal(`,"event_id":`)
	id := s.text()
	s.literal(`,"type":`)
	item.Type = domain.EventType(s.text())
	s.literal(`,"schema":`)
	schema := s.number()
	s.literal(`,"occurred_on":`)
	if !s.null() {
		occurred, err := domain.ParseDate(s.text())
		s.ok = s.ok && err == nil
		item.OccurredOn = occurred
	}
	s.literal(`,"recorded_at":`)
	item.RecordedAt = s.text()
	s.literal(`,"actor":`)
	item.Actor = s.text()
	s.literal(`,"data":`)
	item.Data = s.object()
	s.literal(`,"payload_hash":`)
	item.PayloadHash = s.text()
	s.literal(`,"prev_hash":`)
	item.PrevHash = s.text()
	s.literal(`,"hash":`)
	item.Hash = s.text()
	s.literal(`}`)
	if !s.ok || s.i != len(line) || schema > maxScannedSchema {
		return eventDTO{}, false
	}
	item.Schema = int(schema)
	var err error
	if item.EventID, err = uuid.Parse(id); err != nil {
		return eventDTO{}, false
	}
	return item, true
}

// maxScannedSchema bounds the schema number scanEventLine takes: far above
// any schema, far below an int's overflow.
const maxScannedSchema = 1 << 20

// lineScanner reads a line left to right; the first thing that is not as
// expected sets ok to false, and every later step does nothing.
type lineScanner struct {
	b  []byte
	i  int
	ok bool
}

// literal reads l exactly.
func (s *lineScanner) literal(l string) {
	if !s.ok || len(s.b)-s.i < len(l) || string(s.b[s.i:s.i+len(l)]) != l {
		s.ok = false
		return
	}
	s.i += len(l)
}

// null reads null if it comes next, and reports whether it did.
func (s *lineScanner) null() bool {
	if s.ok && len(s.b)-s.i >= 4 && string(s.b[s.i:s.i+4]) == "null" {
		s.i += 4
		return true
	}
	return false
}

// maxScannedDigits is the most digits number reads: 19 always fit in a
// uint64.
const maxScannedDigits = 19

// number reads the digits of a whole number.
func (s *lineScanner) number() uint64 {
	if !s.ok {
		return 0
	}
	var n uint64
	start := s.i
	for s.i < len(s.b) && s.b[s.i] >= '0' && s.b[s.i] <= '9' {
		n = n*10 + uint64(s.b[s.i]-'0')
		s.i++
	}
	if s.i == start || s.i-start > maxScannedDigits {
		s.ok = false
	}
	return n
}

// text reads a string with neither escape nor control character: its
// bytes are its value.
func (s *lineScanner) text() string {
	if !s.ok || s.i >= len(s.b) || s.b[s.i] != '"' {
		s.ok = false
		return ""
	}
	start := s.i + 1
	for j := start; j < len(s.b); j++ {
		switch c := s.b[j]; {
		case c == '"':
			s.i = j + 1
			return string(s.b[start:j])
		case c == '\\' || c < 0x20:
			s.ok = false
			return ""
		}
	}
	s.ok = false
	return ""
}

// object reads a JSON object, nested ones and strings with escapes
// included, as far as its closing brace, and returns a copy of it (the
// line's buffer is the reader's). Whether it is valid JSON is for the
// comparison with the export's encoding (json.Compact) to say.
func (s *lineScanner) object() json.RawMessage {
	if !s.ok || s.i >= len(s.b) || s.b[s.i] != '{' {
		s.ok = false
		return nil
	}
	depth, inString := 0, false
	for j := s.i; j < len(s.b); j++ {
		c := s.b[j]
		switch {
		case inString && c == '\\':
			j++ // the escaped character, a quote or a backslash included
		case c == '"':
			inString = !inString
		case inString:
		case c == '{' || c == '[':
			depth++
		case c == '}' || c == ']':
			if depth--; depth == 0 {
				obj := json.RawMessage(append([]byte(nil), s.b[s.i:j+1]...))
				s.i = j + 1
				return obj
			}
		}
	}
	s.ok = false
	return nil
}
