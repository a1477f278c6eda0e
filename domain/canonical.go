package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/google/uuid"
)

// The canonical form of a request: what its payload hash is taken over.
//
// Every recorded event keeps the SHA-256 of the request that made it
// (metadata payload_hash), and a retry is told from a conflicting reuse of an
// id by comparing hashes, across restarts and years. So the canonical form
// is written out here field by field, with its wire names and its order,
// instead of being whatever encoding/json makes of the Go command structs:
// renaming a Go field or a JSON tag, or reordering a struct, must not turn
// every old retry into a 409 idempotency_conflict. TestPayloadHashGolden pins
// the hash of a request of every type.
//
// The form is a JSON object: the fields in the order listed by each
// command's canonical method, strings escaped as encoding/json escapes them
// (HTML characters as \u003c, \u003e, \u0026), optional fields left out when
// empty, amounts as strings of digits, dates as "YYYY-MM-DD". It is exactly
// what json.Marshal wrote for the command structs when the hash was first
// defined, so every existing log keeps replaying as idempotent.

// PayloadHash returns the hex SHA-256 of the command's name, a line feed and
// its canonical form.
func PayloadHash(c Command) string {
	w := canonicalWriter{b: make([]byte, 0, 256)}
	w.b = append(w.b, c.commandName()...)
	w.b = append(w.b, '\n')
	w.object(c.canonical)
	sum := sha256.Sum256(w.b)
	return hex.EncodeToString(sum[:])
}

// canonicalWriter appends a canonical form to b.
type canonicalWriter struct {
	b []byte
	// first is whether the next member is the first of its object.
	first bool
}

// object writes an object whose members members writes.
func (w *canonicalWriter) object(members func(*canonicalWriter)) {
	w.b = append(w.b, '{')
	w.first = true
	members(w)
	w.b = append(w.b, '}')
	w.first = false
}

func (w *canonicalWriter) name(name string) {
	if !w.first {
		w.b = append(w.b, ',')
	}
	w.first = false
	w.b = appendJSONString(w.b, name)
	w.b = append(w.b, ':')
}

// text writes a string member; an optional one is left out when empty.
func (w *canonicalWriter) text(name, v string, optional bool) {
	if optional && v == "" {
		return
	}
	w.name(name)
	w.b = appendJSONString(w.b, v)
}

func (w *canonicalWriter) id(name string, v uuid.UUID) {
	w.name(name)
	w.b = append(w.b, '"')
	w.b = append(w.b, v.String()...)
	w.b = append(w.b, '"')
}

func (w *canonicalWriter) amount(name string, v VND) {
	w.name(name)
	w.b = v.AppendJSON(w.b)
}

// date writes an optional date: left out when zero (the server's today).
func (w *canonicalWriter) date(name string, d Date) {
	if d == 0 {
		return
	}
	w.name(name)
	w.b = d.AppendJSON(w.b)
}

// nested writes an object member.
func (w *canonicalWriter) nested(name string, members func(*canonicalWriter)) {
	w.name(name)
	w.object(members)
}

// appendJSONString appends s as encoding/json writes a string, HTML
// escaping included: the canonical form's escaping is encoding/json's, by
// definition (see above).
func appendJSONString(b []byte, s string) []byte {
	q, err := json.Marshal(s)
	if err != nil {
		// A Go string always marshals (invalid UTF-8 becomes U+FFFD;
		// requests are valid UTF-8 before they become commands).
		panic("domain: marshal string: " + err.Error())
	}
	return append(b, q...)
}

func (c RegisterUnit) canonical(w *canonicalWriter) {
	w.text("unit_id", string(c.UnitID), false)
	w.text("name", c.Name, false)
	w.text("parent_id", string(c.ParentID), true)
}

func (c OpenFund) canonical(w *canonicalWriter) {
	w.id("fund_id", c.FundID)
	w.text("unit_id", string(c.UnitID), false)
	w.text("name", c.Name, false)
	w.text("kind", string(c.Kind), false)
	w.date("opened_on", c.OpenedOn)
}

func (c IssueToken) canonical(w *canonicalWriter) {
	w.id("token_id", c.TokenID)
	w.text("name", c.Name, false)
	w.text("role", string(c.Role), false)
	w.text("unit_id", string(c.UnitID), true)
}

func (c revokeToken) canonical(w *canonicalWriter) {
	w.id("token_id", c.TokenID)
}
