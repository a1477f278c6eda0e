package api_test

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// Markers of the officials' walk. Every free-text field of the history holds
// one: hiddenMark in the fields API.md's Access section withholds from
// officials, keptMark in those it keeps. Neither can occur by chance in an
// id, a date, an amount or an opaque cursor.
const (
	hiddenMark = "Hidden-Zq7"
	keptMark   = "Kept-Wx3"
)

// Ids of the officials' walk.
const (
	owSocial  = "0190a0b4-0000-7000-8000-00000000b001" // social, cao-loc
	owCapital = "0190a0b4-0000-7000-8000-00000000b002" // capital_support, cao-loc
	owOther   = "0190a0b4-0000-7000-8000-00000000b003" // social, ha-noi (out of scope)
	owLoan    = "0190a0b4-0000-7000-8000-00000000b004"
)

// withheldKeys are the members no official response may carry, at any depth
// (API.md, "Access"); donor.name is checked by the donor's kind.
var withheldKeys = []string{"beneficiary_id", "note", "reason", "description", "reference"}

// officialWalkFixture records a history whose every free-text field holds a
// marker: each kind of donor with a name, every money event with a note,
// the reference, campaign, decision number, project and reversal reason,
// and the names of units and funds.
func officialWalkFixture(e *env) {
	e.t.Helper()
	k, h := keptMark, hiddenMark
	e.mustCreate("/v1/units", `{"unit_id":"vgcl","name":"`+k+`-unit-vgcl"}`)
	e.mustCreate("/v1/units", `{"unit_id":"lang-son","name":"`+k+`-unit-lang-son","parent_id":"vgcl"}`)
	e.mustCreate("/v1/units", `{"unit_id":"cao-loc","name":"`+k+`-unit-cao-loc","parent_id":"lang-son"}`)
	e.mustCreate("/v1/units", `{"unit_id":"ha-noi","name":"`+k+`-unit-ha-noi","parent_id":"vgcl"}`)
	for _, f := range []struct{ id, unit, kind string }{
		{owSocial, "cao-loc", "social"}, {owCapital, "cao-loc", "capital_support"}, {owOther, "ha-noi", "social"},
	} {
		e.mustCreate("/v1/funds", fmt.Sprintf(`{"fund_id":%q,"unit_id":%q,"name":"%s-fund-%s","kind":%q,"opened_on":"2024-01-01"}`,
			f.id, f.unit, k, f.kind, f.kind))
	}
	for _, fund := range []string{owSocial, owCapital, owOther} {
		for _, donor := range []struct{ kind, mark string }{
			{"member", h}, {"individual", h}, {"anonymous", h}, {"enterprise", k}, {"organization", k},
		} {
			e.tx("/v1/funds/"+fund+"/donations", fmt.Sprintf(
				`{"amount":"50000000","occurred_on":"2024-01-02","donor":{"kind":%q,"name":"%s-donor-%s Nguyễn Văn A"},`+
					`"campaign":"%s-campaign","reference":"%s-reference","note":"%s-note-donation 001234567890"}`,
				donor.kind, donor.mark, donor.kind, k, h, h))
		}
	}
	e.tx("/v1/funds/"+owSocial+"/shelter-grants", `{"beneficiary_id":"`+h+`-ben-shelter","amount":"20000000","shelter":"repair",`+
		`"occurred_on":"2024-02-01","decision_no":"`+k+`-decision","note":"`+h+`-note-shelter"}`)
	assist := e.tx("/v1/funds/"+owSocial+"/assistance-grants", `{"beneficiary_id":"`+h+`-ben-assist","amount":"3000000",`+
		`"category":"serious_illness","occurred_on":"2024-02-02","note":"`+h+`-note-assist"}`)
	e.tx("/v1/funds/"+owSocial+"/reversals", `{"reverses":"`+assist.TransactionID+`","reason":"`+h+`-reason","occurred_on":"2024-02-03"}`)
	e.tx("/v1/funds/"+owCapital+"/loans", `{"loan_id":"`+owLoan+`","beneficiary_id":"`+h+`-ben-loan","amount":"40000000",`+
		`"occurred_on":"2024-03-01","due_on":"2025-03-01","project":"`+k+`-project","note":"`+h+`-note-loan"}`)
	e.tx("/v1/funds/"+owCapital+"/loans/"+owLoan+"/repayments", `{"amount":"1000000","occurred_on":"2024-04-01","note":"`+h+`-note-repayment"}`)
	e.tx("/v1/funds/"+owOther+"/assistance-grants", `{"beneficiary_id":"`+h+`-ben-other","amount":"1000000",`+
		`"category":"hardship","occurred_on":"2024-02-02","note":"`+h+`-note-other"}`)
	// Closed periods: a closure of lang-son reopened, one of vgcl in
	// force, each with a note or a reason that may name people.
	e.mustCreate("/v1/units/lang-son/periods", `{"year":2022,"decision_no":"`+k+`-decision-close","note":"`+h+`-note-close"}`)
	mustStatus(e.t, e.post("/v1/units/lang-son/periods/2022/reopen", `{"reason":"`+h+`-reason-reopen","decision_no":"`+k+`-decision-reopen"}`), http.StatusOK)
	e.mustCreate("/v1/units/vgcl/periods", `{"year":2023,"decision_no":"`+k+`-decision-close-vgcl","note":"`+h+`-note-close-vgcl"}`)
}

