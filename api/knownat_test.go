package api_test

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// testClock is a ledger clock a test sets between writes, so that their
// recorded_at differ (fixedNow records every write at one instant).
type testClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) set(at time.Time) {
	c.mu.Lock()
	c.now = at
	c.mu.Unlock()
}

// knownAtLedger records a history in two sittings, at 08:00 and at 09:00
// of fixedNow's day (Vietnam time), and returns the env, its clock and the
// instant between them, 08:30. The first sitting: the units vgcl →
// lang-son → cao-loc, a social fund in lang-son with a donation of 100 m
// and grants of 5 m to M001 and 3 m to M002, and a capital fund in
// cao-loc with a donation of 50 m and a loan of 10 m to M004. The second:
// a grant of 2 m to M003 back-dated to February, the reversal of M002's
// grant, a repayment of 4 m of the loan, a unit dong-dang and a shelter
// fund.
func knownAtLedger(t *testing.T) (e *env, clock *testClock, between string, ids map[string]string) {
	t.Helper()
	at := func(hour int) time.Time { return time.Date(2024, 6, 30, hour, 0, 0, 0, domain.VietnamZone) }
	clock = &testClock{now: at(8)}
	e = &env{t: t, dir: t.TempDir(), clock: clock.Now}
	e.start()
	t.Cleanup(func() { e.stop() })

	ids = map[string]string{}
	e.units()
	e.openFund(socialFund, "lang-son", "social")
	e.donate(socialFund, "100000000", "2024-01-10")
	e.grant(socialFund, "M001", "5000000", "2024-02-01")
	ids["M002 grant"] = e.grant(socialFund, "M002", "3000000", "2024-03-01").TransactionID
	e.openFund(capitalFund, "cao-loc", "capital_support")
	e.donate(capitalFund, "50000000", "2024-01-10")
	ids["loan"] = e.tx("/v1/funds/"+capitalFund+"/loans", `{"beneficiary_id":"M004","amount":"10000000","occurred_on":"2024-02-01"}`).TransactionID

	clock.set(at(9))
	e.grant(socialFund, "M003", "2000000", "2024-02-15")
	ids["reversal"] = e.tx("/v1/funds/"+socialFund+"/reversals",
		fmt.Sprintf(`{"reverses":%q,"reason":"paid twice","occurred_on":"2024-06-30"}`, ids["M002 grant"])).TransactionID
	e.tx("/v1/funds/"+capitalFund+"/loans/"+ids["loan"]+"/repayments", `{"amount":"4000000","occurred_on":"2024-05-01"}`)
	e.mustCreate("/v1/units", `{"unit_id":"dong-dang","name":"Công đoàn Đồng Đăng","parent_id":"lang-son"}`)
	e.openFund(shelterFund, "lang-son", "shelter")
	return e, clock, at(8).Add(30 * time.Minute).UTC().Format(time.RFC3339), ids
}

// knownAtJSON is the known_at echo of any answer.
type knownAtJSON struct {
	KnownAt *string `json:"known_at"`
}

func (e *env) getOK(path string, v any) {
	e.t.Helper()
	r := e.get(path)
	mustStatus(e.t, r, http.StatusOK)
	decodeInto(e.t, r, v)
}

func TestKnownAtFundSummary(t *testing.T) {
	e, _, k, _ := knownAtLedger(t)
	cases := []struct {
		name, query string
		want        figures
	}{
		{"today as of March", "?as_of=2024-03-31", figures{"90000000", "0", "90000000",
			totals("100000000", "0", "10000000", "0", "0"), counts(1, 0, 0, 3, 0, 0, 0), beneficiariesJSON{3, 3}}},
		{"known_at as of March: the back-dated grant not yet recorded", "?as_of=2024-03-31&known_at=" + k, figures{"92000000", "0", "92000000",
			totals("100000000", "0", "8000000", "0", "0"), counts(1, 0, 0, 2, 0, 0, 0), beneficiariesJSON{2, 2}}},
		{"today", "", figures{"93000000", "0", "93000000",
			totals("100000000", "0", "7000000", "0", "0"), counts(1, 0, 0, 2, 0, 0, 1), beneficiariesJSON{2, 2}}},
		{"known_at today: the reversal not yet recorded", "?known_at=" + k, figures{"92000000", "0", "92000000",
			totals("100000000", "0", "8000000", "0", "0"), counts(1, 0, 0, 2, 0, 0, 0), beneficiariesJSON{2, 2}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := e.fund(socialFund, c.query)
			if got.figures() != c.want {
				t.Errorf("GET fund%s = %+v, want %+v", c.query, got.figures(), c.want)
			}
		})
	}

	// The persons differ although the counts agree: M002 then, M003 now.
	var then struct {
		knownAtJSON
		Position uint64 `json:"position"`
	}
	e.getOK("/v1/funds/"+socialFund+"?known_at="+k, &then)
	if then.KnownAt == nil || *then.KnownAt != k {
		t.Errorf("known_at echoed = %v, want %s", then.KnownAt, k)
	}
	now := e.fund(socialFund, "")
	if then.Position >= now.Position {
		t.Errorf("position at known_at = %d, want the fund's last event known then, before today's %d", then.Position, now.Position)
	}

	// A fund opened after known_at did not exist yet; one opened before
	// it did.
	mustProblem(t, e.get("/v1/funds/"+shelterFund+"?known_at="+k), http.StatusNotFound, "not_found")
	e.fund(shelterFund, "")
	var list struct {
		knownAtJSON
		Items []fundJSON `json:"items"`
	}
	e.getOK("/v1/funds?known_at="+k, &list)
	if len(list.Items) != 2 || list.Items[0].FundID != socialFund || list.Items[1].FundID != capitalFund ||
		list.Items[0].Balance != "92000000" || list.KnownAt == nil || *list.KnownAt != k {
		t.Errorf("GET /v1/funds?known_at = %+v, want the social fund at 92000000 and the capital fund, known_at %s", list, k)
	}
}

