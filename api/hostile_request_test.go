package api_test

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// hostileCase is one hostile request and its answer. Every case is checked
// to record nothing.
type hostileCase struct {
	name   string
	method string // POST when empty
	path   string
	body   string
	header []string // name, value pairs; a value "" removes the header
	status int
	code   string
	fields []string // the fields errors must name, sorted; nil: not checked
	detail string   // a substring of detail; "" : not checked
}

// logHead follows the position of the last event of a server's log, read
// from the store itself. It reads only the events after the head it last
// saw, so that checking "nothing recorded" after each of hundreds of
// requests stays cheap.
type logHead struct {
	e    *env
	last domain.Position
}

func (h *logHead) now() domain.Position {
	h.e.t.Helper()
	for {
		evs, err := h.e.store.ReadAll(context.Background(), h.last, domain.MaxReadBatch)
		if err != nil {
			h.e.t.Fatalf("ReadAll(%d) = %v", h.last, err)
		}
		if len(evs) == 0 {
			return h.last
		}
		h.last = evs[len(evs)-1].Position
	}
}

func (h *logHead) check(t *testing.T, tc hostileCase) {
	t.Helper()
	e := h.e
	before := h.now()
	method := tc.method
	if method == "" {
		method = http.MethodPost
	}
	r := e.request(method, tc.path, tc.body, tc.header...)
	if tc.status < 300 {
		mustStatus(t, r, tc.status)
		return
	}
	p := mustProblem(t, r, tc.status, tc.code)
	if tc.fields != nil {
		if got := p.fields(); !slices.Equal(got, tc.fields) {
			t.Errorf("%s %.80s: error fields = %q, want %q", method, tc.path, got, tc.fields)
		}
	}
	if !strings.Contains(p.Detail, tc.detail) {
		t.Errorf("%s %.80s: detail %q does not contain %q", method, tc.path, p.Detail, tc.detail)
	}
	// No answer quotes a client's long input back at length.
	if len(r.body) > 4096 {
		t.Errorf("%s %.80s: problem of %d bytes, want a short one", method, tc.path, len(r.body))
	}
	if after := h.now(); after != before {
		t.Errorf("%s %.80s: log head = %d after the rejection, want %d", method, tc.path, after, before)
	}
}

