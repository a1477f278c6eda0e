package embedded

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// Group-commit limits. A batch is one transaction and one disk flush; these
// caps bound its memory and the time the first request in it waits for the
// last one to be inserted.
const (
	// maxBatchRequests caps the appends in one batch.
	maxBatchRequests = 256
	// maxBatchEvents caps the events in one batch (a request that would
	// exceed it waits for the next batch, which it then opens).
	maxBatchEvents = 4096
	// requestQueueLen is the number of appends that can wait for the writer
	// before Append itself blocks: the back-pressure point.
	requestQueueLen = 1024
)

// States of a request. The writer moves a request from queued to taken when
// it puts it in a batch; Append moves it from queued to abandoned when its
// ctx ends or the store closes first. Whoever wins the compare-and-swap
// decides, so a request is either written or skipped, never both, and an
// Append that returns an error has written nothing.
const (
	queued int32 = iota
	taken
	abandoned
)

// request is one Append waiting for the writer.
type request struct {
	ctx      context.Context
	stream   string
	expected domain.ExpectedRevision
	events   []domain.NewEvent
	ids      []string // the events' ids as stored
	state    atomic.Int32

	// owner is the store the request was queued on.
	owner *Store
	// after is the pipelined request this one must follow (AppendAfter),
	// until the writer has looked at it; failed records, for a request's
	// successor, that it was not written. Both belong to the writer
	// goroutine once the request is queued.
	after  *request
	failed bool

	// result and err are written by the writer before it closes done.
	result domain.AppendResult
	err    error
	done   chan struct{}
}

// finish hands the outcome to the waiting Append.
func (r *request) finish(result domain.AppendResult, err error) {
	if err != nil {
		err = fmt.Errorf("append to %s: %w", r.stream, err)
		result = domain.AppendResult{}
	}
	r.result, r.err = result, err
	close(r.done)
}

// Done is closed once the request's outcome is known (domain.PendingAppend).
func (r *request) Done() <-chan struct{} { return r.done }

// Result waits for the request's outcome (domain.PendingAppend).
func (r *request) Result() (domain.AppendResult, error) {
	<-r.done
	return r.result, r.err
}

// AppendAfter queues an append and returns without waiting for its commit
// (domain.PipelinedStore). The writer takes requests in the order they were
// queued and refuses one whose predecessor after was not written, so a
// caller can keep a stream's next append queued while the previous one is
// being flushed. No one waits on a queued pipelined request, so it is never
// abandoned: the writer answers it, or Close's last sweep does.
//
// Errors, at once and with nothing queued: those of Append's validation,
// domain.ErrStoreClosed, ctx errors; ErrInvalidAppend when after is not a
// pending append of this store.
func (s *Store) AppendAfter(ctx context.Context, stream string, expected domain.ExpectedRevision, events []domain.NewEvent, after domain.PendingAppend) (domain.PendingAppend, error) {
	ids, err := validateAppend(stream, expected, events)
	if err != nil {
		return nil, fmt.Errorf("append to %s: %w", stream, err)
	}
	r := &request{ctx: ctx, stream: stream, expected: expected, events: events, ids: ids, owner: s, done: make(chan struct{})}
	if after != nil {
		prev, ok := after.(*request)
		if !ok || prev.owner != s {
			return nil, fmt.Errorf("append to %s: the append to follow is not a pending append of this store: %w", stream, ErrInvalidAppend)
		}
		r.after = prev
	}
	s.sendMu.RLock()
	defer s.sendMu.RUnlock()
	if s.isClosing() {
		return nil, fmt.Errorf("append to %s: %w", stream, domain.ErrStoreClosed)
	}
	select {
	case s.requests <- r:
		return r, nil
	case <-s.closing:
		return nil, fmt.Errorf("append to %s: %w", stream, domain.ErrStoreClosed)
	case <-ctx.Done():
		return nil, fmt.Errorf("append to %s: %w", stream, ctx.Err())
	}
}

