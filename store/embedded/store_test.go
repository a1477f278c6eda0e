package embedded_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/store/embedded"
	"github.com/welfare-ledger/welfare-ledger/store/storetest"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) domain.EventStore {
		return openStore(t, filepath.Join(t.TempDir(), "ledger.db"))
	})
}

// openStore opens the store at path and closes it at the end of the test.
func openStore(t *testing.T, path string) *embedded.Store {
	t.Helper()
	s, err := embedded.Open(path)
	if err != nil {
		t.Fatalf("Open(%s) error: %v", path, err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close() = %v, want nil", err)
		}
	})
	return s
}

// event returns a valid event with the given amount.
func event(t *testing.T, amount int) domain.NewEvent {
	t.Helper()
	id, err := uuid.NewV7()
	if err != nil {
		t.Fatalf("uuid.NewV7() error: %v", err)
	}
	return domain.NewEvent{
		ID:       id,
		Type:     "DonationReceived",
		Data:     fmt.Appendf(nil, `{"amount":"%d","donor":"Công ty May 10"}`, amount),
		Metadata: fmt.Appendf(nil, `{"event_id":%q,"schema":1}`, id),
	}
}

// readAll reads the whole log.
func readAll(t *testing.T, s *embedded.Store) []domain.StoredEvent {
	t.Helper()
	var all []domain.StoredEvent
	for {
		var after domain.Position
		if len(all) > 0 {
			after = all[len(all)-1].Position
		}
		page, err := s.ReadAll(context.Background(), after, domain.MaxReadBatch)
		if err != nil {
			t.Fatalf("ReadAll(after %d) error: %v", after, err)
		}
		if len(page) == 0 {
			return all
		}
		all = append(all, page...)
	}
}

// plainDB opens the ledger file with database/sql alone, as an auditor's
// tool would.
func plainDB(t *testing.T, path, params string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+params)
	if err != nil {
		t.Fatalf("sql.Open(%s) error: %v", path, err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestReopen: everything acknowledged before Close reads back after Open,
// and appends continue where they left off.
func TestReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	s, err := embedded.Open(path)
	if err != nil {
		t.Fatalf("Open error: %v", err)
	}
	a := domain.ExpectNoStream
	for i := range 5 {
		res, err := s.Append(context.Background(), "fund-a", a, []domain.NewEvent{event(t, i), event(t, 10+i)})
		if err != nil {
			t.Fatalf("Append %d error: %v", i, err)
		}
		a = domain.ExpectRevision(res.NextRevision)
	}
	if _, err := s.Append(context.Background(), "fund-b", domain.ExpectNoStream, []domain.NewEvent{event(t, 99)}); err != nil {
		t.Fatalf("Append to fund-b error: %v", err)
	}
	before := readAll(t, s)
	if err := s.Close(); err != nil {
		t.Fatalf("Close error: %v", err)
	}

	s = openStore(t, path)
	after := readAll(t, s)
	if len(after) != len(before) || len(after) != 11 {
		t.Fatalf("after reopen: %d events, want %d (and 11)", len(after), len(before))
	}
	for i := range before {
		b, g := before[i], after[i]
		if g.Position != b.Position || g.ID != b.ID || g.Stream != b.Stream || g.Revision != b.Revision ||
			g.Type != b.Type || string(g.Data) != string(b.Data) || string(g.Metadata) != string(b.Metadata) {
			t.Fatalf("after reopen event %d = %+v, want %+v", i, g, b)
		}
	}
	// The stream's revision survived: a stale expectation is refused and
	// the right one continues the stream and the log.
	if _, err := s.Append(context.Background(), "fund-a", domain.ExpectRevision(3), []domain.NewEvent{event(t, 1)}); !errors.Is(err, domain.ErrWrongExpectedVersion) {
		t.Fatalf("Append at a stale revision after reopen: error %v, want %v", err, domain.ErrWrongExpectedVersion)
	}
	res, err := s.Append(context.Background(), "fund-a", domain.ExpectRevision(9), []domain.NewEvent{event(t, 1)})
	if err != nil {
		t.Fatalf("Append after reopen error: %v", err)
	}
	if res.NextRevision != 10 || res.FirstPosition <= before[len(before)-1].Position {
		t.Fatalf("Append after reopen = %+v, want revision 10 after position %d", res, before[len(before)-1].Position)
	}
	// Event ids are still unique across the reopen.
	if _, err := s.Append(context.Background(), "fund-c", domain.ExpectNoStream, []domain.NewEvent{{
		ID: before[0].ID, Type: "DonationReceived", Data: []byte(`{}`), Metadata: []byte(`{}`),
	}}); !errors.Is(err, domain.ErrDuplicateEventID) {
		t.Fatalf("Append of an id stored before reopen: error %v, want %v", err, domain.ErrDuplicateEventID)
	}
}

// TestCloseUnderLoad: appends racing with Close either succeed, and then
// survive the reopen, or fail with ErrStoreClosed and leave nothing.
func TestCloseUnderLoad(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	s, err := embedded.Open(path)
	if err != nil {
		t.Fatalf("Open error: %v", err)
	}
	const appenders = 32
	events := make([][]domain.NewEvent, appenders)
	for i := range events {
		for range 50 {
			events[i] = append(events[i], event(t, i))
		}
	}
	acked := make([]int, appenders) // events acknowledged per appender
	var wg sync.WaitGroup
	for i := range appenders {
		wg.Go(func() {
			stream := fmt.Sprintf("fund-%d", i)
			expected := domain.ExpectNoStream
			for _, e := range events[i] {
				res, err := s.Append(context.Background(), stream, expected, []domain.NewEvent{e})
				if errors.Is(err, domain.ErrStoreClosed) {
					return
				}
				if err != nil {
					t.Errorf("appender %d: %v", i, err)
					return
				}
				acked[i]++
				expected = domain.ExpectRevision(res.NextRevision)
			}
		})
	}
	// Let some appends through, then close under them.
	deadline := time.Now().Add(10 * time.Second)
	for s.Stats().AppendsCommitted < appenders && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close error: %v", err)
	}
	wg.Wait()

	s = openStore(t, path)
	stored := make(map[string]int)
	for _, e := range readAll(t, s) {
		stored[e.Stream]++
	}
	for i := range appenders {
		stream := fmt.Sprintf("fund-%d", i)
		if stored[stream] != acked[i] {
			t.Errorf("%s: %d events stored, %d acknowledged; want equal", stream, stored[stream], acked[i])
		}
	}
}

