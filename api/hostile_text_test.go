package api_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// textField is one free-text field of one write. body returns the path and
// a body that is valid but for the field, which holds v; it may record
// events first (a reversal needs a transaction to reverse), so the event
// count is taken after it.
type textField struct {
	write, field string
	limit        int
	body         func(e *env, n int, v string) (path, body string)
}

// jsonString encodes v as a JSON string (control characters escaped, as a
// client's encoder would).
func jsonString(v string) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func textFields() []textField {
	s := "/v1/funds/" + socialFund
	c := "/v1/funds/" + capitalFund
	const (
		unit   = `{"unit_id":"u-%d","name":%s}`
		fund   = `{"unit_id":"vgcl","kind":"social","name":%s}`
		donate = `{"amount":"1","donor":{"kind":"member"},"%s":%s}`
		shelt  = `{"beneficiary_id":"M001","amount":"1","shelter":"repair","%s":%s}`
		assist = `{"beneficiary_id":"M001","amount":"1","category":"death","note":%s}`
		loan   = `{"beneficiary_id":"M001","amount":"1","%s":%s}`
		repay  = `{"amount":"1","note":%s}`
	)
	fields := []textField{
		{"units", "name", domain.MaxNameLen, func(_ *env, n int, v string) (string, string) {
			return "/v1/units", fmt.Sprintf(unit, n, jsonString(v))
		}},
		{"funds", "name", domain.MaxNameLen, func(_ *env, _ int, v string) (string, string) {
			return "/v1/funds", fmt.Sprintf(fund, jsonString(v))
		}},
		{"donations", "donor.name", domain.MaxNameLen, func(_ *env, _ int, v string) (string, string) {
			return s + "/donations", `{"amount":"1","donor":{"kind":"member","name":` + jsonString(v) + `}}`
		}},
		{"assistance-grants", "note", domain.MaxNoteLen, func(_ *env, _ int, v string) (string, string) {
			return s + "/assistance-grants", fmt.Sprintf(assist, jsonString(v))
		}},
		{"repayments", "note", domain.MaxNoteLen, func(_ *env, _ int, v string) (string, string) {
			return c + "/loans/" + l1 + "/repayments", fmt.Sprintf(repay, jsonString(v))
		}},
		{"reversals", "reason", domain.MaxNoteLen, func(e *env, _ int, v string) (string, string) {
			d := e.donate(socialFund, "1", "2024-06-30")
			return s + "/reversals", `{"reverses":"` + d.TransactionID + `","reason":` + jsonString(v) + `}`
		}},
	}
	for _, f := range []struct {
		name  string
		limit int
	}{{"campaign", domain.MaxRefLen}, {"reference", domain.MaxRefLen}, {"note", domain.MaxNoteLen}} {
		fields = append(fields, textField{"donations", f.name, f.limit, func(_ *env, _ int, v string) (string, string) {
			return s + "/donations", fmt.Sprintf(donate, f.name, jsonString(v))
		}})
	}
	for _, f := range []struct {
		name  string
		limit int
	}{{"decision_no", domain.MaxRefLen}, {"note", domain.MaxNoteLen}} {
		fields = append(fields, textField{"shelter-grants", f.name, f.limit, func(_ *env, _ int, v string) (string, string) {
			return s + "/shelter-grants", fmt.Sprintf(shelt, f.name, jsonString(v))
		}})
	}
	for _, f := range []struct {
		name  string
		limit int
	}{{"project", domain.MaxRefLen}, {"note", domain.MaxNoteLen}} {
		fields = append(fields, textField{"loans", f.name, f.limit, func(_ *env, _ int, v string) (string, string) {
			return c + "/loans", fmt.Sprintf(loan, f.name, jsonString(v))
		}})
	}
	return fields
}

// TestHostileTextFields checks every free-text field of every write at its
// length limit (in characters, not bytes), one character beyond it, and with
// each kind of character checkText refuses: accepted at the bound, and
// otherwise a validation_failed naming exactly that field, with nothing
// recorded.
func TestHostileTextFields(t *testing.T) {
	e := newEnv(t)
	rejectionFixture(e)
	h := &logHead{e: e}
	values := []struct {
		name string
		v    func(limit int) string
		ok   bool
	}{
		{"at the limit, ASCII", func(n int) string { return strings.Repeat("a", n) }, true},
		// "ạ" is three bytes in UTF-8: the limit counts characters.
		{"at the limit, Vietnamese", func(n int) string { return strings.Repeat("ạ", n) }, true},
		{"one over the limit", func(n int) string { return strings.Repeat("a", n+1) }, false},
		{"far over the limit", func(n int) string { return strings.Repeat("Lạng Sơn ", n) }, false},
		{"NUL", func(int) string { return "Quỹ\x00" }, false},
		{"escape sequence", func(int) string { return "Quỹ\x1b[31m" }, false},
		{"tab", func(int) string { return "a\tb" }, false},
		{"line feed", func(int) string { return "dòng 1\ndòng 2" }, false},
		{"carriage return", func(int) string { return "dòng 1\r\ndòng 2" }, false},
		{"DEL", func(int) string { return "a\x7f" }, false},
		{"C1 next line", func(int) string { return "a\u0085b" }, false},
		{"line separator", func(int) string { return "a\u2028b" }, false},
		{"right-to-left override", func(int) string { return "Công ty \u202eA" }, false},
		{"bidi isolate", func(int) string { return "\u2066A\u2069" }, false},
	}
	n := 0
	for _, f := range textFields() {
		for _, val := range values {
			t.Run(f.write+"/"+f.field+"/"+val.name, func(t *testing.T) {
				n++
				path, body := f.body(e, n, val.v(f.limit))
				before := h.now()
				r := e.post(path, body)
				after := h.now()
				if val.ok {
					mustStatus(t, r, http.StatusCreated)
					if after <= before {
						t.Errorf("log head = %d after a write, want beyond %d", after, before)
					}
					return
				}
				p := mustProblem(t, r, http.StatusUnprocessableEntity, "validation_failed")
				if len(p.Errors) != 1 || p.Errors[0].Field != f.field {
					t.Errorf("POST %s: errors = %+v, want one naming %s", path, p.Errors, f.field)
				}
				if after != before {
					t.Errorf("log head = %d after a rejection, want %d", after, before)
				}
			})
		}
	}
}

// TestHostileRawControlInJSON: a raw control character inside a JSON string
// is not JSON at all (RFC 8259 §7), so it is invalid_json before any field
// is read.
func TestHostileRawControlInJSON(t *testing.T) {
	e := newEnv(t)
	rejectionFixture(e)
	h := &logHead{e: e}
	for _, c := range []string{"\x00", "\t", "\n", "\x1f"} {
		before := h.now()
		r := e.post(sDonations, `{"amount":"1",`+goodDonor+`,"note":"a`+c+`b"}`)
		mustProblem(t, r, http.StatusBadRequest, "invalid_json")
		if after := h.now(); after != before {
			t.Errorf("raw %q: log head = %d, want %d", c, after, before)
		}
	}
}
