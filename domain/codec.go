package domain

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
)

// CurrentSchema is the schema number every event type is written with today.
// A new schema of a type comes with an upcaster in decodePayload; the old one
// keeps decoding forever.
const CurrentSchema = 1

// GenesisHash is the prev_hash of a stream's first event.
const GenesisHash = "0000000000000000000000000000000000000000000000000000000000000000"

// ErrHashMismatch is returned by VerifyHash for an event whose stored bytes do
// not hash to its recorded hash, or whose prev_hash does not link to the
// previous event.
var ErrHashMismatch = errors.New("hash chain broken")

// newPayload returns an empty payload for a type and schema.
func newPayload(t EventType, schema int) (EventData, error) {
	if schema != 1 {
		return nil, fmt.Errorf("%s schema %d: %w", t, schema, ErrUnknownEventType)
	}
	// Money payloads are the table's (kinds.go).
	if k := KindOf(t); k != KindNone {
		return k.Spec().newPayload(), nil
	}
	switch t {
	case TypeUnitRegistered:
		return &UnitRegistered{}, nil
	case TypeFundOpened:
		return &FundOpened{}, nil
	case TypeTokenIssued:
		return &TokenIssued{}, nil
	case TypeTokenRevoked:
		return &TokenRevoked{}, nil
	case TypePeriodClosing:
		return &PeriodClosing{}, nil
	case TypePeriodClosed:
		return &PeriodClosed{}, nil
	case TypePeriodReopened:
		return &PeriodReopened{}, nil
	}
	return nil, fmt.Errorf("%q: %w", t, ErrUnknownEventType)
}

// Seal encodes a payload and its metadata into an event ready to append, as
// the next link of a stream whose last hash is prevHash. meta.PrevHash and
// meta.Hash are set here; meta.Schema is set to CurrentSchema.
//
// The hash is SHA-256 over prev_hash, type, data and the metadata without
// its hash, each followed by a newline:
//
//	hash = hex(sha256(prev_hash "\n" type "\n" data "\n" metadata_without_hash "\n"))
//
// where data and metadata_without_hash are the exact stored JSON bytes, and
// the stored metadata is metadata_without_hash with `,"hash":"<hash>"`
// inserted before its closing brace. Compact JSON never contains a raw
// newline, so the framing is unambiguous, and an auditor can recompute it
// from the raw log with any SHA-256 tool.
func Seal(prevHash string, data EventData, meta Metadata) (NewEvent, Metadata, error) {
	meta.Schema = CurrentSchema
	meta.PrevHash = prevHash
	meta.Hash = ""
	raw, err := json.Marshal(data)
	if err != nil {
		return NewEvent{}, meta, fmt.Errorf("encode %s: %w", data.EventType(), err)
	}
	metaNoHash, err := marshalMetaWithoutHash(meta)
	if err != nil {
		return NewEvent{}, meta, err
	}
	meta.Hash = chainHash(prevHash, data.EventType(), raw, metaNoHash)
	stored := make([]byte, 0, len(metaNoHash)+80)
	stored = append(stored, metaNoHash[:len(metaNoHash)-1]...)
	stored = append(stored, `,"hash":"`...)
	stored = append(stored, meta.Hash...)
	stored = append(stored, `"}`...)
	return NewEvent{ID: meta.EventID, Type: string(data.EventType()), Data: raw, Metadata: stored}, meta, nil
}

// metaWire is Metadata without its hash, in stored field order.
type metaWire struct {
	EventID     string `json:"event_id"`
	Schema      int    `json:"schema"`
	OccurredOn  Date   `json:"occurred_on"`
	RecordedAt  string `json:"recorded_at"`
	Actor       string `json:"actor"`
	PayloadHash string `json:"payload_hash"`
	PrevHash    string `json:"prev_hash"`
}

func marshalMetaWithoutHash(m Metadata) ([]byte, error) {
	b, err := json.Marshal(metaWire{
		EventID:     m.EventID.String(),
		Schema:      m.Schema,
		OccurredOn:  m.OccurredOn,
		RecordedAt:  m.RecordedAt.UTC().Format(time.RFC3339Nano),
		Actor:       m.Actor,
		PayloadHash: m.PayloadHash,
		PrevHash:    m.PrevHash,
	})
	if err != nil {
		return nil, fmt.Errorf("encode metadata: %w", err)
	}
	return b, nil
}

