package main

import (
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/projections"
)

// TestWarmPlan: the funds written to within the window before the newest
// write, most recent first, stopping before the fund that would pass the
// budget.
func TestWarmPlan(t *testing.T) {
	newest := time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)
	fund := func(n byte, ago time.Duration, txs int) projections.RecentFund {
		return projections.RecentFund{FundID: uuid.UUID{n}, LastRecorded: newest.Add(-ago), Txs: txs}
	}
	a, b, c, d := fund(1, 0, 40), fund(2, time.Hour, 30), fund(3, 6*24*time.Hour, 20), fund(4, 8*24*time.Hour, 10)
	all := []projections.RecentFund{a, b, c, d}
	for _, tc := range []struct {
		name   string
		funds  []projections.RecentFund
		budget int
		want   []projections.RecentFund
	}{
		{"no funds", nil, 100, nil},
		{"the window ends the plan", all, 1000, []projections.RecentFund{a, b, c}},
		{"the budget reached exactly", all, 90, []projections.RecentFund{a, b, c}},
		{"a fund past the budget ends the plan", all, 89, []projections.RecentFund{a, b}},
		{"the newest fund alone past the budget", all, 39, []projections.RecentFund{}},
		{"one fund", []projections.RecentFund{d}, 10, []projections.RecentFund{d}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := warmPlan(tc.funds, warmWindow, tc.budget)
			if !slices.Equal(got, tc.want) {
				t.Errorf("warmPlan(budget %d) = %v, want %v", tc.budget, got, tc.want)
			}
		})
	}
}

// TestServeWarmsTheWriteSide: a start on a ledger with history warms the
// write side of the funds written to last, most recent first, within the
// budget (made tiny here), and logs one line saying so; writes after it
// are recorded as usual.
func TestServeWarmsTheWriteSide(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	base, admin, stop := serveLogged(t, dir, &syncBuffer{})
	funds := map[string]string{
		"c": "0190a0b4-0000-7000-8000-00000000e00c",
		"b": "0190a0b4-0000-7000-8000-00000000e00b",
		"a": "0190a0b4-0000-7000-8000-00000000e00a",
	}
	post := func(path, body string) {
		t.Helper()
		if status, raw := call(t, http.MethodPost, base+path, admin, body); status != http.StatusCreated {
			t.Fatalf("POST %s = %d %s", path, status, raw)
		}
	}
	post("/v1/units", `{"unit_id":"lang-son","name":"LĐLĐ Lạng Sơn"}`)
	for _, name := range []string{"a", "b", "c"} {
		post("/v1/funds", `{"fund_id":"`+funds[name]+`","unit_id":"lang-son","name":"Quỹ `+name+`","kind":"social","opened_on":"2024-01-01"}`)
	}
	// c is written to first (1 transaction), then b (2), then a (3): the
	// most recent first is a, b, c.
	for _, w := range []struct {
		fund string
		txs  int
	}{{"c", 1}, {"b", 2}, {"a", 3}} {
		for i := range w.txs {
			post("/v1/funds/"+funds[w.fund]+"/donations", fmt.Sprintf(`{"transaction_id":"%s","amount":"1000","occurred_on":"2024-02-01","donor":{"kind":"member"}}`,
				uuid.NewSHA1(uuid.NameSpaceOID, fmt.Appendf(nil, "%s-%d", w.fund, i))))
			time.Sleep(2 * time.Millisecond) // recorded_at strictly after the one before
		}
	}
	stop()

	// A budget of 5 transactions: a (3) and b (2), not c.
	defer func(budget int) { warmTxBudget, warmedFund = budget, nil }(warmTxBudget)
	warmTxBudget = 5
	var mu sync.Mutex
	var warmed []string
	warmedFund = func(f projections.RecentFund) {
		mu.Lock()
		defer mu.Unlock()
		warmed = append(warmed, fmt.Sprintf("%s:%d", f.FundID, f.Txs))
	}
	logs := &syncBuffer{}
	base, admin, stop = serveLogged(t, dir, logs)
	defer stop()
	deadline := time.Now().Add(serveReadyWait)
	for !strings.Contains(logs.String(), `msg="write side warmed"`) {
		if time.Now().After(deadline) {
			t.Fatalf("no warm-up line in the log:\n%s", logs.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
	mu.Lock()
	got := slices.Clone(warmed)
	mu.Unlock()
	want := []string{funds["a"] + ":3", funds["b"] + ":2"}
	if !slices.Equal(got, want) {
		t.Errorf("funds warmed = %v, want %v (most recent first, within a budget of 5 transactions)", got, want)
	}
	if line := warmLine(logs.String()); !strings.Contains(line, "funds=2 transactions=5 ") || !strings.Contains(line, "stopped=false") {
		t.Errorf("warm-up line = %q, want funds=2 transactions=5 ... stopped=false", line)
	}
	post("/v1/funds/"+funds["a"]+"/donations", `{"transaction_id":"0190a0b4-0000-7000-8000-00000000e0f1","amount":"500","occurred_on":"2024-03-01","donor":{"kind":"member"}}`)
	status, raw := call(t, http.MethodGet, base+"/v1/funds/"+funds["a"], admin, "")
	if status != http.StatusOK || !strings.Contains(string(raw), `"3500"`) {
		t.Errorf("GET fund a after a write = %d %s, want 200 with a balance of 3500", status, raw)
	}
}

// warmLine returns the warm-up's line of logs.
func warmLine(logs string) string {
	for line := range strings.Lines(logs) {
		if strings.Contains(line, `msg="write side warmed"`) {
			return line
		}
	}
	return ""
}
