package kdbtest

import (
	"sort"
	"sync"

	"github.com/google/uuid"
)

// Sizes of the simulated transaction file. KurrentDB's positions are byte
// offsets of log records, so the gap between two events depends on the
// size of the first one; these constants make ours do the same.
const (
	// epochRecordSize is the record the log opens with. A real log begins
	// with an epoch record, which is not an event, so no event ever sits at
	// position 0 (a subscription "from position 0, exclusive" would
	// otherwise skip the first event).
	epochRecordSize = 137
	// recordOverhead approximates a prepare record's fixed part: flags,
	// log and transaction positions, expected version, event and
	// correlation ids, timestamp, the length prefixes of its strings and
	// byte arrays, and the record's length prefix and suffix.
	recordOverhead = 95
	// noStream is KurrentDB's "current version" of a stream without events.
	noStream = -1
)

// record is one event in the log.
type record struct {
	stream    string
	revision  uint64
	id        uuid.UUID
	eventType string
	isJSON    bool
	created   int64 // .NET ticks (100 ns) since the Unix epoch
	data      []byte
	metadata  []byte
	// position is both the commit and the prepare position: every append is
	// an implicit transaction whose events are self-committed prepare
	// records, each at its own byte offset (see doc.go).
	position uint64
}

// size is the number of bytes the record occupies in the simulated log.
func (r *record) size() uint64 {
	// Event types are stored as UTF-16 in KurrentDB's size estimate
	// (Event.SizeOnDisk), hence the factor 2.
	return recordOverhead + uint64(len(r.stream)) + 2*uint64(len(r.eventType)) +
		uint64(len(r.data)) + uint64(len(r.metadata))
}

// proposed is one event of an append request.
type proposed struct {
	id        uuid.UUID
	eventType string
	isJSON    bool
	data      []byte
	metadata  []byte
}

// expectKind is the kind of expected stream revision of an append.
type expectKind int

const (
	expectRevision expectKind = iota
	expectNoStream
	expectAny
	expectStreamExists
)

// expectation is an append's expected stream revision.
type expectation struct {
	kind     expectKind
	revision uint64 // for expectRevision
}

// version is the expectation as KurrentDB's signed expected version:
// -1 no stream, -2 any, -4 stream exists, n an exact revision.
func (e expectation) version() int64 {
	switch e.kind {
	case expectNoStream:
		return -1
	case expectAny:
		return -2
	case expectStreamExists:
		return -4
	default:
		return int64(e.revision)
	}
}

// appendOutcome is the log's answer to an append.
type appendOutcome struct {
	// wrongVersion: nothing was written; current is the stream's version.
	wrongVersion bool
	// current is the stream's last revision, or noStream, at the check.
	current int64
	// lastRevision and position describe the last event of the append —
	// written now or, for an idempotent retry, written before.
	lastRevision int64
	position     uint64
	hasPosition  bool
}

// eventLog is the store: every event in position order, and an index per
// stream. All fields are guarded by mu.
type eventLog struct {
	mu      sync.Mutex
	records []*record
	// byPosition maps a record's position to its index in records.
	byPosition map[uint64]int
	streams    map[string][]*record
	// lastByID is the most recent record of each event id: the weak
	// idempotency check of Any/StreamExists appends looks ids up here.
	lastByID map[uuid.UUID]*record
	// next is the writer checkpoint: the position the next record takes.
	next uint64
	// changed is closed and replaced on every write, waking subscriptions.
	changed chan struct{}
	// now returns the current time as .NET ticks since the Unix epoch.
	now func() int64
}

func newEventLog(now func() int64) *eventLog {
	return &eventLog{
		byPosition: make(map[uint64]int),
		streams:    make(map[string][]*record),
		lastByID:   make(map[uuid.UUID]*record),
		next:       epochRecordSize,
		changed:    make(chan struct{}),
		now:        now,
	}
}

// currentVersion is the stream's last revision, or noStream. mu is held.
func (l *eventLog) currentVersion(stream string) int64 {
	return int64(len(l.streams[stream])) - 1
}

