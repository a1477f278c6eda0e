package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// twoInstances starts two API instances on one KurrentDB test server; b
// writes through a gate that can hold its appends to fund streams.
func twoInstances(t *testing.T) (a, b *env, gate *appendGate) {
	t.Helper()
	a = &env{t: t, dir: t.TempDir(), backend: &kurrentBackend{}}
	a.start()
	t.Cleanup(func() { a.stop() })
	shared := &kurrentBackend{srv: a.backend.(*kurrentBackend).srv}
	shared.once.Do(func() {}) // the server is a's
	gate = &appendGate{}
	b = &env{t: t, dir: t.TempDir(), backend: shared, ledgerStore: func(st domain.EventStore) domain.EventStore {
		return heldAppendStore{EventStore: st, gate: gate}
	}}
	b.start()
	t.Cleanup(func() { b.stop() })
	return a, b, gate
}

// appendGate holds appends to fund streams while armed: a write decided
// before a close of another instance is made to land after it, every
// time, instead of by the luck of the scheduler.
type appendGate struct {
	mu      sync.Mutex
	release chan struct{} // nil: open
	held    int
}

// arm makes the next fund appends wait until open.
func (g *appendGate) arm() {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.release = make(chan struct{})
}

// open lets the held appends go, and the later ones through.
func (g *appendGate) open() {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.release != nil {
		close(g.release)
		g.release = nil
	}
}

// waitHeld waits until n appends are held.
func (g *appendGate) waitHeld(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		g.mu.Lock()
		held := g.held
		g.mu.Unlock()
		if held >= n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d appends held after %v, want %d", held, waitLimit, n)
		}
		time.Sleep(time.Millisecond)
	}
}

// heldAppendStore is a store whose fund appends pass an appendGate. It is
// shared between instances as the store it wraps is.
type heldAppendStore struct {
	domain.EventStore
	gate *appendGate
}

func (s heldAppendStore) Append(ctx context.Context, stream string, expected domain.ExpectedRevision, events []domain.NewEvent) (domain.AppendResult, error) {
	if strings.HasPrefix(stream, "fund-") {
		s.gate.mu.Lock()
		wait := s.gate.release
		if wait != nil {
			s.gate.held++
		}
		s.gate.mu.Unlock()
		if wait != nil {
			<-wait
		}
	}
	return s.EventStore.Append(ctx, stream, expected, events)
}

func (s heldAppendStore) SharedBetweenInstances() bool {
	shared, ok := s.EventStore.(domain.SharedStore)
	return ok && shared.SharedBetweenInstances()
}

// raceWrite is one write of the race and how it was answered.
type raceWrite struct {
	txID   string
	status int
	code   string
	detail string
	pos    uint64
}

