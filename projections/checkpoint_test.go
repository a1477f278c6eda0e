package projections

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/store/embedded"
)

// ckptHistory is a random history for the checkpoint tests, through the
// real Decide, Seal and Decode: units in a tree, funds, every kind of money
// event with free texts and odd values, reversals (of repayments too),
// several actors, and tokens issued and revoked. It remembers every id a
// query can be asked about.
type ckptHistory struct {
	*fakeLog
	rng        *rand.Rand
	unitIDs    []domain.UnitID
	fundIDs    []uuid.UUID
	loans      [][2]uuid.UUID // fund, loan
	benefs     []domain.BeneficiaryID
	tokenIDs   []uuid.UUID
	accessRev  uint64
	accessHash string
	// periods: the history also closes, reopens and leaves pending
	// closes of 2020, with void events (periods_void_test.go).
	periods bool
	issued  []domain.MoneyCommand
}

var ckptActors = []string{domain.SystemActor, "tok_01ADMIN", "tok_02MANAGER", "tok_03"}

// appendAs is fakeLog.append by a given actor, with the clock advancing.
func (h *ckptHistory) appendAs(actor, stream string, rev uint64, prev string, p domain.Pending) domain.Event {
	l := h.fakeLog
	l.t.Helper()
	l.now = l.now.Add(time.Duration(1+h.rng.IntN(5000)) * time.Millisecond)
	meta := domain.Metadata{EventID: p.EventID, OccurredOn: p.OccurredOn, RecordedAt: l.now, Actor: actor, PayloadHash: p.PayloadHash}
	ne, sealed, err := domain.Seal(prev, p.Data, meta)
	if err != nil {
		l.t.Fatalf("Seal: %v", err)
	}
	se := domain.StoredEvent{Position: domain.Position(len(l.events) + 1), Stream: stream, Revision: rev,
		ID: ne.ID, Type: ne.Type, Data: ne.Data, Metadata: ne.Metadata}
	l.events = append(l.events, se)
	e, err := domain.Decode(se)
	if err != nil {
		l.t.Fatalf("Decode: %v", err)
	}
	if err := l.proj.Apply(e); err != nil {
		l.t.Fatalf("Apply(%s): %v", e.Type, err)
	}
	if stream == domain.AccessStream {
		h.accessRev, h.accessHash = rev+1, sealed.Hash
	}
	return e
}

func newCkptHistory(t *testing.T, seed uint64, steps int) *ckptHistory {
	return buildCkptHistory(t, seed, steps, false)
}

func buildCkptHistory(t *testing.T, seed uint64, steps int, periods bool) *ckptHistory {
	h := &ckptHistory{fakeLog: newFakeLog(t, time.Date(2020, 12, 31, 12, 0, 0, 0, domain.VietnamZone)),
		rng: rand.New(rand.NewPCG(seed, 7)), accessHash: domain.GenesisHash, periods: periods}
	for _, u := range [][2]domain.UnitID{{"vgcl", ""}, {"lang-son", "vgcl"}, {"cao-loc", "lang-son"}, {"ha-noi", ""}, {"orphan", "nowhere"}} {
		h.unit(u[0], u[1])
		h.unitIDs = append(h.unitIDs, u[0])
	}
	for i, spec := range []struct {
		unit domain.UnitID
		kind domain.FundKind
	}{{"lang-son", domain.FundSocial}, {"cao-loc", domain.FundCapitalSupport}, {"cao-loc", domain.FundMutualAid},
		{"vgcl", domain.FundShelter}, {"ha-noi", domain.FundCharity}, {"orphan", domain.FundSocial}} {
		id := domain.NewID()
		h.open(domain.OpenFund{FundID: id, UnitID: spec.unit, Name: fmt.Sprint("Quỹ ", i), Kind: spec.kind,
			OpenedOn: domain.MustDate(fmt.Sprintf("2020-%02d-01", 1+i/5))})
		h.fundIDs = append(h.fundIDs, id)
	}
	for range 25 {
		h.benefs = append(h.benefs, domain.BeneficiaryID(fmt.Sprintf("M%03d", len(h.benefs))))
	}
	for range steps {
		h.step()
	}
	return h
}

func (h *ckptHistory) text() string {
	return []string{"", "", "Tết 2024", "Ốm đau dài ngày", strings.Repeat("ghi chú ", 18)}[h.rng.IntN(5)]
}

