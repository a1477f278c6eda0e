package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/store/embedded"
)

// Crash test size and limits. CI runs the default; WL_CRASH_ROUNDS raises
// the number of kills and WL_CRASH_SEED replays a failing run.
const (
	defaultCrashRounds = 20
	// crashWorkers write concurrently in every round.
	crashWorkers = 8
	// The server is killed at a random moment in [minWriteWindow,
	// maxWriteWindow) after the workers start.
	minWriteWindow = 20 * time.Millisecond
	maxWriteWindow = 300 * time.Millisecond
	// crashClientTimeout bounds every request of the test.
	crashClientTimeout = 10 * time.Second
	// logPage is the page size of the log reads (the API's maximum).
	logPage = 1000
	// crashDate is the business date of every event: in the past, so that
	// a run across midnight in Vietnam cannot change a replayed payload.
	crashDate     = "2025-06-15"
	crashOpenedOn = "2025-01-01"
	crashUnit     = "crash-test"
	// Fixed fund ids, so failures read plainly.
	socialFund  = "0190a0b4-0000-7000-8000-00000000c001"
	capitalFund = "0190a0b4-0000-7000-8000-00000000c002"
)

// crashFlags turn the per-token rate limit off: the test sends as fast as
// it can with one token, and a 429 (which records nothing) would only blur
// what it checks.
var crashFlags = []string{"--rate-limit", "0"}

// businessRefusals are the 409 codes a valid write may get when the state
// of the fund changed under it; each records nothing. Any other refusal of
// the test's writes (idempotency_conflict above all) is a bug.
var businessRefusals = []string{
	"insufficient_funds", "exceeds_outstanding", "already_reversed",
	"not_reversible", "loan_has_repayments", "concurrent_modification",
}

// writeState is what the test knows about a write it sent.
type writeState int

const (
	pending writeState = iota
	acked              // a 201 (or 200 replay) was received: it must be in the log once
	refused            // a business refusal was received: it must not be in the log
	inDoubt            // sent, no answer (killed) or a 5xx: all of it or nothing
)

// write is one money write the test sent, kept byte for byte so that it can
// be sent again with the same id and payload.
type write struct {
	kind        domain.EventType
	id          string // transaction_id, or loan_id for a loan
	fund        string
	path        string
	body        []byte
	amount      string // "" for a reversal (it takes the original's)
	beneficiary string
	shelter     string
	loan        string // the loan a repayment repays
	reverses    string

	outcome writeState
	// status is the HTTP status of the first answer, 0 if none came.
	status int
}

// crashHarness remembers every write of the test and drives the server.
type crashHarness struct {
	t       *testing.T
	dataDir string
	token   string

	mu         sync.Mutex
	writes     []*write
	loans      []string   // acknowledged loans, for repayments
	reversible []*write   // acknowledged, not yet targeted by a reversal
	lastLog    []logEvent // the log as last read over HTTP
	// doubtsFound counts writes left in doubt that were in the log: the
	// kill fell between their commit and their answer.
	doubtsFound int
	positions   map[string]uint64 // event id → position of acknowledged writes
}

