// Package embedded is the default event store of Welfare Ledger: the whole
// log in one SQLite database file, <data>/ledger.db, reached through
// database/sql and modernc.org/sqlite (pure Go, no cgo). It is the only
// package that imports the SQLite driver.
//
// # Why SQLite
//
// It was measured against bbolt, Pebble and SQLite through cgo on the kind
// of two-core machine a provincial union runs: it was fastest or tied on
// durable appends and on cold scans, and it survived repeated kill -9 in the
// middle of writes. The deciding reason is the auditor: an inspection
// committee or the State Audit can open the file with the stock sqlite3
// tool, without our program, and check every figure in plain SQL:
//
//	sqlite3 -readonly ledger.db \
//	  "select position, stream, revision, type,
//	          json_extract(data, '$.amount') from events order by position"
//
// # The file
//
// One table, events, whose rowid position is the global Position; stream and
// revision (0-based) place the event in its stream; event_id is the
// canonical lowercase UUID text; data and metadata are the event's JSON
// objects stored as TEXT, byte for byte as appended, so json_extract works
// on them and the hash chain in the metadata can be recomputed from the
// stored bytes. Unique indexes on (stream, revision) and on event_id make
// SQLite itself refuse a second event at a revision or a reused event id.
// PRAGMA user_version is the schema version: Open migrates older files and
// refuses files written by a newer program (ErrSchemaTooNew), and PRAGMA
// application_id marks the file as a ledger so that Open refuses to adopt
// some other application's database (ErrNotLedger).
//
// # Durability and concurrency
//
// The database runs in WAL mode with synchronous=FULL: a commit returns only
// after the log is flushed to disk, so every acknowledged append survives a
// crash or a power cut, and a crash never leaves half an append. In WAL mode
// readers never block the writer nor the writer the readers, which is why
// verify, export and replay can read a live ledger, and why reads here go
// through a separate pool of read-only connections.
//
// All appends go through one writer goroutine that owns the one write
// connection (group commit). Append validates its events, queues a request
// and waits. The writer takes the first queued request, then whatever else
// is queued at that moment (up to maxBatchRequests requests and
// maxBatchEvents events; there is no timer, so a lone append is never
// delayed), and runs them all in one transaction: each request is checked
// against its stream's revision, seeing the requests before it in the same
// batch, and inserted under a savepoint, so a request that fails (wrong
// expected revision, duplicate event id) is rolled back alone while the
// others proceed. The transaction then commits once — one disk flush for the
// whole batch — and only after that is each request acknowledged. Under load
// the batches grow by themselves: the longer a flush takes, the more
// requests queue behind it and share the next one.
//
// Each request is also checked against its stream's hash chain in the same
// transaction (domain.CheckAppendLink): the revision check reads the
// stream's last event whole, recomputes its hash from its stored bytes and
// compares it with its stored hash and with the new first event's
// prev_hash. So an event edited in the file while the service runs (with
// sqlite3, say) takes no append on top of it: the request fails with
// domain.ErrChainBroken and the rest of the batch goes on.
//
// # Faults
//
// A failure that is not a request's own — SQLite's "database or disk is
// full", a read-only file or directory, an I/O error, a lock held beyond
// the busy timeout — fails the whole batch and is domain.ErrStoreUnavailable.
// The batch is rolled back as a whole: SQLite may already have rolled the
// transaction back by itself, so no later request of the batch may run
// outside it. A failure of the COMMIT itself adds domain.ErrOutcomeUnknown:
// the commit may have reached the disk. WriteHealth reports the last such
// failure until a write commits again; meanwhile the writer probes once a
// second with a commit of its own (the schema version rewritten with the
// same value), so the store becomes healthy again by itself once space is
// freed. CheckWritable runs the same probe on demand.
//
// Subscriptions read pages of the log from their position and, once caught
// up, wait for the writer's broadcast after its next commit. They take the
// broadcast channel before reading, so an event committed between a read and
// the wait is never missed.
package embedded
