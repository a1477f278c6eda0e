package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/internal/demo"
)

// demoTokensFile holds the demo's tokens, one per role (0600).
const demoTokensFile = "demo-tokens.txt"

// errNotDemo: serve --demo was given a data directory holding a ledger
// that is not the demo.
var errNotDemo = errors.New("not the demo's ledger")

// demoNeedsLoad decides what serve --demo does with the ledger it opened:
// load the demo into an empty one (true), serve the demo it loaded before
// (false), or refuse anything else, before anything is written.
func demoNeedsLoad(ctx context.Context, store domain.EventStore, ledger *domain.Ledger, dataDir string) (bool, error) {
	first, err := store.ReadAll(ctx, 0, 1)
	if err != nil {
		return false, fmt.Errorf("read the ledger: %w", err)
	}
	if len(first) == 0 {
		return true, nil
	}
	// The log itself, not the projections (which may not have caught up
	// yet), says whose ledger this is: the demo's root unit is named so.
	isDemo := false
	if evs, err := store.ReadStream(ctx, domain.UnitStream(demo.RootUnit), 0, 1); err != nil {
		return false, fmt.Errorf("read the ledger: %w", err)
	} else if len(evs) == 1 {
		e, err := domain.Decode(evs[0])
		if u, ok := e.Data.(*domain.UnitRegistered); err == nil && ok {
			isDemo = demo.IsDemo(u.Name)
		}
	}
	if !isDemo {
		return false, fmt.Errorf("serve --demo: %s holds another ledger, not the demo: --demo loads the demo only into an empty data directory, and serves the demo it loaded there; start without --demo to serve this ledger, or give --demo another --data: %w", dataDir, errNotDemo)
	}
	// The demo's tokens are its last writes: without them its load was
	// cut short, and serving half a demo would show wrong figures.
	has, err := ledger.HasTokens(ctx)
	if err != nil {
		return false, fmt.Errorf("look for tokens: %w", err)
	}
	if !has {
		return false, fmt.Errorf("serve --demo: the demo's load into %s was interrupted before it finished; delete that directory and start again: %w", dataDir, errNotDemo)
	}
	return false, nil
}

// loadDemo loads the demo into the empty ledger, then writes its tokens to
// <data>/demo-tokens.txt (0600) and prints them, once.
func loadDemo(ctx context.Context, store domain.EventStore, dataDir string, stdout io.Writer) error {
	start := time.Now()
	tokens, err := demo.Load(ctx, store, time.Now())
	if err != nil {
		return err
	}
	text := fmt.Sprintf(`Welfare Ledger demo: a synthetic history %s, loaded in %.1f s.
Each token is shown this once; they are also in %s.

  admin    (the whole ledger):                 %s
  manager  (%s):                 %s
  auditor  (vgcl and everything under it):     %s
  official (vgcl and everything under it):     %s
`, demo.Marker, time.Since(start).Seconds(), filepath.Join(dataDir, demoTokensFile),
		tokens.Admin, tokens.ManagerUnit, tokens.Manager, tokens.Auditor, tokens.Official)
	if err := writeSecretFile(filepath.Join(dataDir, demoTokensFile), text); err != nil {
		return fmt.Errorf("write the demo's tokens: %w", err)
	}
	fmt.Fprintf(stdout, "\n%s\n", text)
	return nil
}