// Append appends events to stream if the stream's last revision is
// expected, and returns once they are durable. It validates the events,
// queues them for the writer and waits for the commit.
//
// If ctx ends while the request is still queued, Append returns the ctx error
// at once and the request is never written. Once the writer has taken the
// request into a batch, Append waits for that batch's commit even if ctx ends
// meanwhile (a bounded wait: one transaction), so that an error always means
// nothing was written, as the port promises — but for a failed commit
// (domain.ErrOutcomeUnknown).
//
// Errors: domain.ErrAppendTooLarge, domain.ErrWrongExpectedVersion,
// domain.ErrDuplicateEventID, domain.ErrChainBroken (domain.CheckAppendLink
// refused the link to the stream's last event), domain.ErrStoreClosed,
// ErrInvalidAppend, ctx errors, domain.ErrStoreUnavailable (with
// domain.ErrOutcomeUnknown when the commit itself failed) when the file
// cannot be written — the whole batch then fails, and WriteHealth reports
// it — and other SQLite errors if the transaction fails.
func (s *Store) Append(ctx context.Context, stream string, expected domain.ExpectedRevision, events []domain.NewEvent) (domain.AppendResult, error) {
	ids, err := validateAppend(stream, expected, events)
	if err != nil {
		return domain.AppendResult{}, fmt.Errorf("append to %s: %w", stream, err)
	}
	if err := ctx.Err(); err != nil {
		return domain.AppendResult{}, fmt.Errorf("append to %s: %w", stream, err)
	}
	closed := func() (domain.AppendResult, error) {
		return domain.AppendResult{}, fmt.Errorf("append to %s: %w", stream, domain.ErrStoreClosed)
	}
	if s.isClosing() {
		return closed()
	}
	r := &request{
		ctx:      ctx,
		stream:   stream,
		expected: expected,
		events:   events,
		ids:      ids,
		owner:    s,
		done:     make(chan struct{}),
	}
	select {
	case s.requests <- r:
	case <-s.closing:
		return closed()
	case <-ctx.Done():
		return domain.AppendResult{}, fmt.Errorf("append to %s: %w", stream, ctx.Err())
	}
	select {
	case <-r.done:
		return r.result, r.err
	case <-ctx.Done():
		if r.state.CompareAndSwap(queued, abandoned) {
			return domain.AppendResult{}, fmt.Errorf("append to %s: %w", stream, ctx.Err())
		}
	case <-s.writerDone:
		// The request went into the queue after the writer's last look.
		if r.state.CompareAndSwap(queued, abandoned) {
			return closed()
		}
	}
	// The writer has taken the request: its outcome is coming.
	<-r.done
	return r.result, r.err
}

// runWriter is the writer goroutine: it turns the request queue into
// batches, one transaction each, until the store closes.
func (s *Store) runWriter() {
	defer close(s.writerDone)
	batch := make([]*request, 0, maxBatchRequests)
	var carry *request // taken off the queue but did not fit the last batch
	for {
		if s.isClosing() {
			s.refuseQueued(carry)
			return
		}
		first := carry
		carry = nil
		if first == nil {
			// While the last write failed because the store cannot
			// write, a probe every probeInterval finds out when it can
			// again.
			var probeDue <-chan time.Time
			if s.WriteHealth() != nil {
				probeDue = time.After(probeInterval)
			}
			select {
			case first = <-s.requests:
			case reply := <-s.probes:
				reply <- s.probe()
				continue
			case <-probeDue:
				_ = s.probe() // its outcome is kept for WriteHealth
				continue
			case <-s.closing:
				s.refuseQueued(nil)
				return
			}
		}
		// Take whatever else is queued right now. No timer: waiting for more
		// requests would only delay this one; under load the queue fills
		// while the previous batch is being flushed.
		batch = append(batch[:0], first)
		events := len(first.events)
	drain:
		for len(batch) < maxBatchRequests {
			select {
			case r := <-s.requests:
				if events+len(r.events) > maxBatchEvents {
					carry = r
					break drain
				}
				batch = append(batch, r)
				events += len(r.events)
			default:
				break drain
			}
		}
		s.commitBatch(batch)
		clear(batch) // let finished requests and their events be collected
	}
}

