package domain

import (
	"crypto/sha256"
	"encoding/hex"
)

// The head of the log (API.md, "Anchored head") chains every event's hash
// in global order, so that one value written into an auditor's working
// papers pins the whole log up to a position: an event removed, added,
// reordered or altered before it — a stream's last event included, which
// no stream's own chain can show — changes it.
//
//	h_0 = 64 zeros, h_i = hex(sha256(h_{i-1} "\n" hash_i))

// GenesisHead is the head of an empty log.
const GenesisHead = GenesisHash

// NextHead returns the head after an event whose hash is eventHash, on a
// log whose head was prev.
func NextHead(prev, eventHash string) string {
	h := sha256.New()
	h.Write([]byte(prev))
	h.Write([]byte{'\n'})
	h.Write([]byte(eventHash))
	return hex.EncodeToString(h.Sum(nil))
}

// StoredHash returns the hash an event's stored metadata ends with, as
// Seal writes it (`,"hash":"<64 hex>"}`), without decoding the rest; ok is
// false for metadata that does not end so.
func StoredHash(metadata []byte) (hash string, ok bool) {
	_, hash, ok = splitStoredMeta(metadata)
	return hash, ok
}
