package projections

import (
	"encoding/json"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

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

	end := domain.MustDate("2099-12-31")
	answers := func(p *Projections) string {
		var out []any
		for _, id := range h.unitIDs {
			for _, from := range []domain.Date{0, domain.MustDate("2021-01-02")} {
				s, ok := p.UnitSummary(id, from, end)
				out = append(out, ok, s.Breakdown)
			}
		}
		for _, id := range h.fundIDs {
			s, ok := p.FundSummary(id, 0)
			out = append(out, ok, s.Breakdown)
		}
		b, err := json.Marshal(out)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	helped := 0
	for _, id := range h.unitIDs {
		if s, ok := live.UnitSummary(id, 0, end); ok && s.Breakdown != nil {
			for l := range bdLine(numLines) {
				helped += s.Breakdown.line(l).Persons
			}
		}
	}
	if helped == 0 {
		t.Fatal("the history's breakdowns count no person: nothing to compare")
	}
	if got, want := answers(replayed), answers(live); got != want {
		t.Fatalf("breakdowns after a replay:\n got  %s\n want %s", got, want)
	}
	if _, u := pending(replayed); u != 0 {
		t.Fatalf("%d units still pending after their breakdowns were asked for", u)
	}
}
