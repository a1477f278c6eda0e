package api_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// TestConcurrentOverdraw races 50 grants against a fund that holds exactly
// 10 of them: exactly 10 succeed, the rest are refused, and the balance ends
// at exactly 0, never below at any moment a reader could see.
func TestConcurrentOverdraw(t *testing.T) {
	const (
		racers  = 50
		fits    = 10
		grant   = 3000000
		balance = fits * grant
	)
	e := newEnv(t)
	e.units()
	e.openFund(socialFund, "lang-son", "social")
	e.donate(socialFund, fmt.Sprint(balance), "2024-06-01")
	before := e.eventCount()

	var (
		wg       sync.WaitGroup
		start    = make(chan struct{})
		results  = make([]resp, racers)
		failures = make([]error, racers)
		stopRead = make(chan struct{})
		negative = make(chan string, 1)
	)
	// A reader watches the balance during the race. It runs beside the
	// test's goroutine, so it reports through a channel, never t.Fatal.
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		for {
			select {
			case <-stopRead:
				return
			default:
			}
			r, err := e.fetch(http.MethodGet, "/v1/funds/"+socialFund, nil, false)
			var f fundJSON
			switch {
			case err != nil:
				report(negative, err.Error())
			case r.status != http.StatusOK:
				report(negative, r.String())
			case json.Unmarshal(r.body, &f) != nil:
				report(negative, "undecodable: "+string(r.body))
			case strings.HasPrefix(f.Balance, "-"):
				report(negative, "balance "+f.Balance)
			}
		}
	}()
	// Racers only record their answers; the test's goroutine checks them.
	for i := range racers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i], failures[i] = e.fetch(http.MethodPost, sAssist, strings.NewReader(fmt.Sprintf(
				`{"transaction_id":"0190a0b4-0000-7000-8000-%012d","beneficiary_id":"M%03d","amount":"%d","category":"disaster"}`,
				1000+i, i, grant)), true)
		}()
	}
	close(start)
	wg.Wait()
	close(stopRead)
	<-readerDone

	for _, err := range failures {
		if err != nil {
			t.Fatal(err)
		}
	}
	var created, refused int
	for _, r := range results {
		switch r.status {
		case http.StatusCreated:
			created++
		case http.StatusConflict:
			mustProblem(t, r, http.StatusConflict, "insufficient_funds")
			refused++
		default:
			t.Errorf("racing grant: %v, want 201 or 409 insufficient_funds", r)
		}
	}
	if created != fits || refused != racers-fits {
		t.Errorf("racing grants: %d created, %d refused; want %d and %d", created, refused, fits, racers-fits)
	}
	f := e.fund(socialFund, "")
	if f.Balance != "0" {
		t.Errorf("balance after the race = %s, want 0", f.Balance)
	}
	if got, want := f.Totals.AssistanceGrants, fmt.Sprint(balance); got != want {
		t.Errorf("assistance grants total = %s, want %s", got, want)
	}
	if f.Counts.AssistanceGrants != fits || f.Beneficiaries.Times != fits || f.Beneficiaries.Persons != fits {
		t.Errorf("counts = %+v, beneficiaries = %+v; want %d grants to %d persons", f.Counts, f.Beneficiaries, fits, fits)
	}
	if after := e.eventCount(); after != before+fits {
		t.Errorf("events = %d, want %d", after, before+fits)
	}
	select {
	case what := <-negative:
		t.Errorf("a reader during the race got %s, want a non-negative balance", what)
	default:
	}
}

// report keeps the first finding of a helper goroutine.
func report(ch chan string, what string) {
	select {
	case ch <- what:
	default:
	}
}

// TestConcurrentDuplicates posts one transaction 20 times at once: one 201,
// 19 replays with the identical body, one event.
func TestConcurrentDuplicates(t *testing.T) {
	const copies = 20
	e := newEnv(t)
	e.units()
	e.openFund(socialFund, "lang-son", "social")
	before := e.eventCount()
	body := `{"transaction_id":"0190a0b4-0000-7000-8000-0000000000aa","amount":"4200000","occurred_on":"2024-06-15","donor":{"kind":"enterprise","name":"Công ty C"}}`

	var wg sync.WaitGroup
	start := make(chan struct{})
	results := make([]resp, copies)
	failures := make([]error, copies)
	for i := range copies {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			results[i], failures[i] = e.fetch(http.MethodPost, sDonations, strings.NewReader(body), true)
		}()
	}
	close(start)
	wg.Wait()

	for _, err := range failures {
		if err != nil {
			t.Fatal(err)
		}
	}
	var created, replays int
	var first []byte
	for _, r := range results {
		switch {
		case r.status == http.StatusCreated && r.header.Get("Idempotent-Replay") == "":
			created++
		case r.status == http.StatusOK && r.header.Get("Idempotent-Replay") == "true":
			replays++
		default:
			t.Errorf("duplicate: %v (Idempotent-Replay %q), want 201, or 200 with Idempotent-Replay: true",
				r, r.header.Get("Idempotent-Replay"))
			continue
		}
		if first == nil {
			first = r.body
		} else if !bytes.Equal(r.body, first) {
			t.Errorf("duplicate body = %s, want the same as %s", r.body, first)
		}
	}
	if created != 1 || replays != copies-1 {
		t.Errorf("duplicates: %d created, %d replays; want 1 and %d", created, replays, copies-1)
	}
	if after := e.eventCount(); after != before+1 {
		t.Errorf("events = %d, want %d (recorded once)", after, before+1)
	}
	if got := e.fund(socialFund, "").Balance; got != "4200000" {
		t.Errorf("balance = %s, want 4200000", got)
	}
}
