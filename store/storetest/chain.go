package storetest

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// chainTests: an append is never chained onto a stored tail other than the
// one it was decided against, nor onto one that no longer verifies
// (domain.CheckAppendLink), and a refused append writes nothing.
var chainTests = []capabilityTest{
	{contractTest{"ChainLinksToStoredTail", testChainLinksToStoredTail}, ChainLinkOnAppend},
	{contractTest{"ChainTailThatDoesNotVerify", testChainTailThatDoesNotVerify}, ChainLinkOnAppend},
}

// sealed returns an event sealed as the ledger writes it, linked to prev.
func sealed(t *testing.T, prev string, n int) (domain.NewEvent, string) {
	t.Helper()
	ne, meta, err := domain.Seal(prev, &domain.UnitRegistered{UnitID: domain.UnitID(fmt.Sprintf("unit-%d", n)), Name: "Công đoàn"},
		domain.Metadata{EventID: newID(t), OccurredOn: domain.MustDate("2024-01-10"),
			RecordedAt: time.Date(2024, 1, 10, 3, 0, n, 0, time.UTC), Actor: "storetest", PayloadHash: fmt.Sprintf("%064x", n)})
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	return ne, meta.Hash
}

// testChainLinksToStoredTail: a chained stream takes the next link and
// refuses an append decided on another tail, or one that is not chained.
func testChainLinksToStoredTail(t *testing.T, s domain.EventStore) {
	stream := newStream(t)
	first, h0 := sealed(t, domain.GenesisHash, 0)
	appendErr(t, s, newStream(t), domain.ExpectNoStream, []domain.NewEvent{sealedOn(t, h0, 9)}, domain.ErrChainBroken)
	mustAppend(t, s, stream, domain.ExpectNoStream, []domain.NewEvent{first})
	second, h1 := sealed(t, h0, 1)
	third, _ := sealed(t, h1, 2)
	mustAppend(t, s, stream, domain.ExpectRevision(0), []domain.NewEvent{second, third})

	_, elsewhere := sealed(t, domain.GenesisHash, 3)
	appendErr(t, s, stream, domain.ExpectRevision(2), []domain.NewEvent{sealedOn(t, elsewhere, 4)}, domain.ErrChainBroken)
	appendErr(t, s, stream, domain.ExpectRevision(2), []domain.NewEvent{sealedOn(t, h1, 5)}, domain.ErrChainBroken)
	appendErr(t, s, stream, domain.ExpectRevision(2), newEvents(t, 1), domain.ErrChainBroken)
	if got := len(readStream(t, s, stream)); got != 3 {
		t.Fatalf("stream has %d events after refused appends, want 3", got)
	}
	// A wrong revision is still told as such: the ledger catches up on it.
	appendErr(t, s, stream, domain.ExpectRevision(1), []domain.NewEvent{sealedOn(t, h1, 6)}, domain.ErrWrongExpectedVersion)
}

// sealedOn returns only the event of sealed.
func sealedOn(t *testing.T, prev string, n int) domain.NewEvent {
	t.Helper()
	ne, _ := sealed(t, prev, n)
	return ne
}

// testChainTailThatDoesNotVerify: a stream whose last event does not hash
// to its stored hash — here written so, as an edit outside the ledger
// would leave it — takes no append, not even one linked to that stored
// hash. The store keeps what it is given and checks links, not each
// event's own hash: the broken event is only caught as the next tail.
func testChainTailThatDoesNotVerify(t *testing.T, s domain.EventStore) {
	stream := newStream(t)
	first, h0 := sealed(t, domain.GenesisHash, 0)
	edited := first
	edited.Data = bytes.Replace(first.Data, []byte("Công đoàn"), []byte("Công đoàn X"), 1)
	if bytes.Equal(edited.Data, first.Data) {
		t.Fatalf("the edit changed nothing in %s", first.Data)
	}
	mustAppend(t, s, stream, domain.ExpectNoStream, []domain.NewEvent{edited})
	appendErr(t, s, stream, domain.ExpectRevision(0), []domain.NewEvent{sealedOn(t, h0, 1)}, domain.ErrChainBroken)
	if got := len(readStream(t, s, stream)); got != 1 {
		t.Fatalf("stream has %d events after a refused append, want 1", got)
	}
	// Other streams are unaffected.
	other := newStream(t)
	mustAppend(t, s, other, domain.ExpectNoStream, []domain.NewEvent{sealedOn(t, domain.GenesisHash, 2)})
}
