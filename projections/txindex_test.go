package projections

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/uuid"
)

// frozenOf freezes transactions with ids, numbered in that order in
// slabs as a checkpoint load numbers them.
func frozenOf(ids []uuid.UUID) (*frozenTxs, txSlabs, error) {
	slabs := newTxSlabs(len(ids))
	keys := make([]idKey, len(ids))
	for i, id := range ids {
		t := slabs.node(uint32(i))
		t.id = id
		keys[i] = keyOf(t, i)
	}
	x := &frozenTxs{}
	return x, slabs, x.add(keys, slabs.node)
}

// TestFrozenTxsFind indexes ids in the orders a log holds them (time
// ordered with writers racing, random, equal first halves, which the radix
// sort leaves to a comparison) and finds each of them, and not ids it
// does not hold; two equal ids are refused.
func TestFrozenTxsFind(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []uuid.UUID {
		ids := make([]uuid.UUID, n)
		for i := range ids {
			for k := range ids[i] {
				ids[i][k] = byte(rng.Uint32())
			}
		}
		return ids
	}
	nearlySorted := func(n int) []uuid.UUID {
		ids := make([]uuid.UUID, n)
		for i := range ids {
			ids[i] = uuid.Must(uuid.NewV7())
		}
		for range n / 10 { // writers commit a little out of order
			i := rng.IntN(n)
			j := min(n-1, i+rng.IntN(64))
			ids[i], ids[j] = ids[j], ids[i]
		}
		return ids
	}
	sameFirstHalf := func(n int) []uuid.UUID {
		ids := random(n)
		for i := range ids {
			copy(ids[i][:8], "same8byt")
		}
		return ids
	}
	for _, tc := range []struct {
		name string
		ids  []uuid.UUID
	}{
		{"none", nil},
		{"one", random(1)},
		{"nearly sorted, several slabs", nearlySorted(2*ckptSlab + 123)},
		{"random", random(5000)},
		{"same first half", sameFirstHalf(3000)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x, slabs, err := frozenOf(tc.ids)
			if err != nil {
				t.Fatalf("add(%d distinct ids) = %v, want nil", len(tc.ids), err)
			}
			for i, id := range tc.ids {
				got, ok := x.find(id)
				if want := slabs.node(uint32(i)); !ok || got != want {
					t.Fatalf("find(%s) = %p, %v; want the %d-th transaction %p", id, got, ok, i, want)
				}
			}
			for _, id := range random(100) {
				if got, ok := x.find(id); ok {
					t.Fatalf("find(%s) = %s, want none", id, got.id)
				}
			}
		})
	}
	for _, at := range []int{1, 2500, 4999} { // in one half, across the halves
		t.Run(fmt.Sprint("duplicate at ", at), func(t *testing.T) {
			ids := random(5000)
			ids[at] = ids[at-1]
			if at == 4999 {
				ids[at] = ids[0]
			}
			if _, _, err := frozenOf(ids); err == nil {
				t.Fatal("add(ids with a duplicate) = nil, want an error")
			}
		})
	}
}

// TestFreezeTxs freezes the index by id of replayed projections at random
// points of random histories (as the end of a start's catch-up does),
// feeds them the rest of the log, whose reversals find their originals in
// the frozen index, freezes again (a merge), and compares every query with
// a replay from zero.
func TestFreezeTxs(t *testing.T) {
	for seed := uint64(1); seed <= 3; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			h := newCkptHistory(t, seed, 300)
			full := h.replay(len(h.events))
			// At most half-way: the second freeze then has at least an
			// eighth of the frozen transactions to merge.
			k := h.rng.IntN(len(h.events)/2 + 1)
			p := h.replay(k)
			if err := p.freezeTxs(0); err != nil {
				t.Fatalf("freezeTxs at %d: %v", k, err)
			}
			if len(p.txs) != 0 {
				t.Fatalf("freezeTxs at %d left %d transactions in the map", k, len(p.txs))
			}
			if err := p.applyStored(h.events[k:]); err != nil {
				t.Fatalf("apply after freezing at %d: %v", k, err)
			}
			if err := p.freezeTxs(0); err != nil || len(p.txs) != 0 {
				t.Fatalf("freezeTxs again = %v, %d transactions left in the map; want nil, 0", err, len(p.txs))
			}
			for _, f := range p.fundOrder {
				for _, tx := range f.txs {
					if got, ok := p.tx(tx.id); !ok || got != tx {
						t.Fatalf("tx(%s) = %p, %v; want %p", tx.id, got, ok, tx)
					}
				}
			}
			sameAnswers(t, fmt.Sprintf("frozen at %d and at the end", k), h, p, full)
			if err := p.applyStored(h.events); err != nil { // all ignored: already applied
				t.Fatal(err)
			}
			sameAnswers(t, "frozen, then fed the log again", h, p, full)
		})
	}
}
