package projections

import (
	"context"
	"crypto/sha256"
	"encoding"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// The projections remember the history they were built from, so that a
// log that lost events after they were applied (a row deleted with
// sqlite3, an older backup restored under a newer checkpoint) is never
// served as if nothing had happened:
//
//   - the position and the id and hash of the last event applied, and the
//     position of the event before it, so that a start can read that one
//     event back (a read after the previous position, which works on a log
//     whose positions are not contiguous, as KurrentDB's are not);
//   - a digest of every event applied: SHA-256 over each event's position
//     and hash, in log order. A verification recomputes it from the log up
//     to the same position, so that an event removed, inserted or replaced
//     anywhere before the last one shows too.
//
// A checkpoint carries all of it (format 4).

// ErrHistoryMissing: the log does not hold the history the projections
// (a checkpoint) were built from. See HistoryError.
var ErrHistoryMissing = errors.New("the log does not hold the history the projections were built from")

// HistoryError says how a log differs from the history of a checkpoint:
// it ends before the checkpoint's last event (LogEnd < Position), or holds
// another event there. It wraps ErrHistoryMissing.
type HistoryError struct {
	// Position, EventID and Hash are the checkpoint's last event.
	Position domain.Position
	EventID  uuid.UUID
	Hash     string
	// LogEnd is the position of the log's last event (0: the log is
	// empty).
	LogEnd domain.Position
	// Found describes what the log holds where the checkpoint's last
	// event should be, when it holds something else.
	Found string
}

// Shortened reports whether the log ends before the checkpoint's last
// event.
func (e *HistoryError) Shortened() bool { return e.LogEnd < e.Position }

func (e *HistoryError) Error() string {
	if e.Shortened() {
		return fmt.Sprintf("the checkpoint was taken after event %s at position %d, but the log ends at position %d: "+
			"events the service had recorded and applied are missing from the log (deleted, or an older backup restored)",
			e.EventID, e.Position, e.LogEnd)
	}
	return fmt.Sprintf("the checkpoint was taken after event %s (hash %.12s…) at position %d, but the log holds %s there "+
		"(the log ends at position %d): the log was rewritten, or is another ledger's",
		e.EventID, e.Hash, e.Position, e.Found, e.LogEnd)
}

func (e *HistoryError) Unwrap() error { return ErrHistoryMissing }

// addHistory folds the event at pos with the given hash into p's history,
// under the write lock.
func (p *Projections) addHistory(pos domain.Position, hash string) {
	p.histBuf = binary.BigEndian.AppendUint64(p.histBuf[:0], uint64(pos))
	p.histBuf = binary.AppendUvarint(p.histBuf, uint64(len(hash)))
	p.histBuf = append(p.histBuf, hash...)
	p.history.Write(p.histBuf)
}

// historyState returns the state of p's history digest, which a checkpoint
// stores so that a load goes on folding into it, and the digest itself.
func (p *Projections) historyState() (state []byte, sum string) {
	state, err := p.history.(encoding.BinaryMarshaler).MarshalBinary()
	if err != nil {
		// crypto/sha256 marshals its state without fail.
		panic(fmt.Sprintf("projections: marshal the history digest: %v", err))
	}
	return state, hex.EncodeToString(p.history.Sum(nil))
}

// setHistoryState restores a state of historyState.
func (p *Projections) setHistoryState(state []byte) error {
	h := sha256.New()
	if err := h.(encoding.BinaryUnmarshaler).UnmarshalBinary(state); err != nil {
		return err
	}
	p.history = h
	return nil
}

// compareHistory reports, as a ledger-wide mismatch, a log that does not hold the
// history the live projections were built from: it ends before their
// position, or its events up to it are not those they applied. The figures
// compareSnapshots reports then say what the missing events changed.
func (v *verifier) compareHistory(live, log *ckptSnapshot) {
	switch {
	case live.pos != log.pos:
		v.add(Mismatch{Kind: MismatchHistory, Position: live.pos, Detail: fmt.Sprintf(
			"the projections were built from the log up to position %d, but the log up to that position ends at position %d: "+
				"events they applied are missing from the log (deleted, or an older backup restored)", live.pos, log.pos)})
	case live.historySum != log.historySum:
		v.add(Mismatch{Kind: MismatchHistory, Position: live.pos, Detail: fmt.Sprintf(
			"the log up to position %d is not the history the projections were built from (digest %.12s…, recomputed from the log %.12s…): "+
				"an event was removed, inserted or replaced", live.pos, live.historySum, log.historySum)})
	}
}

// header is a store that knows the position of its log's last event
// (the embedded store).
type header interface{ Head() domain.Position }

// checkTail checks that store's log holds the event p was last fed, at
// its position. It returns a *HistoryError when it does not, Decode's
// error when it holds that event altered so that it no longer decodes, and
// store's errors.
func (p *Projections) checkTail(ctx context.Context, store domain.EventStore) error {
	if p.pos == 0 {
		return nil
	}
	evs, err := store.ReadAll(ctx, p.prevPos, 1)
	if err != nil {
		return err
	}
	if len(evs) == 1 && evs[0].Position == p.pos {
		e, err := domain.Decode(evs[0])
		if err == nil && e.Meta.EventID == p.lastID && e.Meta.Hash == p.lastHash {
			return nil
		}
		if err != nil && evs[0].ID == p.lastID {
			// The event is there but was altered so that it breaks the
			// rules of its type: no history is missing, and no replay
			// would fold it either.
			return fmt.Errorf("the checkpoint's last event: %w", err)
		}
		found := fmt.Sprintf("event %s", evs[0].ID)
		if err != nil {
			found += fmt.Sprintf(", which does not decode (%v)", err)
		} else {
			found += fmt.Sprintf(" (hash %.12s…)", e.Meta.Hash)
		}
		end, err := logEnd(ctx, store, p.pos)
		if err != nil {
			return err
		}
		return &HistoryError{Position: p.pos, EventID: p.lastID, Hash: p.lastHash, LogEnd: end, Found: found}
	}
	hist := &HistoryError{Position: p.pos, EventID: p.lastID, Hash: p.lastHash}
	if len(evs) == 1 {
		// An event where none was before the checkpoint's last.
		hist.Found = fmt.Sprintf("event %s at position %d after the checkpoint's previous position %d", evs[0].ID, evs[0].Position, p.prevPos)
	}
	if hist.LogEnd, err = logEnd(ctx, store, 0); err != nil {
		return err
	}
	if !hist.Shortened() && hist.Found == "" {
		hist.Found = "no event"
	}
	return hist
}

// logEnd returns the position of the last event of store's log, read from
// the store when it knows it, else by reading the log after from.
func logEnd(ctx context.Context, store domain.EventStore, from domain.Position) (domain.Position, error) {
	if h, ok := store.(header); ok {
		return h.Head(), nil
	}
	end := from
	for {
		batch, err := store.ReadAll(ctx, end, domain.MaxReadBatch)
		if err != nil {
			return 0, err
		}
		if len(batch) == 0 {
			return end, nil
		}
		end = batch[len(batch)-1].Position
	}
}

// SetAsideCheckpoint renames the checkpoint file at path to a name of its
// own beside it, never taken before (path.rejected-<UTC time>[-n]), and
// returns that name: what a start refused to load stays as evidence, and
// no later checkpoint overwrites it. Errors: the file system's.
func SetAsideCheckpoint(path string, now time.Time) (string, error) {
	base := path + ".rejected-" + now.UTC().Format("20060102T150405Z")
	for n := 0; n < maxAsideNames; n++ {
		aside := base
		if n > 0 {
			aside = fmt.Sprintf("%s-%d", base, n)
		}
		// A hard link never replaces an existing file, as a rename would.
		err := os.Link(path, aside)
		if errors.Is(err, os.ErrExist) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("set the checkpoint %s aside: %w", path, err)
		}
		if err := os.Remove(path); err != nil {
			return "", fmt.Errorf("set the checkpoint %s aside: %w", path, err)
		}
		if d, err := os.Open(filepath.Dir(path)); err == nil {
			err = d.Sync()
			d.Close()
			if err != nil {
				return "", fmt.Errorf("set the checkpoint %s aside: sync directory: %w", path, err)
			}
		}
		return aside, nil
	}
	return "", fmt.Errorf("set the checkpoint %s aside: %d files named %s… exist already", path, maxAsideNames, base)
}

// maxAsideNames bounds the names SetAsideCheckpoint tries within one
// second.
const maxAsideNames = 100
