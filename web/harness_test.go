package web_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/welfare-ledger/welfare-ledger/api"
	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
	"github.com/welfare-ledger/welfare-ledger/store/embedded"
)

// fixedNow is the clock of every test: 2024-06-30 10:00 in Vietnam.
var fixedNow = time.Date(2024, 6, 30, 10, 0, 0, 0, domain.VietnamZone)

// waitLimit bounds every wait of a test on the server.
const waitLimit = 10 * time.Second

// env is the real server (the API with the pages mounted) on a real
// embedded store in a temporary directory.
type env struct {
	t      *testing.T
	store  *embedded.Store
	proj   *projections.Projections
	ledger *domain.Ledger
	http   *httptest.Server
	admin  string
}

// newEnv starts the server; opts adjust its configuration.
func newEnv(t *testing.T, opts ...func(*api.Config)) *env {
	t.Helper()
	st, err := embedded.Open(filepath.Join(t.TempDir(), "ledger.db"))
	if err != nil {
		t.Fatalf("embedded.Open() = %v", err)
	}
	t.Cleanup(func() {
		if err := st.Close(); err != nil {
			t.Errorf("store.Close() = %v", err)
		}
	})
	return serveStore(t, st, opts...)
}

// restarted starts a second server on e's store, as a restart of the
// process would: its projections replay the log.
func (e *env) restarted() *env {
	e.t.Helper()
	return serveStore(e.t, e.store)
}

// serveStore starts the server on st, once its projections have caught
// up with the log.
func serveStore(t *testing.T, st *embedded.Store, opts ...func(*api.Config)) *env {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	proj := projections.New()
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan error, 1)
	go func() { runDone <- projections.Run(ctx, st, proj, logger) }()
	ledger := domain.NewLedger(st, func() time.Time { return fixedNow })
	cfg := api.Config{Ledger: ledger, Projections: proj, Store: st, Logger: logger, RateLimit: &api.RateLimit{}}
	for _, o := range opts {
		o(&cfg)
	}
	srv := api.New(cfg)
	hs := httptest.NewServer(srv.Handler())
	e := &env{t: t, store: st, proj: proj, ledger: ledger, http: hs}
	t.Cleanup(func() {
		hs.Close()
		cancel()
		if err := <-runDone; err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, domain.ErrStoreClosed) {
			t.Errorf("projections.Run() = %v", err)
		}
	})
	deadline := time.Now().Add(waitLimit)
	for !proj.Ready() {
		if time.Now().After(deadline) {
			t.Fatalf("projections not ready after %v", waitLimit)
		}
		time.Sleep(time.Millisecond)
	}
	e.admin = e.token(domain.RoleAdmin, "")
	return e
}

// token issues a token through the ledger, as the command line does, and
// waits until the server knows it.
func (e *env) token(role domain.Role, unit domain.UnitID) string {
	e.t.Helper()
	res, err := e.ledger.IssueToken(context.Background(), domain.IssueToken{TokenID: domain.NewID(), Name: "test " + string(role), Role: role, UnitID: unit}, domain.SystemActor)
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

// page is a finished HTTP exchange.
type page struct {
	status int
	header http.Header
	body   string
}

// api sends a /v1 request as the admin (body "" sends none) and wants
// status.
func (e *env) api(method, path, body string, want int) []byte {
	e.t.Helper()
	return e.apiAs(e.admin, method, path, body, want)
}

func (e *env) apiAs(token, method, path, body string, want int) []byte {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, e.http.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := e.http.Client().Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	if res.StatusCode != want {
		e.t.Fatalf("%s %s = %d %s, want %d", method, path, res.StatusCode, b, want)
	}
	return b
}

// browser is an HTTP client with a cookie jar that does not follow
// redirects, so tests see each 303.
type browser struct {
	e      *env
	client *http.Client
}

func (e *env) browser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	c := *e.http.Client()
	c.Jar = jar
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &browser{e: e, client: &c}
}

// signedIn returns a browser signed in with token.
func (e *env) signedIn(token string) *browser {
	e.t.Helper()
	b := e.browser()
	p := b.post("/login", url.Values{"token": {token}})
	if p.status != http.StatusSeeOther {
		e.t.Fatalf("POST /login = %d %s, want 303", p.status, p.body)
	}
	return b
}

func (b *browser) do(req *http.Request) page {
	b.e.t.Helper()
	res, err := b.client.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		b.e.t.Fatal(err)
	}
	return page{status: res.StatusCode, header: res.Header, body: string(body)}
}

func (b *browser) get(path string) page {
	b.e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, b.e.http.URL+path, nil)
	if err != nil {
		b.e.t.Fatal(err)
	}
	return b.do(req)
}

// post sends a form as a browser on the same site does.
func (b *browser) post(path string, form url.Values, headers ...string) page {
	b.e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, b.e.http.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		b.e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", b.e.http.URL)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	return b.do(req)
}

