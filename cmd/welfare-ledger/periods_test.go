package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/store/embedded"
)

// TestClosedPeriodsAcrossARestart: closures recorded by one run of serve
// are in the checkpoint its graceful stop writes; the next run loads it,
// lists the same closures, and its write path refuses the closed year
// and takes the reopened one; the offline verify finds the log and the
// checkpoint in agreement.
func TestClosedPeriodsAcrossARestart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	logs := &syncBuffer{}
	base, token, stop := serveLogged(t, dir, logs)
	send := func(path, body string, want int) map[string]any {
		t.Helper()
		status, raw := call(t, http.MethodPost, base+path, token, body)
		if status != want {
			t.Fatalf("POST %s = %d %s, want %d", path, status, raw, want)
		}
		var out map[string]any
		json.Unmarshal(raw, &out)
		return out
	}
	send("/v1/units", `{"unit_id":"lang-son","name":"LĐLĐ Lạng Sơn"}`, 201)
	send("/v1/units", `{"unit_id":"cao-loc","name":"LĐLĐ Cao Lộc","parent_id":"lang-son"}`, 201)
	fund := send("/v1/funds", `{"unit_id":"cao-loc","name":"Quỹ Xã hội","kind":"social","opened_on":"2022-01-01"}`, 201)["fund_id"].(string)
	donation := func(on string) string {
		return fmt.Sprintf(`{"amount":"1000000","occurred_on":%q,"donor":{"kind":"enterprise","name":"Công ty A"}}`, on)
	}
	send("/v1/funds/"+fund+"/donations", donation("2022-05-05"), 201)
	send("/v1/funds/"+fund+"/donations", donation("2023-05-05"), 201)
	send("/v1/units/lang-son/periods", `{"year":2022,"decision_no":"12/QĐ"}`, 201)
	send("/v1/units/lang-son/periods", `{"year":2023}`, 201)
	send("/v1/units/lang-son/periods/2023/reopen", `{"reason":"Bổ sung chứng từ"}`, 200)
	urls := []string{"/v1/units/cao-loc/periods", "/v1/units/lang-son/periods"}
	before := apiFigures(t, base, token, urls)
	stop()

	st, err := embedded.Open(filepath.Join(dir, "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	head := st.Head()
	st.Close()
	logs = &syncBuffer{}
	base, token, stop = serveLogged(t, dir, logs)
	stop = sync.OnceFunc(stop) // once here, once more if a check fails
	defer stop()
	if want := fmt.Sprintf("loaded checkpoint at position %d", head); !strings.Contains(logs.String(), want) {
		t.Fatalf("restart log lacks %q:\n%s", want, logs.String())
	}
	after := apiFigures(t, base, token, urls)
	for _, u := range urls {
		if after[u] != before[u] {
			t.Errorf("GET %s after the restart:\n got %s\nwant %s", u, after[u], before[u])
		}
	}
	if out := send("/v1/funds/"+fund+"/donations", donation("2022-06-06"), 409); out["code"] != "period_closed" {
		t.Errorf("donation dated in the closed year after a restart: %v, want period_closed", out)
	}
	send("/v1/funds/"+fund+"/donations", donation("2023-06-06"), 201)
	stop()

	var out, errOut syncBuffer
	if err := run(context.Background(), []string{"verify", "--data", dir}, func(string) string { return "" }, &out, &errOut); err != nil {
		t.Fatalf("verify: %v\n%s%s", err, out.String(), errOut.String())
	}
}
