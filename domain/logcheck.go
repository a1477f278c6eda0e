package domain

import (
	"errors"
	"fmt"
)

// ErrLogOrder: an event of a log read in order is out of it — its position
// is not after the previous event's — or sits in a stream its payload does
// not belong to.
var ErrLogOrder = errors.New("log out of order")

// LogChecker checks a whole log read event by event in log order, as an
// import does before it trusts a log it did not write: positions strictly
// growing, every event decodable and in the stream its payload names
// (StreamOf), every stream's hash chain unbroken with revisions following
// each other from 0 (ChainChecker). Position, stream and revision are the
// fields the hash does not cover; the checks on them are what makes a
// moved or reordered event show. Its memory grows with the number of
// streams. The zero value is not usable; call NewLogChecker.
type LogChecker struct {
	chain *ChainChecker
	last  Position
}

// NewLogChecker returns a checker that has seen no event.
func NewLogChecker() *LogChecker {
	return &LogChecker{chain: NewChainChecker()}
}

// Check checks the next event of the log. Unlike ChainChecker it is meant
// to stop at the first error: after one, the checker's state is
// unspecified.
//
// Errors: ErrLogOrder (wrapped) for a position not after the previous one
// or an event in the wrong stream; Decode's errors; ErrHashMismatch
// (wrapped) for a broken chain or a revision out of sequence.
func (c *LogChecker) Check(se StoredEvent) error {
	if se.Position <= c.last {
		return fmt.Errorf("position %d after position %d: %w", se.Position, c.last, ErrLogOrder)
	}
	e, err := Decode(se)
	if err != nil {
		return err
	}
	if want, ok := StreamOf(e.Data); !ok || want != se.Stream {
		return fmt.Errorf("%s@%d: a %s of stream %q: %w", se.Stream, se.Revision, se.Type, want, ErrLogOrder)
	}
	if err := c.chain.Check(se); err != nil {
		return err
	}
	c.last = se.Position
	return nil
}

// Last returns the position of the last event that passed Check.
func (c *LogChecker) Last() Position { return c.last }
