package api_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// Funds of the periods' tests.
const (
	perSocial  = "0190a0b4-0000-7000-8000-00000000c001" // lang-son, opened 2022-01-01
	perCapital = "0190a0b4-0000-7000-8000-00000000c002" // cao-loc, opened 2022-06-01
	perLate    = "0190a0b4-0000-7000-8000-00000000c003" // cao-loc, opened 2024-01-01: not in 2023's seal
	perOther   = "0190a0b4-0000-7000-8000-00000000c004" // ha-noi, outside lang-son
	perLoan    = "0190a0b4-0000-7000-8000-00000000c005"
)

// tickingEnv is an env whose ledger clock moves a second at every reading,
// from fixedNow: each event has its own recorded_at, for known_at.
func tickingEnv(t *testing.T) *env {
	t.Helper()
	var ticks atomic.Int64
	e := &env{t: t, dir: t.TempDir(), clock: func() time.Time {
		return fixedNow.Add(time.Duration(ticks.Add(1)) * time.Second)
	}}
	e.start()
	t.Cleanup(func() { e.stop() })
	return e
}

// periodsFixture: vgcl → lang-son → cao-loc and ha-noi, four funds and a
// history across 2022, 2023 and 2024, a back-dated voucher and a
// reversal among them.
func periodsFixture(e *env) {
	e.t.Helper()
	e.units()
	e.mustCreate("/v1/units", `{"unit_id":"ha-noi","name":"LĐLĐ Hà Nội"}`)
	for _, f := range []struct{ id, unit, kind, opened string }{
		{perSocial, "lang-son", "social", "2022-01-01"}, {perCapital, "cao-loc", "capital_support", "2022-06-01"},
		{perLate, "cao-loc", "social", "2024-01-01"}, {perOther, "ha-noi", "social", "2022-01-01"},
	} {
		e.mustCreate("/v1/funds", fmt.Sprintf(`{"fund_id":%q,"unit_id":%q,"name":"Quỹ %s","kind":%q,"opened_on":%q}`,
			f.id, f.unit, f.id[len(f.id)-4:], f.kind, f.opened))
	}
	e.donate(perSocial, "500000000", "2022-03-01")
	e.donate(perSocial, "120000000", "2023-02-10")
	e.grant(perSocial, "LS-001", "30000000", "2023-05-05")
	g := e.grant(perSocial, "LS-002", "7000000", "2023-11-30")
	e.tx("/v1/funds/"+perSocial+"/reversals", `{"reverses":"`+g.TransactionID+`","reason":"nhầm","occurred_on":"2023-12-15"}`)
	e.donate(perSocial, "9000000", "2024-01-03") // after the year: not in the seal
	e.donate(perCapital, "200000000", "2022-07-01")
	e.tx("/v1/funds/"+perCapital+"/loans", `{"loan_id":"`+perLoan+`","beneficiary_id":"LS-003","amount":"50000000","occurred_on":"2023-03-01"}`)
	e.tx("/v1/funds/"+perCapital+"/loans/"+perLoan+"/repayments", `{"amount":"5000000","occurred_on":"2023-09-01"}`)
	e.donate(perLate, "1000000", "2024-02-01")
	e.donate(perOther, "3000000", "2023-04-04")
	e.donate(perSocial, "11000000", "2023-12-31") // back-dated, recorded last
}

// closedJSON is the answer to a close.
type closedJSON struct {
	UnitID   string    `json:"unit_id"`
	Year     int       `json:"year"`
	Position uint64    `json:"position"`
	ClosedAt time.Time `json:"closed_at"`
	Seal     string    `json:"seal"`
}

// periodJSON is an item of GET /v1/units/{unit_id}/periods.
type periodJSON struct {
	UnitID     string     `json:"unit_id"`
	Year       int        `json:"year"`
	ClosedBy   string     `json:"closed_by"`
	Position   uint64     `json:"position"`
	ClosedAt   time.Time  `json:"closed_at"`
	Seal       string     `json:"seal"`
	DecisionNo string     `json:"decision_no"`
	ReopenedAt *time.Time `json:"reopened_at"`
}

