package projections

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"fmt"
	"slices"
	"sync"

	"github.com/google/uuid"
)

// frozenTxs finds by id the transactions applied before the last freeze
// (a checkpoint load, the end of a start's catch-up); a reversal names
// its original by id. A Go map of ten million ids costs ~40 bytes and a
// cache miss per transaction to build; this is a pointer each, sorted by
// id with a radix sort (ids come in any order: UUIDv7 ids are
// time-ordered but writers race, and ids a client chose may be random).
// Transactions applied since are in Projections.txs.
type frozenTxs struct {
	byID []*txNode
}

// find returns the frozen transaction with the given id.
func (x *frozenTxs) find(id uuid.UUID) (*txNode, bool) {
	i, found := slices.BinarySearchFunc(x.byID, id, func(t *txNode, id uuid.UUID) int {
		return bytes.Compare(t.id[:], id[:])
	})
	if !found {
		return nil, false
	}
	return x.byID[i], true
}

// idKey is a transaction's number with the first half of its id, so that
// sorting compares in place and reads the transaction only on a tie.
type idKey struct {
	hi uint64
	i  uint32
}

func keyOf(t *txNode, i int) idKey {
	return idKey{hi: binary.BigEndian.Uint64(t.id[:8]), i: uint32(i)}
}

// add freezes the transactions numbered in keys (node returns them), of
// ids not frozen yet: each half sorted on its own core, then merged, and
// merged with those frozen before. It fails when two have the same id,
// which a log cannot hold.
func (x *frozenTxs) add(keys []idKey, node func(i uint32) *txNode) error {
	cmpKeys := func(a, b idKey) int {
		if c := cmp.Compare(a.hi, b.hi); c != 0 {
			return c
		}
		return bytes.Compare(node(a.i).id[8:], node(b.i).id[8:])
	}
	lo, hi := keys[:len(keys)/2], keys[len(keys)/2:]
	var wg sync.WaitGroup
	wg.Go(func() { sortKeys(lo, cmpKeys) })
	sortKeys(hi, cmpKeys)
	wg.Wait()
	added := make([]*txNode, 0, len(keys))
	for len(lo) > 0 || len(hi) > 0 {
		var k idKey
		if len(hi) == 0 || len(lo) > 0 && cmpKeys(lo[0], hi[0]) < 0 {
			k, lo = lo[0], lo[1:]
		} else {
			k, hi = hi[0], hi[1:]
		}
		added = append(added, node(k.i))
	}
	if len(x.byID) > 0 {
		added = mergeByID(x.byID, added)
	}
	for i := 1; i < len(added); i++ {
		if added[i-1].id == added[i].id {
			return fmt.Errorf("two transactions with the id %s", added[i].id)
		}
	}
	x.byID = added
	return nil
}

// mergeByID merges two lists of transactions sorted by id.
func mergeByID(a, b []*txNode) []*txNode {
	out := make([]*txNode, 0, len(a)+len(b))
	for len(a) > 0 && len(b) > 0 {
		if bytes.Compare(a[0].id[:], b[0].id[:]) <= 0 {
			out, a = append(out, a[0]), a[1:]
		} else {
			out, b = append(out, b[0]), b[1:]
		}
	}
	return append(append(out, a...), b...)
}

// sortKeys sorts keys by their first half, least significant byte first
// (a radix sort, skipping the bytes every key shares: those of the
// timestamp of UUIDv7 ids taken within minutes), then each run of equal
// first halves by cmp. Ids in log order are nowhere near sorted in the
// generated histories (writers race by seconds), and a comparison sort
// costs log n comparisons a key; this costs a few moves a key.
func sortKeys(keys []idKey, cmp func(a, b idKey) int) {
	if len(keys) < 2 {
		return
	}
	var counts [8][256]int
	for _, k := range keys {
		for b := range counts {
			counts[b][byte(k.hi>>(8*b))]++
		}
	}
	src, dst := keys, make([]idKey, len(keys))
	for b := range counts {
		c := &counts[b]
		if c[byte(keys[0].hi>>(8*b))] == len(keys) {
			continue
		}
		var next [256]int
		sum := 0
		for v, n := range c {
			next[v] = sum
			sum += n
		}
		for _, k := range src {
			v := byte(k.hi >> (8 * b))
			dst[next[v]] = k
			next[v]++
		}
		src, dst = dst, src
	}
	if &src[0] != &keys[0] {
		copy(keys, src)
	}
	for i := 0; i < len(keys); {
		j := i + 1
		for j < len(keys) && keys[j].hi == keys[i].hi {
			j++
		}
		if j-i > 1 {
			slices.SortFunc(keys[i:j], cmp)
		}
		i = j
	}
}

// txSlabs holds the transactions a checkpoint load reads, numbered in log
// order, ckptSlab to a slab.
type txSlabs [][]txNode

func newTxSlabs(n int) txSlabs {
	s := make(txSlabs, 0, (n+ckptSlab-1)/ckptSlab)
	for i := 0; i < n; i += ckptSlab {
		s = append(s, make([]txNode, min(ckptSlab, n-i)))
	}
	return s
}

// node returns the i-th transaction.
func (s txSlabs) node(i uint32) *txNode {
	return &s[i/ckptSlab][i%ckptSlab]
}

// freezeMinTxs is the least number of transactions that freezeTxs moves
// out of the map at the end of a start's catch-up: below it, the map
// costs little.
const freezeMinTxs = 1 << 16

// freezeTxs moves the transactions the map indexes by id into the frozen
// index, when they are at least min and an eighth of those frozen (a merge
// rewrites the frozen index). It is called at the end of a start's
// catch-up, under the write lock.
func (p *Projections) freezeTxs(min int) error {
	if len(p.txs) == 0 || len(p.txs) < min || len(p.txs) < len(p.frozen.byID)/8 {
		return nil
	}
	nodes := make([]*txNode, 0, len(p.txs))
	keys := make([]idKey, 0, len(p.txs))
	for _, t := range p.txs {
		keys = append(keys, keyOf(t, len(nodes)))
		nodes = append(nodes, t)
	}
	if err := p.frozen.add(keys, func(i uint32) *txNode { return nodes[i] }); err != nil {
		return fmt.Errorf("projections: %w: %w", err, errInconsistent)
	}
	p.txs = map[uuid.UUID]*txNode{}
	return nil
}
