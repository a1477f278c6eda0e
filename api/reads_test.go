package api_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// Ids of the history fixture.
const (
	hD1  = "0190a0b4-0000-7000-8000-000000001001"
	hSH1 = "0190a0b4-0000-7000-8000-000000001002"
	hA1  = "0190a0b4-0000-7000-8000-000000001003"
	hA2  = "0190a0b4-0000-7000-8000-000000001004"
	hRV  = "0190a0b4-0000-7000-8000-000000001005"
	hSH2 = "0190a0b4-0000-7000-8000-000000001006"
	hCD  = "0190a0b4-0000-7000-8000-000000002001"
	hL1  = "0190a0b4-0000-7000-8000-000000002002"
	hR1  = "0190a0b4-0000-7000-8000-000000002003"
	hL2  = "0190a0b4-0000-7000-8000-000000002004"
	hR2  = "0190a0b4-0000-7000-8000-000000002005"
	hL3  = "0190a0b4-0000-7000-8000-000000002006"
	hRL3 = "0190a0b4-0000-7000-8000-000000002007"
)

// history records a small but complete past, in this log order:
//
//	social fund S (lang-son), opened 2024-01-01:
//	  D1  2024-01-10 donation        100 000 000
//	  SH1 2024-02-01 shelter new      50 000 000  M001
//	  A1  2024-03-01 assistance        5 000 000  M002
//	  A2  2024-03-05 assistance        3 000 000  M001
//	  RV  2024-04-01 reversal of A1
//	  SH2 2024-05-10 shelter repair   20 000 000  M004
//	capital fund C (cao-loc, under lang-son), opened 2024-01-01:
//	  CD  2024-01-02 donation        200 000 000
//	  L1  2024-02-01 loan             30 000 000  M003, due 2025-02-01
//	  R1  2024-03-01 repayment of L1  10 000 000
//	  L2  2024-04-15 loan             15 000 000  M001
//	  R2  2024-06-01 repayment of L2  15 000 000
//	  L3  2024-06-10 loan              1 000 000  M005
//	  RL3 2024-06-20 reversal of L3
func history(e *env) {
	e.t.Helper()
	e.units()
	e.openFund(socialFund, "lang-son", "social")
	e.openFund(capitalFund, "cao-loc", "capital_support")
	s, c := "/v1/funds/"+socialFund, "/v1/funds/"+capitalFund
	e.tx(s+"/donations", `{"transaction_id":"`+hD1+`","amount":"100000000","occurred_on":"2024-01-10","donor":{"kind":"enterprise"}}`)
	e.tx(s+"/shelter-grants", `{"transaction_id":"`+hSH1+`","beneficiary_id":"M001","amount":"50000000","shelter":"new_build","occurred_on":"2024-02-01"}`)
	e.tx(s+"/assistance-grants", `{"transaction_id":"`+hA1+`","beneficiary_id":"M002","amount":"5000000","category":"serious_illness","occurred_on":"2024-03-01"}`)
	e.tx(s+"/assistance-grants", `{"transaction_id":"`+hA2+`","beneficiary_id":"M001","amount":"3000000","category":"accident","occurred_on":"2024-03-05"}`)
	e.tx(s+"/reversals", `{"transaction_id":"`+hRV+`","reverses":"`+hA1+`","reason":"paid by another fund","occurred_on":"2024-04-01"}`)
	e.tx(s+"/shelter-grants", `{"transaction_id":"`+hSH2+`","beneficiary_id":"M004","amount":"20000000","shelter":"repair","occurred_on":"2024-05-10"}`)
	e.tx(c+"/donations", `{"transaction_id":"`+hCD+`","amount":"200000000","occurred_on":"2024-01-02","donor":{"kind":"organization"}}`)
	e.tx(c+"/loans", `{"loan_id":"`+hL1+`","beneficiary_id":"M003","amount":"30000000","occurred_on":"2024-02-01","due_on":"2025-02-01","project":"Dự án 7"}`)
	e.tx(c+"/loans/"+hL1+"/repayments", `{"transaction_id":"`+hR1+`","amount":"10000000","occurred_on":"2024-03-01"}`)
	e.tx(c+"/loans", `{"loan_id":"`+hL2+`","beneficiary_id":"M001","amount":"15000000","occurred_on":"2024-04-15"}`)
	e.tx(c+"/loans/"+hL2+"/repayments", `{"transaction_id":"`+hR2+`","amount":"15000000","occurred_on":"2024-06-01"}`)
	e.tx(c+"/loans", `{"loan_id":"`+hL3+`","beneficiary_id":"M005","amount":"1000000","occurred_on":"2024-06-10"}`)
	e.tx(c+"/reversals", `{"transaction_id":"`+hRL3+`","reverses":"`+hL3+`","reason":"never paid out","occurred_on":"2024-06-20"}`)
}