func chainHash(prevHash string, t EventType, data, metaNoHash []byte) string {
	h := sha256.New()
	h.Write([]byte(prevHash))
	h.Write([]byte{'\n'})
	h.Write([]byte(t))
	h.Write([]byte{'\n'})
	h.Write(data)
	h.Write([]byte{'\n'})
	h.Write(metaNoHash)
	h.Write([]byte{'\n'})
	return hex.EncodeToString(h.Sum(nil))
}

// splitStoredMeta separates stored metadata into the bytes the hash covers
// and the hash itself.
func splitStoredMeta(stored []byte) (noHash []byte, hash string, ok bool) {
	const suffixLen = len(`,"hash":"`) + 64 + len(`"}`)
	if len(stored) < suffixLen+2 {
		return nil, "", false
	}
	cut := len(stored) - suffixLen
	tail := stored[cut:]
	if !bytes.HasPrefix(tail, []byte(`,"hash":"`)) || !bytes.HasSuffix(tail, []byte(`"}`)) {
		return nil, "", false
	}
	noHash = make([]byte, 0, cut+1)
	noHash = append(noHash, stored[:cut]...)
	noHash = append(noHash, '}')
	return noHash, string(tail[len(`,"hash":"`) : len(tail)-2]), true
}

// sealedPrevHash returns the prev_hash of metadata without its hash as Seal
// writes it, where prev_hash is the last member: `,"prev_hash":"` and 64
// lowercase hex digits before the closing brace. Reading it there instead
// of decoding the whole object (the larger part of a chain check's cost)
// gives the same value for every JSON object that ends so: the last
// member of an object is the one encoding/json keeps, and no escaped
// string can end in that run of bytes. ok is false for anything else,
// which VerifyHash decodes. Bytes that end so but are not JSON only pass
// when they hash to their stored hash, and Decode refuses them.
func sealedPrevHash(noHash []byte) (string, bool) {
	const key = `,"prev_hash":"`
	n := len(noHash) - len(`"}`) - 64
	if n < len(key)+1 || !bytes.Equal(noHash[n-len(key):n], []byte(key)) || !bytes.Equal(noHash[n+64:], []byte(`"}`)) {
		return "", false
	}
	for _, c := range noHash[n : n+64] {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return "", false
		}
	}
	return string(noHash[n : n+64]), true
}

// VerifyHash checks one stored event against the hash chain: its bytes must
// hash to its recorded hash, and its prev_hash must equal prevHash (the
// previous event's hash, or GenesisHash for revision 0). It returns the
// event's hash, the next link's prevHash.
func VerifyHash(prevHash string, se StoredEvent) (string, error) {
	noHash, hash, ok := splitStoredMeta(se.Metadata)
	if !ok {
		return "", fmt.Errorf("%s@%d: metadata does not end with a hash: %w", se.Stream, se.Revision, ErrHashMismatch)
	}
	linked, ok := sealedPrevHash(noHash)
	if !ok {
		var m metaWire
		if err := json.Unmarshal(noHash, &m); err != nil {
			return "", fmt.Errorf("%s@%d: metadata: %v: %w", se.Stream, se.Revision, err, ErrHashMismatch)
		}
		linked = m.PrevHash
	}
	if linked != prevHash {
		return "", fmt.Errorf("%s@%d: prev_hash %s does not link to %s: %w", se.Stream, se.Revision, linked, prevHash, ErrHashMismatch)
	}
	if got := chainHash(prevHash, EventType(se.Type), se.Data, noHash); got != hash {
		return "", fmt.Errorf("%s@%d: stored hash %s, recomputed %s: %w", se.Stream, se.Revision, hash, got, ErrHashMismatch)
	}
	return hash, nil
}

