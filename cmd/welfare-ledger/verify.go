package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
)

const verifyUsage = `Usage: welfare-ledger verify [--data DIR] [--store URI] [--head POSITION:HEAD_HASH]

Recomputes every stream's hash chain of the store (<data>/ledger.db, or the
KurrentDB of --store / WL_STORE) and rebuilds every
projection from the log, as GET /v1/audit/verify does. Without a server,
the projections compared with the rebuild are those a start of serve would
build: <data>/projections.ckpt, if there is one, caught up with the log
after it. Prints the report (JSON, as the API answers it) and exits
non-zero when it is not ok. Safe to run while serve runs.

--head checks an anchored head (GET /v1/audit/head, written down earlier):
the log up to its position must still yield it, or the report has a head
mismatch — an event before it removed, added, reordered or altered, a
stream's last event included, even without a checkpoint.
`

// errNoStartup: the log does not fold into the projections a start would
// serve.
var errNoStartup = errors.New("the log does not fold into projections")

// errNotVerified: the report lists mismatches.
var errNotVerified = errors.New("the ledger did not verify")

// verifyCommand is welfare-ledger verify.
func verifyCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("verify", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, verifyUsage) }
	dataDir := fs.String("data", envDefault(getenv, "WL_DATA", "./data"), "data directory holding ledger.db and the projections' checkpoint (env WL_DATA)")
	storeURI := fs.String("store", envDefault(getenv, "WL_STORE", embeddedStore), storeFlagUsage)
	headFlag := fs.String("head", "", "an anchored head, POSITION:HEAD_HASH as GET /v1/audit/head answered it")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "verify: unexpected arguments %q\n\n%s", fs.Args(), verifyUsage)
		return errUsage
	}
	var anchor *projections.Head
	if *headFlag != "" {
		h, err := projections.ParseHead(*headFlag)
		if err != nil {
			fmt.Fprintf(stderr, "verify: --head %q: %v\n", *headFlag, err)
			return errUsage
		}
		anchor = &h
	}
	store, err := openLedgerStore(ctx, *storeURI, *dataDir, storeOptions{mustExist: true})
	if err != nil {
		return err
	}
	defer store.Close()
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))

	start := time.Now()
	var report projections.VerifyReport
	// The store itself, not its wrapper: Verify asks it for what only
	// some stores can do (the embedded one checks its file).
	live, err := startupProjections(ctx, store.EventStore, filepath.Join(*dataDir, checkpointFile), log)
	switch {
	case errors.Is(err, errNoStartup):
		// A start would refuse; what can be checked of the log says why.
		fmt.Fprintf(stderr, "a start would refuse: %v\n", err)
		report, err = projections.VerifyLog(ctx, store.EventStore, nil)
	case err == nil:
		report, err = projections.Verify(ctx, store.EventStore, live, nil)
	}
	if err == nil && anchor != nil {
		err = report.CheckHead(ctx, store.EventStore, *anchor)
	}
	if err != nil {
		return err
	}
	out, err := json.MarshalIndent(report, "", "  ")
	if err != nil {
		return fmt.Errorf("encode the report: %w", err)
	}
	if _, err := fmt.Fprintf(stdout, "%s\n", out); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "verified %d events of %d streams up to position %d in %v\n",
		report.EventsChecked, report.StreamsChecked, report.Position, time.Since(start).Round(time.Millisecond))
	if report.VoidEventsFound > 0 {
		fmt.Fprintf(stderr, "%d void events (landed after a close of their year began; they count nowhere): see void_events\n",
			report.VoidEventsFound)
	}
	if !report.OK {
		return fmt.Errorf("%w: %d mismatches", errNotVerified, report.MismatchesFound)
	}
	return nil
}

// startupProjections returns the projections serve would start with: the
// checkpoint at path, if any, caught up with store's log. Unlike
// projections.Load it never removes a temporary checkpoint file (a running
// server may be writing one) and does not fall back to a replay: a
// checkpoint that does not fit the log is what verify is there to report
// (a history mismatch when the log lacks events it was built from).
func startupProjections(ctx context.Context, store domain.EventStore, path string, log *slog.Logger) (*projections.Projections, error) {
	live := projections.New()
	f, err := os.Open(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return nil, fmt.Errorf("open the projections checkpoint: %w", err)
	default:
		live, err = projections.ReadCheckpoint(bufio.NewReaderSize(f, 1<<20))
		f.Close()
		if errors.Is(err, projections.ErrCheckpointFormat) {
			// A start replays the log in its place, and writes one of
			// this format at its stop.
			log.Warn("projections checkpoint of another format: comparing with a replay of the log, as a start would serve", "path", path, "err", err)
			live, err = projections.New(), nil
		}
		if err != nil {
			return nil, fmt.Errorf("read the projections checkpoint %s: %w", path, err)
		}
	}
	// Run catches up, marks the projections ready, then follows the log:
	// stop it once it is ready.
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() { done <- projections.Run(runCtx, store, live, log) }()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for !live.Ready() {
		select {
		case err := <-done:
			return nil, fmt.Errorf("catch the projections up with the log: %w: %w", errNoStartup, err)
		case <-tick.C:
		}
	}
	stop()
	<-done
	return live, nil
}