// TestCrash kills the real server with SIGKILL while several clients write
// to it, again and again, and checks after every restart that every
// acknowledged write is in the log exactly once, that a write left in doubt
// is all there or not at all (and can be sent again safely), that every
// stream's hash chain verifies, and that the fund figures equal a recount of
// the log.
func TestCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	rounds, seed := runSettings(t, "WL_CRASH_ROUNDS", defaultCrashRounds)
	t.Logf("crash test: %d rounds, WL_CRASH_SEED=%d", rounds, seed)
	rng := rand.New(rand.NewPCG(seed, 0))

	h := &crashHarness{t: t, dataDir: t.TempDir(), positions: map[string]uint64{}}
	addr := freeAddr(t)
	s := startServer(t, h.dataDir, addr, crashFlags...)
	h.token = s.token // from <data>/admin.token, written by the first start
	h.setUp(s.base, rng)

	start := time.Now()
	doubts := 0
	for round := 1; round <= rounds; round++ {
		stop := make(chan struct{})
		client := newCrashClient()
		var wg sync.WaitGroup
		for w := range crashWorkers {
			wrng := rand.New(rand.NewPCG(seed, uint64(round*crashWorkers+w+1)))
			wg.Go(func() { h.work(client, s.base, wrng, stop) })
		}
		time.Sleep(minWriteWindow + time.Duration(rng.Int64N(int64(maxWriteWindow-minWriteWindow))))
		s.kill()
		close(stop)
		wg.Wait()
		client.CloseIdleConnections()
		if t.Failed() {
			t.Fatalf("round %d: failed while writing (seed %d)", round, seed)
		}

		killed := s
		s = startServer(t, h.dataDir, addr, crashFlags...)
		doubts += h.check(s.base, round)
		h.resend(s.base)
		if t.Failed() {
			t.Fatalf("round %d: failed (seed %d); end of the killed server's log:\n%s\nend of the restarted server's log:\n%s",
				round, seed, tail(killed.logs.Bytes()), tail(s.logs.Bytes()))
		}
	}
	h.check(s.base, rounds+1)
	if t.Failed() {
		t.Fatalf("final check failed (seed %d)", seed)
	}
	s.kill()
	h.checkFile()
	by := map[writeState]int{}
	for _, w := range h.writes {
		by[w.outcome]++
	}
	t.Logf("crash test: %d kills in %v: %d writes, %d acknowledged, %d refused by the rules; %d were left in doubt by a kill (%d of them in the log) and re-sent; %d events in the log",
		rounds, time.Since(start).Round(time.Millisecond), len(h.writes), by[acked], by[refused], doubts, h.doubtsFound, len(h.lastLog))
}

// runSettings reads the number of rounds of a kill-and-check test from
// roundsVar (default rounds) and its seed from WL_CRASH_SEED (by default
// the clock), so that a failing run can be replayed.
func runSettings(t *testing.T, roundsVar string, rounds int) (int, uint64) {
	t.Helper()
	if v := os.Getenv(roundsVar); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			t.Fatalf("%s=%q: want a positive integer", roundsVar, v)
		}
		rounds = n
	}
	seed := uint64(time.Now().UnixNano())
	if v := os.Getenv("WL_CRASH_SEED"); v != "" {
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			t.Fatalf("WL_CRASH_SEED=%q: want an unsigned integer", v)
		}
		seed = n
	}
	return rounds, seed
}

// logTail is how much of a server's log a failure shows.
const logTail = 4 << 10

// tail returns the last logTail bytes of a log.
func tail(log []byte) string {
	if len(log) > logTail {
		log = log[len(log)-logTail:]
	}
	return string(log)
}

func newCrashClient() *http.Client { return newClientFor(crashWorkers) }

// newClientFor returns a client that keeps a connection per worker.
func newClientFor(workers int) *http.Client {
	return &http.Client{Timeout: crashClientTimeout, Transport: &http.Transport{MaxIdleConnsPerHost: workers}}
}

// exchange is one finished HTTP request.
type exchange struct {
	status int
	header http.Header
	body   []byte
}

// code returns the problem code of an error answer.
func (x exchange) code() string {
	var p struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal(x.body, &p)
	return p.Code
}