// Decode decodes a stored event: its metadata and its payload, upcast to the
// current schema. It does not verify the hash chain (see VerifyHash).
//
// Events as Seal writes them (compact JSON, fields in Seal's order) take a
// hand-written fast path; anything else it does not fully understand —
// whitespace, unknown or duplicated fields, null, an unknown type or schema,
// any malformed value — is decoded by encoding/json, which also produces
// every error. The fast path accepts nothing encoding/json refuses and
// yields the same Event (FuzzDecodeFastMatchesSlow checks both).
//
// Every decoded event is then checked as its command was before it was
// written (see ErrInvalidEvent): a projection folds only events the
// ledger could have written.
//
// Errors: ErrUnknownEventType for a type or schema this program does not
// know, ErrInvalidEvent for an event that breaks the rules of its type,
// and encoding/json's errors for bytes that are not the event's JSON.
func Decode(se StoredEvent) (Event, error) {
	e, err := DecodeUnchecked(se)
	if err != nil {
		return Event{}, err
	}
	if err := checkStored(&e, se.ID); err != nil {
		return Event{}, err
	}
	return e, nil
}

// DecodeUnchecked is Decode without the rules of the event's type
// (ErrInvalidEvent): the codec alone. It is for showing the log as it is
// stored (GET /v1/events shows an altered event as it now reads, which
// verify reports), never for folding events into state. Errors: Decode's,
// but ErrInvalidEvent.
func DecodeUnchecked(se StoredEvent) (Event, error) {
	if e, ok := decodeFast(se); ok {
		return e, nil
	}
	return decodeSlow(se)
}

// decodeSlow is Decode through encoding/json.
func decodeSlow(se StoredEvent) (Event, error) {
	var mw struct {
		metaWire
		Hash string `json:"hash"`
	}
	if err := json.Unmarshal(se.Metadata, &mw); err != nil {
		return Event{}, fmt.Errorf("decode metadata of %s@%d: %w", se.Stream, se.Revision, err)
	}
	id, err := ParseUUID(mw.EventID)
	if err != nil {
		return Event{}, fmt.Errorf("decode metadata of %s@%d: event_id: %w", se.Stream, se.Revision, err)
	}
	recorded, err := time.Parse(time.RFC3339Nano, mw.RecordedAt)
	if err != nil {
		return Event{}, fmt.Errorf("decode metadata of %s@%d: recorded_at: %w", se.Stream, se.Revision, err)
	}
	t := EventType(se.Type)
	data, err := newPayload(t, mw.Schema)
	if err != nil {
		return Event{}, fmt.Errorf("decode %s@%d: %w", se.Stream, se.Revision, err)
	}
	if err := json.Unmarshal(se.Data, data); err != nil {
		return Event{}, fmt.Errorf("decode %s %s@%d: %w", t, se.Stream, se.Revision, err)
	}
	return Event{
		Position: se.Position,
		Stream:   se.Stream,
		Revision: se.Revision,
		Type:     t,
		Meta: Metadata{
			EventID:     id,
			Schema:      mw.Schema,
			OccurredOn:  mw.OccurredOn,
			RecordedAt:  recorded,
			Actor:       mw.Actor,
			PayloadHash: mw.PayloadHash,
			PrevHash:    mw.PrevHash,
			Hash:        mw.Hash,
		},
		Data:        data,
		RawData:     se.Data,
		RawMetadata: se.Metadata,
	}, nil
}

// decodeFast decodes an event in exactly the shape Seal writes, or reports
// false and leaves the event to decodeSlow.
func decodeFast(se StoredEvent) (Event, bool) {
	// One copy of the metadata holds actor and the three hashes.
	m := jsonReader{b: se.Metadata, ok: true, src: string(se.Metadata)}
	var meta Metadata
	m.lit(`{"event_id":`)
	meta.EventID = m.uuid()
	m.lit(`,"schema":`)
	meta.Schema = m.smallInt()
	m.lit(`,"occurred_on":`)
	meta.OccurredOn = m.date()
	m.lit(`,"recorded_at":`)
	meta.RecordedAt = m.timestamp()
	m.lit(`,"actor":`)
	meta.Actor = m.str()
	m.lit(`,"payload_hash":`)
	meta.PayloadHash = m.str()
	m.lit(`,"prev_hash":`)
	meta.PrevHash = m.str()
	m.lit(`,"hash":`)
	meta.Hash = m.str()
	m.lit(`}`)
	if !m.done() || meta.EventID == uuid.Nil || meta.Schema != CurrentSchema {
		return Event{}, false
	}
	t := EventType(se.Type)
	data, ok := decodePayloadFast(t, se.Data)
	if !ok {
		return Event{}, false
	}
	return Event{
		Position:    se.Position,
		Stream:      se.Stream,
		Revision:    se.Revision,
		Type:        t,
		Meta:        meta,
		Data:        data,
		RawData:     se.Data,
		RawMetadata: se.Metadata,
	}, true
}

