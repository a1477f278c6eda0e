package embedded

import (
	"context"
	"errors"
	"fmt"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// probeInterval is how often the writer, while the last write failed for a
// reason that was not the request's (a full disk, a read-only directory),
// tries a write of its own to find out whether the store can write again:
// the service becomes ready again by itself once space is freed, even if
// no client sends a write meanwhile (a load balancer sends none to an
// instance that is not ready).
const probeInterval = time.Second

// classify marks a SQLite error that says the file cannot be written now
// — no space, a read-only file or directory, an I/O error, a lock held too
// long by another process — as domain.ErrStoreUnavailable: none of them is
// the request's fault, and a retry with the same ids is safe. Other errors
// (a damaged file among them) are returned as they are.
func classify(err error) error {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return err
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_FULL, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_CANTOPEN,
		sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_PROTOCOL, sqlite3.SQLITE_NOMEM:
		return fmt.Errorf("%w: %w", domain.ErrStoreUnavailable, err)
	}
	return err
}

// isConstraint reports whether err is SQLite refusing a row by a
// constraint (a unique index): a refusal of the request, after which the
// transaction is intact.
func isConstraint(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code()&0xff == sqlite3.SQLITE_CONSTRAINT
}

// isRequestError reports whether err is a refusal of one request, after
// which the batch goes on without it, rather than a failure of the write.
func isRequestError(err error) bool {
	return errors.Is(err, domain.ErrWrongExpectedVersion) || errors.Is(err, domain.ErrDuplicateEventID) ||
		errors.Is(err, domain.ErrChainBroken)
}

// WriteHealth returns nil while the store can write, and otherwise the
// error of the last failed write or probe (wrapping
// domain.ErrStoreUnavailable). It turns nil again after the next write or
// probe that commits; while it is not nil the writer probes every
// probeInterval. It costs an atomic load: GET /readyz reads it.
func (s *Store) WriteHealth() error {
	if p := s.fault.Load(); p != nil {
		return *p
	}
	return nil
}

// noteWrite records the outcome of a write for WriteHealth: only a failure
// that says the store cannot write counts; a refusal of the request
// itself, or some other failure, says nothing about the disk.
func (s *Store) noteWrite(err error) {
	switch {
	case err == nil:
		s.fault.Store(nil)
	case errors.Is(err, domain.ErrStoreUnavailable):
		s.fault.Store(&err)
	}
}

// CheckWritable makes a write of its own — a commit that rewrites the
// file's schema version with the same value, so it changes nothing but
// goes to disk like an append — and reports whether it succeeded. serve
// calls it at start, so that a data directory that cannot be written is
// refused before anything is served.
//
// Errors: domain.ErrStoreUnavailable (wrapped, with SQLite's reason),
// domain.ErrStoreClosed, ctx errors.
func (s *Store) CheckWritable(ctx context.Context) error {
	reply := make(chan error, 1)
	select {
	case s.probes <- reply:
	case <-s.closing:
		return fmt.Errorf("check the ledger can be written: %w", domain.ErrStoreClosed)
	case <-ctx.Done():
		return fmt.Errorf("check the ledger can be written: %w", ctx.Err())
	}
	select {
	case err := <-reply:
		return err
	case <-ctx.Done():
		return fmt.Errorf("check the ledger can be written: %w", ctx.Err())
	}
}

// probe runs on the writer goroutine: one transaction that rewrites the
// schema version (PRAGMA user_version always writes the header page) and
// commits, through the same connection and disk flush as an append.
func (s *Store) probe() error {
	err := s.w.probe()
	if err != nil {
		err = fmt.Errorf("ledger %s cannot be written: %w", s.path, err)
	}
	s.noteWrite(err)
	return err
}

func (w *writer) probe() error {
	ctx := context.Background()
	if _, err := w.begin.ExecContext(ctx); err != nil {
		return fmt.Errorf("begin: %w", classify(err))
	}
	if _, err := w.conn.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", schemaVersion)); err != nil {
		w.abort(ctx)
		return fmt.Errorf("write: %w", classify(err))
	}
	if _, err := w.commit.ExecContext(ctx); err != nil {
		w.abort(ctx)
		return fmt.Errorf("commit: %w", classify(err))
	}
	return nil
}