// TestSchemaVersionTooNew: a file from a newer program is refused, and left
// as it was.
func TestSchemaVersionTooNew(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	s, err := embedded.Open(path)
	if err != nil {
		t.Fatalf("Open error: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("Close error: %v", err)
	}
	db := plainDB(t, path, "")
	if _, err := db.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatalf("set user_version: %v", err)
	}
	db.Close()

	s, err = embedded.Open(path)
	if !errors.Is(err, embedded.ErrSchemaTooNew) {
		if s != nil {
			s.Close()
		}
		t.Fatalf("Open(file at schema 99) error = %v, want %v", err, embedded.ErrSchemaTooNew)
	}
	db = plainDB(t, path, "")
	var version int
	if err := db.QueryRow("PRAGMA user_version").Scan(&version); err != nil || version != 99 {
		t.Fatalf("user_version after refused Open = %d, %v; want 99 (untouched)", version, err)
	}
}

// TestNotLedger: Open refuses files that are not ledgers instead of adopting
// or damaging them.
func TestNotLedger(t *testing.T) {
	dir := t.TempDir()

	foreign := filepath.Join(dir, "foreign.db")
	db := plainDB(t, foreign, "")
	if _, err := db.Exec("CREATE TABLE members (id INTEGER PRIMARY KEY, name TEXT)"); err != nil {
		t.Fatalf("create foreign table: %v", err)
	}
	db.Close()
	if s, err := embedded.Open(foreign); !errors.Is(err, embedded.ErrNotLedger) {
		if s != nil {
			s.Close()
		}
		t.Errorf("Open(another application's database) error = %v, want %v", err, embedded.ErrNotLedger)
	}

	garbage := filepath.Join(dir, "garbage.db")
	if err := os.WriteFile(garbage, []byte("this is a spreadsheet, not a database, and it is long enough to have a header"), 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := embedded.Open(garbage); err == nil {
		s.Close()
		t.Errorf("Open(a text file) error = nil, want an error")
	}

	if s, err := embedded.Open(filepath.Join(dir, "missing-dir", "ledger.db")); err == nil {
		s.Close()
		t.Errorf("Open(path in a missing directory) error = nil, want an error")
	}
	if s, err := embedded.Open(""); err == nil {
		s.Close()
		t.Errorf("Open(\"\") error = nil, want an error")
	}
}

// TestAuditorQueries: the file answers plain SQL with json_extract, through
// a connection of its own, while the store is open.
func TestAuditorQueries(t *testing.T) {
	// A '?' and a '%' in the directory name must not confuse the URI.
	dir := filepath.Join(t.TempDir(), "quỹ xã hội?50%")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "ledger.db")
	s := openStore(t, path)
	if s.Path() != path {
		t.Errorf("Path() = %q, want %q", s.Path(), path)
	}
	donation := event(t, 1200000)
	grant := domain.NewEvent{
		ID:       uuid.MustParse("0190f5a4-7b2c-7d3e-8f40-123456789ABC"),
		Type:     "ShelterGrantPaid",
		Data:     []byte(`{"amount":"40000000","member":"Nguyễn Văn A"}`),
		Metadata: []byte(`{"schema":1}`),
	}
	if _, err := s.Append(context.Background(), "fund-social", domain.ExpectNoStream, []domain.NewEvent{donation, grant}); err != nil {
		t.Fatalf("Append error: %v", err)
	}

	// The auditor's connection knows nothing of the store; mode=ro keeps it
	// from changing the file.
	uri := url.URL{Scheme: "file", Path: path, RawQuery: "mode=ro"}
	audit, err := sql.Open("sqlite", uri.String())
	if err != nil {
		t.Fatalf("sql.Open error: %v", err)
	}
	defer audit.Close()
	rows, err := audit.Query(`SELECT type, json_extract(data, '$.amount'), json_extract(data, '$.member'),
		event_id, typeof(data), typeof(metadata) FROM events ORDER BY position`)
	if err != nil {
		t.Fatalf("auditor query error: %v", err)
	}
	defer rows.Close()
	type row struct{ typ, amount, member, id, dataType, metaType string }
	var got []row
	for rows.Next() {
		var r row
		var member sql.NullString
		if err := rows.Scan(&r.typ, &r.amount, &member, &r.id, &r.dataType, &r.metaType); err != nil {
			t.Fatalf("scan: %v", err)
		}
		r.member = member.String
		got = append(got, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("rows: %v", err)
	}
	want := []row{
		{"DonationReceived", "1200000", "", donation.ID.String(), "text", "text"},
		// The id is stored in canonical lowercase whatever case it was parsed from.
		{"ShelterGrantPaid", "40000000", "Nguyễn Văn A", "0190f5a4-7b2c-7d3e-8f40-123456789abc", "text", "text"},
	}
	if len(got) != len(want) {
		t.Fatalf("auditor query: %d rows, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("auditor row %d = %+v, want %+v", i, got[i], want[i])
		}
	}
	back := readAll(t, s)
	if back[1].ID != grant.ID {
		t.Errorf("event id read back = %s, want %s", back[1].ID, grant.ID)
	}
}

// TestGroupCommit: concurrent appends share transactions.
func TestGroupCommit(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "ledger.db"))
	const (
		appenders = 64
		each      = 10
	)
	events := make([][]domain.NewEvent, appenders)
	for i := range events {
		for j := range each {
			events[i] = append(events[i], event(t, j))
		}
	}
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range appenders {
		wg.Go(func() {
			<-start
			expected := domain.ExpectNoStream
			for _, e := range events[i] {
				res, err := s.Append(context.Background(), fmt.Sprintf("fund-%d", i), expected, []domain.NewEvent{e})
				if err != nil {
					t.Errorf("appender %d: %v", i, err)
					return
				}
				expected = domain.ExpectRevision(res.NextRevision)
			}
		})
	}
	close(start)
	wg.Wait()
	st := s.Stats()
	t.Logf("stats: %+v (%.1f appends per batch)", st, float64(st.AppendsCommitted)/float64(st.BatchesCommitted))
	if st.AppendsCommitted != appenders*each || st.EventsCommitted != appenders*each {
		t.Fatalf("Stats() = %+v, want %d appends and events committed", st, appenders*each)
	}
	if st.BatchesCommitted == 0 || st.BatchesCommitted >= st.AppendsCommitted {
		t.Fatalf("Stats() = %+v: %d batches for %d appends, want fewer batches than appends", st, st.BatchesCommitted, st.AppendsCommitted)
	}
	if st.LastBatchSize == 0 || st.LastBatchSize > appenders {
		t.Fatalf("Stats().LastBatchSize = %d, want 1..%d", st.LastBatchSize, appenders)
	}
}