// The fixture: a hierarchy, funds of three kinds and a history with every
// kind of event, every free-text field and every personal field holding a
// marker (the leak test looks for "SECRET" on every page).
const (
	socialFund  = "0190a0b4-7c3e-7d2f-9b1a-2f4e5d6c7b8a"
	loanFund    = "0190a0b4-7c3e-7d2f-9b1a-2f4e5d6c7b8b"
	bacLieuFund = "0190a0b4-7c3e-7d2f-9b1a-2f4e5d6c7b8c"
	marker      = "SECRET"
)

// txID returns the n-th transaction id of the fixture.
func txID(n int) string { return fmt.Sprintf("0190a0b4-7c3e-7d2f-9b1a-%012d", n) }

func (e *env) fixture() {
	e.t.Helper()
	for _, u := range []string{
		`{"unit_id":"vgcl","name":"Tổng Liên đoàn Lao động Việt Nam"}`,
		`{"unit_id":"lang-son","name":"Liên đoàn Lao động tỉnh Lạng Sơn","parent_id":"vgcl"}`,
		`{"unit_id":"lang-son-cao-loc","name":"LĐLĐ huyện Cao Lộc","parent_id":"lang-son"}`,
		`{"unit_id":"bac-lieu","name":"Liên đoàn Lao động tỉnh Bạc Liêu","parent_id":"vgcl"}`,
	} {
		e.api("POST", "/v1/units", u, http.StatusCreated)
	}
	e.api("POST", "/v1/funds", `{"fund_id":"`+socialFund+`","unit_id":"lang-son","name":"Quỹ Xã hội tỉnh Lạng Sơn","kind":"social","opened_on":"2018-01-01"}`, http.StatusCreated)
	e.api("POST", "/v1/funds", `{"fund_id":"`+loanFund+`","unit_id":"lang-son-cao-loc","name":"Quỹ Trợ vốn huyện Cao Lộc","kind":"capital_support","opened_on":"2019-03-01"}`, http.StatusCreated)
	e.api("POST", "/v1/funds", `{"fund_id":"`+bacLieuFund+`","unit_id":"bac-lieu","name":"Quỹ Xã hội tỉnh Bạc Liêu","kind":"social","opened_on":"2020-01-01"}`, http.StatusCreated)
	n := 0
	next := func() string { n++; return txID(n) }
	donate := func(fund, amount, date, kind string) string {
		id := next()
		e.api("POST", "/v1/funds/"+fund+"/donations", `{"transaction_id":"`+id+`","amount":"`+amount+`","occurred_on":"`+date+`",`+
			`"donor":{"kind":"`+kind+`","name":"SECRET donor `+kind+`"},"campaign":"Tết 2023","reference":"SECRET-ref","note":"SECRET note"}`, http.StatusCreated)
		return id
	}
	grant := func(fund, path, benef, amount, date, extra string) string {
		id := next()
		e.api("POST", "/v1/funds/"+fund+"/"+path, `{"transaction_id":"`+id+`","beneficiary_id":"`+benef+`","amount":"`+amount+`","occurred_on":"`+date+`","note":"SECRET note"`+extra+`}`, http.StatusCreated)
		return id
	}
	donate(socialFund, "5412000000", "2018-02-10", "member")
	donate(socialFund, "300000000", "2019-05-01", "individual")
	donate(socialFund, "250000000", "2021-07-15", "anonymous")
	donate(socialFund, "1000000000", "2023-03-08", "enterprise")
	grant(socialFund, "shelter-grants", "SECRET-B01", "60000000", "2018-05-19", `,"shelter":"new_build","decision_no":"12/QĐ-LĐLĐ"`)
	grant(socialFund, "shelter-grants", "SECRET-B02", "30000000", "2019-09-02", `,"shelter":"repair","decision_no":"44/QĐ-LĐLĐ"`)
	sick := grant(socialFund, "assistance-grants", "SECRET-B03", "1322000", "2020-11-20", `,"category":"serious_illness"`)
	grant(socialFund, "assistance-grants", "SECRET-B01", "2000000", "2023-01-15", `,"category":"tet_gift"`)
	e.api("POST", "/v1/funds/"+socialFund+"/reversals", `{"transaction_id":"`+next()+`","reverses":"`+sick+`","reason":"SECRET reason","occurred_on":"2020-12-01"}`, http.StatusCreated)
	donate(loanFund, "900000000", "2019-03-05", "organization")
	loan := next()
	e.api("POST", "/v1/funds/"+loanFund+"/loans", `{"loan_id":"`+loan+`","beneficiary_id":"SECRET-B04","amount":"30000000","occurred_on":"2019-04-01","due_on":"2022-04-01","project":"Dự án 1/2019","note":"SECRET note"}`, http.StatusCreated)
	e.api("POST", "/v1/funds/"+loanFund+"/loans/"+loan+"/repayments", `{"transaction_id":"`+next()+`","amount":"10000000","occurred_on":"2020-04-01","note":"SECRET note"}`, http.StatusCreated)
	donate(bacLieuFund, "777000000", "2020-02-02", "enterprise")
	grant(bacLieuFund, "shelter-grants", "SECRET-B05", "50000000", "2024-03-03", `,"shelter":"new_build"`)
}

// summary decodes an API answer into a generic document, numbers kept as
// written.
func summary(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(raw)))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
	return m
}
