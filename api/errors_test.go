package api_test

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/api"
	"github.com/welfare-ledger/welfare-ledger/domain"
)

// rejectionFixture ids: the social fund S holds 10 000 000 (D1, 2024-03-01)
// + 1 000 000 (D2, 2024-03-02) − 8 000 000 (G1, 2024-05-01) − 1 000 000
// (RV1 reverses D2, 2024-06-01) = 2 000 000; the capital fund C holds
// 100 000 000 − 30 000 000 (loan L1, 2024-02-01) + 10 000 000 (R1,
// 2024-03-01) = 80 000 000, with 20 000 000 outstanding on L1.
const (
	d1  = "0190a0b4-0000-7000-8000-0000000000d1"
	d2  = "0190a0b4-0000-7000-8000-0000000000d2"
	g1  = "0190a0b4-0000-7000-8000-0000000000c1"
	rv1 = "0190a0b4-0000-7000-8000-0000000000e1"
	l1  = "0190a0b4-0000-7000-8000-0000000000f1"
	r1  = "0190a0b4-0000-7000-8000-0000000000f2"
)

func rejectionFixture(e *env) {
	e.t.Helper()
	e.units()
	e.openFund(socialFund, "lang-son", "social")
	e.openFund(capitalFund, "cao-loc", "capital_support")
	e.openFund(shelterFund, "lang-son", "shelter")
	s := "/v1/funds/" + socialFund
	c := "/v1/funds/" + capitalFund
	e.tx(s+"/donations", `{"transaction_id":"`+d1+`","amount":"10000000","occurred_on":"2024-03-01","donor":{"kind":"member"}}`)
	e.tx(s+"/donations", `{"transaction_id":"`+d2+`","amount":"1000000","occurred_on":"2024-03-02","donor":{"kind":"member"}}`)
	e.tx(s+"/assistance-grants", `{"transaction_id":"`+g1+`","beneficiary_id":"M001","amount":"8000000","category":"accident","occurred_on":"2024-05-01"}`)
	e.tx(s+"/reversals", `{"transaction_id":"`+rv1+`","reverses":"`+d2+`","reason":"bounced","occurred_on":"2024-06-01"}`)
	e.tx(c+"/donations", `{"amount":"100000000","occurred_on":"2024-01-02","donor":{"kind":"organization"}}`)
	e.tx(c+"/loans", `{"loan_id":"`+l1+`","beneficiary_id":"M003","amount":"30000000","occurred_on":"2024-02-01"}`)
	e.tx(c+"/loans/"+l1+"/repayments", `{"transaction_id":"`+r1+`","amount":"10000000","occurred_on":"2024-03-01"}`)
}

type rejection struct {
	name   string
	method string // POST when empty
	path   string
	body   string
	header []string // name, value pairs; a value "" removes the header
	status int
	code   string
	fields []string // for validation_failed: exactly these fields, in any order
	detail []string // substrings the detail must contain
}

const (
	sDonations = "/v1/funds/" + socialFund + "/donations"
	sShelter   = "/v1/funds/" + socialFund + "/shelter-grants"
	sAssist    = "/v1/funds/" + socialFund + "/assistance-grants"
	sReversals = "/v1/funds/" + socialFund + "/reversals"
	cLoans     = "/v1/funds/" + capitalFund + "/loans"
	cReversals = "/v1/funds/" + capitalFund + "/reversals"
	goodDonor  = `"donor":{"kind":"member"}`
)

func donation(amount string) string { return `{"amount":` + amount + `,` + goodDonor + `}` }

