package projections

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"slices"
	"sort"
	"sync"
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
	periods    []periodNode
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
	s.periods = p.snapPeriods()
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
	encodePeriods(&e, s.periods)
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

func encodeVNDSeries(e *enc, s []vndEntry) {
	e.u(uint64(len(s)))
	var prev domain.Date
	for _, x := range s {
		e.u(uint64(x.d - prev))
		e.str(x.v.String())
		prev = x.d
	}
}

func encodeCountSeries(e *enc, s []countEntry) {
	e.u(uint64(len(s)))
	var prev domain.Date
	for _, x := range s {
		e.u(uint64(x.d - prev))
		e.i(int64(x.v))
		prev = x.d
	}
}

func encodePersons(e *enc, x *personsSnap) {
	encodeCountSeries(e, x.count)
}

// writeTxs writes the transactions of s in log order, merging the funds'
// lists (each in log order) by position.
func writeTxs(cw *chunkWriter, s *ckptSnapshot) error {
	type cursor struct {
		txs  []*txNode
		fund int
	}
	h := make([]cursor, 0, len(s.funds))
	for i, f := range s.funds {
		if len(f.txs) > 0 {
			h = append(h, cursor{f.txs, i})
		}
	}
	less := func(a, b int) bool { return h[a].txs[0].pos < h[b].txs[0].pos }
	down := func(i int) {
		for {
			l := 2*i + 1
			if l >= len(h) {
				return
			}
			m := l
			if r := l + 1; r < len(h) && less(r, l) {
				m = r
			}
			if !less(m, i) {
				return
			}
			h[i], h[m] = h[m], h[i]
			i = m
		}
	}
	for i := len(h)/2 - 1; i >= 0; i-- {
		down(i)
	}
	benefIdx := map[*beneficiaryTxs]uint64{}
	// e holds the records of the current chunk, count of them, after
	// benefsBefore beneficiaries were named in earlier chunks.
	var e, head enc
	var prevPos domain.Position
	var prevRec int64
	count, benefsBefore := 0, 0
	flush := func() error {
		head.b = head.b[:0]
		head.u(uint64(count))
		head.u(uint64(benefsBefore))
		head.b = append(head.b, e.b...)
		e.b = e.b[:0]
		count, benefsBefore = 0, len(benefIdx)
		prevPos, prevRec = 0, 0
		return cw.chunk(head.b)
	}
	for len(h) > 0 {
		t := h[0].txs[0]
		e.u(uint64(h[0].fund))
		if h[0].txs = h[0].txs[1:]; len(h[0].txs) == 0 {
			h[0] = h[len(h)-1]
			h = h[:len(h)-1]
		}
		down(0)

		e.id(t.id)
		e.u(uint64(t.pos - prevPos))
		e.i(t.amt)
		e.i(t.recNanos - prevRec)
		prevPos, prevRec = t.pos, t.recNanos
		e.u(uint64(t.actor))
		e.i(int64(t.date))
		e.i(int64(t.due))
		e.b = append(e.b, t.typ, uint8(t.kind), t.enum, t.flags)
		if t.benef == nil {
			e.u(0)
		} else if k, ok := benefIdx[t.benef]; ok {
			e.u(k)
		} else {
			k = uint64(len(benefIdx) + 1)
			benefIdx[t.benef] = k
			e.u(k)
			e.str(string(t.benef.id))
		}
		if t.typ == typReversal {
			// A reversal's link is its original, set when it was
			// applied, earlier in the same fund.
			e.u(uint64(t.pos - t.link.pos))
		}
		e.str(t.text)
		count++
		if len(e.b) >= chunkSize {
			if err := flush(); err != nil {
				return err
			}
		}
	}
	if count > 0 {
		return flush()
	}
	return nil
}

// ckptLoadHeapPerByte bounds the memory a load may allocate before the
// collector runs, per byte of checkpoint file: a load of 10 M events
// allocates ~4.5 bytes per byte of its file (the projections and the
// scratch of their rebuilding), so this leaves room, and a limit only
// makes the collector work, it never fails the load.
const ckptLoadHeapPerByte = 8

