package kurrentdb

import (
	"errors"
	"fmt"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// # Positions
//
// KurrentDB places every record of its transaction log at a byte offset;
// an event of $all has a commit and a prepare position. An append over gRPC
// writes each of its events as one self-committing record ("implicit
// transaction"), and the server reports such an event at
// (commit, prepare) = (its own log position, its own log position): the
// events of one multi-event append get distinct, increasing commit
// positions, with gaps between them (the size of each record). So
// domain.Position is the commit position, one to one, and a read or a
// subscription resumes after an event from (p, p). Positions are not
// contiguous: no code may compute position ± 1.
//
// Stream reads are expected to carry the same positions (the test server
// does; KurrentDB fills an event's position from its own log record). This
// has not been checked against a live node here — no KurrentDB server can
// run on these machines — and TestContractLive checks it first thing when
// KURRENTDB_URL is set: a server that answers stream reads without
// positions makes every Append fail with errPositionOrder rather than hand
// the ledger a wrong position.
//
// Only the legacy explicit transactions of the old TCP protocol share one
// commit position between several events; this adapter never writes them,
// and if $all ever shows the ledger two events whose commit and prepare
// differ, position refuses them (errPositionOrder) rather than deliver an
// order it cannot resume.

// errPositionOrder: $all holds an event this adapter cannot place on a
// strictly increasing domain.Position.
var errPositionOrder = errors.New("event position not usable as a ledger position")

// position returns the domain position of an event read from $all.
func position(e *esdb.RecordedEvent) (domain.Position, error) {
	p := e.Position
	if p.Commit != p.Prepare || p.Commit == 0 || p.Commit > maxPosition {
		return 0, fmt.Errorf("%s@%d at (commit %d, prepare %d): %w", e.StreamID, e.EventNumber, p.Commit, p.Prepare, errPositionOrder)
	}
	return domain.Position(p.Commit), nil
}

// allPosition is where a read of $all starts to find the events after
// after: the start of $all, or the record at after itself (which the
// caller skips).
func allPosition(after domain.Position) esdb.AllPosition {
	if after == 0 {
		return esdb.Start{}
	}
	return esdb.Position{Commit: uint64(after), Prepare: uint64(after)}
}
