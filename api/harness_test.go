package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
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

// fixedNow is the clock of every test: 2024-06-30 10:00 in Vietnam, so
// "today" is 2024-06-30 and recorded_at is 2024-06-30T03:00:00Z.
var fixedNow = time.Date(2024, 6, 30, 10, 0, 0, 0, domain.VietnamZone)

const (
	today         = "2024-06-30"
	fixedRecorded = "2024-06-30T03:00:00Z"
	// waitLimit bounds every wait of a test on the server.
	waitLimit = 10 * time.Second
)

// env is a running server on a real store: by default the embedded one on
// a file in a temporary directory; in the tests runOnBackend runs, the
// backend it is given (TestAPIOnKurrentDB: a KurrentDB test server).
type env struct {
	t   *testing.T
	dir string
	// backend opens the env's store at every start; nil until the first
	// start, which takes the one of the running test (backendFor).
	backend backend
	// store is the store of the running server; embedded is the same
	// store when it is the embedded one, else nil.
	store    harnessStore
	embedded *embedded.Store
	proj     *projections.Projections
	server   *api.Server
	http     *httptest.Server
	stop     func()
	// token is the admin token (scoped to the whole ledger) that requests
	// carry unless they set their own Authorization header.
	token string
	// rateLimit is the server's per-token limit; tests other than the
	// rate limit's own run without one.
	rateLimit api.RateLimit
	// apiStore, if set, is the store the server reads through (the
	// projections and the ledger use the store itself).
	apiStore func(domain.EventStore) domain.EventStore
	// httpServer, if set, configures the http.Server before it starts
	// (its timeouts, as cmd/welfare-ledger sets them).
	httpServer func(*http.Server)
	// clock, if set, is the ledger's clock instead of fixedNow (recorded_at
	// of the writes, and now for known_at).
	clock func() time.Time
	// ledgerStore, if set, is the store the ledger writes through.
	ledgerStore func(domain.EventStore) domain.EventStore
}

// harnessStore is what the tests ask of a store beyond the port: the
// position of its last event (the log's head) and closing it.
type harnessStore interface {
	domain.EventStore
	Head() domain.Position
	Close() error
}

// openedStore is a store a backend opened for one start of an env, with
// what the server is told about it, as cmd/welfare-ledger tells it.
type openedStore struct {
	// port is the store the server runs on, as cmd/welfare-ledger gives
	// it (nothing the production store lacks: the projections look for
	// optional methods); store is the same store for the tests.
	port  domain.EventStore
	store harnessStore
	// embedded is the store when it is the embedded one, else nil.
	embedded *embedded.Store
	// logHead and size are api.Config's LogHead and StoreSize: set only
	// where the store can tell them cheaply (the embedded one).
	logHead func() domain.Position
	size    func() (int64, error)
}

// backend opens the store of one env's ledger. open is called at every
// start of the env and must give a store on the same ledger each time
// (restart is a restart, not a new ledger); anything it starts for the
// ledger ends at the test's cleanup.
type backend interface {
	open(t *testing.T, dir string, metrics *api.Metrics) openedStore
}

// embeddedBackend is the default backend: <dir>/ledger.db.
type embeddedBackend struct{}

func (embeddedBackend) open(t *testing.T, dir string, metrics *api.Metrics) openedStore {
	t.Helper()
	st, err := embedded.Open(filepath.Join(dir, "ledger.db"), embedded.OnCommit(metrics.ObserveCommit))
	if err != nil {
		t.Fatalf("embedded.Open() = %v", err)
	}
	return openedStore{port: st, store: st, embedded: st, logHead: st.Head, size: st.DiskSize}
}

// backends maps a top-level test's name to the backend its envs run on
// (runOnBackend sets it); a test not in it runs on the embedded store.
var backends sync.Map // string → func(*testing.T) backend

// runOnBackend runs each of tests as a subtest of t whose envs (and those
// of its own subtests) are on the store newBackend makes, one per env.
func runOnBackend(t *testing.T, newBackend func(*testing.T) backend, tests map[string]func(*testing.T)) {
	t.Helper()
	top := topLevel(t)
	if _, loaded := backends.LoadOrStore(top, newBackend); loaded {
		t.Fatalf("runOnBackend called twice in %s", top)
	}
	t.Cleanup(func() { backends.Delete(top) })
	names := slices.Sorted(maps.Keys(tests))
	for _, name := range names {
		t.Run(name, tests[name])
	}
}

// backendFor is the backend of a new env in t: the one runOnBackend set
// for t's top-level test, else the embedded store.
func backendFor(t *testing.T) backend {
	if f, ok := backends.Load(topLevel(t)); ok {
		return f.(func(*testing.T) backend)(t)
	}
	return embeddedBackend{}
}

