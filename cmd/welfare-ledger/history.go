package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
)

// errHistoryMissing: serve refused to start because the log lacks events
// the projections checkpoint was built from.
var errHistoryMissing = errors.New("refusing to start")

// loadProjections loads the projections a start serves (projections.Load).
// A checkpoint whose history the log no longer holds — the newest events
// deleted, an older backup restored, another ledger's file — is evidence
// of lost or removed history, acknowledged writes among it: the start is
// refused, saying what is missing and how to go on, and the checkpoint is
// left untouched. With accept (the operator's deliberate decision,
// --accept-shortened-log) the checkpoint is set aside under a name no
// later checkpoint takes, the decision is logged with what was lost and
// written beside it (<aside>.txt), and the log is replayed as it is.
func loadProjections(ctx context.Context, store domain.EventStore, path string, accept bool, log *slog.Logger) (*projections.Projections, error) {
	proj, err := projections.Load(ctx, store, path, log)
	var hist *projections.HistoryError
	if !errors.As(err, &hist) {
		return proj, err
	}
	if !accept {
		return nil, fmt.Errorf("%w: %w.\n"+
			"The checkpoint %s is the evidence of that history and is left as it is. "+
			"Restore the ledger file from a backup that holds the events up to position %d and start again; "+
			"or, to serve the log as it is, start once with --accept-shortened-log: "+
			"the checkpoint is then kept beside it as %s.rejected-<time> and the decision is logged",
			errHistoryMissing, err, path, hist.Position, path)
	}
	now := time.Now()
	aside, err := projections.SetAsideCheckpoint(path, now)
	if err != nil {
		return nil, err
	}
	// The decision stays beside the evidence, where logs may not.
	note := fmt.Sprintf("At %s a start of welfare-ledger serve with --accept-shortened-log set this checkpoint aside and replayed the log as it was.\n"+
		"Checkpoint: position %d, event %s, hash %s.\nLog: last position %d.\n%s.\n",
		now.UTC().Format(time.RFC3339), hist.Position, hist.EventID, hist.Hash, hist.LogEnd, hist.Error())
	if err := os.WriteFile(aside+".txt", []byte(note), 0o600); err != nil {
		return nil, fmt.Errorf("record the decision beside %s: %w", aside, err)
	}
	log.Error("operator accepted a log that lacks history the service had applied (--accept-shortened-log): the checkpoint is kept aside and the log replayed as it is",
		"checkpoint_position", uint64(hist.Position), "checkpoint_event", hist.EventID.String(), "log_end", uint64(hist.LogEnd),
		"shortened", hist.Shortened(), "checkpoint_kept_as", aside, "reason", hist.Error())
	return projections.Load(ctx, store, path, log)
}
