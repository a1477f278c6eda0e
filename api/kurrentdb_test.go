package api_test

import (
	"context"
	"net/http"
	"sync"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/api"
	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/store/kurrentdb"
	"github.com/welfare-ledger/welfare-ledger/store/kurrentdb/kdbtest"
)

// kurrentAPITests are the API's behavioural tests that run a second time
// on KurrentDB (TestAPIOnKurrentDB): every route's writes and reads,
// idempotency, the overdraw race, the errors a write can meet, known_at,
// statements, tokens and scope, hostile input refused with nothing
// written, and verification as far as it reads the log through the port.
//
// Left out, and why:
//   - TestVerifyTamperedEvent, TestVerifyProjectionDiffersFromLog,
//     TestVerifyScope, TestVerifyMalformedEvent, TestVerifyLogShortenedWhileServing
//     and TestAnchoredHead edit rows of ledger.db with SQL behind the
//     server's back. KurrentDB offers no way to change a stored event in
//     place: a hostile operator there could delete or add events, which
//     no test of verify does on KurrentDB yet.
//   - TestMetrics reads ledger.db's size and the embedded store's head;
//     on KurrentDB the server is given neither (as cmd/welfare-ledger
//     does not), and TestMetricsStoreSizeFails and TestMetricsOneServer
//     build their own server without a ledger.
//   - TestReadYourWritesTimeout writes one donation through two ledgers
//     with the same fixed clock: the second decides from a stale fund and
//     sends byte-identical events at the revision the first took, which
//     KurrentDB's idempotency and the adapter's read-back (append.go)
//     rightly take for a retry of the same append (201), where the
//     embedded store refuses the stale revision (then 200, a replay). In
//     service recorded_at's nanoseconds tell two ledgers' writes apart;
//     idempotency across instances is TestTwoInstances' (cmd/welfare-ledger).
//   - The transport, middleware, encoder, OpenAPI, pages and fuzz tests
//     never reach the store.
var kurrentAPITests = map[string]func(*testing.T){
	// Writes, idempotency, read-your-writes, restart on the same ledger.
	"TestRegisterUnit":         TestRegisterUnit,
	"TestOpenFund":             TestOpenFund,
	"TestMoneyEvents":          TestMoneyEvents,
	"TestIdempotentReplay":     TestIdempotentReplay,
	"TestReadYourWrites":       TestReadYourWrites,
	"TestConcurrentOverdraw":   TestConcurrentOverdraw,
	"TestConcurrentDuplicates": TestConcurrentDuplicates,
	// Errors.
	"TestRejections":       TestRejections,
	"TestAmountAtTheBound": TestAmountAtTheBound,
	// Reads.
	"TestFundSummaryAsOf":             TestFundSummaryAsOf,
	"TestUnitSummary":                 TestUnitSummary,
	"TestTransactions":                TestTransactions,
	"TestUnitsAndFundsLists":          TestUnitsAndFundsLists,
	"TestLoan":                        TestLoan,
	"TestBeneficiary":                 TestBeneficiary,
	"TestEvents":                      TestEvents,
	"TestEventLinesAreTheEventsItems": TestEventLinesAreTheEventsItems,
	"TestFundListIsGetFunds":          TestFundListIsGetFunds,
	// known_at.
	"TestKnownAtFundSummary":                    TestKnownAtFundSummary,
	"TestKnownAtUnits":                          TestKnownAtUnits,
	"TestKnownAtTransactionsLoansBeneficiaries": TestKnownAtTransactionsLoansBeneficiaries,
	"TestKnownAtEdges":                          TestKnownAtEdges,
	// Statements.
	"TestStatement":             TestStatement,
	"TestStatementCSVAndXLSX":   TestStatementCSVAndXLSX,
	"TestStatementForOfficials": TestStatementForOfficials,
	"TestStatementBadInput":     TestStatementBadInput,
	// Tokens, scope, personal data.
	"TestListsAreCutToScope":                 TestListsAreCutToScope,
	"TestOfficialsGetBeneficiariesWithheld":  TestOfficialsGetBeneficiariesWithheld,
	"TestActorIsTheToken":                    TestActorIsTheToken,
	"TestRevocationTakesEffectOnNextRequest": TestRevocationTakesEffectOnNextRequest,
	"TestIssueTokenRefusals":                 TestIssueTokenRefusals,
	"TestAuthorizationMatrix":                TestAuthorizationMatrix,
	"TestOfficialsReadNoPersonalData":        TestOfficialsReadNoPersonalData,
	"TestCitizenNumberIsNotABeneficiaryID":   TestCitizenNumberIsNotABeneficiaryID,
	// Hostile input, refused with nothing written to the log.
	"TestBadInputBattery":         TestBadInputBattery,
	"TestHostileQueries":          TestHostileQueries,
	"TestHostileHeaders":          TestHostileHeaders,
	"TestHostileBodies":           TestHostileBodies,
	"TestHostilePaths":            TestHostilePaths,
	"TestHostileTextFields":       TestHostileTextFields,
	"TestHostileRawControlInJSON": TestHostileRawControlInJSON,
	// Closed fiscal periods: the close, its seal, the race with writes.
	"TestClosePeriod":                TestClosePeriod,
	"TestClosePeriodBadRequests":     TestClosePeriodBadRequests,
	"TestClosePeriodRacesWritesHTTP": TestClosePeriodRacesWritesHTTP,
	// Health and readiness.
	"TestHealthAndReadiness": TestHealthAndReadiness,
	// Verification through the port.
	"TestVerifyFreshLedger":               TestVerifyFreshLedger,
	"TestVerifyBusyLedger":                TestVerifyBusyLedger,
	"TestVerifyOneAtATime":                TestVerifyOneAtATime,
	"TestVerifyStopsWhenTheClientLeaves":  TestVerifyStopsWhenTheClientLeaves,
	"TestVerifyOutlastsTheServerTimeouts": TestVerifyOutlastsTheServerTimeouts,
}

