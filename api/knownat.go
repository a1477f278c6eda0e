package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// A reading route asked with known_at echoes it at the top level of its
// JSON answer (API.md, "Time travel for auditors"), so that a saved answer
// says which moment of the ledger it shows. withKnownAt wraps the ordinary
// answer; the wrapper goes out through respondOK like every other answer,
// and officialView withholds from what it wraps exactly as from the
// ordinary answer. Without known_at the ordinary answer is sent as it is,
// on its usual encoder.

// knownAtAnswer is an answer, a JSON object, with known_at added at its
// top level.
type knownAtAnswer struct {
	answer  any
	knownAt time.Time
}

// withKnownAt returns v, with known_at when knownAt is not nil.
func withKnownAt(v any, knownAt *time.Time) any {
	if knownAt == nil {
		return v
	}
	return knownAtAnswer{answer: v, knownAt: *knownAt}
}

// MarshalJSON writes the answer's object with "known_at" as its last
// member.
func (a knownAtAnswer) MarshalJSON() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // as writeJSON: data is served as stored
	if err := enc.Encode(a.answer); err != nil {
		return nil, err
	}
	b := bytes.TrimRight(buf.Bytes(), "\n")
	if len(b) < 2 || b[len(b)-1] != '}' {
		return nil, fmt.Errorf("known_at on an answer that is not a JSON object (%T)", a.answer)
	}
	b = b[:len(b)-1]
	if len(b) > 1 {
		b = append(b, ',')
	}
	b = append(b, `"known_at":"`...)
	b = a.knownAt.UTC().AppendFormat(b, time.RFC3339Nano)
	return append(b, `"}`...), nil
}
