package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// # Importing into a store without a log import (KurrentDB)
//
// KurrentDB has no transaction over several streams and numbers positions
// itself, so an import there cannot be the embedded store's one
// all-or-nothing transaction (domain.LogImporter). What it is instead:
//
//  1. The whole file is read and checked first (every line as the embedded
//     import checks it, domain.LogChecker), before anything is written: a
//     bad line stops the import with its number and the store is untouched.
//  2. The file is read again and its events are appended in the file's
//     order, each at its own stream and revision with an exact expected
//     revision and its own event id, consecutive events of one stream
//     together (at most domain.MaxEventsPerAppend and importAppendBytes
//     per append). Each append is atomic; the import as a whole is not.
//  3. An import that stops half-way (the server went away, the process
//     was killed) leaves exactly the file's first k events. Running the
//     same import again finds them, checks that they are, event by event
//     and byte for byte, the file's first k lines, and appends the rest:
//     the import resumes. A ledger holding anything else — another file's
//     events, an event written by a server meanwhile — is refused, and
//     nothing is written.
//  4. At the end it counts the ledger's events after the import's start:
//     each append was read back by the adapter, so an event another
//     writer slipped in is the one way the store can differ from the file,
//     and it fails the import (errImportStopped) instead of passing.
//
// Positions: the server gives each event its own (a commit position in
// $all), so the positions of the file are not kept; the order of the log
// is. An export of the imported ledger is the file with other positions:
// every other field of every line, and the order of the lines, are the
// same bytes.

// importAppendBytes bounds the data and metadata of one append of an
// import: below KurrentDB's default MaxAppendSize (1 MiB per append
// request), so a server with the default settings takes every append. An
// event is at most domain.MaxEventSize, well below it.
const importAppendBytes = 512 << 10

// errImportStopped: the store refused an append of an import after some of
// the file's events were written; the error says how many are there.
var errImportStopped = errors.New("import stopped half-way")

// errResumable marks an import stopped by the store after some of its
// events were written: running it again resumes it.
var errResumable = errors.New("run the same import again to resume it: it checks the events already written and appends the rest")

// appendImport imports the file name into store through Append and
// returns how many events it wrote and how many it found already written
// by an earlier run of the same import. stdin cannot be imported this way:
// it is read twice.
//
// Errors: errImportRefused, while nothing of the file is in the store,
// wrapped with a *lineError (a bad line, or the first append refused) or
// with domain.ErrLedgerNotEmpty (the store holds events that are not the
// file's first lines); errImportStopped when the store refused an append
// after some of the file's events were written (with a *lineError), or
// another writer wrote while importing; errResumable with the store's
// error when it became unavailable (the same import run again resumes);
// open and read errors.
func appendImport(ctx context.Context, store domain.EventStore, name string, prog *progress) (written, resumed int, err error) {
	if name == "-" {
		return 0, 0, fmt.Errorf("%w: this store takes an import in two passes over the file (check, then write): give a file, not stdin", errImportRefused)
	}
	total, err := checkImportFile(ctx, name)
	if err != nil {
		prog.fail()
		return 0, 0, err
	}
	w := &importWriter{ctx: ctx, store: store, existing: &ledgerCursor{store: store}}
	err = eachImportLine(ctx, name, func(line int, se domain.StoredEvent) error {
		if err := w.take(line, se); err != nil {
			return err
		}
		if line%domain.MaxReadBatch == 0 {
			prog.update(uint64(line), float64(line)/float64(max(total, 1)))
		}
		return nil
	})
	if err == nil {
		err = w.finish()
	}
	if err != nil {
		prog.fail()
		return w.written, w.resumed, err
	}
	prog.done(uint64(total))
	return w.written, w.resumed, nil
}

// checkImportFile reads and checks every line of the file name without
// writing anything, and returns how many events it holds.
func checkImportFile(ctx context.Context, name string) (int, error) {
	n := 0
	err := eachImportLine(ctx, name, func(int, domain.StoredEvent) error { n++; return nil })
	if err != nil {
		return 0, err
	}
	return n, nil
}

