package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// scanChunkSize is the size of the buffers that hold the data and metadata
// of the events of one read: one allocation per chunk instead of two per
// event. An event larger than a chunk gets a buffer of its own.
const scanChunkSize = 64 << 10

// readStatements are prepared on the read pool; database/sql prepares each
// once per connection and reuses it.
type readStatements struct {
	all, stream *sql.Stmt
}

const eventColumns = "position, stream, revision, event_id, type, data, metadata"

// prepareReads prepares the read statements on db.
func prepareReads(ctx context.Context, db *sql.DB) (*readStatements, error) {
	all, err := db.PrepareContext(ctx,
		"SELECT "+eventColumns+" FROM events WHERE position > ? ORDER BY position LIMIT ?")
	if err != nil {
		return nil, fmt.Errorf("prepare read all: %w", err)
	}
	stream, err := db.PrepareContext(ctx,
		"SELECT "+eventColumns+" FROM events WHERE stream = ? AND revision >= ? ORDER BY revision LIMIT ?")
	if err != nil {
		all.Close()
		return nil, fmt.Errorf("prepare read stream: %w", err)
	}
	return &readStatements{all: all, stream: stream}, nil
}

// close closes the read statements.
func (r *readStatements) close() error {
	return errors.Join(r.all.Close(), r.stream.Close())
}

// ReadStream returns up to max (at most domain.MaxReadBatch) events of
// stream with revision >= from, in revision order. An unknown stream, a max
// of zero or less, or a from beyond the stream read as empty. Errors:
// domain.ErrStoreClosed, domain.ErrStoreUnavailable, ctx errors, SQLite
// errors.
func (s *Store) ReadStream(ctx context.Context, stream string, from uint64, max int) ([]domain.StoredEvent, error) {
	events, err := s.read(ctx, s.reads.stream, max, from > math.MaxInt64, stream, int64(from))
	if err != nil {
		return nil, fmt.Errorf("read stream %s from %d: %w", stream, from, err)
	}
	return events, nil
}

// ReadAll returns up to max (at most domain.MaxReadBatch) events with
// position > after, in log order. A max of zero or less reads as empty.
// Errors: domain.ErrStoreClosed, domain.ErrStoreUnavailable, ctx errors,
// SQLite errors.
//
// The events' Data and Metadata share buffers with neighbouring events of
// the same read (capped slices, so appending to one never overwrites
// another); keeping one event keeps its buffer alive.
func (s *Store) ReadAll(ctx context.Context, after domain.Position, max int) ([]domain.StoredEvent, error) {
	events, err := s.read(ctx, s.reads.all, max, after > math.MaxInt64, int64(after))
	if err != nil {
		return nil, fmt.Errorf("read all after %d: %w", after, err)
	}
	return events, nil
}

// read runs a read statement with args followed by the page limit. beyond
// says the start is past any position or revision SQLite can hold.
func (s *Store) read(ctx context.Context, stmt *sql.Stmt, max int, beyond bool, args ...any) ([]domain.StoredEvent, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.isClosing() {
		return nil, domain.ErrStoreClosed
	}
	limit := min(max, domain.MaxReadBatch)
	if limit <= 0 || beyond {
		return nil, nil
	}
	rows, err := stmt.QueryContext(ctx, append(args, limit)...)
	if err != nil {
		return nil, s.readError(err)
	}
	events, err := scanEvents(rows, limit)
	if err != nil {
		return nil, s.readError(err)
	}
	return events, nil
}

// readError reports a failure caused by Close as domain.ErrStoreClosed,
// and one that says the file cannot be read now (an I/O error, a lock held
// beyond the busy timeout) as domain.ErrStoreUnavailable: a write that
// loads its fund first answers it 503, not 500.
func (s *Store) readError(err error) error {
	if s.isClosing() {
		return fmt.Errorf("%w: %w", domain.ErrStoreClosed, err)
	}
	return classify(err)
}

// scanEvents reads up to limit rows of eventColumns and closes rows.
func scanEvents(rows *sql.Rows, limit int) ([]domain.StoredEvent, error) {
	defer rows.Close()
	var (
		events   = make([]domain.StoredEvent, 0, min(limit, 256))
		chunk    []byte
		position int64
		revision int64
		stream   string
		typ      string
		// RawBytes are reused from row to row; their contents are copied
		// before the next Scan.
		id, data, metadata sql.RawBytes
	)
	for rows.Next() {
		if err := rows.Scan(&position, &stream, &revision, &id, &typ, &data, &metadata); err != nil {
			return nil, fmt.Errorf("scan event: %w", err)
		}
		eventID, err := uuid.ParseBytes(id)
		if err != nil {
			return nil, fmt.Errorf("event at position %d has a malformed id %q: %w", position, id, err)
		}
		if position <= 0 || revision < 0 {
			return nil, fmt.Errorf("event at position %d has revision %d: malformed row", position, revision)
		}
		need := len(data) + len(metadata)
		if cap(chunk)-len(chunk) < need {
			chunk = make([]byte, 0, max(scanChunkSize, need))
		}
		start := len(chunk)
		chunk = append(chunk, data...)
		mid := len(chunk)
		chunk = append(chunk, metadata...)
		end := len(chunk)
		events = append(events, domain.StoredEvent{
			Position: domain.Position(position),
			Stream:   stream,
			Revision: uint64(revision),
			ID:       eventID,
			Type:     typ,
			Data:     chunk[start:mid:mid],
			Metadata: chunk[mid:end:end],
		})
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return events, nil
}
