package api_test

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"math/big"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/welfare-ledger/welfare-ledger/api"
	"github.com/welfare-ledger/welfare-ledger/domain"
)

type statementJSON struct {
	FundID         string              `json:"fund_id"`
	Name           string              `json:"name"`
	UnitID         string              `json:"unit_id"`
	From           string              `json:"from"`
	To             string              `json:"to"`
	OpeningBalance string              `json:"opening_balance"`
	TotalIn        string              `json:"total_in"`
	TotalOut       string              `json:"total_out"`
	ClosingBalance string              `json:"closing_balance"`
	Lines          []statementLineJSON `json:"lines"`
}

type statementLineJSON struct {
	OccurredOn    string `json:"occurred_on"`
	Position      uint64 `json:"position"`
	TransactionID string `json:"transaction_id"`
	Type          string `json:"type"`
	Direction     string `json:"direction"`
	Amount        string `json:"amount"`
	Balance       string `json:"balance"`
	Reference     string `json:"reference"`
	Description   string `json:"description"`
	BeneficiaryID string `json:"beneficiary_id"`
	LoanID        string `json:"loan_id"`
	Reverses      string `json:"reverses"`
}

// statementHistory records, in a social and a capital-support fund, every
// kind of money event, some back-dated (recorded after later-dated ones),
// and reversals of a grant, a donation and a repayment.
func statementHistory(e *env) (grant, donation string) {
	e.units()
	e.openFund(socialFund, "lang-son", "social")
	e.openFund(capitalFund, "lang-son", "capital_support")
	e.tx("/v1/funds/"+socialFund+"/donations", `{"amount":"50000000","occurred_on":"2024-01-10","donor":{"kind":"enterprise","name":"Công ty <May> & Co"},"reference":"PT-01","note":"Tết"}`)
	e.tx("/v1/funds/"+socialFund+"/shelter-grants", `{"beneficiary_id":"LS-0001","amount":"20000000","shelter":"repair","occurred_on":"2024-02-01","decision_no":"12/QĐ"}`)
	grant = e.grant(socialFund, "LS-0002", "3000000", "2024-03-05").TransactionID
	donation = e.donate(socialFund, "7000000", "2024-03-05").TransactionID
	e.donate(socialFund, "1000000", "2024-01-20") // back-dated: recorded after March
	e.tx("/v1/funds/"+socialFund+"/reversals", fmt.Sprintf(`{"reverses":%q,"reason":"nhập nhầm","occurred_on":"2024-04-01"}`, grant))
	e.tx("/v1/funds/"+socialFund+"/reversals", fmt.Sprintf(`{"reverses":%q,"reason":"trả lại","occurred_on":"2024-04-02"}`, donation))
	e.donate(capitalFund, "100000000", "2024-01-05")
	loan := e.tx("/v1/funds/"+capitalFund+"/loans", `{"beneficiary_id":"LS-0003","amount":"30000000","occurred_on":"2024-02-10","project":"DA-1"}`).TransactionID
	rep := e.tx("/v1/funds/"+capitalFund+"/loans/"+loan+"/repayments", `{"amount":"5000000","occurred_on":"2024-03-10","note":"kỳ 1"}`).TransactionID
	e.tx("/v1/funds/"+capitalFund+"/reversals", fmt.Sprintf(`{"reverses":%q,"reason":"sai số","occurred_on":"2024-03-11"}`, rep))
	return grant, donation
}

func atoi(t *testing.T, s string) *big.Int {
	t.Helper()
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		t.Fatalf("amount %q is not digits", s)
	}
	return n
}

