package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"
)

// stop ends a server started by startServer with SIGTERM, as an operator
// does, and waits for it.
func (s *server) stop() {
	s.t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		s.t.Fatal(err)
	}
	s.cmd.Wait()
}

// faultFixture is a server with one unit, for the fault tests.
func faultFixture(t *testing.T, dataDir string) *server {
	t.Helper()
	s := startServer(t, dataDir, freeAddr(t), "--rate-limit", "0")
	s.must(201, "POST", "/v1/units", map[string]any{"unit_id": "lang-son", "name": "LĐLĐ tỉnh Lạng Sơn"})
	return s
}

// openFund opens a social fund and returns its id.
func (s *server) openFund() string {
	s.t.Helper()
	id := uuid.NewString()
	s.must(201, "POST", "/v1/funds", map[string]any{"fund_id": id, "unit_id": "lang-son", "name": "Quỹ Xã hội", "kind": "social", "opened_on": "2024-01-01"})
	return id
}

// donation is the body of a donation with its own transaction id.
func donation(amount string) map[string]any {
	return map[string]any{"transaction_id": uuid.NewString(), "amount": amount, "occurred_on": "2024-03-08",
		"donor": map[string]any{"kind": "enterprise", "name": "Công ty May"}}
}

// ledgerDB opens the ledger file beside the server, as an auditor's (or an
// intruder's) sqlite3 would.
func ledgerDB(t *testing.T, dataDir string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(dataDir, "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// streamLen counts the events of a fund's stream in the file.
func streamLen(t *testing.T, db *sql.DB, fund string) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM events WHERE stream = ?`, "fund-"+fund).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// editAmount changes the amount of the stored event at (fund, revision)
// outside the ledger.
func editAmount(t *testing.T, db *sql.DB, fund string, revision int, from, to string) {
	t.Helper()
	res, err := db.Exec(`UPDATE events SET data = replace(data, ?, ?) WHERE stream = ? AND revision = ?`,
		`"amount":"`+from+`"`, `"amount":"`+to+`"`, "fund-"+fund, revision)
	if err != nil {
		t.Fatalf("edit: %v", err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("edit changed %d rows, want 1", n)
	}
}

// wantChainBroken posts a donation to fund and wants 409 chain_broken,
// naming where the chain breaks, with nothing appended.
func wantChainBroken(t *testing.T, s *server, db *sql.DB, fund string, brokenAt int) {
	t.Helper()
	before := streamLen(t, db, fund)
	status, body, header := s.do("POST", "/v1/funds/"+fund+"/donations", donation("5000"))
	if status != http.StatusConflict || body["code"] != "chain_broken" {
		t.Fatalf("donation to fund %s with a broken chain = %d %v, want 409 chain_broken", fund, status, body)
	}
	if ra := header.Get("Retry-After"); ra != "" {
		t.Errorf("chain_broken carries Retry-After %q: it is not retryable", ra)
	}
	at := fmt.Sprintf("fund-%s@%d", fund, brokenAt)
	if detail, _ := body["detail"].(string); !strings.Contains(detail, at) {
		t.Errorf("detail %q, want it to name %s", detail, at)
	}
	if after := streamLen(t, db, fund); after != before {
		t.Errorf("fund %s grew from %d to %d events on a broken chain", fund, before, after)
	}
}

// stopAndWantLogged stops s and wants its log to say where each chain
// breaks ("fund-<id>@<revision>"). The log is read once the process has
// exited: its output is copied into s.logs asynchronously until then.
func stopAndWantLogged(t *testing.T, s *server, where ...string) {
	t.Helper()
	s.stop()
	for _, at := range where {
		if !strings.Contains(s.logs.String(), "hash chain broken") || !strings.Contains(s.logs.String(), at) {
			t.Errorf("the log does not say where the chain breaks (%s):\n%s", at, s.logs)
		}
	}
}

// TestChainBrokenRefusesWrites edits a stored event's amount in the file
// while the server runs, as an intruder with sqlite3 would: the fund's last
// event is caught at the next write, an earlier one at the next start; the
// fund answers 409 chain_broken and records nothing, the other funds go on.
func TestChainBrokenRefusesWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	s := faultFixture(t, dir)
	a, b := s.openFund(), s.openFund()
	for _, f := range []string{a, b} {
		s.must(201, "POST", "/v1/funds/"+f+"/donations", donation("1000"))
		s.must(201, "POST", "/v1/funds/"+f+"/donations", donation("2000"))
	}
	db := ledgerDB(t, dir)

	// The last event of a (revision 2), while the server has a loaded.
	editAmount(t, db, a, 2, "2000", "2000000")
	wantChainBroken(t, s, db, a, 2)
	wantChainBroken(t, s, db, a, 2) // and again: nothing was cached
	s.must(201, "POST", "/v1/funds/"+b+"/donations", donation("3000"))

	// An earlier event of b (revision 1), found when the fund is loaded
	// after a restart.
	editAmount(t, db, b, 1, "1000", "1000000")
	stopAndWantLogged(t, s, fmt.Sprintf("fund-%s@2", a))
	s = startServer(t, dir, freeAddr(t), "--rate-limit", "0")
	wantChainBroken(t, s, db, b, 1)
	wantChainBroken(t, s, db, a, 2)
	c := s.openFund()
	s.must(201, "POST", "/v1/funds/"+c+"/donations", donation("4000"))

	// The tokens' stream is chained the same way: issuing a token on top
	// of its edited last event is refused alike.
	res, err := db.Exec(`UPDATE events SET data = json_set(data, '$.name', 'someone else') WHERE stream = 'access'
		AND revision = (SELECT max(revision) FROM events WHERE stream = 'access')`)
	if n, _ := res.RowsAffected(); err != nil || n != 1 {
		t.Fatalf("edit of the access stream = %d rows, %v; want 1 row", n, err)
	}
	status, body, _ := s.do("POST", "/v1/tokens", map[string]any{"role": "manager", "unit_id": "lang-son", "name": "Kế toán"})
	if status != http.StatusConflict || body["code"] != "chain_broken" {
		t.Errorf("token issued on an edited access stream = %d %v, want 409 chain_broken", status, body)
	}
	stopAndWantLogged(t, s, fmt.Sprintf("fund-%s@1", b), fmt.Sprintf("fund-%s@2", a), "access@")
}

// mountTmpfs mounts a tmpfs of size bytes on a new directory, or skips the
// test where the machine does not allow it (mounting needs root).
func mountTmpfs(t *testing.T, size int) string {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d", size), "tmpfs", dir).CombinedOutput()
	if err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s); store/embedded's TestWriteFaults injects the same faults", err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
	return dir
}

// fill writes a file until the file system is full.
func fill(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill %s: %v", path, err)
			}
			break
		}
	}
	for size := 4096; size > 0; size /= 2 { // the last partial blocks
		for {
			if _, err := f.Write(chunk[:size]); err != nil {
				break
			}
		}
	}
}

// readyz returns GET /readyz's status and code.
func (s *server) readyz() (int, any) {
	s.t.Helper()
	status, body, _ := s.do("GET", "/readyz", nil)
	return status, body["code"]
}

// metric returns the value of an unlabelled series of GET /metrics, or "".
func (s *server) metric(name string) string {
	s.t.Helper()
	resp, err := http.Get(s.base + "/metrics")
	if err != nil {
		s.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatal(err)
	}
	for line := range strings.Lines(string(raw)) {
		if value, ok := strings.CutPrefix(strings.TrimSpace(line), name+" "); ok {
			return value
		}
	}
	return ""
}

// TestDiskFull fills the disk under a running server: a write answers 503
// store_unavailable with Retry-After, /readyz is not 200 while the disk is
// full, and once space is freed the service is ready again by itself and
// every write acknowledged before, during and after is in the log exactly
// once.
func TestDiskFull(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	mnt := mountTmpfs(t, 8<<20)
	dir := filepath.Join(mnt, "data")
	s := faultFixture(t, dir)
	t.Cleanup(func() { // before the unmount
		if s.cmd.ProcessState == nil {
			s.kill()
		}
	})
	fund := s.openFund()
	acked := map[string]bool{} // transaction ids answered 201 or 200
	for range 20 {
		d := donation("1000")
		s.must(201, "POST", "/v1/funds/"+fund+"/donations", d)
		acked[d["transaction_id"].(string)] = true
	}

	filler := filepath.Join(mnt, "filler")
	fill(t, filler)
	var refused []map[string]any
	for i := 0; len(refused) == 0; i++ {
		if i == 500 {
			t.Fatalf("500 donations accepted on a full disk")
		}
		d := donation("1000")
		status, body, header := s.do("POST", "/v1/funds/"+fund+"/donations", d)
		switch {
		case status == http.StatusCreated:
			acked[d["transaction_id"].(string)] = true // the WAL still had room
		case status == http.StatusServiceUnavailable && body["code"] == "store_unavailable":
			if header.Get("Retry-After") == "" {
				t.Errorf("503 store_unavailable without Retry-After")
			}
			refused = append(refused, d)
		default:
			t.Fatalf("donation on a full disk = %d %v, want 201 or 503 store_unavailable", status, body)
		}
	}
	t.Logf("%d donations acknowledged before the first 503 on a full disk", len(acked)-20)
	// A few more donations, and every other kind of write: each goes to
	// the store the same way.
	for range 3 {
		d := donation("1000")
		if status, body, _ := s.do("POST", "/v1/funds/"+fund+"/donations", d); status != http.StatusServiceUnavailable {
			t.Fatalf("donation on a full disk after a refusal = %d %v, want 503", status, body)
		}
		refused = append(refused, d)
	}
	newUnit := map[string]any{"unit_id": "cao-loc", "name": "LĐLĐ huyện Cao Lộc", "parent_id": "lang-son"}
	newFund := map[string]any{"fund_id": uuid.NewString(), "unit_id": "lang-son", "name": "Quỹ Mái ấm", "kind": "shelter", "opened_on": "2024-01-01"}
	for _, w := range []struct {
		path string
		body any
	}{
		{"/v1/units", newUnit},
		{"/v1/funds", newFund},
		{"/v1/funds/" + fund + "/shelter-grants", map[string]any{"transaction_id": uuid.NewString(), "beneficiary_id": "LS-0001",
			"amount": "500", "shelter": "repair", "occurred_on": "2024-03-09"}},
		{"/v1/tokens", map[string]any{"role": "manager", "unit_id": "lang-son", "name": "Kế toán"}},
	} {
		status, body, header := s.do("POST", w.path, w.body)
		if status != http.StatusServiceUnavailable || body["code"] != "store_unavailable" || header.Get("Retry-After") == "" {
			t.Errorf("POST %s on a full disk = %d %v, want 503 store_unavailable with Retry-After", w.path, status, body)
		}
	}
	// Not ready while the disk is full, also after the probes have run.
	for range 3 {
		if status, code := s.readyz(); status != http.StatusServiceUnavailable || code != "store_unavailable" {
			t.Fatalf("GET /readyz on a full disk = %d %v, want 503 store_unavailable", status, code)
		}
		time.Sleep(time.Second)
	}
	if got := s.metric("welfare_ledger_store_writable"); got != "0" {
		t.Errorf("welfare_ledger_store_writable on a full disk = %q, want 0", got)
	}
	// Reads go on.
	s.must(200, "GET", "/v1/funds/"+fund, nil)

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		status, code := s.readyz()
		if status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /readyz 10 s after space was freed = %d %v, want 200", status, code)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if got := s.metric("welfare_ledger_store_writable"); got != "1" {
		t.Errorf("welfare_ledger_store_writable once space is freed = %q, want 1", got)
	}
	// The refused writes, repeated with their ids, are recorded once.
	for _, d := range refused {
		status, body, _ := s.do("POST", "/v1/funds/"+fund+"/donations", d)
		if status != http.StatusCreated && status != http.StatusOK {
			t.Fatalf("repeated donation after the fault = %d %v, want 201 (or 200 if it had been recorded)", status, body)
		}
		acked[d["transaction_id"].(string)] = true
	}
	for range 5 {
		d := donation("1000")
		s.must(201, "POST", "/v1/funds/"+fund+"/donations", d)
		acked[d["transaction_id"].(string)] = true
	}
	// The unit and the fund, repeated: recorded once (or found recorded).
	if status, body, _ := s.do("POST", "/v1/units", newUnit); status != http.StatusCreated && body["code"] != "already_exists" {
		t.Errorf("unit repeated after the fault = %d %v, want 201 (or 409 already_exists if it had been recorded)", status, body)
	}
	if status, body, _ := s.do("POST", "/v1/funds", newFund); status != http.StatusCreated && status != http.StatusOK {
		t.Errorf("fund repeated after the fault = %d %v, want 201 (or 200 if it had been recorded)", status, body)
	}

	db := ledgerDB(t, dir)
	rows, err := db.Query(`SELECT event_id, count(*) FROM events WHERE stream = ? AND type = 'DonationReceived' GROUP BY event_id`, "fund-"+fund)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	stored := map[string]int{}
	for rows.Next() {
		var id string
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			t.Fatal(err)
		}
		stored[id] = n
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	for id := range acked {
		if stored[id] != 1 {
			t.Errorf("acknowledged donation %s is in the log %d times, want once", id, stored[id])
		}
	}
	if len(stored) != len(acked) {
		t.Errorf("the log holds %d donations, %d were acknowledged", len(stored), len(acked))
	}
	for _, stream := range []string{"unit-cao-loc", "fund-" + newFund["fund_id"].(string)} {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM events WHERE stream = ?`, stream).Scan(&n); err != nil || n != 1 {
			t.Errorf("%s has %d events (%v), want 1", stream, n, err)
		}
	}
	want := fmt.Sprint(1000 * len(acked))
	if got := s.must(200, "GET", "/v1/funds/"+fund, nil)["balance"]; got != want {
		t.Errorf("balance = %v, want %s", got, want)
	}
	if t.Failed() {
		t.Logf("server log:\n%s", s.logs)
	}
}

