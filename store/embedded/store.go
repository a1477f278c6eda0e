package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" database/sql driver

	"github.com/welfare-ledger/welfare-ledger/domain"
)

var _ domain.PipelinedStore = (*Store)(nil)

// Connection settings.
const (
	// busyTimeout is how long a connection waits for a lock held by another
	// connection (another process such as an auditor's sqlite3 shell, or a
	// WAL checkpoint) before failing with SQLITE_BUSY.
	busyTimeout = 5 * time.Second
	// openTimeout bounds Open's own statements: pragmas and migration.
	openTimeout = 30 * time.Second
	// maxReadersFloor is the smallest read pool; the pool grows with
	// GOMAXPROCS because WAL readers run in parallel.
	maxReadersFloor = 4
)

// Store is the embedded event store: one SQLite file in WAL mode, one writer
// goroutine that group-commits appends, and a pool of read-only connections.
// It implements domain.EventStore; all methods are safe for concurrent use.
type Store struct {
	path string

	writeDB *sql.DB // one connection, owned by the writer goroutine
	w       *writer
	readDB  *sql.DB // read-only connections
	reads   *readStatements

	requests chan *request
	closing  chan struct{} // closed when Close begins
	// sendMu orders AppendAfter's queueing (read-locked) before Close's last
	// sweep of the queue (locked): a pipelined request, which no caller
	// waits on while it is queued, is never left in the queue unanswered.
	sendMu     sync.RWMutex
	writerDone chan struct{} // closed when the writer goroutine has returned
	closeOnce  sync.Once
	closeErr   error

	commitMu  sync.Mutex
	committed chan struct{} // closed and replaced after every commit

	appendsCommitted atomic.Uint64
	batchesCommitted atomic.Uint64
	eventsCommitted  atomic.Uint64
	lastBatchSize    atomic.Uint64
	// head is the position of the last event in the log: read at Open,
	// then raised by the writer after each commit.
	head atomic.Uint64

	onCommit func(events, appends int, took time.Duration) // nil: none

	// probes carries CheckWritable's requests to the writer goroutine.
	probes chan chan error
	// fault is the last write failure that said the store cannot write,
	// nil once a write or probe has committed since (WriteHealth).
	fault atomic.Pointer[error]
}

// Stats are counters of the writer since Open, for metrics. Each field is
// read atomically, but the fields are not one snapshot: a commit may land
// between two of them.
type Stats struct {
	// AppendsCommitted counts successful appends.
	AppendsCommitted uint64
	// BatchesCommitted counts transactions committed; each holds one or more
	// appends and costs one disk flush.
	BatchesCommitted uint64
	// EventsCommitted counts events written.
	EventsCommitted uint64
	// LastBatchSize is the number of appends in the last committed batch.
	LastBatchSize uint64
}

// Open opens the ledger file at path, creating it and its schema if it does
// not exist and migrating an older schema, configured by opts. The
// directory must exist. Errors:
// ErrSchemaTooNew for a file written by a newer program, ErrNotLedger for
// another application's database, and SQLite's errors for a file that is not
// a database or cannot be opened.
func Open(path string, opts ...Option) (*Store, error) {
	if path == "" {
		return nil, errors.New("open ledger: empty path")
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	s, err := open(path, o)
	if err != nil {
		return nil, fmt.Errorf("open ledger %s: %w", path, err)
	}
	return s, nil
}

func open(path string, o options) (_ *Store, err error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), openTimeout)
	defer cancel()

	// The writer opens first: it creates the file, switches it to WAL
	// (a persistent setting) and migrates it, all of which the read-only
	// connections need before they can open.
	writeDB, err := sql.Open("sqlite", dsn(abs, url.Values{
		"_pragma": {
			fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds()),
			"journal_mode(WAL)",
			"synchronous(FULL)",
		},
	}))
	if err != nil {
		return nil, err
	}
	// One connection for the life of the store: the writer goroutine owns it,
	// and database/sql must never retire it or open a second one.
	writeDB.SetMaxOpenConns(1)
	writeDB.SetMaxIdleConns(1)
	writeDB.SetConnMaxLifetime(0)
	writeDB.SetConnMaxIdleTime(0)
	defer func() {
		if err != nil {
			writeDB.Close()
		}
	}()
	conn, err := writeDB.Conn(ctx)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			conn.Close()
		}
	}()
	if err := checkPragmas(ctx, conn); err != nil {
		return nil, err
	}
	if err := migrate(ctx, conn); err != nil {
		return nil, err
	}
	var head int64
	if err := conn.QueryRowContext(ctx, "SELECT COALESCE(MAX(position), 0) FROM events").Scan(&head); err != nil {
		return nil, fmt.Errorf("read the log's last position: %w", err)
	}
	w, err := newWriter(ctx, conn)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			w.closeStatements()
		}
	}()

	readDB, err := sql.Open("sqlite", dsn(abs, url.Values{
		// mode=ro: SQLite itself refuses writes on these connections.
		"mode":    {"ro"},
		"_pragma": {fmt.Sprintf("busy_timeout(%d)", busyTimeout.Milliseconds())},
	}))
	if err != nil {
		return nil, err
	}
	readers := max(maxReadersFloor, 2*runtime.GOMAXPROCS(0))
	readDB.SetMaxOpenConns(readers)
	readDB.SetMaxIdleConns(readers)
	defer func() {
		if err != nil {
			readDB.Close()
		}
	}()
	reads, err := prepareReads(ctx, readDB)
	if err != nil {
		return nil, err
	}

	s := &Store{
		path:       path,
		writeDB:    writeDB,
		w:          w,
		readDB:     readDB,
		reads:      reads,
		requests:   make(chan *request, requestQueueLen),
		closing:    make(chan struct{}),
		writerDone: make(chan struct{}),
		committed:  make(chan struct{}),
		onCommit:   o.onCommit,
		probes:     make(chan chan error),
	}
	s.head.Store(uint64(head))
	go s.runWriter()
	return s, nil
}

