package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/store/embedded"
	"github.com/welfare-ledger/welfare-ledger/store/kurrentdb"
)

// plantDonation appends a donation to a fund's stream straight into the
// store, chained to the stream's tail, as someone with write access to the
// store could: the ledger and its check of the closed years are bypassed.
func plantDonation(t *testing.T, st domain.EventStore, fund uuid.UUID, amount, on string) uuid.UUID {
	t.Helper()
	ctx := context.Background()
	stored, err := st.ReadStream(ctx, domain.FundStream(fund), 0, domain.MaxReadBatch)
	if err != nil || len(stored) == 0 {
		t.Fatalf("read the fund's stream: %d events, %v", len(stored), err)
	}
	last, err := domain.Decode(stored[len(stored)-1])
	if err != nil {
		t.Fatal(err)
	}
	c := domain.RecordDonation{TransactionID: domain.NewID(), FundID: fund, Amount: domain.MustVND(amount), OccurredOn: domain.MustDate(on),
		Donor: domain.Donor{Kind: domain.DonorEnterprise, Name: "Công ty B"}}
	meta := domain.Metadata{EventID: c.TransactionID, OccurredOn: c.OccurredOn, RecordedAt: time.Now().UTC(), Actor: domain.SystemActor,
		PayloadHash: domain.PayloadHash(c)}
	ne, _, err := domain.Seal(last.Meta.Hash, &domain.DonationReceived{TransactionID: c.TransactionID, FundID: fund, Amount: c.Amount, Donor: c.Donor}, meta)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Append(ctx, domain.FundStream(fund), domain.ExpectRevision(last.Revision), []domain.NewEvent{ne}); err != nil {
		t.Fatalf("plant the donation: %v", err)
	}
	return c.TransactionID
}

// voidLedger is what the void tests ask of a ledger: write, plant straight
// into its store, restart, and run the offline commands on it.
type voidLedger struct {
	post    func(path, body string) (int, map[string]any)
	get     func(path string) map[string]any
	plant   func(fund uuid.UUID, amount, on string) uuid.UUID
	restart func()
	offline []string // the flags that name the ledger to replay and verify
}

// checkVoidIgnored: a donation dated in a closed year, planted straight
// into the store, counts nowhere after a restart (balance, the write
// side's own state), is refused on a retry of its id, is left out by
// replay, and is reported by verify as a void event that is not a
// mismatch; a planted donation dated in an open year counts.
func checkVoidIgnored(t *testing.T, l voidLedger) {
	must := func(want int, path, body string) map[string]any {
		t.Helper()
		status, out := l.post(path, body)
		if status != want {
			t.Fatalf("POST %s = %d %v, want %d", path, status, out, want)
		}
		return out
	}
	must(201, "/v1/units", `{"unit_id":"lang-son","name":"LĐLĐ Lạng Sơn"}`)
	fundID := must(201, "/v1/funds", `{"unit_id":"lang-son","name":"Quỹ Xã hội","kind":"social","opened_on":"2022-01-01"}`)["fund_id"].(string)
	fund := uuid.MustParse(fundID)
	must(201, "/v1/funds/"+fundID+"/donations", `{"amount":"1000000","occurred_on":"2022-05-05","donor":{"kind":"member"}}`)
	must(201, "/v1/units/lang-son/periods", `{"year":2022}`)

	void := l.plant(fund, "5000000", "2022-07-07")
	l.plant(fund, "2000000", "2023-01-02")
	l.restart()

	if got := fmt.Sprint(l.get("/v1/funds/" + fundID)["balance"]); got != "3000000" {
		t.Errorf("balance after the restart = %s, want 3000000 (the donation dated in the closed year is void)", got)
	}
	retry := fmt.Sprintf(`{"transaction_id":%q,"amount":"5000000","occurred_on":"2022-07-07","donor":{"kind":"enterprise","name":"Công ty B"}}`, void)
	if out := must(409, "/v1/funds/"+fundID+"/donations", retry); out["code"] != "period_closed" {
		t.Errorf("retry of the void donation: %v, want period_closed", out)
	}
	// The write side's fund holds 3,000,000 đồng, not 8,000,000.
	grant := `{"beneficiary_id":"M001","amount":"3500000","category":"hardship","occurred_on":"2023-02-02"}`
	if out := must(409, "/v1/funds/"+fundID+"/assistance-grants", grant); out["code"] != "insufficient_funds" {
		t.Errorf("grant of more than the counted balance: %v, want insufficient_funds", out)
	}

	var out, errOut strings.Builder
	getenv := func(string) string { return "" }
	if err := run(context.Background(), append([]string{"replay", "--json"}, l.offline...), getenv, &out, &errOut); err != nil {
		t.Fatalf("replay: %v\n%s", err, errOut.String())
	}
	var replayed struct {
		Items []struct {
			FundID  string `json:"fund_id"`
			Balance string `json:"balance"`
		} `json:"items"`
	}
	if err := json.Unmarshal([]byte(out.String()), &replayed); err != nil || len(replayed.Items) != 1 || replayed.Items[0].Balance != "3000000" {
		t.Errorf("replay --json = %s (%v), want the fund at 3000000", out.String(), err)
	}
	out.Reset()
	errOut.Reset()
	if err := run(context.Background(), append([]string{"verify"}, l.offline...), getenv, &out, &errOut); err != nil {
		t.Fatalf("verify: %v\n%s%s", err, out.String(), errOut.String())
	}
	var rep struct {
		OK              bool `json:"ok"`
		VoidEventsFound int  `json:"void_events_found"`
		VoidEvents      []struct {
			EventID string `json:"event_id"`
		} `json:"void_events"`
	}
	if err := json.Unmarshal([]byte(out.String()), &rep); err != nil {
		t.Fatal(err)
	}
	if !rep.OK || rep.VoidEventsFound != 1 || len(rep.VoidEvents) != 1 || rep.VoidEvents[0].EventID != void.String() {
		t.Errorf("verify = %s, want ok with the one void event %s", out.String(), void)
	}
	if !strings.Contains(errOut.String(), "1 void events") {
		t.Errorf("verify's summary lacks the void events:\n%s", errOut.String())
	}
}