func rejections() []rejection {
	var rs []rejection
	add := func(r ...rejection) { rs = append(rs, r...) }

	// 400 invalid_json.
	for _, tc := range []struct{ name, body string }{
		{"array body", `[]`},
		{"string body", `"x"`},
		{"null body", `null`},
		{"number body", `42`},
		{"malformed", `{"amount":}`},
		{"unterminated", `{"amount":"1"`},
		{"trailing comma", `{"amount":"1",` + goodDonor + `,}`},
		{"unknown field", `{"amount":"1",` + goodDonor + `,"amout":"1"}`},
		{"field of another case", `{"Amount":"1",` + goodDonor + `}`},
		{"unknown nested field", `{"amount":"1","donor":{"kind":"member","age":40}}`},
		{"duplicate key", `{"amount":"1","amount":"2",` + goodDonor + `}`},
		{"duplicate key spelt with an escape", `{"amount":"1","\u0061mount":"2",` + goodDonor + `}`},
		{"duplicate nested key", `{"amount":"1","donor":{"kind":"member","kind":"enterprise"}}`},
		{"duplicate key deep in an unknown member", `{"amount":"1",` + goodDonor + `,"x":[{"a":1,"a":2}]}`},
		{"trailing object", `{"amount":"1",` + goodDonor + `}{}`},
		{"trailing garbage", `{"amount":"1",` + goodDonor + `} x`},
		{"invalid UTF-8", "{\"amount\":\"1\",\"donor\":{\"kind\":\"member\",\"name\":\"\xff\"}}"},
	} {
		add(rejection{name: "invalid_json/" + tc.name, path: sDonations, body: tc.body, status: 400, code: "invalid_json"})
	}
	add(rejection{name: "invalid_json/empty body", path: sDonations, header: []string{"Content-Type", "application/json"},
		status: 400, code: "invalid_json"})
	add(rejection{name: "invalid_json/deep nesting", path: sDonations,
		body: `{"amount":"1",` + goodDonor + `,"x":` + strings.Repeat("[", 40) + strings.Repeat("]", 40) + `}`, status: 400, code: "invalid_json"})

	// 422 validation_failed: amounts (API.md, "Money").
	for _, a := range []string{`"1250000.5"`, `"1e6"`, `"-5"`, `"0"`, `"1.250.000"`, `12.5`, `1e6`, `-5`, `0`,
		`"0.00"`, `""`, `"abc"`, `" 5"`, `"+5"`, `"1000000000000001"`, `1000000000000001`, `true`, `{}`, `[1]`, `null`} {
		add(rejection{name: "amount " + a, path: sDonations, body: donation(a), status: 422, code: "validation_failed",
			fields: []string{"amount"}})
	}
	add(rejection{name: "amount missing", path: sDonations, body: `{` + goodDonor + `}`, status: 422,
		code: "validation_failed", fields: []string{"amount"}})

	// 422: dates.
	add(
		rejection{name: "occurred_on in the future", path: sDonations,
			body:   `{"amount":"1","occurred_on":"2024-07-01",` + goodDonor + `}`,
			status: 422, code: "validation_failed", fields: []string{"occurred_on"}, detail: nil},
		rejection{name: "occurred_on before the fund opened", path: sDonations,
			body:   `{"amount":"1","occurred_on":"2023-12-31",` + goodDonor + `}`,
			status: 422, code: "validation_failed", fields: []string{"occurred_on"}},
		rejection{name: "occurred_on not a date", path: sDonations,
			body:   `{"amount":"1","occurred_on":"2024-02-30",` + goodDonor + `}`,
			status: 422, code: "validation_failed", fields: []string{"occurred_on"}},
		rejection{name: "occurred_on in another format", path: sDonations,
			body:   `{"amount":"1","occurred_on":"30/06/2024",` + goodDonor + `}`,
			status: 422, code: "validation_failed", fields: []string{"occurred_on"}},
		rejection{name: "occurred_on a number", path: sDonations,
			body:   `{"amount":"1","occurred_on":20240630,` + goodDonor + `}`,
			status: 422, code: "validation_failed", fields: []string{"occurred_on"}},
		rejection{name: "due_on before the loan", path: cLoans,
			body:   `{"beneficiary_id":"M009","amount":"1","occurred_on":"2024-06-01","due_on":"2024-05-01"}`,
			status: 422, code: "validation_failed", fields: []string{"due_on"}},
		rejection{name: "repayment before its loan", path: "/v1/funds/" + capitalFund + "/loans/" + l1 + "/repayments",
			body:   `{"amount":"1","occurred_on":"2024-01-15"}`,
			status: 422, code: "validation_failed", fields: []string{"occurred_on"}},
		rejection{name: "reversal before its original", path: sReversals,
			body:   `{"reverses":"` + g1 + `","reason":"typo","occurred_on":"2024-04-01"}`,
			status: 422, code: "validation_failed", fields: []string{"occurred_on"}},
		rejection{name: "opened_on in the future", path: "/v1/funds",
			body:   `{"unit_id":"vgcl","name":"Quỹ","kind":"social","opened_on":"2024-07-01"}`,
			status: 422, code: "validation_failed", fields: []string{"opened_on"}},
	)

	// 422: enums, ids, required fields, types, text.
	add(
		rejection{name: "bad shelter kind", path: sShelter,
			body:   `{"beneficiary_id":"M001","amount":"1","shelter":"mansion"}`,
			status: 422, code: "validation_failed", fields: []string{"shelter"}},
		rejection{name: "bad assistance category", path: sAssist,
			body:   `{"beneficiary_id":"M001","amount":"1","category":"lottery"}`,
			status: 422, code: "validation_failed", fields: []string{"category"}},
		rejection{name: "bad donor kind", path: sDonations,
			body:   `{"amount":"1","donor":{"kind":"alien"}}`,
			status: 422, code: "validation_failed", fields: []string{"donor.kind"}},
		rejection{name: "donor kind missing", path: sDonations,
			body:   `{"amount":"1","donor":{"name":"A"}}`,
			status: 422, code: "validation_failed", fields: []string{"donor.kind"}},
		rejection{name: "donor missing", path: sDonations, body: `{"amount":"1"}`,
			status: 422, code: "validation_failed", fields: []string{"donor"}},
		rejection{name: "donor not an object", path: sDonations, body: `{"amount":"1","donor":"member"}`,
			status: 422, code: "validation_failed", fields: []string{"donor"}},
		rejection{name: "bad fund kind", path: "/v1/funds", body: `{"unit_id":"vgcl","name":"Quỹ","kind":"pension"}`,
			status: 422, code: "validation_failed", fields: []string{"kind"}},
		rejection{name: "bad beneficiary id", path: sAssist,
			body:   `{"beneficiary_id":"M 001","amount":"1","category":"death"}`,
			status: 422, code: "validation_failed", fields: []string{"beneficiary_id"}},
		rejection{name: "bad transaction id", path: sDonations,
			body:   `{"transaction_id":"123","amount":"1",` + goodDonor + `}`,
			status: 422, code: "validation_failed", fields: []string{"transaction_id"}},
		rejection{name: "transaction id not a string", path: sDonations,
			body:   `{"transaction_id":123,"amount":"1",` + goodDonor + `}`,
			status: 422, code: "validation_failed", fields: []string{"transaction_id"}},
		rejection{name: "note not a string", path: sDonations,
			body:   `{"amount":"1","note":5,` + goodDonor + `}`,
			status: 422, code: "validation_failed", fields: []string{"note"}},
		rejection{name: "note too long", path: sDonations,
			body:   `{"amount":"1","note":"` + strings.Repeat("ă", 2001) + `",` + goodDonor + `}`,
			status: 422, code: "validation_failed", fields: []string{"note"}},
		rejection{name: "control character in a name", path: sDonations,
			body:   `{"amount":"1","donor":{"kind":"member","name":"A\u0000B"}}`,
			status: 422, code: "validation_failed", fields: []string{"donor.name"}},
		rejection{name: "reversal without reason and target", path: sReversals, body: `{}`,
			status: 422, code: "validation_failed", fields: []string{"reason", "reverses"}},
		rejection{name: "shelter grant with nothing", path: sShelter, body: `{}`,
			status: 422, code: "validation_failed", fields: []string{"amount", "beneficiary_id", "shelter"}},
		rejection{name: "many bad fields at once", path: "/v1/funds/not-a-fund/shelter-grants",
			body:   `{"transaction_id":"x","beneficiary_id":"","amount":"1.5","shelter":"castle","occurred_on":"2999-01-01","note":5}`,
			status: 422, code: "validation_failed",
			fields: []string{"amount", "beneficiary_id", "fund_id", "note", "occurred_on", "shelter", "transaction_id"}},
		rejection{name: "unit id not a slug", path: "/v1/units", body: `{"unit_id":"Lạng Sơn","name":"x"}`,
			status: 422, code: "validation_failed", fields: []string{"unit_id"}},
		rejection{name: "unit name missing and parent not a slug", path: "/v1/units", body: `{"unit_id":"x","parent_id":"A B"}`,
			status: 422, code: "validation_failed", fields: []string{"name", "parent_id"}},
		rejection{name: "unit name of the wrong type", path: "/v1/units", body: `{"unit_id":"x","name":5}`,
			status: 422, code: "validation_failed", fields: []string{"name"}},
		rejection{name: "unit its own parent", path: "/v1/units", body: `{"unit_id":"x","name":"X","parent_id":"x"}`,
			status: 422, code: "validation_failed", fields: []string{"parent_id"}},
	)

	// 422: path and query parameters, checked before any lookup.
	for _, tc := range []struct {
		name, path string
		fields     []string
	}{
		{"fund id in the path", "/v1/funds/not-a-uuid", []string{"fund_id"}},
		{"fund id with braces", "/v1/funds/{" + socialFund + "}", []string{"fund_id"}},
		{"loan id in the path", "/v1/funds/" + capitalFund + "/loans/42", []string{"loan_id"}},
		{"unit slug in the path", "/v1/units/Lang_Son", []string{"unit_id"}},
		{"beneficiary id in the path", "/v1/beneficiaries/-M001", []string{"beneficiary_id"}},
		{"as_of", "/v1/funds/" + socialFund + "?as_of=2024-6-1", []string{"as_of"}},
		{"as_of and fund id", "/v1/funds/x?as_of=yesterday", []string{"as_of", "fund_id"}},
		{"unknown parameter", "/v1/funds/" + socialFund + "?asof=2024-01-01", []string{"asof"}},
		{"repeated parameter", "/v1/units?limit=1&limit=2", []string{"limit"}},
		{"limit 0", "/v1/units?limit=0", []string{"limit"}},
		{"limit over the maximum", "/v1/units?limit=1001", []string{"limit"}},
		{"limit not a number", "/v1/units?limit=ten", []string{"limit"}},
		{"limit with a leading zero", "/v1/units?limit=010", []string{"limit"}},
		{"tampered cursor", "/v1/units?cursor=AQKqqqqqqqqqqg", []string{"cursor"}},
		{"garbage cursor", "/v1/units?cursor=%21%21", []string{"cursor"}},
		{"unknown fund kind filter", "/v1/funds?kind=pension", []string{"kind"}},
		{"bad unit filter", "/v1/funds?unit_id=Lang+Son", []string{"unit_id"}},
		{"unknown transaction type", "/v1/funds/" + socialFund + "/transactions?type=Gift", []string{"type"}},
		{"transactions from after to", "/v1/funds/" + socialFund + "/transactions?from=2024-05-01&to=2024-04-01", []string{"from"}},
		{"summary from after to", "/v1/units/vgcl/summary?from=2024-05-01&to=2024-04-01", []string{"from"}},
		{"summary to not a date", "/v1/units/vgcl/summary?to=tomorrow", []string{"to"}},
		{"events after negative", "/v1/events?after=-1", []string{"after"}},
		{"events after and cursor", "/v1/events?after=1&cursor=x", []string{"cursor"}},
	} {
		add(rejection{name: "query/" + tc.name, method: http.MethodGet, path: tc.path, status: 422,
			code: "validation_failed", fields: tc.fields})
	}
	add(rejection{name: "fund id in the path of a write", path: "/v1/funds/not-a-uuid/donations", body: donation(`"1"`),
		status: 422, code: "validation_failed", fields: []string{"fund_id"}})

	// 404 not_found: well-formed but unknown.
	for _, tc := range []struct{ name, method, path, body string }{
		{"fund", http.MethodGet, "/v1/funds/" + unknownID, ""},
		{"fund of a write", http.MethodPost, "/v1/funds/" + unknownID + "/donations", donation(`"1"`)},
		{"fund of transactions", http.MethodGet, "/v1/funds/" + unknownID + "/transactions", ""},
		{"unit", http.MethodGet, "/v1/units/nowhere", ""},
		{"unit summary", http.MethodGet, "/v1/units/nowhere/summary", ""},
		{"unit filter", http.MethodGet, "/v1/funds?unit_id=nowhere", ""},
		{"parent unit", http.MethodPost, "/v1/units", `{"unit_id":"x","name":"X","parent_id":"nowhere"}`},
		{"unit of a fund", http.MethodPost, "/v1/funds", `{"unit_id":"nowhere","name":"Quỹ","kind":"social"}`},
		{"loan", http.MethodGet, "/v1/funds/" + capitalFund + "/loans/" + unknownID, ""},
		{"loan of an unknown fund", http.MethodGet, "/v1/funds/" + unknownID + "/loans/" + l1, ""},
		{"loan of a repayment", http.MethodPost, "/v1/funds/" + capitalFund + "/loans/" + unknownID + "/repayments", `{"amount":"1"}`},
		{"target of a reversal", http.MethodPost, sReversals, `{"reverses":"` + unknownID + `","reason":"x"}`},
		{"target of a reversal in another fund", http.MethodPost, sReversals, `{"reverses":"` + l1 + `","reason":"x"}`},
		{"beneficiary", http.MethodGet, "/v1/beneficiaries/M999", ""},
		{"route", http.MethodGet, "/v1/nothing-here", ""},
		{"route with a trailing slash", http.MethodGet, "/v1/units/", ""},
	} {
		add(rejection{name: "not_found/" + tc.name, method: tc.method, path: tc.path, body: tc.body, status: 404, code: "not_found"})
	}

	// 409.
	add(
		rejection{name: "already_exists", path: "/v1/units", body: `{"unit_id":"vgcl","name":"again"}`,
			status: 409, code: "already_exists"},
		rejection{name: "insufficient_funds today", path: sAssist,
			body:   `{"beneficiary_id":"M001","amount":"3000000","category":"death"}`,
			status: 409, code: "insufficient_funds", detail: []string{"3000000", "2000000"}},
		// On 2024-04-01 the fund held 11 000 000, but a grant of 5 000 000
		// dated then would make 2024-05-01 (and today) negative.
		rejection{name: "insufficient_funds back-dated", path: sShelter,
			body:   `{"beneficiary_id":"M001","amount":"5000000","shelter":"repair","occurred_on":"2024-04-01"}`,
			status: 409, code: "insufficient_funds", detail: []string{"5000000", "2000000"}},
		rejection{name: "insufficient_funds by reversing a donation", path: sReversals,
			body:   `{"reverses":"` + d1 + `","reason":"bounced"}`,
			status: 409, code: "insufficient_funds"},
		rejection{name: "insufficient_funds for a loan", path: cLoans,
			body:   `{"beneficiary_id":"M004","amount":"80000001"}`,
			status: 409, code: "insufficient_funds", detail: []string{"80000001", "80000000"}},
		rejection{name: "exceeds_outstanding", path: "/v1/funds/" + capitalFund + "/loans/" + l1 + "/repayments",
			body:   `{"amount":"20000001"}`,
			status: 409, code: "exceeds_outstanding", detail: []string{"20000000"}},
		rejection{name: "not_allowed_for_fund_kind: loan from a social fund", path: "/v1/funds/" + socialFund + "/loans",
			body:   `{"beneficiary_id":"M001","amount":"1"}`,
			status: 409, code: "not_allowed_for_fund_kind"},
		rejection{name: "not_allowed_for_fund_kind: shelter grant from a capital fund", path: "/v1/funds/" + capitalFund + "/shelter-grants",
			body:   `{"beneficiary_id":"M001","amount":"1","shelter":"repair"}`,
			status: 409, code: "not_allowed_for_fund_kind"},
		rejection{name: "not_allowed_for_fund_kind: assistance from a shelter fund", path: "/v1/funds/" + shelterFund + "/assistance-grants",
			body:   `{"beneficiary_id":"M001","amount":"1","category":"death"}`,
			status: 409, code: "not_allowed_for_fund_kind"},
		rejection{name: "already_reversed", path: sReversals, body: `{"reverses":"` + d2 + `","reason":"again"}`,
			status: 409, code: "already_reversed"},
		rejection{name: "not_reversible", path: sReversals, body: `{"reverses":"` + rv1 + `","reason":"undo"}`,
			status: 409, code: "not_reversible"},
		rejection{name: "loan_has_repayments", path: cReversals, body: `{"reverses":"` + l1 + `","reason":"mistake"}`,
			status: 409, code: "loan_has_repayments"},
		rejection{name: "idempotency_conflict: other amount", path: sDonations,
			body:   `{"transaction_id":"` + d1 + `","amount":"10000001","occurred_on":"2024-03-01","donor":{"kind":"member"}}`,
			status: 409, code: "idempotency_conflict"},
		rejection{name: "idempotency_conflict: date omitted", path: sDonations,
			body:   `{"transaction_id":"` + d1 + `","amount":"10000000","donor":{"kind":"member"}}`,
			status: 409, code: "idempotency_conflict"},
		rejection{name: "idempotency_conflict: id of another kind of write", path: sAssist,
			body:   `{"transaction_id":"` + d1 + `","beneficiary_id":"M001","amount":"1","category":"death"}`,
			status: 409, code: "idempotency_conflict"},
		rejection{name: "idempotency_conflict: id of another fund's transaction", path: sDonations,
			body:   `{"transaction_id":"` + l1 + `","amount":"1",` + goodDonor + `}`,
			status: 409, code: "idempotency_conflict"},
		rejection{name: "idempotency_conflict: fund reopened differently", path: "/v1/funds",
			body:   `{"fund_id":"` + socialFund + `","unit_id":"lang-son","name":"Another name","kind":"social","opened_on":"2024-01-01"}`,
			status: 409, code: "idempotency_conflict"},
	)

	// 413, 415, 405.
	big := `{"amount":"1",` + goodDonor + `,"note":"` + strings.Repeat("a", api.MaxBodyBytes) + `"}`
	add(
		rejection{name: "payload_too_large", path: sDonations, body: big, status: 413, code: "payload_too_large"},
		rejection{name: "unsupported_media_type: text/plain", path: sDonations, body: donation(`"1"`),
			header: []string{"Content-Type", "text/plain"}, status: 415, code: "unsupported_media_type"},
		rejection{name: "unsupported_media_type: form", path: sDonations, body: "amount=1",
			header: []string{"Content-Type", "application/x-www-form-urlencoded"}, status: 415, code: "unsupported_media_type"},
		rejection{name: "unsupported_media_type: missing", path: sDonations, body: donation(`"1"`),
			header: []string{"Content-Type", ""}, status: 415, code: "unsupported_media_type"},
		rejection{name: "unsupported_media_type: latin-1", path: sDonations, body: donation(`"1"`),
			header: []string{"Content-Type", "application/json; charset=iso-8859-1"}, status: 415, code: "unsupported_media_type"},
		rejection{name: "method_not_allowed", method: http.MethodDelete, path: "/v1/units", status: 405, code: "method_not_allowed"},
		rejection{name: "method_not_allowed on a fund", method: http.MethodPut, path: "/v1/funds/" + socialFund,
			body: `{}`, status: 405, code: "method_not_allowed"},
	)
	return rs
}

