package api_test

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"
)

func TestRegisterUnit(t *testing.T) {
	e := newEnv(t)
	e.units()
	tests := []struct {
		name, id string
		want     string
	}{
		{"root", "vgcl", `{"unit_id":"vgcl","name":"Tổng Liên đoàn Lao động Việt Nam","parent_id":null,"path":["vgcl"]}`},
		{"child", "lang-son", `{"unit_id":"lang-son","name":"Liên đoàn Lao động tỉnh Lạng Sơn","parent_id":"vgcl","path":["vgcl","lang-son"]}`},
		{"grandchild", "cao-loc", `{"unit_id":"cao-loc","name":"LĐLĐ huyện Cao Lộc","parent_id":"lang-son","path":["vgcl","lang-son","cao-loc"]}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.get("/v1/units/" + tc.id)
			mustStatus(t, r, http.StatusOK)
			if got := string(bytes.TrimSpace(r.body)); got != tc.want {
				t.Errorf("GET /v1/units/%s = %s, want %s", tc.id, got, tc.want)
			}
		})
	}

	t.Run("response of the write", func(t *testing.T) {
		r := e.post("/v1/units", `{"unit_id":"lang-son-cao-loc-cd","name":"CĐCS Công ty B","parent_id":"cao-loc"}`)
		mustStatus(t, r, http.StatusCreated)
		// Like every write response, it carries the event's position: the
		// log's head (5 on the embedded store, whose positions count
		// events; a byte offset on KurrentDB).
		want := fmt.Sprintf(`{"unit_id":"lang-son-cao-loc-cd","name":"CĐCS Công ty B","parent_id":"cao-loc","path":["vgcl","lang-son","cao-loc","lang-son-cao-loc-cd"],"position":%d}`, e.store.Head())
		if got := string(bytes.TrimSpace(r.body)); got != want {
			t.Errorf("POST /v1/units = %s, want %s", got, want)
		}
		if got, want := r.header.Get("Location"), "/v1/units/lang-son-cao-loc-cd"; got != want {
			t.Errorf("Location = %q, want %q", got, want)
		}
	})
}

func TestOpenFund(t *testing.T) {
	e := newEnv(t)
	e.units()
	r := e.post("/v1/funds", `{"fund_id":"`+socialFund+`","unit_id":"lang-son","name":"Quỹ Xã hội","kind":"social","opened_on":"2024-01-01"}`)
	mustStatus(t, r, http.StatusCreated)
	var got fundJSON
	decodeInto(t, r, &got)
	want := fundJSON{
		FundID: socialFund, UnitID: "lang-son", Name: "Quỹ Xã hội", Kind: "social", AsOf: today,
		Position: got.Position, Balance: "0", LoansOutstanding: "0", Capital: "0",
		Totals: totals("0", "0", "0", "0", "0"),
	}
	if got != want {
		t.Errorf("POST /v1/funds = %+v, want %+v", got, want)
	}
	if got.Position == 0 {
		t.Errorf("POST /v1/funds position = 0, want the FundOpened event's position")
	}
	if loc := r.header.Get("Location"); loc != "/v1/funds/"+socialFund {
		t.Errorf("Location = %q, want /v1/funds/%s", loc, socialFund)
	}

	t.Run("replay", func(t *testing.T) {
		before := e.eventCount()
		again := e.post("/v1/funds", `{"fund_id":"`+socialFund+`","unit_id":"lang-son","name":"Quỹ Xã hội","kind":"social","opened_on":"2024-01-01"}`)
		mustStatus(t, again, http.StatusOK)
		if h := again.header.Get("Idempotent-Replay"); h != "true" {
			t.Errorf("Idempotent-Replay = %q, want true", h)
		}
		if !bytes.Equal(again.body, r.body) {
			t.Errorf("replay body = %s, want %s", again.body, r.body)
		}
		if after := e.eventCount(); after != before {
			t.Errorf("events after replay = %d, want %d", after, before)
		}
	})

	t.Run("replay after money moved answers the original result", func(t *testing.T) {
		e.donate(socialFund, "700000", "2024-02-01")
		again := e.post("/v1/funds", `{"fund_id":"`+socialFund+`","unit_id":"lang-son","name":"Quỹ Xã hội","kind":"social","opened_on":"2024-01-01"}`)
		mustStatus(t, again, http.StatusOK)
		if !bytes.Equal(again.body, r.body) {
			t.Errorf("replay body after a donation = %s, want the original %s", again.body, r.body)
		}
	})

	t.Run("server-made id and default opened_on", func(t *testing.T) {
		r := e.post("/v1/funds", `{"unit_id":"cao-loc","name":"Quỹ tương trợ","kind":"mutual_aid"}`)
		mustStatus(t, r, http.StatusCreated)
		var f fundJSON
		decodeInto(t, r, &f)
		if len(f.FundID) != 36 || f.FundID[14] != '7' {
			t.Errorf("fund_id = %q, want a UUIDv7", f.FundID)
		}
		var opened struct {
			OpenedOn string `json:"opened_on"`
		}
		decodeInto(t, r, &opened)
		if opened.OpenedOn != today {
			t.Errorf("opened_on = %q, want %s (today)", opened.OpenedOn, today)
		}
	})
}

// TestMoneyEvents records one event of each kind and checks every answer
// and the fund figures to the đồng.
func TestMoneyEvents(t *testing.T) {
	e := newEnv(t)
	e.units()
	e.openFund(socialFund, "lang-son", "social")
	e.openFund(capitalFund, "cao-loc", "capital_support")

	const (
		donationID = "0190a0b4-0000-7000-8000-0000000000a1"
		shelterID  = "0190a0b4-0000-7000-8000-0000000000a2"
		assistID   = "0190a0b4-0000-7000-8000-0000000000a3"
		loanID     = "0190a0b4-0000-7000-8000-0000000000a4"
		repayID    = "0190a0b4-0000-7000-8000-0000000000a5"
		reversalID = "0190a0b4-0000-7000-8000-0000000000a6"
	)
	tests := []struct {
		name, path, body string
		want             txResult
	}{
		{
			name: "donation",
			path: "/v1/funds/" + socialFund + "/donations",
			body: `{"transaction_id":"` + donationID + `","amount":"100000000","occurred_on":"2024-01-10","donor":{"name":"Công ty May Lạng Sơn","kind":"enterprise"},"campaign":"Tháng Công nhân","reference":"PT-001","note":"ủng hộ"}`,
			want: txResult{TransactionID: donationID, FundID: socialFund, Type: "DonationReceived", Amount: "100000000",
				OccurredOn: "2024-01-10", RecordedAt: fixedRecorded, BalanceAfter: "100000000"},
		},
		{
			name: "shelter grant",
			path: "/v1/funds/" + socialFund + "/shelter-grants",
			body: `{"transaction_id":"` + shelterID + `","beneficiary_id":"M001","amount":50000000,"shelter":"new_build","occurred_on":"2024-02-01","decision_no":"QĐ-12"}`,
			want: txResult{TransactionID: shelterID, FundID: socialFund, Type: "ShelterGrantPaid", Amount: "50000000",
				OccurredOn: "2024-02-01", RecordedAt: fixedRecorded, BalanceAfter: "50000000"},
		},
		{
			name: "assistance grant with a zero fraction",
			path: "/v1/funds/" + socialFund + "/assistance-grants",
			body: `{"transaction_id":"` + assistID + `","beneficiary_id":"M002","amount":"5000000.00","category":"serious_illness","occurred_on":"2024-03-01"}`,
			want: txResult{TransactionID: assistID, FundID: socialFund, Type: "AssistanceGranted", Amount: "5000000",
				OccurredOn: "2024-03-01", RecordedAt: fixedRecorded, BalanceAfter: "45000000"},
		},
		{
			name: "donation to the capital fund",
			path: "/v1/funds/" + capitalFund + "/donations",
			body: `{"amount":"200000000","occurred_on":"2024-01-02","donor":{"kind":"organization"}}`,
			want: txResult{FundID: capitalFund, Type: "DonationReceived", Amount: "200000000",
				OccurredOn: "2024-01-02", RecordedAt: fixedRecorded, BalanceAfter: "200000000"},
		},
		{
			name: "loan",
			path: "/v1/funds/" + capitalFund + "/loans",
			body: `{"loan_id":"` + loanID + `","beneficiary_id":"M003","amount":"30000000","occurred_on":"2024-02-01","due_on":"2025-02-01","project":"Dự án 7"}`,
			want: txResult{TransactionID: loanID, LoanID: loanID, FundID: capitalFund, Type: "LoanDisbursed", Amount: "30000000",
				OccurredOn: "2024-02-01", RecordedAt: fixedRecorded, BalanceAfter: "170000000"},
		},
		{
			name: "repayment",
			path: "/v1/funds/" + capitalFund + "/loans/" + loanID + "/repayments",
			body: `{"transaction_id":"` + repayID + `","amount":"10000000","occurred_on":"2024-03-01"}`,
			want: txResult{TransactionID: repayID, LoanID: loanID, FundID: capitalFund, Type: "LoanRepaid", Amount: "10000000",
				OccurredOn: "2024-03-01", RecordedAt: fixedRecorded, BalanceAfter: "180000000"},
		},
		{
			name: "reversal",
			path: "/v1/funds/" + socialFund + "/reversals",
			body: `{"transaction_id":"` + reversalID + `","reverses":"` + assistID + `","reason":"paid twice","occurred_on":"2024-04-01"}`,
			want: txResult{TransactionID: reversalID, Reverses: assistID, FundID: socialFund, Type: "TransactionReversed", Amount: "5000000",
				OccurredOn: "2024-04-01", RecordedAt: fixedRecorded, BalanceAfter: "50000000"},
		},
		{
			name: "donation dated today by default",
			path: "/v1/funds/" + socialFund + "/donations",
			body: `{"amount":1000000,"donor":{"kind":"anonymous"}}`,
			want: txResult{FundID: socialFund, Type: "DonationReceived", Amount: "1000000",
				OccurredOn: today, RecordedAt: fixedRecorded, BalanceAfter: "51000000"},
		},
	}
	var lastPos uint64
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := e.tx(tc.path, tc.body)
			if got.Position <= lastPos {
				t.Errorf("position = %d, want > %d (the previous write's)", got.Position, lastPos)
			}
			lastPos = got.Position
			if tc.want.TransactionID == "" {
				if len(got.TransactionID) != 36 {
					t.Errorf("transaction_id = %q, want a server-made UUID", got.TransactionID)
				}
				tc.want.TransactionID = got.TransactionID
			}
			tc.want.Position = got.Position
			if got != tc.want {
				t.Errorf("POST %s =\n %+v, want\n %+v", tc.path, got, tc.want)
			}
		})
	}

	t.Run("social fund figures", func(t *testing.T) {
		got := e.fund(socialFund, "").figures()
		want := figures{
			Balance: "51000000", LoansOutstanding: "0", Capital: "51000000",
			Totals:        totals("101000000", "50000000", "0", "0", "0"),
			Counts:        counts(2, 1, 0, 0, 0, 0, 1),
			Beneficiaries: beneficiariesJSON{Persons: 1, Times: 1},
		}
		if got != want {
			t.Errorf("GET /v1/funds/%s figures =\n %+v, want\n %+v", socialFund, got, want)
		}
	})
	t.Run("capital fund figures", func(t *testing.T) {
		got := e.fund(capitalFund, "").figures()
		want := figures{
			Balance: "180000000", LoansOutstanding: "20000000", Capital: "200000000",
			Totals:        totals("200000000", "0", "0", "30000000", "10000000"),
			Counts:        counts(1, 0, 0, 0, 1, 1, 0),
			Beneficiaries: beneficiariesJSON{Persons: 1, Times: 1},
		}
		if got != want {
			t.Errorf("GET /v1/funds/%s figures =\n %+v, want\n %+v", capitalFund, got, want)
		}
	})
}

// TestIdempotentReplay repeats a write: 200, Idempotent-Replay, the same
// body, nothing recorded — in the same process and after a restart.
func TestIdempotentReplay(t *testing.T) {
	e := newEnv(t)
	e.units()
	e.openFund(socialFund, "lang-son", "social")
	e.donate(socialFund, "100000000", "2024-01-10")

	writes := []struct{ name, path, body string }{
		{"donation", "/v1/funds/" + socialFund + "/donations",
			`{"transaction_id":"0190a0b4-0000-7000-8000-0000000000b1","amount":"2500000","occurred_on":"2024-02-01","donor":{"kind":"member"}}`},
		{"assistance grant", "/v1/funds/" + socialFund + "/assistance-grants",
			`{"transaction_id":"0190a0b4-0000-7000-8000-0000000000b2","beneficiary_id":"M001","amount":"1000000","category":"tet_gift","occurred_on":"2024-02-05"}`},
		{"shelter grant, amount as integer", "/v1/funds/" + socialFund + "/shelter-grants",
			`{"transaction_id":"0190a0b4-0000-7000-8000-0000000000b3","beneficiary_id":"M002","amount":30000000,"shelter":"repair"}`},
	}
	first := map[string][]byte{}
	for _, w := range writes {
		first[w.name] = e.mustCreate(w.path, w.body).body
	}
	// A later write moves the balance: a replay must still answer the
	// original balance_after.
	e.donate(socialFund, "7000000", "2024-03-01")

	check := func(t *testing.T) {
		before := e.eventCount()
		for _, w := range writes {
			t.Run(w.name, func(t *testing.T) {
				r := e.post(w.path, w.body)
				mustStatus(t, r, http.StatusOK)
				if h := r.header.Get("Idempotent-Replay"); h != "true" {
					t.Errorf("Idempotent-Replay = %q, want true", h)
				}
				if !bytes.Equal(r.body, first[w.name]) {
					t.Errorf("replay body =\n %s, want the original\n %s", r.body, first[w.name])
				}
			})
		}
		if after := e.eventCount(); after != before {
			t.Errorf("events after replays = %d, want %d (nothing recorded)", after, before)
		}
	}
	t.Run("same process", check)
	e.restart()
	t.Run("after restart", check)

	t.Run("a first write has no replay header", func(t *testing.T) {
		r := e.post("/v1/funds/"+socialFund+"/donations", `{"amount":"1","donor":{"kind":"member"}}`)
		mustStatus(t, r, http.StatusCreated)
		if h := r.header.Get("Idempotent-Replay"); h != "" {
			t.Errorf("Idempotent-Replay = %q on a first write, want none", h)
		}
	})
}

// TestReadYourWrites reads right after each write, without waiting: the
// write must be visible.
func TestReadYourWrites(t *testing.T) {
	e := newEnv(t)
	e.units()
	e.openFund(socialFund, "lang-son", "social")
	sum := 0
	for i := 1; i <= 20; i++ {
		e.donate(socialFund, fmt.Sprint(i), "2024-05-01")
		sum += i
		if got, want := e.fund(socialFund, "").Balance, fmt.Sprint(sum); got != want {
			t.Fatalf("balance after donation %d = %s, want %s", i, got, want)
		}
	}
}