func (e *env) periods(unit, query string) []periodJSON {
	e.t.Helper()
	r := e.get("/v1/units/" + unit + "/periods" + query)
	mustStatus(e.t, r, http.StatusOK)
	var page struct {
		Items []periodJSON `json:"items"`
	}
	decodeInto(e.t, r, &page)
	return page.Items
}

// logEvent is an event of GET /v1/events, as an auditor's script reads it.
type logEvent struct {
	Position   uint64          `json:"position"`
	Type       string          `json:"type"`
	OccurredOn string          `json:"occurred_on"`
	Data       json.RawMessage `json:"data"`
}

func (e *env) allEvents() []logEvent {
	e.t.Helper()
	var out []logEvent
	for path := "/v1/events?limit=1000"; ; {
		r := e.get(path)
		mustStatus(e.t, r, http.StatusOK)
		var page struct {
			Items      []logEvent `json:"items"`
			NextCursor *string    `json:"next_cursor"`
		}
		decodeInto(e.t, r, &page)
		out = append(out, page.Items...)
		if page.NextCursor == nil {
			return out
		}
		path = "/v1/events?limit=1000&cursor=" + *page.NextCursor
	}
}

// docSigns returns the sign of each money type's movement as the seal's
// script in docs/api.md writes it (its line "sign = {…}", a JSON object),
// so that the recomputation below is the documented one; the domain's
// TestMoneyKindsConsistent holds that line to the table of money kinds.
func docSigns(t *testing.T) map[string]int64 {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "docs", "api.md"))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(line, "sign = "); ok {
			var sign map[string]int64
			if err := json.Unmarshal([]byte(rest), &sign); err != nil {
				t.Fatalf("docs/api.md's seal script: sign = %s: %v", rest, err)
			}
			return sign
		}
	}
	t.Fatal("docs/api.md's seal script has no line sign = {…}")
	return nil
}

// auditorSeal recomputes a seal from the raw log, as docs/api.md tells an
// auditor to, without the server's code: the close's PeriodClosing (the
// last of the unit's year before the PeriodClosed at closePos, or the
// close itself in a log from before closings), the units under the
// closing unit from the registrations, the funds of those units opened by
// 31 December, and each fund's balance as the sum of its movements dated
// by then among the events before the closing — leaving out the void
// ones, by the rule written out in docs/api.md: an event dated up to the
// end of a year whose close (by its unit or an ancestor) was pending at
// its position, or dated in a year closed there, and every event of a
// fund whose opening was void.
func auditorSeal(t *testing.T, events []logEvent, unit string, year int, closePos uint64) string {
	t.Helper()
	type fields struct {
		UnitID, ParentID, FundID, OpenedOn, Amount, OriginalType string
		Year                                                     int
	}
	decode := func(ev logEvent) fields {
		var raw map[string]any
		if err := json.Unmarshal(ev.Data, &raw); err != nil {
			t.Fatal(err)
		}
		get := func(k string) string { s, _ := raw[k].(string); return s }
		y, _ := raw["year"].(float64)
		return fields{get("unit_id"), get("parent_id"), get("fund_id"), get("opened_on"), get("amount"), get("original_type"), int(y)}
	}
	closing := closePos
	for _, ev := range events {
		if ev.Type == "PeriodClosing" && ev.Position < closePos {
			if d := decode(ev); d.UnitID == unit && d.Year == year {
				closing = ev.Position
			}
		}
	}
	end := fmt.Sprintf("%d-12-31", year)
	parent := map[string]string{}
	type yearOf struct {
		unit string
		year int
	}
	state := map[yearOf]string{} // "pending" or "closed"
	isVoid := func(u, on string) bool {
		for ; u != ""; u = parent[u] {
			for k, s := range state {
				if k.unit == u && (s == "pending" && on <= fmt.Sprintf("%d-12-31", k.year) || s == "closed" && strings.HasPrefix(on, fmt.Sprint(k.year))) {
					return true
				}
			}
		}
		return false
	}
	fundUnit, opened := map[string]string{}, map[string]string{}
	voidFund := map[string]bool{}
	balance := map[string]*big.Int{}
	sign := docSigns(t)
	for _, ev := range events {
		if ev.Position >= closing {
			break
		}
		d := decode(ev)
		switch ev.Type {
		case "UnitRegistered":
			parent[d.UnitID] = d.ParentID
		case "PeriodClosing":
			state[yearOf{d.UnitID, d.Year}] = "pending"
		case "PeriodClosed":
			state[yearOf{d.UnitID, d.Year}] = "closed"
		case "PeriodReopened":
			delete(state, yearOf{d.UnitID, d.Year})
		case "FundOpened":
			if isVoid(d.UnitID, ev.OccurredOn) {
				voidFund[d.FundID] = true
				continue
			}
			fundUnit[d.FundID], opened[d.FundID] = d.UnitID, d.OpenedOn
			balance[d.FundID] = new(big.Int)
		default:
			s, ok := sign[ev.Type]
			if ev.Type == "TransactionReversed" {
				s, ok = -sign[d.OriginalType], true
			}
			if !ok || voidFund[d.FundID] || isVoid(fundUnit[d.FundID], ev.OccurredOn) || ev.OccurredOn > end {
				continue
			}
			amt, good := new(big.Int).SetString(d.Amount, 10)
			if !good {
				t.Fatalf("amount %q at %d", d.Amount, ev.Position)
			}
			balance[d.FundID].Add(balance[d.FundID], amt.Mul(amt, big.NewInt(s)))
		}
	}
	under := func(u string) bool {
		for ; u != ""; u = parent[u] {
			if u == unit {
				return true
			}
		}
		return false
	}
	var lines []string
	for f, u := range fundUnit {
		if under(u) && opened[f] <= end {
			lines = append(lines, f+","+balance[f].String()+"\n")
		}
	}
	slices.Sort(lines)
	sum := sha256.Sum256([]byte(strings.Join(lines, "")))
	return hex.EncodeToString(sum[:])
}

