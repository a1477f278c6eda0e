package projections

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/internal/benchlog"
)

// liveWith returns projections fed the history's events with change
// applied to each decoded event first: live projections that differ from
// the log in a known way.
func liveWith(t *testing.T, events []domain.StoredEvent, change func(*domain.Event)) *Projections {
	t.Helper()
	p := New()
	for _, se := range events {
		e, err := domain.Decode(se)
		if err != nil {
			t.Fatal(err)
		}
		change(&e)
		if err := p.Apply(e); err != nil {
			t.Fatalf("Apply(%s at %d): %v", e.Type, e.Position, err)
		}
	}
	return p
}

// firstDonation returns the position and fund stream of the history's
// first donation.
func firstDonation(t *testing.T, events []domain.StoredEvent) (domain.Position, string) {
	t.Helper()
	for _, se := range events {
		if se.Type == string(domain.TypeDonationReceived) {
			return se.Position, se.Stream
		}
	}
	t.Fatal("the history has no donation")
	return 0, ""
}

func streamsOf(events []domain.StoredEvent) int {
	seen := map[string]bool{}
	for _, se := range events {
		seen[se.Stream] = true
	}
	return len(seen)
}

func TestVerify(t *testing.T) {
	h := newCkptHistory(t, 11, 400)
	st := logStore(t, "ledger.db")
	appendEvents(t, st, h.events)
	n := len(h.events)
	donationAt, donationFund := firstDonation(t, h.events)
	var repaidAt domain.Position
	var repaidLoan string
	for _, se := range h.events {
		if e, err := domain.Decode(se); err == nil && se.Type == string(domain.TypeLoanRepaid) {
			repaidAt, repaidLoan = se.Position, e.Data.(*domain.LoanRepaid).LoanID.String()
			break
		}
	}
	if repaidAt == 0 {
		t.Fatal("the history has no repayment")
	}
	double := func(e *domain.Event) {
		if d, ok := e.Data.(*domain.DonationReceived); ok {
			d.Amount = d.Amount.Add(d.Amount)
		}
	}
	donations := 0
	for _, se := range h.events {
		if se.Type == string(domain.TypeDonationReceived) {
			donations++
		}
	}
	if donations <= MaxMismatches {
		t.Fatalf("the history has %d donations, want more than MaxMismatches (%d) to test the cap", donations, MaxMismatches)
	}
	short := logStore(t, "short.db")
	appendEvents(t, short, h.events[:n-1])
	// A log in which the first donation no longer decodes.
	// Edited in the file, as sqlite3 would: the store itself takes no
	// append on top of an event that no longer hashes to its hash.
	broken := logStore(t, "broken.db")
	appendEvents(t, broken, h.events)
	db, err := sql.Open("sqlite", broken.Path())
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if res, err := db.Exec(`UPDATE events SET data = '{"amount":"a lot"}' WHERE position = ?`, int64(donationAt)); err != nil {
		t.Fatal(err)
	} else if n, _ := res.RowsAffected(); n != 1 {
		t.Fatalf("edit changed %d rows, want 1", n)
	}
	const rebuildVoid = "the log could not be rebuilt into projections past this event, so the projections were not compared"
	rebuildFailed := fmt.Sprintf("rebuild_failed %s %d %s", donationFund, donationAt, rebuildVoid)

	type want struct {
		ok        bool
		events    uint64
		streams   int
		found     func(int) bool // of MismatchesFound
		truncated bool
		// contains are substrings of "kind stream position detail" that
		// some listed mismatch must have, each.
		contains []string
	}
	cases := []struct {
		name    string
		store   domain.EventStore
		live    *Projections
		inScope func(string) bool
		want    want
	}{
		{"the same history", st, h.proj, nil,
			want{ok: true, events: uint64(n), streams: streamsOf(h.events), found: func(n int) bool { return n == 0 }}},
		{"loaded from a checkpoint", st, roundTrip(t, h.proj), nil,
			want{ok: true, events: uint64(n), streams: streamsOf(h.events), found: func(n int) bool { return n == 0 }}},
		{"one donation's amount differs", st, liveWith(t, h.events, func(e *domain.Event) {
			if e.Position == donationAt {
				double(e)
			}
		}), nil, want{events: uint64(n), streams: streamsOf(h.events), found: func(n int) bool { return n >= 2 },
			contains: []string{
				fmt.Sprintf("projection %s %d ", donationFund, donationAt) + ": amount: live",
				"projection " + donationFund + " ", ": totals.donations on ",
			}}},
		{"one repayment's amount differs", st, liveWith(t, h.events, func(e *domain.Event) {
			if e.Position == repaidAt {
				d := e.Data.(*domain.LoanRepaid)
				d.Amount = d.Amount.Add(domain.VNDFromInt64(1))
			}
		}), nil, want{events: uint64(n), streams: streamsOf(h.events), found: func(n int) bool { return n >= 3 },
			contains: []string{"projection fund-", ": loan " + repaidLoan + ": repaid: live"}}},
		{"every donation differs: the list is capped", st, liveWith(t, h.events, double), nil,
			want{events: uint64(n), streams: streamsOf(h.events), found: func(n int) bool { return n > MaxMismatches }, truncated: true}},
		{"the log lost its last event", short, h.proj, nil,
			want{events: uint64(n - 1), streams: streamsOf(h.events[:n-1]),
				found:    func(n int) bool { return n >= 1 },
				contains: []string{fmt.Sprintf("projection  %d the live projections are at position %d, the log up to it ends at position %d", n, n, n-1)}}},
		{"scoped to the donation's fund", st, liveWith(t, h.events, double), func(s string) bool { return s == donationFund },
			want{events: uint64(countIn(h.events, donationFund)), streams: 1, found: func(n int) bool { return n >= 1 },
				contains: []string{"projection " + donationFund + " "}}},
		{"scoped to no stream", st, liveWith(t, h.events, double), func(string) bool { return false },
			want{ok: true, found: func(n int) bool { return n == 0 }}},
		{"an event does not decode", broken, h.proj, nil,
			want{events: uint64(n), streams: streamsOf(h.events), found: func(n int) bool { return n == 2 },
				contains: []string{
					fmt.Sprintf("hash_chain %s %d ", donationFund, donationAt),
					rebuildFailed + `: parse VND "a lot"`,
				}}},
		{"an event does not decode, scoped to no stream", broken, h.proj, func(string) bool { return false },
			want{found: func(n int) bool { return n == 1 }, contains: []string{
				fmt.Sprintf("rebuild_failed  %d %s", donationAt, rebuildVoid)}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := Verify(context.Background(), c.store, c.live, c.inScope)
			if err != nil {
				t.Fatalf("Verify = %v, want a report", err)
			}
			lines := make([]string, len(r.Mismatches))
			for i, m := range r.Mismatches {
				lines[i] = fmt.Sprintf("%s %s %d %s", m.Kind, m.Stream, m.Position, m.Detail)
				if c.inScope != nil && !c.inScope(m.Stream) && m.Kind != MismatchRebuild || c.inScope != nil && m.Stream == "" && m.Detail != rebuildVoid {
					t.Errorf("mismatch out of scope: %s", lines[i])
				}
			}
			t.Logf("mismatches:\n%s", strings.Join(lines, "\n"))
			got := fmt.Sprintf("ok=%v events=%d streams=%d listed=%d truncated=%v", r.OK, r.EventsChecked, r.StreamsChecked, len(r.Mismatches), r.Truncated)
			wantListed := min(r.MismatchesFound, MaxMismatches)
			wantS := fmt.Sprintf("ok=%v events=%d streams=%d listed=%d truncated=%v", c.want.ok, c.want.events, c.want.streams, wantListed, c.want.truncated)
			if got != wantS || !c.want.found(r.MismatchesFound) || r.Position != c.live.Position() {
				t.Errorf("Verify = %s found=%d position=%d, want %s, position %d\n%s", got, r.MismatchesFound, r.Position, wantS, c.live.Position(), strings.Join(lines, "\n"))
			}
			for _, sub := range c.want.contains {
				parts := strings.SplitN(sub, ": ", 2) // prefix, then a part of the detail
				if !containsBoth(lines, parts) {
					t.Errorf("no mismatch has %q; got\n%s", sub, strings.Join(lines, "\n"))
				}
			}
		})
	}
}