func (h *ckptHistory) step() {
	rng := h.rng
	if h.periods && (h.closeInForce() != "" && rng.IntN(3) == 0 || rng.IntN(40) == 0) {
		h.periodStep() // periods_void_test.go
		return
	}
	date := domain.MustDate(fmt.Sprintf("2020-%02d-%02d", 1+rng.IntN(12), 1+rng.IntN(28)))
	amount := domain.VNDFromInt64(int64(1+rng.IntN(40)) * 1_000_000)
	if rng.IntN(40) == 0 {
		amount = domain.MustVND("1000000000000000")
	}
	benef := h.benefs[rng.IntN(len(h.benefs))]
	fund := h.fundIDs[rng.IntN(len(h.fundIDs))]
	actor := ckptActors[rng.IntN(len(ckptActors))]
	var c domain.MoneyCommand
	switch r := rng.IntN(100); {
	case r < 4:
		id := domain.NewID()
		// Only an admin token may have no scope (domain.IssueToken).
		role := domain.Roles[rng.IntN(len(domain.Roles))]
		var unit domain.UnitID
		if rng.IntN(2) == 0 || role != domain.RoleAdmin {
			unit = h.unitIDs[rng.IntN(len(h.unitIDs))]
		}
		h.appendAs(actor, domain.AccessStream, h.accessRev, h.accessHash, domain.Pending{EventID: id, OccurredOn: domain.DateOf(h.now),
			Data: &domain.TokenIssued{TokenID: id, Name: "Token " + h.text(), Role: role, UnitID: unit, SecretHash: fmt.Sprintf("%064x", rng.Uint64())}})
		h.tokenIDs = append(h.tokenIDs, id)
		return
	case r < 6:
		if len(h.tokenIDs) == 0 {
			return
		}
		h.appendAs(actor, domain.AccessStream, h.accessRev, h.accessHash, domain.Pending{EventID: domain.NewID(), OccurredOn: domain.DateOf(h.now),
			Data: &domain.TokenRevoked{TokenID: h.tokenIDs[rng.IntN(len(h.tokenIDs))]}})
		return
	case r < 35:
		c = domain.RecordDonation{TransactionID: domain.NewID(), FundID: fund, Amount: amount, OccurredOn: date,
			Donor:    domain.Donor{Kind: domain.DonorKinds[rng.IntN(len(domain.DonorKinds))], Name: h.text()},
			Campaign: h.text(), Reference: h.text(), Note: h.text()}
	case r < 48:
		c = domain.PayShelterGrant{TransactionID: domain.NewID(), FundID: fund, BeneficiaryID: benef, Amount: amount,
			Shelter: domain.ShelterKinds[rng.IntN(2)], OccurredOn: date, DecisionNo: h.text(), Note: h.text()}
	case r < 60:
		c = domain.GrantAssistance{TransactionID: domain.NewID(), FundID: fund, BeneficiaryID: benef, Amount: amount,
			Category: domain.AssistanceCategories[rng.IntN(len(domain.AssistanceCategories))], OccurredOn: date, Note: h.text()}
	case r < 72:
		c = domain.DisburseLoan{LoanID: domain.NewID(), FundID: fund, BeneficiaryID: benef, Amount: amount, OccurredOn: date,
			DueOn: date + 10000, Project: h.text(), Note: h.text()}
	case r < 85:
		var loans []uuid.UUID
		for _, l := range h.loans {
			if l[0] == fund {
				loans = append(loans, l[1])
			}
		}
		if len(loans) == 0 {
			return
		}
		c = domain.RepayLoan{TransactionID: domain.NewID(), FundID: fund, LoanID: loans[rng.IntN(len(loans))],
			Amount: domain.VNDFromInt64(int64(1+rng.IntN(20)) * 1_000_000), OccurredOn: date, Note: h.text()}
	default:
		if len(h.issued) == 0 {
			return
		}
		target := h.issued[rng.IntN(len(h.issued))]
		if _, ok := target.(domain.ReverseTransaction); ok {
			return
		}
		c = domain.ReverseTransaction{TransactionID: domain.NewID(), FundID: target.Fund(), Reverses: target.TxID(),
			Reason: h.text() + "x", OccurredOn: date}
	}
	f := h.funds[c.Fund()]
	ps, err := domain.Decide(f, c, h.now)
	var derr *domain.Error
	if err != nil && !errors.As(err, &derr) {
		h.t.Fatalf("Decide(%T) = %v, want nil or a domain error", c, err)
	}
	if err != nil || len(ps) == 0 {
		return
	}
	if !h.appendFund(actor, f, ps[0]) {
		return // void: dated in a year closed or being closed
	}
	h.issued = append(h.issued, c)
	if d, ok := c.(domain.DisburseLoan); ok {
		h.loans = append(h.loans, [2]uuid.UUID{d.FundID, d.LoanID})
	}
}