// refuseQueued fails every request still waiting when the store closes.
func (s *Store) refuseQueued(carry *request) {
	refuse := func(r *request) {
		r.failed, r.after = true, nil
		if r.state.CompareAndSwap(queued, taken) {
			r.finish(domain.AppendResult{}, domain.ErrStoreClosed)
		}
	}
	if carry != nil {
		refuse(carry)
	}
	for {
		select {
		case r := <-s.requests:
			refuse(r)
		default:
			return
		}
	}
}

// commitBatch writes a batch in one transaction and then acknowledges each
// request. A request refused on its own (wrong revision, duplicate id) does
// not affect the others; a failed commit fails them all.
func (s *Store) commitBatch(batch []*request) {
	live := make([]*request, 0, len(batch))
	for _, r := range batch {
		if !r.state.CompareAndSwap(queued, taken) {
			r.failed, r.after = true, nil
			continue // its Append has already returned
		}
		if err := r.ctx.Err(); err != nil {
			r.failed, r.after = true, nil
			r.finish(domain.AppendResult{}, err)
			continue
		}
		live = append(live, r)
	}
	if len(live) == 0 {
		return
	}
	results := make([]domain.AppendResult, len(live))
	errs := make([]error, len(live))
	start := time.Now()
	err := s.w.write(live, results, errs)
	took := time.Since(start)
	if err != nil {
		s.noteWrite(err)
		for _, r := range live {
			r.failed = true
			r.finish(domain.AppendResult{}, err)
		}
		return
	}

	var appends, events uint64
	var last domain.Position
	for i, r := range live {
		if errs[i] == nil {
			appends++
			events += uint64(len(r.events))
			last = max(last, results[i].LastPosition)
		}
	}
	if appends > 0 {
		// Only a commit that wrote something shows the disk takes writes.
		s.noteWrite(nil)
		s.appendsCommitted.Add(appends)
		s.eventsCommitted.Add(events)
		s.batchesCommitted.Add(1)
		s.lastBatchSize.Store(appends)
		// Only this goroutine writes head after Open, and positions only
		// grow, so a plain store keeps it monotonic.
		s.head.Store(uint64(last))
	}
	for i, r := range live {
		r.finish(results[i], errs[i])
	}
	if appends > 0 {
		s.broadcastCommit()
		if s.onCommit != nil {
			s.onCommit(int(events), int(appends), took)
		}
	}
}

// writer owns the write connection and its prepared statements. Only the
// writer goroutine (and Open and Close, before and after it) uses it.
type writer struct {
	conn *sql.Conn

	begin, commit, rollback        *sql.Stmt
	savepoint, release, rollbackTo *sql.Stmt
	lastEvent, insert, idExists    *sql.Stmt
}

// newWriter prepares the writer's statements on conn.
func newWriter(ctx context.Context, conn *sql.Conn) (*writer, error) {
	w := &writer{conn: conn}
	for _, p := range []struct {
		stmt  **sql.Stmt
		query string
	}{
		// IMMEDIATE takes the write lock at once: the revision checks below
		// must see the stream as it is when the batch commits, even if
		// another process writes the same file.
		{&w.begin, "BEGIN IMMEDIATE"},
		{&w.commit, "COMMIT"},
		{&w.rollback, "ROLLBACK"},
		{&w.savepoint, "SAVEPOINT append_request"},
		{&w.release, "RELEASE append_request"},
		{&w.rollbackTo, "ROLLBACK TO append_request"},
		// The stream's last event, whole: its revision for the expected
		// revision, its bytes for the hash chain (domain.CheckAppendLink).
		// One lookup in the (stream, revision) index and one in the table.
		{&w.lastEvent, "SELECT revision, type, data, metadata FROM events WHERE stream = ? ORDER BY revision DESC LIMIT 1"},
		{&w.insert, "INSERT INTO events (stream, revision, event_id, type, data, metadata) VALUES (?, ?, ?, ?, ?, ?)"},
		{&w.idExists, "SELECT EXISTS (SELECT 1 FROM events WHERE event_id = ?)"},
	} {
		stmt, err := conn.PrepareContext(ctx, p.query)
		if err != nil {
			w.closeStatements()
			return nil, fmt.Errorf("prepare %q: %w", p.query, err)
		}
		*p.stmt = stmt
	}
	return w, nil
}

