package embedded_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/store/embedded"
)

// feed returns a next function for ImportLog over events, then io.EOF.
func feed(events []domain.StoredEvent) func() (domain.StoredEvent, error) {
	i := 0
	return func() (domain.StoredEvent, error) {
		if i == len(events) {
			return domain.StoredEvent{}, io.EOF
		}
		i++
		return events[i-1], nil
	}
}

// sampleLog returns a log of three streams with a gap in its positions, as
// a log exported from KurrentDB (commit positions) has.
func sampleLog(t *testing.T) []domain.StoredEvent {
	t.Helper()
	var log []domain.StoredEvent
	pos := domain.Position(0)
	for i, stream := range []string{"fund-a", "fund-b", "fund-a", "unit-x", "fund-a"} {
		e := event(t, 1000*(i+1))
		var rev uint64
		for _, prev := range log {
			if prev.Stream == stream {
				rev = prev.Revision + 1
			}
		}
		pos += domain.Position(1 + 7*i)
		log = append(log, domain.StoredEvent{Position: pos, Stream: stream, Revision: rev, ID: e.ID, Type: e.Type, Data: e.Data, Metadata: e.Metadata})
	}
	return log
}

func TestImportLogKeepsEveryEventWhereItWas(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "ledger.db"))
	log := sampleLog(t)
	n, err := s.ImportLog(context.Background(), feed(log))
	if err != nil || n != len(log) {
		t.Fatalf("ImportLog = %d, %v, want %d, nil", n, err, len(log))
	}
	if got := readAll(t, s); !reflect.DeepEqual(got, log) {
		t.Errorf("log after import:\n got %+v\nwant %+v", got, log)
	}
	if got, want := s.Head(), log[len(log)-1].Position; got != want {
		t.Errorf("Head() = %d, want %d", got, want)
	}
	// Appends go on after the imported log, at the stream's next revision.
	res, err := s.Append(context.Background(), "fund-a", domain.ExpectRevision(2), []domain.NewEvent{event(t, 1)})
	if err != nil {
		t.Fatalf("Append after import: %v", err)
	}
	if res.FirstPosition <= log[len(log)-1].Position || res.NextRevision != 3 {
		t.Errorf("Append after import = %+v, want after position %d at revision 3", res, log[len(log)-1].Position)
	}
}

func TestImportLogRefusesAndLeavesTheLedgerEmpty(t *testing.T) {
	errFeed := errors.New("line 3 is altered")
	tests := []struct {
		name    string
		log     func(t *testing.T) []domain.StoredEvent
		failAt  int // next fails with errFeed at this event; -1 never
		wantErr error
	}{
		{"the source fails", sampleLog, 2, errFeed},
		{"a reused event id", func(t *testing.T) []domain.StoredEvent {
			log := sampleLog(t)
			log[3].ID = log[1].ID
			return log
		}, -1, domain.ErrDuplicateEventID},
		{"a revision twice", func(t *testing.T) []domain.StoredEvent {
			log := sampleLog(t)
			log[2].Revision = 0
			return log
		}, -1, domain.ErrWrongExpectedVersion},
		{"positions going back", func(t *testing.T) []domain.StoredEvent {
			log := sampleLog(t)
			log[4].Position = log[3].Position
			return log
		}, -1, embedded.ErrInvalidAppend},
		{"data that is not JSON", func(t *testing.T) []domain.StoredEvent {
			log := sampleLog(t)
			log[4].Data = []byte(`{"amount":`)
			return log
		}, -1, embedded.ErrInvalidAppend},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openStore(t, filepath.Join(t.TempDir(), "ledger.db"))
			next := feed(tt.log(t))
			i := 0
			n, err := s.ImportLog(context.Background(), func() (domain.StoredEvent, error) {
				if i == tt.failAt {
					return domain.StoredEvent{}, errFeed
				}
				i++
				return next()
			})
			if !errors.Is(err, tt.wantErr) || n != 0 {
				t.Fatalf("ImportLog = %d, %v, want 0, %v", n, err, tt.wantErr)
			}
			if got := readAll(t, s); len(got) != 0 {
				t.Fatalf("%d events written by a refused import", len(got))
			}
			// Still empty and usable: the same log imports now.
			log := sampleLog(t)
			if n, err := s.ImportLog(context.Background(), feed(log)); err != nil || n != len(log) {
				t.Fatalf("ImportLog after a refused one = %d, %v", n, err)
			}
		})
	}
}

