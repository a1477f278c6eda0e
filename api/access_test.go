package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/api"
	"github.com/welfare-ledger/welfare-ledger/domain"
)

func as(token string) []string { return []string{"Authorization", "Bearer " + token} }

// Lists show only what is in the caller's scope.
func TestListsAreCutToScope(t *testing.T) {
	e := newEnv(t)
	matrixFixture(e)
	auditor := e.issueToken(nil, domain.RoleAuditor, "lang-son")

	t.Run("units", func(t *testing.T) {
		r := e.request("GET", "/v1/units", "", as(auditor)...)
		mustStatus(t, r, 200)
		var page struct {
			Items []struct {
				UnitID string `json:"unit_id"`
			} `json:"items"`
		}
		decodeInto(t, r, &page)
		var got []string
		for _, u := range page.Items {
			got = append(got, u.UnitID)
		}
		if want := []string{"lang-son", "cao-loc"}; !slices.Equal(got, want) {
			t.Errorf("GET /v1/units as lang-son auditor = %v, want %v", got, want)
		}
	})

	t.Run("funds", func(t *testing.T) {
		r := e.request("GET", "/v1/funds", "", as(auditor)...)
		mustStatus(t, r, 200)
		var page struct {
			Items []struct {
				FundID string `json:"fund_id"`
			} `json:"items"`
		}
		decodeInto(t, r, &page)
		var got []string
		for _, f := range page.Items {
			got = append(got, f.FundID)
		}
		if want := []string{mxSocialIn, mxCapitalIn}; !slices.Equal(got, want) {
			t.Errorf("GET /v1/funds as lang-son auditor = %v, want %v", got, want)
		}
	})

	t.Run("events", func(t *testing.T) {
		all := e.get("/v1/events?limit=1000")
		mustStatus(t, all, 200)
		var every, scoped eventPage
		decodeInto(t, all, &every)
		r := e.request("GET", "/v1/events?limit=1000", "", as(auditor)...)
		mustStatus(t, r, 200)
		decodeInto(t, r, &scoped)
		var want []eventJSON
		for _, ev := range every.Items {
			switch ev.Stream {
			case "unit-lang-son", "unit-cao-loc", "fund-" + mxSocialIn, "fund-" + mxCapitalIn:
				want = append(want, ev)
			}
		}
		if len(scoped.Items) != len(want) || len(want) < 6 {
			t.Fatalf("GET /v1/events as lang-son auditor = %d events, want the %d of its streams", len(scoped.Items), len(want))
		}
		for i := range want {
			if scoped.Items[i].Position != want[i].Position {
				t.Errorf("event %d at %d, want %d", i, scoped.Items[i].Position, want[i].Position)
			}
		}
		// Paging one at a time walks the same events.
		var paged []uint64
		after := "0"
		for range 100 {
			r := e.request("GET", "/v1/events?limit=1&after="+after, "", as(auditor)...)
			mustStatus(t, r, 200)
			var p eventPage
			decodeInto(t, r, &p)
			for _, ev := range p.Items {
				paged = append(paged, ev.Position)
			}
			if p.NextAfter == nil {
				break
			}
			after = strconv.FormatUint(*p.NextAfter, 10)
		}
		if len(paged) != len(want) {
			t.Errorf("paging one by one gave %d events, want %d", len(paged), len(want))
		}
	})

	t.Run("tokens", func(t *testing.T) {
		admin := e.issueToken(nil, domain.RoleAdmin, "lang-son")
		e.issueToken(nil, domain.RoleOfficial, "ha-noi")
		r := e.request("GET", "/v1/tokens", "", as(admin)...)
		mustStatus(t, r, 200)
		var page struct {
			Items []struct {
				UnitID *string `json:"unit_id"`
			} `json:"items"`
		}
		decodeInto(t, r, &page)
		if len(page.Items) != 2 {
			t.Errorf("GET /v1/tokens as lang-son admin = %s, want its 2 lang-son tokens", r.body)
		}
		for _, it := range page.Items {
			if it.UnitID == nil || *it.UnitID != "lang-son" {
				t.Errorf("GET /v1/tokens as lang-son admin lists a token of scope %v", it.UnitID)
			}
		}
		if bytes.Contains(r.body, []byte("wl_")) || bytes.Contains(r.body, []byte("hash")) {
			t.Errorf("GET /v1/tokens shows a secret or a hash: %s", r.body)
		}
	})
}

