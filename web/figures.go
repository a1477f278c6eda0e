package web

import "github.com/welfare-ledger/welfare-ledger/projections"

// figuresView is the table of a period's figures per category and the
// people helped, shared by the unit and fund pages. Today it holds what
// every summary has (totals, counts with shelter new_build/repair, persons
// and times); the per-category breakdown of API.md's "Officials' figures"
// is drawn after it once the projections answer it.
type figuresView struct {
	frame
	Totals        projections.Totals
	Counts        projections.Counts
	Beneficiaries projections.Beneficiaries
}

// Figures returns the unit's figures table.
func (v unitView) Figures() figuresView {
	return figuresView{frame: v.frame, Totals: v.Sum.Totals, Counts: v.Sum.Counts, Beneficiaries: v.Sum.Beneficiaries}
}

// Figures returns the fund's figures table.
func (v fundView) Figures() figuresView {
	return figuresView{frame: v.frame, Totals: v.Sum.Totals, Counts: v.Sum.Counts, Beneficiaries: v.Sum.Beneficiaries}
}
