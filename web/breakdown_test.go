package web

import (
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
)

// Every line of a breakdown has a row, in both languages, with its own
// label from the catalogue and its figures written the Vietnamese way.
func TestBreakdownRows(t *testing.T) {
	var b projections.Breakdown
	b.AssistanceGrants[0] = projections.Figure{Count: 273, Amount: domain.VNDFromInt64(361_000_000), Persons: 273}
	b.Loans = projections.Figure{Count: 1284, Amount: domain.VNDFromInt64(11_950_000_000), Persons: 1250}
	for _, l := range langs {
		rows := breakdownRows(l, &b)
		if got, want := len(rows), len(domain.ShelterKinds)+len(domain.AssistanceCategories)+1; got != want {
			t.Fatalf("breakdownRows(%s) has %d rows, want %d", l, got, want)
		}
		labels := map[string]bool{}
		for _, r := range rows {
			if r.Label == "" || labels[r.Label] {
				t.Errorf("breakdownRows(%s): row %s has the label %q, empty or another row's", l, r.Key, r.Label)
			}
			labels[r.Label] = true
		}
		if got, want := rows[2], (breakdownRow{Key: "serious_illness", Label: rows[2].Label, Times: "273", Persons: "273", Amount: "361.000.000 ₫"}); got != want {
			t.Errorf("breakdownRows(%s)[2] = %+v, want %+v", l, got, want)
		}
		if got, want := rows[len(rows)-1], (breakdownRow{Key: "loans", Label: rows[len(rows)-1].Label, Times: "1.284", Persons: "1.250", Amount: "11.950.000.000 ₫"}); got != want {
			t.Errorf("breakdownRows(%s)[last] = %+v, want %+v", l, got, want)
		}
	}
	if rows := breakdownRows(Vietnamese, nil); rows != nil {
		t.Errorf("breakdownRows(nil) = %v, want none", rows)
	}
}