// TestReadOnlyDataDirRefusesStart: after a kill -9, the data directory
// became read-only (a read-only mount as root; for another user, the
// directory alone, its files left writable); serve refuses to start,
// saying why, instead of serving and failing writes. Made writable again,
// it starts and has every acknowledged write.
func TestReadOnlyDataDirRefusesStart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	var dir string
	var readOnly, writable func()
	if os.Geteuid() == 0 {
		// Permissions do not stop root: a read-only mount does.
		mnt := mountTmpfs(t, 16<<20)
		dir = filepath.Join(mnt, "data")
		remount := func(mode string) func() {
			return func() {
				if out, err := exec.Command("mount", "-o", "remount,"+mode, mnt).CombinedOutput(); err != nil {
					t.Fatalf("remount %s: %v: %s", mode, err, out)
				}
			}
		}
		readOnly, writable = remount("ro"), remount("rw")
		t.Cleanup(writable)
	} else {
		// The directory alone: the files the crash left stay writable.
		dir = filepath.Join(t.TempDir(), "data")
		chmod := func(mode os.FileMode) func() {
			return func() {
				if err := os.Chmod(dir, mode); err != nil {
					t.Fatal(err)
				}
			}
		}
		readOnly, writable = chmod(0o555), chmod(0o750)
		t.Cleanup(writable)
	}
	s := faultFixture(t, dir)
	fund := s.openFund()
	d := donation("1000")
	s.must(201, "POST", "/v1/funds/"+fund+"/donations", d)
	s.kill()
	readOnly()

	bin, err := binary()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, bin, "serve", "--addr", freeAddr(t), "--data", dir).CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || ctx.Err() != nil {
		t.Fatalf("serve on a read-only data directory = %v, want it to exit with an error; output:\n%s", err, out)
	}
	if !strings.Contains(string(out), "cannot be written") || !strings.Contains(string(out), dir) ||
		!strings.Contains(string(out), "read-only file system") && !strings.Contains(string(out), "permission denied") {
		t.Errorf("serve on a read-only data directory said %q, want what (%s) and why (cannot be written: read-only or permission denied)", out, dir)
	}
	if strings.Contains(string(out), "serving") {
		t.Errorf("serve on a read-only data directory served first:\n%s", out)
	}

	writable()
	s = startServer(t, dir, freeAddr(t), "--rate-limit", "0")
	s.must(200, "POST", "/v1/funds/"+fund+"/donations", d) // recorded before the crash: a replay
	s.must(201, "POST", "/v1/funds/"+fund+"/donations", donation("2000"))
}

