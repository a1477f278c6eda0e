package projections

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// MismatchHead: the log up to an anchored position does not yield the
// anchored head (domain.NextHead): an event before it was removed, added,
// reordered or altered — a stream's last event included, which no
// stream's chain shows. Position is the anchored position; the detail
// gives the head recomputed there.
const MismatchHead MismatchKind = "head"

// Head anchors the log: the position of its last event, the number of
// events up to it and the head hash chained over them.
type Head struct {
	Position domain.Position `json:"position"`
	Events   uint64          `json:"events"`
	Hash     string          `json:"head_hash"`
}

// String writes h the way ParseHead reads it: position:head_hash.
func (h Head) String() string { return fmt.Sprintf("%d:%s", uint64(h.Position), h.Hash) }

// ErrHeadSyntax: an anchored head that is not position:head_hash.
var ErrHeadSyntax = errors.New("must be position:head_hash, a position above 0 and 64 lowercase hex digits, as GET /v1/audit/head answers")

// ParseHead reads an anchored head written position:head_hash.
//
// Errors: ErrHeadSyntax.
func ParseHead(s string) (Head, error) {
	pos, hash, ok := strings.Cut(s, ":")
	n, err := strconv.ParseUint(pos, 10, 64)
	if !ok || err != nil || n == 0 || len(hash) != 64 || strings.Trim(hash, "0123456789abcdef") != "" {
		return Head{}, ErrHeadSyntax
	}
	return Head{Position: domain.Position(n), Hash: hash}, nil
}

// LogHead reads store's log from its start up to position upTo (0: to its
// end) and returns its head there: the last event at or before upTo, the
// number of events and the head hash. It reads the whole log, in pages.
//
// Errors: store errors and ctx's error.
func LogHead(ctx context.Context, store domain.EventStore, upTo domain.Position) (Head, error) {
	h := Head{Hash: domain.GenesisHead}
	for after := domain.Position(0); ; {
		page, err := store.ReadAll(ctx, after, domain.MaxReadBatch)
		if err != nil {
			return Head{}, fmt.Errorf("read the log after %d: %w", after, err)
		}
		for _, se := range page {
			if upTo != 0 && se.Position > upTo {
				return h, nil
			}
			h.Hash = domain.NextHead(h.Hash, storedHash(se))
			h.Position, h.Events = se.Position, h.Events+1
		}
		if len(page) < domain.MaxReadBatch {
			return h, nil
		}
		after = page[len(page)-1].Position
	}
}

// storedHash is the hash an event's stored metadata carries: the one the
// log holds, which the head chains (an altered event whose hash was left
// alone is the stream chains' to find, a removed one the head's). An event
// without one (never written by the ledger) chains as "".
func storedHash(se domain.StoredEvent) string {
	hash, _ := domain.StoredHash(se.Metadata)
	return hash
}

// CheckHead checks that store's log up to anchor.Position still yields
// anchor.Hash, and records a head mismatch in r when it does not (OK is
// then false).
//
// Errors: store errors and ctx's error.
func (r *VerifyReport) CheckHead(ctx context.Context, store domain.EventStore, anchor Head) error {
	got, err := LogHead(ctx, store, anchor.Position)
	if err != nil {
		return err
	}
	var detail string
	switch {
	case got.Position != anchor.Position:
		detail = fmt.Sprintf("anchored head %s: the log holds no event at position %d (its last event at or before it is at %d, head %s): events were removed",
			anchor, uint64(anchor.Position), uint64(got.Position), got.Hash)
	case got.Hash != anchor.Hash:
		detail = fmt.Sprintf("anchored head %s: the log up to position %d (%d events) yields head %s: an event before it was removed, added, reordered or altered",
			anchor, uint64(anchor.Position), got.Events, got.Hash)
	default:
		return nil
	}
	r.MismatchesFound++
	if len(r.Mismatches) < MaxMismatches {
		r.Mismatches = append(r.Mismatches, Mismatch{Kind: MismatchHead, Position: anchor.Position, Detail: detail})
	} else {
		r.Truncated = true
	}
	r.OK = false
	return nil
}
