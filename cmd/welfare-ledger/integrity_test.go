package main

import (
	"bytes"
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

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
)

// The tests of this file alter the ledger file as an attacker with the
// sqlite3 tool would, through database/sql and the same SQLite engine,
// bypassing the ledger, and check that neither a start, nor verify, nor
// GET /v1/audit/verify lets it pass.

// integrityHistory records a small history on a served ledger in dir and
// returns the fund's id and the grant's transaction id; the grant is not
// the last event.
func integrityHistory(t *testing.T, base, token string) (fund, grant string) {
	t.Helper()
	fund = "0190a0b4-0000-7000-8000-00000000d001"
	grant = "0190a0b4-0000-7000-8000-00000000d0aa"
	for _, w := range []struct{ path, body string }{
		{"/v1/units", `{"unit_id":"lang-son","name":"LĐLĐ Lạng Sơn"}`},
		{"/v1/funds", `{"fund_id":"` + fund + `","unit_id":"lang-son","name":"Quỹ Xã hội","kind":"social","opened_on":"2024-01-01"}`},
		{"/v1/funds/" + fund + "/donations", `{"transaction_id":"0190a0b4-0000-7000-8000-00000000d0a1","amount":"90000000","occurred_on":"2024-02-01","donor":{"kind":"member"}}`},
		{"/v1/funds/" + fund + "/shelter-grants", `{"transaction_id":"` + grant + `","beneficiary_id":"LS-0001","amount":"60000000","shelter":"new_build","occurred_on":"2024-03-01"}`},
		{"/v1/funds/" + fund + "/donations", `{"transaction_id":"0190a0b4-0000-7000-8000-00000000d0a2","amount":"5000000","occurred_on":"2024-03-02","donor":{"kind":"member"}}`},
	} {
		if status, body := call(t, http.MethodPost, base+w.path, token, w.body); status != http.StatusCreated {
			t.Fatalf("POST %s = %d %s", w.path, status, body)
		}
	}
	return fund, grant
}

// tamper runs SQL on the stopped ledger's file, as sqlite3 would, and
// checks that it changed one row.
func tamper(t *testing.T, dir, query string, args ...any) {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(dir, "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	res, err := db.Exec(query, args...)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("%s changed %d rows, want 1", query, n)
	}
}

// rowOf returns the position and revision of the event with the given id.
func rowOf(t *testing.T, dir, eventID string) (pos, rev uint64) {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(dir, "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.QueryRow(`SELECT position, revision FROM events WHERE event_id = ?`, eventID).Scan(&pos, &rev); err != nil {
		t.Fatal(err)
	}
	return pos, rev
}

// startServe runs serve on dir until it returns, for a start that must
// refuse: it fails the test if serve comes up.
func startServe(t *testing.T, dir string, extra ...string) (error, string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, logs syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, append([]string{"serve", "--addr", freeAddr(t), "--data", dir}, extra...), func(string) string { return "" }, &stdout, &logs)
	}()
	err := <-done
	return err, logs.String()
}

// findMismatch returns the first mismatch of kind in r.
func findMismatch(r projections.VerifyReport, kind projections.MismatchKind) (projections.Mismatch, bool) {
	for _, m := range r.Mismatches {
		if m.Kind == kind {
			return m, true
		}
	}
	return projections.Mismatch{}, false
}

