package projections

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/google/uuid"
)

// loadedOf returns loadedTxs holding transactions with ids, in that order.
func loadedOf(ids []uuid.UUID) *loadedTxs {
	x := &loadedTxs{}
	for i := 0; i < len(ids); i += ckptSlab {
		x.slabs = append(x.slabs, make([]txNode, min(ckptSlab, len(ids)-i)))
	}
	return x
}

// TestLoadedTxsFind indexes ids in the orders a log holds them (time
// ordered with writers racing, random, equal first halves, which the radix
// sort leaves to a comparison) and finds each of them, and not ids it
// does not hold; two equal ids are refused.
func TestLoadedTxsFind(t *testing.T) {
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
			x := loadedOf(tc.ids)
			keys := make([]idKey, len(tc.ids))
			for i, id := range tc.ids {
				n := x.node(uint32(i))
				n.id = id
				keys[i] = keyOf(n, i)
			}
			if !x.index(keys) {
				t.Fatalf("index(%d distinct ids) = false, want true", len(tc.ids))
			}
			for i, id := range tc.ids {
				got, ok := x.find(id)
				if want := x.node(uint32(i)); !ok || got != want {
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
			x := loadedOf(ids)
			keys := make([]idKey, len(ids))
			for i, id := range ids {
				x.node(uint32(i)).id = id
				keys[i] = keyOf(x.node(uint32(i)), i)
			}
			if x.index(keys) {
				t.Fatal("index(ids with a duplicate) = true, want false")
			}
		})
	}
}
