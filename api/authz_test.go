package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// The authorization matrix: every route × every role × the resource in the
// token's scope or outside it, plus no token and a revoked token. Every cell
// comes from the one table below; a route the server has but the table
// lacks fails the test, so adding a route means deciding who may call it.
//
// The fixture: vgcl → lang-son → cao-loc, and vgcl → ha-noi. Every role's
// token is scoped to lang-son; "in" requests name cao-loc's things, "out"
// requests ha-noi's (or vgcl, which lang-son holds only part of).

const (
	mxSocialIn   = "0190a0b4-0000-7000-8000-00000000a001" // social, cao-loc
	mxSocialOut  = "0190a0b4-0000-7000-8000-00000000a002" // social, ha-noi
	mxCapitalIn  = "0190a0b4-0000-7000-8000-00000000a003" // capital_support, cao-loc
	mxCapitalOut = "0190a0b4-0000-7000-8000-00000000a004" // capital_support, ha-noi
	mxLoanIn     = "0190a0b4-0000-7000-8000-00000000a005"
	mxLoanOut    = "0190a0b4-0000-7000-8000-00000000a006"
)

// mxRequest is one request of a cell: made fresh for every call, since a
// write that succeeds cannot simply be repeated.
type mxRequest func(e *env) (path, body string)

func fixed(path, body string) mxRequest { return func(*env) (string, string) { return path, body } }

type mxRow struct {
	method, route string
	// roles may call the route; nil: public, no token needed.
	roles []domain.Role
	// ok is the status of an allowed call in scope; outStatus that of an
	// allowed call outside the scope (403 but where the answer hides what
	// is out of scope, as a beneficiary found nowhere in scope is 404).
	ok, outStatus int
	in, out       mxRequest // out is nil for routes that name no resource
}

var (
	everyRole = []domain.Role{domain.RoleAdmin, domain.RoleManager, domain.RoleAuditor, domain.RoleOfficial}
	adminRole = []domain.Role{domain.RoleAdmin}
	writeRole = []domain.Role{domain.RoleAdmin, domain.RoleManager}
	namedRole = []domain.Role{domain.RoleAdmin, domain.RoleManager, domain.RoleAuditor}
	auditRole = []domain.Role{domain.RoleAdmin, domain.RoleAuditor}
)

// mxYear hands each close of the matrix a year no other closed, so that
// every allowed close is a new one.
var mxYear atomic.Int32

// closeYear asks to close a fresh year of unit.
func closeYear(unit string) mxRequest {
	return func(*env) (string, string) {
		return "/v1/units/" + unit + "/periods", fmt.Sprintf(`{"year":%d}`, 1900+mxYear.Add(1))
	}
}

// reopenYear closes a fresh year of unit (as the unscoped admin) and asks
// to reopen it.
func reopenYear(unit string) mxRequest {
	return func(e *env) (string, string) {
		path, body := closeYear(unit)(e)
		e.mustCreate(path, body)
		var y struct {
			Year int `json:"year"`
		}
		if err := json.Unmarshal([]byte(body), &y); err != nil {
			e.t.Fatal(err)
		}
		return fmt.Sprintf("/v1/units/%s/periods/%d/reopen", unit, y.Year), `{"reason":"bổ sung chứng từ"}`
	}
}

// tokenOf issues a token scoped to unit (as the unscoped admin) and names it
// for revocation.
func tokenOf(unit string) mxRequest {
	return func(e *env) (string, string) {
		r := e.mustCreate("/v1/tokens", fmt.Sprintf(`{"role":"official","unit_id":%q,"name":"x"}`, unit))
		var tok struct {
			TokenID string `json:"token_id"`
		}
		decodeInto(e.t, r, &tok)
		return "/v1/tokens/" + tok.TokenID, ""
	}
}