// owRequest is one request of the walk: a path (with its query) and, for a
// write, a body.
type owRequest struct{ path, body string }

// owRoute is a route's requests in the officials' walk and the status
// each gets.
type owRoute struct {
	status   int
	requests []owRequest
}

// officialWalk is every route of the route table with the requests an
// official sends to it and the status each gets. A route of the server
// missing here fails TestOfficialsReadNoPersonalData: adding a route means
// deciding what an official reads of it.
var officialWalk = withMoneyWrites(map[string]owRoute{
	"GET /healthz":            {200, []owRequest{{path: "/healthz"}}},
	"GET /readyz":             {200, []owRequest{{path: "/readyz"}}},
	"GET /metrics":            {200, []owRequest{{path: "/metrics"}}},
	"GET /v1/openapi.yaml":    {200, []owRequest{{path: "/v1/openapi.yaml"}}},
	"POST /v1/units":          {403, []owRequest{{"/v1/units", `{"unit_id":"x","name":"` + hiddenMark + `","parent_id":"cao-loc"}`}}},
	"GET /v1/units":           {200, []owRequest{{path: "/v1/units"}, {path: "/v1/units?limit=1"}}},
	"GET /v1/units/{unit_id}": {200, []owRequest{{path: "/v1/units/lang-son"}, {path: "/v1/units/cao-loc"}}},
	"GET /v1/units/{unit_id}/summary": {200, []owRequest{
		{path: "/v1/units/lang-son/summary"}, {path: "/v1/units/cao-loc/summary?from=2024-02-01&to=2024-03-31"},
	}},
	"POST /v1/units/{unit_id}/periods": {403, []owRequest{{"/v1/units/lang-son/periods", `{"year":2021,"note":"` + hiddenMark + `"}`}}},
	"POST /v1/units/{unit_id}/periods/{year}/reopen": {403, []owRequest{{"/v1/units/lang-son/periods/2022/reopen",
		`{"reason":"` + hiddenMark + `"}`}}},
	"GET /v1/units/{unit_id}/periods": {200, []owRequest{
		{path: "/v1/units/lang-son/periods"}, {path: "/v1/units/cao-loc/periods?limit=1"},
	}},
	"POST /v1/funds": {403, []owRequest{{"/v1/funds", `{"unit_id":"cao-loc","name":"` + hiddenMark + `","kind":"charity"}`}}},
	"GET /v1/funds":  {200, []owRequest{{path: "/v1/funds"}, {path: "/v1/funds?unit_id=cao-loc&kind=social"}}},
	"GET /v1/funds/{fund_id}": {200, []owRequest{
		{path: "/v1/funds/" + owSocial}, {path: "/v1/funds/" + owCapital + "?as_of=2024-03-15"},
	}},
	"GET /v1/funds/{fund_id}/loans/{loan_id}": {200, []owRequest{{path: "/v1/funds/" + owCapital + "/loans/" + owLoan}}},
	"GET /v1/funds/{fund_id}/transactions": {200, []owRequest{
		{path: "/v1/funds/" + owSocial + "/transactions"},
		{path: "/v1/funds/" + owCapital + "/transactions"},
		{path: "/v1/funds/" + owSocial + "/transactions?limit=2"},
		{path: "/v1/funds/" + owSocial + "/transactions?type=DonationReceived&from=2024-01-01&to=2024-12-31"},
		{path: "/v1/funds/" + owSocial + "/transactions?type=TransactionReversed"},
		{path: "/v1/funds/" + owCapital + "/transactions?type=LoanRepaid"},
	}},
	"GET /v1/funds/{fund_id}/statement": {200, []owRequest{
		{path: "/v1/funds/" + owSocial + "/statement"},
		{path: "/v1/funds/" + owCapital + "/statement?from=2024-02-01&to=2024-06-30"},
		{path: "/v1/funds/" + owSocial + "/statement?format=csv"},
		{path: "/v1/funds/" + owCapital + "/statement?format=xlsx"},
		{path: "/v1/funds/" + owSocial + "/statement?format=xlsx"},
	}},
	"GET /v1/beneficiaries/{beneficiary_id}": {403, []owRequest{{path: "/v1/beneficiaries/" + hiddenMark + "-ben-loan"}}},
	"GET /v1/events":                         {403, []owRequest{{path: "/v1/events"}}},
	"GET /v1/audit/verify":                   {403, []owRequest{{path: "/v1/audit/verify"}}},
	"GET /v1/audit/head":                     {403, []owRequest{{path: "/v1/audit/head"}}},
	"POST /v1/tokens": {403, []owRequest{{"/v1/tokens",
		`{"role":"official","unit_id":"cao-loc","name":"` + hiddenMark + `"}`}}},
	"GET /v1/tokens":               {403, []owRequest{{path: "/v1/tokens"}}},
	"DELETE /v1/tokens/{token_id}": {403, []owRequest{{path: "/v1/tokens/" + owLoan}}},
})

