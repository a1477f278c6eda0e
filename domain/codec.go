package domain

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
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
	switch t {
	case TypeUnitRegistered:
		return &UnitRegistered{}, nil
	case TypeFundOpened:
		return &FundOpened{}, nil
	case TypeDonationReceived:
		return &DonationReceived{}, nil
	case TypeShelterGrantPaid:
		return &ShelterGrantPaid{}, nil
	case TypeAssistanceGranted:
		return &AssistanceGranted{}, nil
	case TypeLoanDisbursed:
		return &LoanDisbursed{}, nil
	case TypeLoanRepaid:
		return &LoanRepaid{}, nil
	case TypeTransactionReversed:
		return &TransactionReversed{}, nil
	case TypeTokenIssued:
		return &TokenIssued{}, nil
	case TypeTokenRevoked:
		return &TokenRevoked{}, nil
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

// VerifyHash checks one stored event against the hash chain: its bytes must
// hash to its recorded hash, and its prev_hash must equal prevHash (the
// previous event's hash, or GenesisHash for revision 0). It returns the
// event's hash, the next link's prevHash.
func VerifyHash(prevHash string, se StoredEvent) (string, error) {
	noHash, hash, ok := splitStoredMeta(se.Metadata)
	if !ok {
		return "", fmt.Errorf("%s@%d: metadata does not end with a hash: %w", se.Stream, se.Revision, ErrHashMismatch)
	}
	var m metaWire
	if err := json.Unmarshal(noHash, &m); err != nil {
		return "", fmt.Errorf("%s@%d: metadata: %v: %w", se.Stream, se.Revision, err, ErrHashMismatch)
	}
	if m.PrevHash != prevHash {
		return "", fmt.Errorf("%s@%d: prev_hash %s does not link to %s: %w", se.Stream, se.Revision, m.PrevHash, prevHash, ErrHashMismatch)
	}
	if got := chainHash(prevHash, EventType(se.Type), se.Data, noHash); got != hash {
		return "", fmt.Errorf("%s@%d: stored hash %s, recomputed %s: %w", se.Stream, se.Revision, hash, got, ErrHashMismatch)
	}
	return hash, nil
}

// Decode decodes a stored event: its metadata and its payload, upcast to the
// current schema. It does not verify the hash chain (see VerifyHash).
func Decode(se StoredEvent) (Event, error) {
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
