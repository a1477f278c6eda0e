package domain

import "testing"

// sharedStore is a store that says it is shared between instances; its
// methods are never called here.
type sharedStore struct{ EventStore }

func (sharedStore) SharedBetweenInstances() bool { return true }

// TestNextBatchKeepsOneYearOnASharedStore: on a shared store an append
// holds commands of one fiscal year (so the void rule judges all its
// events alike); on any other store the batch is takeBatch's.
func TestNextBatchKeepsOneYearOnASharedStore(t *testing.T) {
	cmds := func(years ...int) []*fundCmd {
		out := make([]*fundCmd, len(years))
		for i, y := range years {
			out[i] = &fundCmd{year: y}
		}
		return out
	}
	shared := NewLedger(sharedStore{}, nil)
	alone := NewLedger(nil, nil)
	if !shared.shared || alone.shared {
		t.Fatalf("shared = %v, %v; want true, false", shared.shared, alone.shared)
	}
	for _, c := range []struct {
		name        string
		queue       []*fundCmd
		shared, one int
	}{
		{"one year", cmds(2023, 2023, 2023), 3, 3},
		{"a later year cuts the batch", cmds(2023, 2023, 2024, 2023), 2, 4},
		{"an earlier year too", cmds(2024, 2023), 1, 2},
		{"a single command", cmds(2022), 1, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			if got := len(shared.nextBatch(c.queue)); got != c.shared {
				t.Errorf("shared store: nextBatch = %d commands, want %d", got, c.shared)
			}
			if got := len(alone.nextBatch(c.queue)); got != c.one {
				t.Errorf("one-process store: nextBatch = %d commands, want %d", got, c.one)
			}
		})
	}
}
