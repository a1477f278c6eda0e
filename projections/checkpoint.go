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
// serves within 15 s of start). Writing one holds the read lock only to
// copy what later events change in place (units, funds, their date series,
// the person indexes' count series, tokens) and the lengths of the lists
// that only grow (each fund's transactions, the actor names); everything is
// encoded after the lock is released. The person indexes' period
// indexes are not written: the reader rebuilds them from the transactions
// (their spans are read from the beneficiaries' grants, never stored). A fund's running sums are written as the separate series
// of format 2 (one per amount, count and reversal count) and merged back
// on load. A txNode never
// changes once applied except the link of an original that a later
// reversal sets, and the writer never reads that field: a reversal names
// its original (by position), and the reader links both ways.
//
// Loans, reversal records, the beneficiaries' lists and the index by id
// are not written; the reader rebuilds them from the transactions, which
// are written in log order (a merge of the funds' lists by position), as
// Apply does.

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
	n          int // the number of transactions
}

type unitSnap struct {
	view       Unit
	registered time.Time
	parent     int // index in units + 1, 0 for none
	persons    personsSnap
}

type fundSnap struct {
	info    FundSummary
	unit    int
	lastPos domain.Position
	opened  time.Time
	openPos domain.Position
	// sums are copied under the lock, then split into the series
	// below.
	sums      []sumsEntry
	amounts   [numCats][]vndEntry
	originals [numKinds][]countEntry
	reversed  [numKinds][]countEntry
	reversals []countEntry
	persons   personsSnap
	txs       []*txNode
}

// entry is one date of a running series: its value at the end of that
// date. Snapshots copy series into entries under the lock; checkpoints and
// the audit comparison read them.
type entry[V any] struct {
	d domain.Date
	v V
}

type (
	vndEntry   = entry[domain.VND]
	countEntry = entry[count]
)

// datedSeries is a running series by date: a domain.Series, a sumsSeries.
type datedSeries[V any] interface {
	Len() int
	Entry(i int) (domain.Date, V)
}

// entriesOf copies the entries of s.
func entriesOf[V any](s datedSeries[V]) []entry[V] {
	out := make([]entry[V], s.Len())
	for i := range out {
		out[i].d, out[i].v = s.Entry(i)
	}
	return out
}

// personsSnap is a person index's count series, copied. Its period index
// is not written: it is rebuilt from the transactions on load (a grant or
// loan counts its beneficiary from its date until its reversal's date),
// so that writing never copies millions of entries under the lock.
type personsSnap struct {
	count []countEntry
}

func snapPersons(x *personIndex) personsSnap {
	return personsSnap{count: entriesOf[count](&x.count)}
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
	for _, u := range s.units {
		e.str(string(u.view.ID))
		e.str(u.view.Name)
		e.str(string(u.view.ParentID))
		encodeTime(&e, u.registered)
		e.u(uint64(u.parent))
		encodePersons(&e, &u.persons)
	}
	e.u(uint64(len(s.funds)))
	for _, f := range s.funds {
		e.id(f.info.FundID)
		e.u(uint64(f.unit))
		e.str(f.info.Name)
		e.str(string(f.info.Kind))
		e.i(int64(f.info.OpenedOn))
		e.u(uint64(f.lastPos))
		encodeTime(&e, f.opened)
		e.u(uint64(f.openPos))
		for c := range f.amounts {
			encodeVNDSeries(&e, f.amounts[c])
		}
		for k := range f.originals {
			encodeCountSeries(&e, f.originals[k])
		}
		for k := range f.reversed {
			encodeCountSeries(&e, f.reversed[k])
		}
		encodeCountSeries(&e, f.reversals)
		encodePersons(&e, &f.persons)
		e.u(uint64(len(f.txs)))
	}
	e.u(uint64(len(s.tokens)))
	for _, n := range s.tokens {
		t := n.view
		e.id(t.TokenID)
		e.str(string(t.Role))
		e.bool1(t.UnitID != nil)
		if t.UnitID != nil {
			e.str(string(*t.UnitID))
		}
		e.str(t.Name)
		encodeTime(&e, t.CreatedAt)
		e.bool1(t.Revoked)
		e.bool1(t.RevokedAt != nil)
		if t.RevokedAt != nil {
			encodeTime(&e, *t.RevokedAt)
		}
		e.str(n.hash)
	}
	e.u(uint64(s.n))
	return e.b
}