// dsn builds a SQLite URI for the absolute path: escaping the path keeps a
// '?' or '%' in a directory name from being read as URI syntax.
func dsn(abs string, params url.Values) string {
	u := url.URL{Scheme: "file", Path: filepath.ToSlash(abs), RawQuery: params.Encode()}
	return u.String()
}

// checkPragmas verifies that the durability settings took effect: a file
// system without shared-memory support silently keeps the rollback journal,
// and the store's guarantees rest on WAL with synchronous=FULL.
func checkPragmas(ctx context.Context, conn *sql.Conn) error {
	var mode string
	if err := conn.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
		return fmt.Errorf("read journal mode: %w", err)
	}
	if mode != "wal" {
		return fmt.Errorf("journal mode is %q, want wal", mode)
	}
	var sync int
	if err := conn.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&sync); err != nil {
		return fmt.Errorf("read synchronous: %w", err)
	}
	const full = 2
	if sync != full {
		return fmt.Errorf("synchronous is %d, want %d (FULL)", sync, full)
	}
	return nil
}

// Path returns the path the store was opened with.
func (s *Store) Path() string { return s.path }

// Stats returns the writer's counters.
func (s *Store) Stats() Stats {
	return Stats{
		AppendsCommitted: s.appendsCommitted.Load(),
		BatchesCommitted: s.batchesCommitted.Load(),
		EventsCommitted:  s.eventsCommitted.Load(),
		LastBatchSize:    s.lastBatchSize.Load(),
	}
}

// Head returns the position of the last event in the log: the last one
// committed through this Store, or the last in the file at Open. An empty
// log has Head 0. It costs an atomic load, no query: it is read at every
// metrics scrape. Appends by another process to the same file (the token
// commands of the CLI beside a running server) show from this Store's next
// commit, which sees them; until then Head is that much behind.
func (s *Store) Head() domain.Position { return domain.Position(s.head.Load()) }

// DiskSize returns the bytes the ledger takes on disk: the database file
// plus its write-ahead log (the -wal file, which holds commits not yet
// checkpointed into the database file and may be absent). The shared-memory
// index (-shm) is left out: it is rebuilt from the WAL and holds no data.
// Errors: the file system's, other than a missing -wal.
func (s *Store) DiskSize() (int64, error) {
	var total int64
	for _, p := range []string{s.path, s.path + "-wal"} {
		fi, err := os.Stat(p)
		if errors.Is(err, fs.ErrNotExist) && p != s.path {
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("size of ledger %s: %w", s.path, err)
		}
		total += fi.Size()
	}
	return total, nil
}

// Close stops accepting appends, lets the writer finish the batch it is
// committing, fails the appends still queued with domain.ErrStoreClosed,
// wakes every subscription with domain.ErrStoreClosed and closes the file.
// Close is idempotent: later calls return the first call's result.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		close(s.closing)
		<-s.writerDone
		s.sendMu.Lock()
		s.refuseQueued(nil)
		s.sendMu.Unlock()
		// Readers close first, so the last connection to close is the
		// writer's: it checkpoints the WAL into the database file.
		s.closeErr = errors.Join(
			s.reads.close(),
			s.readDB.Close(),
			s.w.closeStatements(),
			s.w.conn.Close(),
			s.writeDB.Close(),
		)
		if s.closeErr != nil {
			s.closeErr = fmt.Errorf("close ledger %s: %w", s.path, s.closeErr)
		}
	})
	return s.closeErr
}

// isClosing reports whether Close has begun.
func (s *Store) isClosing() bool {
	select {
	case <-s.closing:
		return true
	default:
		return false
	}
}

// commitSignal returns a channel that is closed after the next commit.
func (s *Store) commitSignal() <-chan struct{} {
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	return s.committed
}

// broadcastCommit wakes everyone waiting on commitSignal.
func (s *Store) broadcastCommit() {
	s.commitMu.Lock()
	defer s.commitMu.Unlock()
	close(s.committed)
	s.committed = make(chan struct{})
}