// send does one request; an error means no complete answer was received.
func (h *crashHarness) send(client *http.Client, method, url string, body []byte) (exchange, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		return exchange{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if h.token != "" {
		req.Header.Set("Authorization", "Bearer "+h.token)
	}
	res, err := client.Do(req)
	if err != nil {
		return exchange{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return exchange{}, err
	}
	return exchange{status: res.StatusCode, header: res.Header, body: b}, nil
}

// mustSend sends a request from the test goroutine and requires status.
func (h *crashHarness) mustSend(base, method, path string, body any, status int) exchange {
	h.t.Helper()
	var raw []byte
	if body != nil {
		var err error
		if raw, err = json.Marshal(body); err != nil {
			h.t.Fatal(err)
		}
	}
	x, err := h.send(newCrashClient(), method, base+path, raw)
	if err != nil {
		h.t.Fatalf("%s %s: %v", method, path, err)
	}
	if x.status != status {
		h.t.Fatalf("%s %s = %d %s, want %d", method, path, x.status, x.body, status)
	}
	return x
}

// setUp registers the unit, opens a social and a capital-support fund and
// gives each a seed donation.
func (h *crashHarness) setUp(base string, rng *rand.Rand) {
	h.mustSend(base, "POST", "/v1/units", map[string]any{"unit_id": crashUnit, "name": "Công đoàn cơ sở thử nghiệm"}, 201)
	for _, f := range []struct{ id, kind string }{{socialFund, "social"}, {capitalFund, "capital_support"}} {
		h.mustSend(base, "POST", "/v1/funds", map[string]any{
			"fund_id": f.id, "unit_id": crashUnit, "name": "Quỹ " + f.kind, "kind": f.kind, "opened_on": crashOpenedOn,
		}, 201)
		w := h.donation(rng, f.id, "2000000000")
		h.writes = append(h.writes, w)
		x := h.mustSend(base, "POST", w.path, json.RawMessage(w.body), 201)
		h.record(w, x, nil)
	}
}

// newID returns a random (version 4) UUID drawn from rng, so that the seed
// decides the ids too.
func newID(rng *rand.Rand) string {
	hi, lo := rng.Uint64(), rng.Uint64()
	hi = hi&^0xf000 | 0x4000     // version 4
	lo = lo&^(0xc<<60) | 0x8<<60 // RFC 4122 variant
	return fmt.Sprintf("%08x-%04x-%04x-%04x-%012x", hi>>32, hi>>16&0xffff, hi&0xffff, lo>>48, lo&0xffffffffffff)
}

// amount draws a whole number of đồng in [lo, hi].
func amount(rng *rand.Rand, lo, hi int64) string {
	return strconv.FormatInt(lo+rng.Int64N(hi-lo+1), 10)
}

func crashBeneficiary(rng *rand.Rand) string { return fmt.Sprintf("CR-%03d", rng.IntN(200)) }

func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // maps of strings always encode
	}
	return b
}

func (h *crashHarness) donation(rng *rand.Rand, fund, amt string) *write {
	w := &write{kind: domain.TypeDonationReceived, id: newID(rng), fund: fund, amount: amt}
	w.path = "/v1/funds/" + fund + "/donations"
	w.body = mustJSON(map[string]any{"transaction_id": w.id, "amount": amt, "occurred_on": crashDate,
		"donor": map[string]any{"kind": "member", "name": "Đoàn viên"}})
	return w
}

// next draws the next write of a worker: mostly donations and grants, some
// loans and repayments of acknowledged loans, and reversals of
// acknowledged transactions (each targeted once at most, so that an
// in-doubt reversal sent again never meets a rival reversal).
func (h *crashHarness) next(rng *rand.Rand) *write {
	h.mu.Lock()
	defer h.mu.Unlock()
	for {
		switch p := rng.IntN(100); {
		case p < 30:
			fund := socialFund
			if rng.IntN(2) == 0 {
				fund = capitalFund
			}
			return h.donation(rng, fund, amount(rng, 100_000, 5_000_000))
		case p < 40:
			w := &write{kind: domain.TypeShelterGrantPaid, id: newID(rng), fund: socialFund,
				amount: amount(rng, 1_000_000, 10_000_000), beneficiary: crashBeneficiary(rng), shelter: []string{"new_build", "repair"}[rng.IntN(2)]}
			w.path = "/v1/funds/" + socialFund + "/shelter-grants"
			w.body = mustJSON(map[string]any{"transaction_id": w.id, "beneficiary_id": w.beneficiary, "amount": w.amount,
				"shelter": w.shelter, "occurred_on": crashDate})
			return w
		case p < 60:
			w := &write{kind: domain.TypeAssistanceGranted, id: newID(rng), fund: socialFund,
				amount: amount(rng, 200_000, 3_000_000), beneficiary: crashBeneficiary(rng)}
			w.path = "/v1/funds/" + socialFund + "/assistance-grants"
			w.body = mustJSON(map[string]any{"transaction_id": w.id, "beneficiary_id": w.beneficiary, "amount": w.amount,
				"category": "serious_illness", "occurred_on": crashDate})
			return w
		case p < 75:
			w := &write{kind: domain.TypeLoanDisbursed, id: newID(rng), fund: capitalFund,
				amount: amount(rng, 1_000_000, 5_000_000), beneficiary: crashBeneficiary(rng)}
			w.path = "/v1/funds/" + capitalFund + "/loans"
			w.body = mustJSON(map[string]any{"loan_id": w.id, "beneficiary_id": w.beneficiary, "amount": w.amount,
				"occurred_on": crashDate})
			return w
		case p < 90:
			if len(h.loans) == 0 {
				continue
			}
			loan := h.loans[rng.IntN(len(h.loans))]
			w := &write{kind: domain.TypeLoanRepaid, id: newID(rng), fund: capitalFund, amount: amount(rng, 100_000, 2_000_000), loan: loan}
			w.path = "/v1/funds/" + capitalFund + "/loans/" + loan + "/repayments"
			w.body = mustJSON(map[string]any{"transaction_id": w.id, "amount": w.amount, "occurred_on": crashDate})
			return w
		default:
			if len(h.reversible) == 0 {
				continue
			}
			i := rng.IntN(len(h.reversible))
			target := h.reversible[i]
			h.reversible = slices.Delete(h.reversible, i, i+1)
			w := &write{kind: domain.TypeTransactionReversed, id: newID(rng), fund: target.fund, reverses: target.id}
			w.path = "/v1/funds/" + target.fund + "/reversals"
			w.body = mustJSON(map[string]any{"transaction_id": w.id, "reverses": target.id, "reason": "nhập nhầm", "occurred_on": crashDate})
			return w
		}
	}
}