var matrix = append([]mxRow{
	{"GET", "/healthz", nil, 200, 0, fixed("/healthz", ""), nil},
	{"GET", "/readyz", nil, 200, 0, fixed("/readyz", ""), nil},
	{"GET", "/metrics", nil, 200, 0, fixed("/metrics", ""), nil},
	{"GET", "/v1/openapi.yaml", nil, 200, 0, fixed("/v1/openapi.yaml", ""), nil},

	{"POST", "/v1/units", adminRole, 201, 403,
		func(e *env) (string, string) {
			return "/v1/units", fmt.Sprintf(`{"unit_id":"cd-%s","name":"CĐCS","parent_id":"cao-loc"}`, domain.NewID().String()[24:])
		},
		fixed("/v1/units", `{"unit_id":"ha-noi-cd","name":"CĐCS","parent_id":"ha-noi"}`)},
	{"GET", "/v1/units", everyRole, 200, 0, fixed("/v1/units", ""), nil},
	{"GET", "/v1/units/{unit_id}", everyRole, 200, 403, fixed("/v1/units/cao-loc", ""), fixed("/v1/units/ha-noi", "")},
	{"GET", "/v1/units/{unit_id}/summary", everyRole, 200, 403, fixed("/v1/units/lang-son/summary", ""), fixed("/v1/units/vgcl/summary", "")},
	{"POST", "/v1/units/{unit_id}/periods", adminRole, 201, 403, closeYear("cao-loc"), closeYear("ha-noi")},
	{"GET", "/v1/units/{unit_id}/periods", everyRole, 200, 403, fixed("/v1/units/cao-loc/periods", ""), fixed("/v1/units/vgcl/periods", "")},
	{"POST", "/v1/units/{unit_id}/periods/{year}/reopen", adminRole, 200, 403, reopenYear("cao-loc"), reopenYear("ha-noi")},

	{"POST", "/v1/funds", adminRole, 201, 403,
		fixed("/v1/funds", `{"unit_id":"cao-loc","name":"Quỹ","kind":"charity"}`),
		fixed("/v1/funds", `{"unit_id":"ha-noi","name":"Quỹ","kind":"charity"}`)},
	{"GET", "/v1/funds", everyRole, 200, 403, fixed("/v1/funds?unit_id=cao-loc", ""), fixed("/v1/funds?unit_id=ha-noi", "")},
	{"GET", "/v1/funds/{fund_id}", everyRole, 200, 403, fixed("/v1/funds/"+mxSocialIn, ""), fixed("/v1/funds/"+mxSocialOut, "")},
	{"GET", "/v1/funds/{fund_id}/loans/{loan_id}", everyRole, 200, 403,
		fixed("/v1/funds/"+mxCapitalIn+"/loans/"+mxLoanIn, ""), fixed("/v1/funds/"+mxCapitalOut+"/loans/"+mxLoanOut, "")},
	{"GET", "/v1/funds/{fund_id}/transactions", everyRole, 200, 403,
		fixed("/v1/funds/"+mxSocialIn+"/transactions", ""), fixed("/v1/funds/"+mxSocialOut+"/transactions", "")},
	{"GET", "/v1/funds/{fund_id}/statement", everyRole, 200, 403,
		fixed("/v1/funds/"+mxSocialIn+"/statement", ""), fixed("/v1/funds/"+mxSocialOut+"/statement", "")},

	{"GET", "/v1/beneficiaries/{beneficiary_id}", namedRole, 200, 404, fixed("/v1/beneficiaries/MX-IN", ""), fixed("/v1/beneficiaries/MX-OUT", "")},
	{"GET", "/v1/events", auditRole, 200, 0, fixed("/v1/events", ""), nil},
	{"GET", "/v1/audit/verify", auditRole, 200, 0, fixed("/v1/audit/verify", ""), nil},
	{"GET", "/v1/audit/head", auditRole, 200, 0, fixed("/v1/audit/head", ""), nil},

	{"POST", "/v1/tokens", adminRole, 201, 403,
		fixed("/v1/tokens", `{"role":"manager","unit_id":"cao-loc","name":"Kế toán"}`),
		fixed("/v1/tokens", `{"role":"manager","unit_id":"ha-noi","name":"Kế toán"}`)},
	{"GET", "/v1/tokens", adminRole, 200, 0, fixed("/v1/tokens", ""), nil},
	{"DELETE", "/v1/tokens/{token_id}", adminRole, 204, 403, tokenOf("cao-loc"), tokenOf("ha-noi")},
}, moneyMatrixRows()...)