func TestKnownAtUnits(t *testing.T) {
	e, _, k, _ := knownAtLedger(t)
	var list struct {
		knownAtJSON
		Items []struct {
			UnitID string `json:"unit_id"`
		} `json:"items"`
	}
	e.getOK("/v1/units?known_at="+k, &list)
	var got []string
	for _, u := range list.Items {
		got = append(got, u.UnitID)
	}
	if strings.Join(got, ",") != "vgcl,lang-son,cao-loc" || list.KnownAt == nil {
		t.Errorf("GET /v1/units?known_at = %v (known_at %v), want vgcl,lang-son,cao-loc echoed", got, list.KnownAt)
	}
	mustProblem(t, e.get("/v1/units/dong-dang?known_at="+k), http.StatusNotFound, "not_found")
	mustProblem(t, e.get("/v1/units/dong-dang/summary?known_at="+k), http.StatusNotFound, "not_found")
	mustStatus(t, e.get("/v1/units/dong-dang"), http.StatusOK)
	var unit struct {
		knownAtJSON
		Path []string `json:"path"`
	}
	e.getOK("/v1/units/cao-loc?known_at="+k, &unit)
	if strings.Join(unit.Path, ",") != "vgcl,lang-son,cao-loc" || unit.KnownAt == nil || *unit.KnownAt != k {
		t.Errorf("GET /v1/units/cao-loc?known_at = %+v", unit)
	}

	type lineJSON struct {
		FundID         string            `json:"fund_id"`
		ClosingBalance string            `json:"closing_balance"`
		Beneficiaries  beneficiariesJSON `json:"beneficiaries"`
	}
	type summaryJSON struct {
		knownAtJSON
		OpeningBalance string            `json:"opening_balance"`
		ClosingBalance string            `json:"closing_balance"`
		Totals         totalsJSON        `json:"totals"`
		Counts         countsJSON        `json:"counts"`
		Beneficiaries  beneficiariesJSON `json:"beneficiaries"`
		Funds          []lineJSON        `json:"funds"`
	}
	cases := []struct {
		name, query     string
		opening, closes string
		persons, times  int
		funds           int
	}{
		// lang-son: the social fund (and the shelter fund today) and
		// cao-loc's capital fund, whose loan went to M004.
		{"today", "", "0", "137000000", 3, 3, 3},
		{"known_at", "?known_at=" + k, "0", "132000000", 3, 3, 2},
		{"February today", "?from=2024-02-01&to=2024-02-29", "150000000", "133000000", 3, 3, 3},
		{"February known_at", "?from=2024-02-01&to=2024-02-29&known_at=" + k, "150000000", "135000000", 2, 2, 2},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var s summaryJSON
			e.getOK("/v1/units/lang-son/summary"+c.query, &s)
			if s.OpeningBalance != c.opening || s.ClosingBalance != c.closes || s.Beneficiaries != (beneficiariesJSON{c.persons, c.times}) || len(s.Funds) != c.funds {
				t.Errorf("summary%s = opening %s closing %s beneficiaries %+v, %d funds; want %s, %s, {%d %d}, %d funds",
					c.query, s.OpeningBalance, s.ClosingBalance, s.Beneficiaries, len(s.Funds), c.opening, c.closes, c.persons, c.times, c.funds)
			}
			if strings.Contains(c.query, "known_at") != (s.KnownAt != nil) || (s.KnownAt != nil && *s.KnownAt != k) {
				t.Errorf("summary%s known_at = %v", c.query, s.KnownAt)
			}
		})
	}
}

