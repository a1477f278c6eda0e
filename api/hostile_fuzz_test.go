package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/welfare-ledger/welfare-ledger/api"
	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
	"github.com/welfare-ledger/welfare-ledger/store/embedded"
)

// fuzzEndpoints are the write endpoints FuzzWriteRequests sends bodies to,
// in the order of its endpoint index. Their funds and loan exist in
// fuzzFixture.
var fuzzEndpoints = []string{
	"/v1/units",
	"/v1/funds",
	"/v1/funds/" + socialFund + "/donations",
	"/v1/funds/" + socialFund + "/shelter-grants",
	"/v1/funds/" + socialFund + "/assistance-grants",
	"/v1/funds/" + capitalFund + "/loans",
	"/v1/funds/" + capitalFund + "/loans/" + l1 + "/repayments",
	"/v1/funds/" + socialFund + "/reversals",
}

// apiCodes are the error codes of API.md's table with their statuses.
// internal is left out on purpose: no body may cause a 500.
var apiCodes = map[string]int{
	"invalid_json": 400, "validation_failed": 422, "unauthorized": 401, "forbidden": 403,
	"not_found": 404, "already_exists": 409, "insufficient_funds": 409, "exceeds_outstanding": 409,
	"not_allowed_for_fund_kind": 409, "already_reversed": 409, "not_reversible": 409,
	"loan_has_repayments": 409, "period_closed": 409, "idempotency_conflict": 409,
	"payload_too_large": 413, "unsupported_media_type": 415,
}

// fuzzServer is one server on a real embedded store, shared by every input
// of one fuzzing process.
type fuzzServer struct {
	handler http.Handler
	store   *embedded.Store
	last    domain.Position
	auth    string // the Authorization header of an unscoped admin token
}

// newFuzzServer starts a server with the fixed clock of the tests on a
// fresh ledger in tb's temporary directory, with the funds and loan of
// fuzzEndpoints, and stops it when tb is done.
func newFuzzServer(tb testing.TB) *fuzzServer {
	tb.Helper()
	st, err := embedded.Open(filepath.Join(tb.TempDir(), "ledger.db"))
	if err != nil {
		tb.Fatalf("embedded.Open() = %v", err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	proj := projections.New()
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan error, 1)
	go func() { runDone <- projections.Run(ctx, st, proj, logger) }()
	tb.Cleanup(func() {
		cancel()
		if err := <-runDone; err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, domain.ErrStoreClosed) {
			tb.Errorf("projections.Run() = %v", err)
		}
		if err := st.Close(); err != nil {
			tb.Errorf("store.Close() = %v", err)
		}
	})
	ledger := domain.NewLedger(st, func() time.Time { return fixedNow })
	// No rate limit: the fuzzer sends thousands of requests a second.
	srv := api.New(api.Config{Ledger: ledger, Projections: proj, Store: st, Logger: logger, RateLimit: &api.RateLimit{}})
	s := &fuzzServer{handler: srv.Handler(), store: st}
	deadline := time.Now().Add(waitLimit)
	for !proj.Ready() {
		if time.Now().After(deadline) {
			tb.Fatalf("projections not ready after %v", waitLimit)
		}
		time.Sleep(time.Millisecond)
	}
	tok, err := ledger.IssueToken(ctx, domain.IssueToken{TokenID: domain.NewID(), Name: "fuzz", Role: domain.RoleAdmin}, domain.SystemActor)
	if err != nil {
		tb.Fatalf("IssueToken() = %v", err)
	}
	waitCtx, done := context.WithTimeout(ctx, waitLimit)
	defer done()
	if err := proj.WaitFor(waitCtx, tok.Position); err != nil {
		tb.Fatalf("projections did not apply the token: %v", err)
	}
	s.auth = "Bearer " + tok.Token
	for _, w := range []struct{ path, body string }{
		{"/v1/units", `{"unit_id":"vgcl","name":"Tổng Liên đoàn"}`},
		{"/v1/funds", `{"fund_id":"` + socialFund + `","unit_id":"vgcl","name":"Quỹ Xã hội","kind":"social","opened_on":"2024-01-01"}`},
		{"/v1/funds", `{"fund_id":"` + capitalFund + `","unit_id":"vgcl","name":"Quỹ Trợ vốn","kind":"capital_support","opened_on":"2024-01-01"}`},
		{fuzzEndpoints[2], `{"transaction_id":"` + d1 + `","amount":"10000000","occurred_on":"2024-03-01","donor":{"kind":"member"}}`},
		{"/v1/funds/" + capitalFund + "/donations", `{"amount":"100000000","occurred_on":"2024-01-02","donor":{"kind":"organization"}}`},
		{fuzzEndpoints[5], `{"loan_id":"` + l1 + `","beneficiary_id":"M003","amount":"30000000","occurred_on":"2024-02-01"}`},
	} {
		if code, body := s.post(w.path, []byte(w.body)); code != http.StatusCreated {
			tb.Fatalf("fixture POST %s = %d %s", w.path, code, body.Body)
		}
	}
	s.head(tb)
	return s
}

