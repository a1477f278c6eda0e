package projections

import (
	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// The money of a fund, or of a unit's subtree, at the end of many dates in
// one query: what a page's chart of money in and out by month draws (the
// differences of consecutive dates' totals). Asking for a whole summary at
// each month's end instead rolled up every fund's line, its breakdown and
// its persons per month: 85 roll-ups of ~700 funds for the confederation's
// page from the beginning of a 10 M-event ledger, most of that page's 35
// ms (docs/performance.md). Here each fund's running sums are read once per
// date, and nothing else is; and the totals, read under one lock, are of
// one state of the ledger, where a roll-up per date could straddle a
// write.

// maxTotalsDates bounds the dates of one query: a chart draws at most a
// few hundred buckets (web's maxChartMonths).
const maxTotalsDates = 1024

// FundTotalsAt appends to buf, and returns, the totals of fund id at the
// end of each of dates (the running sums of the movements dated on or
// before it), the figures
// FundSummary answers as of that date. ok is false for an unknown fund,
// or more than maxTotalsDates dates.
func (p *Projections) FundTotalsAt(id uuid.UUID, dates []domain.Date, buf []Totals) (totals []Totals, ok bool) {
	if len(dates) > maxTotalsDates {
		return buf, false
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	f, found := p.funds[id]
	if !found {
		return buf, false
	}
	totals = extendTotals(buf, len(dates))
	f.addTotalsAt(dates, totals[len(buf):])
	return totals, true
}

// UnitTotalsAt is FundTotalsAt for the subtree of unit id: at each date
// the totals UnitSummary answers from the beginning to that date.
func (p *Projections) UnitTotalsAt(id domain.UnitID, dates []domain.Date, buf []Totals) (totals []Totals, ok bool) {
	if len(dates) > maxTotalsDates {
		return buf, false
	}
	p.mu.RLock()
	defer p.mu.RUnlock()
	u, found := p.units[id]
	if !found {
		return buf, false
	}
	totals = extendTotals(buf, len(dates))
	u.addTotalsAt(dates, totals[len(buf):])
	return totals, true
}

// UnitFirstOpened returns the earliest opening date of a fund in unit
// id's subtree: the first date a chart of the unit has figures for. ok is
// false for an unknown unit or one with no fund.
func (p *Projections) UnitFirstOpened(id domain.UnitID) (first domain.Date, ok bool) {
	p.mu.RLock()
	defer p.mu.RUnlock()
	u, found := p.units[id]
	if !found {
		return 0, false
	}
	u.walkFunds(func(f *fundNode) {
		if !ok || f.info.OpenedOn < first {
			first, ok = f.info.OpenedOn, true
		}
	})
	return first, ok
}

// extendTotals returns buf with n zero totals appended.
func extendTotals(buf []Totals, n int) []Totals {
	for range n {
		buf = append(buf, Totals{})
	}
	return buf
}

// addTotalsAt adds to totals[i] the fund's totals at the end of dates[i].
func (f *fundNode) addTotalsAt(dates []domain.Date, totals []Totals) {
	for i, d := range dates {
		// By reference: an entry is a few cache lines, of which the
		// totals read the first.
		if n := f.sums.count(d); n > 0 {
			totals[i] = totals[i].add(f.sums.cum[n-1].totals())
		}
	}
}

// addTotalsAt adds to totals[i] the totals of u's subtree at the end of
// dates[i].
func (u *unitNode) addTotalsAt(dates []domain.Date, totals []Totals) {
	u.walkFunds(func(f *fundNode) { f.addTotalsAt(dates, totals) })
}

// walkFunds calls visit for every fund of u's subtree, u's own first and
// then each child's, as a roll-up lists them.
func (u *unitNode) walkFunds(visit func(*fundNode)) {
	for _, f := range u.funds {
		visit(f)
	}
	for _, c := range u.children {
		c.walkFunds(visit)
	}
}