// checkStatement checks a JSON statement against its own definition and
// against the fund summaries for the same dates: opening = balance at the
// end of the day before from, lines in (date, position) order, each
// running balance the previous one plus or minus its amount, totals the
// sums of the lines, closing = opening + in - out = balance as of to.
func checkStatement(t *testing.T, e *env, fund string, st statementJSON, from, to string) {
	t.Helper()
	if st.FundID != fund || st.From != from || st.To != to {
		t.Errorf("statement of %s %s..%s, want %s %s..%s", st.FundID, st.From, st.To, fund, from, to)
	}
	start, err := time.Parse(time.DateOnly, from)
	if err != nil {
		t.Fatal(err)
	}
	prev := start.AddDate(0, 0, -1).Format(time.DateOnly)
	if got, want := st.OpeningBalance, e.fund(fund, "?as_of="+prev).Balance; got != want {
		t.Errorf("opening_balance = %s, want the balance as of %s, %s", got, prev, want)
	}
	if got, want := st.ClosingBalance, e.fund(fund, "?as_of="+to).Balance; got != want {
		t.Errorf("closing_balance = %s, want the balance as of %s, %s", got, to, want)
	}
	balance := atoi(t, st.OpeningBalance)
	in, out := new(big.Int), new(big.Int)
	for i, l := range st.Lines {
		if l.OccurredOn < from || l.OccurredOn > to {
			t.Errorf("line %d dated %s, outside %s..%s", i, l.OccurredOn, from, to)
		}
		if i > 0 {
			p := st.Lines[i-1]
			if p.OccurredOn > l.OccurredOn || (p.OccurredOn == l.OccurredOn && p.Position >= l.Position) {
				t.Errorf("line %d (%s, %d) after (%s, %d): want (occurred_on, position) order", i, l.OccurredOn, l.Position, p.OccurredOn, p.Position)
			}
		}
		amt := atoi(t, l.Amount)
		switch l.Direction {
		case "in":
			balance.Add(balance, amt)
			in.Add(in, amt)
		case "out":
			balance.Sub(balance, amt)
			out.Add(out, amt)
		default:
			t.Errorf("line %d direction %q", i, l.Direction)
		}
		if got := atoi(t, l.Balance); got.Cmp(balance) != 0 {
			t.Errorf("line %d balance = %s, want %s", i, got, balance)
		}
	}
	if atoi(t, st.TotalIn).Cmp(in) != 0 || atoi(t, st.TotalOut).Cmp(out) != 0 || atoi(t, st.ClosingBalance).Cmp(balance) != 0 {
		t.Errorf("totals in %s out %s closing %s, want %s %s %s", st.TotalIn, st.TotalOut, st.ClosingBalance, in, out, balance)
	}
}

func TestStatement(t *testing.T) {
	e := newEnv(t)
	grant, donation := statementHistory(e)
	tests := []struct {
		name, fund, query, from, to string
		lines                       int
	}{
		{"whole history", socialFund, "", "2024-01-01", today, 7},
		{"a period", socialFund, "?from=2024-01-15&to=2024-03-31", "2024-01-15", "2024-03-31", 4},
		{"one day", socialFund, "?from=2024-03-05&to=2024-03-05", "2024-03-05", "2024-03-05", 2},
		{"before any money", socialFund, "?to=2024-01-05", "2024-01-01", "2024-01-05", 0},
		{"loans and a reversed repayment", capitalFund, "?from=2024-02-01", "2024-02-01", today, 3},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := e.get("/v1/funds/" + tc.fund + "/statement" + tc.query)
			mustStatus(t, r, http.StatusOK)
			var st statementJSON
			decodeInto(t, r, &st)
			if len(st.Lines) != tc.lines {
				t.Errorf("%d lines, want %d", len(st.Lines), tc.lines)
			}
			checkStatement(t, e, tc.fund, st, tc.from, tc.to)
		})
	}

	var st statementJSON
	decodeInto(t, e.get("/v1/funds/"+socialFund+"/statement"), &st)
	byTx := map[string]statementLineJSON{}
	for _, l := range st.Lines {
		byTx[l.TransactionID] = l
		if l.Reverses != "" {
			byTx["reversal of "+l.Reverses] = l
		}
	}
	if l := byTx["reversal of "+grant]; l.Direction != "in" || l.Description != "nhập nhầm" {
		t.Errorf("reversal of a grant = %+v, want direction in and the reason", l)
	}
	if l := byTx["reversal of "+donation]; l.Direction != "out" {
		t.Errorf("reversal of a donation = %+v, want direction out", l)
	}
	first := st.Lines[0]
	if first.Reference != "PT-01" || first.Description != "Công ty <May> & Co — Tết" || first.Type != "DonationReceived" {
		t.Errorf("first line = %+v, want the donation's reference, donor and note", first)
	}
	if l := st.Lines[2]; l.Reference != "12/QĐ" || l.BeneficiaryID != "LS-0001" {
		t.Errorf("shelter grant line = %+v, want decision_no as reference and the beneficiary", l)
	}
}