// decodePayloadFast decodes a schema-1 payload whose fields are all known
// and appear at most once, in any order.
func decodePayloadFast(t EventType, b []byte) (EventData, bool) {
	// Money payloads decode themselves (kind_*.go).
	if k := KindOf(t); k != KindNone {
		d := moneyKinds[k].newPayload()
		return d, d.decodeFast(b)
	}
	r := jsonReader{b: b, ok: true}
	switch t {
	case TypeUnitRegistered:
		d := &UnitRegistered{}
		for r.open(); r.more(); {
			switch r.key() {
			case "unit_id":
				d.UnitID = UnitID(r.str())
			case "name":
				d.Name = r.str()
			case "parent_id":
				d.ParentID = UnitID(r.str())
			default:
				r.ok = false
			}
		}
		return d, r.done()
	case TypeFundOpened:
		d := &FundOpened{}
		for r.open(); r.more(); {
			switch r.key() {
			case "fund_id":
				d.FundID = r.uuid()
			case "unit_id":
				d.UnitID = UnitID(r.str())
			case "name":
				d.Name = r.str()
			case "kind":
				d.Kind = FundKind(r.enum(fundKindNames))
			case "opened_on":
				d.OpenedOn = r.date()
			default:
				r.ok = false
			}
		}
		return d, r.done()
	case TypeTokenIssued:
		d := &TokenIssued{}
		for r.open(); r.more(); {
			switch r.key() {
			case "token_id":
				d.TokenID = r.uuid()
			case "name":
				d.Name = r.str()
			case "role":
				d.Role = Role(r.enum(roleNames))
			case "unit_id":
				d.UnitID = UnitID(r.str())
			case "secret_hash":
				d.SecretHash = r.str()
			default:
				r.ok = false
			}
		}
		return d, r.done()
	case TypeTokenRevoked:
		d := &TokenRevoked{}
		for r.open(); r.more(); {
			switch r.key() {
			case "token_id":
				d.TokenID = r.uuid()
			default:
				r.ok = false
			}
		}
		return d, r.done()
	case TypePeriodClosing, TypePeriodClosed, TypePeriodReopened:
		return decodePeriodFast(t, &r)
	}
	return nil, false
}

// The closed vocabularies of payloads, decoded to shared strings instead of
// one allocation per event.
var (
	fundKindNames = []string{"social", "shelter", "charity", "capital_support", "mutual_aid"}
	roleNames     = []string{"admin", "manager", "auditor", "official"}
)

// enumNames returns the values of a closed vocabulary as strings, in its
// order.
func enumNames[S ~string](values []S) []string {
	names := make([]string, len(values))
	for i, v := range values {
		names[i] = string(v)
	}
	return names
}

// jsonReader reads compact JSON objects of string and small integer values
// for decodeFast. Any input it does not fully understand clears ok; the
// values it returned are then meaningless and the caller falls back to
// encoding/json.
type jsonReader struct {
	b     []byte
	i     int
	ok    bool
	first bool   // no key read yet in the current object
	seen  uint64 // bit i: knownKeys[i] was read in the current object
	// src, when set, is string(b): plain strings are then substrings of
	// it, one allocation for all of them.
	src string
}

// lit consumes the exact bytes s.
func (r *jsonReader) lit(s string) {
	if !r.ok || len(r.b)-r.i < len(s) || string(r.b[r.i:r.i+len(s)]) != s {
		r.ok = false
		return
	}
	r.i += len(s)
}

// done reports whether everything read was understood and the input ends.
func (r *jsonReader) done() bool { return r.ok && r.i == len(r.b) }

// open consumes the '{' of an object whose keys more and key then walk.
func (r *jsonReader) open() {
	r.lit("{")
	r.first = true
	r.seen = 0
}