// TestShortenedLogRefusesToStart: the newest event (an acknowledged
// donation) deleted from the stopped ledger's file. The start refuses,
// naming the checkpoint's and the log's last positions and the way on;
// the checkpoint stays as it was; verify reports the history; a start with
// --accept-shortened-log serves the log as it is, keeping the checkpoint
// aside and logging the decision.
func TestShortenedLogRefusesToStart(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	logs := &syncBuffer{}
	base, admin, stop := serveLogged(t, dir, logs)
	fund, _ := integrityHistory(t, base, admin)
	stop()
	ckpt := filepath.Join(dir, checkpointFile)
	evidence, err := os.ReadFile(ckpt)
	if err != nil {
		t.Fatalf("serve left no checkpoint: %v", err)
	}
	last, _ := rowOf(t, dir, "0190a0b4-0000-7000-8000-00000000d0a2")
	tamper(t, dir, `DELETE FROM events WHERE position = (SELECT max(position) FROM events)`)

	for range 2 { // a second attempt finds the same, and changes nothing either
		err, out := startServe(t, dir)
		if !errors.Is(err, errHistoryMissing) || !errors.Is(err, projections.ErrHistoryMissing) {
			t.Fatalf("serve on a shortened log = %v; logs:\n%s", err, out)
		}
		for _, want := range []string{fmt.Sprintf("at position %d, but the log ends at position %d", last, last-1),
			"--accept-shortened-log", ckpt, "Restore the ledger file from a backup"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("serve's refusal %q does not say %q", err, want)
			}
		}
		if now, err := os.ReadFile(ckpt); err != nil || !bytes.Equal(now, evidence) {
			t.Fatalf("the refused start changed the checkpoint (%v)", err)
		}
		if _, err := os.Stat(filepath.Join(dir, adminTokenFile)); err != nil {
			t.Fatalf("admin token: %v", err)
		}
	}

	r, stderr, err := verifyCLI(t, dir)
	if !errors.Is(err, errNotVerified) || r.OK {
		t.Fatalf("verify of a shortened log = %v, ok %v; want not ok; %s", err, r.OK, stderr)
	}
	m, ok := findMismatch(r, projections.MismatchHistory)
	if !ok || m.Position != domain.Position(last) || !strings.Contains(m.Detail, fmt.Sprintf("ends at position %d", last-1)) {
		t.Errorf("verify mismatches %+v, want a history one at %d saying the log ends at %d", r.Mismatches, last, last-1)
	}
	if _, ok := findMismatch(r, projections.MismatchProjection); !ok {
		t.Errorf("verify mismatches %+v, want the figures the lost donation changed", r.Mismatches)
	}

	// The operator's deliberate decision.
	logs = &syncBuffer{}
	base, _, stop = serveWithLogs(t, dir, http.DefaultClient, "http", logs, "--rate-limit", "0", "--accept-shortened-log")
	asides, _ := filepath.Glob(ckpt + ".rejected-*[0-9Z]")
	if len(asides) != 1 {
		t.Fatalf("checkpoints set aside: %v, want 1", asides)
	}
	note, err := os.ReadFile(asides[0] + ".txt")
	if err != nil || !strings.Contains(string(note), fmt.Sprintf("Checkpoint: position %d", last)) ||
		!strings.Contains(string(note), fmt.Sprintf("Log: last position %d", last-1)) {
		t.Errorf("the decision beside the checkpoint = %q, %v; want both positions", note, err)
	}
	if kept, err := os.ReadFile(asides[0]); err != nil || !bytes.Equal(kept, evidence) {
		t.Errorf("the checkpoint set aside is not the one refused (%v)", err)
	}
	for _, want := range []string{"operator accepted a log that lacks history", fmt.Sprintf("checkpoint_position=%d", last),
		fmt.Sprintf("log_end=%d", last-1), "checkpoint_kept_as=" + asides[0]} {
		if !strings.Contains(logs.String(), want) {
			t.Errorf("serve's log lacks %q:\n%s", want, logs.String())
		}
	}
	status, body := call(t, http.MethodGet, base+"/v1/funds/"+fund, admin, "")
	if status != http.StatusOK || !bytes.Contains(body, []byte(`"balance":"30000000"`)) {
		t.Errorf("GET fund after the accepted start = %d %s, want the balance without the lost donation", status, body)
	}
	stop()
	if kept, err := os.ReadFile(asides[0]); err != nil || !bytes.Equal(kept, evidence) {
		t.Errorf("the stop overwrote the checkpoint set aside (%v)", err)
	}
	if r, stderr, err := verifyCLI(t, dir); err != nil || !r.OK {
		t.Errorf("verify after the accepted start = %v, %+v; %s", err, r.Mismatches, stderr)
	}
}

// TestMalformedEventIsLocated: a stored grant without its beneficiary_id
// is a located mismatch of verify (command line and HTTP), never a panic
// or a 500, and a start that has to replay it refuses with its position
// and the reason.
func TestMalformedEventIsLocated(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	logs := &syncBuffer{}
	base, admin, stop := serveLogged(t, dir, logs)
	fund, grant := integrityHistory(t, base, admin)
	stop()
	pos, rev := rowOf(t, dir, grant)
	tamper(t, dir, `UPDATE events SET data = json_remove(data, '$.beneficiary_id') WHERE event_id = ?`, grant)

	checkReport := func(how string, r projections.VerifyReport) {
		t.Helper()
		m, ok := findMismatch(r, projections.MismatchInvalidEvent)
		if r.OK || !ok || m.Stream != "fund-"+fund || m.Revision == nil || *m.Revision != rev || m.Position != domain.Position(pos) ||
			!strings.Contains(m.Detail, "beneficiary_id") {
			t.Errorf("%s mismatches %+v, want an invalid_event of fund-%s@%d at %d naming beneficiary_id", how, r.Mismatches, fund, rev, pos)
		}
	}

	// Served from the checkpoint, which the tail check accepts.
	logs = &syncBuffer{}
	base, admin, stop = serveLogged(t, dir, logs)
	status, body := call(t, http.MethodGet, base+"/v1/audit/verify", admin, "")
	var api projections.VerifyReport
	if err := json.Unmarshal(body, &api); status != http.StatusOK || err != nil {
		t.Errorf("GET /v1/audit/verify = %d %s, want 200 and a report", status, body)
	}
	checkReport("GET /v1/audit/verify", api)
	stop()

	r, stderr, err := verifyCLI(t, dir)
	if !errors.Is(err, errNotVerified) {
		t.Errorf("verify = %v, want errNotVerified; %s", err, stderr)
	}
	checkReport("verify", r)

	// A start without the checkpoint replays the event.
	if err := os.Remove(filepath.Join(dir, checkpointFile)); err != nil {
		t.Fatal(err)
	}
	err, out := startServe(t, dir)
	if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("fund-%s@%d at position %d", fund, rev, pos)) ||
		!strings.Contains(err.Error(), "beneficiary_id") {
		t.Errorf("serve without a checkpoint = %v, want a refusal naming the event's position and beneficiary_id; logs:\n%s", err, out)
	}
	r, _, _ = verifyCLI(t, dir)
	checkReport("verify without a checkpoint", r)
}