func countIn(events []domain.StoredEvent, stream string) int {
	n := 0
	for _, se := range events {
		if se.Stream == stream {
			n++
		}
	}
	return n
}

// containsBoth reports whether a line starts with parts[0] and contains
// parts[1], if given.
func containsBoth(lines, parts []string) bool {
	for _, l := range lines {
		if strings.HasPrefix(l, parts[0]) && (len(parts) < 2 || strings.Contains(l, parts[1])) {
			return true
		}
	}
	return false
}

// TestVerifyStopsWhenCancelled: a cancelled verification returns ctx's
// error, not a report.
func TestVerifyStopsWhenCancelled(t *testing.T) {
	h := newCkptHistory(t, 12, 100)
	st := logStore(t, "ledger.db")
	appendEvents(t, st, h.events)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if r, err := Verify(ctx, st, h.proj, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Verify(cancelled) = %+v, %v; want context.Canceled", r, err)
	}
}

// TestVerifyChecksEveryChainPastAFailedRebuild: an event that stops the
// rebuild early in a long log does not hide an altered event far after it.
func TestVerifyChecksEveryChainPastAFailedRebuild(t *testing.T) {
	// More batches than the catch-up reads by the time the first one
	// fails: that one, catchUpReadAhead queued and one waiting to be.
	n := (catchUpReadAhead+3)*domain.MaxReadBatch + 100
	log, err := benchlog.Generate(n)
	if err != nil {
		t.Fatal(err)
	}
	live := New()
	if err := live.applyStored(log); err != nil {
		t.Fatal(err)
	}
	events := append([]domain.StoredEvent(nil), log...)
	var broken, altered domain.StoredEvent
	for i := range events {
		se := &events[i]
		if se.Type != string(domain.TypeDonationReceived) {
			continue
		}
		switch {
		case broken.Position == 0 && i > 10:
			se.Data = []byte(`{"amount":"a lot"}`)
			broken = *se
		case altered.Position == 0 && i > n-50:
			se.Data = bytes.Replace(se.Data, []byte(`"amount":"`), []byte(`"amount":"9`), 1)
			altered = *se
		}
	}
	if broken.Position == 0 || altered.Position == 0 {
		t.Fatal("no donation to alter")
	}
	st := logStore(t, "ledger.db")
	if err := benchlog.Append(context.Background(), st, events); err != nil {
		t.Fatal(err)
	}
	r, err := Verify(context.Background(), st, live, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, m := range r.Mismatches {
		got = append(got, fmt.Sprintf("%s %s@%d", m.Kind, m.Stream, *m.Revision))
	}
	want := []string{
		fmt.Sprintf("hash_chain %s@%d", broken.Stream, broken.Revision),
		fmt.Sprintf("rebuild_failed %s@%d", broken.Stream, broken.Revision),
		fmt.Sprintf("hash_chain %s@%d", altered.Stream, altered.Revision),
	}
	slices.Sort(got) // the reading runs ahead of the rebuild
	slices.Sort(want)
	if fmt.Sprint(got) != fmt.Sprint(want) || r.EventsChecked != uint64(n) {
		t.Errorf("Verify = %v, %d events checked; want %v, %d", got, r.EventsChecked, want, n)
	}
}