// append applies KurrentDB's commit check (IndexWriter.CheckCommit) and, if
// it passes, writes the events as one contiguous transaction.
func (l *eventLog) append(stream string, expected expectation, events []proposed) appendOutcome {
	l.mu.Lock()
	defer l.mu.Unlock()

	current := l.currentVersion(stream)
	wrong := appendOutcome{wrongVersion: true, current: current}

	switch expected.kind {
	case expectStreamExists:
		if current == noStream {
			return wrong
		}
		fallthrough
	case expectAny:
		return l.appendWeak(stream, current, events)
	}

	// Strong check: the expected version names event numbers exactly.
	want := expected.version()
	switch {
	case want < current:
		return l.checkIdempotent(stream, want, current, events)
	case want > current:
		return wrong
	default:
		return l.write(stream, current, events)
	}
}

// checkIdempotent handles an exact expected version the stream is already
// past: the events at the following revisions must carry the same ids, all
// of them, for the append to succeed with nothing written; a first or later
// mismatch (including running past the stream's end) is a wrong expected
// version. mu is held.
func (l *eventLog) checkIdempotent(stream string, want, current int64, events []proposed) appendOutcome {
	wrong := appendOutcome{wrongVersion: true, current: current}
	if len(events) == 0 {
		return wrong
	}
	existing := l.streams[stream]
	for i, event := range events {
		revision := want + 1 + int64(i)
		if revision > current || existing[revision].id != event.id {
			return wrong
		}
	}
	last := existing[want+int64(len(events))]
	return appendOutcome{current: current, lastRevision: int64(last.revision), position: last.position, hasPosition: true}
}

// appendWeak handles Any and StreamExists: ids already written to this
// stream make the append an idempotent success only when every id of the
// append is found; a first id found and a later one not is a wrong expected
// version ("corrupted idempotency"); a first id not found is a plain write.
// mu is held.
func (l *eventLog) appendWeak(stream string, current int64, events []proposed) appendOutcome {
	var last *record
	for i, event := range events {
		found, ok := l.lastByID[event.id]
		if ok && found.stream == stream {
			last = found
			continue
		}
		if i > 0 {
			return appendOutcome{wrongVersion: true, current: current}
		}
		return l.write(stream, current, events)
	}
	if last == nil { // no events at all
		return l.write(stream, current, events)
	}
	return appendOutcome{current: current, lastRevision: int64(last.revision), position: last.position, hasPosition: true}
}

// write appends the events at the end of the stream and of the log. mu is
// held.
func (l *eventLog) write(stream string, current int64, events []proposed) appendOutcome {
	if len(events) == 0 {
		return appendOutcome{current: current, lastRevision: current}
	}
	created := l.now()
	var last *record
	for i, event := range events {
		last = &record{
			stream:    stream,
			revision:  uint64(current + 1 + int64(i)),
			id:        event.id,
			eventType: event.eventType,
			isJSON:    event.isJSON,
			created:   created,
			data:      event.data,
			metadata:  event.metadata,
		}
		l.place(last)
	}
	l.notify()
	return appendOutcome{current: current, lastRevision: int64(last.revision), position: last.position, hasPosition: true}
}

// place gives the record the next position and indexes it. mu is held.
func (l *eventLog) place(r *record) {
	r.position = l.next
	l.next += r.size()
	l.byPosition[r.position] = len(l.records)
	l.records = append(l.records, r)
	l.streams[r.stream] = append(l.streams[r.stream], r)
	l.lastByID[r.id] = r
}

// notify wakes every waiting subscription. mu is held.
func (l *eventLog) notify() {
	close(l.changed)
	l.changed = make(chan struct{})
}

// allPositionValid reports whether a $all read may start at commit: the
// start of the log, an event's position or the end of the log or beyond.
// KurrentDB answers InvalidPosition for an offset inside a record. mu is
// held.
func (l *eventLog) allPositionValid(commit uint64) bool {
	if commit == 0 || commit >= l.next {
		return true
	}
	_, ok := l.byPosition[commit]
	return ok
}

// firstAtOrAfter is the index of the first record whose position is at or
// after commit. mu is held.
func (l *eventLog) firstAtOrAfter(commit uint64) int {
	return sort.Search(len(l.records), func(i int) bool { return l.records[i].position >= commit })
}
