package domain_test

import (
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// TestVoidAt checks the void rule at positions around a close's events.
// periodsOf puts the i-th period event at position 10·(i+1).
func TestVoidAt(t *testing.T) {
	closing := &domain.PeriodClosing{UnitID: "lang-son", Year: 2023}
	closed := &domain.PeriodClosed{UnitID: "lang-son", Year: 2023, Seal: "ab"}
	reopened := &domain.PeriodReopened{UnitID: "lang-son", Year: 2023, Reason: "sót"}
	path := []domain.UnitID{"vgcl", "lang-son", "cao-loc"}
	two := []domain.EventData{closing, closed}             // closing at 10, closed at 20
	three := []domain.EventData{closing, closed, reopened} // reopened at 30
	for _, c := range []struct {
		name    string
		events  []domain.EventData
		path    []domain.UnitID
		date    string
		pos     domain.Position
		void    bool
		pending bool
	}{
		{"no close", nil, path, "2023-06-01", 15, false, false},
		{"before the closing", two, path, "2023-06-01", 9, false, false},
		{"pending: a date in the year", two, path, "2023-06-01", 11, true, true},
		{"pending: 31 December", two, path, "2023-12-31", 19, true, true},
		{"pending: an earlier year is frozen too", two, path, "2019-03-08", 15, true, true},
		{"pending: 1 January of the next year", two, path, "2024-01-01", 15, false, false},
		{"closed: a date in the year", two, path, "2023-01-01", 21, true, false},
		{"closed: an earlier year counts again", two, path, "2022-12-31", 21, false, false},
		{"closed: the next year", two, path, "2024-01-01", 21, false, false},
		{"reopened: the year counts again", three, path, "2023-06-01", 31, false, false},
		{"between close and reopen, seen later", three, path, "2023-06-01", 25, true, false},
		{"ancestor's closing covers a descendant", two, []domain.UnitID{"vgcl", "lang-son", "cao-loc", "xa-1"}, "2023-06-01", 15, true, true},
		{"a descendant's close does not cover its parent", []domain.EventData{&domain.PeriodClosing{UnitID: "cao-loc", Year: 2023}},
			[]domain.UnitID{"vgcl", "lang-son"}, "2023-06-01", 15, false, false},
		{"another branch", two, []domain.UnitID{"vgcl", "ha-noi"}, "2023-06-01", 15, false, false},
		{"abandoned closing", []domain.EventData{closing, reopened}, path, "2023-06-01", 25, false, false},
		{"before an abandonment", []domain.EventData{closing, reopened}, path, "2023-06-01", 15, true, true},
		{"a closing that never ends", []domain.EventData{closing}, path, "2023-06-01", domain.EndOfLog, true, true},
		{"a close from before closings freezes from itself", []domain.EventData{closed}, path, "2023-06-01", 11, true, false},
		{"…and nothing before it", []domain.EventData{closed}, path, "2023-06-01", 9, false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			v, got := periodsOf(c.events...).VoidAt(c.path, domain.MustDate(c.date), c.pos)
			if got != c.void || v.Pending != c.pending {
				t.Errorf("VoidAt(%v, %s, %d) = %+v, %v, want void %v, pending %v", c.path, c.date, c.pos, v, got, c.void, c.pending)
			}
			if got {
				err := v.Err("occurred_on", domain.MustDate(c.date))
				if domain.CodeOf(err) != domain.CodePeriodClosed {
					t.Errorf("Err = %v, want period_closed", err)
				}
			}
		})
	}
}

// TestPendingCloseFreezesWrites: a close stopped half-way freezes the
// year and every earlier date for new writes; closing again completes
// it, reopening abandons it.
func TestPendingCloseFreezesWrites(t *testing.T) {
	closing := &domain.PeriodClosing{UnitID: "lang-son", Year: 2023}
	path := []domain.UnitID{"vgcl", "lang-son"}
	p := periodsOf(closing)
	if err := p.CheckOpen(path, domain.MustDate("2021-05-05"), "occurred_on"); domain.CodeOf(err) != domain.CodePeriodClosed {
		t.Errorf("CheckOpen(2021-05-05) during a pending close of 2023 = %v, want period_closed", err)
	}
	if err := p.CheckOpen(path, domain.MustDate("2024-01-01"), "occurred_on"); err != nil {
		t.Errorf("CheckOpen(2024-01-01) during a pending close of 2023 = %v, want nil", err)
	}
	c := domain.ClosePeriod{UnitID: "lang-son", Year: 2023}
	if _, err := domain.DecideClose(p, c, "ab"); err != nil {
		t.Errorf("DecideClose on a pending closing = %v, want it completed", err)
	}
	if _, err := domain.DecideReopen(p, domain.ReopenPeriod{UnitID: "lang-son", Year: 2023, Reason: "bỏ"}); err != nil {
		t.Errorf("DecideReopen on a pending closing = %v, want it abandoned", err)
	}
	if _, err := domain.DecideReopen(periodsOf(), domain.ReopenPeriod{UnitID: "lang-son", Year: 2023, Reason: "bỏ"}); domain.CodeOf(err) != domain.CodePeriodNotClosed {
		t.Errorf("DecideReopen with nothing to reopen = %v, want period_not_closed", err)
	}
}