// replay returns projections fed the first n events of the history.
func (h *ckptHistory) replay(n int) *Projections {
	h.t.Helper()
	p := New()
	if err := p.applyStored(h.events[:n]); err != nil {
		h.t.Fatal(err)
	}
	return p
}

// sameAnswers compares every query of got and want over the history's
// ids: funds at several dates, units over several periods, transactions,
// loans, beneficiaries, tokens, units and fund lists.
func sameAnswers(t *testing.T, what string, h *ckptHistory, got, want *Projections) {
	t.Helper()
	eq := func(q string, g, w any) {
		t.Helper()
		jsonEq(t, what+": "+q, g, w)
	}
	eq("Position", got.Position(), want.Position())
	eq("VoidEvents", got.VoidEvents(), want.VoidEvents())
	dates := []domain.Date{0, domain.MustDate("2020-01-31"), domain.MustDate("2020-03-15"), domain.MustDate("2020-06-30"),
		domain.MustDate("2020-09-01"), domain.MustDate("2020-12-31"), domain.MaxDate}
	for _, id := range h.fundIDs {
		for _, d := range dates {
			g, gok := got.FundSummary(id, d)
			w, wok := want.FundSummary(id, d)
			eq(fmt.Sprintf("FundSummary(%s, %s)", id, d), []any{g, gok}, []any{w, wok})
		}
		for _, flt := range []TxFilter{{}, {Type: domain.TypeTransactionReversed}, {From: dates[2], To: dates[4]}} {
			g, gm, gok := got.Transactions(id, flt, 0, 1<<30)
			w, wm, wok := want.Transactions(id, flt, 0, 1<<30)
			eq(fmt.Sprintf("Transactions(%s, %+v)", id, flt), []any{g, gm, gok}, []any{w, wm, wok})
		}
		gu, gok := got.FundUnit(id)
		wu, wok := want.FundUnit(id)
		eq("FundUnit", []any{gu, gok}, []any{wu, wok})
	}
	for _, u := range append(h.unitIDs, "") {
		periods := [][2]domain.Date{{dates[1], dates[4]}, {dates[2], dates[2]}, {dates[3], dates[6]}}
		for _, d := range dates {
			periods = append(periods, [2]domain.Date{0, d})
		}
		for _, pd := range periods {
			g, gok := got.UnitSummary(u, pd[0], pd[1])
			w, wok := want.UnitSummary(u, pd[0], pd[1])
			eq(fmt.Sprintf("UnitSummary(%s, %s, %s)", u, pd[0], pd[1]), []any{g, gok}, []any{w, wok})
		}
		g, gn := got.Units(u, 0, 1000)
		w, wn := want.Units(u, 0, 1000)
		eq("Units", []any{g, gn}, []any{w, wn})
		for _, d := range dates[:3] {
			g, gn := got.Funds(FundFilter{Unit: u}, d, 0, 1000)
			w, wn := want.Funds(FundFilter{Unit: u}, d, 0, 1000)
			eq("Funds", []any{g, gn}, []any{w, wn})
		}
		for _, b := range h.benefs {
			g, gok := got.Beneficiary(b, u)
			w, wok := want.Beneficiary(b, u)
			eq(fmt.Sprintf("Beneficiary(%s, %s)", b, u), []any{g, gok}, []any{w, wok})
		}
		for _, v := range h.unitIDs {
			eq("InSubtree", got.InSubtree(u, v), want.InSubtree(u, v))
		}
	}
	for _, l := range h.loans {
		g, gok := got.Loan(l[0], l[1])
		w, wok := want.Loan(l[0], l[1])
		eq(fmt.Sprintf("Loan(%s)", l[1]), []any{g, gok}, []any{w, wok})
	}
	// As known at instants of the history (before it, at a third, at two
	// thirds, at its end): what existed then, and its figures, are the
	// same from a checkpoint as from a replay.
	var instants []time.Time
	if n := len(h.events); n > 0 {
		for _, i := range []int{0, n / 3, 2 * n / 3, n - 1} {
			e, err := domain.Decode(h.events[i])
			if err != nil {
				t.Fatal(err)
			}
			instants = append(instants, e.Meta.RecordedAt)
		}
		instants = append(instants, instants[0].Add(-time.Second))
	}
	for _, at := range instants {
		k := KnownAt(at)
		g, gn := got.UnitsKnown("", 0, 1000, k)
		w, wn := want.UnitsKnown("", 0, 1000, k)
		eq(fmt.Sprintf("UnitsKnown(%s)", at), []any{g, gn}, []any{w, wn})
		gf, gfn := got.FundsKnown(FundFilter{}, 0, 0, 1000, k)
		wf, wfn := want.FundsKnown(FundFilter{}, 0, 0, 1000, k)
		eq(fmt.Sprintf("FundsKnown(%s)", at), []any{gf, gfn}, []any{wf, wfn})
		for _, id := range h.fundIDs {
			g, gok := got.FundSummaryKnown(id, 0, k)
			w, wok := want.FundSummaryKnown(id, 0, k)
			eq(fmt.Sprintf("FundSummaryKnown(%s, %s)", id, at), []any{g, gok}, []any{w, wok})
		}
		for _, u := range h.unitIDs {
			var g, w UnitSummary
			gok := got.UnitSummaryKnownInto(&g, u, 0, domain.MaxDate, k)
			wok := want.UnitSummaryKnownInto(&w, u, 0, domain.MaxDate, k)
			eq(fmt.Sprintf("UnitSummaryKnown(%s, %s)", u, at), []any{g, gok}, []any{w, wok})
		}
	}
	all := func(Token) bool { return true }
	eq("Tokens", got.Tokens(all), want.Tokens(all))
	for _, id := range h.tokenIDs {
		gt, gh, gok := got.Token(id)
		wt, wh, wok := want.Token(id)
		eq("Token", []any{gt, gh, gok}, []any{wt, wh, wok})
	}
}

