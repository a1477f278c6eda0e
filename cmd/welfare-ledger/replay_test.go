package main

import (
	"encoding/json"
	"errors"
	"io/fs"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestReplayJSONIsGetFunds: replay --json prints what GET /v1/funds
// answers, byte for byte; with --as-of and --unit, the summaries GET
// /v1/funds/{id}?as_of= answers, of the funds of the subtree opened by then.
func TestReplayJSONIsGetFunds(t *testing.T) {
	dir, base, token := servedLedger(t)
	out, stderr, err := runCLI(t, "replay", "--data", dir, "--json")
	if err != nil {
		t.Fatalf("replay --json = %v; %s", err, stderr)
	}
	status, body := call(t, http.MethodGet, base+"/v1/funds?limit=1000", token, "")
	if status != http.StatusOK || out != string(body) {
		t.Errorf("replay --json:\n%s\nGET /v1/funds = %d:\n%s", out, status, body)
	}
	if !strings.Contains(stderr, "replay: ") || !strings.Contains(stderr, " events in ") {
		t.Errorf("stderr %q, want the progress's last line", stderr)
	}

	tests := []struct {
		name  string
		args  []string
		funds []string
	}{
		{"as of a date before a fund opened", []string{"--as-of", "2024-04-30"}, []string{exportSocial, exportCapital}},
		{"as of the day it opened", []string{"--as-of", "2024-05-01"}, []string{exportSocial, exportCapital, exportLate}},
		{"a unit's subtree", []string{"--as-of", "2021-12-31", "--unit", "lang-son"}, []string{exportSocial, exportCapital}},
		{"a leaf unit", []string{"--as-of", "2020-01-31", "--unit", "cao-loc"}, []string{exportCapital}},
		{"before every fund", []string{"--as-of", "2017-12-31"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, err := runCLI(t, append([]string{"replay", "--data", dir, "--json"}, tt.args...)...)
			if err != nil {
				t.Fatalf("replay = %v; %s", err, stderr)
			}
			var got struct {
				Items      []json.RawMessage `json:"items"`
				NextCursor *string           `json:"next_cursor"`
			}
			if err := json.Unmarshal([]byte(out), &got); err != nil || got.Items == nil || got.NextCursor != nil {
				t.Fatalf("replay printed %q (%v), want {\"items\":[…],\"next_cursor\":null}", out, err)
			}
			if len(got.Items) != len(tt.funds) {
				t.Fatalf("replay lists %d funds, want %d: %s", len(got.Items), len(tt.funds), out)
			}
			asOf := tt.args[1]
			for i, id := range tt.funds {
				status, body := call(t, http.MethodGet, base+"/v1/funds/"+id+"?as_of="+asOf, token, "")
				if want := strings.TrimSuffix(string(body), "\n"); status != http.StatusOK || string(got.Items[i]) != want {
					t.Errorf("item %d:\n got %s\nwant GET /v1/funds/%s?as_of=%s = %d %s", i, got.Items[i], id, asOf, status, want)
				}
			}
		})
	}
}

// TestReplayTable: the table lists the funds with their figures written the
// Vietnamese way, its columns aligned.
// replay --known-at is GET /v1/funds?known_at=, byte for byte, at every
// instant of the history: the recording time of each event, and before
// the first.
func TestReplayKnownAtIsGetFunds(t *testing.T) {
	dir, base, token := servedLedger(t)
	status, body := call(t, http.MethodGet, base+"/v1/events?limit=1000", token, "")
	var events struct {
		Items []struct {
			RecordedAt string `json:"recorded_at"`
		} `json:"items"`
	}
	if err := json.Unmarshal(body, &events); status != http.StatusOK || err != nil || len(events.Items) < 3 {
		t.Fatalf("GET /v1/events = %d %v %s", status, err, body)
	}
	instants := []string{"2000-01-01T00:00:00Z"}
	for _, i := range []int{0, len(events.Items) / 2, len(events.Items) - 1} {
		instants = append(instants, events.Items[i].RecordedAt)
	}
	seen := map[string]bool{}
	for _, at := range instants {
		out, stderr, err := runCLI(t, "replay", "--data", dir, "--json", "--known-at", at)
		if err != nil {
			t.Fatalf("replay --known-at %s = %v; %s", at, err, stderr)
		}
		seen[out] = true
		status, body := call(t, http.MethodGet, base+"/v1/funds?limit=1000&known_at="+url.QueryEscape(at), token, "")
		if status != http.StatusOK || out != string(body) {
			t.Errorf("replay --json --known-at %s:\n%s\nGET /v1/funds?known_at= = %d:\n%s", at, out, status, body)
		}
	}
	if len(seen) < 3 {
		t.Errorf("replay --known-at gave %d different answers at %d instants, want the history to show", len(seen), len(instants))
	}
}

func TestReplayTable(t *testing.T) {
	dir, _, _ := servedLedger(t)
	out, stderr, err := runCLI(t, "replay", "--data", dir, "--as-of", "2021-12-31")
	if err != nil {
		t.Fatalf("replay = %v; %s", err, stderr)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 5 {
		t.Fatalf("replay printed %d lines, want a title, a blank, a heading and 2 funds:\n%s", len(lines), out)
	}
	if want := "2 funds opened by 2021-12-31"; !strings.HasPrefix(lines[0], want) {
		t.Errorf("title %q, want %q…", lines[0], want)
	}
	// Balance 1.027.000.000 − 60.000.000 − 5.000.000; 200.000.000 − 50.000.000
	// + 10.000.000 with 40.000.000 lent.
	wantRows := [][]string{
		{"UNIT", "FUND", "KIND", "BALANCE", "LOANS OUTSTANDING", "PERSONS", "TIMES"},
		{"lang-son", "Quỹ Xã hội (" + exportSocial[:8] + ")", "social", "962.000.000 ₫", "0 ₫", "2", "2"},
		{"cao-loc", "Quỹ Trợ vốn CNLĐ nghèo (" + exportCapital[:8] + ")", "capital_support", "160.000.000 ₫", "40.000.000 ₫", "1", "1"},
	}
	for i, want := range wantRows {
		line := lines[2+i]
		cells := strings.Split(line, "  ")
		var got []string
		for _, c := range cells {
			if c = strings.TrimSpace(c); c != "" {
				got = append(got, c)
			}
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("row %d = %q, want the cells %q", i, line, want)
		}
	}
	// Aligned: every row as wide as the heading (the last column is
	// right-aligned), and each number column ends where its heading does.
	head := lines[2]
	for _, line := range lines[3:] {
		if utf8.RuneCountInString(line) != utf8.RuneCountInString(head) {
			t.Errorf("row %q is %d characters wide, the heading %d", line, utf8.RuneCountInString(line), utf8.RuneCountInString(head))
		}
		balanceEnd := runeIndex(head, "BALANCE") + len("BALANCE")
		if r := []rune(line); r[balanceEnd-1] != '₫' || r[balanceEnd] != ' ' {
			t.Errorf("row %q: the balance does not end under BALANCE (column %d)", line, balanceEnd)
		}
	}
}

// runeIndex is strings.Index in runes.
func runeIndex(s, sub string) int {
	return utf8.RuneCountInString(s[:strings.Index(s, sub)])
}

func TestReplayBadInput(t *testing.T) {
	dir, _, _ := servedLedger(t)
	tests := []struct {
		name    string
		args    []string
		wantErr error
		want    string // in the error or the output
	}{
		{"an unknown unit", []string{"--data", dir, "--unit", "ha-noi"}, nil, `unit "ha-noi" is not in the ledger`},
		{"a malformed unit", []string{"--data", dir, "--unit", "Hà Nội"}, errUsage, `--unit "Hà Nội"`},
		{"a malformed date", []string{"--data", dir, "--as-of", "31/12/2023"}, errUsage, `--as-of "31/12/2023": must be a date written YYYY-MM-DD`},
		{"a date that does not exist", []string{"--data", dir, "--as-of", "2023-02-30"}, errUsage, `--as-of "2023-02-30"`},
		{"no ledger", []string{"--data", filepath.Join(t.TempDir(), "empty")}, fs.ErrNotExist, "no ledger at"},
		{"an argument", []string{"--data", dir, "extra"}, errUsage, "unexpected arguments"},
		{"a known_at without a time", []string{"--data", dir, "--known-at", "2024-03-31"}, errUsage, `--known-at "2024-03-31": must be an RFC 3339 instant`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, stderr, err := runCLI(t, append([]string{"replay"}, tt.args...)...)
			if err == nil || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
				t.Fatalf("replay %q = %v, want %v", tt.args, err, tt.wantErr)
			}
			if all := err.Error() + stderr; !strings.Contains(all, tt.want) {
				t.Errorf("replay %q = %v; stderr %q; want %q", tt.args, err, stderr, tt.want)
			}
			if out != "" {
				t.Errorf("replay %q printed %q on a refusal", tt.args, out)
			}
		})
	}
}
