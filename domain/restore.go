package domain

import "encoding/json"

// Rebuilding stored events from their fields: an exported log (one event a
// line, as GET /v1/events lists it) carries every field of an event, but
// not its stored metadata bytes, which the hash chain covers. An import
// rebuilds them here, the way Seal wrote them, and then lets the chain say
// whether they are the bytes that were hashed.

// SealedMetadata returns the stored metadata of an event whose metadata is
// meta, byte for byte as Seal stores it: the members in Seal's order and
// encoding, with meta.Hash as the hash. The hash is not recomputed: it is
// VerifyHash (or a ChainChecker) that tells whether the event, with these
// bytes, is the one that was sealed. Errors: an encoding failure of meta.
func SealedMetadata(meta Metadata) ([]byte, error) {
	noHash, err := marshalMetaWithoutHash(meta)
	if err != nil {
		return nil, err
	}
	stored := make([]byte, 0, len(noHash)+80)
	stored = append(stored, noHash[:len(noHash)-1]...)
	stored = append(stored, `,"hash":`...)
	stored = appendJSONQuoted(stored, meta.Hash)
	return append(stored, '}'), nil
}

// appendJSONQuoted appends s in quotes. A hash of the chain is 64 hex
// digits and needs no escaping; anything else would not verify anyway, and
// is quoted the same way so that the bytes stay JSON.
func appendJSONQuoted(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= 0x7f {
			q, _ := json.Marshal(s) // a string always encodes
			return append(b, q...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// StreamOf returns the stream an event with payload d belongs to: a unit's
// registration to the unit's stream, a fund's opening and money to the
// fund's stream, token issues and revocations to AccessStream. ok is false
// for a payload of no known stream.
func StreamOf(d EventData) (stream string, ok bool) {
	switch d := d.(type) {
	case *UnitRegistered:
		return UnitStream(d.UnitID), true
	case *FundOpened:
		return FundStream(d.FundID), true
	case MoneyEvent:
		return FundStream(d.Money().FundID), true
	case *TokenIssued, *TokenRevoked:
		return AccessStream, true
	case *PeriodClosing, *PeriodClosed, *PeriodReopened:
		return PeriodStream, true
	}
	return "", false
}