// statementCSV fetches and parses a CSV statement, checking the BOM.
func statementCSV(t *testing.T, e *env, path string, headers ...string) [][]string {
	t.Helper()
	r := e.request(http.MethodGet, path, "", headers...)
	mustStatus(t, r, http.StatusOK)
	if ct := r.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" {
		t.Errorf("Content-Type = %q, want text/csv; charset=utf-8", ct)
	}
	body, ok := bytes.CutPrefix(r.body, []byte("\xef\xbb\xbf"))
	if !ok {
		t.Fatalf("CSV does not start with a UTF-8 byte-order mark: %q", r.body[:min(len(r.body), 16)])
	}
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v", err)
	}
	return rows
}

// checkTable checks the rows of a CSV or XLSX statement against the JSON
// one: the header, the opening row, a row per line with its running
// balance, and the closing row with the totals.
func checkTable(t *testing.T, rows [][]string, st statementJSON) {
	t.Helper()
	header := []string{"Ngày", "Số chứng từ", "Loại", "Diễn giải", "Thu", "Chi", "Tồn", "Mã giao dịch", "Vị trí"}
	if len(rows) != len(st.Lines)+3 {
		t.Fatalf("%d rows, want header, opening, %d lines and closing", len(rows), len(st.Lines))
	}
	if !slices.Equal(rows[0], header) {
		t.Errorf("header = %q, want %q", rows[0], header)
	}
	pad := func(r []string) []string { return append(r, make([]string, 9-len(r))...) }
	if got := pad(rows[1]); got[3] != "Số dư đầu kỳ" || got[6] != st.OpeningBalance || got[4] != "" || got[5] != "" {
		t.Errorf("opening row = %q, want Số dư đầu kỳ and %s in Tồn", got, st.OpeningBalance)
	}
	last := pad(rows[len(rows)-1])
	if last[3] != "Số dư cuối kỳ" || last[4] != st.TotalIn || last[5] != st.TotalOut || last[6] != st.ClosingBalance {
		t.Errorf("closing row = %q, want Số dư cuối kỳ, %s, %s, %s", last, st.TotalIn, st.TotalOut, st.ClosingBalance)
	}
	balance := atoi(t, st.OpeningBalance)
	for i, l := range st.Lines {
		row := pad(rows[i+2])
		want := l.OccurredOn[8:10] + "/" + l.OccurredOn[5:7] + "/" + l.OccurredOn[0:4]
		if row[0] != want || row[7] != l.TransactionID || row[8] != strconv.FormatUint(l.Position, 10) {
			t.Errorf("row %d = %q, want date %s, id %s, position %d", i+2, row, want, l.TransactionID, l.Position)
		}
		switch {
		case row[4] != "" && row[5] == "":
			balance.Add(balance, atoi(t, row[4]))
		case row[5] != "" && row[4] == "":
			balance.Sub(balance, atoi(t, row[5]))
		default:
			t.Errorf("row %d = %q: want exactly one of Thu and Chi", i+2, row)
		}
		if atoi(t, row[6]).Cmp(balance) != 0 {
			t.Errorf("row %d Tồn = %s, want the running balance %s", i+2, row[6], balance)
		}
		if row[1] != l.Reference || row[3] != l.Description {
			t.Errorf("row %d voucher %q description %q, want %q %q", i+2, row[1], row[3], l.Reference, l.Description)
		}
	}
}

