package projections

import (
	"encoding/json"
	"sync"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// After a checkpoint load, readers asking for the same breakdowns at once
// build each pending scope's person indexes once, under the read lock, and
// all get the figures of the projections the checkpoint was written from
// (with -race, this also checks that the build and the readers do not
// race).
func TestBreakdownPersonsBuiltUnderConcurrentReaders(t *testing.T) {
	h := newCkptHistory(t, 21, 300)
	live := h.proj
	loaded := roundTrip(t, live)
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
	pending := 0
	for _, u := range loaded.unitOrder {
		if u.bdPersonsPending.Load() {
			pending++
		}
	}
	if pending != len(loaded.unitOrder) {
		t.Fatalf("%d of %d units pending after the load, want all", pending, len(loaded.unitOrder))
	}
	want := answers(live)
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
	const readers = 4
	got := make([]string, readers)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() { got[i] = answers(loaded) })
	}
	wg.Wait()
	for i, g := range got {
		if g != want {
			t.Fatalf("reader %d:\n got  %s\n want %s", i, g, want)
		}
	}
	for _, u := range loaded.unitOrder {
		if u.bdPersonsPending.Load() {
			t.Fatalf("unit %s still pending after its breakdown was asked for", u.view.ID)
		}
	}
}