// TestInvalidAppend: events the file could not serve as JSON, or without
// identity, are refused before they reach the writer.
func TestInvalidAppend(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "ledger.db"))
	good := event(t, 1)
	with := func(f func(e *domain.NewEvent)) []domain.NewEvent {
		e := event(t, 2)
		f(&e)
		return []domain.NewEvent{good, e}
	}
	long := make([]byte, 600)
	for i := range long {
		long[i] = 'x'
	}
	for _, c := range []struct {
		name   string
		stream string
		events []domain.NewEvent
	}{
		{"empty stream", "", []domain.NewEvent{good}},
		{"stream name too long", "fund-" + string(long), []domain.NewEvent{good}},
		{"stream name not UTF-8", "fund-\xff", []domain.NewEvent{good}},
		{"nil id", "fund-a", with(func(e *domain.NewEvent) { e.ID = uuid.Nil })},
		{"empty type", "fund-a", with(func(e *domain.NewEvent) { e.Type = "" })},
		{"type too long", "fund-a", with(func(e *domain.NewEvent) { e.Type = string(long) })},
		{"data not JSON", "fund-a", with(func(e *domain.NewEvent) { e.Data = []byte(`{"amount":`) })},
		{"data empty", "fund-a", with(func(e *domain.NewEvent) { e.Data = nil })},
		{"data an array", "fund-a", with(func(e *domain.NewEvent) { e.Data = []byte(` [1]`) })},
		{"data a string", "fund-a", with(func(e *domain.NewEvent) { e.Data = []byte(`"x"`) })},
		{"data not UTF-8", "fund-a", with(func(e *domain.NewEvent) { e.Data = []byte("{\"a\":\"\xff\"}") })},
		{"metadata not JSON", "fund-a", with(func(e *domain.NewEvent) { e.Metadata = []byte(`nope`) })},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := s.Append(context.Background(), c.stream, domain.ExpectNoStream, c.events)
			if !errors.Is(err, embedded.ErrInvalidAppend) {
				t.Fatalf("Append error = %v, want %v", err, embedded.ErrInvalidAppend)
			}
		})
	}
	if n := len(readAll(t, s)); n != 0 {
		t.Fatalf("after invalid appends the log has %d events, want 0", n)
	}
	// Whitespace around a JSON object is kept byte for byte.
	spaced := event(t, 3)
	spaced.Data = []byte(" \n{\"amount\": \"3\"}\t")
	if _, err := s.Append(context.Background(), "fund-a", domain.ExpectNoStream, []domain.NewEvent{spaced}); err != nil {
		t.Fatalf("Append of a spaced JSON object error: %v", err)
	}
	if got := readAll(t, s); len(got) != 1 || string(got[0].Data) != string(spaced.Data) {
		t.Fatalf("spaced data read back as %q, want %q", got[0].Data, spaced.Data)
	}
}