// TestClosePeriod: closing a year seals it (the seal recomputed from the
// log), refuses every write dated in it for the subtree, answers the list
// with inherited closures and known_at, reopens, and survives a restart.
func TestClosePeriod(t *testing.T) {
	e := tickingEnv(t)
	periodsFixture(e)
	early := e.donate(perSocial, "1000", "2023-06-01")

	r := e.post("/v1/units/lang-son/periods", `{"year":2023,"decision_no":"45/QĐ-LĐLĐ","note":"Quyết toán 2023 đã duyệt"}`)
	mustStatus(t, r, http.StatusCreated)
	var closed closedJSON
	decodeInto(t, r, &closed)
	if closed.UnitID != "lang-son" || closed.Year != 2023 || closed.Position == 0 || closed.ClosedAt.IsZero() || len(closed.Seal) != 64 {
		t.Fatalf("close = %s, want unit, year, position, closed_at and a seal", r.body)
	}
	if want := auditorSeal(t, e.allEvents(), "lang-son", 2023, closed.Position); closed.Seal != want {
		t.Errorf("seal = %s, recomputed from /v1/events %s", closed.Seal, want)
	}
	// The seal holds the 2023 balances: a different year seals differently.
	if other := auditorSeal(t, e.allEvents(), "lang-son", 2022, closed.Position); other == closed.Seal {
		t.Errorf("the seals of 2022 and 2023 are equal: the check cannot tell the year")
	}

	mustProblem(t, e.post("/v1/units/lang-son/periods", `{"year":2023}`), http.StatusConflict, "already_exists")

	refused := []struct{ name, path, body string }{
		{"donation", "/v1/funds/" + perSocial + "/donations", `{"amount":"1","occurred_on":"2023-12-31","donor":{"kind":"anonymous"}}`},
		{"donation under the unit", "/v1/funds/" + perCapital + "/donations", `{"amount":"1","occurred_on":"2023-01-01","donor":{"kind":"anonymous"}}`},
		{"shelter grant", "/v1/funds/" + perSocial + "/shelter-grants", `{"beneficiary_id":"LS-9","amount":"1","shelter":"repair","occurred_on":"2023-08-08"}`},
		{"assistance grant", "/v1/funds/" + perSocial + "/assistance-grants", `{"beneficiary_id":"LS-9","amount":"1","category":"accident","occurred_on":"2023-08-08"}`},
		{"loan", "/v1/funds/" + perCapital + "/loans", `{"beneficiary_id":"LS-9","amount":"1","occurred_on":"2023-08-08"}`},
		{"repayment", "/v1/funds/" + perCapital + "/loans/" + perLoan + "/repayments", `{"amount":"1","occurred_on":"2023-10-10"}`},
		{"reversal dated in the year", "/v1/funds/" + perSocial + "/reversals", `{"reverses":"` + early.TransactionID + `","reason":"x","occurred_on":"2023-12-30"}`},
		{"fund opened in the year", "/v1/funds", `{"unit_id":"cao-loc","name":"Quỹ mới","kind":"social","opened_on":"2023-05-01"}`},
	}
	n := e.eventCount()
	for _, c := range refused {
		p := mustProblem(t, e.post(c.path, c.body), http.StatusConflict, "period_closed")
		if !strings.Contains(p.Detail, "2023") {
			t.Errorf("%s: detail %q does not name the year", c.name, p.Detail)
		}
	}
	if got := e.eventCount(); got != n {
		t.Errorf("refused writes recorded %d events", got-n)
	}

	// Allowed: a replay of a write recorded before the close, a
	// correction dated in an open year, another branch, another year.
	again := e.post("/v1/funds/"+perSocial+"/donations", fmt.Sprintf(
		`{"transaction_id":%q,"amount":"1000","occurred_on":"2023-06-01","donor":{"kind":"enterprise","name":"Công ty A"}}`, early.TransactionID))
	mustStatus(t, again, http.StatusOK)
	if again.header.Get("Idempotent-Replay") != "true" {
		t.Errorf("replay of a write before the close: no Idempotent-Replay header")
	}
	e.tx("/v1/funds/"+perSocial+"/reversals", `{"reverses":"`+early.TransactionID+`","reason":"chuyển năm","occurred_on":"2024-01-10"}`)
	e.donate(perOther, "5000", "2023-07-07")
	e.donate(perCapital, "5000", "2024-03-03")

	// The list: the unit's own closure, and under it inherited.
	for _, unit := range []string{"lang-son", "cao-loc"} {
		items := e.periods(unit, "")
		if len(items) != 1 {
			t.Fatalf("periods of %s = %+v, want one", unit, items)
		}
		got := items[0]
		if got.UnitID != unit || got.ClosedBy != "lang-son" || got.Year != 2023 || got.Position != closed.Position ||
			got.Seal != closed.Seal || !got.ClosedAt.Equal(closed.ClosedAt) || got.DecisionNo != "45/QĐ-LĐLĐ" || got.ReopenedAt != nil {
			t.Errorf("periods of %s = %+v, want the closure %+v", unit, got, closed)
		}
	}
	if items := e.periods("vgcl", ""); len(items) != 0 {
		t.Errorf("periods of vgcl = %+v, want none: a closure covers the subtree, not the ancestors", items)
	}
	before := closed.ClosedAt.Add(-time.Nanosecond).Format(time.RFC3339Nano)
	if items := e.periods("cao-loc", "?known_at="+before); len(items) != 0 {
		t.Errorf("periods known just before the close = %+v, want none", items)
	}

	// Reopen: 200, its own event; the year takes writes again.
	mustProblem(t, e.post("/v1/units/cao-loc/periods/2023/reopen", `{"reason":"x"}`), http.StatusConflict, "period_not_closed")
	r = e.post("/v1/units/lang-son/periods/2023/reopen", `{"reason":"Bổ sung chứng từ","decision_no":"51/QĐ"}`)
	mustStatus(t, r, http.StatusOK)
	var reopened struct {
		Position       uint64    `json:"position"`
		ReopenedAt     time.Time `json:"reopened_at"`
		ClosedPosition uint64    `json:"closed_position"`
	}
	decodeInto(t, r, &reopened)
	if reopened.Position <= closed.Position || reopened.ClosedPosition != closed.Position {
		t.Errorf("reopen = %s, want its own position after %d and the closure's", r.body, closed.Position)
	}
	mustProblem(t, e.post("/v1/units/lang-son/periods/2023/reopen", `{"reason":"x"}`), http.StatusConflict, "period_not_closed")
	e.donate(perCapital, "2000", "2023-12-01")
	items := e.periods("cao-loc", "")
	if len(items) != 1 || items[0].ReopenedAt == nil || !items[0].ReopenedAt.Equal(reopened.ReopenedAt) {
		t.Errorf("periods after the reopening = %+v, want the closure with reopened_at %v", items, reopened.ReopenedAt)
	}
	atClose := closed.ClosedAt.Format(time.RFC3339Nano)
	if items := e.periods("cao-loc", "?known_at="+atClose); len(items) != 1 || items[0].ReopenedAt != nil {
		t.Errorf("periods known at the close = %+v, want the closure without reopened_at", items)
	}

	// Closing again adds an item, with the new balances' seal.
	r = e.post("/v1/units/lang-son/periods", `{"year":2023}`)
	mustStatus(t, r, http.StatusCreated)
	var second closedJSON
	decodeInto(t, r, &second)
	if want := auditorSeal(t, e.allEvents(), "lang-son", 2023, second.Position); second.Seal != want || second.Seal == closed.Seal {
		t.Errorf("second seal = %s, recomputed %s (first %s)", second.Seal, want, closed.Seal)
	}
	if items := e.periods("cao-loc", ""); len(items) != 2 || items[1].Position != second.Position {
		t.Errorf("periods after closing again = %+v, want two", items)
	}
	if items := e.periods("cao-loc", "?limit=1"); len(items) != 1 {
		t.Errorf("periods with limit=1 = %+v, want one", items)
	}

	// A restarted server knows the closure: the write path reads it from
	// the log.
	e.restart()
	mustProblem(t, e.post("/v1/funds/"+perCapital+"/donations", `{"amount":"1","occurred_on":"2023-02-02","donor":{"kind":"anonymous"}}`),
		http.StatusConflict, "period_closed")
	if items := e.periods("cao-loc", ""); len(items) != 2 {
		t.Errorf("periods after a restart = %+v, want two", items)
	}
}