// ckptLoadHeapMin is the least room a load's memory limit leaves: a small
// checkpoint still allocates its reader's buffers.
const ckptLoadHeapMin = 64 << 20

// collectorOff turns the garbage collector off for the load of a
// checkpoint file of size bytes, with a memory limit of what the heap
// holds now plus ckptLoadHeapPerByte per byte of it, at least
// ckptLoadHeapMin (or the limit already set, if lower). The function it
// returns restores both settings.
func collectorOff(size int64) (restore func()) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	limit := debug.SetMemoryLimit(-1)
	if guard := int64(ms.Sys) + max(ckptLoadHeapPerByte*size, ckptLoadHeapMin); guard < limit {
		debug.SetMemoryLimit(guard)
	}
	gc := debug.SetGCPercent(-1)
	return func() {
		debug.SetGCPercent(gc)
		debug.SetMemoryLimit(limit)
	}
}

// ckptSlab is how many txNodes the reader allocates at once.
const ckptSlab = 1 << 14

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
	p.readPeriods(d)
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

// readTxs reads the transactions, in log order, and rebuilds what Apply
// derives from them: each fund's list, loans and reversal records, the
// reversal links, the beneficiaries' lists and the index by id. The chunks
// of transactions are decoded on every core (txChunks.decode); what depends
// on the transactions before (beneficiaries, links, loans, the funds'
// lists) is then done in log order, chunk by chunk, as they come.
func (p *Projections) readTxs(d *dec, fundTxs []int) error {
	n := d.count(maxCkptItems)
	total := 0
	for _, k := range fundTxs {
		total += k
	}
	if d.err == nil && n != total {
		d.fail("%d transactions, the funds list %d", n, total)
	}
	if d.err == nil && !d.atChunkEnd() {
		d.fail("the transactions do not start a chunk")
	}
	if d.err != nil {
		return d.err
	}
	tc := &txChunks{p: p, slabs: newTxSlabs(n), bidx: make([]uint32, n), keys: make([]idKey, n)}

	// One goroutine hands out the verified chunks to the decoders, in
	// order, and passes them on to this one in the same order.
	stop := make(chan struct{})
	jobs := make(chan *txChunk)
	order := make(chan *txChunk, 2*runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	defer func() {
		close(stop)
		wg.Wait()
	}()
	wg.Go(func() {
		defer close(order)
		defer close(jobs)
		for next := 0; next < n; {
			c := &txChunk{done: make(chan error, 1)}
			c.data, c.err = d.src.next()
			if c.err == nil {
				c.err = tc.header(c, next, n)
			}
			select {
			case order <- c:
			case <-stop:
				return
			}
			if c.err != nil {
				return
			}
			select {
			case jobs <- c:
			case <-stop:
				return
			}
			next += c.count
		}
	})
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			var scratch textScratch
			for c := range jobs {
				c.done <- tc.decode(c, &scratch)
				d.src.recycle(c.data)
			}
		})
	}

	var benefs []*beneficiaryTxs
	for c := range order {
		if c.err != nil {
			return c.err
		}
		if err := <-c.done; err != nil {
			return err
		}
		if c.benefsBefore != len(benefs) {
			d.fail("a chunk after %d beneficiaries, %d named before it", c.benefsBefore, len(benefs))
			return d.err
		}
		for _, id := range c.named {
			bt := &beneficiaryTxs{id: domain.BeneficiaryID(id)}
			if _, dup := p.benef[bt.id]; dup {
				d.fail("beneficiary %q named twice", id)
				return d.err
			}
			p.benef[bt.id] = bt
			benefs = append(benefs, bt)
		}
		revs := c.origins
		for i := c.first; i < c.first+c.count; i++ {
			t := tc.slabs.node(uint32(i))
			if bi := tc.bidx[i]; bi > 0 {
				t.benef = benefs[bi-1]
				if t.typ == typReversal {
					tc.bidx[i] = 0 // not in the beneficiary's list
				}
			}
			var origPos domain.Position
			if t.typ == typReversal {
				origPos, revs = revs[0], revs[1:]
			}
			f := t.fund
			f.txs = append(f.txs, t)
			if err := relink(f, t, origPos); err != nil {
				d.fail("%v", err)
				return d.err
			}
		}
	}
	for i, f := range p.fundOrder {
		if len(f.txs) != fundTxs[i] {
			d.fail("fund %s has %d transactions, want %d", f.info.FundID, len(f.txs), fundTxs[i])
			return d.err
		}
	}

	// The index by id and the beneficiaries' lists and person indexes
	// are independent: build them side by side.
	indexed := make(chan error, 1)
	go func() { indexed <- p.frozen.add(tc.keys, tc.slabs.node) }()
	p.fillBeneficiaries(benefs, tc.slabs, tc.bidx)
	p.rebuildPeople(benefs)
	if err := <-indexed; err != nil {
		d.fail("%v", err)
		return d.err
	}
	return nil
}