// TestVoidEventPlantedInTheEmbeddedStore: checkVoidIgnored on the
// embedded store, planted while serve is stopped.
func TestVoidEventPlantedInTheEmbeddedStore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	base, token, stop := serveLogged(t, dir, &syncBuffer{})
	stop = sync.OnceFunc(stop) // by the first plant, and at the end
	defer func() { stop() }()
	jsonCall := func(method, path, body string) (int, map[string]any) {
		status, raw := call(t, method, base+path, token, body)
		var out map[string]any
		json.Unmarshal(raw, &out)
		return status, out
	}
	checkVoidIgnored(t, voidLedger{
		post: func(path, body string) (int, map[string]any) { return jsonCall(http.MethodPost, path, body) },
		get: func(path string) map[string]any {
			status, out := jsonCall(http.MethodGet, path, "")
			if status != http.StatusOK {
				t.Fatalf("GET %s = %d %v", path, status, out)
			}
			return out
		},
		plant: func(fund uuid.UUID, amount, on string) uuid.UUID {
			stop()
			st, err := embedded.Open(filepath.Join(dir, "ledger.db"))
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			return plantDonation(t, st, fund, amount, on)
		},
		restart: func() {
			stop()
			base, token, stop = serveLogged(t, dir, &syncBuffer{})
			stop = sync.OnceFunc(stop)
		},
		offline: []string{"--data", dir},
	})
	// The void event travels with the log: exported, imported into an
	// empty ledger, it is void there too.
	file := filepath.Join(t.TempDir(), "ledger.jsonl")
	copyDir := filepath.Join(t.TempDir(), "copy")
	for _, args := range [][]string{{"export", "--data", dir, "-o", file}, {"import", "--data", copyDir, file}} {
		if _, stderr, err := runCLI(t, args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, stderr)
		}
	}
	out, stderr, err := runCLI(t, "verify", "--data", copyDir)
	if err != nil || !strings.Contains(out, `"void_events_found": 1`) {
		t.Errorf("verify of the imported copy = %v, want ok with one void event:\n%s%s", err, out, stderr)
	}
	if out, _, err := runCLI(t, "replay", "--data", copyDir, "--json"); err != nil || !strings.Contains(out, `"balance":"3000000"`) {
		t.Errorf("replay of the imported copy = %v, want the fund at 3000000:\n%s", err, out)
	}
}

// TestVoidEventPlantedInKurrentDB: checkVoidIgnored on KurrentDB, planted
// while an instance runs, and seen by an instance started after it.
func TestVoidEventPlantedInKurrentDB(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two servers")
	}
	srv := startKurrentDB(t)
	in := serveOn(t, srv.URI())
	admin := in.token
	checkVoidIgnored(t, voidLedger{
		post: func(path, body string) (int, map[string]any) {
			var v any
			if err := json.Unmarshal([]byte(body), &v); err != nil {
				t.Fatal(err)
			}
			status, out, _ := in.call(http.MethodPost, path, admin, v)
			return status, out
		},
		get: func(path string) map[string]any { return in.must(http.StatusOK, http.MethodGet, path, nil) },
		plant: func(fund uuid.UUID, amount, on string) uuid.UUID {
			st, err := kurrentdb.Open(context.Background(), srv.URI(), kurrentdb.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			return plantDonation(t, st, fund, amount, on)
		},
		restart: func() {
			// A new instance, started from the log (the first keeps
			// running: it stops at the test's end).
			in = serveOn(t, srv.URI())
			in.token = admin
		},
		offline: []string{"--store", srv.URI(), "--data", t.TempDir()},
	})
}

// TestSecondServeOnADataDirIsRefused: the embedded ledger is written by
// one serve only (lockDataDir); a second on the same data directory stops
// at once with errDataDirInUse, and the first keeps serving.
func TestSecondServeOnADataDirIsRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	base, token, stop := serveLogged(t, dir, &syncBuffer{})
	defer stop()
	var out, errOut strings.Builder
	err := run(context.Background(), []string{"serve", "--data", dir, "--addr", "127.0.0.1:0"}, func(string) string { return "" }, &out, &errOut)
	if !errors.Is(err, errDataDirInUse) {
		t.Fatalf("a second serve on %s = %v, want errDataDirInUse", dir, err)
	}
	if status, raw := call(t, http.MethodGet, base+"/v1/units", token, ""); status != http.StatusOK {
		t.Errorf("the first serve after the refusal: %d %s", status, raw)
	}
}