// alsoWithheld are the members a route withholds from officials beyond
// withheldKeys (API.md, "Fund statement": loan_id and reverses).
var alsoWithheld = map[string][]string{
	"GET /v1/funds/{fund_id}/statement": {"loan_id", "reverses"},
}

// TestOfficialsReadNoPersonalData walks every route of the route table as an
// official scoped to lang-son, over a history whose every free-text field
// holds a marker, following every page of every list. No answer carries a
// withheld marker or a withheld member (left out, not blanked); every kept
// marker is read somewhere; and each 200 answer is the answer of an auditor of the same scope to
// the same request without exactly the withheld members.
func TestOfficialsReadNoPersonalData(t *testing.T) {
	e := newEnv(t)
	officialWalkFixture(e)
	official := e.issueToken(nil, domain.RoleOfficial, "lang-son")
	// The auditor of the same scope reads everything an official may not.
	auditor := e.issueToken(nil, domain.RoleAuditor, "lang-son")

	for _, r := range e.server.Routes() {
		if _, ok := officialWalk[r.Method+" "+r.Path]; !ok {
			t.Errorf("route %s %s is not in officialWalk: decide what an official reads of it and walk it", r.Method, r.Path)
		}
	}

	var auditorSeen, officialSeen bytes.Buffer
	for route, w := range officialWalk {
		method, _, _ := strings.Cut(route, " ")
		for _, rq := range w.requests {
			for path := rq.path; path != ""; {
				got := e.request(method, path, rq.body, as(official)...)
				text := readableText(t, got)
				officialSeen.Write(text)
				if got.status != w.status {
					t.Errorf("official: %v, want status %d", got, w.status)
					break
				}
				if bytes.Contains(text, []byte(hiddenMark)) {
					t.Errorf("official: %s %s: holds withheld data (%s): %s", method, path, hiddenMark, text)
				}
				if !strings.Contains(got.header.Get("Content-Type"), "json") {
					break // the metrics' text and the OpenAPI document
				}
				var doc any
				decodeInto(t, got, &doc)
				for _, leak := range withheldMembers(doc, "") {
					t.Errorf("official: %s %s: has the withheld member %s", method, path, leak)
				}
				if got.status != http.StatusOK {
					break
				}
				want := e.request(method, path, rq.body, as(auditor)...)
				mustStatus(t, want, http.StatusOK)
				auditorSeen.Write(want.body)
				var auditorDoc any
				decodeInto(t, want, &auditorDoc)
				withholdAll(auditorDoc, alsoWithheld[route])
				if !jsonEqual(auditorDoc, doc) {
					t.Errorf("official: %s %s = %s\nwant the auditor's answer without the withheld members: %s", method, path, got.body, want.body)
				}
				path = nextPage(doc, path)
			}
		}
	}

	// The walk saw the data it guards: every withheld marker is in the
	// auditor's answers to the same requests, every kept one in the
	// official's.
	for _, m := range []string{"-donor-member", "-donor-individual", "-donor-anonymous", "-reference", "-note-donation",
		"-note-shelter", "-note-assist", "-note-loan", "-note-repayment", "-reason", "-ben-shelter", "-ben-assist", "-ben-loan"} {
		if !strings.Contains(auditorSeen.String(), hiddenMark+m) {
			t.Errorf("no auditor answer of the walk holds %s%s: the walk does not reach that field", hiddenMark, m)
		}
	}
	for _, m := range []string{"-donor-enterprise", "-donor-organization", "-campaign", "-decision", "-decision-close", "-project",
		"-unit-lang-son", "-unit-cao-loc", "-fund-social", "-fund-capital_support"} {
		if !strings.Contains(officialSeen.String(), keptMark+m) {
			t.Errorf("no official answer of the walk holds %s%s, which officials may read", keptMark, m)
		}
	}
	// The breakdown is in what officials read (issue 15): the walk's
	// repair grant in its line, with its person, and none of the person's
	// data (checked above, member by member).
	if want := `"repair":{"count":1,"amount":"20000000","persons":1}`; !strings.Contains(officialSeen.String(), want) {
		t.Errorf("no official answer of the walk holds the breakdown line %s", want)
	}
	// Out of scope stays out of sight, for officials as for anyone.
	for _, m := range []string{"-ben-other", "-note-other", "-unit-ha-noi"} {
		if strings.Contains(officialSeen.String(), m) {
			t.Errorf("an official answer holds %s, which is outside the token's scope", m)
		}
	}
}