func (s *fuzzServer) post(path string, body []byte) (int, *httptest.ResponseRecorder) {
	req := httptest.NewRequest(http.MethodPost, path, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", s.auth)
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, req)
	return rec.Code, rec
}

// head returns the log's last position, reading only past the last seen.
func (s *fuzzServer) head(tb testing.TB) domain.Position {
	tb.Helper()
	for {
		evs, err := s.store.ReadAll(context.Background(), s.last, domain.MaxReadBatch)
		if err != nil {
			tb.Fatalf("ReadAll(%d) = %v", s.last, err)
		}
		if len(evs) == 0 {
			return s.last
		}
		s.last = evs[len(evs)-1].Position
	}
}

// FuzzWriteRequests sends arbitrary bodies to every write endpoint of the
// real server on a real store: no body may cause a 500 or any answer but a
// 2xx or a problem+json with a code and status of API.md's table, and a
// refused body records nothing.
func FuzzWriteRequests(f *testing.F) {
	seeds := [][]string{
		{`{"unit_id":"lang-son","name":"Liên đoàn Lao động tỉnh Lạng Sơn","parent_id":"vgcl"}`, `{"unit_id":"vgcl","name":"again"}`},
		{`{"unit_id":"vgcl","name":"Quỹ","kind":"charity","opened_on":"2024-02-01"}`, `{"fund_id":"` + socialFund + `","unit_id":"vgcl","name":"x","kind":"social"}`},
		{`{"amount":"1250000.00","occurred_on":"2024-06-30","donor":{"kind":"enterprise","name":"Công ty A"},"campaign":"Tết","reference":"PT-1","note":"n"}`,
			`{"amount":1e6,"donor":{"kind":"member","kind":"member"}}`},
		{`{"beneficiary_id":"M001","amount":"5000000","shelter":"repair","decision_no":"QĐ 12"}`, `{"beneficiary_id":"M001","amount":"99999999","shelter":"new_build"}`},
		{`{"beneficiary_id":"M002","amount":"100000","category":"tet_gift","occurred_on":"2024-02-01"}`, `{"amount":"-5","category":"x"}`},
		{`{"beneficiary_id":"M004","amount":"1000000","due_on":"2025-01-01","project":"chăn nuôi"}`, `{"loan_id":"` + l1 + `","beneficiary_id":"M003","amount":"30000000","occurred_on":"2024-02-01"}`},
		{`{"amount":"1000000","occurred_on":"2024-03-01","note":"trả kỳ 1"}`, `{"amount":"999999999"}`},
		{`{"reverses":"` + d1 + `","reason":"nhập sai"}`, `{"reverses":"` + l1 + `","reason":"x"}`},
	}
	for i, bodies := range seeds {
		for _, b := range bodies {
			f.Add(uint8(i), []byte(b))
		}
	}
	f.Add(uint8(2), []byte(`{"amount":"1","donor":{"kind":"member"},"x":[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]}`))
	f.Add(uint8(7), []byte(`{"reverses":"`+d1+`","reason":"a\u202eb"}`))
	f.Add(uint8(0), []byte{0xff, '{'})
	s := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, endpoint uint8, body []byte) {
		path := fuzzEndpoints[int(endpoint)%len(fuzzEndpoints)]
		before := s.head(t)
		code, rec := s.post(path, body)
		t.Logf("POST %s = %d %.120s", path, code, rec.Body)
		if code >= 200 && code < 300 {
			return
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" {
			t.Fatalf("POST %s %q = %d with Content-Type %q, want application/problem+json", path, body, code, ct)
		}
		var p struct {
			Code   string `json:"code"`
			Status int    `json:"status"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil {
			t.Fatalf("POST %s %q = %d %s: not a problem: %v", path, body, code, rec.Body, err)
		}
		if want, ok := apiCodes[p.Code]; !ok || want != code || p.Status != code {
			t.Fatalf("POST %s %q = %d %s: want a code of API.md's table with its status", path, body, code, rec.Body)
		}
		if after := s.head(t); after != before {
			t.Fatalf("POST %s %q = %d, but the log moved from %d to %d", path, body, code, before, after)
		}
	})
}

// fuzzReadRoutes build the read paths FuzzReadRequests sends, from one
// fuzzed path segment.
var fuzzReadRoutes = []func(seg string) string{
	func(string) string { return "/v1/units" },
	func(seg string) string { return "/v1/units/" + seg },
	func(seg string) string { return "/v1/units/" + seg + "/summary" },
	func(string) string { return "/v1/funds" },
	func(seg string) string { return "/v1/funds/" + seg },
	func(seg string) string { return "/v1/funds/" + seg + "/transactions" },
	func(seg string) string { return "/v1/funds/" + capitalFund + "/loans/" + seg },
	func(seg string) string { return "/v1/beneficiaries/" + seg },
	func(string) string { return "/v1/events" },
}

// FuzzReadRequests sends arbitrary path parameters and raw query strings to
// every read route of the real server: no 500, and every answer a 200 of
// JSON or a problem+json with a code and status of API.md's table.
func FuzzReadRequests(f *testing.F) {
	for _, c := range []struct {
		route      uint8
		seg, query string
	}{
		{0, "", "limit=1000"}, {1, "vgcl", ""}, {2, "vgcl", "from=1900-01-01&to=9999-12-31"},
		{3, "", "unit_id=vgcl&kind=social"}, {4, socialFund, "as_of=2024-02-29"}, {5, socialFund, "type=LoanRepaid&limit=1"},
		{6, l1, ""}, {7, "M003", ""}, {8, "", "after=18446744073709551615"}, {4, socialFund, "as_of=%zz"},
		{1, "a%2Fb", "x=1;y=2"}, {5, capitalFund, "cursor=AQKqqqqqqqqqqg"},
	} {
		f.Add(c.route, c.seg, c.query)
	}
	s := newFuzzServer(f)
	f.Fuzz(func(t *testing.T, route uint8, seg, query string) {
		path := fuzzReadRoutes[int(route)%len(fuzzReadRoutes)](url.PathEscape(seg))
		req, err := http.NewRequest(http.MethodGet, "http://ledger.test"+path, nil)
		if err != nil {
			t.Fatalf("NewRequest(%q) = %v", path, err)
		}
		// The raw query goes in as the client sent it, bypassing the
		// client's own URL checks, as any bytes may arrive on the wire.
		req.URL.RawQuery = query
		req.Header.Set("Authorization", s.auth)
		rec := httptest.NewRecorder()
		s.handler.ServeHTTP(rec, req)
		code := rec.Code
		t.Logf("GET %s?%s = %d %.120s", path, query, code, rec.Body)
		if code == http.StatusOK {
			if !json.Valid(rec.Body.Bytes()) {
				t.Fatalf("GET %s?%s = 200 with a body that is not JSON", path, query)
			}
			return
		}
		var p struct {
			Code   string `json:"code"`
			Status int    `json:"status"`
		}
		if ct := rec.Header().Get("Content-Type"); ct != "application/problem+json" || json.Unmarshal(rec.Body.Bytes(), &p) != nil {
			t.Fatalf("GET %s?%s = %d %s (%s), want a problem+json", path, query, code, rec.Body, ct)
		}
		if want, ok := apiCodes[p.Code]; !ok || want != code || p.Status != code {
			t.Fatalf("GET %s?%s = %d %s: want a code of API.md's table with its status", path, query, code, rec.Body)
		}
	})
}
