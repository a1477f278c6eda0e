package projections

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"slices"
	"sync"

	"github.com/google/uuid"
)

// loadedTxs holds the transactions a checkpoint load read, in log order,
// and finds them by id (a reversal names its original by id). A Go map of
// ten million ids costs ~35 bytes and a cache miss per transaction to
// build; this is 4 bytes each, built by a radix sort of the ids (of any
// order: UUIDv7 ids are time-ordered but writers race, and ids a client
// chose may be random). Transactions applied after the load are in
// Projections.txs.
type loadedTxs struct {
	slabs [][]txNode // ckptSlab transactions each, the last one shorter
	// byID numbers the transactions (i is slabs[i/ckptSlab][i%ckptSlab]),
	// sorted by id.
	byID []uint32
}

// node returns the i-th transaction in log order.
func (x *loadedTxs) node(i uint32) *txNode {
	return &x.slabs[i/ckptSlab][i%ckptSlab]
}

// find returns the loaded transaction with the given id.
func (x *loadedTxs) find(id uuid.UUID) (*txNode, bool) {
	i, found := slices.BinarySearchFunc(x.byID, id, func(k uint32, id uuid.UUID) int {
		return bytes.Compare(x.node(k).id[:], id[:])
	})
	if !found {
		return nil, false
	}
	return x.node(x.byID[i]), true
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

// index sorts keys, those of every loaded transaction, into byID: each
// half on its own core, then one merge. It returns false when two
// transactions have the same id, which a log cannot hold.
func (x *loadedTxs) index(keys []idKey) bool {
	less := func(a, b idKey) int {
		if c := cmp.Compare(a.hi, b.hi); c != 0 {
			return c
		}
		return bytes.Compare(x.node(a.i).id[8:], x.node(b.i).id[8:])
	}
	lo, hi := keys[:len(keys)/2], keys[len(keys)/2:]
	var wg sync.WaitGroup
	wg.Go(func() { sortKeys(lo, less) })
	sortKeys(hi, less)
	wg.Wait()
	x.byID = make([]uint32, 0, len(keys))
	var last idKey
	add := func(k idKey) bool {
		if len(x.byID) > 0 && less(last, k) == 0 {
			return false
		}
		x.byID, last = append(x.byID, k.i), k
		return true
	}
	for len(lo) > 0 || len(hi) > 0 {
		var k idKey
		if len(hi) == 0 || len(lo) > 0 && less(lo[0], hi[0]) < 0 {
			k, lo = lo[0], lo[1:]
		} else {
			k, hi = hi[0], hi[1:]
		}
		if !add(k) {
			return false
		}
	}
	return true
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