// TestReadBuffersIndependent: events of one read share buffers, but growing
// one event's Data or Metadata never changes another's.
func TestReadBuffersIndependent(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "ledger.db"))
	events := []domain.NewEvent{event(t, 1), event(t, 2), event(t, 3)}
	if _, err := s.Append(context.Background(), "fund-a", domain.ExpectNoStream, events); err != nil {
		t.Fatalf("Append error: %v", err)
	}
	got := readAll(t, s)
	if len(got) != len(events) {
		t.Fatalf("ReadAll: %d events, want %d", len(got), len(events))
	}
	_ = append(got[0].Data, "XXXXXXXX"...)
	_ = append(got[0].Metadata, "XXXXXXXX"...)
	_ = append(got[1].Data, "XXXXXXXX"...)
	for i, e := range got {
		if string(e.Data) != string(events[i].Data) || string(e.Metadata) != string(events[i].Metadata) {
			t.Errorf("event %d after appending to neighbours = %q / %q, want %q / %q", i, e.Data, e.Metadata, events[i].Data, events[i].Metadata)
		}
	}
}

// TestAppendAfterForeignPredecessor: AppendAfter refuses, at once and
// writing nothing, a predecessor that is not a pending append of the same
// store.
func TestAppendAfterForeignPredecessor(t *testing.T) {
	dir := t.TempDir()
	a := openStore(t, filepath.Join(dir, "a.db"))
	b := openStore(t, filepath.Join(dir, "b.db"))
	p, err := a.AppendAfter(context.Background(), "fund-a", domain.ExpectNoStream, []domain.NewEvent{event(t, 1)}, nil)
	if err != nil {
		t.Fatalf("AppendAfter on a: %v", err)
	}
	if _, err := p.Result(); err != nil {
		t.Fatalf("append on a: %v", err)
	}
	if _, err := b.AppendAfter(context.Background(), "fund-a", domain.ExpectNoStream, []domain.NewEvent{event(t, 2)}, p); !errors.Is(err, embedded.ErrInvalidAppend) {
		t.Fatalf("AppendAfter on b behind a's append: %v, want %v", err, embedded.ErrInvalidAppend)
	}
	if n := len(readAll(t, b)); n != 0 {
		t.Fatalf("b has %d events, want 0", n)
	}
}