// TestWriteLockHeldElsewhere: another process holds the ledger's write lock
// beyond the store's busy timeout (an auditor's sqlite3 left inside a write
// transaction): a write answers 503 store_unavailable with Retry-After and
// records nothing, /readyz is not 200 meanwhile, and once the lock is
// released the service is ready again by itself and the write, repeated,
// is recorded once. Unlike TestDiskFull it needs no root.
func TestWriteLockHeldElsewhere(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	s := faultFixture(t, dir)
	fund := s.openFund()
	s.must(201, "POST", "/v1/funds/"+fund+"/donations", donation("1000"))

	db := ledgerDB(t, dir)
	ctx := t.Context()
	conn, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		t.Fatal(err)
	}
	d := donation("2000")
	status, body, header := s.do("POST", "/v1/funds/"+fund+"/donations", d)
	if status != http.StatusServiceUnavailable || body["code"] != "store_unavailable" || header.Get("Retry-After") == "" {
		t.Fatalf("donation while another process holds the write lock = %d %v (Retry-After %q), want 503 store_unavailable with Retry-After",
			status, body, header.Get("Retry-After"))
	}
	if detail, _ := body["detail"].(string); !strings.Contains(detail, "nothing was recorded") {
		t.Errorf("detail %q, want it to say nothing was recorded", detail)
	}
	if status, code := s.readyz(); status != http.StatusServiceUnavailable || code != "store_unavailable" {
		t.Errorf("GET /readyz while the store cannot write = %d %v, want 503 store_unavailable", status, code)
	}
	if got := s.metric("welfare_ledger_store_writable"); got != "0" {
		t.Errorf("welfare_ledger_store_writable while the store cannot write = %q, want 0", got)
	}
	if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second) // a probe may be waiting out its busy timeout
	for {
		status, code := s.readyz()
		if status == http.StatusOK {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GET /readyz after the lock was released = %d %v, want 200", status, code)
		}
		time.Sleep(100 * time.Millisecond)
	}
	s.must(201, "POST", "/v1/funds/"+fund+"/donations", d)
	if got := streamLen(t, db, fund); got != 3 {
		t.Errorf("fund stream has %d events, want 3 (opened, two donations)", got)
	}
}