// txChunks is what the decoders of the chunks of transactions share.
type txChunks struct {
	p     *Projections
	slabs txSlabs // the transactions, in log order
	// bidx[i] is the beneficiary of the i-th transaction (index in the
	// order they are named + 1; 0 for none) and keys[i] its id; each
	// decoder writes those of its chunk's transactions.
	bidx []uint32
	keys []idKey
}

// txChunk is one chunk of transactions: count of them from the first-th,
// after benefsBefore beneficiaries were named; the decoder fills named
// (the beneficiaries its transactions name first) and origins (each
// reversal's original's position, in order).
type txChunk struct {
	data                       []byte
	first, count, benefsBefore int
	named                      []string
	origins                    []domain.Position
	err                        error
	done                       chan error
	// body is where the records start in data.
	body int
}

// header reads the counts at the start of c, the chunk after first of n
// transactions.
func (tc *txChunks) header(c *txChunk, first, n int) error {
	if c.data == nil {
		return fmt.Errorf("%d transactions of %d: %w", first, n, ErrCheckpointCorrupt)
	}
	h := &dec{buf: c.data, done: true}
	c.first = first
	c.count = h.count(n - first)
	c.benefsBefore = h.count(maxCkptItems)
	if h.err == nil && c.count == 0 {
		h.fail("a chunk of no transactions")
	}
	c.body = h.off
	return h.err
}

// textScratch is a decoder's buffers for the texts of a chunk.
type textScratch struct {
	texts []byte
	ends  []int32
}

// decode decodes the transactions of c into their txNodes.
func (tc *txChunks) decode(c *txChunk, scratch *textScratch) error {
	p := tc.p
	d := &dec{buf: c.data[c.body:], done: true}
	// The texts of the chunk share one string: one allocation, not one
	// per transaction.
	texts := scratch.texts[:0]
	ends := slices.Grow(scratch.ends[:0], c.count)[:c.count]
	defer func() { scratch.texts, scratch.ends = texts, ends }()
	var pos domain.Position
	var rec int64
	named := c.benefsBefore // beneficiaries named so far
	for k := range c.count {
		i := c.first + k
		t := tc.slabs.node(uint32(i))
		t.fund = p.fundOrder[d.count(len(p.fundOrder)-1)]
		t.id = d.id()
		pos += domain.Position(d.u())
		t.pos = pos
		t.amt = d.i()
		rec += d.i()
		t.recNanos = rec
		t.actor = uint32(d.count(len(p.actorNames) - 1))
		t.date = domain.Date(d.date())
		t.due = domain.Date(d.date())
		if b := d.bytes(4); b != nil {
			t.typ, t.kind, t.enum, t.flags = b[0], countKind(b[1]), b[2], b[3]
		}
		bi := d.count(named + 1)
		if bi == named+1 {
			c.named = append(c.named, d.str())
			named++
		}
		tc.bidx[i] = uint32(bi)
		if t.typ == typReversal {
			c.origins = append(c.origins, t.pos-domain.Position(d.u()))
		}
		texts = append(texts, d.bytes(d.count(maxCkptChunk))...)
		ends[k] = int32(len(texts))
		tc.keys[i] = keyOf(t, i)
		if d.err != nil {
			return d.err
		}
		if int(t.typ) >= len(moneyTypes) || t.kind >= numKinds {
			d.fail("transaction %s of type %d kind %d", t.id, t.typ, t.kind)
			return d.err
		}
	}
	if !d.atChunkEnd() {
		d.fail("data after the chunk's transactions")
		return d.err
	}
	all := string(texts)
	start := int32(0)
	for k, end := range ends {
		if end > start {
			tc.slabs.node(uint32(c.first + k)).text = all[start:end]
		}
		start = end
	}
	return nil
}

