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
// each other from 0 (ChainChecker), and every unit an event names (a
// unit's parent, a fund's unit, a token's scope) registered before it, as
// the Ledger checks before it writes. Position, stream and revision are
// the fields the hash does not cover, and the chains say nothing of the
// order of two streams; these checks are what makes a moved or reordered
// event show (a fund moved before its unit would otherwise be folded into
// a different hierarchy). Its memory grows with the number of streams.
// The zero value is not usable; call NewLogChecker.
type LogChecker struct {
	chain *ChainChecker
	last  Position
	units map[UnitID]struct{}
}

// NewLogChecker returns a checker that has seen no event.
func NewLogChecker() *LogChecker {
	return &LogChecker{chain: NewChainChecker(), units: map[UnitID]struct{}{}}
}

// Check checks the next event of the log. Unlike ChainChecker it is meant
// to stop at the first error: after one, the checker's state is
// unspecified.
//
// Errors: ErrLogOrder (wrapped) for a position not after the previous one
// or an event naming a unit not yet registered; Decode's errors
// (ErrInvalidEvent for an event in the wrong stream, or one the ledger
// cannot have written); ErrHashMismatch (wrapped) for a broken chain or a
// revision out of sequence.
func (c *LogChecker) Check(se StoredEvent) error {
	if se.Position <= c.last {
		return fmt.Errorf("position %d after position %d: %w", se.Position, c.last, ErrLogOrder)
	}
	e, err := Decode(se)
	if err != nil {
		return err
	}
	return c.CheckDecoded(se, e)
}

// CheckDecoded is Check of an event the caller has already read with
// Decode (e is Decode(se)): an import decodes every line to compare it with
// the export's encoding, and a second decoding was a tenth of its reading.
func (c *LogChecker) CheckDecoded(se StoredEvent, e Event) error {
	if se.Position <= c.last {
		return fmt.Errorf("position %d after position %d: %w", se.Position, c.last, ErrLogOrder)
	}
	if err := c.chain.Check(se); err != nil {
		return err
	}
	if unit := unitNamed(e.Data); unit != "" {
		if _, ok := c.units[unit]; !ok {
			return fmt.Errorf("%s@%d: a %s naming unit %q before the unit is registered: %w", se.Stream, se.Revision, se.Type, unit, ErrLogOrder)
		}
	}
	if d, ok := e.Data.(*UnitRegistered); ok {
		c.units[d.UnitID] = struct{}{}
	}
	c.last = se.Position
	return nil
}

// unitNamed is the unit that must exist before an event with payload d:
// a unit's parent, a fund's unit, a scoped token's unit; "" for none.
func unitNamed(d EventData) UnitID {
	switch d := d.(type) {
	case *UnitRegistered:
		return d.ParentID
	case *FundOpened:
		return d.UnitID
	case *TokenIssued:
		return d.UnitID
	case *PeriodClosing:
		return d.UnitID
	case *PeriodClosed:
		return d.UnitID
	case *PeriodReopened:
		return d.UnitID
	}
	return ""
}

// Last returns the position of the last event that passed Check.
func (c *LogChecker) Last() Position { return c.last }