// Officials never see who was helped; auditors do.
func TestOfficialsGetBeneficiariesWithheld(t *testing.T) {
	e := newEnv(t)
	matrixFixture(e)
	e.grant(mxSocialIn, "MX-GRANT", "2000000", "2024-03-01")
	official := e.issueToken(nil, domain.RoleOfficial, "lang-son")
	auditor := e.issueToken(nil, domain.RoleAuditor, "lang-son")
	for _, path := range []string{
		"/v1/funds/" + mxSocialIn + "/transactions",
		"/v1/funds/" + mxCapitalIn + "/transactions",
		"/v1/funds/" + mxCapitalIn + "/loans/" + mxLoanIn,
		"/v1/funds/" + mxSocialIn,
		"/v1/units/lang-son/summary",
	} {
		seen := e.request("GET", path, "", as(auditor)...)
		hidden := e.request("GET", path, "", as(official)...)
		mustStatus(t, seen, 200)
		mustStatus(t, hidden, 200)
		if bytes.Contains(hidden.body, []byte("beneficiary_id")) || bytes.Contains(hidden.body, []byte("MX-")) {
			t.Errorf("official: GET %s = %s, want no beneficiary", path, hidden.body)
		}
		// Everything else is the same, in the same order.
		var a, b any
		json.Unmarshal(seen.body, &a)
		json.Unmarshal(hidden.body, &b)
		stripKey(a, "beneficiary_id")
		if !jsonEqual(a, b) {
			t.Errorf("official: GET %s = %s, want the auditor's %s without beneficiary_id", path, hidden.body, seen.body)
		}
	}
	r := e.request("GET", "/v1/funds/"+mxSocialIn+"/transactions", "", as(auditor)...)
	if !bytes.Contains(r.body, []byte(`"beneficiary_id":"MX-GRANT"`)) {
		t.Errorf("auditor: transactions = %s, want beneficiary ids", r.body)
	}
}

