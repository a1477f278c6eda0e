package domain

import "fmt"

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