// TestHostileQueries: every query value is bounded before any parser sees
// it, a query string is parsed strictly, and a write takes no query at all.
func TestHostileQueries(t *testing.T) {
	e := newEnv(t)
	rejectionFixture(e)
	h := &logHead{e: e}
	long := func(n int) string { return strings.Repeat("a", n) }
	manyParams := func(n int) string {
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteByte('&')
			}
			b.WriteString("p")
			b.WriteString(strings.Repeat("x", i))
			b.WriteString("=1")
		}
		return b.String()
	}
	const tx = "/v1/funds/" + socialFund + "/transactions"
	cases := []hostileCase{
		// Value length: at the bound the parameter's own parser speaks;
		// beyond it the length is the answer.
		{name: "cursor at the length bound", method: "GET", path: "/v1/units?cursor=" + long(128),
			status: 422, code: "validation_failed", fields: []string{"cursor"}},
		{name: "cursor beyond the length bound", method: "GET", path: "/v1/units?cursor=" + long(129),
			status: 422, code: "validation_failed", fields: []string{"cursor"}, detail: "cursor"},
		{name: "huge value", method: "GET", path: "/v1/funds/" + socialFund + "?as_of=" + long(5_000),
			status: 422, code: "validation_failed", fields: []string{"as_of"}},
		// A request target over 8 KiB is refused before it is parsed.
		{name: "value beyond the request target's bound", method: "GET", path: "/v1/funds/" + socialFund + "?as_of=" + long(100_000),
			status: 414, code: "uri_too_long"},
		{name: "huge limit", method: "GET", path: "/v1/units?limit=" + strings.Repeat("9", 5000),
			status: 422, code: "validation_failed", fields: []string{"limit"}},
		{name: "limit at the maximum", method: "GET", path: "/v1/units?limit=1000", status: 200},
		{name: "limit beyond the maximum", method: "GET", path: "/v1/events?limit=1001",
			status: 422, code: "validation_failed", fields: []string{"limit"}},
		{name: "negative limit", method: "GET", path: tx + "?limit=-1",
			status: 422, code: "validation_failed", fields: []string{"limit"}},
		{name: "after beyond uint64", method: "GET", path: "/v1/events?after=18446744073709551616",
			status: 422, code: "validation_failed", fields: []string{"after"}},
		// Dates.
		{name: "as_of 30 February", method: "GET", path: "/v1/funds/" + socialFund + "?as_of=2024-02-30",
			status: 422, code: "validation_failed", fields: []string{"as_of"}},
		{name: "as_of year 0", method: "GET", path: "/v1/funds/" + socialFund + "?as_of=0000-01-01",
			status: 422, code: "validation_failed", fields: []string{"as_of"}},
		{name: "from with a time", method: "GET", path: tx + "?from=2024-01-01T00:00:00Z",
			status: 422, code: "validation_failed", fields: []string{"from"}},
		{name: "to with a NUL", method: "GET", path: "/v1/units/vgcl/summary?to=2024-01-0%00",
			status: 422, code: "validation_failed", fields: []string{"to"}},
		// Malformed query strings are refused, not half-read: Echo alone
		// would drop the pair and answer today's figures.
		{name: "bad escape", method: "GET", path: "/v1/funds/" + socialFund + "?as_of=%zz",
			status: 422, code: "validation_failed", fields: []string{"query"}},
		{name: "semicolon", method: "GET", path: "/v1/funds/" + socialFund + "?as_of=2024-01-01;x=1",
			status: 422, code: "validation_failed", fields: []string{"query"}},
		// Parameter count: at the bound every parameter is judged; beyond
		// it the request is refused as a whole.
		{name: "16 unknown parameters", method: "GET", path: "/v1/units?" + manyParams(16),
			status: 422, code: "validation_failed"},
		{name: "17 parameters", method: "GET", path: "/v1/units?" + manyParams(17),
			status: 422, code: "validation_failed", fields: []string{"query"}},
		{name: "thousands of parameters", method: "GET", path: "/v1/units?" + strings.Repeat("a=1&", 1500),
			status: 422, code: "validation_failed", fields: []string{"query"}},
		{name: "parameters beyond the request target's bound", method: "GET", path: "/v1/units?" + strings.Repeat("a=1&", 5000),
			status: 414, code: "uri_too_long"},
		// A write takes no query parameters.
		{name: "query on a write", path: sDonations + "?dry_run=true", body: donation(`"1"`),
			status: 422, code: "validation_failed", fields: []string{"dry_run"}},
		{name: "fund id in the query of a write", path: "/v1/funds?fund_id=" + socialFund,
			body:   `{"unit_id":"vgcl","name":"Quỹ","kind":"social"}`,
			status: 422, code: "validation_failed", fields: []string{"fund_id"}},
		{name: "malformed query on a write", path: sDonations + "?%", body: donation(`"1"`),
			status: 422, code: "validation_failed", fields: []string{"query"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { h.check(t, tc) })
	}

	t.Run("16 unknown parameters are each named", func(t *testing.T) {
		p := mustProblem(t, e.get("/v1/units?"+manyParams(16)), 422, "validation_failed")
		if len(p.Errors) != 16 {
			t.Errorf("errors = %d, want 16", len(p.Errors))
		}
	})
	t.Run("a long unknown name is clipped", func(t *testing.T) {
		p := mustProblem(t, e.get("/v1/units?"+strings.Repeat("ă", 1_000)+"=1"), 422, "validation_failed")
		if len(p.Errors) != 1 || len(p.Errors[0].Field) > 64+len("…") || !utf8.ValidString(p.Errors[0].Field) {
			t.Errorf("errors = %.200q, want one field of at most 64 bytes of valid UTF-8", p.Errors)
		}
	})
}

