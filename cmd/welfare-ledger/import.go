package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sync/atomic"

	"github.com/welfare-ledger/welfare-ledger/api"
	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/store/embedded"
)

const importUsage = `Usage: welfare-ledger import [--data DIR | --store URI] FILE

Loads FILE, a log written by 'welfare-ledger export' ('-' reads stdin),
into an empty ledger: <data>/ledger.db (a missing one is created), or
with --store a KurrentDB. Every line is checked as it is read: written
exactly as export writes it, positions growing, every event in the stream
its payload names, every stream's hash chain unbroken and its revisions in
sequence, every unit registered before an event names it. The first line
that fails stops the import with its number, and nothing is imported.
Progress goes to stderr.

Into ledger.db every event is stored at its own position in one
transaction, so exporting the imported ledger gives back FILE byte for
byte; an import that fails leaves the ledger empty and usable.

Into KurrentDB (no transaction spans streams there) the whole file is
checked before anything is written; then its events are appended in order,
each at its own stream revision, and the server gives them its own
positions: an export gives back FILE with other positions, every other
byte the same. An import stopped half-way (the server went away) leaves
the file's first events; the same import run again checks them and
appends the rest. FILE must be a file (it is read twice), not stdin.
`

// maxEventLine bounds one line of an exported log: an event's data and
// metadata are at most domain.MaxEventSize bytes, and the line adds its
// other members and the escapes of its metadata's text.
const maxEventLine = 4 * domain.MaxEventSize

// importReadBuffer is the read buffer of the file: a line must fit in it.
const importReadBuffer = maxEventLine + 1

// errImportRefused: the file, or the ledger, was not fit to import; the
// error says where and why.
var errImportRefused = errors.New("nothing imported")

// importCommand is welfare-ledger import.
func importCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	flags := newFlagSet("import", stderr)
	flags.Usage = func() { fmt.Fprint(stderr, importUsage) }
	dataDir := flags.String("data", envDefault(getenv, "WL_DATA", "./data"), "data directory of the ledger to create (env WL_DATA)")
	storeURI := flags.String("store", envDefault(getenv, "WL_STORE", embeddedStore), storeFlagUsage)
	if err := flags.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if flags.NArg() != 1 {
		fmt.Fprintf(stderr, "import: want one FILE, got %q\n\n%s", flags.Args(), importUsage)
		return errUsage
	}
	if *storeURI != embeddedStore && *storeURI != "" {
		return importByAppend(ctx, *storeURI, *dataDir, flags.Arg(0), stdout, stderr)
	}
	in, size, err := openImportFile(flags.Arg(0))
	if err != nil {
		return err
	}
	defer in.Close()
	if err := os.MkdirAll(*dataDir, 0o750); err != nil {
		return fmt.Errorf("create the data directory: %w", err)
	}
	dbPath := filepath.Join(*dataDir, "ledger.db")
	_, statErr := os.Stat(dbPath)
	created := errors.Is(statErr, fs.ErrNotExist)
	store, err := embedded.Open(dbPath)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	n, err := importLog(ctx, store, in, size, newProgress(stderr, "import"))
	if cerr := store.Close(); err == nil && cerr != nil {
		return cerr
	}
	if err != nil {
		if created {
			// The file this import created holds nothing: leave the
			// directory as it was.
			removeLedgerFiles(dbPath)
		}
		return err
	}
	fmt.Fprintf(stdout, "imported %d events into %s\n", n, dbPath)
	return nil
}

// importByAppend imports the file name into the store uri (KurrentDB),
// through appendImport.
func importByAppend(ctx context.Context, uri, dataDir, name string, stdout, stderr io.Writer) error {
	opened, err := openLedgerStore(ctx, uri, dataDir, storeOptions{})
	if err != nil {
		return err
	}
	defer opened.Close()
	written, resumed, err := appendImport(ctx, opened.EventStore, name, newProgress(stderr, "import"))
	if err != nil {
		return err
	}
	if resumed > 0 {
		fmt.Fprintf(stdout, "imported %d events into %s after the %d an earlier import of this file wrote\n", written, opened.name, resumed)
		return nil
	}
	fmt.Fprintf(stdout, "imported %d events into %s\n", written, opened.name)
	return nil
}

