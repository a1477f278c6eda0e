package main

import (
	"context"
	"errors"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/store/embedded"
)

// eventsIn counts the events of a ledger file.
func eventsIn(t *testing.T, dir string) int {
	t.Helper()
	st, err := embedded.Open(filepath.Join(dir, "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	return countEvents(t, st)
}

// countEvents counts the events of a store's whole log.
func countEvents(t *testing.T, st domain.EventStore) int {
	t.Helper()
	n := 0
	for after := domain.Position(0); ; {
		page, err := st.ReadAll(context.Background(), after, domain.MaxReadBatch)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			return n
		}
		n, after = n+len(page), page[len(page)-1].Position
	}
}

// serve --demo loads the demo into an empty directory and prints a token
// per role, once, also written to demo-tokens.txt (0600); on the same
// directory it serves the demo as it is; on a directory holding another
// ledger it refuses and changes nothing.
func TestServeDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the whole demo")
	}
	dir := filepath.Join(t.TempDir(), "demo")
	base, out, stop := serveInProcess(t, dir, http.DefaultClient, "http", "--demo")
	printed := tokenPattern.FindAllString(out.String(), -1)
	if len(printed) != 4 {
		t.Fatalf("serve --demo printed %d tokens, want 4 (admin, manager, auditor, official):\n%s", len(printed), out.String())
	}
	path := filepath.Join(dir, demoTokensFile)
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := info.Mode().Perm(); mode != 0o600 {
		t.Errorf("%s mode = %o, want 600", path, mode)
	}
	file, _ := os.ReadFile(path)
	for _, tok := range printed {
		if !strings.Contains(string(file), tok) {
			t.Errorf("%s lacks the printed token %s…", demoTokensFile, tok[:12])
		}
	}
	if _, err := os.Stat(filepath.Join(dir, adminTokenFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the demo also made a first admin token (stat %s: %v): it has its own", adminTokenFile, err)
	}
	official := printed[3]
	if got := get(t, http.DefaultClient, base+"/v1/units/vgcl/summary?from=2018-01-01&to=2023-12-31", official); got != http.StatusOK {
		t.Errorf("the official's token: GET the confederation's roll-up = %d, want 200", got)
	}
	stop()
	events := eventsIn(t, dir)

	base, out, stop = serveInProcess(t, dir, http.DefaultClient, "http", "--demo")
	if tokenPattern.MatchString(out.String()) {
		t.Errorf("serve --demo on the demo's directory printed tokens again:\n%s", out.String())
	}
	if got := get(t, http.DefaultClient, base+"/v1/units/vgcl", official); got != http.StatusOK {
		t.Errorf("the demo served again: GET /v1/units/vgcl = %d, want 200", got)
	}
	stop()
	if n := eventsIn(t, dir); n != events {
		t.Errorf("serving the demo again wrote: %d events, want %d", n, events)
	}

	other := filepath.Join(t.TempDir(), "other")
	_, _, stop = serveInProcess(t, other, http.DefaultClient, "http")
	stop()
	before := eventsIn(t, other)
	var stdout, stderr syncBuffer
	err = run(context.Background(), []string{"serve", "--demo", "--addr", freeAddr(t), "--data", other}, func(string) string { return "" }, &stdout, &stderr)
	if err == nil || !strings.Contains(err.Error(), "another ledger") {
		t.Errorf("serve --demo on another ledger = %v, want a refusal naming another ledger", err)
	}
	if n := eventsIn(t, other); n != before {
		t.Errorf("the refused --demo wrote: %d events, want %d", n, before)
	}
	if _, err := os.Stat(filepath.Join(other, demoTokensFile)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the refused --demo left %s", demoTokensFile)
	}
}