// TestRejections sends every kind of bad request: each gets its problem
// and records nothing.
func TestRejections(t *testing.T) {
	e := newEnv(t)
	rejectionFixture(e)
	for _, tc := range rejections() {
		t.Run(tc.name, func(t *testing.T) {
			before := e.eventCount()
			method := tc.method
			if method == "" {
				method = http.MethodPost
			}
			r := e.request(method, tc.path, tc.body, tc.header...)
			p := mustProblem(t, r, tc.status, tc.code)
			if tc.fields != nil {
				if got := p.fields(); !slices.Equal(got, tc.fields) {
					t.Errorf("%s %s: error fields = %v, want %v (errors: %+v)", method, tc.path, got, tc.fields, p.Errors)
				}
				for _, f := range p.Errors {
					if f.Message == "" {
						t.Errorf("%s %s: field %s has no message", method, tc.path, f.Field)
					}
				}
			} else if len(p.Errors) != 0 {
				t.Errorf("%s %s: errors = %+v, want none", method, tc.path, p.Errors)
			}
			for _, s := range tc.detail {
				if !strings.Contains(p.Detail, s) {
					t.Errorf("%s %s: detail %q does not mention %s", method, tc.path, p.Detail, s)
				}
			}
			if after := e.eventCount(); after != before {
				t.Errorf("%s %s: events = %d after the rejection, want %d (nothing recorded)", method, tc.path, after, before)
			}
		})
	}
}

