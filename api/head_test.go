package api_test

import (
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

type headJSON struct {
	Position uint64 `json:"position"`
	Events   uint64 `json:"events"`
	HeadHash string `json:"head_hash"`
}

// headFromEvents recomputes the head from GET /v1/events, as an auditor
// would by hand from API.md's formula.
func headFromEvents(e *env) headJSON {
	e.t.Helper()
	var page struct {
		Items []struct {
			Position uint64 `json:"position"`
			Hash     string `json:"hash"`
		} `json:"items"`
	}
	decodeInto(e.t, e.get("/v1/events?limit=1000"), &page)
	h := headJSON{HeadHash: strings.Repeat("0", 64)}
	for _, ev := range page.Items {
		sum := sha256.Sum256([]byte(h.HeadHash + "\n" + ev.Hash))
		h.HeadHash, h.Position, h.Events = hex.EncodeToString(sum[:]), ev.Position, h.Events+1
	}
	return h
}

// TestAnchoredHead: GET /v1/audit/head is the head an auditor recomputes
// from /v1/events; verify?head= with it is ok, and after a stream's last
// event is deleted from the file — which no stream's chain shows, the
// stream just ends earlier — it names the anchored position.
func TestAnchoredHead(t *testing.T) {
	e := newEnv(t)
	e.units()
	e.openFund(socialFund, "cao-loc", "social")
	e.openFund(capitalFund, "cao-loc", "capital_support")
	e.donate(socialFund, "1000000", "2024-02-01")
	last := e.donate(socialFund, "2000000", "2024-02-02") // the social fund's last event
	e.donate(capitalFund, "3000000", "2024-02-03")        // the log's last event

	var got headJSON
	decodeInto(t, e.get("/v1/audit/head"), &got)
	if want := headFromEvents(e); got != want {
		t.Fatalf("GET /v1/audit/head = %+v, want the head recomputed from /v1/events %+v", got, want)
	}
	anchor := fmt.Sprintf("%d:%s", got.Position, got.HeadHash)
	r := e.get("/v1/audit/verify?head=" + anchor)
	mustStatus(t, r, http.StatusOK)
	var v verifyJSON
	decodeInto(t, r, &v)
	if !v.OK {
		t.Fatalf("verify?head= on the untouched log = %+v, want ok", v)
	}
	var again headJSON
	decodeInto(t, e.get("/v1/audit/head"), &again)
	if again != got {
		t.Errorf("GET /v1/audit/head again = %+v, want %+v", again, got)
	}

	db, err := sql.Open("sqlite", filepath.Join(e.dir, "ledger.db")+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("DELETE FROM events WHERE event_id = ?", last.TransactionID); err != nil {
		t.Fatal(err)
	}
	db.Close()
	decodeInto(t, e.get("/v1/audit/verify?head="+anchor), &v)
	want := fmt.Sprintf("anchored head %s: the log up to position %d (%d events) yields head", anchor, got.Position, got.Events-1)
	if v.OK || !hasMismatch(v, "head", "", want) {
		t.Errorf("verify?head= after the deletion = %+v, want a head mismatch saying %q", v, want)
	}

	// An anchor beyond the log's end, and heads that are not position:hash.
	decodeInto(t, e.get(fmt.Sprintf("/v1/audit/verify?head=%d:%s", got.Position+1000, got.HeadHash)), &v)
	if !hasMismatch(v, "head", "", "the log holds no event at position") {
		t.Errorf("verify with an anchor past the log = %+v, want a head mismatch", v)
	}
	for _, bad := range []string{"12", "0:" + got.HeadHash, "x:" + got.HeadHash, "5:" + strings.ToUpper(got.HeadHash), "5:abc", "-1:" + got.HeadHash} {
		p := mustProblem(t, e.get("/v1/audit/verify?head="+bad), http.StatusUnprocessableEntity, "validation_failed")
		if !slices.Contains(p.fields(), "head") {
			t.Errorf("verify?head=%s: fields %v, want head", bad, p.fields())
		}
	}
	official := e.issueToken(nil, domain.RoleOfficial, "vgcl")
	mustProblem(t, e.request(http.MethodGet, "/v1/audit/head", "", "Authorization", "Bearer "+official), http.StatusForbidden, "forbidden")
}