// topLevel is the name of the top-level test t belongs to.
func topLevel(t *testing.T) string {
	top, _, _ := strings.Cut(t.Name(), "/")
	return top
}

// newEnv starts a server on a fresh ledger.
func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir()}
	e.start()
	t.Cleanup(func() { e.stop() })
	return e
}

// start opens the store and starts the projections and the server, and
// waits until the projections have caught up.
func (e *env) start() {
	t := e.t
	t.Helper()
	metrics := api.NewMetrics()
	if e.backend == nil {
		e.backend = backendFor(t)
	}
	opened := e.backend.open(t, e.dir, metrics)
	st := opened.port
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	proj := projections.New()
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan error, 1)
	go func() { runDone <- projections.Run(ctx, st, proj, logger) }()
	clock := func() time.Time { return fixedNow }
	if e.clock != nil {
		clock = e.clock
	}
	var written domain.EventStore = st
	if e.ledgerStore != nil {
		written = e.ledgerStore(st)
	}
	ledger := domain.NewLedger(written, clock)
	limit := e.rateLimit
	var served domain.EventStore = st
	if e.apiStore != nil {
		served = e.apiStore(st)
	}
	srv := api.New(api.Config{Ledger: ledger, Projections: proj, Store: served, Logger: logger, RateLimit: &limit,
		Metrics: metrics, LogHead: opened.logHead, StoreSize: opened.size})
	hs := httptest.NewUnstartedServer(srv.Handler())
	if e.httpServer != nil {
		e.httpServer(hs.Config)
	}
	hs.Start()
	e.store, e.embedded, e.proj, e.server, e.http = opened.store, opened.embedded, proj, srv, hs
	stopped := false
	e.stop = func() {
		if stopped {
			return
		}
		stopped = true
		hs.Close()
		cancel()
		select {
		case err := <-runDone:
			if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, domain.ErrStoreClosed) {
				t.Errorf("projections.Run() = %v, want context.Canceled", err)
			}
		case <-time.After(waitLimit):
			t.Errorf("projections.Run did not stop within %v", waitLimit)
		}
		if err := st.Close(); err != nil {
			t.Errorf("store.Close() = %v", err)
		}
	}
	deadline := time.Now().Add(waitLimit)
	for !proj.Ready() {
		if time.Now().After(deadline) {
			t.Fatalf("projections not ready after %v", waitLimit)
		}
		time.Sleep(time.Millisecond)
	}
	if e.token == "" {
		e.token = e.issueToken(ledger, domain.RoleAdmin, "")
	}
}

