package projections

import (
	"fmt"
	"testing"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// The totals at many dates in one query are, date by date, the totals of
// the summaries a chart asked for one date at a time: a fund's as of the
// date, a unit's from the beginning to it.
func TestTotalsAtAreTheSummaries(t *testing.T) {
	h := newCkptHistory(t, 5, 400)
	p := h.proj
	// Before every movement, on days with movements and between them,
	// after all of them, and out of order.
	dates := []domain.Date{domain.MustDate("2019-12-31"), domain.MustDate("2020-03-31")}
	for m := range 15 {
		dates = append(dates, domain.MustDate(fmt.Sprintf("%d-%02d-28", 2020+m/12, 1+m%12)))
	}
	dates = append(dates, domain.MustDate("2099-12-31"), domain.MustDate("2020-06-15"))
	moved := false
	for _, id := range h.fundIDs {
		buf := []Totals{{Donations: domain.VNDFromInt64(7)}} // kept in front
		got, ok := p.FundTotalsAt(id, dates, buf)
		if !ok || len(got) != len(dates)+1 || !got[0].Donations.Equal(domain.VNDFromInt64(7)) {
			t.Fatalf("FundTotalsAt(%s) = %d totals, %v; want %d after the buffer's one", id, len(got), ok, len(dates))
		}
		for i, d := range dates {
			want, _ := p.FundSummary(id, d)
			jsonEq(t, "fund "+id.String()+" at "+d.String(), got[i+1], want.Totals)
			moved = moved || !want.Totals.Donations.IsZero()
		}
	}
	if !moved {
		t.Fatal("the history moves no money: nothing to compare")
	}
	for _, id := range h.unitIDs {
		got, ok := p.UnitTotalsAt(id, dates, nil)
		if !ok || len(got) != len(dates) {
			t.Fatalf("UnitTotalsAt(%s) = %d totals, %v; want %d", id, len(got), ok, len(dates))
		}
		for i, d := range dates {
			want, _ := p.UnitSummary(id, 0, d)
			jsonEq(t, "unit "+string(id)+" to "+d.String(), got[i], want.Totals)
		}
	}
}

func TestTotalsAtRefuses(t *testing.T) {
	h := newCkptHistory(t, 6, 50)
	p := h.proj
	tooMany := make([]domain.Date, maxTotalsDates+1)
	for _, c := range []struct {
		name string
		ok   bool
	}{
		{"unknown fund", func() bool { _, ok := p.FundTotalsAt(uuid.New(), nil, nil); return ok }()},
		{"unknown unit", func() bool { _, ok := p.UnitTotalsAt("nowhere-else", nil, nil); return ok }()},
		{"fund, too many dates", func() bool { _, ok := p.FundTotalsAt(h.fundIDs[0], tooMany, nil); return ok }()},
		{"unit, too many dates", func() bool { _, ok := p.UnitTotalsAt(h.unitIDs[0], tooMany, nil); return ok }()},
		{"first opening of an unknown unit", func() bool { _, ok := p.UnitFirstOpened("nowhere-else"); return ok }()},
	} {
		if c.ok {
			t.Errorf("%s: ok = true, want false", c.name)
		}
	}
	if _, ok := p.FundTotalsAt(h.fundIDs[0], tooMany[:maxTotalsDates], nil); !ok {
		t.Errorf("FundTotalsAt of %d dates: ok = false, want true", maxTotalsDates)
	}
	first, ok := p.UnitFirstOpened("vgcl")
	if want := domain.MustDate("2020-01-01"); !ok || first != want {
		t.Errorf("UnitFirstOpened(vgcl) = %s, %v; want %s", first, ok, want)
	}
}