// openImportFile opens the file to import ("-": stdin) and returns its
// size, or -1 when it is not a regular file.
func openImportFile(name string) (io.ReadCloser, int64, error) {
	if name == "-" {
		return io.NopCloser(os.Stdin), -1, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, 0, fmt.Errorf("open the file to import: %w", err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, fmt.Errorf("open the file to import: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return f, -1, nil
	}
	return f, fi.Size(), nil
}

// removeLedgerFiles removes a ledger file and its WAL and shared-memory
// files. Failures are left: the file is an empty ledger, harmless.
func removeLedgerFiles(dbPath string) {
	for _, p := range []string{dbPath + "-wal", dbPath + "-shm", dbPath} {
		_ = os.Remove(p)
	}
}

// lineError is a line of the file that is not fit to import.
type lineError struct {
	line int
	err  error
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %v", e.line, e.err) }
func (e *lineError) Unwrap() error { return e.err }

// Reading and checking the lines runs beside the store's inserts (on two
// cores it halves an import's time): the reader hands over batches of
// importBatch checked events, at most importReadAhead batches ahead.
const (
	importBatch     = 256
	importReadAhead = 4
)

// checkedBatch is a batch of checked events, or the error that ended the
// reading (io.EOF at the end of the file).
type checkedBatch struct {
	events []domain.StoredEvent
	err    error
}

// importLog reads event lines from r (size bytes, or -1 if unknown),
// checks each and hands it to the importer, and returns how many events it
// imported. Errors: errImportRefused wrapped with the line and what is
// wrong with it, or with why the store refused; ctx and read errors.
func importLog(ctx context.Context, importer domain.LogImporter, r io.Reader, size int64, prog *progress) (int, error) {
	ctx, cancel := context.WithCancel(ctx)
	batches := make(chan checkedBatch, importReadAhead)
	var read atomic.Int64 // bytes of the file read, for the progress
	go func() {
		defer close(batches)
		readLines(ctx, r, batches, &read)
	}()
	defer func() {
		cancel()
		for range batches { // the reader has stopped once this ends
		}
	}()
	var (
		current  []domain.StoredEvent
		consumed int // events handed to the store: the line of its error
	)
	next := func() (domain.StoredEvent, error) {
		if len(current) == 0 {
			var b checkedBatch
			select {
			case b = <-batches:
			case <-ctx.Done():
				return domain.StoredEvent{}, ctx.Err()
			}
			if b.err != nil {
				return domain.StoredEvent{}, b.err
			}
			current = b.events
		}
		se := current[0]
		current = current[1:]
		consumed++
		if consumed%domain.MaxReadBatch == 0 {
			prog.update(uint64(consumed), fractionOfBytes(read.Load(), size))
		}
		return se, nil
	}
	n, err := importer.ImportLog(ctx, next)
	if err != nil {
		prog.fail()
		var le *lineError
		switch {
		case errors.As(err, &le):
			return 0, fmt.Errorf("%w: %w", errImportRefused, le)
		case errors.Is(err, domain.ErrLedgerNotEmpty):
			return 0, fmt.Errorf("%w: %w: import loads a log into a new ledger only", errImportRefused, err)
		case ctx.Err() != nil:
			return 0, fmt.Errorf("%w: %w", errImportRefused, ctx.Err())
		case errors.Is(err, domain.ErrDuplicateEventID), errors.Is(err, domain.ErrWrongExpectedVersion),
			errors.Is(err, domain.ErrAppendTooLarge), errors.Is(err, embedded.ErrInvalidAppend):
			// The store refused an event: the one it names, else the
			// last it was given.
			line := consumed
			if ee := (*embedded.ImportEventError)(nil); errors.As(err, &ee) {
				line = ee.Event
			}
			return 0, fmt.Errorf("%w: %w", errImportRefused, &lineError{line, err})
		}
		return 0, fmt.Errorf("%w: %w", errImportRefused, err)
	}
	prog.done(uint64(n))
	return n, nil
}

// readLines reads, parses and checks the lines of r, counting the bytes in
// read, and sends them in batches, then a batch with the error that ended the reading: io.EOF at
// the end of the file, a *lineError for a line that is not fit to import.
// It returns early when ctx is done.
func readLines(ctx context.Context, r io.Reader, batches chan<- checkedBatch, read *atomic.Int64) {
	br := bufio.NewReaderSize(r, importReadBuffer)
	check := domain.NewLogChecker()
	send := func(b checkedBatch) bool {
		select {
		case batches <- b:
			return true
		case <-ctx.Done():
			return false
		}
	}
	batch := make([]domain.StoredEvent, 0, importBatch)
	for line := 1; ; line++ {
		text, err := br.ReadSlice('\n')
		read.Add(int64(len(text)))
		switch {
		case errors.Is(err, io.EOF) && len(text) == 0:
			err = io.EOF
		case errors.Is(err, io.EOF):
			err = &lineError{line, errors.New("cut: the file ends inside it (every line of an export ends with a newline)")}
		case errors.Is(err, bufio.ErrBufferFull):
			err = &lineError{line, fmt.Errorf("longer than %d bytes, more than any event", maxEventLine)}
		case err != nil:
			err = fmt.Errorf("read line %d: %w", line, err)
		default:
			var (
				se domain.StoredEvent
				e  domain.Event
			)
			if se, e, err = api.ParseDecodedEventLine(text); err == nil {
				err = check.CheckDecoded(se, e)
			}
			if err != nil {
				err = &lineError{line, err}
			} else {
				batch = append(batch, se)
			}
		}
		if err != nil {
			if len(batch) > 0 && !send(checkedBatch{events: batch}) {
				return
			}
			send(checkedBatch{err: err})
			return
		}
		if len(batch) == importBatch {
			if !send(checkedBatch{events: batch}) {
				return
			}
			batch = make([]domain.StoredEvent, 0, importBatch)
		}
	}
}

// fractionOfBytes is consumed ÷ size, or -1 when the size is unknown.
func fractionOfBytes(consumed, size int64) float64 {
	if size <= 0 {
		return -1
	}
	return float64(consumed) / float64(size)
}
