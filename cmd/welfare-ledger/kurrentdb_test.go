package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/store/kurrentdb/kdbtest"
)

// startKurrentDB starts a KurrentDB test server for the test, with system
// events in $all as a real node has them.
func startKurrentDB(t *testing.T) *kdbtest.Server {
	t.Helper()
	srv, err := kdbtest.Start(kdbtest.Options{SystemEvents: true})
	if err != nil {
		t.Fatalf("kdbtest.Start: %v", err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// instance is one `serve` in this process on a shared store.
type instance struct {
	t     *testing.T
	base  string
	token string
	out   *syncBuffer
	logs  *syncBuffer
	stop  func()
}

// call sends a JSON request with the instance's token (or token, when not
// empty) and decodes the answer.
func (in *instance) call(method, path, token string, body any) (int, map[string]any, http.Header) {
	in.t.Helper()
	if token == "" {
		token = in.token
	}
	var r io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			in.t.Fatal(err)
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, in.base+path, r)
	if err != nil {
		in.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		in.t.Errorf("%s %s: %v", method, path, err)
		return 0, nil, nil
	}
	out, err := readAnswer(resp)
	if err != nil {
		in.t.Errorf("%s %s: %v", method, path, err)
	}
	return resp.StatusCode, out, resp.Header
}

func (in *instance) must(status int, method, path string, body any) map[string]any {
	in.t.Helper()
	got, out, _ := in.call(method, path, "", body)
	if got != status {
		in.t.Fatalf("%s %s%s = %d %v, want %d", method, in.base, path, got, out, status)
	}
	return out
}

// serveOn starts `serve --store uri` in this process on a data directory
// of its own, as a second machine would run it.
func serveOn(t *testing.T, uri string) *instance {
	t.Helper()
	dir := t.TempDir()
	logs := &syncBuffer{}
	base, out, stop := serveWithLogs(t, dir, http.DefaultClient, "http", logs, "--store", uri, "--rate-limit", "0")
	in := &instance{t: t, base: base, out: out, logs: logs, stop: stop}
	t.Cleanup(stop)
	if tok, err := os.ReadFile(filepath.Join(dir, adminTokenFile)); err == nil {
		in.token = strings.TrimSpace(string(tok))
	}
	return in
}

// eventually polls check until it returns "" or within runs out, and fails
// with its last complaint.
func eventually(t *testing.T, within time.Duration, check func() string) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		why := check()
		if why == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %s: %s", within, why)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestTwoInstances: two `serve` processes on one KurrentDB are one ledger.
func TestTwoInstances(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two servers")
	}
	srv := startKurrentDB(t)
	a := serveOn(t, srv.URI())
	b := serveOn(t, srv.URI())
	if a.token == "" || b.token != "" {
		t.Fatalf("admin token: first instance %q, second %q; want only the first to make one", a.token, b.token)
	}
	b.token = a.token // one ledger: one admin

	a.must(201, "POST", "/v1/units", map[string]any{"unit_id": "lang-son", "name": "LĐLĐ tỉnh Lạng Sơn"})
	fund := uuid.Must(uuid.NewV7()).String()
	a.must(201, "POST", "/v1/funds", map[string]any{"fund_id": fund, "unit_id": "lang-son", "name": "Quỹ Xã hội", "kind": "social", "opened_on": "2024-01-01"})

	t.Run("visibility", func(t *testing.T) {
		a.must(201, "POST", "/v1/funds/"+fund+"/donations", map[string]any{"amount": "1000000", "occurred_on": "2024-01-02", "donor": map[string]any{"kind": "enterprise", "name": "Công ty A"}})
		eventually(t, 5*time.Second, func() string {
			_, out, _ := b.call("GET", "/v1/funds/"+fund, "", nil)
			if g := lookup(out, "balance"); g != "1000000" {
				return "balance through the other instance = " + g + ", want 1000000"
			}
			return ""
		})
	})

	t.Run("overdraw race", func(t *testing.T) {
		// The fund holds 1,000,000; 50 grants of 100,000 through both
		// instances at once would take 5,000,000: exactly 10 may pass.
		const grants, amount = 50, 100_000
		codes := make([]int, grants)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range grants {
			in := a
			if i%2 == 1 {
				in = b
			}
			wg.Go(func() {
				<-start
				codes[i], _, _ = in.call("POST", "/v1/funds/"+fund+"/assistance-grants", "", map[string]any{
					"beneficiary_id": fmt.Sprintf("LS-%04d", i), "amount": fmt.Sprint(amount), "category": "serious_illness", "occurred_on": "2024-02-01",
				})
			})
		}
		close(start)
		wg.Wait()
		granted := 0
		for i, c := range codes {
			switch c {
			case 201:
				granted++
			case 409:
			default:
				t.Errorf("grant %d: status %d, want 201 or 409 insufficient_funds", i, c)
			}
		}
		if granted != 10 {
			t.Errorf("%d grants of %d passed on a balance of 1,000,000, want exactly 10", granted, amount)
		}
		for _, in := range []*instance{a, b} {
			eventually(t, 5*time.Second, func() string {
				_, out, _ := in.call("GET", "/v1/funds/"+fund, "", nil)
				if g := lookup(out, "balance"); g != "0" {
					return in.base + ": balance " + g + ", want 0"
				}
				return ""
			})
		}
	})

	t.Run("idempotency across instances", func(t *testing.T) {
		tx := uuid.Must(uuid.NewV7()).String()
		body := map[string]any{"transaction_id": tx, "amount": "250000", "occurred_on": "2024-03-01", "donor": map[string]any{"kind": "anonymous"}}
		_, first, _ := a.call("POST", "/v1/funds/"+fund+"/donations", "", body)
		status, again, hdr := b.call("POST", "/v1/funds/"+fund+"/donations", "", body)
		if status != 200 || hdr.Get("Idempotent-Replay") != "true" || lookup(again, "position") != lookup(first, "position") {
			t.Fatalf("the same donation through the other instance = %d %v (replay %q), want 200 replay of %v", status, again, hdr.Get("Idempotent-Replay"), first)
		}
		body["amount"] = "999"
		if status, out, _ := b.call("POST", "/v1/funds/"+fund+"/donations", "", body); status != 409 || lookup(out, "code") != "idempotency_conflict" {
			t.Fatalf("same id, other amount through the other instance = %d %v, want 409 idempotency_conflict", status, out)
		}
		// The same transaction id in another fund is refused too.
		other := uuid.Must(uuid.NewV7()).String()
		a.must(201, "POST", "/v1/funds", map[string]any{"fund_id": other, "unit_id": "lang-son", "name": "Quỹ Tương trợ", "kind": "mutual_aid", "opened_on": "2024-01-01"})
		body["amount"] = "250000"
		if status, out, _ := b.call("POST", "/v1/funds/"+other+"/donations", "", body); status != 409 {
			t.Fatalf("the same transaction id in another fund = %d %v, want 409", status, out)
		}
	})

	t.Run("revoked token", func(t *testing.T) {
		ctx := context.Background()
		var out, errOut syncBuffer
		getenv := func(string) string { return "" }
		if err := run(ctx, []string{"token", "issue", "--store", srv.URI(), "--role", "auditor", "--unit", "lang-son", "--name", "Kiểm toán"}, getenv, &out, &errOut); err != nil {
			t.Fatalf("token issue: %v\n%s", err, errOut.String())
		}
		token := strings.TrimSpace(out.String())
		id := tokenPattern.FindString(token)
		if id == "" {
			t.Fatalf("token issue printed %q", token)
		}
		eventually(t, 5*time.Second, func() string {
			if c, _, _ := b.call("GET", "/v1/funds/"+fund, token, nil); c != 200 {
				return fmt.Sprintf("the new token on the other instance: %d, want 200", c)
			}
			return ""
		})
		tokenID, err := uuid.Parse(token[3:35])
		if err != nil {
			t.Fatalf("token id of %q: %v", token, err)
		}
		if err := run(ctx, []string{"token", "revoke", "--store", srv.URI(), tokenID.String()}, getenv, &out, &errOut); err != nil {
			t.Fatalf("token revoke: %v\n%s", err, errOut.String())
		}
		revoked := time.Now()
		eventually(t, time.Second, func() string {
			for _, in := range []*instance{a, b} {
				if c, _, _ := in.call("GET", "/v1/funds/"+fund, token, nil); c != 401 {
					return fmt.Sprintf("%s: revoked token answered %d, want 401", in.base, c)
				}
			}
			return ""
		})
		t.Logf("revoked token refused by both instances %s after the revocation", time.Since(revoked).Round(time.Millisecond))
	})
}

// TestTwoInstancesFirstAdmin: instances starting at once on an empty store
// make one admin token between them.
func TestTwoInstancesFirstAdmin(t *testing.T) {
	if testing.Short() {
		t.Skip("runs servers")
	}
	srv := startKurrentDB(t)
	const n = 3
	dirs := make([]string, n)
	var wg sync.WaitGroup
	for i := range dirs {
		dirs[i] = t.TempDir()
		wg.Go(func() {
			_, _, stop := serveInProcess(t, dirs[i], http.DefaultClient, "http", "--store", srv.URI())
			t.Cleanup(stop)
		})
	}
	wg.Wait()
	made := 0
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, adminTokenFile)); err == nil {
			made++
		}
	}
	if made != 1 {
		t.Fatalf("%d of %d instances made an admin token, want 1", made, n)
	}
	var out, errOut syncBuffer
	if err := run(context.Background(), []string{"token", "list", "--store", srv.URI()}, func(string) string { return "" }, &out, &errOut); err != nil {
		t.Fatalf("token list: %v", err)
	}
	admins := 0
	for _, line := range strings.Split(out.String(), "\n") {
		if f := strings.Fields(line); len(f) > 1 && f[1] == "admin" {
			admins++
		}
	}
	if got := admins; got != 1 {
		t.Fatalf("token list shows %d admin tokens, want 1:\n%s", got, out.String())
	}
}