func TestStatementCSVAndXLSX(t *testing.T) {
	e := newEnv(t)
	statementHistory(e)
	var st statementJSON
	decodeInto(t, e.get("/v1/funds/"+socialFund+"/statement?from=2024-01-15"), &st)

	checkTable(t, statementCSV(t, e, "/v1/funds/"+socialFund+"/statement?from=2024-01-15&format=csv"), st)
	checkTable(t, statementCSV(t, e, "/v1/funds/"+socialFund+"/statement?from=2024-01-15", "Accept", "text/csv"), st)

	for _, how := range []struct{ query, accept string }{
		{"&format=xlsx", ""},
		{"", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
	} {
		r := e.request(http.MethodGet, "/v1/funds/"+socialFund+"/statement?from=2024-01-15"+how.query, "", "Accept", how.accept)
		mustStatus(t, r, http.StatusOK)
		f, err := excelize.OpenReader(bytes.NewReader(r.body))
		if err != nil {
			t.Fatalf("XLSX: %v", err)
		}
		rows, err := f.GetRows("Sổ quỹ")
		if err != nil {
			t.Fatalf("XLSX rows: %v", err)
		}
		checkTable(t, rows, st)
		// Amounts are number cells, so that a spreadsheet adds them.
		for _, cell := range []string{"G2", "E3", "G3"} {
			typ, err := f.GetCellType("Sổ quỹ", cell)
			if err != nil || (typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset) {
				t.Errorf("XLSX %s type = %v (%v), want a number", cell, typ, err)
			}
		}
		f.Close()
	}
}

// Officials get the statement's figures without the fields that may name
// a person: no beneficiary id, voucher reference, description, loan id or
// reversed id in JSON, and empty voucher and description cells in CSV.
func TestStatementForOfficials(t *testing.T) {
	e := newEnv(t)
	statementHistory(e)
	official := e.issueToken(nil, domain.RoleOfficial, "lang-son")
	auth := "Bearer " + official
	for _, fund := range []string{socialFund, capitalFund} {
		r := e.request(http.MethodGet, "/v1/funds/"+fund+"/statement", "", "Authorization", auth)
		mustStatus(t, r, http.StatusOK)
		for _, key := range []string{"beneficiary_id", "reference", "description", "loan_id", "reverses"} {
			if bytes.Contains(r.body, []byte(`"`+key+`"`)) {
				t.Errorf("official's statement of %s has %q", fund, key)
			}
		}
		for _, marker := range []string{"LS-000", "Công ty", "PT-01", "nhập nhầm", "kỳ 1"} {
			if bytes.Contains(r.body, []byte(marker)) {
				t.Errorf("official's statement of %s shows %q", fund, marker)
			}
		}
		rows := statementCSV(t, e, "/v1/funds/"+fund+"/statement?format=csv", "Authorization", auth)
		for _, row := range rows[2 : len(rows)-1] {
			if row[1] != "" || row[3] != "" {
				t.Errorf("official's CSV row %q has a voucher or description", row)
			}
		}
	}
	out := e.request(http.MethodGet, "/v1/funds/"+socialFund+"/statement", "", "Authorization", "Bearer "+e.issueToken(nil, domain.RoleOfficial, "cao-loc"))
	mustProblem(t, out, http.StatusForbidden, "forbidden")
}

func TestStatementBadInput(t *testing.T) {
	e := newEnv(t)
	statementHistory(e)
	tests := []struct {
		name, path string
		status     int
		code       string
		field      string
	}{
		{"from after to", "?from=2024-03-01&to=2024-02-01", 422, "validation_failed", "from"},
		{"to before the opening", "?to=2023-12-31", 422, "validation_failed", "to"},
		{"malformed date", "?from=2024-02-30", 422, "validation_failed", "from"},
		{"year before 1900", "?from=1899-12-31", 422, "validation_failed", "from"},
		{"unknown format", "?format=pdf", 422, "validation_failed", "format"},
		{"unknown parameter", "?as_of=2024-01-01", 422, "validation_failed", "as_of"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := mustProblem(t, e.get("/v1/funds/"+socialFund+"/statement"+tc.path), tc.status, tc.code)
			if !slices.Contains(p.fields(), tc.field) {
				t.Errorf("problem fields %v, want %q", p.fields(), tc.field)
			}
		})
	}
	mustProblem(t, e.get("/v1/funds/"+unknownID+"/statement"), http.StatusNotFound, "not_found")

	// A spreadsheet holds 2^20 rows: a statement with more lines than that
	// (here, with the limit lowered to 9 rows: 6 lines and the header,
	// opening and closing rows) is refused as XLSX, not cut.
	defer api.SetMaxXLSXRows(9)()
	mustStatus(t, e.get("/v1/funds/"+socialFund+"/statement?to=2024-04-01&format=xlsx"), http.StatusOK) // 6 lines
	p := mustProblem(t, e.get("/v1/funds/"+socialFund+"/statement?format=xlsx"), http.StatusUnprocessableEntity, "validation_failed")
	if !slices.Contains(p.fields(), "format") {
		t.Errorf("problem fields %v, want format", p.fields())
	}
	mustStatus(t, e.get("/v1/funds/"+socialFund+"/statement?format=csv"), http.StatusOK)
	if r := e.get("/v1/funds/" + socialFund + "/statement?from=2024-03-01&to=2024-02-01"); strings.Contains(string(r.body), "lines") {
		t.Errorf("a refused statement wrote lines: %s", r.body)
	}
}
