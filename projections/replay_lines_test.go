package projections

import "testing"

// A replay (catchUp from an empty state) leaves the breakdown lines'
// person indexes of every fund and unit pending, as a checkpoint load
// does, and the breakdowns asked for afterwards — whose first query builds
// them — are those of the same history applied event by event, persons
// included.
func TestReplayLeavesLinePersonsToJobs(t *testing.T) {
	h := newCkptHistory(t, 31, 300)
	live := h.proj
	st := logStore(t, "ledger.db")
	appendEvents(t, st, h.events)
	replayed := caughtUp(t, st, New())

	pending := func(p *Projections) (funds, units int) {
		for _, f := range p.fundOrder {
			if f.bdPersonsPending.Load() {
				funds++
			}
		}
		for _, u := range p.unitOrder {
			if u.bdPersonsPending.Load() {
				units++
			}
		}
		return funds, units
	}
	if f, u := pending(replayed); f != len(replayed.fundOrder) || u != len(replayed.unitOrder) {
		t.Fatalf("after the replay %d of %d funds and %d of %d units pending, want all", f, len(replayed.fundOrder), u, len(replayed.unitOrder))
	}
	if f, u := pending(live); f != 0 || u != 0 {
		t.Fatalf("applied event by event, %d funds and %d units pending, want none", f, u)
	}

	if personsHelped(h, live) == 0 {
		t.Fatal("the history's breakdowns count no person: nothing to compare")
	}
	if got, want := breakdownAnswers(t, h, replayed), breakdownAnswers(t, h, live); got != want {
		t.Fatalf("breakdowns after a replay:\n got  %s\n want %s", got, want)
	}
	if _, u := pending(replayed); u != 0 {
		t.Fatalf("%d units still pending after their breakdowns were asked for", u)
	}
}