// work sends writes until stop; after a request without an answer (the
// server is gone) it waits for stop.
func (h *crashHarness) work(client *http.Client, base string, rng *rand.Rand, stop <-chan struct{}) {
	for {
		select {
		case <-stop:
			return
		default:
		}
		w := h.next(rng)
		h.mu.Lock()
		h.writes = append(h.writes, w)
		h.mu.Unlock()
		x, err := h.send(client, "POST", base+w.path, w.body)
		h.record(w, x, err)
		if err != nil {
			<-stop
			return
		}
	}
}

// record classifies the answer to a write sent for the first time.
func (h *crashHarness) record(w *write, x exchange, err error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if err == nil {
		w.status = x.status
	}
	switch {
	case err != nil || x.status >= 500:
		w.outcome = inDoubt
	case x.status == http.StatusCreated:
		h.ack(w, x)
	case x.status == http.StatusConflict && slices.Contains(businessRefusals, x.code()):
		w.outcome = refused
	default:
		// A fresh id is never a replay, and the test sends only valid
		// requests.
		h.t.Errorf("POST %s %s = %d %s, want 201 or a business refusal", w.path, w.body, x.status, x.body)
		w.outcome = refused
	}
	if w.outcome == pending {
		h.t.Errorf("write %s left unclassified", w.id)
	}
}

// ack notes an acknowledged write and what it makes possible. h.mu is held.
func (h *crashHarness) ack(w *write, x exchange) {
	w.outcome = acked
	var res struct {
		TransactionID string `json:"transaction_id"`
		Position      uint64 `json:"position"`
	}
	if err := json.Unmarshal(x.body, &res); err != nil || res.TransactionID != w.id || res.Position == 0 {
		h.t.Errorf("POST %s = %s, want transaction_id %s and a position", w.path, x.body, w.id)
	}
	h.positions[w.id] = res.Position
	switch w.kind {
	case domain.TypeLoanDisbursed:
		h.loans = append(h.loans, w.id)
		h.reversible = append(h.reversible, w)
	case domain.TypeTransactionReversed:
	default:
		h.reversible = append(h.reversible, w)
	}
}

// logEvent is one event of GET /v1/events.
type logEvent struct {
	Position    uint64          `json:"position"`
	Stream      string          `json:"stream"`
	Revision    uint64          `json:"revision"`
	EventID     string          `json:"event_id"`
	Type        string          `json:"type"`
	Schema      int             `json:"schema"`
	OccurredOn  string          `json:"occurred_on"`
	RecordedAt  string          `json:"recorded_at"`
	Actor       string          `json:"actor"`
	Data        json.RawMessage `json:"data"`
	PayloadHash string          `json:"payload_hash"`
	PrevHash    string          `json:"prev_hash"`
	Hash        string          `json:"hash"`
}

// eventData holds the payload fields the checks need, of any money event.
type eventData struct {
	TransactionID string `json:"transaction_id"`
	LoanID        string `json:"loan_id"`
	FundID        string `json:"fund_id"`
	BeneficiaryID string `json:"beneficiary_id"`
	Amount        string `json:"amount"`
	Shelter       string `json:"shelter"`
	Reverses      string `json:"reverses"`
}

func (e logEvent) data(t *testing.T) eventData {
	var d eventData
	if err := json.Unmarshal(e.Data, &d); err != nil {
		t.Errorf("event %d data %s: %v", e.Position, e.Data, err)
	}
	return d
}