// withheldMembers lists the members of doc that officials must not read: a
// withheld key anywhere (even empty), and the name of a donor who is a
// person.
func withheldMembers(doc any, at string) []string {
	var out []string
	switch v := doc.(type) {
	case map[string]any:
		for k, c := range v {
			if slices.Contains(withheldKeys, k) {
				out = append(out, at+"."+k)
			}
			if k == "donor" {
				if d, ok := c.(map[string]any); ok {
					if _, named := d["name"]; named && personalKind(d["kind"]) {
						out = append(out, at+".donor.name")
					}
				}
			}
			out = append(out, withheldMembers(c, at+"."+k)...)
		}
	case []any:
		for i, c := range v {
			out = append(out, withheldMembers(c, fmt.Sprintf("%s[%d]", at, i))...)
		}
	}
	return out
}

// withholdAll removes from doc, in place, what withheldMembers lists and
// the members named also.
func withholdAll(doc any, also []string) {
	switch v := doc.(type) {
	case map[string]any:
		for _, k := range append(withheldKeys, also...) {
			delete(v, k)
		}
		if d, ok := v["donor"].(map[string]any); ok && personalKind(d["kind"]) {
			delete(d, "name")
		}
		for _, c := range v {
			withholdAll(c, also)
		}
	case []any:
		for _, c := range v {
			withholdAll(c, also)
		}
	}
}

// readableText is the text of an answer: its body, or for a spreadsheet
// (a zip of XML parts) the parts unzipped, so that a marker in a cell is
// found.
func readableText(t *testing.T, r resp) []byte {
	t.Helper()
	if !strings.Contains(r.header.Get("Content-Type"), "spreadsheetml") {
		return r.body
	}
	z, err := zip.NewReader(bytes.NewReader(r.body), int64(len(r.body)))
	if err != nil {
		t.Fatalf("%s %s: the spreadsheet is not a zip: %v", r.method, r.path, err)
	}
	var out bytes.Buffer
	for _, f := range z.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatalf("%s %s: open %s: %v", r.method, r.path, f.Name, err)
		}
		if _, err := io.Copy(&out, rc); err != nil {
			t.Fatalf("%s %s: read %s: %v", r.method, r.path, f.Name, err)
		}
		rc.Close()
	}
	return out.Bytes()
}

func personalKind(kind any) bool {
	return kind != "enterprise" && kind != "organization"
}

// nextPage returns the path of the page after doc's, or "" on the last.
func nextPage(doc any, path string) string {
	m, ok := doc.(map[string]any)
	if !ok {
		return ""
	}
	next, ok := m["next_cursor"].(string)
	if !ok {
		return ""
	}
	base, query, _ := strings.Cut(path, "?")
	var kept []string
	for _, p := range strings.Split(query, "&") {
		if p != "" && !strings.HasPrefix(p, "cursor=") {
			kept = append(kept, p)
		}
	}
	return base + "?" + strings.Join(append(kept, "cursor="+next), "&")
}
