package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// logDigest fingerprints the event log: every stored event's position,
// stream, revision, id, type, data and metadata bytes, and the bytes of the
// database file and its write-ahead log.
func (e *env) logDigest() [32]byte {
	e.t.Helper()
	h := sha256.New()
	var after domain.Position
	for {
		batch, err := e.store.ReadAll(context.Background(), after, domain.MaxReadBatch)
		if err != nil {
			e.t.Fatalf("ReadAll: %v", err)
		}
		for _, se := range batch {
			fmt.Fprintf(h, "%d|%s|%d|%s|%s|", se.Position, se.Stream, se.Revision, se.ID, se.Type)
			h.Write(se.Data)
			h.Write([]byte{0})
			h.Write(se.Metadata)
			h.Write([]byte{0})
			after = se.Position
		}
		if len(batch) < domain.MaxReadBatch {
			break
		}
	}
	for _, name := range []string{"ledger.db", "ledger.db-wal"} {
		b, err := os.ReadFile(filepath.Join(e.dir, name))
		if err != nil && !os.IsNotExist(err) {
			e.t.Fatal(err)
		}
		h.Write(b)
	}
	var sum [32]byte
	copy(sum[:], h.Sum(nil))
	return sum
}

// The bad-input battery: requests a careless or hostile client sends, each
// through real HTTP, each answered with its problem+json status and code,
// and each leaving the event log byte for byte as it was.
func TestBadInputBattery(t *testing.T) {
	e := newEnv(t)
	matrixFixture(e)
	don := "/v1/funds/" + mxSocialIn + "/donations"
	grant := "/v1/funds/" + mxSocialIn + "/assistance-grants"
	shelter := "/v1/funds/" + mxSocialIn + "/shelter-grants"
	loan := "/v1/funds/" + mxCapitalIn + "/loans"
	repay := "/v1/funds/" + mxCapitalIn + "/loans/" + mxLoanIn + "/repayments"
	rev := "/v1/funds/" + mxSocialIn + "/reversals"
	withAmount := func(a string) string { return `{"amount":` + a + `,"donor":{"kind":"member"}}` }
	withDate := func(d string) string { return `{"amount":"1000","occurred_on":"` + d + `","donor":{"kind":"member"}}` }
	withNote := func(n string) string { return `{"amount":"1000","note":"` + n + `","donor":{"kind":"member"}}` }
	deep := strings.Repeat(`{"a":`, 100) + "1" + strings.Repeat("}", 100)
	huge := `{"amount":"1000","donor":{"kind":"member"},"note":"` + strings.Repeat("x", 1<<20) + `"}`

	type tc struct {
		name, method, path, ctype, body string
		status                          int
		code                            string
	}
	j := "application/json"
	cases := []tc{
		// Not JSON, or not one object.
		{"empty body", "POST", don, j, "", 400, "invalid_json"},
		{"truncated", "POST", don, j, `{"amount":"1000"`, 400, "invalid_json"},
		{"array", "POST", don, j, `[]`, 400, "invalid_json"},
		{"string", "POST", don, j, `"donation"`, 400, "invalid_json"},
		{"null", "POST", don, j, `null`, 400, "invalid_json"},
		{"trailing object", "POST", don, j, withAmount(`"1000"`) + `{}`, 400, "invalid_json"},
		{"trailing garbage", "POST", don, j, withAmount(`"1000"`) + `x`, 400, "invalid_json"},
		{"duplicate key", "POST", don, j, `{"amount":"1","amount":"1000000","donor":{"kind":"member"}}`, 400, "invalid_json"},
		{"duplicate nested key", "POST", don, j, `{"amount":"1000","donor":{"kind":"member","kind":"enterprise"}}`, 400, "invalid_json"},
		{"unknown field", "POST", don, j, `{"amount":"1000","donor":{"kind":"member"},"approved":true}`, 400, "invalid_json"},
		{"unknown nested field", "POST", don, j, `{"amount":"1000","donor":{"kind":"member","tax_id":"1"}}`, 400, "invalid_json"},
		{"invalid UTF-8", "POST", don, j, "{\"amount\":\"1000\",\"note\":\"\xff\xfe\",\"donor\":{\"kind\":\"member\"}}", 400, "invalid_json"},
		{"deep nesting", "POST", don, j, deep, 400, "invalid_json"},
		{"byte order mark", "POST", don, j, "\ufeff" + withAmount(`"1000"`), 400, "invalid_json"},
		{"comment", "POST", don, j, `{"amount":"1000", /* x */ "donor":{"kind":"member"}}`, 400, "invalid_json"},
		{"single quotes", "POST", don, j, `{'amount':'1000'}`, 400, "invalid_json"},
		{"NaN literal", "POST", don, j, `{"amount":NaN,"donor":{"kind":"member"}}`, 400, "invalid_json"},

		// Wrong types.
		{"amount bool", "POST", don, j, withAmount(`true`), 422, "validation_failed"},
		{"amount object", "POST", don, j, withAmount(`{"value":"1000"}`), 422, "validation_failed"},
		{"amount array", "POST", don, j, withAmount(`["1000"]`), 422, "validation_failed"},
		{"amount null", "POST", don, j, withAmount(`null`), 422, "validation_failed"},
		{"donor string", "POST", don, j, `{"amount":"1000","donor":"member"}`, 422, "validation_failed"},
		{"date number", "POST", don, j, `{"amount":"1000","occurred_on":20240601,"donor":{"kind":"member"}}`, 422, "validation_failed"},
		{"beneficiary number", "POST", grant, j, `{"beneficiary_id":123,"amount":"1000","category":"tet_gift"}`, 422, "validation_failed"},
		{"note number", "POST", don, j, `{"amount":"1000","note":5,"donor":{"kind":"member"}}`, 422, "validation_failed"},

		// Amounts.
		{"float", "POST", don, j, withAmount(`12.5`), 422, "validation_failed"},
		{"float with zero fraction", "POST", don, j, withAmount(`1000.0`), 422, "validation_failed"},
		{"exponent number", "POST", don, j, withAmount(`1e6`), 422, "validation_failed"},
		{"exponent string", "POST", don, j, withAmount(`"1e6"`), 422, "validation_failed"},
		{"negative string", "POST", don, j, withAmount(`"-5"`), 422, "validation_failed"},
		{"negative number", "POST", don, j, withAmount(`-5`), 422, "validation_failed"},
		{"zero string", "POST", don, j, withAmount(`"0"`), 422, "validation_failed"},
		{"zero number", "POST", don, j, withAmount(`0`), 422, "validation_failed"},
		{"fraction of a dong", "POST", don, j, withAmount(`"1250000.5"`), 422, "validation_failed"},
		{"dotted thousands", "POST", don, j, withAmount(`"1.250.000"`), 422, "validation_failed"},
		{"comma thousands", "POST", don, j, withAmount(`"1,250,000"`), 422, "validation_failed"},
		{"10^15 + 1 string", "POST", don, j, withAmount(`"1000000000000001"`), 422, "validation_failed"},
		{"10^15 + 1 number", "POST", don, j, withAmount(`1000000000000001`), 422, "validation_failed"},
		{"hundred digits", "POST", don, j, withAmount(`"` + strings.Repeat("9", 100) + `"`), 422, "validation_failed"},
		{"empty amount", "POST", don, j, withAmount(`""`), 422, "validation_failed"},
		{"padded amount", "POST", don, j, withAmount(`" 1000"`), 422, "validation_failed"},
		{"plus sign", "POST", don, j, withAmount(`"+1000"`), 422, "validation_failed"},
		{"hex", "POST", don, j, withAmount(`"0x10"`), 422, "validation_failed"},
		{"Infinity", "POST", don, j, withAmount(`"Infinity"`), 422, "validation_failed"},
		{"currency sign", "POST", don, j, withAmount(`"1000₫"`), 422, "validation_failed"},

		// Text.
		{"note over 2000", "POST", don, j, withNote(strings.Repeat("đ", domain.MaxNoteLen+1)), 422, "validation_failed"},
		{"NUL in note", "POST", don, j, withNote(`ab\u0000cd`), 422, "validation_failed"},
		{"control character in name", "POST", "/v1/units", j, `{"unit_id":"cd-x","name":"CĐ\u0007CS","parent_id":"cao-loc"}`, 422, "validation_failed"},
		{"unit name over 200", "POST", "/v1/units", j, `{"unit_id":"cd-x","name":"` + strings.Repeat("a", domain.MaxNameLen+1) + `","parent_id":"cao-loc"}`, 422, "validation_failed"},
		{"reason over 2000", "POST", rev, j, `{"reverses":"` + unknownID + `","reason":"` + strings.Repeat("r", domain.MaxNoteLen+1) + `"}`, 422, "validation_failed"},
		{"beneficiary over 64", "POST", grant, j, `{"beneficiary_id":"` + strings.Repeat("M", 65) + `","amount":"1000","category":"tet_gift"}`, 422, "validation_failed"},
		{"beneficiary with space", "POST", grant, j, `{"beneficiary_id":"M 1","amount":"1000","category":"tet_gift"}`, 422, "validation_failed"},
		{"beneficiary citizen-id-like accents", "POST", grant, j, `{"beneficiary_id":"Nguyễn","amount":"1000","category":"tet_gift"}`, 422, "validation_failed"},
		{"empty beneficiary", "POST", shelter, j, `{"beneficiary_id":"","amount":"1000","shelter":"repair"}`, 422, "validation_failed"},
		{"empty reason", "POST", rev, j, `{"reverses":"` + unknownID + `","reason":""}`, 422, "validation_failed"},

		// Dates.
		{"month 13", "POST", don, j, withDate("2024-13-01"), 422, "validation_failed"},
		{"February 30", "POST", don, j, withDate("2024-02-30"), 422, "validation_failed"},
		{"day first", "POST", don, j, withDate("30/06/2024"), 422, "validation_failed"},
		{"no zero padding", "POST", don, j, withDate("2024-6-1"), 422, "validation_failed"},
		{"with time", "POST", don, j, withDate("2024-06-01T00:00:00Z"), 422, "validation_failed"},
		{"tomorrow", "POST", don, j, withDate("2024-07-01"), 422, "validation_failed"},
		{"far future", "POST", don, j, withDate("9999-12-31"), 422, "validation_failed"},
		{"before the fund opened", "POST", don, j, withDate("2023-12-31"), 422, "validation_failed"},
		{"year zero", "POST", don, j, withDate("0000-01-01"), 422, "validation_failed"},

		// Ids.
		{"bad transaction id", "POST", don, j, `{"transaction_id":"not-a-uuid","amount":"1000","donor":{"kind":"member"}}`, 422, "validation_failed"},
		{"uuid without hyphens", "POST", don, j, `{"transaction_id":"0190a0b400007000800000000000aa00","amount":"1000","donor":{"kind":"member"}}`, 422, "validation_failed"},
		{"nil uuid", "POST", don, j, `{"transaction_id":"00000000-0000-0000-0000-000000000000","amount":"1000","donor":{"kind":"member"}}`, 422, "validation_failed"},
		{"uuid in braces", "POST", don, j, `{"transaction_id":"{0190a0b4-0000-7000-8000-0000000000aa}","amount":"1000","donor":{"kind":"member"}}`, 422, "validation_failed"},
		{"bad reverses", "POST", rev, j, `{"reverses":"x","reason":"nhầm"}`, 422, "validation_failed"},
		{"bad fund in path", "POST", "/v1/funds/xyz/donations", j, withAmount(`"1000"`), 422, "validation_failed"},
		{"bad loan in path", "POST", "/v1/funds/" + mxCapitalIn + "/loans/xyz/repayments", j, `{"amount":"1000"}`, 422, "validation_failed"},
		{"path traversal", "POST", "/v1/funds/..%2F..%2Fetc/donations", j, withAmount(`"1000"`), 422, "validation_failed"},
		{"unit id with space", "POST", "/v1/units", j, `{"unit_id":"Lang Son","name":"x"}`, 422, "validation_failed"},
		{"unit id over 64", "POST", "/v1/units", j, `{"unit_id":"` + strings.Repeat("a", 65) + `","name":"x"}`, 422, "validation_failed"},

		// Enums.
		{"donor kind", "POST", don, j, `{"amount":"1000","donor":{"kind":"robot"}}`, 422, "validation_failed"},
		{"shelter kind", "POST", shelter, j, `{"beneficiary_id":"M1","amount":"1000","shelter":"castle"}`, 422, "validation_failed"},
		{"assistance category", "POST", grant, j, `{"beneficiary_id":"M1","amount":"1000","category":"lottery"}`, 422, "validation_failed"},
		{"fund kind", "POST", "/v1/funds", j, `{"unit_id":"cao-loc","name":"Quỹ","kind":"piggy_bank"}`, 422, "validation_failed"},
		{"enum case", "POST", don, j, `{"amount":"1000","donor":{"kind":"Member"}}`, 422, "validation_failed"},

		// Size and media type.
		{"over 1 MiB", "POST", don, j, huge, 413, "payload_too_large"},
		{"text/plain", "POST", don, "text/plain", withAmount(`"1000"`), 415, "unsupported_media_type"},
		{"no content type", "POST", don, "", withAmount(`"1000"`), 415, "unsupported_media_type"},
		{"latin-1 charset", "POST", don, "application/json; charset=latin1", withAmount(`"1000"`), 415, "unsupported_media_type"},
		{"form encoded", "POST", don, "application/x-www-form-urlencoded", "amount=1000", 415, "unsupported_media_type"},
		{"multipart", "POST", don, "multipart/form-data; boundary=x", "--x--", 415, "unsupported_media_type"},

		// Query strings.
		{"as_of month 99", "GET", "/v1/funds/" + mxSocialIn + "?as_of=2024-99-01", "", "", 422, "validation_failed"},
		{"unknown parameter", "GET", "/v1/funds/" + mxSocialIn + "?asof=2024-01-01", "", "", 422, "validation_failed"},
		{"repeated parameter", "GET", "/v1/funds/" + mxSocialIn + "?as_of=2024-01-01&as_of=2024-02-01", "", "", 422, "validation_failed"},
		{"limit over 1000", "GET", "/v1/units?limit=1001", "", "", 422, "validation_failed"},
		{"negative limit", "GET", "/v1/units?limit=-1", "", "", 422, "validation_failed"},
		{"forged cursor", "GET", "/v1/units?cursor=AAAA", "", "", 422, "validation_failed"},
		{"overlong query value", "GET", "/v1/units?cursor=" + strings.Repeat("A", 5000), "", "", 422, "validation_failed"},

		// Well-formed, refused by the rules: recorded nothing either.
		{"grant beyond the balance", "POST", grant, j, `{"beneficiary_id":"M1","amount":"999000000000","category":"tet_gift"}`, 409, "insufficient_funds"},
		{"repayment beyond outstanding", "POST", repay, j, `{"amount":"60000000"}`, 409, "exceeds_outstanding"},
		{"loan from a social fund", "POST", "/v1/funds/" + mxSocialIn + "/loans", j, `{"beneficiary_id":"M1","amount":"1000"}`, 409, "not_allowed_for_fund_kind"},
		{"unknown parent", "POST", "/v1/units", j, `{"unit_id":"cd-x","name":"x","parent_id":"nowhere"}`, 404, "not_found"},
		{"unknown fund", "POST", "/v1/funds/" + unknownID + "/donations", j, withAmount(`"1000"`), 404, "not_found"},
		{"unit taken", "POST", "/v1/units", j, `{"unit_id":"cao-loc","name":"x","parent_id":"lang-son"}`, 409, "already_exists"},
		{"loan id reused for a grant", "POST", loan, j, `{"loan_id":"` + mxLoanIn + `","beneficiary_id":"M9","amount":"1000"}`, 409, "idempotency_conflict"},
	}
	if len(cases) < 60 {
		t.Fatalf("the battery has %d cases, want at least 60", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := e.logDigest()
			req, err := http.NewRequest(c.method, e.http.URL+c.path, bytes.NewReader([]byte(c.body)))
			if err != nil {
				t.Fatal(err)
			}
			if c.ctype != "" {
				req.Header.Set("Content-Type", c.ctype)
			}
			req.Header.Set("Authorization", "Bearer "+e.token)
			res, err := e.http.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			var body bytes.Buffer
			body.ReadFrom(res.Body)
			res.Body.Close()
			r := resp{method: c.method, path: c.path, status: res.StatusCode, header: res.Header, body: body.Bytes()}
			if len(r.path) > 120 {
				r.path = r.path[:120] + "…"
			}
			mustProblem(t, r, c.status, c.code)
			if after := e.logDigest(); after != before {
				t.Errorf("%s %s changed the event log", c.method, c.name)
			}
		})
	}
}