// TestAmountMessages checks that each refused amount form gets the domain
// parser's own explanation on the amount field, not a generic one.
func TestAmountMessages(t *testing.T) {
	e := newEnv(t)
	rejectionFixture(e)
	for _, amount := range []string{`"1250000.5"`, `12.5`, `1e6`, `"1e6"`, `"1.250.000"`, `"-5"`, `-5`, `"0"`,
		`"1000000000000001"`, `true`, `null`} {
		t.Run(amount, func(t *testing.T) {
			want := "is required"
			if amount != `null` {
				_, err := domain.ParseAmountJSON([]byte(amount))
				if err == nil {
					t.Fatalf("domain.ParseAmountJSON(%s) accepted it", amount)
				}
				want = err.Error()
			}
			p := mustProblem(t, e.post(sDonations, donation(amount)), 422, "validation_failed")
			if len(p.Errors) != 1 || p.Errors[0].Field != "amount" || p.Errors[0].Message != want {
				t.Errorf("amount %s: errors = %+v, want one on amount saying %q", amount, p.Errors, want)
			}
		})
	}
}

// TestAmountAtTheBound: 10^15 is the largest amount a transaction takes.
func TestAmountAtTheBound(t *testing.T) {
	e := newEnv(t)
	e.units()
	e.openFund(socialFund, "lang-son", "social")
	for _, amount := range []string{`"1000000000000000"`, `1000000000000000`, `"1000000000000000.000"`} {
		var res txResult
		decodeInto(t, e.mustCreate(sDonations, donation(amount)), &res)
		if res.Amount != "1000000000000000" {
			t.Errorf("amount %s recorded as %s, want 1000000000000000", amount, res.Amount)
		}
	}
	// Sums are not bounded by int64: 3 × 10^15 fits, and so would much more.
	if got := e.fund(socialFund, "").Balance; got != "3000000000000000" {
		t.Errorf("balance = %s, want 3000000000000000", got)
	}
}