func encodeTime(e *enc, t time.Time) {
	b, err := t.MarshalBinary()
	if err != nil {
		// Only a zone offset that is not a whole minute fails, which
		// recorded_at (RFC 3339 in the log) cannot have.
		panic(fmt.Sprintf("checkpoint: encode time %v: %v", t, err))
	}
	e.str(string(b))
}

func encodePersons(e *enc, x *personsSnap) {
	encodeCountSeries(e, x.count)
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

	nu := d.count(maxCkptItems)
	for range nu {
		id, name, parentID := domain.UnitID(d.str()), d.str(), domain.UnitID(d.str())
		n := &unitNode{view: Unit{ID: id, Name: name, ParentID: parentID}, registered: decodeTime(d)}
		if pi := d.count(len(p.unitOrder)); pi > 0 {
			n.parent = p.unitOrder[pi-1]
			n.parent.children = append(n.parent.children, n)
			n.view.Path = append(append([]domain.UnitID{}, n.parent.view.Path...), id)
		} else {
			n.view.Path = []domain.UnitID{id}
		}
		n.persons = newPersonIndex(nil, n)
		decodeCountSeries(d, &n.persons.count)
		p.units[id] = n
		p.unitOrder = append(p.unitOrder, n)
		if d.err != nil {
			return nil, d.err
		}
	}

	nf := d.count(maxCkptItems)
	fundTxs := make([]int, 0, nf)
	for range nf {
		f := &fundNode{info: FundSummary{FundID: d.id()}, loans: map[uuid.UUID]*loanState{}}
		ui := d.count(len(p.unitOrder) - 1)
		if d.err != nil {
			return nil, d.err
		}
		f.unit = p.unitOrder[ui]
		f.info.UnitID = f.unit.view.ID
		f.info.Name = d.str()
		f.info.Kind = domain.FundKind(d.str())
		f.info.OpenedOn = domain.Date(d.date())
		f.lastPos = domain.Position(d.u())
		f.opened = decodeTime(d)
		f.openPos = domain.Position(d.u())
		var amounts [numCats]domain.DailySeries
		var originals, reversed [numKinds]countSeries
		var reversals countSeries
		for c := range amounts {
			decodeVNDSeries(d, &amounts[c])
		}
		for k := range originals {
			decodeCountSeries(d, &originals[k])
		}
		for k := range reversed {
			decodeCountSeries(d, &reversed[k])
		}
		decodeCountSeries(d, &reversals) // the sum of reversed's
		f.sums = mergeSums(&amounts, &originals)
		revd := mergeRevd(&reversed)
		f.persons = newPersonIndex(f, nil)
		var persons countSeries
		decodeCountSeries(d, &persons)
		f.sums.setFromSeries(&persons, &revd)
		n := d.count(maxCkptItems)
		f.txs = make([]*txNode, 0, n)
		fundTxs = append(fundTxs, n)
		p.funds[f.info.FundID] = f
		p.fundOrder = append(p.fundOrder, f)
		f.unit.addFund(f)
		if d.err != nil {
			return nil, d.err
		}
	}

	nt := d.count(maxCkptItems)
	for range nt {
		n := &tokenNode{}
		n.view.TokenID = d.id()
		n.view.Role = domain.Role(d.str())
		if d.bool1() {
			u := domain.UnitID(d.str())
			n.view.UnitID = &u
		}
		n.view.Name = d.str()
		n.view.CreatedAt = decodeTime(d)
		n.view.Revoked = d.bool1()
		if d.bool1() {
			at := decodeTime(d)
			n.view.RevokedAt = &at
		}
		n.hash = d.str()
		p.tokens[n.view.TokenID] = n
		p.tokenOrder = append(p.tokenOrder, n)
	}
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

func decodeTime(d *dec) time.Time {
	var t time.Time
	if err := t.UnmarshalBinary([]byte(d.str())); err != nil && d.err == nil {
		d.fail("time: %v", err)
	}
	return t
}
