package benchdata

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/welfare-ledger/welfare-ledger/store/embedded"
)

// EnvLedger names the environment variable that gives the path of the
// benchmark ledger file; unset, DefaultPath picks one in the temp dir.
const EnvLedger = "WL_BENCH_LEDGER"

// DefaultPath is where a history of spec lives between runs: $WL_BENCH_LEDGER
// if set, else a file in the system temp dir named after the event count
// and seed, so that a bigger history never replaces a smaller one.
func DefaultPath(spec Spec) string {
	if p := os.Getenv(EnvLedger); p != "" {
		return p
	}
	return filepath.Join(os.TempDir(), fmt.Sprintf("welfare-ledger-bench-%d-seed%d.db", spec.Events, spec.Seed))
}

// summaryPath is the file beside the ledger that records its Summary. It is
// written last, so its presence means the history is complete.
func summaryPath(ledger string) string { return ledger + ".summary.json" }

// ErrOtherHistory is returned by Ensure for a path that holds a complete
// history of another spec: replacing it could cost an hour of generation.
var ErrOtherHistory = errors.New("the file holds a history of another spec")

// Ensure returns the history of spec at path, generating it into an
// embedded store there unless a complete one of the same spec exists
// (reused tells which). A partial file (no summary) is replaced; a complete
// history of another spec is refused with ErrOtherHistory.
func Ensure(ctx context.Context, path string, spec Spec) (sum Summary, reused bool, err error) {
	raw, err := os.ReadFile(summaryPath(path))
	switch {
	case err == nil:
		if err := json.Unmarshal(raw, &sum); err != nil {
			return Summary{}, false, fmt.Errorf("%s: %w", summaryPath(path), err)
		}
		if sum.Spec != spec {
			return Summary{}, false, fmt.Errorf("%s: %d events (seed %d), want %d (seed %d): remove it or choose another path: %w",
				path, sum.Spec.Events, sum.Spec.Seed, spec.Events, spec.Seed, ErrOtherHistory)
		}
		if _, err := os.Stat(path); err != nil {
			return Summary{}, false, fmt.Errorf("%s has a summary but no ledger: %w", path, err)
		}
		return sum, true, nil
	case !errors.Is(err, fs.ErrNotExist):
		return Summary{}, false, err
	}
	for _, p := range []string{summaryPath(path), path, path + "-wal", path + "-shm"} {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return Summary{}, false, fmt.Errorf("replace history: %w", err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return Summary{}, false, err
	}
	store, err := embedded.Open(path)
	if err != nil {
		return Summary{}, false, err
	}
	sum, err = Generate(ctx, store, spec)
	if cerr := store.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return Summary{}, false, fmt.Errorf("generate history at %s: %w", path, err)
	}
	raw, err = json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return Summary{}, false, err
	}
	if err := os.WriteFile(summaryPath(path), raw, 0o644); err != nil {
		return Summary{}, false, err
	}
	return sum, false, nil
}
