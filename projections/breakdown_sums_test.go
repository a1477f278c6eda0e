package projections

import (
	"fmt"
	"slices"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

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