// eachImportLine reads and checks the lines of the file name (readLines)
// and calls fn with each event and its line number, in order. A bad line
// is errImportRefused wrapped with its *lineError; fn's error is returned
// as it is.
func eachImportLine(ctx context.Context, name string, fn func(line int, se domain.StoredEvent) error) error {
	in, _, err := openImportFile(name)
	if err != nil {
		return err
	}
	defer in.Close()
	ctx, cancel := context.WithCancel(ctx)
	batches := make(chan checkedBatch, importReadAhead)
	go func() {
		defer close(batches)
		readLines(ctx, in, batches, new(atomic.Int64))
	}()
	defer func() {
		cancel()
		for range batches { // the reader has stopped once this ends
		}
	}()
	line := 0
	for b := range batches {
		if b.err != nil {
			var le *lineError
			switch {
			case errors.Is(b.err, io.EOF):
				return nil
			case errors.As(b.err, &le):
				return fmt.Errorf("%w: %w", errImportRefused, le)
			}
			return b.err
		}
		for _, se := range b.events {
			line++
			if err := fn(line, se); err != nil {
				return err
			}
		}
	}
	return ctx.Err()
}

// importWriter appends a checked log to a store, after the events an
// earlier run of the same import wrote.
type importWriter struct {
	ctx      context.Context
	store    domain.EventStore
	existing *ledgerCursor
	// appending is set once the file has gone past what the store held;
	// startAfter is then the position of the store's last event.
	appending  bool
	startAfter domain.Position
	// group is the events waiting to be appended together (one stream,
	// consecutive revisions), from line firstLine on.
	group      []domain.NewEvent
	groupBytes int
	groupOf    domain.StoredEvent // the group's first event
	firstLine  int

	written, resumed int
}

// take handles the event of one line: compares it with the store's event
// at the same place while the store has one, else queues it for
// appending.
func (w *importWriter) take(line int, se domain.StoredEvent) error {
	if !w.appending {
		have, ok, err := w.existing.next(w.ctx)
		if err != nil {
			return fmt.Errorf("%w: read the ledger already in the store: %w", errImportRefused, err)
		}
		if ok {
			if !sameEvent(have, se) {
				return fmt.Errorf("%w: %w: its event %d (%s@%d, %s) is not line %d of the file (%s@%d, %s): import loads a log into a new ledger only, or resumes an interrupted import of the same file",
					errImportRefused, domain.ErrLedgerNotEmpty, line, have.Stream, have.Revision, have.ID, line, se.Stream, se.Revision, se.ID)
			}
			w.resumed++
			return nil
		}
		w.appending, w.startAfter = true, w.existing.after
	}
	size := len(se.Data) + len(se.Metadata)
	if len(w.group) > 0 && (se.Stream != w.groupOf.Stream || len(w.group) == domain.MaxEventsPerAppend || w.groupBytes+size > importAppendBytes) {
		if err := w.flush(); err != nil {
			return err
		}
	}
	if len(w.group) == 0 {
		w.groupOf, w.firstLine, w.groupBytes = se, line, 0
	}
	w.group = append(w.group, domain.NewEvent{ID: se.ID, Type: se.Type, Data: se.Data, Metadata: se.Metadata})
	w.groupBytes += size
	return nil
}