// roundTrip writes p's checkpoint and reads it back.
func roundTrip(t *testing.T, p *Projections) *Projections {
	t.Helper()
	var buf bytes.Buffer
	pos, err := p.WriteCheckpoint(&buf)
	if err != nil {
		t.Fatalf("WriteCheckpoint: %v", err)
	}
	if pos != p.Position() {
		t.Fatalf("WriteCheckpoint position = %d, want %d", pos, p.Position())
	}
	q, err := ReadCheckpoint(&buf)
	if err != nil {
		t.Fatalf("ReadCheckpoint: %v", err)
	}
	return q
}

// TestCheckpointRandomHistories takes a checkpoint at random points of
// random histories, reads it back, feeds the rest of the log to the loaded
// projections, and compares every query with a replay from zero, at the
// cut and at the end.
func TestCheckpointRandomHistories(t *testing.T) {
	steps, cuts := 300, 2
	if testing.Short() {
		steps, cuts = 150, 1
	}
	for seed := uint64(1); seed <= 4; seed++ {
		t.Run(fmt.Sprint("seed", seed), func(t *testing.T) {
			if seed == 4 {
				// Chunks of a few transactions each: the decoders run
				// side by side, beneficiaries are named in one chunk
				// and used in later ones, and varints of the head are
				// cut across chunks.
				defer func(n int) { chunkSize = n }(chunkSize)
				chunkSize = 97
			}
			h := newCkptHistoryWithPeriods(t, seed, steps)
			full := h.replay(len(h.events))
			sameAnswers(t, "live vs replay", h, h.proj, full)
			for c := range cuts {
				k := h.rng.IntN(len(h.events) + 1)
				if c == 0 && seed == 1 {
					k = 0 // the empty checkpoint
				}
				at := h.replay(k)
				loaded := roundTrip(t, at)
				sameAnswers(t, fmt.Sprintf("loaded at %d vs replay", k), h, loaded, at)
				if err := loaded.applyStored(h.events[k:]); err != nil {
					t.Fatalf("apply after the checkpoint at %d: %v", k, err)
				}
				sameAnswers(t, fmt.Sprintf("loaded at %d and caught up vs replay", k), h, loaded, full)
				again := roundTrip(t, loaded)
				sameAnswers(t, fmt.Sprintf("checkpoint of a loaded checkpoint at %d", k), h, again, full)
			}
		})
	}
}