// TestHostileHeaders: only application/json (with at most charset=utf-8),
// in one header, with no content coding, is a body.
func TestHostileHeaders(t *testing.T) {
	e := newEnv(t)
	rejectionFixture(e)
	h := &logHead{e: e}
	body := donation(`"1"`)
	cases := []hostileCase{
		{name: "charset utf-8 quoted", header: []string{"Content-Type", `application/json; charset="utf-8"`}, status: 201},
		{name: "identity coding", header: []string{"Content-Encoding", "identity"}, status: 201},
		{name: "gzip", header: []string{"Content-Encoding", "gzip"}, status: 415, code: "unsupported_media_type"},
		{name: "identity then gzip", header: []string{"Content-Encoding", "identity, gzip"}, status: 415, code: "unsupported_media_type"},
		{name: "text/json", header: []string{"Content-Type", "text/json"}, status: 415, code: "unsupported_media_type"},
		{name: "problem+json", header: []string{"Content-Type", "application/problem+json"}, status: 415, code: "unsupported_media_type"},
		{name: "json with a suffix", header: []string{"Content-Type", "application/jsonx"}, status: 415, code: "unsupported_media_type"},
		{name: "wildcard", header: []string{"Content-Type", "*/*"}, status: 415, code: "unsupported_media_type"},
		{name: "utf-16", header: []string{"Content-Type", "application/json; charset=utf-16"}, status: 415, code: "unsupported_media_type"},
		{name: "extra parameter", header: []string{"Content-Type", "application/json; charset=utf-8; v=2"}, status: 415, code: "unsupported_media_type"},
		{name: "charset twice, the same", header: []string{"Content-Type", "application/json; charset=utf-8; charset=utf-8"}, status: 201},
		{name: "charset twice, differing", header: []string{"Content-Type", "application/json; charset=utf-8; charset=utf-16"}, status: 415, code: "unsupported_media_type"},
		{name: "garbage", header: []string{"Content-Type", "application/json;;;=="}, status: 415, code: "unsupported_media_type"},
		{name: "huge", header: []string{"Content-Type", "application/" + strings.Repeat("x", 10_000)}, status: 415, code: "unsupported_media_type"},
		{name: "beyond the header fields' bound", header: []string{"Content-Type", "application/" + strings.Repeat("x", 100_000)},
			status: 431, code: "headers_too_large"},
	}
	for _, tc := range cases {
		tc.path, tc.body = sDonations, body
		t.Run(tc.name, func(t *testing.T) { h.check(t, tc) })
	}

	t.Run("two Content-Type headers", func(t *testing.T) {
		before := h.now()
		req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, e.http.URL+sDonations, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Authorization", "Bearer "+e.token)
		req.Header.Add("Content-Type", "application/json")
		req.Header.Add("Content-Type", "text/plain")
		res, err := e.http.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusUnsupportedMediaType {
			t.Errorf("status = %d, want 415", res.StatusCode)
		}
		if after := h.now(); after != before {
			t.Errorf("log head = %d, want %d", after, before)
		}
	})
}

