package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/welfare-ledger/welfare-ledger/api"
	"github.com/welfare-ledger/welfare-ledger/domain"
)

const exportUsage = `Usage: welfare-ledger export [--data DIR | --store URI] [-o FILE]

Writes the whole log of <data>/ledger.db as JSON Lines: one event a line,
in log order, each line byte for byte the item GET /v1/events lists for it
(position, stream, revision, event_id, type, schema, occurred_on,
recorded_at, actor, data, payload_hash, prev_hash, hash). The log is the
one at the moment the export starts; events appended meanwhile are left
for the next export. Safe to run while serve runs. Without -o the lines go
to stdout; with -o the file appears only once it is complete. Progress
goes to stderr. 'welfare-ledger import' loads the file into an empty
ledger.
`

// exportWriteBuffer is the buffer between the encoder and the output: big
// enough that a write to a pipe or a disk carries many events.
const exportWriteBuffer = 1 << 20

// exportCommand is welfare-ledger export.
func exportCommand(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("export", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, exportUsage) }
	dataDir := fs.String("data", envDefault(getenv, "WL_DATA", "./data"), "data directory holding ledger.db (env WL_DATA)")
	storeURI := fs.String("store", envDefault(getenv, "WL_STORE", embeddedStore), storeFlagUsage)
	out := fs.String("o", "", "write to this file instead of stdout")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if fs.NArg() != 0 {
		fmt.Fprintf(stderr, "export: unexpected arguments %q\n\n%s", fs.Args(), exportUsage)
		return errUsage
	}
	opened, err := openLedgerStore(ctx, *storeURI, *dataDir, storeOptions{mustExist: true})
	if err != nil {
		return err
	}
	defer opened.Close()
	store := opened.EventStore
	if *out == "" {
		_, err := exportLog(ctx, store, stdout, newProgress(stderr, "export"))
		return err
	}
	return writeFileAtomically(*out, func(w io.Writer) error {
		_, err := exportLog(ctx, store, w, newProgress(stderr, "export"))
		return err
	})
}

// logHead is implemented by a store that knows its last position without
// reading the log (the embedded store).
type logHead interface {
	Head() domain.Position
}

// exportLog writes the store's log, up to its head when the export starts,
// to w as event lines (api.AppendEventLine), one batch in memory at a time,
// and returns how many events it wrote. A store that does not tell its
// head is read to the end.
func exportLog(ctx context.Context, store domain.EventStore, w io.Writer, prog *progress) (uint64, error) {
	end := domain.Position(0)
	if h, ok := store.(logHead); ok {
		end = h.Head()
	}
	bw := bufio.NewWriterSize(w, exportWriteBuffer)
	var (
		after domain.Position
		n     uint64
		line  []byte
	)
read:
	for {
		batch, err := store.ReadAll(ctx, after, domain.MaxReadBatch)
		if err != nil {
			prog.fail()
			return n, fmt.Errorf("export: %w", err)
		}
		for _, se := range batch {
			if end != 0 && se.Position > end {
				break read
			}
			if line, err = api.AppendEventLine(line[:0], se); err != nil {
				prog.fail()
				return n, fmt.Errorf("export: %w", err)
			}
			if _, err := bw.Write(line); err != nil {
				prog.fail()
				return n, fmt.Errorf("export: write: %w", err)
			}
			n, after = n+1, se.Position
		}
		prog.update(n, fractionOf(after, end))
		if len(batch) < domain.MaxReadBatch || (end != 0 && after >= end) {
			break read
		}
	}
	if err := bw.Flush(); err != nil {
		prog.fail()
		return n, fmt.Errorf("export: write: %w", err)
	}
	prog.done(n)
	return n, nil
}

// fractionOf is how far position pos is towards end, or -1 when end is
// unknown. Positions of the embedded store count events, so this is the
// fraction of the events.
func fractionOf(pos, end domain.Position) float64 {
	if end == 0 {
		return -1
	}
	return float64(pos) / float64(end)
}

// writeFileAtomically writes path through write: into a temporary file in
// the same directory, synced and renamed over path only when write
// succeeded, so that path never holds half an export.
func writeFileAtomically(path string, write func(io.Writer) error) (err error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("create %s: %w", path, err)
	}
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(f.Name())
		}
	}()
	if err := write(f); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