// matrixFixture builds the units, funds and loans the matrix names.
func matrixFixture(e *env) {
	e.t.Helper()
	e.mustCreate("/v1/units", `{"unit_id":"vgcl","name":"Tổng Liên đoàn"}`)
	e.mustCreate("/v1/units", `{"unit_id":"lang-son","name":"LĐLĐ Lạng Sơn","parent_id":"vgcl"}`)
	e.mustCreate("/v1/units", `{"unit_id":"cao-loc","name":"LĐLĐ Cao Lộc","parent_id":"lang-son"}`)
	e.mustCreate("/v1/units", `{"unit_id":"ha-noi","name":"LĐLĐ Hà Nội","parent_id":"vgcl"}`)
	e.openFund(mxSocialIn, "cao-loc", "social")
	e.openFund(mxSocialOut, "ha-noi", "social")
	e.openFund(mxCapitalIn, "cao-loc", "capital_support")
	e.openFund(mxCapitalOut, "ha-noi", "capital_support")
	for _, f := range []string{mxSocialIn, mxSocialOut, mxCapitalIn, mxCapitalOut} {
		e.donate(f, "100000000", "2024-01-02")
	}
	e.tx("/v1/funds/"+mxCapitalIn+"/loans", `{"loan_id":"`+mxLoanIn+`","beneficiary_id":"MX-IN","amount":"50000000","occurred_on":"2024-02-01"}`)
	e.tx("/v1/funds/"+mxCapitalOut+"/loans", `{"loan_id":"`+mxLoanOut+`","beneficiary_id":"MX-OUT","amount":"50000000","occurred_on":"2024-02-01"}`)
}

func TestAuthorizationMatrix(t *testing.T) {
	e := newEnv(t)
	matrixFixture(e)

	// Every route of the server has exactly one row.
	rows := map[string]bool{}
	for _, r := range matrix {
		key := r.method + " " + r.route
		if rows[key] {
			t.Errorf("matrix has two rows for %s", key)
		}
		rows[key] = true
	}
	for _, r := range e.server.Routes() {
		if key := r.Method + " " + r.Path; !rows[key] {
			t.Errorf("route %s has no row in the authorization matrix: decide who may call it", key)
		}
		delete(rows, r.Method+" "+r.Path)
	}
	for key := range rows {
		t.Errorf("matrix row %s matches no route", key)
	}

	tokens := map[domain.Role]string{}
	for _, role := range everyRole {
		tokens[role] = e.issueToken(nil, role, "lang-son")
	}
	revoked := e.issueToken(nil, domain.RoleAdmin, "lang-son")
	revokedID, _ := domain.TokenID(revoked)
	mustStatus(t, e.request(http.MethodDelete, "/v1/tokens/"+revokedID.String(), ""), http.StatusNoContent)

	call := func(t *testing.T, method string, req mxRequest, token string) resp {
		t.Helper()
		path, body := req(e)
		return e.request(method, path, body, "Authorization", token)
	}
	check := func(t *testing.T, r resp, want int, who string) {
		t.Helper()
		if r.status != want {
			t.Errorf("%s: %v, want %d", who, r, want)
		}
		if want == http.StatusUnauthorized && r.header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: 401 without WWW-Authenticate", who)
		}
	}
	for _, row := range matrix {
		t.Run(row.method+" "+row.route, func(t *testing.T) {
			public := row.roles == nil
			noToken, revokedStatus := http.StatusUnauthorized, http.StatusUnauthorized
			if public {
				noToken, revokedStatus = row.ok, row.ok
			}
			check(t, call(t, row.method, row.in, ""), noToken, "no token")
			check(t, call(t, row.method, row.in, "Bearer "+revoked), revokedStatus, "revoked token")
			if public {
				return
			}
			// A token that is not ours at all, and a malformed header.
			check(t, call(t, row.method, row.in, "Bearer wl_0190a0b6000070008000000000000000_"+strings.Repeat("A", 43)), http.StatusUnauthorized, "unknown token")
			check(t, call(t, row.method, row.in, "Basic "+tokens[domain.RoleAdmin]), http.StatusUnauthorized, "not a bearer")
			for _, role := range everyRole {
				allowed := slices.Contains(row.roles, role)
				want, wantOut := http.StatusForbidden, http.StatusForbidden
				if allowed {
					want, wantOut = row.ok, row.outStatus
				}
				check(t, call(t, row.method, row.in, "Bearer "+tokens[role]), want, string(role)+" in scope")
				if row.out != nil {
					check(t, call(t, row.method, row.out, "Bearer "+tokens[role]), wantOut, string(role)+" out of scope")
				}
			}
		})
	}
}
