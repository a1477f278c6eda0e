package api_test

import (
	"bufio"
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/welfare-ledger/welfare-ledger/api"
	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
	"github.com/welfare-ledger/welfare-ledger/store/embedded"
)

func TestHealthAndReadiness(t *testing.T) {
	e := newEnv(t)
	tests := []struct{ path, want string }{
		{"/healthz", `{"status":"ok"}`},
		{"/readyz", `{"status":"ready"}`},
	}
	for _, tc := range tests {
		r := e.get(tc.path)
		mustStatus(t, r, http.StatusOK)
		if got := string(bytes.TrimSpace(r.body)); got != tc.want {
			t.Errorf("GET %s = %s, want %s", tc.path, got, tc.want)
		}
	}

	t.Run("not ready before the projections caught up", func(t *testing.T) {
		// Projections that no runner feeds never become ready.
		srv := api.New(api.Config{
			Ledger:      domain.NewLedger(e.store, func() time.Time { return fixedNow }),
			Projections: projections.New(),
			Store:       e.store,
		})
		rec := httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/readyz", nil))
		r := resp{method: "GET", path: "/readyz", status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
		mustProblem(t, r, http.StatusServiceUnavailable, "not_ready")
		if ra := r.header.Get("Retry-After"); ra == "" {
			t.Errorf("503 without Retry-After")
		}
		rec = httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/healthz", nil))
		if rec.Code != http.StatusOK {
			t.Errorf("GET /healthz while not ready = %d, want 200 (alive)", rec.Code)
		}

		// Until then no ledger data is served, not even partial figures,
		// and nothing is recorded; the OpenAPI document still is.
		before := e.eventCount()
		for _, req := range []*http.Request{
			httptest.NewRequest(http.MethodGet, "/v1/funds/"+socialFund, nil),
			httptest.NewRequest(http.MethodGet, "/v1/units", nil),
			httptest.NewRequest(http.MethodGet, "/v1/events", nil),
			jsonRequest(http.MethodPost, sDonations, `{"amount":"1","donor":{"kind":"member"}}`),
		} {
			rec := httptest.NewRecorder()
			srv.Handler().ServeHTTP(rec, req)
			r := resp{method: req.Method, path: req.URL.Path, status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
			mustProblem(t, r, http.StatusServiceUnavailable, "not_ready")
		}
		if after := e.eventCount(); after != before {
			t.Errorf("events while not ready: %d, want %d (nothing recorded)", after, before)
		}
		rec = httptest.NewRecorder()
		srv.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/v1/openapi.yaml", nil))
		if rec.Code != http.StatusOK {
			t.Errorf("GET /v1/openapi.yaml while not ready = %d, want 200", rec.Code)
		}
	})
}

func jsonRequest(method, path, body string) *http.Request {
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	return req
}

// TestReadYourWritesTimeout: when the projections do not apply a write in
// time, the write is still answered with its real outcome (201: it is
// durable), and every later request to that instance waits for it, so that
// none is served from projections without it: a read then gets 503
// not_ready, which records nothing. Repeating the write returns its result
// as a replay.
func TestReadYourWritesTimeout(t *testing.T) {
	e := newEnv(t)
	e.units()
	e.openFund(socialFund, "lang-son", "social")
	// Projections caught up with another, empty store: ready, but they
	// never see what this ledger writes, like projections lagging behind.
	empty, err := embedded.Open(filepath.Join(t.TempDir(), "empty.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { empty.Close() })
	// The lagging projections know the token, and nothing else.
	access, err := e.store.ReadStream(context.Background(), domain.AccessStream, 0, 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, se := range access {
		ne := domain.NewEvent{ID: se.ID, Type: se.Type, Data: se.Data, Metadata: se.Metadata}
		if _, err := empty.Append(context.Background(), domain.AccessStream, domain.ExpectedRevision(se.Revision)-1, []domain.NewEvent{ne}); err != nil {
			t.Fatal(err)
		}
	}
	lagging := projections.New()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go projections.Run(ctx, empty, lagging, slog.New(slog.DiscardHandler))
	for !lagging.Ready() {
		time.Sleep(time.Millisecond)
	}
	stalled := api.New(api.Config{
		Ledger:                domain.NewLedger(e.store, func() time.Time { return fixedNow }),
		Projections:           lagging,
		Store:                 e.store,
		ReadYourWritesTimeout: 20 * time.Millisecond,
	})
	body := `{"transaction_id":"0190a0b4-0000-7000-8000-0000000000cc","amount":"900000","donor":{"kind":"member"}}`
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodPost, sDonations, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+e.token)
	stalled.Handler().ServeHTTP(rec, req)
	r := resp{method: "POST", path: sDonations, status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	mustStatus(t, r, http.StatusCreated)

	rec = httptest.NewRecorder()
	req = httptest.NewRequest(http.MethodGet, "/v1/funds/"+socialFund, nil)
	req.Header.Set("Authorization", "Bearer "+e.token)
	stalled.Handler().ServeHTTP(rec, req)
	r = resp{method: "GET", path: req.URL.Path, status: rec.Code, header: rec.Header(), body: rec.Body.Bytes()}
	mustProblem(t, r, http.StatusServiceUnavailable, "not_ready")

	again := e.post(sDonations, body)
	mustStatus(t, again, http.StatusOK)
	if again.header.Get("Idempotent-Replay") != "true" {
		t.Errorf("repeat: Idempotent-Replay = %q, want true", again.header.Get("Idempotent-Replay"))
	}
	if got := e.fund(socialFund, "").Balance; got != "900000" {
		t.Errorf("balance = %s, want 900000 (recorded once)", got)
	}
}

func TestResponseHeaders(t *testing.T) {
	e := newEnv(t)
	e.units()
	tests := []struct {
		name, method, path, body string
	}{
		{"read", http.MethodGet, "/v1/units", ""},
		{"write", http.MethodPost, "/v1/units", `{"unit_id":"x","name":"X"}`},
		{"problem", http.MethodGet, "/v1/units/nowhere", ""},
		{"unknown route", http.MethodGet, "/v2/anything", ""},
		{"unauthorized", http.MethodGet, "/v1/units", ""},
		{"contract", http.MethodGet, "/v1/openapi.yaml", ""},
		{"health", http.MethodGet, "/healthz", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r resp
			if tc.name == "unauthorized" {
				r = e.request(tc.method, tc.path, tc.body, "Authorization", "")
				mustStatus(t, r, http.StatusUnauthorized)
			} else {
				r = e.request(tc.method, tc.path, tc.body)
			}
			for h, want := range map[string]string{
				"X-Content-Type-Options":  "nosniff",
				"Cache-Control":           "no-store",
				"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
				"X-Frame-Options":         "DENY",
				"Referrer-Policy":         "no-referrer",
			} {
				if got := r.header.Get(h); got != want {
					t.Errorf("%s %s: %s = %q, want %q", tc.method, tc.path, h, got, want)
				}
			}
			if id := r.header.Get("X-Request-Id"); id == "" {
				t.Errorf("%s %s: no X-Request-Id", tc.method, tc.path)
			}
		})
	}
	t.Run("JSON content type", func(t *testing.T) {
		if ct := e.get("/v1/units").header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("Content-Type = %q, want application/json", ct)
		}
	})
	t.Run("request id", func(t *testing.T) {
		for _, tc := range []struct{ sent, want string }{
			{"abc-123.X_y", "abc-123.X_y"},
			{"has space", ""},
			{strings.Repeat("a", 65), ""},
		} {
			r := e.request(http.MethodGet, "/healthz", "", "X-Request-Id", tc.sent)
			got := r.header.Get("X-Request-Id")
			if tc.want != "" && got != tc.want {
				t.Errorf("X-Request-Id for %q = %q, want it kept", tc.sent, got)
			}
			if tc.want == "" && (got == tc.sent || got == "") {
				t.Errorf("X-Request-Id for %q = %q, want a fresh one", tc.sent, got)
			}
		}
	})
}

// syncBuffer is a log sink safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestLogsAndInternalErrors: one line per request with the route pattern,
// never a beneficiary id; a 500 tells the client nothing of the cause and
// logs it.
func TestLogsAndInternalErrors(t *testing.T) {
	e := newEnv(t)
	history(e)
	var logs syncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, nil))

	// A second store on its own file, closed, makes every read fail.
	closed, err := embedded.Open(filepath.Join(t.TempDir(), "closed.db"))
	if err != nil {
		t.Fatal(err)
	}
	if err := closed.Close(); err != nil {
		t.Fatal(err)
	}
	srv := api.New(api.Config{
		Ledger:      domain.NewLedger(e.store, func() time.Time { return fixedNow }),
		Projections: e.proj,
		Store:       closed,
		Logger:      logger,
	})
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	get := func(path string, header ...string) resp {
		req, _ := http.NewRequest(http.MethodGet, hs.URL+path, nil)
		req.Header.Set("Authorization", "Bearer "+e.token)
		for i := 0; i+1 < len(header); i += 2 {
			req.Header.Set(header[i], header[i+1])
		}
		res, err := hs.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		var b bytes.Buffer
		b.ReadFrom(res.Body)
		return resp{method: "GET", path: path, status: res.StatusCode, header: res.Header, body: b.Bytes()}
	}

	mustStatus(t, get("/v1/beneficiaries/M001"), http.StatusOK)
	r := get("/v1/events", "X-Request-Id", "req-500")
	p := mustProblem(t, r, http.StatusInternalServerError, "internal")
	if strings.Contains(strings.ToLower(p.Detail), "closed") || !strings.Contains(p.Detail, "req-500") {
		t.Errorf("500 detail = %q, want no cause, and the request id", p.Detail)
	}

	text := logs.String()
	if strings.Contains(text, "M001") {
		t.Errorf("logs mention the beneficiary id M001:\n%s", text)
	}
	var sawRoute, sawCause bool
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		if strings.Contains(line, `"route":"/v1/beneficiaries/:beneficiary_id"`) && strings.Contains(line, `"status":200`) {
			sawRoute = true
		}
		if strings.Contains(line, `"request_id":"req-500"`) && strings.Contains(line, "closed") {
			sawCause = true
		}
	}
	if !sawRoute {
		t.Errorf("no access log line with the route pattern and status:\n%s", text)
	}
	if !sawCause {
		t.Errorf("the cause of the 500 was not logged with its request id:\n%s", text)
	}
}