// TestKurrentDBGoesAway: while the KurrentDB server is down, writes are
// answered 503 store_unavailable with Retry-After, reads keep answering
// from the projections and /readyz says the store is unreachable; once it is
// back, the retried write (same id) is recorded once and new writes work.
func TestKurrentDBGoesAway(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a server")
	}
	srv := startKurrentDB(t)
	a := serveOn(t, srv.URI())
	a.must(201, "POST", "/v1/units", map[string]any{"unit_id": "cao-loc", "name": "LĐLĐ huyện Cao Lộc"})
	fund := uuid.Must(uuid.NewV7()).String()
	a.must(201, "POST", "/v1/funds", map[string]any{"fund_id": fund, "unit_id": "cao-loc", "name": "Quỹ Xã hội", "kind": "social", "opened_on": "2024-01-01"})
	a.must(201, "POST", "/v1/funds/"+fund+"/donations", map[string]any{"amount": "500000", "occurred_on": "2024-01-02", "donor": map[string]any{"kind": "member"}})

	srv.Stop()
	tx := uuid.Must(uuid.NewV7()).String()
	donation := map[string]any{"transaction_id": tx, "amount": "700000", "occurred_on": "2024-01-03", "donor": map[string]any{"kind": "member"}}
	status, out, hdr := a.call("POST", "/v1/funds/"+fund+"/donations", "", donation)
	if status != 503 || lookup(out, "code") != "store_unavailable" || hdr.Get("Retry-After") == "" {
		t.Fatalf("write with the store down = %d %v (Retry-After %q), want 503 store_unavailable with Retry-After", status, out, hdr.Get("Retry-After"))
	}
	if got := lookup(a.must(200, "GET", "/v1/funds/"+fund, nil), "balance"); got != "500000" {
		t.Fatalf("read with the store down: balance %s, want 500000", got)
	}
	if status, out, _ := a.call("GET", "/readyz", "", nil); status != 503 || lookup(out, "code") != "store_unavailable" {
		t.Fatalf("/readyz with the store down = %d %v, want 503 store_unavailable", status, out)
	}

	if err := srv.Restart(); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, func() string {
		if status, out, _ := a.call("POST", "/v1/funds/"+fund+"/donations", "", donation); status != 201 && status != 200 {
			return fmt.Sprintf("retry after the store is back = %d %v", status, out)
		}
		return ""
	})
	if status, out, hdr := a.call("POST", "/v1/funds/"+fund+"/donations", "", donation); status != 200 || hdr.Get("Idempotent-Replay") != "true" {
		t.Fatalf("another retry = %d %v, want 200 replay; logs:\n%s", status, out, a.logs.String())
	}
	a.must(201, "POST", "/v1/funds/"+fund+"/donations", map[string]any{"amount": "300000", "occurred_on": "2024-01-04", "donor": map[string]any{"kind": "member"}})
	eventually(t, 5*time.Second, func() string {
		if got := lookup(a.must(200, "GET", "/v1/funds/"+fund, nil), "balance"); got != "1500000" {
			return "balance " + got + ", want 1500000 (nothing lost or doubled)"
		}
		if status, _, _ := a.call("GET", "/readyz", "", nil); status != 200 {
			return fmt.Sprintf("/readyz = %d, want 200", status)
		}
		return ""
	})
}

