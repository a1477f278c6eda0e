package web

import "github.com/welfare-ledger/welfare-ledger/projections"

// figuresView is the table of a period's figures per category, the
// people helped, and the breakdown of API.md's "Officials' figures" (a
// line per shelter kind, assistance category and loans), shared by the
// unit and fund pages.
type figuresView struct {
	frame
	Totals        projections.Totals
	Counts        projections.Counts
	Beneficiaries projections.Beneficiaries
	Breakdown     []breakdownRow
	// BreakdownPending: instead of the breakdown, the page says it is
	// being counted (unitView.BreakdownPending).
	BreakdownPending bool
}

// Figures returns the unit's figures table.
func (v unitView) Figures() figuresView {
	return figuresView{frame: v.frame, Totals: v.Sum.Totals, Counts: v.Sum.Counts, Beneficiaries: v.Sum.Beneficiaries,
		Breakdown: breakdownRows(v.Lang, v.Sum.Breakdown), BreakdownPending: v.BreakdownPending}
}

// Figures returns the fund's figures table.
func (v fundView) Figures() figuresView {
	return figuresView{frame: v.frame, Totals: v.Sum.Totals, Counts: v.Sum.Counts, Beneficiaries: v.Sum.Beneficiaries,
		Breakdown: breakdownRows(v.Lang, v.Sum.Breakdown), BreakdownPending: v.BreakdownPending}
}