// TestBodyLimit checks the 1 MiB limit at its bound and beyond, with and
// without a Content-Length.
func TestBodyLimit(t *testing.T) {
	e := newEnv(t)
	rejectionFixture(e)
	// pad returns a donation body of exactly n bytes; its note is far over
	// the note limit, so a body the transport accepts is refused as 422.
	pad := func(n int) string {
		head, tail := `{"amount":"1",`+goodDonor+`,"note":"`, `"}`
		return head + strings.Repeat("a", n-len(head)-len(tail)) + tail
	}
	tests := []struct {
		name    string
		size    int
		chunked bool
		status  int
		code    string
	}{
		{"at the limit", api.MaxBodyBytes, false, 422, "validation_failed"},
		{"one byte over", api.MaxBodyBytes + 1, false, 413, "payload_too_large"},
		{"at the limit, chunked", api.MaxBodyBytes, true, 422, "validation_failed"},
		{"one byte over, chunked", api.MaxBodyBytes + 1, true, 413, "payload_too_large"},
		{"far over, chunked", 8 * api.MaxBodyBytes, true, 413, "payload_too_large"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := e.eventCount()
			body := pad(tc.size)
			var rd io.Reader = strings.NewReader(body)
			if tc.chunked {
				// Hiding the length makes the client send the body chunked,
				// without Content-Length.
				rd = io.MultiReader(strings.NewReader(body))
			}
			r := e.send(http.MethodPost, sDonations, rd, true)
			mustProblem(t, r, tc.status, tc.code)
			if after := e.eventCount(); after != before {
				t.Errorf("events = %d, want %d", after, before)
			}
		})
	}
}

func TestMethodNotAllowedAllow(t *testing.T) {
	e := newEnv(t)
	r := e.request(http.MethodDelete, "/v1/units", "")
	mustProblem(t, r, 405, "method_not_allowed")
	allow := r.header.Get("Allow")
	for _, m := range []string{"GET", "POST"} {
		if !strings.Contains(allow, m) {
			t.Errorf("Allow = %q, want it to list %s", allow, m)
		}
	}
}

func TestCharsetAccepted(t *testing.T) {
	e := newEnv(t)
	for _, ct := range []string{"application/json; charset=utf-8", "application/json;charset=UTF-8", "Application/JSON"} {
		r := e.request(http.MethodPost, "/v1/units", fmt.Sprintf(`{"unit_id":"u%d","name":"U"}`, len(ct)), "Content-Type", ct)
		mustStatus(t, r, http.StatusCreated)
	}
}
