package api_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// verifyJSON is the answer of GET /v1/audit/verify.
type verifyJSON struct {
	OK              bool           `json:"ok"`
	Position        uint64         `json:"position"`
	EventsChecked   int            `json:"events_checked"`
	StreamsChecked  int            `json:"streams_checked"`
	Mismatches      []mismatchJSON `json:"mismatches"`
	MismatchesFound int            `json:"mismatches_found"`
	Truncated       bool           `json:"truncated"`
}

type mismatchJSON struct {
	Kind     string  `json:"kind"`
	Stream   string  `json:"stream"`
	Revision *uint64 `json:"revision"`
	Position uint64  `json:"position"`
	Detail   string  `json:"detail"`
}

func (m mismatchJSON) String() string {
	rev := "-"
	if m.Revision != nil {
		rev = fmt.Sprint(*m.Revision)
	}
	return fmt.Sprintf("%s %s@%s pos %d: %s", m.Kind, m.Stream, rev, m.Position, m.Detail)
}

// verify asks for a verification with the env's token and requires 200.
func (e *env) verify() verifyJSON {
	e.t.Helper()
	r := e.get("/v1/audit/verify")
	mustStatus(e.t, r, http.StatusOK)
	var v verifyJSON
	decodeInto(e.t, r, &v)
	if v.Mismatches == nil {
		e.t.Fatalf("%v: mismatches is not a list", r)
	}
	return v
}

// as runs f with the env's requests carrying token.
func (e *env) as(token string, f func()) {
	saved := e.token
	e.token = token
	defer func() { e.token = saved }()
	f()
}

// eventAt returns the stream, revision and position of the event with id
// eventID, from GET /v1/events.
func (e *env) eventAt(eventID string) (stream string, revision, position uint64) {
	e.t.Helper()
	r := e.get("/v1/events?limit=1000")
	mustStatus(e.t, r, http.StatusOK)
	var page struct {
		Items []struct {
			EventID  string `json:"event_id"`
			Stream   string `json:"stream"`
			Revision uint64 `json:"revision"`
			Position uint64 `json:"position"`
		} `json:"items"`
	}
	decodeInto(e.t, r, &page)
	for _, it := range page.Items {
		if it.EventID == eventID {
			return it.Stream, it.Revision, it.Position
		}
	}
	e.t.Fatalf("event %s is not in the log", eventID)
	return "", 0, 0
}

