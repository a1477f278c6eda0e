package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"time"

	"github.com/welfare-ledger/welfare-ledger/api"
	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
)

const replayUsage = `Usage: welfare-ledger replay [--data DIR | --store URI] [--as-of YYYY-MM-DD] [--known-at RFC3339] [--unit UNIT] [--json]

Rebuilds every projection from the log of <data>/ledger.db, from its first
event (no checkpoint is read), and prints the funds opened by --as-of
(default: today in Vietnam) with their figures at the end of that day:
unit, fund name and the first 8 characters of its id, kind, balance, loans
outstanding, persons (người) and times (lượt), amounts written the
Vietnamese way (1.027.000.000 ₫). --unit keeps the funds of that unit and
the units under it. --json prints {"items": [...], "next_cursor": null}
with each fund's summary exactly as GET /v1/funds/{fund_id}?as_of= answers
it (without --as-of, exactly what GET /v1/funds answers today).
--known-at counts only the events recorded by that instant, as the API's
known_at does (--json then echoes it): what the ledger said then about
--as-of. Progress goes to stderr. Safe to run while serve runs.
`

// replayPoll is how often replay looks at the projections' progress while
// they catch up with the log.
const replayPoll = 20 * time.Millisecond

// replayCommand is welfare-ledger replay.
func replayCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	flags := newFlagSet("replay", stderr)
	flags.Usage = func() { fmt.Fprint(stderr, replayUsage) }
	dataDir := flags.String("data", envDefault(getenv, "WL_DATA", "./data"), "data directory holding ledger.db (env WL_DATA)")
	storeURI := flags.String("store", envDefault(getenv, "WL_STORE", embeddedStore), storeFlagUsage)
	asOfText := flags.String("as-of", "", "business date YYYY-MM-DD: the figures at the end of it (default today)")
	unitText := flags.String("unit", "", "only the funds of this unit and the units under it")
	knownAtText := flags.String("known-at", "", "RFC 3339 instant: only the events recorded by then (default now)")
	asJSON := flags.Bool("json", false, "print the fund summaries as the API's JSON")
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if flags.NArg() != 0 {
		fmt.Fprintf(stderr, "replay: unexpected arguments %q\n\n%s", flags.Args(), replayUsage)
		return errUsage
	}
	asOf := domain.DateOf(time.Now())
	if *asOfText != "" {
		d, err := domain.ParseDate(*asOfText)
		if err != nil {
			fmt.Fprintf(stderr, "replay: --as-of %q: %v\n", *asOfText, err)
			return errUsage
		}
		asOf = d
	}
	var known projections.Known
	var knownAt *time.Time
	if *knownAtText != "" {
		at, err := time.Parse(time.RFC3339Nano, *knownAtText)
		if err != nil {
			fmt.Fprintf(stderr, "replay: --known-at %q: must be an RFC 3339 instant with a time and an offset, e.g. 2024-03-31T17:00:00Z\n", *knownAtText)
			return errUsage
		}
		at = at.UTC()
		knownAt = &at
		if !at.After(time.Now()) {
			// A later instant answers as now, as the API's does.
			known = projections.KnownAt(at)
		}
	}
	var unit domain.UnitID
	if *unitText != "" {
		u, err := domain.ParseUnitID(*unitText)
		if err != nil {
			fmt.Fprintf(stderr, "replay: --unit %q: %v\n", *unitText, err)
			return errUsage
		}
		unit = u
	}
	opened, err := openLedgerStore(ctx, *storeURI, *dataDir, storeOptions{mustExist: true})
	if err != nil {
		return err
	}
	defer opened.Close()
	store := opened.EventStore

	proj, err := replayLog(ctx, store, newProgress(stderr, "replay"))
	if err != nil {
		return err
	}
	if unit != "" {
		if _, found := proj.UnitKnown(unit, known); !found {
			return fmt.Errorf("replay: unit %q is not in the ledger", unit)
		}
	}
	funds := fundsOpenedBy(proj, unit, asOf, known)
	if *asOfText != "" {
		addBreakdowns(proj, funds, asOf, known)
	}
	if *asJSON {
		b, err := api.AppendFundList(nil, funds, knownAt)
		if err != nil {
			return err
		}
		_, err = stdout.Write(b)
		return err
	}
	if knownAt != nil {
		fmt.Fprintf(stdout, "as the ledger knew it at %s: ", knownAt.Format(time.RFC3339Nano))
	}
	return writeFundTable(stdout, funds, asOf, proj.Position())
}

// replayLog folds the whole log of store into new projections, showing
// progress, and returns them once they have caught up with the log's end.
// The figures are then asked of the projections (fundsOpenedBy), not of
// the fold, so that --known-at (only the events recorded by then) is the
// API's own known_at query, as --as-of is its as_of.
func replayLog(ctx context.Context, store domain.EventStore, prog *progress) (*projections.Projections, error) {
	end := domain.Position(0)
	if h, ok := store.(logHead); ok {
		end = h.Head()
	}
	proj := projections.New()
	// Run catches up, marks the projections ready, then follows the log:
	// it is stopped once ready.
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan error, 1)
	go func() {
		done <- projections.Run(runCtx, store, proj, slog.New(slog.DiscardHandler))
	}()
	tick := time.NewTicker(replayPoll)
	defer tick.Stop()
	for !proj.Ready() {
		select {
		case err := <-done:
			prog.fail()
			return nil, fmt.Errorf("replay the log: %w", err)
		case <-tick.C:
			pos := proj.Position()
			prog.update(uint64(pos), fractionOf(pos, end))
		}
	}
	stop()
	<-done
	prog.done(uint64(proj.Position()))
	return proj, nil
}

// addBreakdowns gives each of funds its breakdown at the end of asOf, so
// that each is the summary GET /v1/funds/{id}?as_of= answers (a list's
// items have none).
func addBreakdowns(proj *projections.Projections, funds []projections.FundSummary, asOf domain.Date, known projections.Known) {
	for i := range funds {
		if s, ok := proj.FundSummaryKnown(funds[i].FundID, asOf, known); ok {
			funds[i].Breakdown = s.Breakdown
		}
	}
}

// fundsOpenedBy returns the summaries at the end of asOf of the funds of
// unit's subtree (all funds when unit is empty) opened on or before asOf,
// in the order they were opened, as known at known (the zero Known: now).
func fundsOpenedBy(proj *projections.Projections, unit domain.UnitID, asOf domain.Date, known projections.Known) []projections.FundSummary {
	all, _ := proj.FundsKnown(projections.FundFilter{Unit: unit}, asOf, 0, math.MaxInt, known)
	funds := all[:0]
	for _, f := range all {
		if f.OpenedOn <= asOf {
			funds = append(funds, f)
		}
	}
	return funds
}