func TestOpenAPIServed(t *testing.T) {
	e := newEnv(t)
	r := e.get("/v1/openapi.yaml")
	mustStatus(t, r, http.StatusOK)
	if ct := r.header.Get("Content-Type"); ct != "application/yaml" {
		t.Errorf("Content-Type = %q, want application/yaml", ct)
	}
	file, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(r.body, file) {
		t.Errorf("GET /v1/openapi.yaml differs from api/openapi.yaml")
	}
}

// TestOpenAPICoversRoutes fails when a registered route is missing from
// openapi.yaml, or the document describes a route that does not exist.
func TestOpenAPICoversRoutes(t *testing.T) {
	file, err := os.ReadFile("openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	documented := openAPIOperations(t, file)
	e := newEnv(t)
	var registered []string
	for _, rt := range e.server.Routes() {
		registered = append(registered, rt.Method+" "+rt.Path)
	}
	slices.Sort(registered)
	if len(registered) < 19 {
		t.Errorf("only %d routes registered: %v", len(registered), registered)
	}
	for _, op := range registered {
		if !slices.Contains(documented, op) {
			t.Errorf("route %s is not in openapi.yaml", op)
		}
	}
	for _, op := range documented {
		if !slices.Contains(registered, op) {
			t.Errorf("openapi.yaml documents %s, which is not a route", op)
		}
	}
}

// openAPIOperations scans the paths section of an OpenAPI document for
// "  /path:" keys and their "    method:" keys, without a YAML library.
func openAPIOperations(t *testing.T, doc []byte) []string {
	t.Helper()
	methods := []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}
	var ops []string
	inPaths, path := false, ""
	sc := bufio.NewScanner(bytes.NewReader(doc))
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), " ")
		if line == "" || strings.HasPrefix(strings.TrimSpace(line), "#") {
			continue
		}
		indent := len(line) - len(strings.TrimLeft(line, " "))
		switch {
		case indent == 0:
			inPaths = line == "paths:"
		case !inPaths:
		case indent == 2 && strings.HasSuffix(line, ":"):
			path = strings.Trim(strings.TrimSuffix(strings.TrimSpace(line), ":"), `"'`)
		case indent == 4 && strings.HasSuffix(line, ":"):
			m := strings.TrimSuffix(strings.TrimSpace(line), ":")
			if slices.Contains(methods, m) && path != "" {
				ops = append(ops, strings.ToUpper(m)+" "+path)
			}
		}
	}
	if len(ops) == 0 {
		t.Fatal("no operations found in openapi.yaml")
	}
	slices.Sort(ops)
	return ops
}