// fillBeneficiaries fills the beneficiaries' lists (sized first: appending
// to half a million growing lists was a fifth of a load); bidx[i] is the
// i-th transaction's beneficiary (index in benefs + 1) when it goes in the
// list, else 0.
func (p *Projections) fillBeneficiaries(benefs []*beneficiaryTxs, slabs txSlabs, bidx []uint32) {
	lens := make([]int32, len(benefs)+1)
	for _, bi := range bidx {
		lens[bi]++
	}
	for i, bt := range benefs {
		bt.txs = make([]*txNode, 0, lens[i+1])
	}
	for i, bi := range bidx {
		if bi > 0 {
			bt := benefs[bi-1]
			bt.txs = append(bt.txs, slabs.node(uint32(i)))
		}
	}
}

// relink rebuilds, for t just read and appended to f's list, the loan
// state and reversal links that applyMoney and applyReversal keep; a
// reversal's original is the transaction of f at origPos.
func relink(f *fundNode, t *txNode, origPos domain.Position) error {
	switch t.typ {
	case 3: // LoanDisbursed
		f.loans[*t.loanID()] = &loanState{loan: t}
	case 4: // LoanRepaid
		id := t.loanID()
		if id == nil {
			return fmt.Errorf("repayment %s without a loan id", t.id)
		}
		if l, ok := f.loans[*id]; ok {
			l.repaid = l.repaid.Add(t.amount())
		}
	case typReversal:
		i := sort.Search(len(f.txs), func(i int) bool { return f.txs[i].pos >= origPos })
		if i == len(f.txs) || f.txs[i].pos != origPos || f.txs[i].link != nil || f.txs[i].typ == typReversal {
			return fmt.Errorf("reversal %s of the transaction at %d", t.id, origPos)
		}
		orig := f.txs[i]
		t.link, orig.link = orig, t
		f.addRev(reversalRec{kind: orig.kind, orig: orig.date, revDate: t.date})
		if orig.kind == kRepayment {
			if l, ok := f.loans[*orig.loanID()]; ok {
				l.repaid = l.repaid.Sub(t.amount())
			}
		}
	}
	return nil
}

func decodeTime(d *dec) time.Time {
	var t time.Time
	if err := t.UnmarshalBinary([]byte(d.str())); err != nil && d.err == nil {
		d.fail("time: %v", err)
	}
	return t
}

func decodeVNDSeries(d *dec, s *domain.DailySeries) {
	n := d.count(maxCkptItems)
	var date domain.Date
	var prev domain.VND
	for range n {
		date += domain.Date(d.u())
		v, err := domain.ParseVND(d.str())
		if err != nil {
			d.fail("series value: %v", err)
		}
		if d.err != nil {
			return
		}
		s.Add(date, v.Sub(prev))
		prev = v
	}
}

func decodeCountSeries(d *dec, s *countSeries) {
	n := d.count(maxCkptItems)
	var date domain.Date
	var prev count
	for range n {
		date += domain.Date(d.u())
		v := count(d.i())
		if d.err != nil {
			return
		}
		s.Add(date, v-prev)
		prev = v
	}
}