func TestImportLogRefusesALedgerThatIsNotEmpty(t *testing.T) {
	s := openStore(t, filepath.Join(t.TempDir(), "ledger.db"))
	if _, err := s.Append(context.Background(), "unit-y", domain.ExpectNoStream, []domain.NewEvent{event(t, 5)}); err != nil {
		t.Fatal(err)
	}
	before := readAll(t, s)
	if n, err := s.ImportLog(context.Background(), feed(sampleLog(t))); !errors.Is(err, domain.ErrLedgerNotEmpty) || n != 0 {
		t.Fatalf("ImportLog into a ledger with an event = %d, %v, want 0, ErrLedgerNotEmpty", n, err)
	}
	if got := readAll(t, s); !reflect.DeepEqual(got, before) {
		t.Errorf("the ledger changed: %+v, was %+v", got, before)
	}
}

// longLog returns a log of n events over a few streams: several full
// batches of the import's multi-row inserts, and a partial one.
func longLog(t *testing.T, n int) []domain.StoredEvent {
	t.Helper()
	log := make([]domain.StoredEvent, n)
	revs := map[string]uint64{}
	for i := range log {
		e := event(t, i+1)
		stream := fmt.Sprintf("fund-%d", i%3)
		log[i] = domain.StoredEvent{Position: domain.Position(i + 1), Stream: stream, Revision: revs[stream], ID: e.ID, Type: e.Type, Data: e.Data, Metadata: e.Metadata}
		revs[stream]++
	}
	return log
}

// TestImportLogNamesTheEventRefusedInABatch: the events go in 64 to a
// statement, yet a refused one is named by its number in the import, not
// by the last one the store took, whichever batch it falls in; nothing is
// written, and the whole log imports afterwards, every event as given.
func TestImportLogNamesTheEventRefusedInABatch(t *testing.T) {
	const n = 300 // four full batches of 64 and one of 44
	tests := []struct {
		name    string
		edit    func(log []domain.StoredEvent)
		want    int // the event refused, from 1
		wantErr error
	}{
		{"an id again in the first batch", func(log []domain.StoredEvent) { log[40].ID = log[3].ID }, 41, domain.ErrDuplicateEventID},
		{"an id again in a later batch", func(log []domain.StoredEvent) { log[200].ID = log[150].ID }, 201, domain.ErrDuplicateEventID},
		{"an id again in the last batch", func(log []domain.StoredEvent) { log[n-1].ID = log[0].ID }, n, domain.ErrDuplicateEventID},
		{"a revision twice", func(log []domain.StoredEvent) { log[130].Revision = 0 }, 131, domain.ErrWrongExpectedVersion},
		{"data that is not JSON", func(log []domain.StoredEvent) { log[70].Data = []byte(`{"amount":`) }, 71, embedded.ErrInvalidAppend},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openStore(t, filepath.Join(t.TempDir(), "ledger.db"))
			log := longLog(t, n)
			tt.edit(log)
			_, err := s.ImportLog(context.Background(), feed(log))
			var ee *embedded.ImportEventError
			if !errors.Is(err, tt.wantErr) || !errors.As(err, &ee) || ee.Event != tt.want {
				t.Fatalf("ImportLog = %v, want event %d refused with %v", err, tt.want, tt.wantErr)
			}
			if got := readAll(t, s); len(got) != 0 {
				t.Fatalf("%d events written by a refused import", len(got))
			}
			good := longLog(t, n)
			if got, err := s.ImportLog(context.Background(), feed(good)); err != nil || got != n {
				t.Fatalf("ImportLog after a refused one = %d, %v", got, err)
			}
			if got := readAll(t, s); !reflect.DeepEqual(got, good) {
				t.Errorf("the imported log differs from the one given (%d events, want %d)", len(got), n)
			}
		})
	}
}