// issueToken issues a token straight through the ledger (as the command
// line does) and waits until the server knows it.
func (e *env) issueToken(l *domain.Ledger, role domain.Role, unit domain.UnitID) string {
	e.t.Helper()
	if l == nil {
		l = domain.NewLedger(e.store, func() time.Time { return fixedNow })
	}
	res, err := l.IssueToken(context.Background(), domain.IssueToken{TokenID: domain.NewID(), Name: "test " + string(role), Role: role, UnitID: unit}, domain.SystemActor)
	if err != nil {
		e.t.Fatalf("IssueToken(%s, %q) = %v", role, unit, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	if err := e.proj.WaitFor(ctx, res.Position); err != nil {
		e.t.Fatalf("projections did not apply the token: %v", err)
	}
	return res.Token
}

// restart stops everything and starts it again on the same ledger file,
// with new projections, a new ledger and a new server.
func (e *env) restart() {
	e.t.Helper()
	e.stop()
	e.start()
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// resp is a finished HTTP exchange.
type resp struct {
	method, path string
	status       int
	header       http.Header
	body         []byte
}

func (r resp) String() string {
	return fmt.Sprintf("%s %s = %d %s", r.method, r.path, r.status, r.body)
}

// request sends a request; body "" sends none. headers are name, value
// pairs; a JSON body gets Content-Type application/json unless headers set
// one.
func (e *env) request(method, path, body string, headers ...string) resp {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	return e.send(method, path, rd, body != "", headers...)
}

func (e *env) send(method, path string, body io.Reader, jsonBody bool, headers ...string) resp {
	e.t.Helper()
	r, err := e.fetch(method, path, body, jsonBody, headers...)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// fetch is send for goroutines other than the test's, which must not call
// t.Fatal: it returns its failure instead.
func (e *env) fetch(method, path string, body io.Reader, jsonBody bool, headers ...string) (resp, error) {
	req, err := http.NewRequest(method, e.http.URL+path, body)
	if err != nil {
		return resp{}, fmt.Errorf("NewRequest(%s %s) = %w", method, path, err)
	}
	if jsonBody {
		req.Header.Set("Content-Type", "application/json")
	}
	if e.token != "" {
		req.Header.Set("Authorization", "Bearer "+e.token)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		if headers[i+1] == "" {
			req.Header.Del(headers[i])
		} else {
			req.Header.Set(headers[i], headers[i+1])
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitLimit)
	defer cancel()
	res, err := e.http.Client().Do(req.WithContext(ctx))
	if err != nil {
		return resp{}, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return resp{}, fmt.Errorf("%s %s: read body: %w", method, path, err)
	}
	return resp{method: method, path: path, status: res.StatusCode, header: res.Header, body: b}, nil
}

func (e *env) get(path string) resp {
	e.t.Helper()
	return e.request(http.MethodGet, path, "")
}

func (e *env) post(path, body string) resp {
	e.t.Helper()
	return e.request(http.MethodPost, path, body)
}

// mustStatus fails the test unless r has the status.
func mustStatus(t *testing.T, r resp, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("%v, want status %d", r, want)
	}
}

// decodeInto decodes a JSON response body. Numbers stay json.Number where
// the target is untyped, so no float ever holds a figure.
func decodeInto(t *testing.T, r resp, v any) {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(r.body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%v: decode into %T: %v", r, v, err)
	}
}

// problemBody is an RFC 9457 problem as the API writes it.
type problemBody struct {
	Type   string       `json:"type"`
	Title  string       `json:"title"`
	Status int          `json:"status"`
	Code   string       `json:"code"`
	Detail string       `json:"detail"`
	Errors []fieldError `json:"errors"`
}

type fieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// mustProblem checks that r is a problem+json with the status and code.
func mustProblem(t *testing.T, r resp, status int, code string) problemBody {
	t.Helper()
	if r.status != status {
		t.Fatalf("%v, want status %d (%s)", r, status, code)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("%s %s: Content-Type = %q, want application/problem+json", r.method, r.path, ct)
	}
	var p problemBody
	decodeInto(t, r, &p)
	if p.Code != code || p.Status != status || p.Type != "/problems/"+code || p.Title == "" || p.Detail == "" {
		t.Errorf("%v: problem = %+v, want code %s, status %d, type /problems/%s, a title and a detail", r, p, code, status, code)
	}
	if p.Errors == nil {
		t.Errorf("%v: errors is missing, want an array", r)
	}
	return p
}

// fields returns the field names of a problem's errors, sorted.
func (p problemBody) fields() []string {
	var out []string
	for _, f := range p.Errors {
		out = append(out, f.Field)
	}
	slices.Sort(out)
	return out
}

// txResult is the answer to a money write.
type txResult struct {
	TransactionID string `json:"transaction_id"`
	FundID        string `json:"fund_id"`
	Type          string `json:"type"`
	Amount        string `json:"amount"`
	OccurredOn    string `json:"occurred_on"`
	RecordedAt    string `json:"recorded_at"`
	Position      uint64 `json:"position"`
	BalanceAfter  string `json:"balance_after"`
	LoanID        string `json:"loan_id"`
	Reverses      string `json:"reverses"`
}

type totalsJSON struct {
	Donations        string `json:"donations"`
	ShelterGrants    string `json:"shelter_grants"`
	AssistanceGrants string `json:"assistance_grants"`
	LoansDisbursed   string `json:"loans_disbursed"`
	Repayments       string `json:"repayments"`
}

type countsJSON struct {
	Donations     int `json:"donations"`
	ShelterGrants struct {
		NewBuild int `json:"new_build"`
		Repair   int `json:"repair"`
	} `json:"shelter_grants"`
	AssistanceGrants int `json:"assistance_grants"`
	Loans            int `json:"loans"`
	Repayments       int `json:"repayments"`
	Reversals        int `json:"reversals"`
}

type beneficiariesJSON struct {
	Persons int `json:"persons"`
	Times   int `json:"times"`
}

// fundJSON is a fund summary as served.
type fundJSON struct {
	FundID           string            `json:"fund_id"`
	UnitID           string            `json:"unit_id"`
	Name             string            `json:"name"`
	Kind             string            `json:"kind"`
	AsOf             string            `json:"as_of"`
	Position         uint64            `json:"position"`
	Balance          string            `json:"balance"`
	LoansOutstanding string            `json:"loans_outstanding"`
	Capital          string            `json:"capital"`
	Totals           totalsJSON        `json:"totals"`
	Counts           countsJSON        `json:"counts"`
	Beneficiaries    beneficiariesJSON `json:"beneficiaries"`
}

// figures are the money figures of a fund summary or unit summary, for
// comparing with a want in one go.
type figures struct {
	Balance, LoansOutstanding, Capital string
	Totals                             totalsJSON
	Counts                             countsJSON
	Beneficiaries                      beneficiariesJSON
}

func (f fundJSON) figures() figures {
	return figures{f.Balance, f.LoansOutstanding, f.Capital, f.Totals, f.Counts, f.Beneficiaries}
}

// counts builds a countsJSON compactly: donations, new builds, repairs,
// assistance grants, loans, repayments, reversals.
func counts(don, newBuild, repair, assist, loans, repay, rev int) countsJSON {
	var c countsJSON
	c.Donations, c.ShelterGrants.NewBuild, c.ShelterGrants.Repair = don, newBuild, repair
	c.AssistanceGrants, c.Loans, c.Repayments, c.Reversals = assist, loans, repay, rev
	return c
}

// totals builds a totalsJSON: donations, shelter, assistance, loans,
// repayments.
func totals(don, shelter, assist, loans, repay string) totalsJSON {
	return totalsJSON{don, shelter, assist, loans, repay}
}

// eventCount counts the events of the log through GET /v1/events.
func (e *env) eventCount() int {
	e.t.Helper()
	n := 0
	path := "/v1/events?limit=1000"
	for {
		r := e.get(path)
		mustStatus(e.t, r, http.StatusOK)
		var page struct {
			Items      []json.RawMessage `json:"items"`
			NextCursor *string           `json:"next_cursor"`
		}
		decodeInto(e.t, r, &page)
		n += len(page.Items)
		if page.NextCursor == nil {
			return n
		}
		path = "/v1/events?limit=1000&cursor=" + *page.NextCursor
	}
}

// mustCreate posts a write and requires 201.
func (e *env) mustCreate(path, body string) resp {
	e.t.Helper()
	r := e.post(path, body)
	mustStatus(e.t, r, http.StatusCreated)
	return r
}

// tx posts a money write, requires 201 and returns its result.
func (e *env) tx(path, body string) txResult {
	e.t.Helper()
	var res txResult
	decodeInto(e.t, e.mustCreate(path, body), &res)
	return res
}

// fund reads a fund summary (query is "" or "?as_of=…").
func (e *env) fund(id, query string) fundJSON {
	e.t.Helper()
	r := e.get("/v1/funds/" + id + query)
	mustStatus(e.t, r, http.StatusOK)
	var f fundJSON
	decodeInto(e.t, r, &f)
	return f
}

// Fixed ids of the standard fixture, so failures read plainly.
const (
	socialFund  = "0190a0b4-0000-7000-8000-000000000001"
	capitalFund = "0190a0b4-0000-7000-8000-000000000002"
	shelterFund = "0190a0b4-0000-7000-8000-000000000003"
	unknownID   = "0190a0b4-0000-7000-8000-0000000000ff"
)

// units registers vgcl → lang-son → cao-loc.
func (e *env) units() {
	e.t.Helper()
	e.mustCreate("/v1/units", `{"unit_id":"vgcl","name":"Tổng Liên đoàn Lao động Việt Nam"}`)
	e.mustCreate("/v1/units", `{"unit_id":"lang-son","name":"Liên đoàn Lao động tỉnh Lạng Sơn","parent_id":"vgcl"}`)
	e.mustCreate("/v1/units", `{"unit_id":"cao-loc","name":"LĐLĐ huyện Cao Lộc","parent_id":"lang-son"}`)
}

// openFund opens a fund on 2024-01-01.
func (e *env) openFund(id, unit, kind string) {
	e.t.Helper()
	e.mustCreate("/v1/funds", fmt.Sprintf(`{"fund_id":%q,"unit_id":%q,"name":"Quỹ %s","kind":%q,"opened_on":"2024-01-01"}`, id, unit, kind, kind))
}

// donate records a donation of amount on date into fund.
func (e *env) donate(fund, amount, date string) txResult {
	e.t.Helper()
	return e.tx("/v1/funds/"+fund+"/donations",
		fmt.Sprintf(`{"amount":%q,"occurred_on":%q,"donor":{"kind":"enterprise","name":"Công ty A"}}`, amount, date))
}

// grant records an assistance grant.
func (e *env) grant(fund, beneficiary, amount, date string) txResult {
	e.t.Helper()
	return e.tx("/v1/funds/"+fund+"/assistance-grants",
		fmt.Sprintf(`{"beneficiary_id":%q,"amount":%q,"category":"serious_illness","occurred_on":%q}`, beneficiary, amount, date))
}

// actor is the actor recorded for the writes of the env's token.
func (e *env) actor(name string) string {
	e.t.Helper()
	id, err := domain.TokenID(e.token)
	if err != nil {
		e.t.Fatalf("TokenID(env token) = %v", err)
	}
	return domain.TokenActor(id, name)
}
