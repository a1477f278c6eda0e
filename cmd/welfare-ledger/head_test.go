package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A fund's last event deleted from the file with sqlite, on a copy without
// a checkpoint: every stream's chain still verifies (the stream just ends
// earlier) and the figures rebuild from what is left, so a plain verify
// says ok; verify --head with the head written down before finds it.
func TestVerifyHeadOffline(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	base, out, stop := serveInProcess(t, dir, http.DefaultClient, "http")
	token := tokenPattern.FindString(out.String())
	const fund = "0190a0b4-0000-7000-8000-00000000d001"
	const deleted = "0190a0b4-0000-7000-8000-00000000d0d1"
	for _, w := range []struct{ path, body string }{
		{"/v1/units", `{"unit_id":"vgcl","name":"Tổng Liên đoàn"}`},
		{"/v1/funds", `{"fund_id":"` + fund + `","unit_id":"vgcl","name":"Quỹ Xã hội","kind":"social","opened_on":"2024-01-01"}`},
		{"/v1/funds/" + fund + "/donations", `{"transaction_id":"0190a0b4-0000-7000-8000-00000000d0d0","amount":"1000000","occurred_on":"2024-01-02","donor":{"kind":"anonymous"}}`},
		{"/v1/funds/" + fund + "/donations", `{"transaction_id":"` + deleted + `","amount":"2000000","occurred_on":"2024-01-03","donor":{"kind":"anonymous"}}`},
		{"/v1/units", `{"unit_id":"lang-son","name":"LĐLĐ tỉnh Lạng Sơn","parent_id":"vgcl"}`},
	} {
		if got := postJSON(t, base+w.path, token, w.body); got != http.StatusCreated {
			t.Fatalf("POST %s = %d, want 201", w.path, got)
		}
	}
	req, _ := http.NewRequest(http.MethodGet, base+"/v1/audit/head", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var head struct {
		Position uint64 `json:"position"`
		HeadHash string `json:"head_hash"`
	}
	err = json.NewDecoder(res.Body).Decode(&head)
	res.Body.Close()
	if err != nil || head.Position == 0 {
		t.Fatalf("GET /v1/audit/head = %+v, %v", head, err)
	}
	stop()
	if err := os.Remove(filepath.Join(dir, checkpointFile)); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", filepath.Join(dir, "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	if r, err := db.Exec("DELETE FROM events WHERE event_id = ?", deleted); err != nil {
		t.Fatal(err)
	} else if n, _ := r.RowsAffected(); n != 1 {
		t.Fatalf("DELETE = %d rows, want 1", n)
	}
	db.Close()

	verify := func(args ...string) (string, error) {
		var stdout, stderr syncBuffer
		err := run(context.Background(), append([]string{"verify", "--data", dir}, args...), func(string) string { return "" }, &stdout, &stderr)
		return stdout.String() + stderr.String(), err
	}
	if text, err := verify(); err != nil {
		t.Fatalf("verify without --head = %v, want ok (nothing else can see this deletion):\n%s", err, text)
	}
	anchor := fmt.Sprintf("%d:%s", head.Position, head.HeadHash)
	text, err := verify("--head", anchor)
	if !errors.Is(err, errNotVerified) || !strings.Contains(text, `"kind": "head"`) || !strings.Contains(text, "anchored head "+anchor) {
		t.Errorf("verify --head %s = %v, want a head mismatch:\n%s", anchor, err, text)
	}
	if _, err := verify("--head", "12:nothex"); !errors.Is(err, errUsage) {
		t.Errorf("verify --head 12:nothex = %v, want a usage error", err)
	}
}