func TestKnownAtTransactionsLoansBeneficiaries(t *testing.T) {
	e, _, k, ids := knownAtLedger(t)
	type txJSON struct {
		TransactionID string  `json:"transaction_id"`
		Type          string  `json:"type"`
		ReversedBy    *string `json:"reversed_by"`
	}
	var list struct {
		knownAtJSON
		Items []txJSON `json:"items"`
	}
	e.getOK("/v1/funds/"+socialFund+"/transactions?known_at="+k, &list)
	if len(list.Items) != 3 || list.KnownAt == nil {
		t.Fatalf("transactions at known_at = %+v, want the donation and two grants, with known_at", list)
	}
	if it := list.Items[2]; it.TransactionID != ids["M002 grant"] || it.ReversedBy != nil {
		t.Errorf("M002's grant at known_at = %+v, want not reversed (the reversal came later)", it)
	}
	list.KnownAt, list.Items = nil, nil
	e.getOK("/v1/funds/"+socialFund+"/transactions", &list)
	if len(list.Items) != 5 || list.Items[2].ReversedBy == nil || *list.Items[2].ReversedBy != ids["reversal"] || list.KnownAt != nil {
		t.Errorf("transactions today = %+v, want five, M002's grant reversed by %s, no known_at", list, ids["reversal"])
	}

	type loanJSON struct {
		knownAtJSON
		Repaid      string `json:"repaid"`
		Outstanding string `json:"outstanding"`
		Status      string `json:"status"`
	}
	var loan loanJSON
	e.getOK("/v1/funds/"+capitalFund+"/loans/"+ids["loan"]+"?known_at="+k, &loan)
	if loan.Repaid != "0" || loan.Outstanding != "10000000" || loan.Status != "active" || loan.KnownAt == nil {
		t.Errorf("loan at known_at = %+v, want nothing repaid yet", loan)
	}
	e.getOK("/v1/funds/"+capitalFund+"/loans/"+ids["loan"], &loan)
	if loan.Repaid != "4000000" || loan.Outstanding != "6000000" {
		t.Errorf("loan today = %+v, want 4000000 repaid", loan)
	}

	type benefJSON struct {
		knownAtJSON
		Totals struct {
			AssistanceGrants string `json:"assistance_grants"`
		} `json:"totals"`
		Counts beneficiariesJSON `json:"counts"`
		Items  []txJSON          `json:"items"`
	}
	var b benefJSON
	e.getOK("/v1/beneficiaries/M002?known_at="+k, &b)
	if b.Totals.AssistanceGrants != "3000000" || b.Counts.Times != 1 || len(b.Items) != 1 || b.Items[0].ReversedBy != nil {
		t.Errorf("M002 at known_at = %+v, want the grant not reversed", b)
	}
	e.getOK("/v1/beneficiaries/M002", &b)
	if b.Totals.AssistanceGrants != "0" || b.Counts.Times != 0 || b.Items[0].ReversedBy == nil {
		t.Errorf("M002 today = %+v, want the grant reversed", b)
	}
	mustProblem(t, e.get("/v1/beneficiaries/M003?known_at="+k), http.StatusNotFound, "not_found")

	var st struct {
		knownAtJSON
		ClosingBalance string           `json:"closing_balance"`
		Lines          []map[string]any `json:"lines"`
	}
	e.getOK("/v1/funds/"+socialFund+"/statement?known_at="+k, &st)
	if st.ClosingBalance != "92000000" || len(st.Lines) != 3 || st.KnownAt == nil || *st.KnownAt != k {
		t.Errorf("statement at known_at = closing %s, %d lines, known_at %v; want 92000000, 3, %s", st.ClosingBalance, len(st.Lines), st.KnownAt, k)
	}
	e.getOK("/v1/funds/"+socialFund+"/statement", &st)
	if st.ClosingBalance != "93000000" || len(st.Lines) != 5 {
		t.Errorf("statement today = closing %s, %d lines; want 93000000, 5", st.ClosingBalance, len(st.Lines))
	}
}