func stripKey(v any, key string) {
	switch x := v.(type) {
	case map[string]any:
		delete(x, key)
		for _, c := range x {
			stripKey(c, key)
		}
	case []any:
		for _, c := range x {
			stripKey(c, key)
		}
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return bytes.Equal(x, y)
}

// Every event records who wrote it: the token's id and name.
func TestActorIsTheToken(t *testing.T) {
	e := newEnv(t)
	matrixFixture(e)
	r := e.mustCreate("/v1/tokens", `{"role":"manager","unit_id":"cao-loc","name":"Kế toán Cao Lộc"}`)
	var tok struct {
		TokenID   string  `json:"token_id"`
		Token     string  `json:"token"`
		Role      string  `json:"role"`
		UnitID    *string `json:"unit_id"`
		Name      string  `json:"name"`
		CreatedAt string  `json:"created_at"`
	}
	decodeInto(t, r, &tok)
	if tok.Role != "manager" || tok.UnitID == nil || *tok.UnitID != "cao-loc" || tok.Name != "Kế toán Cao Lộc" ||
		tok.CreatedAt != fixedRecorded || !strings.HasPrefix(tok.Token, "wl_") {
		t.Fatalf("POST /v1/tokens = %s", r.body)
	}
	d := e.request("POST", "/v1/funds/"+mxSocialIn+"/donations", `{"amount":"5000","donor":{"kind":"member"}}`, as(tok.Token)...)
	mustStatus(t, d, 201)
	var res txResult
	decodeInto(t, d, &res)
	events := e.get(fmt.Sprintf("/v1/events?after=%d&limit=1", res.Position-1))
	var page eventPage
	decodeInto(t, events, &page)
	if len(page.Items) != 1 || page.Items[0].Actor != tok.TokenID+" Kế toán Cao Lộc" {
		t.Errorf("actor of the manager's donation = %+v, want %q", page.Items, tok.TokenID+" Kế toán Cao Lộc")
	}
	tx := e.get("/v1/funds/" + mxSocialIn + "/transactions?limit=1000")
	if !bytes.Contains(tx.body, []byte(`"actor":"`+tok.TokenID+` Kế toán Cao Lộc"`)) {
		t.Errorf("transactions do not name the manager as actor: %s", tx.body)
	}
}

// A revoked token is refused on the very next request, and revoking again
// records nothing.
func TestRevocationTakesEffectOnNextRequest(t *testing.T) {
	e := newEnv(t)
	matrixFixture(e)
	r := e.mustCreate("/v1/tokens", `{"role":"auditor","unit_id":"lang-son","name":"Ủy ban kiểm tra"}`)
	var tok struct {
		TokenID string `json:"token_id"`
		Token   string `json:"token"`
	}
	decodeInto(t, r, &tok)
	mustStatus(t, e.request("GET", "/v1/units", "", as(tok.Token)...), 200)
	mustStatus(t, e.request("DELETE", "/v1/tokens/"+tok.TokenID, ""), 204)
	mustProblem(t, e.request("GET", "/v1/units", "", as(tok.Token)...), 401, "unauthorized")
	before := e.eventCount()
	mustStatus(t, e.request("DELETE", "/v1/tokens/"+tok.TokenID, ""), 204)
	if e.eventCount() != before {
		t.Errorf("revoking a revoked token recorded an event")
	}
	mustProblem(t, e.request("DELETE", "/v1/tokens/"+unknownID, ""), 404, "not_found")
	mustProblem(t, e.request("DELETE", "/v1/tokens/nope", ""), 422, "validation_failed")
	// It survives a restart: the revocation is in the log.
	e.restart()
	mustProblem(t, e.request("GET", "/v1/units", "", as(tok.Token)...), 401, "unauthorized")
	list := e.get("/v1/tokens")
	if !bytes.Contains(list.body, []byte(`"revoked":true`)) {
		t.Errorf("GET /v1/tokens after revocation = %s, want it listed as revoked", list.body)
	}
}

func TestIssueTokenRefusals(t *testing.T) {
	e := newEnv(t)
	matrixFixture(e)
	scopedAdmin := e.issueToken(nil, domain.RoleAdmin, "lang-son")
	cases := []struct {
		name, body, token string
		status            int
		code              string
	}{
		{"unknown role", `{"role":"root","unit_id":"lang-son","name":"x"}`, "", 422, "validation_failed"},
		{"manager without unit", `{"role":"manager","name":"x"}`, "", 422, "validation_failed"},
		{"no name", `{"role":"manager","unit_id":"lang-son"}`, "", 422, "validation_failed"},
		{"unknown unit", `{"role":"manager","unit_id":"ha-giang","name":"x"}`, "", 404, "not_found"},
		{"client-chosen id", `{"token_id":"` + unknownID + `","role":"manager","unit_id":"lang-son","name":"x"}`, "", 400, "invalid_json"},
		{"a secret of one's own", `{"token":"wl_x","role":"manager","unit_id":"lang-son","name":"x"}`, "", 400, "invalid_json"},
		{"unscoped admin by a scoped admin", `{"role":"admin","name":"x"}`, scopedAdmin, 403, "forbidden"},
		{"above the scope", `{"role":"official","unit_id":"vgcl","name":"x"}`, scopedAdmin, 403, "forbidden"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			before := e.eventCount()
			var h []string
			if tc.token != "" {
				h = as(tc.token)
			}
			mustProblem(t, e.request("POST", "/v1/tokens", tc.body, h...), tc.status, tc.code)
			if e.eventCount() != before {
				t.Errorf("a refused token request recorded an event")
			}
		})
	}
}

func TestRateLimitPerToken(t *testing.T) {
	e := &env{t: t, dir: t.TempDir(), rateLimit: api.RateLimit{PerSecond: 1, Burst: 3}}
	e.start()
	t.Cleanup(e.stop)
	other := e.issueToken(nil, domain.RoleAdmin, "")
	for range 3 {
		mustStatus(t, e.get("/v1/units"), 200)
	}
	r := e.get("/v1/units")
	mustProblem(t, r, 429, "rate_limited")
	if ra, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || ra < 1 {
		t.Errorf("429 Retry-After = %q, want whole seconds ≥ 1", r.header.Get("Retry-After"))
	}
	// Another token has its own bucket; public routes have none.
	mustStatus(t, e.request("GET", "/v1/units", "", as(other)...), 200)
	mustStatus(t, e.get("/healthz"), 200)
}

// Two Authorization headers are refused, whichever comes first.
func TestTwoAuthorizationHeaders(t *testing.T) {
	e := newEnv(t)
	matrixFixture(e)
	official := e.issueToken(nil, domain.RoleOfficial, "lang-son")
	for _, order := range [][2]string{{official, e.token}, {e.token, official}} {
		req, _ := http.NewRequest("GET", e.http.URL+"/v1/units", nil)
		req.Header.Add("Authorization", "Bearer "+order[0])
		req.Header.Add("Authorization", "Bearer "+order[1])
		res, err := e.http.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Errorf("GET /v1/units with two Authorization headers = %d, want 401", res.StatusCode)
		}
	}
}