// TestCheckpointRejectsDamage flips bytes and cuts the file: every damaged
// checkpoint is refused with the error that says why, never read as
// different state.
func TestCheckpointRejectsDamage(t *testing.T) {
	h := newCkptHistory(t, 9, 300)
	var buf bytes.Buffer
	if _, err := h.proj.WriteCheckpoint(&buf); err != nil {
		t.Fatal(err)
	}
	good := buf.Bytes()
	magic := len(ckptMagic)
	cases := []struct {
		name string
		edit func([]byte) []byte
		want error
	}{
		{"empty", func(b []byte) []byte { return nil }, ErrCheckpointFormat},
		{"magic", func(b []byte) []byte { b[0] ^= 1; return b }, ErrCheckpointFormat},
		{"version", func(b []byte) []byte { b[magic+3]++; return b }, ErrCheckpointFormat},
		{"chunk length", func(b []byte) []byte { b[magic+4+3] ^= 1; return b }, ErrCheckpointCorrupt},
		{"chunk digest", func(b []byte) []byte { b[magic+4+4+5] ^= 1; return b }, ErrCheckpointCorrupt},
		{"first data byte", func(b []byte) []byte { b[magic+4+4+32] ^= 1; return b }, ErrCheckpointCorrupt},
		{"middle byte", func(b []byte) []byte { b[len(b)/2] ^= 0x40; return b }, ErrCheckpointCorrupt},
		{"last byte of data", func(b []byte) []byte { b[len(b)-37] ^= 1; return b }, ErrCheckpointCorrupt},
		{"end marker", func(b []byte) []byte { b[len(b)-1] ^= 1; return b }, ErrCheckpointCorrupt},
		{"no end marker", func(b []byte) []byte { return b[:len(b)-36] }, ErrCheckpointCorrupt},
		{"cut in the middle", func(b []byte) []byte { return b[:len(b)/2] }, ErrCheckpointCorrupt},
		{"one byte short", func(b []byte) []byte { return b[:len(b)-1] }, ErrCheckpointCorrupt},
		{"trailing chunk", func(b []byte) []byte { return append(b, make([]byte, 36)...) }, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := c.edit(bytes.Clone(good))
			p, err := ReadCheckpoint(bytes.NewReader(b))
			if c.want == nil {
				// Bytes after the end marker are never read: the
				// checkpoint is whole.
				if err != nil {
					t.Fatalf("ReadCheckpoint = %v, want the checkpoint", err)
				}
				sameAnswers(t, c.name, h, p, h.proj)
				return
			}
			if !errors.Is(err, c.want) {
				t.Fatalf("ReadCheckpoint = %v, %v; want %v", p != nil, err, c.want)
			}
		})
	}
}

