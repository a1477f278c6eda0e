package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// A \u escape of half a surrogate pair without its other half is no
// character: anywhere in a body it is 400 invalid_json and records nothing
// (encoding/json would store it as U+FFFD, so that two different payloads
// would be the same one). A whole pair is the character it escapes.
func TestLoneSurrogatesAreInvalidJSON(t *testing.T) {
	e := newEnv(t)
	e.units()
	e.openFund(socialFund, "lang-son", "social")
	path := "/v1/funds/" + socialFund + "/donations"
	lone := []struct{ name, body string }{
		{"high inside a text", `{"amount":"1","donor":{"kind":"member","name":"a\ud800b"}}`},
		{"low alone", `{"amount":"1","donor":{"kind":"member","name":"\udc00"}}`},
		{"high at the end of a text", `{"amount":"1","donor":{"kind":"member","name":"x\ud800"}}`},
		{"low before high", `{"amount":"1","note":"\ude00\ud83d"}`},
		{"high before a plain escape", `{"amount":"1","note":"\ud83d\u0041"}`},
		{"two highs then a low", `{"amount":"1","note":"\ud83d\ud83d\ude00"}`},
		{"in a key", `{"amount":"1","\ud800":1}`},
		{"in an unknown member's array", `{"amount":"1","x":["\udbff"]}`},
		{"upper-case hex", `{"amount":"1","note":"\uD800"}`},
	}
	for _, tc := range lone {
		t.Run(tc.name, func(t *testing.T) {
			before := e.eventCount()
			p := mustProblem(t, e.post(path, tc.body), http.StatusBadRequest, "invalid_json")
			if !strings.Contains(p.Detail, "surrogate") {
				t.Errorf("POST %s: detail = %q, want it to name the lone surrogate", tc.body, p.Detail)
			}
			if after := e.eventCount(); after != before {
				t.Errorf("POST %s recorded %d events, want none", tc.body, after-before)
			}
		})
	}

	t.Run("a whole pair is its character", func(t *testing.T) {
		res := e.tx(path, `{"amount":"1","donor":{"kind":"member","name":"Nh\u00e0 \ud83c\udfe0 \uD83D\uDE00"},"note":"\\ud800 is text"}`)
		r := e.get("/v1/funds/" + socialFund + "/transactions")
		mustStatus(t, r, http.StatusOK)
		var page struct {
			Items []struct {
				TransactionID string `json:"transaction_id"`
				Donor         struct {
					Name string `json:"name"`
				} `json:"donor"`
				Note string `json:"note"`
			} `json:"items"`
		}
		decodeInto(t, r, &page)
		for _, it := range page.Items {
			if it.TransactionID != res.TransactionID {
				continue
			}
			if want := "Nhà 🏠 😀"; it.Donor.Name != want {
				t.Errorf("donor.name = %q, want %q", it.Donor.Name, want)
			}
			if want := `\ud800 is text`; it.Note != want {
				t.Errorf("note = %q, want %q", it.Note, want)
			}
			return
		}
		t.Errorf("transaction %s is not listed: %s", res.TransactionID, r.body)
	})
}
