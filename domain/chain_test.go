package domain_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// interleave merges two streams' events into one log, alternating.
func interleave(a, b []domain.StoredEvent) []domain.StoredEvent {
	var out []domain.StoredEvent
	for i := 0; i < len(a) || i < len(b); i++ {
		if i < len(a) {
			out = append(out, a[i])
		}
		if i < len(b) {
			out = append(out, b[i])
		}
	}
	for i := range out {
		out[i].Position = domain.Position(i + 1)
	}
	return out
}

// checkLog runs a ChainChecker over log and returns the "stream@revision"
// of every event it refused.
func checkLog(t *testing.T, log []domain.StoredEvent) (refused []string, streams int) {
	t.Helper()
	c := domain.NewChainChecker()
	for _, se := range log {
		if err := c.Check(se); err != nil {
			if !errors.Is(err, domain.ErrHashMismatch) {
				t.Errorf("Check(%s@%d) = %v, want ErrHashMismatch", se.Stream, se.Revision, err)
			}
			at := fmt.Sprintf("%s@%d", se.Stream, se.Revision)
			if !strings.Contains(err.Error(), at) {
				t.Errorf("Check(%s@%d) = %q, want it to name %s", se.Stream, se.Revision, err, at)
			}
			refused = append(refused, at)
		}
	}
	return refused, c.Streams()
}

func TestChainChecker(t *testing.T) {
	a, b := fiveEventChain(t), fiveEventChain(t)
	at := func(se domain.StoredEvent) string { return fmt.Sprintf("%s@%d", se.Stream, se.Revision) }
	tests := []struct {
		name   string
		change func(a, b []domain.StoredEvent) []domain.StoredEvent
		want   []string
	}{
		{"untouched", func(a, b []domain.StoredEvent) []domain.StoredEvent { return interleave(a, b) }, nil},
		{"amount changed, reported once", func(a, b []domain.StoredEvent) []domain.StoredEvent {
			a[1].Data = bytes.Replace(a[1].Data, []byte(`"1000000"`), []byte(`"9000000"`), 1)
			return interleave(a, b)
		}, []string{at(a[1])}},
		{"one event of each stream", func(a, b []domain.StoredEvent) []domain.StoredEvent {
			a[4].Metadata[10] ^= 1
			b[0].Data[3] ^= 1
			return interleave(a, b)
		}, []string{at(b[0]), at(a[4])}},
		{"middle event removed", func(a, b []domain.StoredEvent) []domain.StoredEvent {
			return interleave(append(a[:2], a[3:]...), b)
		}, []string{at(a[3])}},
		{"revision renumbered, bytes intact", func(a, b []domain.StoredEvent) []domain.StoredEvent {
			b[2].Revision = 7
			return interleave(a, b)
		}, []string{fmt.Sprintf("%s@7", b[2].Stream)}},
		{"first event missing", func(a, b []domain.StoredEvent) []domain.StoredEvent {
			return interleave(a, b[1:])
		}, []string{at(b[1])}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := tt.change(cloneChain(a), cloneChain(b))
			refused, streams := checkLog(t, log)
			if fmt.Sprint(refused) != fmt.Sprint(tt.want) {
				t.Errorf("refused %v, want %v", refused, tt.want)
			}
			if streams != 2 {
				t.Errorf("Streams() = %d, want 2", streams)
			}
		})
	}
}

// asNew turns a stored event back into the NewEvent that wrote it.
func asNew(se domain.StoredEvent) domain.NewEvent {
	return domain.NewEvent{ID: se.ID, Type: se.Type, Data: se.Data, Metadata: se.Metadata}
}

func TestCheckAppendLink(t *testing.T) {
	chain := fiveEventChain(t)
	stream := chain[0].Stream
	tail := chain[3]
	next := asNew(chain[4]) // sealed on tail's hash
	other := fiveEventChain(t)
	unsealed := domain.NewEvent{ID: domain.NewID(), Type: "DonationReceived", Data: []byte(`{"n":1}`), Metadata: []byte(`{"schema":1}`)}
	unsealedTail := domain.StoredEvent{Stream: stream, Revision: 0, Type: "DonationReceived", Data: []byte(`{"n":0}`), Metadata: []byte(`{"schema":1}`)}
	edited := func(change func(se *domain.StoredEvent)) *domain.StoredEvent {
		se := cloneChain([]domain.StoredEvent{tail})[0]
		change(&se)
		return &se
	}
	tests := []struct {
		name  string
		tail  *domain.StoredEvent
		first domain.NewEvent
		ok    bool
	}{
		{"the next link of an untouched tail", &tail, next, true},
		{"the first event of an empty stream", nil, asNew(chain[0]), true},
		{"unchained events on an unchained tail", &unsealedTail, unsealed, true},
		{"unchained events on an empty stream", nil, unsealed, true},
		{"an empty stream, the append links elsewhere", nil, next, false},
		{"the tail's amount edited", edited(func(se *domain.StoredEvent) {
			se.Data = bytes.Replace(se.Data, []byte(`"100000"`), []byte(`"900000"`), 1)
		}), next, false},
		{"the tail's business date edited", edited(func(se *domain.StoredEvent) {
			se.Metadata = bytes.Replace(se.Metadata, []byte(`"occurred_on":"2024-01-10"`), []byte(`"occurred_on":"2024-01-09"`), 1)
		}), next, false},
		{"the tail's type edited", edited(func(se *domain.StoredEvent) { se.Type = "DonationReceived" }), next, false},
		{"the tail's hash removed", edited(func(se *domain.StoredEvent) { se.Metadata = []byte(`{"schema":1}`) }), next, false},
		{"the append was decided on another tail", &tail, asNew(other[4]), false},
		{"the append skips the tail", &tail, asNew(chain[3]), false},
		{"an unchained append on a chained tail", &tail, unsealed, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := domain.CheckAppendLink(stream, tt.tail, tt.first)
			if tt.ok {
				if err != nil {
					t.Fatalf("CheckAppendLink = %v, want nil", err)
				}
				return
			}
			if !errors.Is(err, domain.ErrChainBroken) {
				t.Fatalf("CheckAppendLink = %v, want ErrChainBroken", err)
			}
			if tt.tail != nil && !strings.Contains(err.Error(), fmt.Sprintf("%s@%d", stream, tt.tail.Revision)) {
				t.Errorf("CheckAppendLink = %q, want it to name %s@%d", err, stream, tt.tail.Revision)
			}
		})
	}
}
