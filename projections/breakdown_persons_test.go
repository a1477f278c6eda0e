package projections

import (
	"encoding/json"
	"fmt"
	"slices"
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

// build sums moves by date in any order, by its day slots or, for dates
// too far apart, by sorting them: both give one entry per date, in order,
// with the running figures, exactly sized.
func TestLineSeriesBuild(t *testing.T) {
	one := domain.MustVND("1000")
	mv := func(d string, orig, rev count) bdMove {
		amt := one
		if rev > 0 {
			amt = one.Neg()
		}
		return bdMove{date: domain.MustDate(d), amt: amt, orig: orig, rev: rev}
	}
	for _, tc := range []struct {
		name  string
		moves []bdMove
		dates []string
		figs  []bdFig
	}{
		{"back-dated and repeated", []bdMove{mv("2024-03-01", 1, 0), mv("2024-01-31", 1, 0), mv("2024-03-01", 0, 1), mv("2024-02-01", 1, 0)},
			[]string{"2024-01-31", "2024-02-01", "2024-03-01"},
			[]bdFig{{amt: one, orig: 1}, {amt: one.Add(one), orig: 2}, {amt: one.Add(one), orig: 3, rev: 1}}},
		{"two centuries apart: sorted", []bdMove{mv("2200-01-01", 1, 0), mv("2000-01-01", 1, 0)},
			[]string{"2000-01-01", "2200-01-01"},
			[]bdFig{{amt: one, orig: 1}, {amt: one.Add(one), orig: 2}}},
		{"one move", []bdMove{mv("2025-12-31", 1, 0)}, []string{"2025-12-31"}, []bdFig{{amt: one, orig: 1}}},
	} {
		var s lineSeries
		var acc dayAcc
		s.build(slices.Clone(tc.moves), &acc)
		var want []domain.Date
		for _, d := range tc.dates {
			want = append(want, domain.MustDate(d))
		}
		if !slices.Equal(s.dates, want) || cap(s.dates) != len(s.dates) && hiSpan(tc.moves) < maxDaySlots {
			t.Errorf("%s: dates %v (cap %d), want %v", tc.name, s.dates, cap(s.dates), want)
		}
		if fmt.Sprint(s.cum) != fmt.Sprint(tc.figs) {
			t.Errorf("%s: figures %v, want %v", tc.name, s.cum, tc.figs)
		}
		for i, d := range want {
			if got := s.at(d); fmt.Sprint(got) != fmt.Sprint(tc.figs[i]) {
				t.Errorf("%s: at(%s) = %v, want %v", tc.name, d, got, tc.figs[i])
			}
		}
	}
}

// hiSpan is the span of moves' day slots.
func hiSpan(moves []bdMove) int {
	lo, hi := dayKey(moves[0].date), dayKey(moves[0].date)
	for _, m := range moves {
		lo, hi = min(lo, dayKey(m.date)), max(hi, dayKey(m.date))
	}
	return hi - lo
}