// TestTwoInstancesCloseRacesWrites: on one KurrentDB, instance B writes
// donations dated in 2023 while instance A closes 2023. Some of B's
// writes are decided before the close and held at their append until A's
// close has answered, so that they land after A's PeriodClosing (as a
// slow network would make them); others run free beside the close. Then,
// from the log alone: every write B acknowledged is before the closing;
// every donation dated 2023 after the closing was answered 409
// period_closed — it is void, and neither instance counts it; and the
// seal is the one an auditor recomputes from the events before the
// closing. A retry of a void write, through either instance, is still
// 409. With the post-check of B's appends left out, the held writes are
// acknowledged after the closing and the test fails.
func TestTwoInstancesCloseRacesWrites(t *testing.T) {
	a, b, gate := twoInstances(t)
	a.units()
	funds := []string{socialFund, capitalFund, shelterFund}
	for i, id := range funds {
		a.mustCreate("/v1/funds", fmt.Sprintf(`{"fund_id":%q,"unit_id":"cao-loc","name":"Quỹ %d","kind":"social","opened_on":"2023-01-01"}`, id, i))
	}
	body := func(tx string, i int) string {
		return fmt.Sprintf(`{"transaction_id":%q,"amount":"%d","occurred_on":"2023-11-%02d","donor":{"kind":"enterprise"}}`, tx, 1000+i, 1+i%28)
	}
	write := func(in *env, fund, tx string, i int) raceWrite {
		r := in.post("/v1/funds/"+fund+"/donations", body(tx, i))
		w := raceWrite{txID: tx, status: r.status}
		if r.status == http.StatusCreated {
			var res txResult
			decodeInto(t, r, &res)
			w.pos = res.Position
		} else {
			var p problemBody
			decodeInto(t, r, &p)
			w.code, w.detail = p.Code, p.Detail
		}
		return w
	}
	// B writes first: its copy of the period stream is read now, empty,
	// and trusted for a second.
	for i, f := range funds {
		if w := write(b, f, domain.NewID().String(), i); w.status != http.StatusCreated {
			t.Fatalf("warm-up write through B: %+v", w)
		}
	}

	// Held: one write per fund decided now, and more queued behind
	// them on their funds.
	const writers, perWriter = 6, 4
	results := make([][]raceWrite, writers)
	var wg sync.WaitGroup
	gate.arm()
	for g := range writers {
		wg.Go(func() {
			for k := range perWriter {
				i := g*perWriter + k
				results[g] = append(results[g], write(b, funds[g%len(funds)], domain.NewID().String(), i))
			}
		})
	}
	gate.waitHeld(t, len(funds))
	r := a.post("/v1/units/lang-son/periods", `{"year":2023}`)
	if r.status != http.StatusCreated {
		gate.open()
		t.Fatalf("close through A: %v", r)
	}
	var closed closedJSON
	decodeInto(t, r, &closed)
	gate.open()
	wg.Wait()
	// Once B has met the closing, its writes dated 2023 are refused
	// before anything is appended.
	free := make([]raceWrite, 24)
	var fg sync.WaitGroup
	for i := range free {
		fg.Go(func() { free[i] = write(b, funds[i%len(funds)], domain.NewID().String(), 100+i) })
	}
	fg.Wait()
	results = append(results, free)
	if closed.Position == 0 {
		t.Fatal("the close did not answer")
	}

	events := a.allEvents()
	var closing uint64
	for _, ev := range events {
		if ev.Type == "PeriodClosing" {
			closing = ev.Position
		}
		if ev.Type == "PeriodClosed" && ev.Position != closed.Position {
			t.Errorf("PeriodClosed at %d, the close answered %d", ev.Position, closed.Position)
		}
	}
	if closing == 0 || closing >= closed.Position {
		t.Fatalf("PeriodClosing at %d, PeriodClosed at %d: want the closing first", closing, closed.Position)
	}
	answer := map[string]raceWrite{}
	for _, rs := range results {
		for _, w := range rs {
			answer[w.txID] = w
			switch {
			case w.status == http.StatusCreated && w.pos >= closing:
				t.Errorf("write %s acknowledged at %d, after the closing at %d", w.txID, w.pos, closing)
			case w.status == http.StatusCreated:
			case w.status == http.StatusConflict && w.code == "period_closed":
			default:
				t.Errorf("write %s: %d %s %s, want 201 or 409 period_closed", w.txID, w.status, w.code, w.detail)
			}
		}
	}
	// The log: which donations dated 2023 count (before the closing) and
	// which are void (after it; nothing reopens 2023 here).
	counted := map[string]int64{}
	var void []string
	for _, ev := range events {
		if ev.Type != "DonationReceived" || !strings.HasPrefix(ev.OccurredOn, "2023") {
			continue
		}
		var d struct {
			TransactionID string `json:"transaction_id"`
			FundID        string `json:"fund_id"`
			Amount        json.Number
		}
		if err := json.Unmarshal(ev.Data, &d); err != nil {
			t.Fatal(err)
		}
		w, ours := answer[d.TransactionID]
		if ev.Position < closing {
			n, _ := d.Amount.Int64()
			counted[d.FundID] += n
			if ours && w.status != http.StatusCreated {
				t.Errorf("donation %s at %d, before the closing, was answered %d %s", d.TransactionID, ev.Position, w.status, w.code)
			}
			continue
		}
		void = append(void, d.TransactionID)
		if !ours || w.status != http.StatusConflict || w.code != "period_closed" {
			t.Errorf("void donation %s at %d (after the closing at %d) was answered %+v, want 409 period_closed", d.TransactionID, ev.Position, closing, w)
		}
	}
	if len(void) == 0 {
		t.Fatalf("no write of B landed after the closing: the race was not met")
	}
	// Neither instance counts a void event, and the seal is the log's.
	for _, in := range []*env{a, b} {
		waitProjections(t, in, closed.Position)
		for _, f := range funds {
			var sum struct {
				Balance string `json:"balance"`
			}
			r := in.get("/v1/funds/" + f)
			mustStatus(t, r, http.StatusOK)
			decodeInto(t, r, &sum)
			if want := fmt.Sprint(counted[f]); sum.Balance != want {
				t.Errorf("balance of %s = %s, the donations before the closing sum to %s", f, sum.Balance, want)
			}
		}
	}
	if want := auditorSeal(t, events, "lang-son", 2023, closed.Position); closed.Seal != want {
		t.Errorf("seal = %s, recomputed from the log before the closing %s", closed.Seal, want)
	}
	// A retry of a void write, through either instance, is still refused.
	fundOf := map[string]string{}
	for _, ev := range events {
		var d struct {
			TransactionID string `json:"transaction_id"`
			FundID        string `json:"fund_id"`
		}
		_ = json.Unmarshal(ev.Data, &d)
		fundOf[d.TransactionID] = d.FundID
	}
	for _, in := range []*env{b, a} {
		tx := void[0]
		w := write(in, fundOf[tx], tx, 0)
		if w.status != http.StatusConflict || w.code != "period_closed" {
			t.Errorf("retry of void write %s = %d %s %s, want 409 period_closed", tx, w.status, w.code, w.detail)
		}
	}
	// verify reports the void events as findings, not mismatches; the
	// metric counts them.
	for _, in := range []*env{a, b} {
		var rep struct {
			OK              bool `json:"ok"`
			VoidEventsFound int  `json:"void_events_found"`
			VoidEvents      []struct {
				EventID string `json:"event_id"`
			} `json:"void_events"`
		}
		r := in.get("/v1/audit/verify")
		mustStatus(t, r, http.StatusOK)
		decodeInto(t, r, &rep)
		if !rep.OK || rep.VoidEventsFound != len(void) || len(rep.VoidEvents) != len(void) {
			t.Errorf("verify = ok %v, %d void events found (%d listed), want ok and %d", rep.OK, rep.VoidEventsFound, len(rep.VoidEvents), len(void))
		}
		m := in.get("/metrics")
		if want := fmt.Sprintf("\nwelfare_ledger_void_events %d\n", len(void)); !strings.Contains(string(m.body), want) {
			t.Errorf("/metrics lacks %q", strings.TrimSpace(want))
		}
	}
	t.Logf("closing at %d, close at %d; %d void writes answered 409", closing, closed.Position, len(void))
}