// TestStoreFlagErrors: a --store that names no store, a server that does
// not answer and wrong credentials stop serve, verify and token at start
// with a clear message that does not show the password.
func TestStoreFlagErrors(t *testing.T) {
	secured, err := kdbtest.Start(kdbtest.Options{Username: "admin", Password: "changeit"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(secured.Close)
	down := startKurrentDB(t)
	downURI := down.URI()
	down.Close()
	getenv := func(string) string { return "" }
	for _, c := range []struct {
		name, uri, want string
	}{
		{"unknown scheme", "postgres://db:5432/ledger", "unknown store"},
		{"unreachable", downURI, "cannot be reached"},
		{"wrong password", secured.URIWith("admin", "s3cret-wrong"), "refused the credentials"},
	} {
		for _, cmd := range [][]string{
			{"serve", "--addr", "127.0.0.1:0"},
			{"verify"},
			{"token", "list"},
		} {
			t.Run(c.name+"/"+cmd[0], func(t *testing.T) {
				var out, errOut syncBuffer
				args := append(append(cmd, "--data", t.TempDir()), "--store", c.uri)
				if cmd[0] == "token" {
					args = append([]string{"token", "list", "--data", t.TempDir()}, "--store", c.uri)
				}
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				defer cancel()
				err := run(ctx, args, getenv, &out, &errOut)
				if err == nil || !strings.Contains(err.Error(), c.want) {
					t.Fatalf("%v = %v, want an error saying %q", args, err, c.want)
				}
				if strings.Contains(err.Error(), "s3cret-wrong") {
					t.Fatalf("error %q shows the password", err)
				}
			})
		}
	}
}

// TestKurrentDBRestart: a graceful stop leaves a projections checkpoint in
// --data; the next start on the same KurrentDB loads it, checks it against
// the log and serves the same figures.
func TestKurrentDBRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("runs servers")
	}
	srv := startKurrentDB(t)
	dir := t.TempDir()
	base, _, stop := serveInProcess(t, dir, http.DefaultClient, "http", "--store", srv.URI())
	tok, err := os.ReadFile(filepath.Join(dir, adminTokenFile))
	if err != nil {
		t.Fatal(err)
	}
	a := &instance{t: t, base: base, token: strings.TrimSpace(string(tok))}
	a.must(201, "POST", "/v1/units", map[string]any{"unit_id": "lang-son", "name": "LĐLĐ tỉnh Lạng Sơn"})
	fund := uuid.Must(uuid.NewV7()).String()
	a.must(201, "POST", "/v1/funds", map[string]any{"fund_id": fund, "unit_id": "lang-son", "name": "Quỹ Xã hội", "kind": "social", "opened_on": "2024-01-01"})
	a.must(201, "POST", "/v1/funds/"+fund+"/donations", map[string]any{"amount": "4200000", "occurred_on": "2024-01-02", "donor": map[string]any{"kind": "member"}})
	stop()
	if _, err := os.Stat(filepath.Join(dir, checkpointFile)); err != nil {
		t.Fatalf("no checkpoint after a graceful stop: %v", err)
	}
	logs := &syncBuffer{}
	base, _, stop = serveWithLogs(t, dir, http.DefaultClient, "http", logs, "--store", srv.URI())
	defer stop()
	a.base = base
	if got := lookup(a.must(200, "GET", "/v1/funds/"+fund, nil), "balance"); got != "4200000" {
		t.Fatalf("balance after the restart = %s, want 4200000", got)
	}
	if !strings.Contains(logs.String(), "loaded checkpoint") {
		t.Fatalf("the restart did not load the checkpoint; logs:\n%s", logs.String())
	}
}