// rebuildPeople rebuilds the period index of every person index (the
// spans are read from the beneficiaries' lists and need no rebuilding):
// each grant or loan, in its fund's index and its unit's and every
// ancestor's, with the date of the same person's previous grant in that
// index, and each reversed one with its reversal's date. Each core
// gathers a share of the beneficiaries, then each index is sorted on
// whichever core is free.
func (p *Projections) rebuildPeople(benefs []*beneficiaryTxs) {
	indexes := make([]*personIndex, 0, len(p.unitOrder)+len(p.fundOrder))
	for _, u := range p.unitOrder {
		u.persons.ord = uint32(len(indexes))
		indexes = append(indexes, u.persons)
	}
	for _, f := range p.fundOrder {
		f.persons.ord = uint32(len(indexes))
		indexes = append(indexes, f.persons)
	}
	shares := make([]periodParts, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i := range shares {
		lo, hi := len(benefs)*i/len(shares), len(benefs)*(i+1)/len(shares)
		wg.Go(func() { shares[i] = gatherPeriods(benefs[lo:hi], len(indexes)) })
	}
	wg.Wait()
	work := make(chan int)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			var ps pointSorter
			for o := range work {
				r := 0
				for _, sh := range shares {
					r += len(sh.revs[o])
				}
				points, revs := ps.points[:0], make([]revGrant, 0, r)
				for _, sh := range shares {
					points, revs = append(points, sh.points[o]...), append(revs, sh.revs[o]...)
				}
				ps.points = points
				indexes[o].setPeriods(ps.sort(), revs)
			}
		})
	}
	for o := range indexes {
		work <- o
	}
	close(work)
	wg.Wait()
}

// pointSorter sorts the grants of a person index as setPeriods takes
// them, date<<32 | previous date, reusing its buffers from one index to
// the next.
type pointSorter struct {
	points, tmp []uint64
	counts      []int32
}

// Bounds of pointSorter's counting sort: below minCountingSort grants,
// or with dates (as YYYYMMDD numbers) spread over more than
// maxCountingSpan, it calls slices.Sort.
const (
	minCountingSort = 1 << 10
	maxCountingSpan = 1 << 20
)

// sort sorts s.points and returns them. The dates of an index's grants
// span a few thousand days: two stable counting passes, by previous date
// then by date, cost a few operations per grant where a comparison sort
// costs log n comparisons (a tenth of a load for the root unit's millions
// of grants).
func (s *pointSorter) sort() []uint64 {
	points := s.points
	if len(points) < minCountingSort {
		slices.Sort(points)
		return points
	}
	lo, hi := uint32(math.MaxUint32), uint32(0)
	for _, pt := range points {
		d := uint32(pt >> 32)
		lo, hi = min(lo, d), max(hi, d)
		if p := uint32(pt); p != 0 {
			lo, hi = min(lo, p), max(hi, p)
		}
	}
	if hi-lo >= maxCountingSpan {
		slices.Sort(points)
		return points
	}
	// Keys: a date d is d-lo, a previous date p is 0 for none, else p-lo+1.
	buckets := int(hi-lo) + 2
	s.tmp = slices.Grow(s.tmp[:0], len(points))[:len(points)]
	s.counts = slices.Grow(s.counts[:0], buckets+1)[:buckets+1]
	prevKey := func(pt uint64) int {
		if p := uint32(pt); p != 0 {
			return int(p-lo) + 1
		}
		return 0
	}
	dateKey := func(pt uint64) int { return int(uint32(pt>>32) - lo) }
	for _, pass := range []struct {
		key      func(uint64) int
		src, dst []uint64
	}{{prevKey, points, s.tmp}, {dateKey, s.tmp, points}} {
		c := s.counts
		clear(c)
		for _, pt := range pass.src {
			c[pass.key(pt)+1]++
		}
		for i := 1; i < len(c); i++ {
			c[i] += c[i-1]
		}
		for _, pt := range pass.src {
			k := pass.key(pt)
			pass.dst[c[k]] = pt
			c[k]++
		}
	}
	return points
}

