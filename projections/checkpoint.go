package projections

import (
	"fmt"
	"io"
	"time"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// A checkpoint is every read model at one position of the log, so that a
// start does not replay millions of events (DESIGN.md: a 10 M-event ledger
// serves within 15 s of start). This file is its framing: the snapshot,
// and the order of the parts in the file (checkpoint_format.go has the
// chunks, the version and the primitive encodings; codes.go every code
// written). Each index writes and reads its own part beside its live
// Apply: the head (position, last event, history digest) and the actors
// here, units in units.go, funds in funds.go with their running sums in
// sums.go and the persons' count series in persons.go, tokens in
// access.go, the transactions in checkpoint_txs.go.
//
// Writing holds the read lock only to copy what later events change in
// place (units, funds, their date series, the person indexes' count
// series, tokens) and the lengths of the lists that only grow (each
// fund's transactions, the actor names); everything is encoded after the
// lock is released. A txNode never changes once applied except the link
// of an original that a later reversal sets, and the writer never reads
// that field: a reversal names its original (by position), and the
// reader links both ways (relink, money.go).
//
// What an index derives from the transactions is not written but rebuilt
// in bulk on load, each beside its live Apply, and TestRebuildEqualsApply
// holds the two equal: the persons' period indexes (rebuildPeople,
// persons.go), the beneficiaries' lists (beneficiaries.go), loans and
// reversal records (relink, money.go), the index by id (txindex.go), the
// known_at index (rebuildRecIndexes, knownindex.go). The breakdown lines
// are not built by the load at all, but before the first breakdown job
// (deferBreakdown, breakdown.go), and their persons by the jobs.

// maxCkptItems bounds every count read from a checkpoint; counts come from
// verified chunks, so this only guards against a writer bug.
const maxCkptItems = 1 << 36

// ckptSnapshot is a copy of what later events change in place, taken
// under the read lock, and of the lengths of what they only append to; it
// is encoded after the lock is released.
type ckptSnapshot struct {
	pos      domain.Position
	lastID   uuid.UUID
	lastHash string
	prevPos  domain.Position
	// history is the state of the history digest, historySum the digest.
	history    []byte
	historySum string
	actors     []string
	units      []unitSnap
	funds      []fundSnap
	tokens     []tokenNode
	periods    []periodNode
	voids      voidSnap
	n          int // the number of transactions
}

// WriteCheckpoint writes every projection, as of its current position, to
// w, and returns that position. The read lock is held only while the
// structures that change in place are copied (their size grows with units,
// funds, dates and distinct beneficiaries, not with events); encoding and
// writing happen after it is released. It returns w's errors.
func (p *Projections) WriteCheckpoint(w io.Writer) (domain.Position, error) {
	info, err := p.writeCheckpoint(w)
	return info.Position, err
}

// CheckpointInfo describes a checkpoint written.
type CheckpointInfo struct {
	Position domain.Position
	Bytes    int64
	// LockHeld is how long the projections' read lock was held: how long
	// writes waited for read-your-writes, at most.
	LockHeld time.Duration
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(b []byte) (int, error) {
	n, err := c.w.Write(b)
	c.n += int64(n)
	return n, err
}

func (p *Projections) writeCheckpoint(w io.Writer) (CheckpointInfo, error) {
	start := time.Now()
	s := p.snapshot()
	info := CheckpointInfo{Position: s.pos, LockHeld: time.Since(start)}
	s.splitFunds()
	cw, err := newChunkWriter(w)
	if err == nil {
		err = cw.writeAll(encodeHead(&s))
	}
	if err == nil {
		err = writeTxs(cw, &s)
	}
	if err == nil {
		err = cw.chunk(nil)
	}
	if err != nil {
		return CheckpointInfo{}, fmt.Errorf("write checkpoint: %w", err)
	}
	return info, nil
}

// splitFunds turns each fund's running sums, copied under the lock, into
// the per-figure series a checkpoint stores and a comparison reads.
func (s *ckptSnapshot) splitFunds() {
	for i := range s.funds {
		fs := &s.funds[i]
		fs.amounts, fs.originals, fs.reversed, fs.reversals, fs.persons.count = splitSums(fs.sums)
	}
}

// snapshot copies, under the read lock, what writeCheckpoint encodes.
func (p *Projections) snapshot() ckptSnapshot {
	p.mu.RLock()
	defer p.mu.RUnlock()
	s := ckptSnapshot{pos: p.pos, lastID: p.lastID, lastHash: p.lastHash, prevPos: p.prevPos, actors: p.actorNames[:len(p.actorNames):len(p.actorNames)],
		units: make([]unitSnap, len(p.unitOrder)), funds: make([]fundSnap, len(p.fundOrder)), tokens: make([]tokenNode, len(p.tokenOrder))}
	unitIdx := make(map[*unitNode]int, len(p.unitOrder))
	for i, u := range p.unitOrder {
		unitIdx[u] = i
		s.units[i] = unitSnap{view: u.view, registered: u.registered, persons: snapPersons(u.persons)}
		if u.parent != nil {
			s.units[i].parent = unitIdx[u.parent] + 1
		}
	}
	for i, f := range p.fundOrder {
		fs := &s.funds[i]
		fs.info, fs.unit, fs.lastPos = f.info, unitIdx[f.unit], f.lastPos
		fs.opened, fs.openPos = f.opened, f.openPos
		fs.sums = entriesOf[lineSums](&f.sums)
		fs.txs = f.txs[:len(f.txs):len(f.txs)]
		s.n += len(f.txs)
	}
	for i, n := range p.tokenOrder {
		s.tokens[i] = *n
	}
	s.periods = p.snapPeriods()
	s.voids = p.snapVoids()
	s.history, s.historySum = p.historyState()
	return s
}

// encodeHead encodes everything of s but the transactions.
func encodeHead(s *ckptSnapshot) []byte {
	var e enc
	e.u(uint64(s.pos))
	e.id(s.lastID)
	e.str(s.lastHash)
	e.u(uint64(s.prevPos))
	e.str(string(s.history))
	e.strs(s.actors)
	e.u(uint64(len(s.units)))
	for i := range s.units {
		encodeUnit(&e, &s.units[i])
	}
	e.u(uint64(len(s.funds)))
	for i := range s.funds {
		encodeFund(&e, &s.funds[i])
	}
	e.u(uint64(len(s.tokens)))
	for i := range s.tokens {
		encodeToken(&e, &s.tokens[i])
	}
	encodePeriods(&e, s.periods)
	encodeVoids(&e, s.voids)
	e.u(uint64(s.n))
	return e.b
}

// ReadCheckpoint reads projections written by WriteCheckpoint. They are
// not ready (Run marks them so once caught up) and continue from the
// checkpoint's position. It returns ErrCheckpointFormat for a file that is
// not a checkpoint of this format version, ErrCheckpointCorrupt for one
// whose checksum does not match or that ends early, and r's errors.
func ReadCheckpoint(r io.Reader) (*Projections, error) {
	cr, err := newChunkReader(r)
	if err != nil {
		return nil, err
	}
	defer cr.close()
	d := &dec{src: cr}
	p := New()
	p.pos = domain.Position(d.u())
	p.lastID = d.id()
	p.lastHash = d.str()
	p.prevPos = domain.Position(d.u())
	if history := d.str(); d.err == nil {
		if err := p.setHistoryState([]byte(history)); err != nil {
			d.fail("history digest: %v", err)
		}
	}
	if d.err == nil && (p.prevPos >= p.pos && p.pos != 0 || p.pos == 0 && p.prevPos != 0) {
		d.fail("previous position %d, position %d", p.prevPos, p.pos)
	}
	p.actorNames = d.strs(maxCkptItems)
	for i, a := range p.actorNames {
		p.actors[a] = uint32(i)
	}

	for range d.count(maxCkptItems) {
		if p.readUnit(d); d.err != nil {
			return nil, d.err
		}
	}
	nf := d.count(maxCkptItems)
	fundTxs := make([]int, 0, nf)
	for range nf {
		n := p.readFund(d)
		if d.err != nil {
			return nil, d.err
		}
		fundTxs = append(fundTxs, n)
	}
	for range d.count(maxCkptItems) {
		p.readToken(d)
	}
	p.readPeriods(d)
	p.readVoids(d)
	if d.err != nil {
		return nil, d.err
	}

	if err := p.readTxs(d, fundTxs); err != nil {
		return nil, err
	}
	if d.ensure(1) {
		d.fail("data after the last transaction")
	}
	if d.err != nil {
		return nil, d.err
	}
	// The known_at index is not stored: it is rebuilt from the
	// transactions, in one pass (p is not shared yet).
	p.rebuildRecIndexes()
	return p, nil
}