// TestClosePeriodBadRequests: each bad request is a clear problem and
// records nothing.
func TestClosePeriodBadRequests(t *testing.T) {
	e := newEnv(t)
	e.units()
	manager := e.issueToken(nil, domain.RoleManager, "lang-son")
	official := e.issueToken(nil, domain.RoleOfficial, "lang-son")
	n := e.eventCount()
	for _, c := range []struct {
		name, path, body string
		headers          []string
		status           int
		code, field      string
	}{
		{"year before 1900", "/v1/units/lang-son/periods", `{"year":1899}`, nil, 422, "validation_failed", "year"},
		{"year after next year", "/v1/units/lang-son/periods", `{"year":2026}`, nil, 422, "validation_failed", "year"},
		{"a huge year", "/v1/units/lang-son/periods", `{"year":99999999999}`, nil, 422, "validation_failed", "year"},
		{"year as a string", "/v1/units/lang-son/periods", `{"year":"2023"}`, nil, 422, "validation_failed", "year"},
		{"year with a fraction", "/v1/units/lang-son/periods", `{"year":2023.5}`, nil, 422, "validation_failed", "year"},
		{"no year", "/v1/units/lang-son/periods", `{"note":"x"}`, nil, 422, "validation_failed", "year"},
		{"an unknown field", "/v1/units/lang-son/periods", `{"year":2023,"seal":"x"}`, nil, 400, "invalid_json", ""},
		{"a bad unit id", "/v1/units/Lang_Son/periods", `{"year":2023}`, nil, 422, "validation_failed", "unit_id"},
		{"an unknown unit", "/v1/units/ha-noi/periods", `{"year":2023}`, nil, 404, "not_found", ""},
		{"a manager", "/v1/units/lang-son/periods", `{"year":2023}`, as(manager), 403, "forbidden", ""},
		{"an official", "/v1/units/lang-son/periods", `{"year":2023}`, as(official), 403, "forbidden", ""},
		{"reopen without a reason", "/v1/units/lang-son/periods/2023/reopen", `{}`, nil, 422, "validation_failed", "reason"},
		{"reopen a year that is not a number", "/v1/units/lang-son/periods/20x3/reopen", `{"reason":"x"}`, nil, 422, "validation_failed", "year"},
		{"reopen year 1899", "/v1/units/lang-son/periods/1899/reopen", `{"reason":"x"}`, nil, 422, "validation_failed", "year"},
		{"reopen an open year", "/v1/units/lang-son/periods/2023/reopen", `{"reason":"x"}`, nil, 409, "period_not_closed", ""},
		{"reopen as a manager", "/v1/units/lang-son/periods/2023/reopen", `{"reason":"x"}`, as(manager), 403, "forbidden", ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := mustProblem(t, e.request("POST", c.path, c.body, c.headers...), c.status, c.code)
			if c.field != "" && !slices.Contains(p.fields(), c.field) {
				t.Errorf("errors name %v, want %s", p.fields(), c.field)
			}
		})
	}
	mustProblem(t, e.get("/v1/units/lang-son/periods?known_at=yesterday"), 422, "validation_failed")
	mustProblem(t, e.get("/v1/units/ha-noi/periods"), 404, "not_found")
	if got := e.eventCount(); got != n {
		t.Errorf("bad requests recorded %d events", got-n)
	}
	if r := e.request("GET", "/v1/units/cao-loc/periods", "", as(official)...); r.status != http.StatusOK {
		t.Errorf("official reading periods: %v, want 200", r)
	}
}