// logStore is a real embedded store in a temporary directory.
func logStore(t *testing.T, name string) *embedded.Store {
	t.Helper()
	s, err := embedded.Open(filepath.Join(t.TempDir(), name))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// appendEvents appends sealed events to s, each to its stream.
func appendEvents(t *testing.T, s *embedded.Store, events []domain.StoredEvent) {
	t.Helper()
	for i := 0; i < len(events); {
		j := i + 1
		for j < len(events) && j-i < domain.MaxEventsPerAppend && events[j].Stream == events[i].Stream {
			j++
		}
		batch := make([]domain.NewEvent, 0, j-i)
		for _, se := range events[i:j] {
			batch = append(batch, domain.NewEvent{ID: se.ID, Type: se.Type, Data: se.Data, Metadata: se.Metadata})
		}
		expected := domain.ExpectNoStream
		if events[i].Revision > 0 {
			expected = domain.ExpectRevision(events[i].Revision - 1)
		}
		if _, err := s.Append(context.Background(), events[i].Stream, expected, batch); err != nil {
			t.Fatalf("append %s: %v", events[i].Stream, err)
		}
		i = j
	}
}

// caughtUp returns p fed the whole of s's log.
func caughtUp(t *testing.T, s domain.EventStore, p *Projections) *Projections {
	t.Helper()
	if err := p.catchUp(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestLoadChecksTheLog writes a checkpoint of a real store's log, appends
// more, and loads it in the cases a start meets: the same log (loaded and
// caught up), a damaged file, another ledger's log, a log that ends before
// the checkpoint, no file. Whatever Load returns, catching up gives the
// state of a replay from zero.
func TestLoadChecksTheLog(t *testing.T) {
	ctx := context.Background()
	h := newCkptHistory(t, 5, 250)
	cut := len(h.events) * 2 / 3
	st := logStore(t, "ledger.db")
	appendEvents(t, st, h.events[:cut])
	dir := t.TempDir()
	path := filepath.Join(dir, "projections.ckpt")
	at := caughtUp(t, st, New())
	if _, err := WriteCheckpointFile(at, path); err != nil {
		t.Fatal(err)
	}
	appendEvents(t, st, h.events[cut:])
	full := caughtUp(t, st, New())

	other := newCkptHistory(t, 6, 250)
	otherStore := logStore(t, "other.db")
	appendEvents(t, otherStore, other.events)
	shortStore := logStore(t, "short.db")
	appendEvents(t, shortStore, h.events[:cut-1])

	corrupt := filepath.Join(dir, "corrupt.ckpt")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// A file of an earlier format — 2 (before the chunks of transactions
	// could be decoded on their own), 3 (before the history digest), 4
	// (before the registrations' and openings' recorded_at) — is refused
	// before anything in it is read, and the log replayed.
	older := map[uint32]string{}
	for v := uint32(2); v < ckptVersion; v++ {
		old := bytes.Clone(b)
		binary.BigEndian.PutUint32(old[len(ckptMagic):], v)
		older[v] = filepath.Join(dir, fmt.Sprintf("v%d.ckpt", v))
		if err := os.WriteFile(older[v], old, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	b[len(b)/2] ^= 1
	if err := os.WriteFile(corrupt, b, 0o600); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name    string
		store   *embedded.Store
		path    string
		wantPos domain.Position // of the loaded projections
		wantLog string
	}{
		{"same log", st, path, domain.Position(cut), fmt.Sprintf("loaded checkpoint at position %d", cut)},
		{"damaged file", st, corrupt, 0, "checkpoint unusable"},
		{"no file", st, filepath.Join(dir, "none.ckpt"), 0, "no projections checkpoint"},
	}
	for v := uint32(2); v < ckptVersion; v++ {
		cases = append(cases, struct {
			name    string
			store   *embedded.Store
			path    string
			wantPos domain.Position
			wantLog string
		}{fmt.Sprintf("format %d", v), st, older[v], 0, fmt.Sprintf("format version %d, this program reads %d", v, ckptVersion)})
	}
	stale := filepath.Join(dir, ".projections.ckpt.4242.tmp") // of a process killed while writing
	if err := os.WriteFile(stale, []byte("half a checkpoint"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var logs bytes.Buffer
			p, err := Load(ctx, c.store, c.path, slog.New(slog.NewTextHandler(&logs, nil)))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if p.Position() != c.wantPos || !strings.Contains(logs.String(), c.wantLog) {
				t.Fatalf("Load = position %d, log %q; want position %d and %q", p.Position(), logs.String(), c.wantPos, c.wantLog)
			}
			if c.store == st {
				q := caughtUp(t, st, p)
				sameAnswers(t, c.name, h, q, full)
				// The history digest carried on from the checkpoint is
				// the log's.
				if r, err := Verify(ctx, st, q, nil); err != nil || !r.OK {
					t.Errorf("Verify(loaded and caught up) = %v, %+v; want ok", err, r.Mismatches)
				}
			}
		})
	}
	if _, err := os.Stat(stale); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Stat(stale temporary file) = %v, want it removed by Load", err)
	}

	// A log that does not hold the checkpoint's last event is refused, not
	// replayed over: the checkpoint is the evidence, and stays as it was.
	saved, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name      string
		store     *embedded.Store
		shortened bool
		want      string
	}{
		{"log ends before", shortStore, true, fmt.Sprintf("at position %d, but the log ends at position %d: events the service had recorded and applied are missing", cut, cut-1)},
		{"another ledger", otherStore, false, fmt.Sprintf("at position %d, but the log holds event %s", cut, other.events[cut-1].ID)},
	} {
		t.Run(c.name, func(t *testing.T) {
			var logs bytes.Buffer
			p, err := Load(ctx, c.store, path, slog.New(slog.NewTextHandler(&logs, nil)))
			var hist *HistoryError
			if !errors.As(err, &hist) || !errors.Is(err, ErrHistoryMissing) || p != nil {
				t.Fatalf("Load = %v, %v; want a *HistoryError", p, err)
			}
			if hist.Position != domain.Position(cut) || hist.Shortened() != c.shortened || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Load error = %v (shortened %v), want one at position %d saying %q (shortened %v)", err, hist.Shortened(), cut, c.want, c.shortened)
			}
			if now, err := os.ReadFile(path); err != nil || !bytes.Equal(now, saved) {
				t.Errorf("the checkpoint file changed or went: %v", err)
			}
		})
	}
}

