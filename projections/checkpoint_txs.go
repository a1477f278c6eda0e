package projections

import (
	"fmt"
	"runtime"
	"slices"
	"sync"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

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
		e.b = append(e.b, byte(t.typ), byte(t.kind), t.enum, t.flags)
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

// ckptSlab is how many txNodes the reader allocates at once.
const ckptSlab = 1 << 14

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
	p.deferBreakdown()
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
			t.typ, t.kind, t.enum, t.flags = txType(b[0]), countKind(b[1]), b[2], b[3]
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
		if int(t.typ) >= len(moneyTypes) || moneyTypes[t.typ] == "" || t.kind >= numKinds || t.enum > enumLimit(t.typ) || t.flags&^knownFlags != 0 {
			d.fail("transaction %s of type %d kind %d enum %d flags %#x", t.id, t.typ, t.kind, t.enum, t.flags)
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