func TestFundSummaryAsOf(t *testing.T) {
	e := newEnv(t)
	history(e)
	zero := totals("0", "0", "0", "0", "0")
	tests := []struct {
		name, fund, query string
		wantAsOf          string
		want              figures
	}{
		{"social today", socialFund, "", today, figures{
			Balance: "27000000", LoansOutstanding: "0", Capital: "27000000",
			Totals:        totals("100000000", "70000000", "3000000", "0", "0"),
			Counts:        counts(1, 1, 1, 1, 0, 0, 1),
			Beneficiaries: beneficiariesJSON{Persons: 2, Times: 3},
		}},
		{"social explicitly today", socialFund, "?as_of=" + today, today, figures{
			Balance: "27000000", LoansOutstanding: "0", Capital: "27000000",
			Totals:        totals("100000000", "70000000", "3000000", "0", "0"),
			Counts:        counts(1, 1, 1, 1, 0, 0, 1),
			Beneficiaries: beneficiariesJSON{Persons: 2, Times: 3},
		}},
		// Before the reversal: A1 still counts, M002 is still a person.
		{"social before the reversal", socialFund, "?as_of=2024-03-15", "2024-03-15", figures{
			Balance: "42000000", LoansOutstanding: "0", Capital: "42000000",
			Totals:        totals("100000000", "50000000", "8000000", "0", "0"),
			Counts:        counts(1, 1, 0, 2, 0, 0, 0),
			Beneficiaries: beneficiariesJSON{Persons: 2, Times: 3},
		}},
		// On the reversal's date its effect is in.
		{"social on the reversal date", socialFund, "?as_of=2024-04-01", "2024-04-01", figures{
			Balance: "47000000", LoansOutstanding: "0", Capital: "47000000",
			Totals:        totals("100000000", "50000000", "3000000", "0", "0"),
			Counts:        counts(1, 1, 0, 1, 0, 0, 1),
			Beneficiaries: beneficiariesJSON{Persons: 1, Times: 2},
		}},
		{"social before its first event", socialFund, "?as_of=2024-01-09", "2024-01-09", figures{
			Balance: "0", LoansOutstanding: "0", Capital: "0", Totals: zero,
		}},
		{"capital today", capitalFund, "", today, figures{
			Balance: "180000000", LoansOutstanding: "20000000", Capital: "200000000",
			Totals:        totals("200000000", "0", "0", "45000000", "25000000"),
			Counts:        counts(1, 0, 0, 0, 2, 2, 1),
			Beneficiaries: beneficiariesJSON{Persons: 2, Times: 2},
		}},
		{"capital with a loan out", capitalFund, "?as_of=2024-02-01", "2024-02-01", figures{
			Balance: "170000000", LoansOutstanding: "30000000", Capital: "200000000",
			Totals:        totals("200000000", "0", "0", "30000000", "0"),
			Counts:        counts(1, 0, 0, 0, 1, 0, 0),
			Beneficiaries: beneficiariesJSON{Persons: 1, Times: 1},
		}},
		// L3 is out on 2024-06-15 and reversed on 2024-06-20.
		{"capital while L3 is out", capitalFund, "?as_of=2024-06-15", "2024-06-15", figures{
			Balance: "179000000", LoansOutstanding: "21000000", Capital: "200000000",
			Totals:        totals("200000000", "0", "0", "46000000", "25000000"),
			Counts:        counts(1, 0, 0, 0, 3, 2, 0),
			Beneficiaries: beneficiariesJSON{Persons: 3, Times: 3},
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := e.fund(tc.fund, tc.query)
			if f.AsOf != tc.wantAsOf {
				t.Errorf("as_of = %q, want %q", f.AsOf, tc.wantAsOf)
			}
			if got := f.figures(); got != tc.want {
				t.Errorf("GET /v1/funds/%s%s figures =\n %+v, want\n %+v", tc.fund, tc.query, got, tc.want)
			}
		})
	}
}