// gappedStore is a store whose positions are ten times its inner store's,
// as a log whose positions are not contiguous (KurrentDB's commit
// positions) has them.
type gappedStore struct{ *embedded.Store }

const gap = 10

func (g gappedStore) ReadAll(ctx context.Context, after domain.Position, max int) ([]domain.StoredEvent, error) {
	evs, err := g.Store.ReadAll(ctx, after/gap, max)
	for i := range evs {
		evs[i].Position *= gap
	}
	return evs, err
}

func (g gappedStore) Head() domain.Position { return g.Store.Head() * gap }

func (g gappedStore) Subscribe(ctx context.Context, after domain.Position) (domain.Subscription, error) {
	return nil, errors.New("not needed")
}

// lastEdited is a store whose event at pos has its data replaced, as an
// edit of the ledger file would.
type lastEdited struct {
	*embedded.Store
	pos  domain.Position
	data string
}

func (l lastEdited) ReadAll(ctx context.Context, after domain.Position, max int) ([]domain.StoredEvent, error) {
	evs, err := l.Store.ReadAll(ctx, after, max)
	for i := range evs {
		if evs[i].Position == l.pos {
			evs[i].Data = []byte(l.data)
		}
	}
	return evs, err
}

// TestLoadRefusesAnAlteredLastEvent: the checkpoint's last event is in
// the log but breaks the rules of its type: Load says so, with its
// position, and it is not a history missing (no flag would make a replay
// of it work).
func TestLoadRefusesAnAlteredLastEvent(t *testing.T) {
	h := newCkptHistory(t, 9, 60)
	st := logStore(t, "ledger.db")
	appendEvents(t, st, h.events)
	path := filepath.Join(t.TempDir(), "projections.ckpt")
	if _, err := WriteCheckpointFile(caughtUp(t, st, New()), path); err != nil {
		t.Fatal(err)
	}
	last := h.events[len(h.events)-1]
	_, err := Load(context.Background(), lastEdited{st, last.Position, `{}`}, path, slog.New(slog.DiscardHandler))
	if err == nil || errors.Is(err, ErrHistoryMissing) || !strings.Contains(err.Error(), fmt.Sprintf("@%d", last.Revision)) {
		t.Fatalf("Load with the last event altered = %v, want its decoding error, not ErrHistoryMissing", err)
	}
}

// TestLoadOnGappedPositions: the checkpoint's check reads its last event
// back after the position of the one before, which works whatever the
// positions between.
func TestLoadOnGappedPositions(t *testing.T) {
	ctx := context.Background()
	h := newCkptHistory(t, 8, 120)
	st := logStore(t, "ledger.db")
	appendEvents(t, st, h.events)
	gapped := gappedStore{st}
	at := caughtUp(t, gapped, New())
	path := filepath.Join(t.TempDir(), "projections.ckpt")
	if _, err := WriteCheckpointFile(at, path); err != nil {
		t.Fatal(err)
	}
	last := domain.Position(len(h.events) * gap)
	p, err := Load(ctx, gapped, path, slog.New(slog.DiscardHandler))
	if err != nil || p.Position() != last {
		t.Fatalf("Load on a gapped log = %v, %v; want position %d", p, err, last)
	}
	short := logStore(t, "short.db")
	appendEvents(t, short, h.events[:len(h.events)-1])
	_, err = Load(ctx, gappedStore{short}, path, slog.New(slog.DiscardHandler))
	var hist *HistoryError
	if !errors.As(err, &hist) || hist.Position != last || hist.LogEnd != last-gap {
		t.Fatalf("Load on a gapped log without its last event = %v, want a *HistoryError at %d, log end %d", err, last, last-gap)
	}
}

