package web

import (
	"net/http"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
)

// The dashboard shows the token's scope at a glance. On a national ledger
// that is thousands of units and hundreds of funds; the page lists up to
// these many, and says when there are more (each unit's page has the rest).
const (
	maxHomeUnits = 500
	maxHomeFunds = 200
)

// treeNode is one unit of the dashboard's tree.
type treeNode struct {
	Unit     projections.Unit
	Href     string
	Children []*treeNode
}

// homeView is the dashboard.
type homeView struct {
	frame
	AsOf      domain.Date
	Tree      []*treeNode
	MoreUnits bool
	Funds     []fundCard
	MoreFunds bool
}

// fundCard is one fund on the dashboard, its figures written out (see
// fundLine on why).
type fundCard struct {
	Name, Href, Sub                 string
	BalanceHeadline, Balance        string
	CapitalHeadline, Capital        string
	LoansHeadline, LoansOutstanding string
}

func newFundCard(f frame, s *projections.FundSummary, unitName string) fundCard {
	return fundCard{
		Name: s.Name, Href: f.Link("/funds/" + s.FundID.String()),
		Sub:             mustMessage(f.Lang, "kind."+string(s.Kind)) + " · " + unitName,
		BalanceHeadline: headlineIn(f.Lang, s.Balance), Balance: domain.FormatVND(s.Balance),
		CapitalHeadline: headlineIn(f.Lang, s.Capital), Capital: domain.FormatVND(s.Capital),
		LoansHeadline: headlineIn(f.Lang, s.LoansOutstanding), LoansOutstanding: domain.FormatVND(s.LoansOutstanding),
	}
}

// home: GET /, the unit tree of the token's scope and a card per fund with
// its balance, capital and loans outstanding as of today.
func (p *Pages) home(w http.ResponseWriter, r *http.Request) {
	q, perr := readQuery(r, "lang")
	if perr != nil {
		p.fail(w, r, q.lang, *perr)
		return
	}
	s, ok := p.signedIn(w, r, q.lang)
	if !ok {
		return
	}
	today := p.today()
	v := homeView{frame: p.frame(r, q.lang, "home.title", &s), AsOf: today}
	units, next := p.proj.Units(s.scope, 0, maxHomeUnits)
	v.MoreUnits = next > 0
	v.Tree = buildTree(units, v.frame)
	// The same query as GET /v1/funds (without unit_id: the token's scope).
	funds, nextFund := p.proj.Funds(projections.FundFilter{Unit: s.scope}, today, 0, maxHomeFunds)
	v.MoreFunds = nextFund > 0
	names := make(map[domain.UnitID]string, len(units))
	for _, u := range units {
		names[u.ID] = u.Name
	}
	v.Funds = make([]fundCard, 0, len(funds))
	for i := range funds {
		f := &funds[i]
		unitName, ok := names[f.UnitID]
		if !ok {
			if u, found := p.proj.Unit(f.UnitID); found {
				unitName = u.Name
			}
		}
		v.Funds = append(v.Funds, newFundCard(v.frame, f, unitName))
	}
	p.render(w, r, http.StatusOK, "home", v)
}

// buildTree nests units (in registration order, so every parent before
// its children) under their parents; a unit whose parent is not listed is
// a root of the tree (the scope's own unit, or a root of the ledger).
func buildTree(units []projections.Unit, f frame) []*treeNode {
	nodes := make(map[domain.UnitID]*treeNode, len(units))
	var roots []*treeNode
	for _, u := range units {
		n := &treeNode{Unit: u, Href: f.Link("/units/" + string(u.ID))}
		nodes[u.ID] = n
		if parent, ok := nodes[u.ParentID]; ok && u.ParentID != "" {
			parent.Children = append(parent.Children, n)
		} else {
			roots = append(roots, n)
		}
	}
	return roots
}
