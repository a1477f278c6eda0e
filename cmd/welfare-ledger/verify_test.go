package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/projections"
)

// verifyCLI runs welfare-ledger verify on dir and decodes its report.
func verifyCLI(t *testing.T, dir string) (projections.VerifyReport, string, error) {
	t.Helper()
	var stdout, stderr bytes.Buffer
	err := run(context.Background(), []string{"verify", "--data", dir}, func(string) string { return "" }, &stdout, &stderr)
	var r projections.VerifyReport
	if jerr := json.Unmarshal(stdout.Bytes(), &r); jerr != nil && !errors.Is(err, errUsage) {
		t.Fatalf("verify printed %q (%v), want a JSON report; stderr %s", stdout.String(), jerr, stderr.String())
	}
	return r, stderr.String(), err
}

// TestVerifyCommand: the command line's report matches the API's on a
// served ledger, and after the ledger file was edited it exits non-zero
// with the edited event and the figure the checkpoint no longer matches.
func TestVerifyCommand(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	logs := &syncBuffer{}
	base, admin, stop := serveLogged(t, dir, logs)
	const fund = "0190a0b4-0000-7000-8000-00000000c001"
	const victim = "0190a0b4-0000-7000-8000-00000000c0aa"
	for _, w := range []struct{ path, body string }{
		{"/v1/units", `{"unit_id":"lang-son","name":"LĐLĐ Lạng Sơn"}`},
		{"/v1/funds", `{"fund_id":"` + fund + `","unit_id":"lang-son","name":"Quỹ Xã hội","kind":"social","opened_on":"2024-01-01"}`},
		{"/v1/funds/" + fund + "/donations", `{"transaction_id":"` + victim + `","amount":"1000","occurred_on":"2024-02-01","donor":{"kind":"member"}}`},
		{"/v1/funds/" + fund + "/donations", `{"amount":"7","occurred_on":"2024-02-02","donor":{"kind":"member"}}`},
	} {
		if status, body := call(t, http.MethodPost, base+w.path, admin, w.body); status != http.StatusCreated {
			stop()
			t.Fatalf("POST %s = %d %s", w.path, status, body)
		}
	}
	status, body := call(t, http.MethodGet, base+"/v1/audit/verify", admin, "")
	var api projections.VerifyReport
	if err := json.Unmarshal(body, &api); status != http.StatusOK || err != nil {
		stop()
		t.Fatalf("GET /v1/audit/verify = %d %s", status, body)
	}
	served, stderr, err := verifyCLI(t, dir) // while serve runs
	stop()
	if err != nil {
		t.Fatalf("verify of an untouched ledger = %v; %s", err, stderr)
	}
	if got, want := summary(served), summary(api); got != want || !served.OK {
		t.Errorf("verify while serving = %s, want the API's %s, ok", got, want)
	}
	if !strings.Contains(logs.String(), `msg="audit verify"`) {
		t.Errorf("serve did not log the verification:\n%s", logs.String())
	}

	db, err := sql.Open("sqlite", filepath.Join(dir, "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := db.Exec(`UPDATE events SET data = replace(data, '"amount":"1000"', '"amount":"9000"') WHERE event_id = ?`, victim)
	if n, _ := res.RowsAffected(); err != nil || n != 1 {
		t.Fatalf("tamper = %d rows, %v; want 1 row", n, err)
	}
	db.Close()
	if _, err := os.Stat(filepath.Join(dir, checkpointFile)); err != nil {
		t.Fatalf("serve left no checkpoint to compare with: %v", err)
	}

	r, stderr, err := verifyCLI(t, dir)
	if !errors.Is(err, errNotVerified) || r.OK {
		t.Fatalf("verify of a tampered ledger = %v, ok %v; want errNotVerified, not ok; %s", err, r.OK, stderr)
	}
	var kinds []string
	for _, m := range r.Mismatches {
		if m.Stream != "fund-"+fund {
			t.Errorf("mismatch %+v, want only the fund's", m)
		}
		kinds = append(kinds, string(m.Kind))
	}
	// The edited donation (revision 1 of the fund's stream), and the
	// checkpoint's figures, taken before the edit.
	if r.Mismatches[0].Kind != projections.MismatchHashChain || r.Mismatches[0].Revision == nil || *r.Mismatches[0].Revision != 1 ||
		!strings.Contains(strings.Join(kinds, " "), "projection") {
		t.Errorf("mismatches %+v (kinds %v), want the hash_chain of revision 1 and the projection ones", r.Mismatches, kinds)
	}
	if !strings.Contains(stderr, "verified 5 events of 3 streams") {
		t.Errorf("stderr %q, want the summary line", stderr)
	}
}

func summary(r projections.VerifyReport) string {
	b, _ := json.Marshal(struct {
		OK               bool
		Position, Events uint64
		Streams, Found   int
	}{r.OK, uint64(r.Position), r.EventsChecked, r.StreamsChecked, r.MismatchesFound})
	return string(b)
}
