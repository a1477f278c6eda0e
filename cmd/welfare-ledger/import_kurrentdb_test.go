package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/internal/benchdata"
	"github.com/welfare-ledger/welfare-ledger/store/embedded"
	"github.com/welfare-ledger/welfare-ledger/store/kurrentdb"
	"github.com/welfare-ledger/welfare-ledger/store/kurrentdb/kdbtest"
)

// linePosition is how every exported line starts: its position, then the
// rest of the event.
var linePosition = regexp.MustCompile(`^\{"position":([0-9]+),`)

// exportLines splits an export into its lines without their positions,
// and the positions, failing unless they grow.
func exportLines(t *testing.T, export string) (events []string, positions []uint64) {
	t.Helper()
	for i, l := range strings.SplitAfter(export, "\n") {
		if l == "" {
			continue
		}
		m := linePosition.FindStringSubmatch(l)
		if m == nil {
			t.Fatalf("line %d does not start with its position: %s", i+1, l)
		}
		p, err := strconv.ParseUint(m[1], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		if len(positions) > 0 && p <= positions[len(positions)-1] {
			t.Fatalf("line %d: position %d after %d, want growing positions", i+1, p, positions[len(positions)-1])
		}
		events, positions = append(events, "{"+l[len(m[0]):]), append(positions, p)
	}
	return events, positions
}

// sameButPositions fails unless got is the export want with other
// positions: the same events, every other byte of every line, in the same
// order.
func sameButPositions(t *testing.T, got, want string) {
	t.Helper()
	gotEvents, _ := exportLines(t, got)
	wantEvents, _ := exportLines(t, want)
	if len(gotEvents) != len(wantEvents) {
		t.Fatalf("export has %d events, want %d", len(gotEvents), len(wantEvents))
	}
	for i := range wantEvents {
		if gotEvents[i] != wantEvents[i] {
			t.Fatalf("line %d = %s, want (but for its position) %s", i+1, gotEvents[i], wantEvents[i])
		}
	}
}

// exportFile exports the embedded ledger of dir to a file.
func exportFile(t *testing.T, dir string) (path, content string) {
	t.Helper()
	path = filepath.Join(t.TempDir(), "ledger.jsonl")
	if _, stderr, err := runCLI(t, "export", "--data", dir, "-o", path); err != nil {
		t.Fatalf("export = %v; %s", err, stderr)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, string(b)
}

// writeTemp writes content to a new file and returns its path.
func writeTemp(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "log.jsonl")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// ledgerEventCount counts the ledger's events in the KurrentDB of uri.
func ledgerEventCount(t *testing.T, uri string) int {
	t.Helper()
	st, err := kurrentdb.Open(context.Background(), uri, kurrentdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	return countEvents(t, st)
}

// TestImportIntoKurrentDB: a ledger moves from the embedded store to
// KurrentDB and back. The export of the imported ledger is the file with
// KurrentDB's positions, every other byte of every line the same; it
// verifies there; and imported into a new embedded ledger it exports
// byte for byte as itself. Importing the same file again writes nothing.
func TestImportIntoKurrentDB(t *testing.T) {
	dir, _, _ := servedLedger(t)
	file, want := exportFile(t, dir)
	srv := startKurrentDB(t)

	out, stderr, err := runCLI(t, "import", "--store", srv.URI(), file)
	if err != nil {
		t.Fatalf("import --store = %v; %s", err, stderr)
	}
	wantEvents, wantPositions := exportLines(t, want)
	if w := "imported " + strconv.Itoa(len(wantEvents)) + " events into "; !strings.Contains(out, w) {
		t.Errorf("import printed %q, want %q", out, w)
	}
	moved, stderr, err := runCLI(t, "export", "--store", srv.URI(), "--data", t.TempDir())
	if err != nil {
		t.Fatalf("export --store = %v; %s", err, stderr)
	}
	sameButPositions(t, moved, want)
	if _, positions := exportLines(t, moved); positions[len(positions)-1] == wantPositions[len(wantPositions)-1] {
		t.Errorf("the last position is %d on both stores: the test server's positions are byte offsets, want them to differ", positions[0])
	}
	if _, stderr, err := runCLI(t, "verify", "--store", srv.URI(), "--data", t.TempDir()); err != nil {
		t.Fatalf("verify --store of the imported ledger = %v; %s", err, stderr)
	}

	back := filepath.Join(t.TempDir(), "back")
	if _, stderr, err := runCLI(t, "import", "--data", back, writeTemp(t, moved)); err != nil {
		t.Fatalf("import of KurrentDB's export into the embedded store = %v; %s", err, stderr)
	}
	if _, again := exportFile(t, back); again != moved {
		t.Errorf("KurrentDB → embedded → export differs from KurrentDB's export:\n%s\nwant\n%s", again, moved)
	}

	out, stderr, err = runCLI(t, "import", "--store", srv.URI(), file)
	if err != nil {
		t.Fatalf("the same import again = %v; %s", err, stderr)
	}
	if w := "imported 0 events"; !strings.Contains(out, w) {
		t.Errorf("the same import again printed %q, want %q", out, w)
	}
	if n := ledgerEventCount(t, srv.URI()); n != len(wantEvents) {
		t.Errorf("the store holds %d events after the second import, want %d", n, len(wantEvents))
	}
}

// TestImportIntoKurrentDBRefusesABadFile: a file altered, reordered or cut
// is refused naming its line before anything is written, and the good
// file imports afterwards into the same store.
func TestImportIntoKurrentDBRefusesABadFile(t *testing.T) {
	dir, _, _ := servedLedger(t)
	_, good := exportFile(t, dir)
	lines := strings.SplitAfter(good, "\n")
	lines = lines[:len(lines)-1]
	donation := -1
	for i, l := range lines {
		if strings.Contains(l, `"amount":"1027000000"`) {
			donation = i
		}
	}
	if donation < 0 || donation+1 >= len(lines) {
		t.Fatalf("no donation of 1027000000 before the last line of the export")
	}
	last := len(lines) - 1
	altered := func(i int, old, new string) string {
		ls := append([]string{}, lines...)
		if !strings.Contains(ls[i], old) {
			t.Fatalf("line %d has no %q", i+1, old)
		}
		ls[i] = strings.Replace(ls[i], old, new, 1)
		return strings.Join(ls, "")
	}
	swapped := append([]string{}, lines...)
	swapped[donation], swapped[donation+1] = swapped[donation+1], swapped[donation]
	tests := []struct {
		name     string
		file     string
		wantLine int
	}{
		{"an amount altered", altered(donation, `"amount":"1027000000"`, `"amount":"1927000000"`), donation + 1},
		// The last line: everything before it would be fit to write, and
		// a one-pass import would already have written it.
		{"the last line altered", altered(last, `"occurred_on":"2024-05-03"`, `"occurred_on":"2024-05-04"`), last + 1},
		{"two lines swapped", strings.Join(swapped, ""), donation + 1},
		{"cut within the last line", good[:len(good)-len(lines[last])/2], last + 1},
	}
	srv := startKurrentDB(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.file == good {
				t.Fatal("the edit changed nothing")
			}
			_, stderr, err := runCLI(t, "import", "--store", srv.URI(), writeTemp(t, tt.file))
			if !errors.Is(err, errImportRefused) {
				t.Fatalf("import = %v, want errImportRefused; %s", err, stderr)
			}
			if want := "line " + strconv.Itoa(tt.wantLine) + ":"; !strings.Contains(err.Error(), want) {
				t.Errorf("import = %q, want it to name %q", err, want)
			}
			if n := ledgerEventCount(t, srv.URI()); n != 0 {
				t.Fatalf("a refused import wrote %d events, want none", n)
			}
		})
	}
	if _, stderr, err := runCLI(t, "import", "--store", srv.URI(), writeTemp(t, good)); err != nil {
		t.Fatalf("import of the good file afterwards = %v; %s", err, stderr)
	}
	if n := ledgerEventCount(t, srv.URI()); n != len(lines) {
		t.Errorf("the store holds %d events, want %d", n, len(lines))
	}
}

// TestImportIntoKurrentDBRefusesAnotherLedger: a store with events that
// are not the file's first lines — here the first admin token of a serve
// started on it — is refused, nothing written; and stdin, which the
// import would have to read twice, is refused with a clear message.
func TestImportIntoKurrentDBRefusesAnotherLedger(t *testing.T) {
	dir, _, _ := servedLedger(t)
	file, _ := exportFile(t, dir)
	srv := startKurrentDB(t)
	serveOn(t, srv.URI()) // writes its first admin token, and nothing more
	before := ledgerEventCount(t, srv.URI())
	if before == 0 {
		t.Fatal("serve wrote no first admin token")
	}
	_, stderr, err := runCLI(t, "import", "--store", srv.URI(), file)
	if !errors.Is(err, errImportRefused) || !errors.Is(err, domain.ErrLedgerNotEmpty) {
		t.Fatalf("import into another ledger = %v, want errImportRefused and ErrLedgerNotEmpty; %s", err, stderr)
	}
	if !strings.Contains(err.Error(), "line 1 of the file") {
		t.Errorf("import = %q, want it to name the first line that differs", err)
	}
	if n := ledgerEventCount(t, srv.URI()); n != before {
		t.Errorf("the store holds %d events after a refused import, had %d", n, before)
	}

	_, _, err = runCLI(t, "import", "--store", startKurrentDB(t).URI(), "-")
	if !errors.Is(err, errImportRefused) || !strings.Contains(err.Error(), "not stdin") {
		t.Errorf("import --store … - = %v, want a refusal saying to give a file, not stdin", err)
	}
}

// stopAfterAppends is the real store whose server stops once n appends
// have been acknowledged: an import interrupted half-way.
type stopAfterAppends struct {
	domain.EventStore
	n    atomic.Int32
	stop func()
}

func (s *stopAfterAppends) Append(ctx context.Context, stream string, expected domain.ExpectedRevision, events []domain.NewEvent) (domain.AppendResult, error) {
	res, err := s.EventStore.Append(ctx, stream, expected, events)
	if err == nil && s.n.Add(-1) == 0 {
		s.stop()
	}
	return res, err
}

// TestImportIntoKurrentDBResumes: an import whose server goes away
// half-way stops with a message saying to run it again, having written the
// file's first events only; run again once the server is back, it checks
// those and writes the rest, nothing twice. An import of the file's first
// lines, then of the whole file, ends the same.
func TestImportIntoKurrentDBResumes(t *testing.T) {
	dir, _, _ := servedLedger(t)
	file, want := exportFile(t, dir)
	wantEvents, _ := exportLines(t, want)

	t.Run("server stopped", func(t *testing.T) {
		srv := startKurrentDB(t)
		st, err := kurrentdb.Open(context.Background(), srv.URI(), kurrentdb.Options{CallTimeout: 2 * time.Second})
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		interrupted := &stopAfterAppends{EventStore: st, stop: srv.Stop}
		interrupted.n.Store(3)
		written, _, err := appendImport(context.Background(), interrupted, file, newProgress(&syncBuffer{}, "import"))
		if !errors.Is(err, errResumable) || !errors.Is(err, domain.ErrStoreUnavailable) {
			t.Fatalf("import with the server gone = %v, want errResumable and ErrStoreUnavailable", err)
		}
		if written == 0 || written >= len(wantEvents) {
			t.Fatalf("the interrupted import wrote %d events, want some of %d", written, len(wantEvents))
		}
		if err := srv.Restart(); err != nil {
			t.Fatal(err)
		}
		if n := ledgerEventCount(t, srv.URI()); n != written {
			t.Fatalf("the store holds %d events after the interruption, the import said %d", n, written)
		}
		out, stderr, err := runCLI(t, "import", "--store", srv.URI(), file)
		if err != nil {
			t.Fatalf("the import run again = %v; %s", err, stderr)
		}
		if w := "after the " + strconv.Itoa(written) + " an earlier import"; !strings.Contains(out, w) {
			t.Errorf("the import run again printed %q, want %q", out, w)
		}
		moved, stderr, err := runCLI(t, "export", "--store", srv.URI(), "--data", t.TempDir())
		if err != nil {
			t.Fatalf("export --store = %v; %s", err, stderr)
		}
		sameButPositions(t, moved, want)
	})

	t.Run("first lines, then the whole file", func(t *testing.T) {
		srv := startKurrentDB(t)
		lines := strings.SplitAfter(want, "\n")
		head := writeTemp(t, strings.Join(lines[:5], ""))
		if _, stderr, err := runCLI(t, "import", "--store", srv.URI(), head); err != nil {
			t.Fatalf("import of the first 5 lines = %v; %s", err, stderr)
		}
		out, stderr, err := runCLI(t, "import", "--store", srv.URI(), file)
		if err != nil {
			t.Fatalf("import of the whole file = %v; %s", err, stderr)
		}
		if w := "imported " + strconv.Itoa(len(wantEvents)-5) + " events"; !strings.Contains(out, w) {
			t.Errorf("import printed %q, want %q", out, w)
		}
		moved, stderr, err := runCLI(t, "export", "--store", srv.URI(), "--data", t.TempDir())
		if err != nil {
			t.Fatalf("export --store = %v; %s", err, stderr)
		}
		sameButPositions(t, moved, want)
		// The whole file in the store, its first lines are another ledger.
		_, _, err = runCLI(t, "import", "--store", srv.URI(), head)
		if !errors.Is(err, domain.ErrLedgerNotEmpty) {
			t.Errorf("import of the first lines into the whole ledger = %v, want ErrLedgerNotEmpty", err)
		}
	})
}

// TestImportStoreErrors: an import into a --store that names no store,
// that does not answer or that refuses the credentials stops at start
// with a clear message that does not show the password.
func TestImportStoreErrors(t *testing.T) {
	dir, _, _ := servedLedger(t)
	file, _ := exportFile(t, dir)
	secured, err := kdbtest.Start(kdbtest.Options{Username: "admin", Password: "changeit"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(secured.Close)
	down := startKurrentDB(t)
	downURI := down.URI()
	down.Close()
	for _, c := range []struct {
		name, uri, want string
	}{
		{"unknown scheme", "postgres://db:5432/ledger", "unknown store"},
		{"unreachable", downURI, "cannot be reached"},
		{"wrong password", secured.URIWith("admin", "s3cret-wrong"), "refused the credentials"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, _, err := runCLI(t, "import", "--store", c.uri, file)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("import --store %s = %v, want an error saying %q", c.uri, err, c.want)
			}
			if strings.Contains(err.Error(), "s3cret-wrong") {
				t.Fatalf("error %q shows the password", err)
			}
		})
	}
	if n := ledgerEventCount(t, secured.URIWith("admin", "changeit")); n != 0 {
		t.Errorf("the secured store holds %d events, want none", n)
	}
}

// TestImportHistoryIntoKurrentDB: a generated history (every event type,
// reversals, many streams; WL_IMPORT_KURRENTDB_EVENTS events, 2,000 by
// default) moves to KurrentDB and exports the same but for positions. It
// logs the pace of the import beside the embedded store's, the figures of
// docs/performance.md.
func TestImportHistoryIntoKurrentDB(t *testing.T) {
	n := 2_000
	if v := os.Getenv("WL_IMPORT_KURRENTDB_EVENTS"); v != "" {
		var err error
		if n, err = strconv.Atoi(v); err != nil || n < 1 {
			t.Fatalf("WL_IMPORT_KURRENTDB_EVENTS=%q: want a number of events", v)
		}
	}
	src := mustMkdir(t, filepath.Join(t.TempDir(), "src"))
	spec := benchdata.DefaultSpec(n)
	spec.MembersPerProvince = 200
	store, err := embedded.Open(filepath.Join(src, "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := benchdata.Generate(context.Background(), store, spec)
	if cerr := store.Close(); err != nil || cerr != nil {
		t.Fatalf("generate a history: %v, close: %v", err, cerr)
	}
	file, want := exportFile(t, src)
	srv := startKurrentDB(t)
	start := time.Now()
	out, stderr, err := runCLI(t, "import", "--store", srv.URI(), file)
	took := time.Since(start)
	if err != nil {
		t.Fatalf("import --store = %v; %s", err, stderr)
	}
	if w := "imported " + strconv.Itoa(sum.Events) + " events"; !strings.Contains(out, w) {
		t.Errorf("import printed %q, want %q", out, w)
	}
	start = time.Now()
	if _, stderr, err := runCLI(t, "import", "--data", filepath.Join(t.TempDir(), "copy"), file); err != nil {
		t.Fatalf("import into the embedded store = %v; %s", err, stderr)
	}
	tookEmbedded := time.Since(start)
	runs, last := 0, ""
	for _, l := range strings.SplitAfter(want, "\n") {
		var ev struct{ Stream string }
		if l == "" {
			continue
		}
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Stream != last {
			runs, last = runs+1, ev.Stream
		}
	}
	t.Logf("imported %d events (%d runs of one stream): into the test server in %v (%.0f events/s), into the embedded store in %v (%.0f events/s)",
		sum.Events, runs, took, float64(sum.Events)/took.Seconds(), tookEmbedded, float64(sum.Events)/tookEmbedded.Seconds())
	moved, stderr, err := runCLI(t, "export", "--store", srv.URI(), "--data", t.TempDir())
	if err != nil {
		t.Fatalf("export --store = %v; %s", err, stderr)
	}
	sameButPositions(t, moved, want)
}

// writeAfterAppends is the real store on which another writer issues a
// token once n of the import's appends have been acknowledged.
type writeAfterAppends struct {
	domain.EventStore
	n atomic.Int32
}

func (s *writeAfterAppends) Append(ctx context.Context, stream string, expected domain.ExpectedRevision, events []domain.NewEvent) (domain.AppendResult, error) {
	res, err := s.EventStore.Append(ctx, stream, expected, events)
	if err == nil && s.n.Add(-1) == 0 {
		l := domain.NewLedger(s.EventStore, time.Now)
		if _, err := l.IssueToken(ctx, domain.IssueToken{TokenID: domain.NewID(), Name: "meanwhile", Role: domain.RoleAdmin}, "cli"); err != nil {
			return res, fmt.Errorf("the other writer: %w", err)
		}
	}
	return res, err
}

// TestImportIntoKurrentDBWithAnotherWriter: a token issued by another
// writer in the middle of an import, in a stream the rest of the file does
// not touch, lands among the imported events; the import says so instead
// of reporting a ledger equal to the file.
func TestImportIntoKurrentDBWithAnotherWriter(t *testing.T) {
	dir, _, _ := servedLedger(t)
	file, _ := exportFile(t, dir)
	srv := startKurrentDB(t)
	st, err := kurrentdb.Open(context.Background(), srv.URI(), kurrentdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	meanwhile := &writeAfterAppends{EventStore: st}
	meanwhile.n.Store(3)
	_, _, err = appendImport(context.Background(), meanwhile, file, newProgress(&syncBuffer{}, "import"))
	if !errors.Is(err, errImportStopped) || !strings.Contains(err.Error(), "another writer") {
		t.Fatalf("import with another writer = %v, want errImportStopped naming another writer", err)
	}
}
