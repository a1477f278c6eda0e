package api_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

// A beneficiary id shaped like a citizen ID number (only digits, 9 or 12 of
// them) is refused wherever one enters: every grant, a loan, and the
// beneficiary route, which answers 422 like a write rather than look a
// person up by such a number (API.md: a beneficiary id is never one, so no
// ledger holds one to find). Nothing is recorded.
func TestCitizenNumberIsNotABeneficiaryID(t *testing.T) {
	e := newEnv(t)
	e.units()
	e.openFund(socialFund, "lang-son", "social")
	e.openFund(capitalFund, "lang-son", "capital_support")
	e.donate(socialFund, "100000000", "2024-01-10")
	e.donate(capitalFund, "100000000", "2024-01-10")
	writes := []struct{ path, body string }{
		{"/v1/funds/" + socialFund + "/shelter-grants", `{"beneficiary_id":%q,"amount":"1000","shelter":"repair"}`},
		{"/v1/funds/" + socialFund + "/assistance-grants", `{"beneficiary_id":%q,"amount":"1000","category":"tet_gift"}`},
		{"/v1/funds/" + capitalFund + "/loans", `{"beneficiary_id":%q,"amount":"1000"}`},
	}
	tests := []struct {
		name, id string
		refused  bool
	}{
		{"8 digits", "12345678", false},
		{"9 digits", "123456789", true},
		{"10 digits", "1234567890", false},
		{"11 digits", "12345678901", false},
		{"12 digits", "001234567890", true},
		{"13 digits", "0012345678901", false},
		{"9 zeros", "000000000", true},
		{"12 digits with leading zeros", "000000000012", true},
		{"9 characters with a letter", "12345678A", false},
		{"12 characters with a letter", "A01234567890", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, w := range writes {
				before := e.eventCount()
				r := e.post(w.path, fmt.Sprintf(w.body, tt.id))
				if !tt.refused {
					mustStatus(t, r, http.StatusCreated)
					continue
				}
				p := mustProblem(t, r, http.StatusUnprocessableEntity, "validation_failed")
				if len(p.Errors) != 1 || p.Errors[0].Field != "beneficiary_id" || !strings.Contains(p.Errors[0].Message, "citizen ID number") {
					t.Errorf("POST %s with beneficiary_id %q: errors = %+v, want one on beneficiary_id saying it is a citizen ID number", w.path, tt.id, p.Errors)
				}
				if after := e.eventCount(); after != before {
					t.Errorf("POST %s with beneficiary_id %q recorded %d events, want none", w.path, tt.id, after-before)
				}
			}
			r := e.get("/v1/beneficiaries/" + tt.id)
			if !tt.refused {
				mustStatus(t, r, http.StatusOK)
				return
			}
			p := mustProblem(t, r, http.StatusUnprocessableEntity, "validation_failed")
			if got := p.fields(); len(got) != 1 || got[0] != "beneficiary_id" || !strings.Contains(p.Errors[0].Message, "citizen ID number") {
				t.Errorf("GET /v1/beneficiaries/%s: errors = %+v, want one on beneficiary_id saying it is a citizen ID number", tt.id, p.Errors)
			}
		})
	}
}
