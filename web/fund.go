package web

import (
	"github.com/google/uuid"
	"net/http"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
)

// fundView is a fund's page: its figures at the end of a business date.
type fundView struct {
	frame
	Sum      projections.FundSummary
	Unit     projections.Unit
	UnitHref string
	Crumbs   []crumb
	In, Out  domain.VND
	AsOf     domain.Date
	Chart    chartView
	// StatementHref is the fund's cash book up to the page's date.
	StatementHref string
	// BreakdownPending is unitView's.
	BreakdownPending bool
}

// pathFund reads the page's {fund_id}: a fund that exists and is in the
// session's scope, or it answers the page's 404 (malformed or unknown) or
// 403 (outside the scope, showing none of its figures) and ok is false.
func (p *Pages) pathFund(w http.ResponseWriter, r *http.Request, s session, l Lang) (id uuid.UUID, ok bool) {
	raw := r.PathValue("fund_id")
	id, err := domain.ParseUUID(raw)
	if err != nil {
		p.fail(w, r, l, pageError{status: http.StatusNotFound, key: "err.fund.unknown", args: []any{clip(raw)}})
		return uuid.Nil, false
	}
	unit, found := p.proj.FundUnit(id)
	if !found {
		p.fail(w, r, l, pageError{status: http.StatusNotFound, key: "err.fund.unknown", args: []any{id.String()}})
		return uuid.Nil, false
	}
	if !p.visible(s, unit) {
		p.fail(w, r, l, pageError{status: http.StatusForbidden, key: "err.fund.scope", args: []any{id.String()}})
		return uuid.Nil, false
	}
	return id, true
}

// fund: GET /funds/{fund_id}?as_of=&lang=, the figures of
// GET /v1/funds/{fund_id}?as_of= for the same date.
func (p *Pages) fund(w http.ResponseWriter, r *http.Request) {
	q, perr := readQuery(r, "lang", "as_of")
	if perr != nil {
		p.fail(w, r, q.lang, *perr)
		return
	}
	s, ok := p.signedIn(w, r, q.lang)
	if !ok {
		return
	}
	id, ok := p.pathFund(w, r, s, q.lang)
	if !ok {
		return
	}
	asOf, perr := q.date("as_of")
	if perr != nil {
		p.fail(w, r, q.lang, *perr)
		return
	}
	today := p.today()
	if asOf.IsZero() {
		asOf = today // the API's default
	}
	v := fundView{frame: p.frame(r, q.lang, "fund.title", &s), AsOf: asOf}
	// The same query as GET /v1/funds/{fund_id}?as_of=, but for the
	// breakdown while its persons are being counted, as on a unit's page.
	var found bool
	if v.Sum, found, v.BreakdownPending = p.proj.FundSummaryNow(id, asOf); !found {
		p.fail(w, r, q.lang, pageError{status: http.StatusNotFound, key: "err.fund.unknown", args: []any{id.String()}})
		return
	}
	v.Title = v.Sum.Name
	v.In, v.Out = inOut(v.Sum.Totals)
	if u, ok := p.proj.Unit(v.Sum.UnitID); ok {
		v.Unit = u
		v.UnitHref = v.Link("/units/" + string(u.ID))
		v.Crumbs = p.crumbs(s, u.Path, v.frame)
	}
	v.Chart = newChart(q.lang, v.Sum.OpenedOn, min(asOf, today), func(dates []domain.Date) []projections.Totals {
		totals, _ := p.proj.FundTotalsAt(id, dates, nil)
		return totals
	})
	if asOf >= v.Sum.OpenedOn { // before it the fund had no cash book
		v.StatementHref = v.Link("/funds/" + id.String() + "/statement?to=" + asOf.String())
	}
	p.render(w, r, http.StatusOK, "fund", v)
	if v.BreakdownPending {
		// Counted once the page is written: its workers would take the
		// cores from the page.
		p.proj.CountFundBreakdown(id)
	}
}
