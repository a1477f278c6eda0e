package domain

import (
	"encoding/json"
	"fmt"
)

// ChainChecker checks the hash chains of every stream of a log read in log
// order, as GET /v1/audit/verify and `welfare-ledger verify` do: each
// event's link is VerifyHash's, and a stream's revisions must follow each
// other from 0 without a gap. Its memory grows with the number of streams,
// not of events. The zero value is not usable; call NewChainChecker.
type ChainChecker struct {
	last map[string]chainLink
}

// chainLink is the last event checked of a stream.
type chainLink struct {
	revision uint64
	hash     string
}

// NewChainChecker returns a checker that has seen no event.
func NewChainChecker() *ChainChecker {
	return &ChainChecker{last: map[string]chainLink{}}
}

// Check checks the next event of the log against the previous event of its
// stream. After a broken link it carries on from the event's own stored
// hash and revision, so one altered event is reported once, not once for
// every event after it.
//
// Errors: ErrHashMismatch (wrapped, naming the stream and revision) for an
// event whose bytes do not hash to its stored hash, whose prev_hash does not
// link to the previous event's hash, or whose revision does not follow the
// previous one.
func (c *ChainChecker) Check(se StoredEvent) error {
	prev, seen := c.last[se.Stream]
	// A stream's first event links to GenesisHash and has revision 0.
	want, prevHash := uint64(0), GenesisHash
	if seen {
		want, prevHash = prev.revision+1, prev.hash
	}
	hash, err := VerifyHash(prevHash, se)
	if err != nil {
		_, hash, _ = splitStoredMeta(se.Metadata)
		c.last[se.Stream] = chainLink{revision: se.Revision, hash: hash}
		return err
	}
	// The revision is not hashed: only its sequence shows an edit of it.
	// The links held, so the next event is expected after want.
	c.last[se.Stream] = chainLink{revision: want, hash: hash}
	if se.Revision != want {
		return fmt.Errorf("%s@%d: revision %d where the chain puts revision %d: %w", se.Stream, se.Revision, se.Revision, want, ErrHashMismatch)
	}
	return nil
}

// Streams returns the number of distinct streams checked.
func (c *ChainChecker) Streams() int { return len(c.last) }

// CheckAppendLink is the chain rule every store applies inside the write
// of one append, against the stream's last stored event (tail, nil for an
// empty stream): an append is never chained onto a stored tail other than
// the one it was decided against, and never onto one that no longer
// verifies. Keeping the rule in the store, in the same transaction as the
// revision check, closes the gap between the ledger's check of the stream
// when it loaded it and the write: an edit of the last event made while
// the service runs is caught at the very next write.
//
// The first event of an append links to the tail when its prev_hash (as
// Seal writes it) is the tail's stored hash, and the tail verifies when its
// stored bytes hash to that stored hash (each linked from its own
// prev_hash: the earlier links were checked when the stream was loaded, and
// by verify). The first event of a new stream links to GenesisHash. Events
// that carry no chain at all (the metadata ends without a hash) append to a
// stream whose tail carries none either, as the store's contract suite does;
// the ledger seals every event it writes, so its streams are always
// checked.
//
// Errors: ErrChainBroken (wrapped, naming the stream and the tail's
// revision).
func CheckAppendLink(stream string, tail *StoredEvent, first NewEvent) error {
	linked, firstSealed := sealedLink(first.Metadata)
	if tail == nil {
		if firstSealed && linked != GenesisHash {
			return fmt.Errorf("%s is empty, but the append links to %s: %w", stream, linked, ErrChainBroken)
		}
		return nil
	}
	noHash, stored, tailSealed := splitStoredMeta(tail.Metadata)
	switch {
	case !firstSealed && !tailSealed:
		return nil
	case !tailSealed:
		return fmt.Errorf("%s@%d, the stream's last event, carries no hash: %w", stream, tail.Revision, ErrChainBroken)
	case !firstSealed:
		return fmt.Errorf("%s@%d is hash-chained, but the append carries no link: %w", stream, tail.Revision, ErrChainBroken)
	}
	tailPrev, ok := metaPrevHash(noHash)
	if !ok {
		return fmt.Errorf("%s@%d, the stream's last event: its metadata does not decode: %w", stream, tail.Revision, ErrChainBroken)
	}
	if got := chainHash(tailPrev, EventType(tail.Type), tail.Data, noHash); got != stored {
		return fmt.Errorf("%s@%d, the stream's last event, was changed after it was written: stored hash %s, its bytes hash to %s: %w",
			stream, tail.Revision, stored, got, ErrChainBroken)
	}
	if linked != stored {
		return fmt.Errorf("the append links to %s, but %s@%d, the stream's last event, has hash %s: %w",
			linked, stream, tail.Revision, stored, ErrChainBroken)
	}
	return nil
}

// sealedLink returns the prev_hash of metadata sealed as Seal writes it;
// ok is false for metadata without a hash.
func sealedLink(stored []byte) (prevHash string, ok bool) {
	noHash, _, ok := splitStoredMeta(stored)
	if !ok {
		return "", false
	}
	return metaPrevHash(noHash)
}

// metaPrevHash reads prev_hash from metadata without its hash, the fast
// way where it is where Seal puts it.
func metaPrevHash(noHash []byte) (string, bool) {
	if prev, ok := sealedPrevHash(noHash); ok {
		return prev, true
	}
	var m metaWire
	if err := json.Unmarshal(noHash, &m); err != nil {
		return "", false
	}
	return m.PrevHash, true
}
