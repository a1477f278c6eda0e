package api_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/api"
	"github.com/welfare-ledger/welfare-ledger/domain"
)

// TestPagesMounted: the officials' pages are served beside the API, with
// their own security policy, and a statement too long for a spreadsheet
// is refused by the page as the API refuses it, before any byte of the
// file.
func TestPagesMounted(t *testing.T) {
	e := newEnv(t)
	mustStatus(t, e.post("/v1/units", `{"unit_id":"lang-son","name":"LĐLĐ tỉnh Lạng Sơn"}`), http.StatusCreated)
	const fund = "0190a0b4-7c3e-7d2f-9b1a-2f4e5d6c7b8a"
	mustStatus(t, e.post("/v1/funds", `{"fund_id":"`+fund+`","unit_id":"lang-son","name":"Quỹ Xã hội","kind":"social","opened_on":"2024-01-01"}`), http.StatusCreated)
	for i, amount := range []string{"1000000", "2000000", "3000000"} {
		mustStatus(t, e.post("/v1/funds/"+fund+"/donations", `{"transaction_id":"0190a0b4-7c3e-7d2f-9b1a-00000000000`+string(rune('1'+i))+`","amount":"`+amount+`","occurred_on":"2024-02-0`+string(rune('1'+i))+`","donor":{"kind":"enterprise"}}`), http.StatusCreated)
	}
	official := e.issueToken(nil, domain.RoleOfficial, "lang-son")
	// Signing in answers 303 with the cookie; the harness's client would
	// follow the redirect without it, so this one does not.
	client := *e.http.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	login, err := client.PostForm(e.http.URL+"/login", url.Values{"token": {official}})
	if err != nil {
		t.Fatal(err)
	}
	login.Body.Close()
	if login.StatusCode != http.StatusSeeOther {
		t.Fatalf("POST /login = %d, want 303", login.StatusCode)
	}
	cookie := strings.SplitN(login.Header.Get("Set-Cookie"), ";", 2)[0]
	page := func(path string) resp {
		t.Helper()
		return e.request(http.MethodGet, path, "", "Cookie", cookie, "Authorization", "")
	}
	home := page("/")
	if home.status != http.StatusOK || !strings.Contains(home.header.Get("Content-Security-Policy"), "form-action 'self'") {
		t.Errorf("GET / = %d, CSP %q: want the page and its own policy", home.status, home.header.Get("Content-Security-Policy"))
	}
	if r := page("/funds/" + fund + "/statement?format=xlsx"); r.status != http.StatusOK {
		t.Errorf("XLSX statement = %d, want 200", r.status)
	}
	restore := api.SetMaxXLSXRows(5) // the 3 lines and 3 extra rows do not fit
	defer restore()
	r := page("/funds/" + fund + "/statement?format=xlsx&lang=en")
	if r.status != http.StatusBadRequest || !strings.Contains(string(r.body), "The statement has 3 lines, more than an Excel sheet holds") || r.header.Get("Content-Disposition") != "" {
		t.Errorf("XLSX statement over the limit = %d %q:\n%s\nwant a 400 page and no file", r.status, r.header.Get("Content-Disposition"), string(r.body))
	}
	// The API's routes list no page, so the route table and openapi.yaml
	// stay the API's contract.
	for _, rt := range e.server.Routes() {
		if !strings.HasPrefix(rt.Path, "/v1/") && rt.Path != "/healthz" && rt.Path != "/readyz" && rt.Path != "/metrics" {
			t.Errorf("Routes() lists %s %s, which is not the API's", rt.Method, rt.Path)
		}
	}
}