// periodParts is what gatherPeriods finds, per person index (by its
// number): the grants as setPeriods takes them, and the reversed grants.
type periodParts struct {
	points [][]uint64
	revs   [][]revGrant
}

// gatherPeriods returns the grants and reversed grants of benefs, per
// person index (of the indexes numbered from 0 to indexes-1 by their ord).
func gatherPeriods(benefs []*beneficiaryTxs, indexes int) periodParts {
	parts := periodParts{points: make([][]uint64, indexes), revs: make([][]revGrant, indexes)}
	// mine holds the current person's grants as index<<32 | date: sorted,
	// each index's grants are together and in date order.
	var mine []uint64
	for _, bt := range benefs {
		mine = mine[:0]
		for _, t := range bt.txs {
			if !t.helps() {
				continue
			}
			// The grant counts in its fund's index and in those of
			// the fund's unit and every ancestor: in their period
			// indexes while it is not reversed, in their reversed
			// grants once it is.
			x, u := t.fund.persons, t.fund.unit
			for x != nil {
				if t.link == nil {
					mine = append(mine, uint64(x.ord)<<32|uint64(uint32(t.date)))
				} else {
					parts.revs[x.ord] = append(parts.revs[x.ord], revGrant{start: t.date, end: t.link.date, b: bt})
				}
				x = nil
				if u != nil {
					x, u = u.persons, u.parent
				}
			}
		}
		slices.Sort(mine)
		last, prev := uint32(math.MaxUint32), uint32(0)
		for _, m := range mine {
			o, d := uint32(m>>32), uint32(m)
			if o != last {
				last, prev = o, 0
			}
			parts.points[o] = append(parts.points[o], uint64(d)<<32|uint64(prev))
			prev = d
		}
	}
	return parts
}

// WriteCheckpointFile writes a checkpoint of p to path atomically: to a
// temporary file in the same directory, synced, renamed over path, and the
// directory synced, so that path is always either the previous checkpoint
// or the new one, whole.
func WriteCheckpointFile(p *Projections, path string) (CheckpointInfo, error) {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, filepath.Base(ckptTempPattern(path)))
	if err != nil {
		return CheckpointInfo{}, fmt.Errorf("write checkpoint: %w", err)
	}
	tmp := f.Name()
	fail := func(err error) (CheckpointInfo, error) {
		f.Close()
		os.Remove(tmp)
		return CheckpointInfo{}, fmt.Errorf("write checkpoint %s: %w", path, err)
	}
	cw := &countingWriter{w: f}
	bw := bufio.NewWriterSize(cw, 1<<20)
	info, err := p.writeCheckpoint(bw)
	if err != nil {
		return fail(err)
	}
	if err := bw.Flush(); err != nil {
		return fail(err)
	}
	info.Bytes = cw.n
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return CheckpointInfo{}, fmt.Errorf("write checkpoint %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return CheckpointInfo{}, fmt.Errorf("write checkpoint %s: %w", path, err)
	}
	if d, err := os.Open(dir); err == nil {
		err = d.Sync()
		d.Close()
		if err != nil {
			return CheckpointInfo{}, fmt.Errorf("write checkpoint %s: sync directory: %w", path, err)
		}
	}
	return info, nil
}