// TestCheckpointer writes a checkpoint once the projections are ready and
// enough events have been applied since the last one, and Save skips a
// checkpoint that would not move.
func TestCheckpointer(t *testing.T) {
	h := newCkptHistory(t, 3, 300)
	p := New()
	path := filepath.Join(t.TempDir(), "projections.ckpt")
	var logs syncLog
	c := NewCheckpointer(p, path, 50, slog.New(slog.NewTextHandler(&logs, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { c.Run(ctx, time.Millisecond); close(done) }()
	apply := func(from, to int) {
		t.Helper()
		if err := p.applyStored(h.events[from:to]); err != nil {
			t.Fatal(err)
		}
	}
	// ckptAt waits for the checkpoint file to reach position want.
	ckptAt := func(want domain.Position) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			if q := readCkptFile(t, path); q != nil && q.Position() == want {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("no checkpoint at position %d; log: %s", want, logs.String())
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	// noCkptChange checks that the file stays at position want (0: none).
	noCkptChange := func(what string, want domain.Position) {
		t.Helper()
		time.Sleep(30 * time.Millisecond)
		got := domain.Position(0)
		if q := readCkptFile(t, path); q != nil {
			got = q.Position()
		}
		if got != want {
			t.Fatalf("%s: checkpoint at position %d, want %d", what, got, want)
		}
	}
	apply(0, 60)
	noCkptChange("while catching up", 0)
	p.ready.Store(true) // as Run does once caught up
	ckptAt(60)
	apply(60, 90)
	noCkptChange("30 events after the last checkpoint", 60)
	apply(90, len(h.events))
	ckptAt(domain.Position(len(h.events)))
	cancel()
	<-done
	st, _ := os.Stat(path)
	if err := c.Save(); err != nil {
		t.Fatal(err)
	}
	if st2, _ := os.Stat(path); !st2.ModTime().Equal(st.ModTime()) {
		t.Errorf("Save without new events rewrote the checkpoint")
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("directory holds %d files, want only the checkpoint (no temporary files left)", len(entries))
	}
	sameAnswers(t, "checkpointer's file", h, readCkptFile(t, path), h.proj)
}

// syncLog is a log buffer safe for the checkpointer's goroutine.
type syncLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func readCkptFile(t *testing.T, path string) *Projections {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		return nil
	}
	defer f.Close()
	p, err := ReadCheckpoint(f)
	if err != nil {
		t.Fatalf("ReadCheckpoint(%s): %v", path, err)
	}
	return p
}

// TestCollectorOff checks the collector settings during a load and after:
// off, with a memory limit that never raises one already set, and both
// restored after.
func TestCollectorOff(t *testing.T) {
	const size = 100 << 20
	defer debug.SetGCPercent(debug.SetGCPercent(100))
	defer debug.SetMemoryLimit(debug.SetMemoryLimit(math.MaxInt64))
	for _, tc := range []struct {
		name       string
		gc         int
		limit      int64
		wantAbove  int64 // the limit during the load is above this
		wantAtMost int64 // and at most this
	}{
		{"no limit set", 100, math.MaxInt64, ckptLoadHeapPerByte * size, math.MaxInt64 - 1},
		{"a lower limit set", 250, 1 << 20, 0, 1 << 20},
		{"collector already off", -1, math.MaxInt64, ckptLoadHeapPerByte * size, math.MaxInt64 - 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			debug.SetGCPercent(tc.gc)
			debug.SetMemoryLimit(tc.limit)
			restore := collectorOff(size)
			gc := debug.SetGCPercent(-1)
			limit := debug.SetMemoryLimit(-1)
			restore()
			if gc != -1 || limit <= tc.wantAbove || limit > tc.wantAtMost {
				t.Errorf("during the load: GOGC %d, limit %d; want -1 and a limit in (%d, %d]", gc, limit, tc.wantAbove, tc.wantAtMost)
			}
			if gc, limit := debug.SetGCPercent(-1), debug.SetMemoryLimit(-1); gc != tc.gc || limit != tc.limit {
				t.Errorf("after: GOGC %d, limit %d; want %d, %d", gc, limit, tc.gc, tc.limit)
			}
		})
	}
}
