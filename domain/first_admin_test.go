package domain_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// TestIssueFirstAdmin: of many ledgers (instances) racing to make the first
// admin token on one empty store, exactly one makes it; once any token
// exists, none is made.
func TestIssueFirstAdmin(t *testing.T) {
	store := openStore(t, filepath.Join(t.TempDir(), "ledger.db"))
	const instances = 8
	issued := make([]bool, instances)
	errs := make([]error, instances)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range instances {
		// Each instance has its own Ledger, as each serve process does.
		l := domain.NewLedger(store, clockAt(ledgerNow))
		wg.Go(func() {
			<-start
			_, issued[i], errs[i] = l.IssueFirstAdmin(context.Background(), "first admin", domain.SystemActor)
		})
	}
	close(start)
	wg.Wait()
	made := 0
	for i := range instances {
		if errs[i] != nil {
			t.Errorf("instance %d: IssueFirstAdmin() error %v", i, errs[i])
		}
		if issued[i] {
			made++
		}
	}
	if made != 1 {
		t.Fatalf("%d of %d racing instances made the first admin token, want 1", made, instances)
	}
	l := domain.NewLedger(store, clockAt(ledgerNow))
	if res, ok, err := l.IssueFirstAdmin(context.Background(), "again", domain.SystemActor); err != nil || ok || res.Token != "" {
		t.Fatalf("IssueFirstAdmin() on a ledger with a token = %v, %v, %v; want nothing made", res.Token != "", ok, err)
	}
	a, err := l.Tokens(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(a.Tokens) != 1 {
		t.Fatalf("the access stream holds %d tokens, want 1", len(a.Tokens))
	}
	for _, tok := range a.Tokens {
		if tok.Role != domain.RoleAdmin || tok.UnitID != "" {
			t.Fatalf("the first token is %s scoped to %q, want an admin of the whole ledger", tok.Role, tok.UnitID)
		}
	}
}