// waitProjections waits until an env's projections have applied pos.
func waitProjections(t *testing.T, e *env, pos uint64) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for uint64(e.proj.Position()) < pos {
		if time.Now().After(deadline) {
			t.Fatalf("projections at %d, not %d, after %v", e.proj.Position(), pos, waitLimit)
		}
		time.Sleep(time.Millisecond)
	}
}

// TestTwoInstancesCloseRacesAFundOpening: a fund opened through B in 2023,
// decided before A's close of 2023 and landing after its closing, is void:
// 409 period_closed, on a retry too; the fund does not exist for either
// instance (404), and verify lists the void opening.
func TestTwoInstancesCloseRacesAFundOpening(t *testing.T) {
	a, b, gate := twoInstances(t)
	a.units()
	// B reads the period stream (empty) before the close.
	b.mustCreate("/v1/funds", fmt.Sprintf(`{"fund_id":%q,"unit_id":"cao-loc","name":"Quỹ cũ","kind":"social","opened_on":"2023-01-01"}`, socialFund))
	open := fmt.Sprintf(`{"fund_id":%q,"unit_id":"cao-loc","name":"Quỹ mới","kind":"social","opened_on":"2023-06-01"}`, capitalFund)
	gate.arm()
	opened := make(chan resp, 1)
	go func() { opened <- b.post("/v1/funds", open) }()
	gate.waitHeld(t, 1)
	closed := a.post("/v1/units/lang-son/periods", `{"year":2023}`)
	gate.open()
	mustStatus(t, closed, http.StatusCreated)
	mustProblem(t, <-opened, http.StatusConflict, "period_closed")
	mustProblem(t, b.post("/v1/funds", open), http.StatusConflict, "period_closed")
	mustProblem(t, a.post("/v1/funds", open), http.StatusConflict, "period_closed")
	donation := `{"amount":"1000","occurred_on":"2024-01-02","donor":{"kind":"member"}}`
	// The void opening landed through B, after A's close, but neither
	// instance's projections need have applied it yet (A's audit head is
	// what A has applied), and verify checks the log up to what its
	// instance has applied: so each instance's verify is asked again
	// until it has met the opening, within waitLimit.
	for _, in := range []*env{a, b} {
		mustProblem(t, in.post("/v1/funds/"+capitalFund+"/donations", donation), http.StatusNotFound, "not_found")
		var rep struct {
			OK         bool `json:"ok"`
			VoidEvents []struct {
				EventID string `json:"event_id"`
				Type    string `json:"type"`
			} `json:"void_events"`
		}
		for deadline := time.Now().Add(waitLimit); ; time.Sleep(5 * time.Millisecond) {
			r := in.get("/v1/audit/verify")
			mustStatus(t, r, http.StatusOK)
			decodeInto(t, r, &rep)
			if len(rep.VoidEvents) > 0 || time.Now().After(deadline) {
				break
			}
		}
		if !rep.OK || len(rep.VoidEvents) != 1 || rep.VoidEvents[0].EventID != capitalFund || rep.VoidEvents[0].Type != "FundOpened" {
			t.Errorf("verify = %+v, want ok and the void opening of %s", rep, capitalFund)
		}
		mustStatus(t, in.get("/v1/funds/"+capitalFund), http.StatusNotFound)
	}
}
