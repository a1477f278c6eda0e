package web

import (
	"net/http"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
)

// crumb is one unit of a page's place in the hierarchy.
type crumb struct {
	Name string
	Href string // "" when the unit is outside the token's scope
}

// unitView is a unit's page: the roll-up of the unit and every unit under
// it over a period.
type unitView struct {
	frame
	Unit     projections.Unit
	Crumbs   []crumb
	Period   periodView
	Sum      projections.UnitSummary
	In, Out  domain.VND
	Lines    []fundLine
	Children []crumb
	Chart    chartView
	// BreakdownPending: the breakdown's persons are still being counted
	// after a start (projections.UnitSummaryNowInto); Sum has no
	// breakdown, and the page says so.
	BreakdownPending bool
}

// fundLine is one fund of a unit's roll-up, its cells written out: a
// province's or the confederation's page lists hundreds of funds, and
// formatting them in Go instead of through the template's function calls
// (each a reflective call, and an escaper after it) halves the page's
// rendering (BenchmarkHistoryPages).
type fundLine struct {
	Href, Name, Sub           string
	Opening, In, Out, Closing string
	Persons, Times            string
}

func newFundLine(f frame, line *projections.FundLine) fundLine {
	in, out := inOut(line.Totals)
	return fundLine{
		Href: f.Link("/funds/" + line.FundID.String()), Name: line.Name,
		Sub:     mustMessage(f.Lang, "kind."+string(line.Kind)) + " · " + string(line.UnitID),
		Opening: domain.FormatVND(line.OpeningBalance), In: domain.FormatVND(in), Out: domain.FormatVND(out),
		Closing: domain.FormatVND(line.ClosingBalance),
		Persons: domain.FormatCount(int64(line.Beneficiaries.Persons)), Times: domain.FormatCount(int64(line.Beneficiaries.Times)),
	}
}

// unit: GET /units/{unit_id}?from=&to=&lang=, the figures of
// GET /v1/units/{unit_id}/summary for the same period.
func (p *Pages) unit(w http.ResponseWriter, r *http.Request) {
	q, perr := readQuery(r, "lang", "from", "to")
	if perr != nil {
		p.fail(w, r, q.lang, *perr)
		return
	}
	s, ok := p.signedIn(w, r, q.lang)
	if !ok {
		return
	}
	raw := r.PathValue("unit_id")
	id, err := domain.ParseUnitID(raw)
	if err != nil {
		p.fail(w, r, q.lang, pageError{status: http.StatusNotFound, key: "err.unit.unknown", args: []any{clip(raw)}})
		return
	}
	u, found := p.proj.Unit(id)
	if !found {
		p.fail(w, r, q.lang, pageError{status: http.StatusNotFound, key: "err.unit.unknown", args: []any{string(id)}})
		return
	}
	if !p.visible(s, id) {
		p.fail(w, r, q.lang, pageError{status: http.StatusForbidden, key: "err.unit.scope", args: []any{string(id)}})
		return
	}
	from, to, perr := q.period()
	if perr != nil {
		p.fail(w, r, q.lang, *perr)
		return
	}
	p.unitPage(w, r, s, q.lang, u, from, to)
}

func (p *Pages) unitPage(w http.ResponseWriter, r *http.Request, s session, l Lang, u projections.Unit, from, to domain.Date) {
	today := p.today()
	// The API's defaults: from the beginning, to today.
	if to.IsZero() {
		to = today
	}
	if !from.IsZero() && from > to {
		p.fail(w, r, l, pageError{status: http.StatusBadRequest, key: "err.period", args: []any{displayDate(from), displayDate(to)}})
		return
	}
	v := unitView{frame: p.frame(r, l, "unit.title", &s), Unit: u}
	v.Title = u.Name
	// The same query as GET /v1/units/{unit_id}/summary, but for the
	// breakdown while its persons are being counted: a page does not wait.
	var found bool
	if found, v.BreakdownPending = p.proj.UnitSummaryNowInto(&v.Sum, u.ID, from, to); !found {
		p.fail(w, r, l, pageError{status: http.StatusNotFound, key: "err.unit.unknown", args: []any{string(u.ID)}})
		return
	}
	v.In, v.Out = inOut(v.Sum.Totals)
	v.Lines = make([]fundLine, 0, len(v.Sum.Funds))
	for i := range v.Sum.Funds {
		v.Lines = append(v.Lines, newFundLine(v.frame, &v.Sum.Funds[i]))
	}
	// The first date with figures: the earliest fund's opening.
	first, ok := p.proj.UnitFirstOpened(u.ID)
	if !ok || first > to {
		first = to
	}
	v.Crumbs = p.crumbs(s, u.Path, v.frame)
	for _, c := range p.children(u.ID) {
		v.Children = append(v.Children, crumb{Name: c.Name, Href: v.Link("/units/" + string(c.ID))})
	}
	path := "/units/" + string(u.ID)
	v.Period = newPeriod(path, l, from, to, today, first.Year())
	chartFrom := max(from, first)
	chartTo := min(to, today) // nothing is dated after today
	v.Chart = newChart(l, chartFrom, chartTo, func(dates []domain.Date) []projections.Totals {
		totals, _ := p.proj.UnitTotalsAt(u.ID, dates, nil)
		return totals
	})
	p.render(w, r, http.StatusOK, "unit", v)
	if v.BreakdownPending {
		// Counted once the page is written: its workers would take the
		// cores from the page.
		p.proj.CountUnitBreakdown(u.ID)
	}
}

// visible reports whether unit is in the session's scope, as the API's
// visible does.
func (p *Pages) visible(s session, unit domain.UnitID) bool {
	if s.scope == "" {
		return true
	}
	return unit != "" && p.proj.InSubtree(s.scope, unit)
}

// crumbs links the units of path (root first) that the session may open.
func (p *Pages) crumbs(s session, path []domain.UnitID, f frame) []crumb {
	out := make([]crumb, 0, len(path))
	for _, id := range path {
		u, ok := p.proj.Unit(id)
		if !ok {
			continue
		}
		c := crumb{Name: u.Name}
		if p.visible(s, id) {
			c.Href = f.Link("/units/" + string(id))
		}
		out = append(out, c)
	}
	return out
}

// maxChildren bounds the units a unit's page lists under it.
const maxChildren = 1000

// children returns the units directly under id.
func (p *Pages) children(id domain.UnitID) []projections.Unit {
	var out []projections.Unit
	after := 0
	for {
		units, next := p.proj.Units(id, after, maxChildren)
		for _, u := range units {
			if u.ParentID == id && len(out) < maxChildren {
				out = append(out, u)
			}
		}
		if next == 0 || len(out) >= maxChildren {
			return out
		}
		after = next
	}
}
