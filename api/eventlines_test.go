package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/api"
	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
)

// TestEventLinesAreTheEventsItems: every exported line is byte for byte
// the item GET /v1/events lists, and reads back into the stored event.
func TestEventLinesAreTheEventsItems(t *testing.T) {
	e := newEnv(t)
	e.units()
	e.openFund(socialFund, "lang-son", "social")
	e.donate(socialFund, "100000000", "2024-02-01")
	e.grant(socialFund, "LS-0001", "25000000", "2024-03-01")
	// Text an encoder could escape differently: HTML characters, a line
	// separator, quotes and Vietnamese.
	e.tx("/v1/funds/"+socialFund+"/donations",
		`{"amount":"5000","occurred_on":"2024-03-02","donor":{"kind":"enterprise","name":"Công ty <A&B> \"Đông Á\""},"note":"a\\b"}`)

	var page struct {
		Items []json.RawMessage `json:"items"`
	}
	decodeInto(t, e.get("/v1/events?limit=1000"), &page)
	stored, err := e.store.ReadAll(context.Background(), 0, domain.MaxReadBatch)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Items) != len(stored) || len(stored) < 5 {
		t.Fatalf("GET /v1/events lists %d events, the store holds %d", len(page.Items), len(stored))
	}
	for i, se := range stored {
		line, err := api.AppendEventLine(nil, se)
		if err != nil {
			t.Fatalf("AppendEventLine(position %d) = %v", se.Position, err)
		}
		if want := append(append([]byte{}, page.Items[i]...), '\n'); !bytes.Equal(line, want) {
			t.Errorf("line of position %d:\n got %s\nwant %s", se.Position, line, want)
		}
		back, err := api.ParseEventLine(line)
		if err != nil {
			t.Fatalf("ParseEventLine(%s) = %v", line, err)
		}
		if back.Position != se.Position || back.Stream != se.Stream || back.Revision != se.Revision || back.ID != se.ID ||
			back.Type != se.Type || !bytes.Equal(back.Data, se.Data) || !bytes.Equal(back.Metadata, se.Metadata) {
			t.Errorf("ParseEventLine(AppendEventLine(%+v)) = %+v", se, back)
		}
	}
}

func TestParseEventLineRefusesWhatTheExportDoesNotWrite(t *testing.T) {
	e := newEnv(t)
	e.units()
	stored, err := e.store.ReadAll(context.Background(), 0, 1)
	if err != nil {
		t.Fatal(err)
	}
	line, err := api.AppendEventLine(nil, stored[0])
	if err != nil {
		t.Fatal(err)
	}
	text := string(line)
	tests := []struct {
		name string
		line string
	}{
		{"cut within the line", text[:len(text)/2]},
		{"a space after a colon", strings.Replace(text, `"position":`, `"position": `, 1)},
		{"members reordered", strings.Replace(strings.Replace(text, `"position":1,"stream":`, `"stream":`, 1), `,"revision":`, `,"position":1,"revision":`, 1)},
		{"an unknown member", strings.Replace(text, `{"position"`, `{"extra":1,"position"`, 1)},
		{"a member missing", strings.Replace(text, `"schema":1,`, ``, 1)},
		{"recorded_at written another way", strings.Replace(text, `Z"`, `+00:00"`, 1)},
		{"two values", strings.TrimSuffix(text, "\n") + " {}"},
		{"an escaped letter", escapeFirstLetter(text, `"stream":"`)},
		{"empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.line == text {
				t.Fatal("the edit changed nothing")
			}
			if _, err := api.ParseEventLine([]byte(tt.line)); !errors.Is(err, api.ErrEventLine) {
				t.Errorf("ParseEventLine(%s) = %v, want ErrEventLine", tt.line, err)
			}
		})
	}
	if _, err := api.ParseEventLine(line); err != nil {
		t.Errorf("ParseEventLine(the line itself) = %v", err)
	}
}

// TestFundListIsGetFunds: AppendFundList writes what GET /v1/funds answers.
func TestFundListIsGetFunds(t *testing.T) {
	e := newEnv(t)
	e.units()
	e.openFund(socialFund, "lang-son", "social")
	e.openFund(capitalFund, "cao-loc", "capital_support")
	e.donate(socialFund, "100000000", "2024-02-01")
	e.grant(socialFund, "LS-0001", "25000000", "2024-03-01")
	r := e.get("/v1/funds?limit=1000")
	mustStatus(t, r, 200)
	items, _ := e.proj.Funds(projections.FundFilter{}, domain.DateOf(fixedNow), 0, 1000)
	got, err := api.AppendFundList(nil, items, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, r.body) {
		t.Errorf("AppendFundList:\n got %s\nwant %s", got, r.body)
	}
}

// escapeFirstLetter writes the letter after key as a \u escape, which a
// JSON reader reads as the same letter.
func escapeFirstLetter(text, key string) string {
	i := strings.Index(text, key) + len(key)
	return text[:i] + fmt.Sprintf(`\u%04x`, text[i]) + text[i+1:]
}