// TestClosePeriodRacesWritesHTTP races 60 writes dated in a year, through
// HTTP, against the close of that year, and checks from the log that
// every acknowledged write is before the close and every refused one was
// period_closed.
func TestClosePeriodRacesWritesHTTP(t *testing.T) {
	e := newEnv(t)
	e.units()
	funds := []string{socialFund, capitalFund, shelterFund}
	for i, id := range funds {
		e.mustCreate("/v1/funds", fmt.Sprintf(`{"fund_id":%q,"unit_id":"cao-loc","name":"Quỹ %d","kind":"social","opened_on":"2023-01-01"}`, id, i))
	}
	const writes = 60
	status := make([]int, writes)
	codes := make([]string, writes)
	positions := make([]uint64, writes)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range writes {
		wg.Go(func() {
			<-start
			r := e.post("/v1/funds/"+funds[i%len(funds)]+"/donations",
				fmt.Sprintf(`{"amount":"%d","occurred_on":"2023-10-%02d","donor":{"kind":"enterprise"}}`, 1000+i, 1+i%28))
			status[i] = r.status
			if r.status == http.StatusCreated {
				var res txResult
				decodeInto(t, r, &res)
				positions[i] = uint64(res.Position)
			} else {
				var p problemBody
				decodeInto(t, r, &p)
				codes[i] = p.Code
			}
		})
	}
	var closed closedJSON
	wg.Go(func() {
		<-start
		time.Sleep(time.Millisecond) // some writes first
		r := e.post("/v1/units/lang-son/periods", `{"year":2023}`)
		if r.status != http.StatusCreated {
			t.Errorf("close: %v", r)
			return
		}
		decodeInto(t, r, &closed)
	})
	close(start)
	wg.Wait()
	if closed.Position == 0 {
		t.Fatal("the close did not answer")
	}
	acked := 0
	for i := range writes {
		switch {
		case status[i] == http.StatusCreated:
			acked++
			if positions[i] >= closed.Position {
				t.Errorf("write %d acknowledged at %d, after the close at %d", i, positions[i], closed.Position)
			}
		case status[i] == http.StatusConflict && codes[i] == "period_closed":
		default:
			t.Errorf("write %d: status %d %s, want 201 or 409 period_closed", i, status[i], codes[i])
		}
	}
	inYear := 0
	for _, ev := range e.allEvents() {
		if ev.Type == "DonationReceived" && strings.HasPrefix(ev.OccurredOn, "2023") {
			inYear++
			if ev.Position > closed.Position {
				t.Errorf("a donation dated %s is at %d, after the close at %d", ev.OccurredOn, ev.Position, closed.Position)
			}
		}
	}
	if inYear != acked {
		t.Errorf("the log holds %d donations dated 2023, %d were acknowledged", inYear, acked)
	}
	if want := auditorSeal(t, e.allEvents(), "lang-son", 2023, closed.Position); closed.Seal != want {
		t.Errorf("seal = %s, recomputed from the log %s", closed.Seal, want)
	}
	t.Logf("%d of %d writes acknowledged before the close", acked, writes)
}