// readLog pages through GET /v1/events.
func (h *crashHarness) readLog(base string) []logEvent {
	h.t.Helper()
	var all []logEvent
	client := newCrashClient()
	after := uint64(0)
	for {
		x, err := h.send(client, "GET", fmt.Sprintf("%s/v1/events?limit=%d&after=%d", base, logPage, after), nil)
		if err != nil || x.status != http.StatusOK {
			h.t.Fatalf("GET /v1/events after %d = %d %s, %v", after, x.status, x.body, err)
		}
		var page struct {
			Items     []logEvent `json:"items"`
			NextAfter *uint64    `json:"next_after"`
		}
		if err := json.Unmarshal(x.body, &page); err != nil {
			h.t.Fatalf("GET /v1/events: %v", err)
		}
		all = append(all, page.Items...)
		if page.NextAfter == nil {
			return all
		}
		after = *page.NextAfter
	}
}

// check reads the whole log and the fund summaries and checks them against
// what the test knows it sent. It returns the number of writes in doubt.
func (h *crashHarness) check(base string, round int) (doubtful int) {
	t := h.t
	t.Helper()
	events := h.readLog(base)
	byID := map[string][]logEvent{}
	for _, e := range events {
		byID[e.EventID] = append(byID[e.EventID], e)
	}
	for id, es := range byID {
		if len(es) != 1 {
			t.Errorf("round %d: event id %s is in the log %d times, want once", round, id, len(es))
		}
	}
	h.verifyChains(events, round)

	h.mu.Lock()
	for _, w := range h.writes {
		found := byID[w.id]
		switch w.outcome {
		case acked:
			if len(found) != 1 {
				t.Errorf("round %d: acknowledged %s %s is in the log %d times, want once", round, w.kind, w.id, len(found))
				continue
			}
			h.checkPayload(w, found[0], round)
			if p := h.positions[w.id]; p != 0 && p != found[0].Position {
				t.Errorf("round %d: %s %s is at position %d, acknowledged at %d", round, w.kind, w.id, found[0].Position, p)
			}
		case refused:
			if len(found) != 0 {
				t.Errorf("round %d: refused %s %s is in the log", round, w.kind, w.id)
			}
		case inDoubt:
			doubtful++
			if len(found) == 1 {
				h.checkPayload(w, found[0], round)
			}
		case pending:
			t.Errorf("round %d: write %s was never classified", round, w.id)
		}
	}
	h.mu.Unlock()

	for _, fund := range []string{socialFund, capitalFund} {
		want := recount(t, events, fund)
		x := h.mustSend(base, "GET", "/v1/funds/"+fund, nil, http.StatusOK)
		var got figures
		if err := json.Unmarshal(x.body, &got); err != nil {
			t.Fatalf("GET /v1/funds/%s: %v", fund, err)
		}
		if got != want {
			t.Errorf("round %d: GET /v1/funds/%s = %+v, want the recount from the log %+v", round, fund, got, want)
		}
	}
	h.lastLog = events
	return doubtful
}

// checkPayload checks that the event in the log is the write that was sent:
// one event carrying all of it, in the write's fund.
func (h *crashHarness) checkPayload(w *write, e logEvent, round int) {
	d := e.data(h.t)
	txID := d.TransactionID
	if w.kind == domain.TypeLoanDisbursed {
		txID = d.LoanID
	}
	ok := e.Type == string(w.kind) && e.Stream == "fund-"+w.fund && txID == w.id && d.FundID == w.fund &&
		e.OccurredOn == crashDate && d.Reverses == w.reverses && (w.amount == "" || d.Amount == w.amount)
	switch w.kind {
	case domain.TypeLoanRepaid:
		// A repayment copies the loan's beneficiary, which the write did
		// not name.
		ok = ok && d.LoanID == w.loan
	case domain.TypeTransactionReversed:
		// A reversal copies the original's amount, beneficiary and kind.
	default:
		ok = ok && d.BeneficiaryID == w.beneficiary && d.Shelter == w.shelter
	}
	if !ok {
		h.t.Errorf("round %d: %s %s in the log as %s %s %s, want the payload sent: %s", round, w.kind, w.id, e.Type, e.Stream, e.Data, w.body)
	}
}