type fundLineJSON struct {
	FundID         string            `json:"fund_id"`
	UnitID         string            `json:"unit_id"`
	Kind           string            `json:"kind"`
	OpeningBalance string            `json:"opening_balance"`
	ClosingBalance string            `json:"closing_balance"`
	Totals         totalsJSON        `json:"totals"`
	Counts         countsJSON        `json:"counts"`
	Beneficiaries  beneficiariesJSON `json:"beneficiaries"`
}

type unitSummaryJSON struct {
	UnitID         string            `json:"unit_id"`
	From           *string           `json:"from"`
	To             string            `json:"to"`
	OpeningBalance string            `json:"opening_balance"`
	ClosingBalance string            `json:"closing_balance"`
	Totals         totalsJSON        `json:"totals"`
	Counts         countsJSON        `json:"counts"`
	Beneficiaries  beneficiariesJSON `json:"beneficiaries"`
	Funds          []fundLineJSON    `json:"funds"`
}

func TestUnitSummary(t *testing.T) {
	e := newEnv(t)
	history(e)
	socialH1 := fundLineJSON{FundID: socialFund, UnitID: "lang-son", Kind: "social",
		OpeningBalance: "42000000", ClosingBalance: "27000000",
		Totals:        totals("0", "20000000", "-5000000", "0", "0"),
		Counts:        counts(0, 0, 1, 0, 0, 0, 1),
		Beneficiaries: beneficiariesJSON{Persons: 1, Times: 1}}
	capitalH1 := fundLineJSON{FundID: capitalFund, UnitID: "cao-loc", Kind: "capital_support",
		OpeningBalance: "180000000", ClosingBalance: "180000000",
		Totals:        totals("0", "0", "0", "15000000", "15000000"),
		Counts:        counts(0, 0, 0, 0, 1, 1, 1),
		Beneficiaries: beneficiariesJSON{Persons: 1, Times: 1}}
	tests := []struct {
		name, path string
		want       unitSummaryJSON
		wantFrom   string // "" for null
		wantFunds  []fundLineJSON
	}{
		{
			// M001 had grants from S and a loan from C: one person.
			name: "whole tree, all time", path: "/v1/units/vgcl/summary",
			want: unitSummaryJSON{UnitID: "vgcl", To: today, OpeningBalance: "0", ClosingBalance: "207000000",
				Totals:        totals("300000000", "70000000", "3000000", "45000000", "25000000"),
				Counts:        counts(2, 1, 1, 1, 2, 2, 2),
				Beneficiaries: beneficiariesJSON{Persons: 3, Times: 5}},
		},
		{
			// The reversal of A1 (dated in the period) nets the assistance
			// total below zero: the original is in an earlier period.
			name: "second quarter", path: "/v1/units/lang-son/summary?from=2024-04-01&to=2024-06-30",
			want: unitSummaryJSON{UnitID: "lang-son", To: "2024-06-30", OpeningBalance: "222000000", ClosingBalance: "207000000",
				Totals:        totals("0", "20000000", "-5000000", "15000000", "15000000"),
				Counts:        counts(0, 0, 1, 0, 1, 1, 2),
				Beneficiaries: beneficiariesJSON{Persons: 2, Times: 2}},
			wantFrom:  "2024-04-01",
			wantFunds: []fundLineJSON{socialH1, capitalH1},
		},
		{
			name: "subtree", path: "/v1/units/cao-loc/summary?to=2024-03-31",
			want: unitSummaryJSON{UnitID: "cao-loc", To: "2024-03-31", OpeningBalance: "0", ClosingBalance: "180000000",
				Totals:        totals("200000000", "0", "0", "30000000", "10000000"),
				Counts:        counts(1, 0, 0, 0, 1, 1, 0),
				Beneficiaries: beneficiariesJSON{Persons: 1, Times: 1}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.get(tc.path)
			mustStatus(t, r, http.StatusOK)
			var got unitSummaryJSON
			decodeInto(t, r, &got)
			switch {
			case tc.wantFrom == "" && got.From != nil:
				t.Errorf("from = %q, want null", *got.From)
			case tc.wantFrom != "" && (got.From == nil || *got.From != tc.wantFrom):
				t.Errorf("from = %v, want %q", got.From, tc.wantFrom)
			}
			funds := got.Funds
			got.From, got.Funds = nil, nil
			if !equalJSON(got, tc.want) {
				t.Errorf("GET %s =\n %+v, want\n %+v", tc.path, got, tc.want)
			}
			if tc.wantFunds != nil && !equalJSON(funds, tc.wantFunds) {
				t.Errorf("GET %s funds =\n %+v, want\n %+v", tc.path, funds, tc.wantFunds)
			}
		})
	}
}