// ckptTempPattern is the pattern of the temporary files of the checkpoint
// at path.
func ckptTempPattern(path string) string {
	return filepath.Join(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
}

// Load returns the projections of the checkpoint at path when it can be
// used with store's log, and otherwise empty projections, logging why: no
// file, an unknown format version, a checksum that does not match. Run
// then catches up from whichever position the projections hold.
//
// A log that does not hold, at the checkpoint's position, the event the
// checkpoint was taken after (a log that lost its newest events, a
// restored older backup, another ledger's log) is not replayed over: that
// checkpoint is the evidence of history the service recorded and the log
// no longer has. Load returns a *HistoryError (ErrHistoryMissing) for it
// and leaves the file as it is; the caller refuses to start, or sets the
// file aside (SetAsideCheckpoint) on the operator's word. Its other
// errors are store errors.
func Load(ctx context.Context, store domain.EventStore, path string, log *slog.Logger) (*Projections, error) {
	start := time.Now()
	// A process killed while writing a checkpoint leaves its temporary
	// file behind.
	if stale, err := filepath.Glob(ckptTempPattern(path)); err == nil {
		for _, f := range stale {
			os.Remove(f)
		}
	}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		log.Info("no projections checkpoint: replaying the log from the start", "path", path)
		return New(), nil
	}
	if err != nil {
		log.Warn("projections checkpoint unreadable: replaying the log from the start", "path", path, "err", err)
		return New(), nil
	}
	// A load allocates the whole heap of the projections at once and
	// keeps nearly all of it: a collection during it only rescans what
	// stays alive (a fifth of a load's time at GOGC=100). So the
	// collector is off while it reads, with a memory limit as the guard
	// against a file that takes far more memory than checkpoints do.
	restore := func() {}
	if fi, err := f.Stat(); err == nil {
		restore = collectorOff(fi.Size())
	}
	p, err := ReadCheckpoint(bufio.NewReaderSize(f, 1<<20))
	restore()
	f.Close()
	if err != nil {
		log.Warn("projections checkpoint unusable: replaying the log from the start", "path", path, "err", err)
		return New(), nil
	}
	if err := p.checkTail(ctx, store); err != nil {
		return nil, fmt.Errorf("check projections checkpoint %s: %w", path, err)
	}
	log.Info(fmt.Sprintf("loaded checkpoint at position %d", p.pos), "path", path, "took", time.Since(start).Round(time.Millisecond))
	return p, nil
}

// Checkpointer writes checkpoints of projections while they are served.
type Checkpointer struct {
	p         *Projections
	path      string
	minEvents uint64
	log       *slog.Logger

	mu      sync.Mutex // one write at a time
	pos     domain.Position
	applied uint64
}

// NewCheckpointer returns a checkpointer of p to path that writes when at
// least minEvents events have been applied since the last checkpoint (or
// since p was loaded, whose position counts as written).
func NewCheckpointer(p *Projections, path string, minEvents uint64, log *slog.Logger) *Checkpointer {
	pos, applied := p.progress()
	return &Checkpointer{p: p, path: path, minEvents: minEvents, log: log, pos: pos, applied: applied}
}

// progress returns the position and the number of events applied since
// New or ReadCheckpoint.
func (p *Projections) progress() (domain.Position, uint64) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	return p.pos, p.applied
}

// Run checks every interval whether minEvents have been applied since the
// last checkpoint and writes one if so, until ctx is done; it waits until
// the projections are ready (caught up). A failed write
// is logged and tried again at the next check.
func (c *Checkpointer) Run(ctx context.Context, interval time.Duration) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		// Not during the catch-up of a start: it would slow it down, and
		// the first check after it writes the checkpoint.
		if !c.p.Ready() {
			continue
		}
		if _, applied := c.p.progress(); applied-c.lastApplied() >= c.minEvents {
			if err := c.Save(); err != nil {
				c.log.Error("projections checkpoint failed", "err", err)
			}
		}
	}
}

func (c *Checkpointer) lastApplied() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.applied
}

// Save writes a checkpoint now, unless the projections have not moved
// since the last one (for the final checkpoint of a graceful shutdown).
func (c *Checkpointer) Save() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	pos, applied := c.p.progress()
	if pos == c.pos {
		return nil
	}
	start := time.Now()
	info, err := WriteCheckpointFile(c.p, c.path)
	if err != nil {
		return err
	}
	c.log.Info("wrote projections checkpoint", "position", uint64(info.Position), "path", c.path, "bytes", info.Bytes,
		"took", time.Since(start).Round(time.Millisecond), "read_lock_held", info.LockHeld.Round(time.Microsecond))
	c.pos, c.applied = info.Position, applied
	return nil
}