// closeStatements closes the prepared statements that exist.
func (w *writer) closeStatements() error {
	var errs []error
	for _, stmt := range []*sql.Stmt{w.begin, w.commit, w.rollback, w.savepoint, w.release, w.rollbackTo, w.lastEvent, w.insert, w.idExists} {
		if stmt != nil {
			errs = append(errs, stmt.Close())
		}
	}
	return errors.Join(errs...)
}

// write runs the requests in one transaction, filling results and errs per
// request. It returns an error when the batch as a whole failed, in which
// case nothing of it was written.
func (w *writer) write(reqs []*request, results []domain.AppendResult, errs []error) error {
	// The writer's statements run on the background context: one caller's
	// cancelled ctx must not interrupt a batch that holds other callers'
	// events.
	ctx := context.Background()
	if _, err := w.begin.ExecContext(ctx); err != nil {
		return fmt.Errorf("begin batch: %w", classify(err))
	}
	for i, r := range reqs {
		if r.after != nil {
			// The predecessor was queued first, so the writer has already
			// decided it: in an earlier batch, or above in this one.
			predecessorFailed := r.after.failed
			r.after = nil
			if predecessorFailed {
				r.failed = true
				errs[i] = domain.ErrPredecessorFailed
				continue
			}
		}
		res, err, fatal := w.apply(ctx, r)
		if fatal != nil {
			// Nothing of the batch is written: SQLite may already have
			// rolled the whole transaction back by itself (it does so on
			// a full disk or an I/O error), and the requests after this
			// one must not run outside it.
			w.abort(ctx)
			return fmt.Errorf("batch of %d appends: %w", len(reqs), classify(fatal))
		}
		results[i], errs[i] = res, err
		r.failed = err != nil
	}
	if _, err := w.commit.ExecContext(ctx); err != nil {
		w.abort(ctx)
		// The commit writes and flushes the log: a failure there may
		// come after the batch reached the disk.
		return fmt.Errorf("commit batch of %d appends: %w: %w", len(reqs), domain.ErrOutcomeUnknown, classify(err))
	}
	return nil
}

// abort rolls the batch back. Its error is ignored because the caller
// already reports the failure that led here, and SQLite may have rolled the
// transaction back by itself (then ROLLBACK fails with "no transaction").
func (w *writer) abort(ctx context.Context) {
	_, _ = w.rollback.ExecContext(ctx)
}