// storedMeta rebuilds an event's stored metadata from its fields in
// GET /v1/events: the fields of metadata_without_hash in stored order, then
// the hash (README, "The hash chain"; domain.Seal).
func storedMeta(e logEvent) ([]byte, error) {
	noHash, err := json.Marshal(struct {
		EventID     string `json:"event_id"`
		Schema      int    `json:"schema"`
		OccurredOn  string `json:"occurred_on"`
		RecordedAt  string `json:"recorded_at"`
		Actor       string `json:"actor"`
		PayloadHash string `json:"payload_hash"`
		PrevHash    string `json:"prev_hash"`
	}{e.EventID, e.Schema, e.OccurredOn, e.RecordedAt, e.Actor, e.PayloadHash, e.PrevHash})
	if err != nil {
		return nil, err
	}
	return fmt.Appendf(noHash[:len(noHash)-1:len(noHash)-1], `,"hash":%q}`, e.Hash), nil
}

// verifyChains checks every stream of the log as an auditor would from
// GET /v1/events alone: revisions 0, 1, 2, … and each event's hash
// recomputed over its bytes and linked to the previous one.
func (h *crashHarness) verifyChains(events []logEvent, round int) {
	prev := map[string]string{}
	next := map[string]uint64{}
	for _, e := range events {
		if e.Revision != next[e.Stream] {
			h.t.Errorf("round %d: %s has revision %d at position %d, want %d", round, e.Stream, e.Revision, e.Position, next[e.Stream])
		}
		next[e.Stream] = e.Revision + 1
		p, ok := prev[e.Stream]
		if !ok {
			p = domain.GenesisHash
		}
		meta, err := storedMeta(e)
		if err != nil {
			h.t.Fatal(err)
		}
		hash, err := domain.VerifyHash(p, domain.StoredEvent{Stream: e.Stream, Revision: e.Revision, Type: e.Type, Data: e.Data, Metadata: meta})
		if err != nil {
			h.t.Errorf("round %d: position %d: %v", round, e.Position, err)
			hash = e.Hash
		}
		prev[e.Stream] = hash
	}
}

// recount computes a fund's figures from the log by API.md's definitions,
// independently of the projections: a reversed transaction neither counts
// nor moves money (every event here has the same business date).
func recount(t *testing.T, events []logEvent, fund string) figures {
	type tx struct {
		typ         string
		amount      int64
		beneficiary string
		shelter     string
		reversed    bool
	}
	var order []*tx
	byID := map[string]*tx{}
	reversals := 0
	for _, e := range events {
		if e.Stream != "fund-"+fund || e.Type == string(domain.TypeFundOpened) {
			continue
		}
		d := e.data(t)
		if e.Type == string(domain.TypeTransactionReversed) {
			orig := byID[d.Reverses]
			if orig == nil || orig.reversed {
				t.Errorf("reversal at %d of %s: unknown or already reversed", e.Position, d.Reverses)
				continue
			}
			orig.reversed = true
			reversals++
			continue
		}
		a, err := strconv.ParseInt(d.Amount, 10, 64)
		if err != nil {
			t.Errorf("event %d amount %q: %v", e.Position, d.Amount, err)
		}
		x := &tx{typ: e.Type, amount: a, beneficiary: d.BeneficiaryID, shelter: d.Shelter}
		id := d.TransactionID
		if e.Type == string(domain.TypeLoanDisbursed) {
			id = d.LoanID
		}
		byID[id] = x
		order = append(order, x)
	}
	var f figures
	var balance, outstanding, don, shelter, assist, loans, repaid int64
	persons := map[string]bool{}
	for _, x := range order {
		if x.reversed {
			continue
		}
		switch domain.EventType(x.typ) {
		case domain.TypeDonationReceived:
			balance += x.amount
			don += x.amount
			f.Counts.Donations++
		case domain.TypeShelterGrantPaid:
			balance -= x.amount
			shelter += x.amount
			if x.shelter == "repair" {
				f.Counts.ShelterGrants.Repair++
			} else {
				f.Counts.ShelterGrants.NewBuild++
			}
		case domain.TypeAssistanceGranted:
			balance -= x.amount
			assist += x.amount
			f.Counts.AssistanceGrants++
		case domain.TypeLoanDisbursed:
			balance -= x.amount
			loans += x.amount
			outstanding += x.amount
			f.Counts.Loans++
		case domain.TypeLoanRepaid:
			balance += x.amount
			repaid += x.amount
			outstanding -= x.amount
			f.Counts.Repayments++
			continue // a repayment has no beneficiary of its own to count
		}
		if x.beneficiary != "" {
			persons[x.beneficiary] = true
			f.Beneficiaries.Times++
		}
	}
	str := func(n int64) string { return strconv.FormatInt(n, 10) }
	f.Balance, f.LoansOutstanding, f.Capital = str(balance), str(outstanding), str(balance+outstanding)
	f.Totals.Donations, f.Totals.ShelterGrants, f.Totals.AssistanceGrants = str(don), str(shelter), str(assist)
	f.Totals.LoansDisbursed, f.Totals.Repayments = str(loans), str(repaid)
	f.Counts.Reversals = reversals
	f.Beneficiaries.Persons = len(persons)
	return f
}