// TestHostileBodies: shapes of JSON that are valid but hostile.
func TestHostileBodies(t *testing.T) {
	e := newEnv(t)
	rejectionFixture(e)
	h := &logHead{e: e}
	// nest returns a donation with an unknown member x nesting depth levels
	// (the body object is level 1).
	nest := func(depth int) string {
		return `{"amount":"1",` + goodDonor + `,"x":` + strings.Repeat("[", depth-1) + strings.Repeat("]", depth-1) + `}`
	}
	manyKeys := func(n int) string {
		var b strings.Builder
		b.WriteString(`{"amount":"1",` + goodDonor)
		for i := range n {
			fmt.Fprintf(&b, `,"k%d":1`, n-i)
		}
		b.WriteString("}")
		return b.String()
	}
	digits := strings.Repeat("9", 100_000)
	cases := []hostileCase{
		// Depth: at the bound the unknown member is the finding, beyond it
		// the depth is.
		{name: "depth 16", body: nest(16), status: 400, code: "invalid_json", detail: `unknown field "x"`},
		{name: "depth 17", body: nest(17), status: 400, code: "invalid_json", detail: "deeper than 16"},
		{name: "depth 10000", body: nest(10_000), status: 400, code: "invalid_json", detail: "deeper than 16"},
		{name: "deep objects", body: `{"donor":` + strings.Repeat(`{"a":`, 50) + "1" + strings.Repeat("}", 51),
			status: 400, code: "invalid_json", detail: "deeper than 16"},
		// Numbers.
		{name: "amount with an exponent", body: donation(`1E6`), status: 422, code: "validation_failed", fields: []string{"amount"}},
		{name: "amount 1.0", body: donation(`1.0`), status: 422, code: "validation_failed", fields: []string{"amount"}},
		{name: "amount -0", body: donation(`-0`), status: 422, code: "validation_failed", fields: []string{"amount"}},
		{name: "amount beyond float64", body: donation(`1e400`), status: 422, code: "validation_failed", fields: []string{"amount"}},
		{name: "amount of 100000 digits", body: donation(digits), status: 422, code: "validation_failed", fields: []string{"amount"}},
		{name: "amount string of 100000 digits", body: donation(`"` + digits + `"`), status: 422, code: "validation_failed", fields: []string{"amount"}},
		{name: "amount of leading zeros", body: donation(`"` + strings.Repeat("0", 100_000) + `1"`), status: 201},
		{name: "amount with a NUL", body: donation(`"1\u0000"`), status: 422, code: "validation_failed", fields: []string{"amount"}},
		{name: "amount in full-width digits", body: donation(`"１２３"`), status: 422, code: "validation_failed", fields: []string{"amount"}},
		// Strings and keys.
		{name: "empty key", body: `{"":1,"amount":"1",` + goodDonor + `}`, status: 400, code: "invalid_json"},
		{name: "huge unknown key", body: `{"` + strings.Repeat("k", 100_000) + `":1,"amount":"1",` + goodDonor + `}`,
			status: 400, code: "invalid_json", detail: "unknown field"},
		{name: "many unknown keys", body: manyKeys(5_000), status: 400, code: "invalid_json", detail: `unknown field "k1"`},
		{name: "huge id", body: `{"transaction_id":"` + strings.Repeat("0", 100_000) + `","amount":"1",` + goodDonor + `}`,
			status: 422, code: "validation_failed", fields: []string{"transaction_id"}},
		{name: "huge beneficiary id", path: sAssist, body: `{"beneficiary_id":"` + strings.Repeat("M", 100_000) + `","amount":"1","category":"death"}`,
			status: 422, code: "validation_failed", fields: []string{"beneficiary_id"}},
		{name: "lone surrogate escape", body: `{"amount":"1","donor":{"kind":"member","name":"\ud800"}}`,
			status: 400, code: "invalid_json", detail: "surrogate"},
		{name: "BOM before the body", body: "\ufeff" + donation(`"1"`), status: 400, code: "invalid_json"},
		{name: "NUL after the body", body: donation(`"1"`) + "\x00", status: 400, code: "invalid_json"},
		{name: "null donor kind", body: `{"amount":"1","donor":{"kind":null}}`, status: 422, code: "validation_failed", fields: []string{"donor.kind"}},
		{name: "id of the nil UUID", body: `{"transaction_id":"00000000-0000-0000-0000-000000000000","amount":"1",` + goodDonor + `}`,
			status: 422, code: "validation_failed", fields: []string{"transaction_id"}},
		{name: "unit id with a NUL", path: "/v1/units", body: `{"unit_id":"a\u0000","name":"A"}`,
			status: 422, code: "validation_failed", fields: []string{"unit_id"}},
		{name: "unit id of 65 characters", path: "/v1/units", body: `{"unit_id":"` + strings.Repeat("a", 65) + `","name":"A"}`,
			status: 422, code: "validation_failed", fields: []string{"unit_id"}},
		{name: "unit id of 64 characters", path: "/v1/units", body: `{"unit_id":"` + strings.Repeat("a", 64) + `","name":"A"}`, status: 201},
	}
	for _, tc := range cases {
		if tc.path == "" {
			tc.path = sDonations
		}
		t.Run(tc.name, func(t *testing.T) { h.check(t, tc) })
	}
}