// flush appends the queued group at its exact revision.
func (w *importWriter) flush() error {
	if len(w.group) == 0 {
		return nil
	}
	expected := domain.ExpectedRevision(w.groupOf.Revision) - 1
	if _, err := w.store.Append(w.ctx, w.groupOf.Stream, expected, w.group); err != nil {
		last := w.firstLine + len(w.group) - 1
		inStore := w.resumed + w.written
		switch {
		case errors.Is(err, domain.ErrStoreUnavailable), errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
			return fmt.Errorf("import stopped at lines %d–%d with the file's first %d events in the store (those lines' append may or may not have landed): %w; %w",
				w.firstLine, last, inStore, err, errResumable)
		case inStore == 0:
			// Nothing of the file is in the store: refused as a whole.
			return fmt.Errorf("%w: %w", errImportRefused, &lineError{w.firstLine, err})
		case errors.Is(err, domain.ErrWrongExpectedVersion), errors.Is(err, domain.ErrDuplicateEventID):
			// The file and the ledger's first events checked out:
			// something else writes to the store meanwhile.
			return fmt.Errorf("%w with the file's first %d events in the store: %w; stop the other writer (a server, another import) and run the same import again, which resumes if the store holds only the file's first events, or start over on an empty database",
				errImportStopped, inStore, &lineError{w.firstLine,
					fmt.Errorf("%s@%d: the store changed while importing: %w", w.groupOf.Stream, w.groupOf.Revision, err)})
		}
		return fmt.Errorf("%w with the file's first %d events in the store: %w", errImportStopped, inStore, &lineError{w.firstLine, err})
	}
	w.written += len(w.group)
	w.group = w.group[:0]
	return nil
}

// finish appends what is queued once the file has ended, and refuses a
// store that holds more than the whole file.
func (w *importWriter) finish() error {
	if !w.appending {
		have, ok, err := w.existing.next(w.ctx)
		if err != nil {
			return fmt.Errorf("%w: read the ledger already in the store: %w", errImportRefused, err)
		}
		if ok {
			return fmt.Errorf("%w: %w: it holds the whole file and more (event %d: %s@%d, %s)",
				errImportRefused, domain.ErrLedgerNotEmpty, w.resumed+1, have.Stream, have.Revision, have.ID)
		}
		return nil
	}
	if err := w.flush(); err != nil {
		return err
	}
	return w.checkAlone()
}

// checkAlone counts the ledger's events after the import's start: each
// append was read back (the adapter's confirm), so what another writer
// slipped in between two of them, in streams the file does not hold or
// after them, is the only way the store can now differ from the file.
func (w *importWriter) checkAlone() error {
	found := 0
	for after := w.startAfter; ; {
		page, err := w.store.ReadAll(w.ctx, after, domain.MaxReadBatch)
		if err != nil {
			return fmt.Errorf("import written, but not checked: read it back: %w", err)
		}
		found += len(page)
		if len(page) < domain.MaxReadBatch {
			break
		}
		after = page[len(page)-1].Position
	}
	if found != w.written {
		return fmt.Errorf("%w: the store holds %d events after the import's start, where it wrote %d: another writer (a server, another import) wrote while importing, so the ledger is not the file; start over on an empty database",
			errImportStopped, found, w.written)
	}
	return nil
}

// sameEvent reports whether the store's event have is the file's event
// se in all but its position, which the store chose.
func sameEvent(have, se domain.StoredEvent) bool {
	return have.Stream == se.Stream && have.Revision == se.Revision && have.ID == se.ID &&
		have.Type == se.Type && bytes.Equal(have.Data, se.Data) && bytes.Equal(have.Metadata, se.Metadata)
}

// ledgerCursor reads a store's log from its start, one page at a time.
type ledgerCursor struct {
	store domain.EventStore
	page  []domain.StoredEvent
	after domain.Position
	ended bool
}

// next returns the log's next event, or false after the last.
func (c *ledgerCursor) next(ctx context.Context) (domain.StoredEvent, bool, error) {
	if len(c.page) == 0 && !c.ended {
		page, err := c.store.ReadAll(ctx, c.after, domain.MaxReadBatch)
		if err != nil {
			return domain.StoredEvent{}, false, err
		}
		c.page = page
		c.ended = len(page) == 0
		if len(page) > 0 {
			c.after = page[len(page)-1].Position
		}
	}
	if len(c.page) == 0 {
		return domain.StoredEvent{}, false, nil
	}
	se := c.page[0]
	c.page = c.page[1:]
	return se, true, nil
}