// resend sends every write left in doubt again, with its id and payload:
// if it is in the log the answer must be a replay of it, and if not, it is
// recorded now or refused for a business reason — never a conflict and
// never a second copy (the next check counts it).
func (h *crashHarness) resend(base string) {
	present := map[string]uint64{}
	for _, e := range h.lastLog {
		present[e.EventID] = e.Position
	}
	client := newCrashClient()
	h.mu.Lock()
	var doubts []*write
	for _, w := range h.writes {
		if w.outcome == inDoubt {
			doubts = append(doubts, w)
		}
	}
	h.mu.Unlock()
	for _, w := range doubts {
		x, err := h.send(client, "POST", base+w.path, w.body)
		if err != nil {
			h.t.Fatalf("re-send %s %s: %v", w.kind, w.id, err)
		}
		pos, wasThere := present[w.id]
		switch {
		case wasThere:
			h.doubtsFound++
			if x.status != http.StatusOK || x.header.Get("Idempotent-Replay") != "true" {
				h.t.Errorf("re-send of %s %s, in the log at %d = %d (Idempotent-Replay %q) %s, want 200 true",
					w.kind, w.id, pos, x.status, x.header.Get("Idempotent-Replay"), x.body)
			}
			h.mu.Lock()
			h.ack(w, x)
			got := h.positions[w.id]
			h.mu.Unlock()
			if got != pos {
				h.t.Errorf("re-send of %s %s answered position %d, want %d", w.kind, w.id, got, pos)
			}
		case x.status == http.StatusCreated:
			h.mu.Lock()
			h.ack(w, x)
			h.mu.Unlock()
		case x.status == http.StatusConflict && slices.Contains(businessRefusals, x.code()):
			h.mu.Lock()
			w.outcome = refused
			h.mu.Unlock()
		default:
			h.t.Errorf("re-send of %s %s, not in the log = %d %s, want 201 or a business refusal", w.kind, w.id, x.status, x.body)
		}
	}
}

// checkFile opens the ledger file itself once the server is dead (the
// first open after a kill -9, as a restart would) and verifies every
// stream's hash chain over the exact stored bytes, and that the file holds
// exactly the log the API served.
func (h *crashHarness) checkFile() {
	t := h.t
	st, err := embedded.Open(filepath.Join(h.dataDir, "ledger.db"))
	if err != nil {
		t.Fatalf("open the ledger after the last kill: %v", err)
	}
	defer st.Close()
	var stored []domain.StoredEvent
	for {
		var after domain.Position
		if len(stored) > 0 {
			after = stored[len(stored)-1].Position
		}
		page, err := st.ReadAll(context.Background(), after, domain.MaxReadBatch)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		stored = append(stored, page...)
	}
	prev := map[string]string{}
	for _, se := range stored {
		p, ok := prev[se.Stream]
		if !ok {
			p = domain.GenesisHash
		}
		hash, err := domain.VerifyHash(p, se)
		if err != nil {
			t.Errorf("ledger file: %v", err)
			hash = ""
		}
		prev[se.Stream] = hash
	}
	if len(stored) != len(h.lastLog) {
		t.Fatalf("ledger file holds %d events, the API served %d", len(stored), len(h.lastLog))
	}
	for i, se := range stored {
		e := h.lastLog[i]
		if uint64(se.Position) != e.Position || se.ID.String() != e.EventID || !bytes.Equal(se.Data, e.Data) {
			t.Errorf("ledger file event %d = %d %s %s, the API served %d %s %s", i, se.Position, se.ID, se.Data, e.Position, e.EventID, e.Data)
		}
	}
}