// TestVerifyReportsEditedColumnsAndDamagedFile: an event_id column that
// is not the event's id, and a damaged page of an index's b-tree (which
// reads by position never touch), are reported.
func TestVerifyReportsEditedColumnsAndDamagedFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	logs := &syncBuffer{}
	base, admin, stop := serveLogged(t, dir, logs)
	fund, grant := integrityHistory(t, base, admin)
	stop()
	pos, rev := rowOf(t, dir, grant)
	const edited = "0190a0b4-0000-7000-8000-00000000dddd"
	tamper(t, dir, `UPDATE events SET event_id = ? WHERE event_id = ?`, edited, grant)

	r, stderr, err := verifyCLI(t, dir)
	m, ok := findMismatch(r, projections.MismatchInvalidEvent)
	if !errors.Is(err, errNotVerified) || !ok || m.Stream != "fund-"+fund || *m.Revision != rev || m.Position != domain.Position(pos) ||
		!strings.Contains(m.Detail, "event_id column is "+edited) {
		t.Fatalf("verify of an edited event_id column = %v, %+v; want an invalid_event of fund-%s@%d naming the column; %s", err, r.Mismatches, fund, rev, stderr)
	}
	tamper(t, dir, `UPDATE events SET event_id = ? WHERE event_id = ?`, grant, edited)
	if r, stderr, err := verifyCLI(t, dir); err != nil || !r.OK {
		t.Fatalf("verify after the column was put back = %v, %+v; %s", err, r.Mismatches, stderr)
	}

	damageIndex(t, filepath.Join(dir, "ledger.db"), "events_event_id")
	r, stderr, err = verifyCLI(t, dir)
	m, ok = findMismatch(r, projections.MismatchStorage)
	if !errors.Is(err, errNotVerified) || !ok {
		t.Fatalf("verify of a damaged index = %v, %+v; want a storage mismatch; %s", err, r.Mismatches, stderr)
	}
	t.Logf("storage mismatch: %s", m.Detail)

	// The server reads by position and still starts; its verification
	// says the same.
	logs = &syncBuffer{}
	base, admin, stop = serveLogged(t, dir, logs)
	defer stop()
	status, body := call(t, http.MethodGet, base+"/v1/audit/verify", admin, "")
	var api projections.VerifyReport
	if err := json.Unmarshal(body, &api); status != http.StatusOK || err != nil {
		t.Fatalf("GET /v1/audit/verify = %d %s", status, body)
	}
	if _, ok := findMismatch(api, projections.MismatchStorage); !ok || api.OK {
		t.Errorf("GET /v1/audit/verify on a damaged index = %s, want a storage mismatch", body)
	}
}

// damageIndex overwrites the root page of the named index of the SQLite
// file at path (after moving the WAL into it) with bytes that are no
// b-tree page, as a disk or a careless hand would.
func damageIndex(t *testing.T, path, index string) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	var root, pageSize int64
	err = db.QueryRow(`SELECT rootpage FROM sqlite_schema WHERE type = 'index' AND name = ?`, index).Scan(&root)
	if err == nil {
		err = db.QueryRow(`PRAGMA page_size`).Scan(&pageSize)
	}
	if err == nil {
		_, err = db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	}
	db.Close()
	if err != nil || root < 2 {
		t.Fatalf("find index %s: root page %d, %v", index, root, err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteAt(bytes.Repeat([]byte{0xA5}, int(pageSize)), (root-1)*pageSize); err != nil {
		t.Fatal(err)
	}
}
