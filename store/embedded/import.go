package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"math"
	"net/url"
	"path/filepath"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

var _ domain.LogImporter = (*Store)(nil)

// importCacheKiB is the page cache of an import's connection. One
// transaction writes the whole log, and the (stream, revision) index takes
// its rows in stream order, all over the file: with SQLite's default 2 MiB
// most inserts read an index page back from the operating system.
const importCacheKiB = 64 << 10

// ImportLog writes a whole log into the store, which must hold no event, in
// one transaction: the events next returns (io.EOF after the last), each
// at its own position, stream and revision, so that an export of the
// imported ledger is byte for byte the export it came from. Until the
// commit nobody sees any of it, and on any error the transaction is rolled
// back: the file is as it was, empty and usable.
//
// It runs on a connection of its own rather than through the writer, whose
// group commits number positions themselves: BEGIN IMMEDIATE takes the
// file's write lock first, so the emptiness it checks holds until the
// commit, and an Append that comes meanwhile — from this Store or another
// process — waits for the lock (busyTimeout) or fails; nothing of it is
// lost or mixed in. The store checks only what it must hold: positions
// growing, an event's size, names and JSON as Append checks them; the
// caller checks the log itself (domain.LogChecker).
//
// Errors: see domain.LogImporter; ErrInvalidAppend for an event Append
// would refuse as malformed. An event the store refuses comes wrapped in
// an *ImportEventError that gives its number in the import.
func (s *Store) ImportLog(ctx context.Context, next func() (domain.StoredEvent, error)) (int, error) {
	if s.isClosing() {
		return 0, domain.ErrStoreClosed
	}
	n, last, err := s.importLog(ctx, next)
	if err != nil {
		return 0, fmt.Errorf("import into %s: %w", s.path, err)
	}
	if n > 0 {
		s.head.Store(uint64(last))
		s.broadcastCommit()
	}
	return n, nil
}

func (s *Store) importLog(ctx context.Context, next func() (domain.StoredEvent, error)) (n int, last domain.Position, err error) {
	abs, err := filepath.Abs(s.path)
	if err != nil {
		return 0, 0, err
	}
	db, err := sql.Open("sqlite", dsn(abs, url.Values{
		"_pragma": {
			fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()),
			"synchronous(FULL)",
			fmt.Sprintf("cache_size(-%d)", importCacheKiB),
		},
	}))
	if err != nil {
		return 0, 0, err
	}
	defer db.Close()
	conn, err := db.Conn(ctx)
	if err != nil {
		return 0, 0, err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "BEGIN IMMEDIATE"); err != nil {
		return 0, 0, fmt.Errorf("begin: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			// The import's own error says why; SQLite may already have
			// rolled back by itself.
			_, _ = conn.ExecContext(context.WithoutCancel(ctx), "ROLLBACK")
		}
	}()
	var found bool
	if err := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM events)").Scan(&found); err != nil {
		return 0, 0, fmt.Errorf("look for events: %w", err)
	}
	if found {
		return 0, 0, domain.ErrLedgerNotEmpty
	}
	ins, err := prepareImportInserts(ctx, conn)
	if err != nil {
		return 0, 0, err
	}
	defer ins.close()
	batch := make([]importRow, 0, importRows)
	for {
		se, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return 0, 0, err
		}
		ids, err := checkImported(se, last)
		if err != nil {
			return 0, 0, &ImportEventError{Event: n + len(batch) + 1, Err: err}
		}
		batch = append(batch, importRow{se, ids[0]})
		last = se.Position
		if len(batch) == importRows {
			if err := ins.insert(ctx, conn, batch, n); err != nil {
				return 0, 0, err
			}
			n, batch = n+len(batch), batch[:0]
		}
	}
	if err := ins.insert(ctx, conn, batch, n); err != nil {
		return 0, 0, err
	}
	n += len(batch)
	if _, err := conn.ExecContext(ctx, "COMMIT"); err != nil {
		return 0, 0, fmt.Errorf("commit: %w", err)
	}
	committed = true
	return n, last, nil
}

// checkImported refuses an event the file cannot hold as Append would
// write it, and returns its id as text, as validateAppend does.
func checkImported(se domain.StoredEvent, last domain.Position) ([]string, error) {
	switch {
	case se.Position <= last || se.Position > math.MaxInt64:
		return nil, fmt.Errorf("event %s at position %d after position %d: positions must grow: %w", se.ID, se.Position, last, ErrInvalidAppend)
	case se.Revision > math.MaxInt64:
		return nil, fmt.Errorf("event %s at revision %d: %w", se.ID, se.Revision, ErrInvalidAppend)
	}
	return validateAppend(se.Stream, domain.ExpectNoStream, []domain.NewEvent{{ID: se.ID, Type: se.Type, Data: se.Data, Metadata: se.Metadata}})
}

// ImportEventError is an event of an import that the store refused:
// Event is its number among the events of the import, from 1 (an
// exported file's line number). The store inserts events importRows at a
// time, so it has taken events from next beyond the one it refuses.
type ImportEventError struct {
	Event int
	Err   error
}

func (e *ImportEventError) Error() string {
	return fmt.Sprintf("event %d of the import: %v", e.Event, e.Err)
}
func (e *ImportEventError) Unwrap() error { return e.Err }

// explainImportError turns a failed insert into the port's error, asking
// the data which unique index refused it.
func explainImportError(ctx context.Context, conn *sql.Conn, se domain.StoredEvent, id string, err error) error {
	var idTaken, revisionTaken bool
	qerr := conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM events WHERE event_id = ?)", id).Scan(&idTaken)
	if qerr == nil {
		qerr = conn.QueryRowContext(ctx, "SELECT EXISTS (SELECT 1 FROM events WHERE stream = ? AND revision = ?)", se.Stream, int64(se.Revision)).Scan(&revisionTaken)
	}
	switch {
	case qerr != nil:
		return fmt.Errorf("insert the event at position %d: %w", se.Position, errors.Join(err, qerr))
	case idTaken:
		return fmt.Errorf("event id %s at position %d already imported: %w", id, se.Position, domain.ErrDuplicateEventID)
	case revisionTaken:
		return fmt.Errorf("%s@%d at position %d already imported: %w", se.Stream, se.Revision, se.Position, domain.ErrWrongExpectedVersion)
	}
	return fmt.Errorf("insert the event at position %d: %w", se.Position, err)
}