// editRow changes the stored row of an event behind the server's back, with
// database/sql on the ledger file, as someone with the file could.
func (e *env) editRow(eventID, set string, args ...any) {
	e.t.Helper()
	db, err := sql.Open("sqlite", filepath.Join(e.dir, "ledger.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		e.t.Fatalf("sql.Open: %v", err)
	}
	defer db.Close()
	res, err := db.Exec("UPDATE events SET "+set+" WHERE event_id = ?", append(args, eventID)...)
	if err != nil {
		e.t.Fatalf("tamper with %s: %v", eventID, err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		e.t.Fatalf("tampering changed %d rows, want 1", n)
	}
}

// reseal rewrites the stored event eventID with change applied to its
// payload and a correct hash: what someone who knows the formula could
// do to a stream's last event, which no hash link then contradicts.
func (e *env) reseal(eventID string, change func(domain.EventData)) {
	e.t.Helper()
	stream, rev, _ := e.eventAt(eventID)
	evs, err := e.store.ReadStream(context.Background(), stream, rev, 1)
	if err != nil || len(evs) != 1 {
		e.t.Fatalf("ReadStream(%s, %d) = %d events, %v", stream, rev, len(evs), err)
	}
	ev, err := domain.Decode(evs[0])
	if err != nil {
		e.t.Fatal(err)
	}
	change(ev.Data)
	ne, _, err := domain.Seal(ev.Meta.PrevHash, ev.Data, ev.Meta)
	if err != nil {
		e.t.Fatal(err)
	}
	e.editRow(eventID, "data = ?, metadata = ?", string(ne.Data), string(ne.Metadata))
}

func TestVerifyFreshLedger(t *testing.T) {
	e := newEnv(t)
	r := e.get("/v1/audit/verify")
	mustStatus(t, r, http.StatusOK)
	if !strings.Contains(string(r.body), `"mismatches":[]`) {
		t.Errorf("%v, want an empty mismatches list", r)
	}
	v := e.verify()
	// The only event is the admin token's issue, in the access stream (at
	// position 1 on the embedded store).
	want := verifyJSON{OK: true, Position: uint64(e.store.Head()), EventsChecked: 1, StreamsChecked: 1, Mismatches: []mismatchJSON{}}
	if fmt.Sprint(v) != fmt.Sprint(want) {
		t.Errorf("verify = %+v, want %+v", v, want)
	}
}

// TestVerifyBusyLedger verifies while writers keep recording: every
// report is ok, and the last one, once the writers are done, has checked
// every event of the log.
func TestVerifyBusyLedger(t *testing.T) {
	e := newEnv(t)
	e.units()
	e.openFund(socialFund, "cao-loc", "social")
	e.openFund(capitalFund, "lang-son", "capital_support")
	e.donate(socialFund, "50000000", "2024-02-01")
	e.donate(capitalFund, "50000000", "2024-02-01")

	const writers, perWriter = 4, 40
	var wg sync.WaitGroup
	var writing atomic.Bool
	writing.Store(true)
	errs := make(chan error, writers*perWriter)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fund := []string{socialFund, capitalFund}[w%2]
			for i := range perWriter {
				path := "/v1/funds/" + fund + "/donations"
				body := fmt.Sprintf(`{"amount":"%d","occurred_on":"2024-03-%02d","donor":{"kind":"member"}}`, 1000+i, 1+i%28)
				if w >= 2 && i%2 == 1 {
					path = "/v1/funds/" + fund + "/assistance-grants"
					body = fmt.Sprintf(`{"beneficiary_id":"M%d","amount":"1000","category":"hardship","occurred_on":"2024-04-01"}`, i)
					if fund == capitalFund {
						path = "/v1/funds/" + fund + "/loans"
						body = fmt.Sprintf(`{"beneficiary_id":"M%d","amount":"1000","occurred_on":"2024-04-01"}`, i)
					}
				}
				r, err := e.fetch("POST", path, strings.NewReader(body), true)
				if err == nil && r.status != http.StatusCreated {
					err = fmt.Errorf("%v, want 201", r)
				}
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	go func() { wg.Wait(); writing.Store(false) }()

	raced := 0
	for writing.Load() {
		v := e.verify()
		if !v.OK || len(v.Mismatches) != 0 {
			t.Fatalf("verify during writes = %+v, want ok", v)
		}
		if head := uint64(e.store.Head()); v.Position < head {
			raced++
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if raced == 0 {
		t.Errorf("no verification ran while the log grew under it; the test proves nothing")
	}
	v := e.verify()
	events := e.eventCount()
	// The access stream, three units, two funds.
	want := verifyJSON{OK: true, Position: uint64(e.store.Head()), EventsChecked: events, StreamsChecked: 6, Mismatches: []mismatchJSON{}}
	if fmt.Sprint(v) != fmt.Sprint(want) {
		t.Errorf("verify after the writes = %+v, want %+v", v, want)
	}
	t.Logf("%d verifications raced the writers", raced)
}

func TestVerifyTamperedEvent(t *testing.T) {
	e := newEnv(t)
	e.units()
	e.openFund(socialFund, "cao-loc", "social")
	victim := e.donate(socialFund, "1000", "2024-02-01")
	e.donate(socialFund, "7", "2024-02-02")
	stream, rev, pos := e.eventAt(victim.TransactionID)
	e.editRow(victim.TransactionID, "data = replace(data, ?, ?)", `"amount":"1000"`, `"amount":"9000"`)

	v := e.verify()
	if v.OK {
		t.Errorf("verify of a tampered ledger: ok = true, want false")
	}
	var chain []mismatchJSON
	for _, m := range v.Mismatches {
		if m.Kind == "hash_chain" {
			chain = append(chain, m)
		}
	}
	if len(chain) != 1 || chain[0].Stream != stream || chain[0].Revision == nil || *chain[0].Revision != rev || chain[0].Position != pos {
		t.Fatalf("hash_chain mismatches = %v, want one at %s@%d position %d", chain, stream, rev, pos)
	}
	// The live projections applied the amount as written; the log now
	// says another: the rebuild shows which figure moved.
	wantDetail := "transaction " + victim.TransactionID + `: amount: live "1000", log "9000"`
	if !hasMismatch(v, "projection", stream, wantDetail) {
		t.Errorf("mismatches = %v, want a projection one in %s with %q", v.Mismatches, stream, wantDetail)
	}
	if v.MismatchesFound != len(v.Mismatches) || v.Truncated {
		t.Errorf("mismatches_found = %d, truncated = %v; want %d, false", v.MismatchesFound, v.Truncated, len(v.Mismatches))
	}
}

func hasMismatch(v verifyJSON, kind, stream, detail string) bool {
	for _, m := range v.Mismatches {
		if m.Kind == kind && m.Stream == stream && strings.Contains(m.Detail, detail) {
			return true
		}
	}
	return false
}

// TestVerifyProjectionDiffersFromLog: a stream's last event rewritten with
// a correct hash breaks no link, but the live projections, which applied
// it as first written, no longer match the log.
func TestVerifyProjectionDiffersFromLog(t *testing.T) {
	e := newEnv(t)
	e.units()
	e.openFund(socialFund, "cao-loc", "social")
	e.donate(socialFund, "1000", "2024-02-01")
	last := e.donate(socialFund, "500", "2024-02-03")
	e.reseal(last.TransactionID, func(d domain.EventData) {
		d.(*domain.DonationReceived).Amount = domain.MustVND("800")
	})
	v := e.verify()
	stream := "fund-" + socialFund
	for _, want := range []string{
		"transaction " + last.TransactionID + `: amount: live "500", log "800"`,
		"totals.donations on 2024-02-03: live 1500, log 1800",
	} {
		if !hasMismatch(v, "projection", stream, want) {
			t.Errorf("mismatches = %v, want a projection one in %s with %q", v.Mismatches, stream, want)
		}
	}
	for _, m := range v.Mismatches {
		// Beside the fund's, the ledger-wide one: the history the live
		// projections applied is not the log's.
		if !(m.Kind == "projection" && m.Stream == stream) &&
			!(m.Kind == "history" && m.Stream == "" && strings.Contains(m.Detail, "the log up to position "+fmt.Sprint(last.Position)+" is not the history")) {
			t.Errorf("mismatch %v, want only projection ones of %s and the history one", m, stream)
		}
	}
	if v.OK {
		t.Errorf("ok = true, want false")
	}
}

// TestVerifyScope: a scoped auditor's report speaks of its scope only —
// the streams GET /v1/events shows it — and never names what is outside.
func TestVerifyScope(t *testing.T) {
	e := newEnv(t)
	e.units()
	e.mustCreate("/v1/units", `{"unit_id":"ha-noi","name":"LĐLĐ Hà Nội","parent_id":"vgcl"}`)
	e.openFund(socialFund, "cao-loc", "social")
	e.openFund(shelterFund, "ha-noi", "shelter")
	in := e.donate(socialFund, "1000", "2024-02-01")
	out := e.donate(shelterFund, "1000", "2024-02-01")
	e.donate(socialFund, "1", "2024-02-02")
	e.donate(shelterFund, "1", "2024-02-02")
	auditor := e.issueToken(nil, domain.RoleAuditor, "lang-son")
	rootAuditor := e.issueToken(nil, domain.RoleAuditor, "vgcl")
	for _, id := range []string{in.TransactionID, out.TransactionID} {
		e.editRow(id, "data = replace(data, ?, ?)", `"amount":"1000"`, `"amount":"2000"`)
	}

	var scoped verifyJSON
	var body string
	var visible int
	e.as(auditor, func() {
		r := e.get("/v1/audit/verify")
		mustStatus(t, r, http.StatusOK)
		decodeInto(t, r, &scoped)
		body = string(r.body)
		visible = e.eventCount()
	})
	// lang-son, cao-loc and the social fund.
	if scoped.OK || scoped.EventsChecked != visible || scoped.StreamsChecked != 3 {
		t.Errorf("scoped verify: ok %v, events_checked %d, streams_checked %d; want false, %d (what /v1/events shows it), 3",
			scoped.OK, scoped.EventsChecked, scoped.StreamsChecked, visible)
	}
	for _, m := range scoped.Mismatches {
		if m.Stream != "fund-"+socialFund {
			t.Errorf("scoped mismatch %v, want only fund-%s", m, socialFund)
		}
	}
	if !hasMismatch(scoped, "hash_chain", "fund-"+socialFund, "") {
		t.Errorf("scoped mismatches = %v, want the social fund's hash_chain", scoped.Mismatches)
	}
	for _, secret := range []string{shelterFund, out.TransactionID, "ha-noi", "access"} {
		if strings.Contains(body, secret) {
			t.Errorf("the scoped report names %q, which is outside its scope:\n%s", secret, body)
		}
	}

	// Auditors are always scoped to a unit: one of the root sees every
	// unit and fund, but not the access stream, which only an unscoped
	// admin sees.
	for _, c := range []struct {
		name, token string
		streams     int
	}{{"root auditor", rootAuditor, 6}, {"unscoped admin", e.token, 7}} {
		e.as(c.token, func() {
			v := e.verify()
			for _, stream := range []string{"fund-" + socialFund, "fund-" + shelterFund} {
				if !hasMismatch(v, "hash_chain", stream, "") {
					t.Errorf("%s's mismatches = %v, want a hash_chain one of %s", c.name, v.Mismatches, stream)
				}
			}
			if v.StreamsChecked != c.streams || v.EventsChecked != e.eventCount() {
				t.Errorf("%s's verify: streams_checked %d, events_checked %d; want %d, %d", c.name, v.StreamsChecked, v.EventsChecked, c.streams, e.eventCount())
			}
		})
	}
	for _, role := range []domain.Role{domain.RoleManager, domain.RoleOfficial} {
		e.as(e.issueToken(nil, role, "vgcl"), func() {
			mustProblem(t, e.get("/v1/audit/verify"), http.StatusForbidden, "forbidden")
		})
	}
	mustProblem(t, e.get("/v1/audit/verify?full=1"), http.StatusUnprocessableEntity, "validation_failed")
}

// gatedStore holds the server's reads of the log at a gate while armed, so
// that a test can keep a verification running; the projections and the
// ledger read the store itself.
type gatedStore struct {
	domain.EventStore
	armed   atomic.Bool
	entered chan struct{}
	release chan struct{}
}

func newGatedStore(st domain.EventStore) *gatedStore {
	return &gatedStore{EventStore: st, entered: make(chan struct{}, 1), release: make(chan struct{})}
}

func (g *gatedStore) ReadAll(ctx context.Context, after domain.Position, max int) ([]domain.StoredEvent, error) {
	if g.armed.Load() {
		select {
		case g.entered <- struct{}{}:
		default:
		}
		select {
		case <-g.release:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	return g.EventStore.ReadAll(ctx, after, max)
}

// gatedEnv is an env whose server reads the log through a gatedStore.
func gatedEnv(t *testing.T, httpServer func(*http.Server)) (*env, *gatedStore) {
	var g *gatedStore
	e := &env{t: t, dir: t.TempDir(), httpServer: httpServer,
		apiStore: func(st domain.EventStore) domain.EventStore { g = newGatedStore(st); return g }}
	e.start()
	t.Cleanup(func() { e.stop() })
	e.units()
	e.openFund(socialFund, "cao-loc", "social")
	e.donate(socialFund, "1000", "2024-02-01")
	return e, g
}

// waitEntered waits until a read of the log is held at the gate.
func waitEntered(t *testing.T, g *gatedStore) {
	t.Helper()
	select {
	case <-g.entered:
	case <-time.After(waitLimit):
		t.Fatalf("no verification reached the log within %v", waitLimit)
	}
}

func TestVerifyOneAtATime(t *testing.T) {
	e, g := gatedEnv(t, nil)
	g.armed.Store(true)
	first := make(chan resp, 1)
	go func() {
		r, err := e.fetch("GET", "/v1/audit/verify", nil, false)
		if err != nil {
			r.status, r.body = -1, []byte(err.Error())
		}
		first <- r
	}()
	waitEntered(t, g)
	p := mustProblem(t, e.get("/v1/audit/verify"), http.StatusConflict, "verify_in_progress")
	if !strings.Contains(p.Detail, "already running") {
		t.Errorf("detail = %q, want it to say a verification is already running", p.Detail)
	}
	g.armed.Store(false)
	close(g.release)
	r := <-first
	mustStatus(t, r, http.StatusOK)
	var v verifyJSON
	decodeInto(t, r, &v)
	if !v.OK {
		t.Errorf("the first verification = %s, want ok", r.body)
	}
	if v := e.verify(); !v.OK { // the next one runs again
		t.Errorf("a verification after the first = %+v, want ok", v)
	}
}

// TestVerifyStopsWhenTheClientLeaves: the gate is never opened, so only the
// request's cancellation can end the first verification and let the next
// one run.
func TestVerifyStopsWhenTheClientLeaves(t *testing.T) {
	e, g := gatedEnv(t, nil)
	g.armed.Store(true)
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", e.http.URL+"/v1/audit/verify", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	done := make(chan error, 1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			res.Body.Close()
			err = fmt.Errorf("status %d", res.StatusCode)
		}
		done <- err
	}()
	waitEntered(t, g)
	cancel()
	if err := <-done; !strings.Contains(fmt.Sprint(err), "context canceled") {
		t.Errorf("the cancelled request = %v, want context canceled", err)
	}
	g.armed.Store(false)
	deadline := time.Now().Add(waitLimit)
	for {
		r := e.get("/v1/audit/verify")
		if r.status == http.StatusOK {
			break
		}
		mustProblem(t, r, http.StatusConflict, "verify_in_progress")
		if time.Now().After(deadline) {
			t.Fatalf("the abandoned verification still runs after %v", waitLimit)
		}
		time.Sleep(5 * time.Millisecond)
	}
	// The abandoned request is counted as the client's doing (499), not
	// as the server's failure (500). Its line is recorded once its
	// handler has returned, which may follow the lock's release.
	const abandoned = `welfare_ledger_http_requests_total{method="GET",route="/v1/audit/verify",status="499"} 1`
	for {
		m := e.get("/metrics")
		if strings.Contains(string(m.body), `route="/v1/audit/verify",status="500"`) {
			t.Fatalf("the abandoned verification was counted as a server failure:\n%s", m.body)
		}
		if strings.Contains(string(m.body), abandoned) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s in /metrics:\n%s", abandoned, m.body)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestVerifyOutlastsTheServerTimeouts: a verification longer than the
// http.Server's read and write timeouts still answers in full.
func TestVerifyOutlastsTheServerTimeouts(t *testing.T) {
	const timeout = 200 * time.Millisecond
	e, g := gatedEnv(t, func(s *http.Server) { s.ReadTimeout, s.WriteTimeout = timeout, timeout })
	g.armed.Store(true)
	go func() {
		<-g.entered
		time.Sleep(3 * timeout)
		g.armed.Store(false)
		close(g.release)
	}()
	// A connection of its own: Go's client silently repeats a GET that
	// failed on a reused connection, and the repeat would find the gate
	// open.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	req, err := http.NewRequest("GET", e.http.URL+"/v1/audit/verify", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.token)
	start := time.Now()
	res, err := client.Do(req)
	if err != nil {
		t.Fatalf("GET /v1/audit/verify past the timeouts = %v, want an answer", err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	took := time.Since(start)
	var v verifyJSON
	if res.StatusCode != http.StatusOK || err != nil || json.Unmarshal(body, &v) != nil || !v.OK {
		t.Errorf("answer %d %s (%v), want 200 and an ok report", res.StatusCode, body, err)
	}
	if took < 3*timeout {
		t.Errorf("the verification took %v, want at least %v: the test did not outlast the timeouts", took, 3*timeout)
	}
}

// TestVerifyLogShortenedWhileServing: the newest event deleted from the
// ledger file while the server runs is a history mismatch (the figures it
// changed follow), not an ok report.
func TestVerifyLogShortenedWhileServing(t *testing.T) {
	e := newEnv(t)
	e.units()
	e.openFund(socialFund, "cao-loc", "social")
	e.donate(socialFund, "1000", "2024-02-01")
	last := e.donate(socialFund, "5000000", "2024-02-03")
	db, err := sql.Open("sqlite", filepath.Join(e.dir, "ledger.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	res, err := db.Exec("DELETE FROM events WHERE event_id = ?", last.TransactionID)
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("DELETE = %d rows, want 1", n)
	}
	v := e.verify()
	want := fmt.Sprintf("the projections were built from the log up to position %d, but the log up to that position ends at position %d",
		last.Position, last.Position-1)
	if v.OK || !hasMismatch(v, "history", "", want) {
		t.Errorf("verify = %+v, want not ok with a history mismatch saying %q", v, want)
	}
	if !hasMismatch(v, "projection", "fund-"+socialFund, "totals.donations on 2024-02-03: live 5001000, log 1000") {
		t.Errorf("mismatches = %v, want the fund's donations without the deleted one", v.Mismatches)
	}
}

// TestVerifyMalformedEvent: a stored grant without beneficiary_id is a
// located invalid_event in a 200 report, never a 500.
func TestVerifyMalformedEvent(t *testing.T) {
	e := newEnv(t)
	e.units()
	e.openFund(socialFund, "cao-loc", "social")
	e.donate(socialFund, "1000000", "2024-02-01")
	g := e.grant(socialFund, "LS-0001", "400000", "2024-02-02")
	e.donate(socialFund, "1000", "2024-02-03")
	stream, rev, pos := e.eventAt(g.TransactionID)
	e.editRow(g.TransactionID, "data = json_remove(data, '$.beneficiary_id')")
	v := e.verify()
	found := false
	for _, m := range v.Mismatches {
		if m.Kind == "invalid_event" && m.Stream == stream && m.Revision != nil && *m.Revision == rev && m.Position == pos &&
			strings.Contains(m.Detail, "beneficiary_id") {
			found = true
		}
	}
	if v.OK || !found || !hasMismatch(v, "rebuild_failed", stream, "beneficiary_id") {
		t.Errorf("verify = %+v, want an invalid_event and a rebuild_failed of %s@%d at %d naming beneficiary_id", v, stream, rev, pos)
	}
	// The raw log still shows it, as it now reads.
	r := e.get("/v1/events?limit=1000")
	mustStatus(t, r, http.StatusOK)
	if !strings.Contains(string(r.body), g.TransactionID) || strings.Contains(string(r.body), "LS-0001") {
		t.Errorf("GET /v1/events at the altered grant = %s, want it without its beneficiary_id", r.body)
	}
}