func TestKnownAtEdges(t *testing.T) {
	e, _, _, _ := knownAtLedger(t)
	// Before the first event: an empty ledger.
	before := "2020-01-01T00:00:00Z"
	var list struct {
		knownAtJSON
		Items []any `json:"items"`
	}
	for _, path := range []string{"/v1/units", "/v1/funds"} {
		e.getOK(path+"?known_at="+before, &list)
		if len(list.Items) != 0 || list.KnownAt == nil || *list.KnownAt != before {
			t.Errorf("%s before the first event = %+v, want an empty list", path, list)
		}
	}
	for _, path := range []string{"/v1/funds/" + socialFund, "/v1/units/vgcl", "/v1/units/vgcl/summary",
		"/v1/funds/" + socialFund + "/transactions", "/v1/funds/" + socialFund + "/statement", "/v1/beneficiaries/M001"} {
		mustProblem(t, e.get(path+"?known_at="+before), http.StatusNotFound, "not_found")
	}

	// Later than now: as now, echoed as given (in UTC).
	later := "2030-01-01T07:00:00+07:00"
	var f struct {
		knownAtJSON
		fundJSON
	}
	e.getOK("/v1/funds/"+socialFund+"?known_at="+url.QueryEscape(later), &f)
	if now := e.fund(socialFund, ""); f.fundJSON != now || f.KnownAt == nil || *f.KnownAt != "2030-01-01T00:00:00Z" {
		t.Errorf("fund at a later known_at = %+v (known_at %v), want today's %+v and 2030-01-01T00:00:00Z", f.fundJSON, f.KnownAt, now)
	}

	// The token is checked as of now: an auditor issued after known_at
	// reads what was known then.
	auditor := e.issueToken(nil, domain.RoleAuditor, "lang-son")
	r := e.request("GET", "/v1/funds/"+socialFund+"?known_at=2024-06-30T01:30:00Z", "", "Authorization", "Bearer "+auditor)
	mustStatus(t, r, http.StatusOK)

	// An official's known_at answers withhold what every answer to an
	// official withholds.
	official := e.issueToken(nil, domain.RoleOfficial, "lang-son")
	for _, path := range []string{"/v1/funds/" + socialFund, "/v1/funds", "/v1/units", "/v1/units/lang-son", "/v1/units/lang-son/summary",
		"/v1/funds/" + socialFund + "/transactions", "/v1/funds/" + capitalFund + "/transactions", "/v1/funds/" + socialFund + "/statement",
		"/v1/funds/" + capitalFund + "/loans/" + loanID(t, e)} {
		r := e.request("GET", path+"?known_at=2024-06-30T01:30:00Z", "", "Authorization", "Bearer "+official)
		mustStatus(t, r, http.StatusOK)
		for _, personal := range []string{"beneficiary_id", "M00"} {
			if strings.Contains(string(r.body), personal) {
				t.Errorf("official GET %s?known_at: %q in %s", path, personal, r.body)
			}
		}
		if !strings.Contains(string(r.body), `"known_at":"2024-06-30T01:30:00Z"`) {
			t.Errorf("official GET %s?known_at: no known_at echoed in %s", path, r.body)
		}
	}
}

// loanID returns the id of the capital fund's loan.
func loanID(t *testing.T, e *env) string {
	t.Helper()
	var list struct {
		Items []struct {
			TransactionID string `json:"transaction_id"`
			Type          string `json:"type"`
		} `json:"items"`
	}
	e.getOK("/v1/funds/"+capitalFund+"/transactions?type=LoanDisbursed", &list)
	if len(list.Items) != 1 {
		t.Fatalf("loans of the capital fund = %+v, want one", list.Items)
	}
	return list.Items[0].TransactionID
}

func TestKnownAtRejectsMalformed(t *testing.T) {
	e, _, _, _ := knownAtLedger(t)
	routes := []string{"/v1/units", "/v1/units/vgcl", "/v1/units/vgcl/summary", "/v1/funds", "/v1/funds/" + socialFund,
		"/v1/funds/" + socialFund + "/transactions", "/v1/funds/" + socialFund + "/statement",
		"/v1/funds/" + capitalFund + "/loans/" + socialFund, "/v1/beneficiaries/M001"}
	bad := []struct{ name, value string }{
		{"month 13", "2024-13-01T00:00:00Z"},
		{"a date without a time", "2024-06-30"},
		{"junk", "yesterday"},
		{"no offset", "2024-06-30T10:00:00"},
		{"an unescaped + offset", "2024-06-30T10:00:00+07:00"},
		{"hour 24", "2024-06-30T24:00:00Z"},
	}
	before := e.eventCount()
	for _, route := range routes {
		for _, b := range bad {
			t.Run(route+" "+b.name, func(t *testing.T) {
				p := mustProblem(t, e.get(route+"?known_at="+b.value), http.StatusUnprocessableEntity, "validation_failed")
				if got := p.fields(); len(got) != 1 || got[0] != "known_at" {
					t.Errorf("fields = %v, want [known_at]", got)
				}
			})
		}
	}
	if after := e.eventCount(); after != before {
		t.Errorf("events %d after the bad reads, want %d", after, before)
	}
}