// more reports whether another key follows in the current object; it
// consumes the closing '}' or the ',' before the next key.
func (r *jsonReader) more() bool {
	if !r.ok || r.i >= len(r.b) {
		r.ok = false
		return false
	}
	if r.b[r.i] == '}' {
		r.i++
		return false
	}
	if !r.first {
		r.lit(",")
	}
	r.first = false
	return r.ok
}

// key reads a key and its ':'. A key seen before in the same object clears
// ok: encoding/json merges or overwrites duplicates, which the fast path
// does not imitate.
func (r *jsonReader) key() string {
	b, plain := r.strBytes()
	r.lit(":")
	if !plain || !r.ok {
		r.ok = false
		return ""
	}
	for i, k := range knownKeys {
		if k == string(b) {
			if r.seen&(1<<i) != 0 {
				r.ok = false
				return ""
			}
			r.seen |= 1 << i
			return k
		}
	}
	r.ok = false
	return ""
}

// knownKeys are every key of the schema-1 payloads; an object with any
// other key goes to encoding/json. The money kinds' keys are their rows'
// payload fields (a nested "donor.kind" gives "donor" and "kind"), so a
// new kind's keys join from the table; the list keeps the order it had
// before, which key() searches in, and holds at most maxKnownKeys.
var knownKeys = func() []string {
	keys := []string{"transaction_id", "fund_id", "amount", "beneficiary_id", "note", "unit_id", "name",
		"parent_id", "kind", "opened_on", "donor", "campaign", "reference", "shelter", "decision_no", "category",
		"loan_id", "due_on", "project", "reverses", "reason", "original_type", "original_occurred_on",
		"token_id", "role", "secret_hash", "year", "seal"}
	for _, spec := range MoneyKinds() {
		for _, f := range spec.Fields {
			if f.Payload == Absent {
				continue
			}
			for part := range strings.SplitSeq(f.Name, ".") {
				if !slices.Contains(keys, part) {
					keys = append(keys, part)
				}
			}
		}
	}
	if len(keys) > maxKnownKeys {
		// A build that cannot tell a duplicated key from another: the
		// payloads of the table are checked at start, not at decode.
		panic(fmt.Sprintf("domain: %d payload keys, more than jsonReader.seen holds (%d)", len(keys), maxKnownKeys))
	}
	return keys
}()

// maxKnownKeys is the number of bits of jsonReader.seen.
const maxKnownKeys = 64

