package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/store/embedded"
)

// serveLogged runs `serve` in-process on dir until stop, with its log in
// logs, and returns the base URL and the admin token.
func serveLogged(t *testing.T, dir string, logs *syncBuffer) (base, token string, stop func()) {
	t.Helper()
	base, _, stop = serveWithLogs(t, dir, http.DefaultClient, "http", logs, "--rate-limit", "0")
	tok, err := os.ReadFile(filepath.Join(dir, adminTokenFile))
	if err != nil {
		stop()
		t.Fatal(err)
	}
	return base, strings.TrimSpace(string(tok)), stop
}

// call sends a request with the token and returns the status and body.
func call(t *testing.T, method, url, token, body string) (int, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, raw
}

// apiFigures reads everything the history below recorded, as the API answers
// it.
func apiFigures(t *testing.T, base, token string, urls []string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, u := range urls {
		status, body := call(t, http.MethodGet, base+u, token, "")
		if status != http.StatusOK {
			t.Fatalf("GET %s = %d %s", u, status, body)
		}
		out[u] = string(body)
	}
	return out
}

// TestRestartLoadsCheckpoint records a history, stops the server (which
// writes the checkpoint), starts it again and checks that it loaded the
// checkpoint, answers every figure as before, and goes on recording; then
// that a damaged checkpoint is refused and replaced by a full replay with
// the same figures.
func TestRestartLoadsCheckpoint(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	logs := &syncBuffer{}
	base, token, stop := serveLogged(t, dir, logs)
	post := func(path, body string) map[string]any {
		t.Helper()
		status, raw := call(t, http.MethodPost, base+path, token, body)
		if status != http.StatusCreated {
			t.Fatalf("POST %s = %d %s", path, status, raw)
		}
		var out map[string]any
		json.Unmarshal(raw, &out)
		return out
	}
	post("/v1/units", `{"unit_id":"lang-son","name":"LĐLĐ Lạng Sơn"}`)
	post("/v1/units", `{"unit_id":"cao-loc","name":"LĐLĐ Cao Lộc","parent_id":"lang-son"}`)
	fund := post("/v1/funds", `{"unit_id":"cao-loc","name":"Quỹ Trợ vốn","kind":"capital_support","opened_on":"2024-01-01"}`)["fund_id"].(string)
	social := post("/v1/funds", `{"unit_id":"lang-son","name":"Quỹ Xã hội","kind":"social","opened_on":"2024-01-01"}`)["fund_id"].(string)
	for i := range 20 {
		post("/v1/funds/"+fund+"/donations", fmt.Sprintf(`{"amount":"%d000000","occurred_on":"2024-02-%02d","donor":{"kind":"enterprise","name":"Công ty %d"}}`, 10+i, 1+i, i))
		post("/v1/funds/"+social+"/donations", fmt.Sprintf(`{"amount":"%d000000","occurred_on":"2024-02-%02d","donor":{"kind":"member"}}`, 5+i, 1+i))
	}
	loan := post("/v1/funds/"+fund+"/loans", `{"beneficiary_id":"M001","amount":"30000000","occurred_on":"2024-03-01","due_on":"2025-03-01","project":"Chăn nuôi"}`)["loan_id"].(string)
	post("/v1/funds/"+fund+"/loans/"+loan+"/repayments", `{"amount":"10000000","occurred_on":"2024-04-01"}`)
	grant := post("/v1/funds/"+social+"/assistance-grants", `{"beneficiary_id":"M001","amount":"2000000","category":"serious_illness","occurred_on":"2024-03-05"}`)["transaction_id"].(string)
	post("/v1/funds/"+social+"/shelter-grants", `{"beneficiary_id":"M002","amount":"50000000","shelter":"repair","occurred_on":"2024-03-06"}`)
	post("/v1/funds/"+social+"/reversals", `{"reverses":"`+grant+`","reason":"Chi trùng","occurred_on":"2024-03-07"}`)
	urls := []string{"/v1/funds/" + fund, "/v1/funds/" + social + "?as_of=2024-03-06", "/v1/funds/" + social,
		"/v1/units/lang-son/summary?from=2024-02-10&to=2024-03-31", "/v1/units/lang-son/summary",
		"/v1/funds/" + fund + "/transactions?limit=1000", "/v1/funds/" + social + "/transactions?limit=1000",
		"/v1/funds/" + fund + "/loans/" + loan, "/v1/beneficiaries/M001", "/v1/tokens", "/v1/funds", "/v1/units"}
	before := apiFigures(t, base, token, urls)
	stop()

	if !strings.Contains(logs.String(), "wrote projections checkpoint") {
		t.Fatalf("graceful stop wrote no checkpoint; logs:\n%s", logs.String())
	}
	st, err := embedded.Open(filepath.Join(dir, "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	head := st.Head()
	st.Close()

	logs = &syncBuffer{}
	base, token, stop = serveLogged(t, dir, logs)
	want := fmt.Sprintf("loaded checkpoint at position %d", head)
	if !strings.Contains(logs.String(), want) {
		t.Fatalf("restart log lacks %q:\n%s", want, logs.String())
	}
	after := apiFigures(t, base, token, urls)
	for _, u := range urls {
		if after[u] != before[u] {
			t.Errorf("GET %s after the restart:\n got %s\nwant %s", u, after[u], before[u])
		}
	}
	post("/v1/funds/"+fund+"/loans/"+loan+"/repayments", `{"amount":"20000000","occurred_on":"2024-05-01"}`)
	status, raw := call(t, http.MethodGet, base+"/v1/funds/"+fund+"/loans/"+loan, token, "")
	if status != http.StatusOK || !bytes.Contains(raw, []byte(`"status":"repaid"`)) {
		t.Fatalf("loan after its last repayment = %d %s, want status repaid", status, raw)
	}
	before = apiFigures(t, base, token, urls)
	stop()

	// A damaged checkpoint: refused, the log replayed, the same figures.
	path := filepath.Join(dir, "projections.ckpt")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	b[len(b)/2] ^= 0x10
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	logs = &syncBuffer{}
	base, token, stop = serveLogged(t, dir, logs)
	defer stop()
	if !regexp.MustCompile(`checkpoint unusable.*SHA-256 mismatch`).MatchString(logs.String()) {
		t.Fatalf("a damaged checkpoint was not refused; logs:\n%s", logs.String())
	}
	after = apiFigures(t, base, token, urls)
	for _, u := range urls {
		if after[u] != before[u] {
			t.Errorf("GET %s after a full replay:\n got %s\nwant %s", u, after[u], before[u])
		}
	}
}