// TestKurrentDBExportToEmbedded: a ledger on KurrentDB moves to the
// embedded store: export --store, import into a fresh data directory,
// verify there, and the figures read the same.
func TestKurrentDBExportToEmbedded(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a server")
	}
	srv := startKurrentDB(t)
	a := serveOn(t, srv.URI())
	a.must(201, "POST", "/v1/units", map[string]any{"unit_id": "lang-son", "name": "LĐLĐ tỉnh Lạng Sơn"})
	fund := uuid.Must(uuid.NewV7()).String()
	a.must(201, "POST", "/v1/funds", map[string]any{"fund_id": fund, "unit_id": "lang-son", "name": "Quỹ Xã hội", "kind": "social", "opened_on": "2024-01-01"})
	for i := range 5 {
		a.must(201, "POST", "/v1/funds/"+fund+"/donations", map[string]any{"amount": fmt.Sprint(100000 * (i + 1)), "occurred_on": "2024-01-02", "donor": map[string]any{"kind": "member"}})
	}
	ctx := context.Background()
	getenv := func(string) string { return "" }
	file := filepath.Join(t.TempDir(), "ledger.jsonl")
	var out, errOut syncBuffer
	if err := run(ctx, []string{"export", "--store", srv.URI(), "-o", file}, getenv, &out, &errOut); err != nil {
		t.Fatalf("export --store: %v\n%s", err, errOut.String())
	}
	dir := t.TempDir()
	if err := run(ctx, []string{"import", "--data", dir, file}, getenv, &out, &errOut); err != nil {
		t.Fatalf("import: %v\n%s", err, errOut.String())
	}
	if err := run(ctx, []string{"verify", "--data", dir}, getenv, &out, &errOut); err != nil {
		t.Fatalf("verify of the imported ledger: %v\n%s", err, errOut.String())
	}
	var replayed syncBuffer
	if err := run(ctx, []string{"replay", "--data", dir, "--json"}, getenv, &replayed, &errOut); err != nil {
		t.Fatalf("replay: %v\n%s", err, errOut.String())
	}
	if !strings.Contains(replayed.String(), "1500000") {
		t.Fatalf("the imported ledger's figures lack the balance 1500000:\n%s", replayed.String())
	}
}
