package api_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/api"
	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/store/kurrentdb"
	"github.com/welfare-ledger/welfare-ledger/store/kurrentdb/kdbtest"
)

// TestAPIOnKurrentDBLive runs kurrentAPITests against the KurrentDB server
// that KURRENTDB_URL names. One server holds the ledgers of all the tests
// (and may hold others): each env sees a ledger of its own through an
// isolatedView, since the tests use fixed unit names and fund ids.
func TestAPIOnKurrentDBLive(t *testing.T) {
	uri := os.Getenv("KURRENTDB_URL")
	if uri == "" {
		t.Skip("KURRENTDB_URL is not set: no live KurrentDB server to run the API's tests against (TestAPIOnKurrentDB runs them against the test server)")
	}
	runOnBackend(t, func(*testing.T) backend { return &isolatedBackend{uri: uri} }, kurrentAPITests)
}

// sharedServerAPITests are the tests TestAPIOnOneKurrentDBServer runs: those
// that write most, in several streams and through restarts, so that a
// ledger that leaked into another would show.
var sharedServerAPITests = []string{
	"TestOpenFund", "TestMoneyEvents", "TestIdempotentReplay", "TestConcurrentOverdraw",
	"TestConcurrentDuplicates", "TestEvents", "TestRevocationTakesEffectOnNextRequest",
	"TestVerifyBusyLedger", "TestKnownAtUnits", "TestStatement",
}

// TestAPIOnOneKurrentDBServer runs tests of kurrentAPITests as
// TestAPIOnKurrentDBLive does — every env a ledger of its own, through an
// isolatedView, on one server shared by all — against one test server, so
// that the isolation the live run depends on is itself tested in every run.
func TestAPIOnOneKurrentDBServer(t *testing.T) {
	srv, err := kdbtest.Start(kdbtest.Options{SystemEvents: true})
	if err != nil {
		t.Fatalf("kdbtest.Start: %v", err)
	}
	t.Cleanup(srv.Close)
	tests := map[string]func(*testing.T){}
	for _, name := range sharedServerAPITests {
		test, ok := kurrentAPITests[name]
		if !ok {
			t.Fatalf("%s is not in kurrentAPITests", name)
		}
		tests[name] = test
	}
	runOnBackend(t, func(*testing.T) backend { return &isolatedBackend{uri: srv.URI()} }, tests)
}

// isolatedBackend is one env's ledger in its own isolatedView of a shared
// server, the same view across the env's restarts.
type isolatedBackend struct {
	uri  string
	once sync.Once
	ns   string
	mask uuid.UUID
}

func (b *isolatedBackend) open(t *testing.T, _ string, _ *api.Metrics) openedStore {
	t.Helper()
	b.once.Do(func() {
		var random [16 + 6]byte
		if _, err := rand.Read(random[:]); err != nil {
			t.Fatal(err)
		}
		copy(b.mask[:], random[:16])
		b.ns = "~" + hex.EncodeToString(random[16:]) + "~"
	})
	st, err := kurrentdb.Open(context.Background(), b.uri, kurrentdb.Options{})
	if err != nil {
		t.Fatalf("kurrentdb.Open(%s) = %v", kurrentdb.Redact(b.uri), err)
	}
	view := &isolatedView{Store: st, ns: b.ns, mask: b.mask}
	return openedStore{port: view, store: kurrentStore{view}}
}

// isolatedView shows one ledger of several on one KurrentDB server: its
// streams are stored under a namespace written after the ledger's stream
// prefix ("fund-" + ns + id), so that the adapter still sees ledger
// streams, and its event ids are stored XORed with a mask, so that the
// adapter's per-id claims of two ledgers never meet. Reads give back the
// ledger's own names and ids, and skip every other ledger's events.
type isolatedView struct {
	*kurrentdb.Store
	ns   string
	mask uuid.UUID
}

// viewPrefixes are the ledger's stream prefixes (as the adapter's
// ledgerStreamPrefixes).
var viewPrefixes = []string{"unit-", "fund-", domain.AccessStream}

func (v *isolatedView) hide(stream string) string {
	for _, p := range viewPrefixes {
		if rest, ok := strings.CutPrefix(stream, p); ok {
			return p + v.ns + rest
		}
	}
	return stream // refused by the adapter as not a ledger stream
}

func (v *isolatedView) show(se domain.StoredEvent) (domain.StoredEvent, bool) {
	for _, p := range viewPrefixes {
		if rest, ok := strings.CutPrefix(se.Stream, p+v.ns); ok {
			se.Stream, se.ID = p+rest, v.xor(se.ID)
			return se, true
		}
	}
	return se, false
}

func (v *isolatedView) xor(id uuid.UUID) uuid.UUID {
	for i := range id {
		id[i] ^= v.mask[i]
	}
	return id
}

func (v *isolatedView) showAll(events []domain.StoredEvent) []domain.StoredEvent {
	out := events[:0:0]
	for _, se := range events {
		if se, ok := v.show(se); ok {
			out = append(out, se)
		}
	}
	return out
}

func (v *isolatedView) Append(ctx context.Context, stream string, expected domain.ExpectedRevision, events []domain.NewEvent) (domain.AppendResult, error) {
	hidden := make([]domain.NewEvent, len(events))
	for i, e := range events {
		e.ID = v.xor(e.ID)
		hidden[i] = e
	}
	return v.Store.Append(ctx, v.hide(stream), expected, hidden)
}

func (v *isolatedView) ReadStream(ctx context.Context, stream string, from uint64, max int) ([]domain.StoredEvent, error) {
	events, err := v.Store.ReadStream(ctx, v.hide(stream), from, max)
	return v.showAll(events), err
}

// ReadAll reads on until it has max events of this ledger or the log's
// end: a page with fewer than max events means the end to the callers.
func (v *isolatedView) ReadAll(ctx context.Context, after domain.Position, max int) ([]domain.StoredEvent, error) {
	var out []domain.StoredEvent
	for {
		page, err := v.Store.ReadAll(ctx, after, domain.MaxReadBatch)
		if err != nil {
			return nil, err
		}
		for _, se := range page {
			if se, ok := v.show(se); ok {
				out = append(out, se)
				if len(out) == max {
					return out, nil
				}
			}
		}
		if len(page) < domain.MaxReadBatch {
			return out, nil
		}
		after = page[len(page)-1].Position
	}
}

func (v *isolatedView) Subscribe(ctx context.Context, after domain.Position) (domain.Subscription, error) {
	sub, err := v.Store.Subscribe(ctx, after)
	if err != nil {
		return nil, err
	}
	return &isolatedSubscription{Subscription: sub, view: v}, nil
}

// isolatedSubscription delivers the events of its view's ledger only.
type isolatedSubscription struct {
	domain.Subscription
	view *isolatedView
}

// Next blocks, as the port requires, until a batch holds at least one
// event of this ledger.
func (s *isolatedSubscription) Next(ctx context.Context) ([]domain.StoredEvent, error) {
	for {
		batch, err := s.Subscription.Next(ctx)
		if err != nil {
			return nil, err
		}
		if events := s.view.showAll(batch); len(events) > 0 {
			return events, nil
		}
	}
}
