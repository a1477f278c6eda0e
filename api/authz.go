package api

import (
	"slices"

	"github.com/labstack/echo/v4"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// Authorization lives here and nowhere else (API.md, "Access"): every
// route's row in the route table says which roles may call it and which
// path parameter names the resource whose unit must be in the caller's
// scope. The authorize middleware enforces both before a handler runs.
// What a path does not name — the unit in a body, the items of a list — a
// handler hands to mayUse or to visible, which apply the same scope rule.

// roleSet is the roles a route admits.
type roleSet []domain.Role

var (
	anyRole     = roleSet{domain.RoleAdmin, domain.RoleManager, domain.RoleAuditor, domain.RoleOfficial}
	adminOnly   = roleSet{domain.RoleAdmin}
	writers     = roleSet{domain.RoleAdmin, domain.RoleManager}
	namedPeople = roleSet{domain.RoleAdmin, domain.RoleManager, domain.RoleAuditor} // may see beneficiary ids
	auditors    = roleSet{domain.RoleAdmin, domain.RoleAuditor}
	public      = roleSet(nil) // no token needed
)

// resource says which path parameter names what a route reads or changes.
type resource int

const (
	noResource    resource = iota // a list, or a resource named in the body
	unitResource                  // :unit_id
	fundResource                  // :fund_id
	tokenResource                 // :token_id
)

// route is one row of the route table: the route, its handler and who may
// call it.
type route struct {
	method, path string
	handler      func(*Server, echo.Context) error
	roles        roleSet
	resource     resource
}

// routeTable is every route of the API with its access rule. The money
// writes' routes come from the table of money kinds (moneyRoutes), all
// for writers on the fund their path names.
var routeTable = slices.Concat(moneyRoutes(), []route{
	{"GET", "/healthz", (*Server).healthz, public, noResource},
	{"GET", "/readyz", (*Server).readyz, public, noResource},
	{"GET", "/metrics", (*Server).metricsHandler, public, noResource},
	{"GET", "/v1/openapi.yaml", (*Server).openAPI, public, noResource},

	{"POST", "/v1/units", (*Server).registerUnit, adminOnly, noResource},
	{"GET", "/v1/units", (*Server).listUnits, anyRole, noResource},
	{"GET", "/v1/units/:unit_id", (*Server).getUnit, anyRole, unitResource},
	{"GET", "/v1/units/:unit_id/summary", (*Server).unitSummary, anyRole, unitResource},
	{"POST", "/v1/units/:unit_id/periods", (*Server).closePeriod, adminOnly, unitResource},
	{"GET", "/v1/units/:unit_id/periods", (*Server).listPeriods, anyRole, unitResource},
	{"POST", "/v1/units/:unit_id/periods/:year/reopen", (*Server).reopenPeriod, adminOnly, unitResource},

	{"POST", "/v1/funds", (*Server).openFund, adminOnly, noResource},
	{"GET", "/v1/funds", (*Server).listFunds, anyRole, noResource},
	{"GET", "/v1/funds/:fund_id", (*Server).getFund, anyRole, fundResource},
	{"GET", "/v1/funds/:fund_id/loans/:loan_id", (*Server).getLoan, anyRole, fundResource},
	{"GET", "/v1/funds/:fund_id/transactions", (*Server).listTransactions, anyRole, fundResource},
	{"GET", "/v1/funds/:fund_id/statement", (*Server).fundStatement, anyRole, fundResource},

	{"GET", "/v1/beneficiaries/:beneficiary_id", (*Server).getBeneficiary, namedPeople, noResource},
	{"GET", "/v1/events", (*Server).listEvents, auditors, noResource},
	{"GET", "/v1/audit/verify", (*Server).verifyLedger, auditors, noResource},
	{"GET", "/v1/audit/head", (*Server).auditHead, auditors, noResource},

	{"POST", "/v1/tokens", (*Server).issueToken, adminOnly, noResource},
	{"GET", "/v1/tokens", (*Server).listTokens, adminOnly, noResource},
	{"DELETE", "/v1/tokens/:token_id", (*Server).revokeToken, adminOnly, tokenResource},
})

// routes registers the route table, each route behind its access rule.
func (s *Server) routes(e *echo.Echo) {
	for _, r := range routeTable {
		h := r.handler
		handler := func(c echo.Context) error { return h(s, c) }
		if r.roles != nil {
			handler = s.authorize(r)(handler)
		}
		e.Add(r.method, r.path, handler)
	}
}

// authorize enforces a route's rule on an authenticated caller: its role,
// then the scope of the resource its path names. A malformed or unknown
// resource is let through to the handler, which answers 422 or 404 without
// having looked anything up for a caller it could not place.
func (s *Server) authorize(r route) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			p := caller(c)
			if p == nil {
				// authenticate guards every non-public route; reaching
				// here without a caller is a wiring bug, so fail closed.
				return unauthorized("send Authorization: Bearer <token>")
			}
			if !slices.Contains(r.roles, p.role) {
				return apiErr(codeForbidden, "the role %s may not %s %s", p.role, r.method, openAPIPath(r.path))
			}
			if unit, known := s.resourceUnit(c, r.resource); known {
				if err := s.mayUse(c, unit); err != nil {
					return err
				}
			}
			return next(c)
		}
	}
}

// resourceUnit returns the unit owning the resource a path names (the
// scope of a token, for a token), and whether there is one to check.
func (s *Server) resourceUnit(c echo.Context, r resource) (domain.UnitID, bool) {
	switch r {
	case unitResource:
		id, err := domain.ParseUnitID(c.Param("unit_id"))
		if err != nil {
			return "", false
		}
		_, found := s.proj.Unit(id)
		return id, found
	case fundResource:
		id, err := domain.ParseUUID(c.Param("fund_id"))
		if err != nil {
			return "", false
		}
		return s.proj.FundUnit(id)
	case tokenResource:
		id, err := domain.ParseUUID(c.Param("token_id"))
		if err != nil {
			return "", false
		}
		t, _, found := s.proj.Token(id)
		return t.Scope(), found
	}
	return "", false
}

// mayUse refuses a caller whose scope does not hold unit. The empty unit is
// the whole ledger (a root unit's parent, an unscoped token), which only an
// unscoped caller holds.
func (s *Server) mayUse(c echo.Context, unit domain.UnitID) error {
	p := caller(c)
	if s.visible(p, unit) {
		return nil
	}
	if unit == "" {
		return apiErr(codeForbidden, "only a token scoped to the whole ledger may do this; this token is scoped to %q", p.scope)
	}
	return apiErr(codeForbidden, "unit %q is outside this token's scope (%q and the units under it)", unit, p.scope)
}

// visible reports whether unit is in p's scope.
func (s *Server) visible(p *principal, unit domain.UnitID) bool {
	if p == nil {
		return false
	}
	if p.scope == "" {
		return true
	}
	return unit != "" && s.proj.InSubtree(p.scope, unit)
}