// TestHostilePaths: every path parameter is checked before any lookup, at
// and beyond its bound, escapes included.
func TestHostilePaths(t *testing.T) {
	e := newEnv(t)
	rejectionFixture(e)
	h := &logHead{e: e}
	cases := []hostileCase{
		{name: "unit slug of 64", method: "GET", path: "/v1/units/" + strings.Repeat("a", 64), status: 404, code: "not_found"},
		{name: "unit slug of 65", method: "GET", path: "/v1/units/" + strings.Repeat("a", 65),
			status: 422, code: "validation_failed", fields: []string{"unit_id"}},
		{name: "unit summary slug of 65", method: "GET", path: "/v1/units/" + strings.Repeat("a", 65) + "/summary",
			status: 422, code: "validation_failed", fields: []string{"unit_id"}},
		{name: "escaped slash in a unit", method: "GET", path: "/v1/units/vgcl%2Fx",
			status: 422, code: "validation_failed", fields: []string{"unit_id"}},
		{name: "escaped NUL in a unit", method: "GET", path: "/v1/units/vgcl%00",
			status: 422, code: "validation_failed", fields: []string{"unit_id"}},
		{name: "escaped unit that is valid", method: "GET", path: "/v1/units/%76gcl", status: 200},
		{name: "beneficiary of 64", method: "GET", path: "/v1/beneficiaries/" + strings.Repeat("M", 64), status: 404, code: "not_found"},
		{name: "beneficiary of 65", method: "GET", path: "/v1/beneficiaries/" + strings.Repeat("M", 65),
			status: 422, code: "validation_failed", fields: []string{"beneficiary_id"}},
		{name: "beneficiary with dot-dot", method: "GET", path: "/v1/beneficiaries/..",
			status: 422, code: "validation_failed", fields: []string{"beneficiary_id"}},
		{name: "beneficiary with a space", method: "GET", path: "/v1/beneficiaries/M%20001",
			status: 422, code: "validation_failed", fields: []string{"beneficiary_id"}},
		{name: "fund id beyond the request target's bound", method: "GET", path: "/v1/funds/" + strings.Repeat("f", 100_000),
			status: 414, code: "uri_too_long"},
		{name: "huge fund id", method: "GET", path: "/v1/funds/" + strings.Repeat("f", 5_000),
			status: 422, code: "validation_failed", fields: []string{"fund_id"}},
		{name: "fund id without dashes", method: "GET", path: "/v1/funds/" + strings.ReplaceAll(socialFund, "-", ""),
			status: 422, code: "validation_failed", fields: []string{"fund_id"}},
		{name: "fund id as a urn", method: "GET", path: "/v1/funds/urn:uuid:" + socialFund,
			status: 422, code: "validation_failed", fields: []string{"fund_id"}},
		{name: "nil fund id", method: "GET", path: "/v1/funds/00000000-0000-0000-0000-000000000000",
			status: 422, code: "validation_failed", fields: []string{"fund_id"}},
		{name: "bad fund of transactions", method: "GET", path: "/v1/funds/x/transactions",
			status: 422, code: "validation_failed", fields: []string{"fund_id"}},
		{name: "bad fund and loan of a loan", method: "GET", path: "/v1/funds/x/loans/y",
			status: 422, code: "validation_failed", fields: []string{"fund_id", "loan_id"}},
		{name: "bad loan of a repayment", path: "/v1/funds/" + capitalFund + "/loans/y/repayments", body: `{"amount":"1"}`,
			status: 422, code: "validation_failed", fields: []string{"loan_id"}},
		{name: "bad fund of every write", path: "/v1/funds/x/reversals", body: `{"reverses":"` + d1 + `","reason":"x"}`,
			status: 422, code: "validation_failed", fields: []string{"fund_id"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) { h.check(t, tc) })
	}
}