// apply checks and inserts one request inside the batch transaction. err is
// the request's own failure (a wrong revision, a duplicate id, a broken
// chain link), after which the transaction continues without any of its
// events; fatal means the transaction is unusable (any other failure: SQLite
// may have rolled it back already).
func (w *writer) apply(ctx context.Context, r *request) (res domain.AppendResult, err, fatal error) {
	tail, err := w.tail(ctx, r.stream)
	if err != nil {
		return res, nil, err
	}
	next, err := nextRevision(tail, r.expected)
	if err != nil {
		return res, err, nil
	}
	if err := domain.CheckAppendLink(r.stream, tail, r.events[0]); err != nil {
		return res, err, nil
	}
	// A single INSERT is atomic by itself; only several need a savepoint to
	// be undone together.
	multi := len(r.events) > 1
	if multi {
		if _, err := w.savepoint.ExecContext(ctx); err != nil {
			return res, nil, fmt.Errorf("savepoint: %w", err)
		}
	}
	for i, e := range r.events {
		// data and metadata are bound as strings so that SQLite stores TEXT,
		// which its json functions read; bound as []byte they would be BLOBs.
		sqlRes, err := w.insert.ExecContext(ctx, r.stream, int64(next)+int64(i), r.ids[i], e.Type, string(e.Data), string(e.Metadata))
		if err == nil {
			var pos int64
			pos, err = sqlRes.LastInsertId()
			if i == 0 {
				res.FirstPosition = domain.Position(pos)
			}
			res.LastPosition = domain.Position(pos)
		}
		if err != nil {
			if !isConstraint(err) {
				// Not the request's fault (a full disk, an I/O error):
				// SQLite may have rolled the whole transaction back, so
				// neither the savepoint nor the batch is left to go on.
				return domain.AppendResult{}, nil, fmt.Errorf("insert: %w", err)
			}
			if multi {
				if fatal := w.undo(ctx); fatal != nil {
					return domain.AppendResult{}, nil, fatal
				}
			}
			err = w.explainInsertError(ctx, r, err)
			if !isRequestError(err) {
				return domain.AppendResult{}, nil, err
			}
			return domain.AppendResult{}, err, nil
		}
	}
	if multi {
		if _, err := w.release.ExecContext(ctx); err != nil {
			return domain.AppendResult{}, nil, fmt.Errorf("release savepoint: %w", err)
		}
	}
	res.NextRevision = next + uint64(len(r.events)) - 1
	return res, nil, nil
}

// undo rolls back to the request's savepoint and removes it.
func (w *writer) undo(ctx context.Context) error {
	if _, err := w.rollbackTo.ExecContext(ctx); err != nil {
		return fmt.Errorf("rollback to savepoint: %w", err)
	}
	if _, err := w.release.ExecContext(ctx); err != nil {
		return fmt.Errorf("release savepoint: %w", err)
	}
	return nil
}

// tail returns the stream's last stored event, or nil for an empty stream.
// It runs inside the batch transaction, so it sees the requests before this
// one in the same batch.
func (w *writer) tail(ctx context.Context, stream string) (*domain.StoredEvent, error) {
	var (
		revision       int64
		typ            string
		data, metadata []byte
	)
	err := w.lastEvent.QueryRowContext(ctx, stream).Scan(&revision, &typ, &data, &metadata)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("read the stream's last event: %w", err)
	}
	return &domain.StoredEvent{Stream: stream, Revision: uint64(revision), Type: typ, Data: data, Metadata: metadata}, nil
}

// nextRevision returns the revision the request's first event gets after
// tail (nil: an empty stream), or ErrWrongExpectedVersion.
func nextRevision(tail *domain.StoredEvent, expected domain.ExpectedRevision) (uint64, error) {
	switch {
	case tail == nil && expected != domain.ExpectNoStream:
		return 0, fmt.Errorf("stream does not exist, expected revision %d: %w", expected, domain.ErrWrongExpectedVersion)
	case tail == nil:
		return 0, nil
	case expected == domain.ExpectNoStream:
		return 0, fmt.Errorf("stream exists at revision %d, expected no stream: %w", tail.Revision, domain.ErrWrongExpectedVersion)
	case uint64(expected) != tail.Revision:
		return 0, fmt.Errorf("stream is at revision %d, expected %d: %w", tail.Revision, expected, domain.ErrWrongExpectedVersion)
	}
	return tail.Revision + 1, nil
}

// explainInsertError turns an insert refused by a constraint into the
// port's error. A unique constraint failure is either a reused event id or, if another process
// wrote to the stream, a taken (stream, revision); which one is asked of
// the data, now that the request's own rows are rolled back, rather than
// read from the error text.
func (w *writer) explainInsertError(ctx context.Context, r *request, err error) error {
	for _, id := range r.ids {
		var exists bool
		if qerr := w.idExists.QueryRowContext(ctx, id).Scan(&exists); qerr != nil {
			return fmt.Errorf("insert: %w", errors.Join(err, qerr))
		}
		if exists {
			return fmt.Errorf("event id %s already exists: %w", id, domain.ErrDuplicateEventID)
		}
	}
	return fmt.Errorf("stream revision taken concurrently: %w", domain.ErrWrongExpectedVersion)
}