// strBytes reads a string literal and returns its contents between the
// quotes; plain reports that they are the string itself: no escapes, no
// control characters, valid UTF-8.
func (r *jsonReader) strBytes() (contents []byte, plain bool) {
	if !r.ok || r.i >= len(r.b) || r.b[r.i] != '"' {
		r.ok = false
		return nil, false
	}
	start := r.i + 1
	// The common case, a string without escapes: the next quote ends it,
	// and its bytes need only a check for control and non-ASCII bytes,
	// eight at a time.
	if n := bytes.IndexByte(r.b[start:], '"'); n >= 0 {
		s := r.b[start : start+n]
		if bytes.IndexByte(s, '\\') < 0 && printableASCII(s) {
			r.i = start + n + 1
			return s, true
		}
	}
	plain, ascii := true, true
	for j := start; j < len(r.b); j++ {
		switch c := r.b[j]; {
		case c == '"':
			r.i = j + 1
			contents = r.b[start:j]
			if !ascii && plain {
				plain = utf8.Valid(contents)
			}
			return contents, plain
		case c == '\\':
			plain = false
			j++
		case c < 0x20:
			r.ok = false
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	r.ok = false
	return nil, false
}

// printableASCII reports whether every byte of s is in 0x20…0x7f.
func printableASCII(s []byte) bool {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for len(s) >= 8 {
		w := binary.LittleEndian.Uint64(s)
		// (w − 0x20 in each byte) & ^w has a byte's high bit set when
		// that byte is below 0x20 (exact for bytes below 0x80, which the
		// w & highs test covers).
		if ((w-0x20*ones)&^w|w)&highs != 0 {
			return false
		}
		s = s[8:]
	}
	for _, c := range s {
		if c < 0x20 || c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// str reads a string value. Escapes and invalid UTF-8 (rare: Seal writes
// them only for quotes, <, > and &) are resolved by encoding/json.
func (r *jsonReader) str() string {
	start := r.i
	b, plain := r.strBytes()
	if !r.ok {
		return ""
	}
	if plain {
		if r.src != "" {
			return r.src[r.i-1-len(b) : r.i-1]
		}
		return string(b)
	}
	var s string
	if err := json.Unmarshal(r.b[start:r.i], &s); err != nil {
		r.ok = false
	}
	return s
}

// enum reads a string value, returning the shared copy when it is one of
// names.
func (r *jsonReader) enum(names []string) string {
	start := r.i
	b, plain := r.strBytes()
	if r.ok && plain {
		for _, n := range names {
			if n == string(b) {
				return n
			}
		}
	}
	r.i = start
	return r.str()
}

// uuid reads a UUID in its canonical 36-character form.
func (r *jsonReader) uuid() uuid.UUID {
	b, plain := r.strBytes()
	if !r.ok || !plain || len(b) != 36 {
		r.ok = false
		return uuid.Nil
	}
	u, err := uuid.ParseBytes(b)
	if err != nil {
		r.ok = false
	}
	return u
}

// vnd reads an amount in canonical form.
func (r *jsonReader) vnd() VND {
	b, plain := r.strBytes()
	if !r.ok || !plain {
		r.ok = false
		return VND{}
	}
	v, ok := parseVNDBytes(b)
	if !ok {
		r.ok = false
	}
	return v
}

// date reads a "YYYY-MM-DD" string.
func (r *jsonReader) date() Date {
	b, plain := r.strBytes()
	if !r.ok || !plain {
		r.ok = false
		return 0
	}
	d, err := parseDate(b)
	if err != nil {
		r.ok = false
	}
	return d
}

// smallInt reads a non-negative integer of at most four digits.
func (r *jsonReader) smallInt() int {
	n, j := 0, r.i
	for ; r.ok && j < len(r.b) && j-r.i < 5 && r.b[j] >= '0' && r.b[j] <= '9'; j++ {
		n = n*10 + int(r.b[j]-'0')
	}
	if !r.ok || j == r.i || j-r.i > 4 || (r.b[r.i] == '0' && j-r.i > 1) {
		r.ok = false
		return 0
	}
	r.i = j
	return n
}

// timestamp reads a recorded_at as Seal writes it: RFC 3339 in UTC with
// 0–9 fraction digits ("2024-07-01T03:04:05.123456789Z"). It gives the
// time.Time that time.Parse(time.RFC3339Nano, …) gives.
func (r *jsonReader) timestamp() time.Time {
	b, plain := r.strBytes()
	if !r.ok || !plain {
		r.ok = false
		return time.Time{}
	}
	t, ok := parseUTCTimestamp(b)
	if !ok {
		r.ok = false
	}
	return t
}

// parseUTCTimestamp parses "YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z".
func parseUTCTimestamp(b []byte) (time.Time, bool) {
	const base = len("2006-01-02T15:04:05")
	if len(b) < base+1 || b[len(b)-1] != 'Z' || b[4] != '-' || b[7] != '-' || b[10] != 'T' || b[13] != ':' || b[16] != ':' {
		return time.Time{}, false
	}
	num := func(s []byte) (int, bool) {
		n := 0
		for _, c := range s {
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	y, ok1 := num(b[0:4])
	mo, ok2 := num(b[5:7])
	d, ok3 := num(b[8:10])
	h, ok4 := num(b[11:13])
	mi, ok5 := num(b[14:16])
	s, ok6 := num(b[17:19])
	if !ok1 || !ok2 || !ok3 || !ok4 || !ok5 || !ok6 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || s > 59 {
		return time.Time{}, false
	}
	if d > time.Date(y, time.Month(mo)+1, 0, 0, 0, 0, 0, time.UTC).Day() {
		return time.Time{}, false
	}
	ns := 0
	if frac := b[base : len(b)-1]; len(frac) > 0 {
		if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 {
			return time.Time{}, false
		}
		f, ok := num(frac[1:])
		if !ok {
			return time.Time{}, false
		}
		ns = f
		for range 10 - len(frac) {
			ns *= 10
		}
	}
	return time.Date(y, time.Month(mo), d, h, mi, s, ns, time.UTC), true
}

// parseDate is ParseDate of bytes.
func parseDate(b []byte) (Date, error) { return ParseDate(string(b)) }