// equalJSON compares two values by their JSON encoding (the test structs
// hold slices, which == cannot compare).
func equalJSON(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && bytes.Equal(ja, jb)
}

type txItem struct {
	TransactionID string  `json:"transaction_id"`
	Type          string  `json:"type"`
	Amount        string  `json:"amount"`
	OccurredOn    string  `json:"occurred_on"`
	BeneficiaryID string  `json:"beneficiary_id"`
	Reverses      *string `json:"reverses"`
	ReversedBy    *string `json:"reversed_by"`
}

type txPage struct {
	Items      []txItem `json:"items"`
	NextCursor *string  `json:"next_cursor"`
}

func ids(items []txItem) []string {
	out := make([]string, len(items))
	for i, it := range items {
		out[i] = it.TransactionID
	}
	return out
}

func TestTransactions(t *testing.T) {
	e := newEnv(t)
	history(e)
	base := "/v1/funds/" + socialFund + "/transactions"
	tests := []struct {
		name, query string
		want        []string
	}{
		{"all", "", []string{hD1, hSH1, hA1, hA2, hRV, hSH2}},
		{"by type", "?type=AssistanceGranted", []string{hA1, hA2}},
		{"reversals", "?type=TransactionReversed", []string{hRV}},
		{"by period", "?from=2024-03-01&to=2024-04-01", []string{hA1, hA2, hRV}},
		{"from only", "?from=2024-04-02", []string{hSH2}},
		{"to only", "?to=2024-01-31", []string{hD1}},
		{"period and type", "?from=2024-03-02&type=AssistanceGranted", []string{hA2}},
		{"empty", "?to=2024-01-09", []string{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.get(base + tc.query)
			mustStatus(t, r, http.StatusOK)
			var p txPage
			decodeInto(t, r, &p)
			if got := ids(p.Items); !slices.Equal(got, tc.want) {
				t.Errorf("GET %s%s = %v, want %v", base, tc.query, got, tc.want)
			}
			if p.NextCursor != nil {
				t.Errorf("next_cursor = %q, want null", *p.NextCursor)
			}
			if p.Items == nil {
				t.Errorf("items = null, want an array")
			}
		})
	}

	t.Run("reversed_by and reverses", func(t *testing.T) {
		var p txPage
		decodeInto(t, e.get(base), &p)
		for _, it := range p.Items {
			wantBy, wantRev := "", ""
			switch it.TransactionID {
			case hA1:
				wantBy = hRV
			case hRV:
				wantRev = hA1
			}
			if got := deref(it.ReversedBy); got != wantBy {
				t.Errorf("%s reversed_by = %q, want %q", it.TransactionID, got, wantBy)
			}
			if got := deref(it.Reverses); got != wantRev {
				t.Errorf("%s reverses = %q, want %q", it.TransactionID, got, wantRev)
			}
		}
	})

	t.Run("pages", func(t *testing.T) {
		var got [][]string
		path := base + "?limit=2"
		var first string
		for range 10 {
			r := e.get(path)
			mustStatus(t, r, http.StatusOK)
			var p txPage
			decodeInto(t, r, &p)
			got = append(got, ids(p.Items))
			if p.NextCursor == nil {
				break
			}
			if first == "" {
				first = *p.NextCursor
			}
			path = base + "?limit=2&cursor=" + url.QueryEscape(*p.NextCursor)
		}
		want := [][]string{{hD1, hSH1}, {hA1, hA2}, {hRV, hSH2}}
		if !equalJSON(got, want) {
			t.Errorf("pages = %v, want %v", got, want)
		}
		// A cursor belongs to its list and filters.
		for _, other := range []string{
			base + "?limit=2&type=AssistanceGranted&cursor=" + first,
			"/v1/funds/" + capitalFund + "/transactions?limit=2&cursor=" + first,
			"/v1/units?cursor=" + first,
		} {
			p := mustProblem(t, e.get(other), 422, "validation_failed")
			if !slices.Equal(p.fields(), []string{"cursor"}) {
				t.Errorf("GET %s: fields = %v, want [cursor]", other, p.fields())
			}
		}
	})
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func TestUnitsAndFundsLists(t *testing.T) {
	e := newEnv(t)
	history(e)
	e.mustCreate("/v1/units", `{"unit_id":"ha-noi","name":"LĐLĐ Hà Nội","parent_id":"vgcl"}`)
	e.mustCreate("/v1/units", `{"unit_id":"ba-dinh","name":"LĐLĐ Ba Đình","parent_id":"ha-noi"}`)
	e.openFund(shelterFund, "ba-dinh", "shelter")

	t.Run("units in pages", func(t *testing.T) {
		var got []string
		path := "/v1/units?limit=2"
		pages := 0
		for {
			r := e.get(path)
			mustStatus(t, r, http.StatusOK)
			var p struct {
				Items []struct {
					UnitID string `json:"unit_id"`
				} `json:"items"`
				NextCursor *string `json:"next_cursor"`
			}
			decodeInto(t, r, &p)
			pages++
			for _, u := range p.Items {
				got = append(got, u.UnitID)
			}
			if p.NextCursor == nil || pages > 10 {
				break
			}
			path = "/v1/units?limit=2&cursor=" + url.QueryEscape(*p.NextCursor)
		}
		want := []string{"vgcl", "lang-son", "cao-loc", "ha-noi", "ba-dinh"}
		if !slices.Equal(got, want) || pages != 3 {
			t.Errorf("units = %v in %d pages, want %v in 3", got, pages, want)
		}
	})

	fundIDs := func(t *testing.T, path string) ([]string, *string) {
		t.Helper()
		r := e.get(path)
		mustStatus(t, r, http.StatusOK)
		var p struct {
			Items      []fundJSON `json:"items"`
			NextCursor *string    `json:"next_cursor"`
		}
		decodeInto(t, r, &p)
		var out []string
		for _, f := range p.Items {
			out = append(out, f.FundID)
		}
		return out, p.NextCursor
	}
	tests := []struct {
		name, query string
		want        []string
	}{
		{"all", "", []string{socialFund, capitalFund, shelterFund}},
		{"unit with descendants", "?unit_id=lang-son", []string{socialFund, capitalFund}},
		{"leaf unit", "?unit_id=cao-loc", []string{capitalFund}},
		{"kind", "?kind=shelter", []string{shelterFund}},
		{"unit and kind", "?unit_id=vgcl&kind=capital_support", []string{capitalFund}},
		{"nothing matches", "?unit_id=ha-noi&kind=social", nil},
		{"empty values are no filter", "?unit_id=&kind=", []string{socialFund, capitalFund, shelterFund}},
	}
	for _, tc := range tests {
		t.Run("funds "+tc.name, func(t *testing.T) {
			got, next := fundIDs(t, "/v1/funds"+tc.query)
			if !slices.Equal(got, tc.want) || next != nil {
				t.Errorf("GET /v1/funds%s = %v (next %v), want %v", tc.query, got, next, tc.want)
			}
		})
	}
	t.Run("funds in pages", func(t *testing.T) {
		var got []string
		path := "/v1/funds?limit=1"
		for range 10 {
			page, next := fundIDs(t, path)
			got = append(got, page...)
			if next == nil {
				break
			}
			path = "/v1/funds?limit=1&cursor=" + url.QueryEscape(*next)
		}
		if want := []string{socialFund, capitalFund, shelterFund}; !slices.Equal(got, want) {
			t.Errorf("funds by pages of 1 = %v, want %v", got, want)
		}
	})
	t.Run("fund list figures", func(t *testing.T) {
		r := e.get("/v1/funds?unit_id=cao-loc")
		var p struct {
			Items []fundJSON `json:"items"`
		}
		decodeInto(t, r, &p)
		if len(p.Items) != 1 || p.Items[0].Balance != "180000000" || p.Items[0].LoansOutstanding != "20000000" {
			t.Errorf("GET /v1/funds?unit_id=cao-loc = %+v, want the capital fund with 180000000 and 20000000 out", p.Items)
		}
		// A list item is the same summary GET /v1/funds/{id} answers,
		// dated today like it.
		if len(p.Items) == 1 && p.Items[0].AsOf != today {
			t.Errorf("GET /v1/funds item as_of = %q, want %q", p.Items[0].AsOf, today)
		}
	})
}

func TestLoan(t *testing.T) {
	e := newEnv(t)
	history(e)
	tests := []struct {
		name, loan, want string
	}{
		{"active", hL1, `{"loan_id":"` + hL1 + `","fund_id":"` + capitalFund + `","beneficiary_id":"M003","principal":"30000000","repaid":"10000000","outstanding":"20000000","status":"active","disbursed_on":"2024-02-01","due_on":"2025-02-01","project":"Dự án 7"}`},
		{"repaid", hL2, `{"loan_id":"` + hL2 + `","fund_id":"` + capitalFund + `","beneficiary_id":"M001","principal":"15000000","repaid":"15000000","outstanding":"0","status":"repaid","disbursed_on":"2024-04-15","due_on":null}`},
		{"reversed", hL3, `{"loan_id":"` + hL3 + `","fund_id":"` + capitalFund + `","beneficiary_id":"M005","principal":"1000000","repaid":"0","outstanding":"0","status":"reversed","disbursed_on":"2024-06-10","due_on":null}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.get("/v1/funds/" + capitalFund + "/loans/" + tc.loan)
			mustStatus(t, r, http.StatusOK)
			if got := string(bytes.TrimSpace(r.body)); got != tc.want {
				t.Errorf("GET loan %s =\n %s, want\n %s", tc.loan, got, tc.want)
			}
		})
	}
	t.Run("loan of another fund", func(t *testing.T) {
		mustProblem(t, e.get("/v1/funds/"+socialFund+"/loans/"+hL1), 404, "not_found")
	})
}

func TestBeneficiary(t *testing.T) {
	e := newEnv(t)
	history(e)
	type benJSON struct {
		BeneficiaryID string `json:"beneficiary_id"`
		Totals        struct {
			ShelterGrants    string `json:"shelter_grants"`
			AssistanceGrants string `json:"assistance_grants"`
			LoansDisbursed   string `json:"loans_disbursed"`
			Repayments       string `json:"repayments"`
			LoansOutstanding string `json:"loans_outstanding"`
		} `json:"totals"`
		Counts beneficiariesJSON `json:"counts"`
		Items  []txItem          `json:"items"`
	}
	r := e.get("/v1/beneficiaries/M001")
	mustStatus(t, r, http.StatusOK)
	var got benJSON
	decodeInto(t, r, &got)
	var want benJSON
	want.BeneficiaryID = "M001"
	want.Totals.ShelterGrants, want.Totals.AssistanceGrants = "50000000", "3000000"
	want.Totals.LoansDisbursed, want.Totals.Repayments, want.Totals.LoansOutstanding = "15000000", "15000000", "0"
	want.Counts = beneficiariesJSON{Persons: 1, Times: 3}
	gotIDs := ids(got.Items)
	got.Items = nil
	if !equalJSON(got, want) {
		t.Errorf("GET /v1/beneficiaries/M001 =\n %+v, want\n %+v", got, want)
	}
	// Across both funds, in log order.
	if wantIDs := []string{hSH1, hA2, hL2, hR2}; !slices.Equal(gotIDs, wantIDs) {
		t.Errorf("M001 items = %v, want %v", gotIDs, wantIDs)
	}

	t.Run("reversed grant", func(t *testing.T) {
		var m benJSON
		decodeInto(t, e.get("/v1/beneficiaries/M002"), &m)
		if m.Totals.AssistanceGrants != "0" || m.Counts.Times != 0 {
			t.Errorf("M002 totals = %+v, counts = %+v; want assistance 0 and 0 times (A1 was reversed)", m.Totals, m.Counts)
		}
	})
}

type eventJSON struct {
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

type eventPage struct {
	Items      []eventJSON `json:"items"`
	NextCursor *string     `json:"next_cursor"`
	NextAfter  *uint64     `json:"next_after"`
}

func TestEvents(t *testing.T) {
	e := newEnv(t)
	history(e)
	r := e.get("/v1/events?limit=1000")
	mustStatus(t, r, http.StatusOK)
	var all eventPage
	decodeInto(t, r, &all)
	// The admin token, 3 units, 2 funds, 6 + 7 money events.
	if len(all.Items) != 19 || all.NextCursor != nil || all.NextAfter != nil {
		t.Fatalf("GET /v1/events = %d items (next %v, %v), want 19 and no next page", len(all.Items), all.NextCursor, all.NextAfter)
	}

	t.Run("as stored", func(t *testing.T) {
		stored, err := e.store.ReadAll(context.Background(), 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		if len(stored) != len(all.Items) {
			t.Fatalf("store has %d events, API served %d", len(stored), len(all.Items))
		}
		for i, se := range stored {
			it := all.Items[i]
			if uint64(se.Position) != it.Position || se.Stream != it.Stream || se.Revision != it.Revision ||
				se.Type != it.Type || se.ID.String() != it.EventID {
				t.Errorf("event %d = %+v, want the stored %d %s@%d %s %s", i, it, se.Position, se.Stream, se.Revision, se.Type, se.ID)
			}
			if !bytes.Equal(it.Data, se.Data) {
				t.Errorf("event %d data =\n %s, want the stored bytes\n %s", i, it.Data, se.Data)
			}
			// The admin token was made by the command line; everything
			// else by the token's holder, named by its id and name.
			actor := e.actor("test admin")
			if i == 0 {
				actor = domain.SystemActor
			}
			if it.Actor != actor || it.Schema != 1 || it.RecordedAt != fixedRecorded {
				t.Errorf("event %d actor, schema, recorded_at = %q, %d, %q; want %q, 1, %q", i, it.Actor, it.Schema, it.RecordedAt, actor, fixedRecorded)
			}
		}
	})

	t.Run("an auditor recomputes every hash from the API alone", func(t *testing.T) {
		last := map[string]string{}
		for _, it := range all.Items {
			prev, ok := last[it.Stream]
			if !ok {
				prev = domain.GenesisHash
			}
			if it.PrevHash != prev {
				t.Errorf("%s@%d prev_hash = %s, want %s", it.Stream, it.Revision, it.PrevHash, prev)
			}
			meta, err := json.Marshal(struct {
				EventID     string `json:"event_id"`
				Schema      int    `json:"schema"`
				OccurredOn  string `json:"occurred_on"`
				RecordedAt  string `json:"recorded_at"`
				Actor       string `json:"actor"`
				PayloadHash string `json:"payload_hash"`
				PrevHash    string `json:"prev_hash"`
			}{it.EventID, it.Schema, it.OccurredOn, it.RecordedAt, it.Actor, it.PayloadHash, it.PrevHash})
			if err != nil {
				t.Fatal(err)
			}
			h := sha256.New()
			for _, part := range [][]byte{[]byte(it.PrevHash), []byte(it.Type), it.Data, meta} {
				h.Write(part)
				h.Write([]byte{'\n'})
			}
			if got := hex.EncodeToString(h.Sum(nil)); got != it.Hash {
				t.Errorf("%s@%d: recomputed hash %s, served %s", it.Stream, it.Revision, got, it.Hash)
			}
			last[it.Stream] = it.Hash
		}
	})

	pageThrough := func(t *testing.T, byCursor bool) []uint64 {
		t.Helper()
		var got []uint64
		path := "/v1/events?limit=5"
		for range 10 {
			r := e.get(path)
			mustStatus(t, r, http.StatusOK)
			var p eventPage
			decodeInto(t, r, &p)
			for _, it := range p.Items {
				got = append(got, it.Position)
			}
			if (p.NextCursor == nil) != (p.NextAfter == nil) {
				t.Fatalf("next_cursor %v and next_after %v disagree", p.NextCursor, p.NextAfter)
			}
			if p.NextCursor == nil {
				break
			}
			if *p.NextAfter != p.Items[len(p.Items)-1].Position {
				t.Errorf("next_after = %d, want the page's last position %d", *p.NextAfter, p.Items[len(p.Items)-1].Position)
			}
			if byCursor {
				path = "/v1/events?limit=5&cursor=" + url.QueryEscape(*p.NextCursor)
			} else {
				path = "/v1/events?limit=5&after=" + jsonNumber(*p.NextAfter)
			}
		}
		return got
	}
	var want []uint64
	for _, it := range all.Items {
		want = append(want, it.Position)
	}
	for _, byCursor := range []bool{false, true} {
		name := "pages by after"
		if byCursor {
			name = "pages by cursor"
		}
		t.Run(name, func(t *testing.T) {
			if got := pageThrough(t, byCursor); !slices.Equal(got, want) {
				t.Errorf("positions = %v, want %v", got, want)
			}
		})
	}
	t.Run("after the end", func(t *testing.T) {
		var p eventPage
		decodeInto(t, e.get("/v1/events?after="+jsonNumber(want[len(want)-1])), &p)
		if len(p.Items) != 0 || p.Items == nil || p.NextCursor != nil {
			t.Errorf("after the last position: %+v, want an empty items array and no next page", p)
		}
	})
}

func jsonNumber(n uint64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