// TestAPIOnKurrentDB runs kurrentAPITests with every env on a KurrentDB
// test server of its own (kdbtest, with the server's system events in $all
// and its non-contiguous positions) through the real adapter.
func TestAPIOnKurrentDB(t *testing.T) {
	runOnBackend(t, func(*testing.T) backend { return &kurrentBackend{} }, kurrentAPITests)
}

// kurrentBackend is one env's ledger on a kdbtest server, started at the
// env's first start and kept across its restarts.
type kurrentBackend struct {
	once sync.Once
	srv  *kdbtest.Server
}

func (b *kurrentBackend) open(t *testing.T, _ string, _ *api.Metrics) openedStore {
	t.Helper()
	b.once.Do(func() {
		srv, err := kdbtest.Start(kdbtest.Options{SystemEvents: true})
		if err != nil {
			t.Fatalf("kdbtest.Start: %v", err)
		}
		t.Cleanup(srv.Close)
		b.srv = srv
	})
	if b.srv == nil {
		t.Fatal("the KurrentDB test server did not start")
	}
	st, err := kurrentdb.Open(context.Background(), b.srv.URI(), kurrentdb.Options{})
	if err != nil {
		t.Fatalf("kurrentdb.Open(%s) = %v", b.srv.URI(), err)
	}
	return openedStore{port: st, store: kurrentStore{st}}
}

// kurrentStore is a KurrentDB store as the tests see it, with the head
// they ask of a store: KurrentDB does not keep the ledger's last position
// apart from its log, so it is found by reading the ledger's events to the
// end. The server is given the store without it, as in production (the
// projections would use a Head method).
type kurrentStore struct{ domain.EventStore }

func (s kurrentStore) Head() domain.Position {
	var end domain.Position
	for {
		events, err := s.ReadAll(context.Background(), end, domain.MaxReadBatch)
		if err != nil || len(events) == 0 {
			return end
		}
		end = events[len(events)-1].Position
	}
}

// TestAPIOnKurrentDBDropsMidAppend: a server that drops the connection of
// a write's appends — before writing them, or after writing them but
// before answering — makes the write answer 503 store_unavailable with
// Retry-After (or succeed, once the client library's own retry goes
// through); the write repeated with its transaction id until it succeeds
// is recorded exactly once, and a further repeat is a replay.
func TestAPIOnKurrentDBDropsMidAppend(t *testing.T) {
	tests := map[string]func(*testing.T){}
	for _, mode := range []kdbtest.FailMode{kdbtest.FailBeforeWrite, kdbtest.FailAfterWrite} {
		tests[mode.String()] = func(t *testing.T) {
			e := newEnv(t)
			srv := e.backend.(*kurrentBackend).srv
			e.units()
			e.openFund(socialFund, "cao-loc", "social")
			before := e.eventCount()
			const body = `{"transaction_id":"0190a0b4-0000-7000-8000-0000000000dd","amount":"700000","occurred_on":"2024-06-01","donor":{"kind":"member"}}`
			// Each append meets two drops (its try and the client's
			// retry); a write makes several appends (the claim, the
			// events).
			srv.FailAppends(mode, 6)
			unavailable, done := 0, false
			for range maxDropRetries {
				r := e.post(sDonations, body)
				if r.status == http.StatusServiceUnavailable {
					mustProblem(t, r, http.StatusServiceUnavailable, "store_unavailable")
					if r.header.Get("Retry-After") == "" {
						t.Errorf("%v: no Retry-After", r)
					}
					unavailable++
					continue
				}
				if r.status != http.StatusCreated && r.status != http.StatusOK {
					t.Fatalf("%v, want 201, 200 or 503", r)
				}
				done = true
				break
			}
			if !done {
				t.Fatalf("the write never went through in %d tries", maxDropRetries)
			}
			if unavailable == 0 {
				t.Errorf("no try answered 503: the faults were not met")
			}
			again := e.post(sDonations, body)
			mustStatus(t, again, http.StatusOK)
			if again.header.Get("Idempotent-Replay") != "true" {
				t.Errorf("repeat: Idempotent-Replay = %q, want true", again.header.Get("Idempotent-Replay"))
			}
			if got := e.fund(socialFund, "").Balance; got != "700000" {
				t.Errorf("balance = %s, want 700000 (recorded once)", got)
			}
			if got := e.eventCount(); got != before+1 {
				t.Errorf("the log has %d events, want %d: one donation, nothing half-written", got, before+1)
			}
		}
	}
	runOnBackend(t, func(*testing.T) backend { return &kurrentBackend{} }, tests)
}

// maxDropRetries bounds the tries of a write while the test server drops
// its appends.
const maxDropRetries = 20
