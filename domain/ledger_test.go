package domain_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
	// The embedded store registers the "sqlite" database/sql driver that
	// TestLedgerDetectsTamperedEvent uses to edit the file behind its back.
	"github.com/welfare-ledger/welfare-ledger/store/embedded"
)

// ledgerNow is the injected clock of the ledger tests: 2024-07-01 10:00 in
// Vietnam.
var ledgerNow = time.Date(2024, 7, 1, 3, 0, 0, 0, time.UTC)

func clockAt(t time.Time) func() time.Time { return func() time.Time { return t } }

const testActor = "tok_7 (Kế toán LĐLĐ Lạng Sơn)"

func openStore(t *testing.T, path string) *embedded.Store {
	t.Helper()
	s, err := embedded.Open(path)
	if err != nil {
		t.Fatalf("embedded.Open(%s): %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// ledgerEnv is a ledger on a real embedded store in a temporary directory,
// with one unit and one social fund opened on 2020-01-01.
type ledgerEnv struct {
	t     *testing.T
	path  string
	store *embedded.Store
	l     *domain.Ledger
	fund  uuid.UUID
}

func newLedgerEnv(t *testing.T, kind domain.FundKind) *ledgerEnv {
	t.Helper()
	path := filepath.Join(t.TempDir(), "ledger.db")
	s := openStore(t, path)
	env := &ledgerEnv{t: t, path: path, store: s, l: domain.NewLedger(s, clockAt(ledgerNow))}
	if _, err := env.l.RegisterUnit(t.Context(), domain.RegisterUnit{UnitID: "lang-son", Name: "LĐLĐ tỉnh Lạng Sơn"}, testActor); err != nil {
		t.Fatalf("RegisterUnit: %v", err)
	}
	env.fund = env.openFund(env.l, kind)
	return env
}

func (env *ledgerEnv) openFund(l *domain.Ledger, kind domain.FundKind) uuid.UUID {
	env.t.Helper()
	id := domain.NewID()
	if _, err := l.OpenFund(env.t.Context(), domain.OpenFund{FundID: id, UnitID: "lang-son", Name: "Quỹ " + string(kind),
		Kind: kind, OpenedOn: domain.MustDate("2020-01-01")}, testActor); err != nil {
		env.t.Fatalf("OpenFund: %v", err)
	}
	return id
}

// reopen closes the store and opens the file again with a new ledger (a
// restart of the process), whose clock reads now.
func (env *ledgerEnv) reopen(now time.Time) {
	env.t.Helper()
	if err := env.store.Close(); err != nil {
		env.t.Fatalf("Close: %v", err)
	}
	env.store = openStore(env.t, env.path)
	env.l = domain.NewLedger(env.store, clockAt(now))
}

func (env *ledgerEnv) stream(fund uuid.UUID) []domain.StoredEvent {
	env.t.Helper()
	evs, err := env.store.ReadStream(env.t.Context(), domain.FundStream(fund), 0, domain.MaxReadBatch)
	if err != nil {
		env.t.Fatalf("ReadStream: %v", err)
	}
	return evs
}

func donate(fund uuid.UUID, amount int64) domain.RecordDonation {
	return domain.RecordDonation{TransactionID: domain.NewID(), FundID: fund, Amount: vnd(amount),
		Donor: domain.Donor{Name: "Đoàn viên", Kind: domain.DonorMember}}
}

func grant(fund uuid.UUID, amount int64) domain.GrantAssistance {
	return domain.GrantAssistance{TransactionID: domain.NewID(), FundID: fund, BeneficiaryID: "LS-42",
		Amount: vnd(amount), Category: domain.AssistSeriousIllness}
}

// record is a client that retries a command the ledger asks it to retry
// (concurrent_modification), as API clients do.
func record(ctx context.Context, l *domain.Ledger, c domain.MoneyCommand) (domain.TxResult, error) {
	for {
		res, err := l.Record(ctx, c, testActor)
		if domain.CodeOf(err) == domain.CodeConcurrentModification {
			continue
		}
		return res, err
	}
}

func mustRecord(t *testing.T, l *domain.Ledger, c domain.MoneyCommand) domain.TxResult {
	t.Helper()
	res, err := record(t.Context(), l, c)
	if err != nil {
		t.Fatalf("Record(%s) = %v, want recorded", describe(c), err)
	}
	return res
}

func wantLedgerCode(t *testing.T, what string, err error, code domain.Code) {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != code {
		t.Fatalf("%s = %v, want a *domain.Error %s", what, err, code)
	}
}

// balanceOf folds a fund's stream as stored, through Decode and Evolve.
func balanceOf(t *testing.T, s domain.EventStore, fund uuid.UUID) domain.VND {
	t.Helper()
	evs, err := s.ReadStream(t.Context(), domain.FundStream(fund), 0, domain.MaxReadBatch)
	if err != nil {
		t.Fatalf("ReadStream: %v", err)
	}
	f := domain.NewFund(fund)
	for _, se := range evs {
		ev, err := domain.Decode(se)
		if err != nil {
			t.Fatalf("Decode: %v", err)
		}
		f.Evolve(ev)
	}
	return f.Balance.Last()
}

func TestLedgerRegisterUnit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "ledger.db")
	s := openStore(t, path)
	l := domain.NewLedger(s, clockAt(ledgerNow))
	ctx := t.Context()

	res, err := l.RegisterUnit(ctx, domain.RegisterUnit{UnitID: "vgcl", Name: "Tổng Liên đoàn Lao động Việt Nam"}, testActor)
	if err != nil {
		t.Fatalf("RegisterUnit(vgcl) = %v", err)
	}
	if res.Unit.UnitID != "vgcl" || res.Unit.ParentID != "" || res.Position == 0 || !res.RecordedAt.Equal(ledgerNow) {
		t.Errorf("RegisterUnit(vgcl) = %+v", res)
	}
	child, err := l.RegisterUnit(ctx, domain.RegisterUnit{UnitID: "lang-son", Name: "LĐLĐ Lạng Sơn", ParentID: "vgcl"}, testActor)
	if err != nil || child.Unit.ParentID != "vgcl" || child.Position <= res.Position {
		t.Fatalf("RegisterUnit(lang-son under vgcl) = %+v, %v", child, err)
	}

	tests := []struct {
		name string
		c    domain.RegisterUnit
		code domain.Code
	}{
		{"parent not registered", domain.RegisterUnit{UnitID: "cao-loc", Name: "LĐLĐ Cao Lộc", ParentID: "nowhere"}, domain.CodeNotFound},
		{"duplicate", domain.RegisterUnit{UnitID: "lang-son", Name: "Trùng", ParentID: "vgcl"}, domain.CodeAlreadyExists},
		{"duplicate with the same payload", domain.RegisterUnit{UnitID: "vgcl", Name: "Tổng Liên đoàn Lao động Việt Nam"}, domain.CodeAlreadyExists},
		{"bad unit id", domain.RegisterUnit{UnitID: "Lang Son", Name: "x"}, domain.CodeValidation},
		{"no name", domain.RegisterUnit{UnitID: "x"}, domain.CodeValidation},
		{"its own parent", domain.RegisterUnit{UnitID: "self", Name: "x", ParentID: "self"}, domain.CodeValidation},
	}
	for _, tt := range tests {
		_, err := l.RegisterUnit(ctx, tt.c, testActor)
		wantLedgerCode(t, "RegisterUnit("+tt.name+")", err, tt.code)
	}
	for id, want := range map[domain.UnitID]bool{"vgcl": true, "lang-son": true, "cao-loc": false, "self": false} {
		if got, err := l.UnitExists(ctx, id); err != nil || got != want {
			t.Errorf("UnitExists(%s) = %v, %v; want %v", id, got, err, want)
		}
	}

	// The stored event is a sealed, decodable UnitRegistered.
	evs, err := s.ReadStream(ctx, domain.UnitStream("lang-son"), 0, 10)
	if err != nil || len(evs) != 1 {
		t.Fatalf("ReadStream(unit-lang-son) = %d events, %v; want 1", len(evs), err)
	}
	if _, err := domain.VerifyHash(domain.GenesisHash, evs[0]); err != nil {
		t.Errorf("VerifyHash(unit event) = %v", err)
	}
	ev, err := domain.Decode(evs[0])
	if err != nil {
		t.Fatalf("Decode(unit event) = %v", err)
	}
	u, ok := ev.Data.(*domain.UnitRegistered)
	if !ok || u.UnitID != "lang-son" || u.ParentID != "vgcl" || ev.Meta.Actor != testActor || ev.Meta.OccurredOn != domain.MustDate("2024-07-01") {
		t.Errorf("stored unit event = %+v %+v", ev.Meta, ev.Data)
	}
}

func TestLedgerOpenFund(t *testing.T) {
	env := newLedgerEnv(t, domain.FundSocial)
	ctx := t.Context()
	c := domain.OpenFund{FundID: domain.NewID(), UnitID: "lang-son", Name: "Quỹ Mái ấm", Kind: domain.FundShelter}

	t.Run("unit must exist", func(t *testing.T) {
		bad := c
		bad.FundID, bad.UnitID = domain.NewID(), "nowhere"
		_, err := env.l.OpenFund(ctx, bad, testActor)
		wantLedgerCode(t, "OpenFund(unknown unit)", err, domain.CodeNotFound)
		if n := len(env.stream(bad.FundID)); n != 0 {
			t.Errorf("a refused OpenFund stored %d events", n)
		}
	})
	first, err := env.l.OpenFund(ctx, c, testActor)
	if err != nil {
		t.Fatalf("OpenFund = %v", err)
	}
	if first.Replay || first.Fund.FundID != c.FundID || first.Fund.Kind != domain.FundShelter || first.Fund.OpenedOn != domain.MustDate("2024-07-01") ||
		first.Position == 0 || !first.RecordedAt.Equal(ledgerNow) {
		t.Errorf("OpenFund = %+v, want a new shelter fund opened today", first)
	}
	t.Run("replay", func(t *testing.T) {
		again, err := env.l.OpenFund(ctx, c, testActor)
		if err != nil || !again.Replay || again.Position != first.Position || !again.RecordedAt.Equal(first.RecordedAt) || again.Fund != first.Fund {
			t.Errorf("OpenFund(same) = %+v, %v; want a replay of %+v", again, err, first)
		}
	})
	t.Run("conflict", func(t *testing.T) {
		other := c
		other.Kind = domain.FundCharity
		_, err := env.l.OpenFund(ctx, other, testActor)
		wantLedgerCode(t, "OpenFund(same id, other kind)", err, domain.CodeIdempotencyConflict)
	})
	t.Run("replay after a restart, days later", func(t *testing.T) {
		env.reopen(ledgerNow.Add(72 * time.Hour))
		again, err := env.l.OpenFund(ctx, c, testActor)
		if err != nil || !again.Replay || again.Position != first.Position || !again.RecordedAt.Equal(first.RecordedAt) || again.Fund != first.Fund {
			t.Errorf("OpenFund(same) after restart = %+v, %v; want a replay of %+v", again, err, first)
		}
		if n := len(env.stream(c.FundID)); n != 1 {
			t.Errorf("fund stream has %d events, want 1", n)
		}
	})
}

func TestLedgerRecordRoundTripAndReplay(t *testing.T) {
	env := newLedgerEnv(t, domain.FundSocial)
	ctx := t.Context()
	c := donate(env.fund, 1_250_000)
	c.Campaign = "Tết 2024"

	res, err := env.l.Record(ctx, c, testActor)
	if err != nil {
		t.Fatalf("Record = %v", err)
	}
	tx := res.Tx
	if res.Replay || res.FundID != env.fund || tx.ID != c.TransactionID || tx.Type != domain.TypeDonationReceived ||
		tx.Amount.String() != "1250000" || tx.OccurredOn != domain.MustDate("2024-07-01") || !tx.RecordedAt.Equal(ledgerNow) ||
		tx.BalanceAfter.String() != "1250000" || tx.Position == 0 || tx.PayloadHash != domain.PayloadHash(c) {
		t.Fatalf("Record = %+v", res)
	}

	// What was stored: a chain of two events, the second our donation.
	evs := env.stream(env.fund)
	if len(evs) != 2 {
		t.Fatalf("fund stream has %d events, want 2", len(evs))
	}
	if err := verifyChain(evs); err != nil {
		t.Fatalf("fund stream does not verify: %v", err)
	}
	ev, err := domain.Decode(evs[1])
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	d, ok := ev.Data.(*domain.DonationReceived)
	if !ok || d.TransactionID != c.TransactionID || d.FundID != env.fund || d.Amount.String() != "1250000" || d.Campaign != "Tết 2024" ||
		d.Donor != c.Donor {
		t.Errorf("stored payload = %+v", ev.Data)
	}
	if ev.Position != tx.Position || ev.Meta.EventID != c.TransactionID || ev.Meta.Actor != testActor || ev.Meta.PayloadHash != domain.PayloadHash(c) ||
		ev.Meta.OccurredOn != tx.OccurredOn || !ev.Meta.RecordedAt.Equal(ledgerNow) || ev.Revision != 1 {
		t.Errorf("stored event = position %d revision %d meta %+v", ev.Position, ev.Revision, ev.Meta)
	}

	sameTx := func(t *testing.T, what string, got domain.TxResult) {
		t.Helper()
		g := got.Tx
		if !got.Replay || got.FundID != env.fund || g.ID != tx.ID || g.Type != tx.Type || !g.Amount.Equal(tx.Amount) ||
			g.OccurredOn != tx.OccurredOn || !g.RecordedAt.Equal(tx.RecordedAt) || g.Position != tx.Position ||
			g.PayloadHash != tx.PayloadHash || !g.BalanceAfter.Equal(tx.BalanceAfter) {
			t.Errorf("%s = %+v, want a replay of %+v", what, got, res)
		}
	}
	again, err := env.l.Record(ctx, c, testActor)
	if err != nil {
		t.Fatalf("Record(same) = %v", err)
	}
	sameTx(t, "Record(same)", again)

	// Money moves on; the replay still reports the original outcome.
	mustRecord(t, env.l, donate(env.fund, 5))
	again, err = env.l.Record(ctx, c, testActor)
	if err != nil {
		t.Fatalf("Record(same, later) = %v", err)
	}
	sameTx(t, "Record(same) after another donation", again)

	env.reopen(ledgerNow.Add(3 * 24 * time.Hour))
	again, err = env.l.Record(ctx, c, testActor)
	if err != nil {
		t.Fatalf("Record(same) after restart = %v", err)
	}
	sameTx(t, "Record(same) after a restart, three days later", again)
	if n := len(env.stream(env.fund)); n != 3 {
		t.Errorf("fund stream has %d events, want 3 (replays record nothing)", n)
	}
	changed := c
	changed.Amount = vnd(1_250_001)
	_, err = env.l.Record(ctx, changed, testActor)
	wantLedgerCode(t, "Record(same id, other amount) after restart", err, domain.CodeIdempotencyConflict)

	// The restarted ledger decides on the stored history.
	_, err = env.l.Record(ctx, grant(env.fund, 1_250_006), testActor)
	wantLedgerCode(t, "Record(grant over the balance) after restart", err, domain.CodeInsufficientFunds)
	res2 := mustRecord(t, env.l, grant(env.fund, 1_250_005))
	if !res2.Tx.BalanceAfter.IsZero() {
		t.Errorf("balance after granting everything = %s, want 0", res2.Tx.BalanceAfter)
	}

	_, err = env.l.Record(ctx, donate(domain.NewID(), 5), testActor)
	wantLedgerCode(t, "Record(unknown fund)", err, domain.CodeNotFound)
	bad := donate(env.fund, 5)
	bad.Donor.Kind = ""
	_, err = env.l.Record(ctx, bad, testActor)
	wantLedgerCode(t, "Record(invalid donation)", err, domain.CodeValidation)
}

func TestLedgerConcurrentDuplicates(t *testing.T) {
	env := newLedgerEnv(t, domain.FundSocial)
	second := domain.NewLedger(env.store, clockAt(ledgerNow)) // another instance on the same store

	for _, tc := range []struct {
		name    string
		ledgers []*domain.Ledger
	}{
		{"one instance", []*domain.Ledger{env.l}},
		{"two instances", []*domain.Ledger{env.l, second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := len(env.stream(env.fund))
			c := donate(env.fund, 700)
			const n = 20
			results := make([]domain.TxResult, n)
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					results[i], errs[i] = record(t.Context(), tc.ledgers[i%len(tc.ledgers)], c)
				})
			}
			wg.Wait()
			recorded := 0
			for i := range n {
				if errs[i] != nil {
					t.Fatalf("Record #%d = %v, want recorded or replayed", i, errs[i])
				}
				if !results[i].Replay {
					recorded++
				}
				if results[i].Tx.ID != c.TransactionID || results[i].Tx.Position != results[0].Tx.Position {
					t.Errorf("Record #%d = %+v, want the same transaction at position %d", i, results[i].Tx, results[0].Tx.Position)
				}
			}
			if recorded != 1 {
				t.Errorf("%d of %d identical commands were recorded, want 1 (and %d replays)", recorded, n, n-1)
			}
			if got := len(env.stream(env.fund)) - before; got != 1 {
				t.Errorf("the stream grew by %d events, want 1", got)
			}
		})
	}
}

func TestLedgerConcurrentOverdraw(t *testing.T) {
	env := newLedgerEnv(t, domain.FundSocial)
	mustRecord(t, env.l, donate(env.fund, 1000))
	const n, each = 50, 30 // 33 grants fit in 1000, leaving 10
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			_, errs[i] = record(t.Context(), env.l, grant(env.fund, each))
		})
	}
	wg.Wait()
	ok, refused := 0, 0
	for i, err := range errs {
		switch {
		case err == nil:
			ok++
		case domain.CodeOf(err) == domain.CodeInsufficientFunds:
			refused++
		default:
			t.Errorf("grant #%d = %v, want recorded or insufficient_funds", i, err)
		}
	}
	if ok != 33 || refused != 17 {
		t.Errorf("%d grants recorded, %d refused; want 33, 17", ok, refused)
	}
	if got := balanceOf(t, env.store, env.fund); got.String() != "10" {
		t.Errorf("balance = %s, want 10", got)
	}
	if err := verifyChain(env.stream(env.fund)); err != nil {
		t.Errorf("fund stream does not verify: %v", err)
	}
}

// TestLedgerTwoInstancesRace: two ledgers (two API instances) on one store
// both decide; the expected revision makes the loser catch up and decide
// again, so nothing is lost and nothing overdraws.
func TestLedgerTwoInstancesRace(t *testing.T) {
	env := newLedgerEnv(t, domain.FundSocial)
	ledgers := []*domain.Ledger{env.l, domain.NewLedger(env.store, clockAt(ledgerNow))}

	t.Run("donations", func(t *testing.T) {
		const n = 20
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				_, errs[i] = record(t.Context(), ledgers[i%2], donate(env.fund, 100))
			})
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Errorf("donation #%d = %v", i, err)
			}
		}
		if got := balanceOf(t, env.store, env.fund); got.String() != "2000" {
			t.Errorf("balance = %s, want 2000", got)
		}
		evs := env.stream(env.fund)
		if len(evs) != 1+n {
			t.Errorf("fund stream has %d events, want %d", len(evs), 1+n)
		}
		if err := verifyChain(evs); err != nil {
			t.Errorf("fund stream does not verify (a fork?): %v", err)
		}
	})
	t.Run("grants overdrawing", func(t *testing.T) {
		const n = 30 // 2000 affords 20 grants of 100
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				_, errs[i] = record(t.Context(), ledgers[i%2], grant(env.fund, 100))
			})
		}
		wg.Wait()
		ok := 0
		for i, err := range errs {
			switch {
			case err == nil:
				ok++
			case domain.CodeOf(err) != domain.CodeInsufficientFunds:
				t.Errorf("grant #%d = %v, want recorded or insufficient_funds", i, err)
			}
		}
		if ok != 20 {
			t.Errorf("%d grants of 100 recorded from 2000, want 20", ok)
		}
		if got := balanceOf(t, env.store, env.fund); got.String() != "0" {
			t.Errorf("balance = %s, want 0", got)
		}
		if err := verifyChain(env.stream(env.fund)); err != nil {
			t.Errorf("fund stream does not verify (a fork?): %v", err)
		}
	})
}

// TestLedgerStaleInstance: an instance whose cached state is behind the store
// must not refuse a command on that stale state. Another instance's inflow
// or transaction is recorded in the store: the rules of API.md count "every
// event already recorded".
func TestLedgerStaleInstance(t *testing.T) {
	ctx := context.Background()
	t.Run("grant covered by another instance's donation", func(t *testing.T) {
		env := newLedgerEnv(t, domain.FundSocial)
		other := domain.NewLedger(env.store, clockAt(ledgerNow))
		mustRecord(t, env.l, donate(env.fund, 100)) // env.l caches the fund
		mustRecord(t, other, donate(env.fund, 1000))
		res, err := env.l.Record(ctx, grant(env.fund, 500), testActor)
		if err != nil {
			t.Fatalf("Record(grant 500, balance 1100 in the store) on the instance that did not see the 1000 = %v, want recorded", err)
		}
		if res.Tx.BalanceAfter.String() != "600" {
			t.Errorf("balance after = %s, want 600", res.Tx.BalanceAfter)
		}
	})
	t.Run("reversal of another instance's transaction", func(t *testing.T) {
		env := newLedgerEnv(t, domain.FundSocial)
		other := domain.NewLedger(env.store, clockAt(ledgerNow))
		mustRecord(t, env.l, donate(env.fund, 100))
		d := mustRecord(t, other, donate(env.fund, 50))
		_, err := env.l.Record(ctx, domain.ReverseTransaction{TransactionID: domain.NewID(), FundID: env.fund, Reverses: d.Tx.ID, Reason: "nhầm"}, testActor)
		if err != nil {
			t.Fatalf("Record(reversal of a donation another instance recorded) = %v, want recorded", err)
		}
	})
	t.Run("repayment of another instance's loan", func(t *testing.T) {
		env := newLedgerEnv(t, domain.FundCapitalSupport)
		other := domain.NewLedger(env.store, clockAt(ledgerNow))
		mustRecord(t, env.l, donate(env.fund, 1000))
		loan := mustRecord(t, other, domain.DisburseLoan{LoanID: domain.NewID(), FundID: env.fund, BeneficiaryID: "LS-1", Amount: vnd(400)})
		_, err := env.l.Record(ctx, domain.RepayLoan{TransactionID: domain.NewID(), FundID: env.fund, LoanID: loan.Tx.ID, Amount: vnd(100)}, testActor)
		if err != nil {
			t.Fatalf("Record(repayment of a loan another instance disbursed) = %v, want recorded", err)
		}
	})
}

func TestLedgerIDReuseAcrossFunds(t *testing.T) {
	env := newLedgerEnv(t, domain.FundSocial)
	ctx := t.Context()
	fundB := env.openFund(env.l, domain.FundCharity)

	c := donate(env.fund, 100)
	mustRecord(t, env.l, c)
	inB := c
	inB.FundID = fundB
	_, err := env.l.Record(ctx, inB, testActor)
	wantLedgerCode(t, "Record(a transaction id of fund A in fund B)", err, domain.CodeIdempotencyConflict)

	fresh := domain.NewLedger(env.store, clockAt(ledgerNow))
	_, err = fresh.Record(ctx, inB, testActor)
	wantLedgerCode(t, "Record(a transaction id of fund A in fund B) on a fresh instance", err, domain.CodeIdempotencyConflict)

	useFundID := donate(fundB, 5)
	useFundID.TransactionID = env.fund
	_, err = env.l.Record(ctx, useFundID, testActor)
	wantLedgerCode(t, "Record(fund A's id as a transaction id in fund B)", err, domain.CodeIdempotencyConflict)

	_, err = env.l.OpenFund(ctx, domain.OpenFund{FundID: c.TransactionID, UnitID: "lang-son", Name: "Quỹ", Kind: domain.FundSocial}, testActor)
	wantLedgerCode(t, "OpenFund(a transaction's id as the fund id)", err, domain.CodeIdempotencyConflict)

	if n := len(env.stream(fundB)); n != 1 {
		t.Errorf("fund B has %d events, want 1 (only FundOpened)", n)
	}
	if n := len(env.stream(c.TransactionID)); n != 0 {
		t.Errorf("a fund stream named by a transaction id has %d events, want 0", n)
	}
	// Fund B still works.
	mustRecord(t, env.l, donate(fundB, 5))
}

func TestLedgerDetectsTamperedEvent(t *testing.T) {
	tests := []struct {
		name   string
		column string
		old    string
		new    string
	}{
		{"amount in data", "data", `"amount":"100"`, `"amount":"900"`},
		{"business date in metadata", "metadata", `"occurred_on":"2024-07-01"`, `"occurred_on":"2024-06-30"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := newLedgerEnv(t, domain.FundSocial)
			victim := mustRecord(t, env.l, donate(env.fund, 100))
			mustRecord(t, env.l, donate(env.fund, 7))
			if err := env.store.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}

			db, err := sql.Open("sqlite", env.path)
			if err != nil {
				t.Fatalf("sql.Open: %v", err)
			}
			r, err := db.Exec(fmt.Sprintf(`UPDATE events SET %[1]s = replace(%[1]s, ?, ?) WHERE event_id = ?`, tt.column),
				tt.old, tt.new, victim.Tx.ID.String())
			if err != nil {
				t.Fatalf("tamper: %v", err)
			}
			if n, _ := r.RowsAffected(); n != 1 {
				t.Fatalf("tamper changed %d rows, want 1", n)
			}
			if err := db.Close(); err != nil {
				t.Fatalf("db.Close: %v", err)
			}

			env.store = openStore(t, env.path)
			env.l = domain.NewLedger(env.store, clockAt(ledgerNow))
			before := len(env.stream(env.fund))
			_, err = env.l.Record(t.Context(), donate(env.fund, 5), testActor)
			if !errors.Is(err, domain.ErrHashMismatch) || domain.CodeOf(err) != domain.CodeChainBroken {
				t.Fatalf("Record on a fund with a tampered event = %v, want chain_broken wrapping ErrHashMismatch", err)
			}
			if after := len(env.stream(env.fund)); after != before {
				t.Errorf("the fund stream grew from %d to %d events on a broken chain", before, after)
			}
			// Still refused on the next attempt: nothing was cached.
			if _, err := env.l.Record(t.Context(), donate(env.fund, 5), testActor); !errors.Is(err, domain.ErrHashMismatch) {
				t.Errorf("second Record = %v, want ErrHashMismatch", err)
			}
		})
	}
}

// gatedStore is the embedded store with a gate in front of Append and
// AppendAfter: while the gate is shut, appends wait, so that commands pile
// up behind them.
type gatedStore struct {
	*embedded.Store
	gate    atomic.Pointer[chan struct{}]
	appends atomic.Int64
}

func (g *gatedStore) wait() {
	g.appends.Add(1)
	if gate := g.gate.Load(); gate != nil {
		<-*gate
	}
}

func (g *gatedStore) Append(ctx context.Context, stream string, expected domain.ExpectedRevision, events []domain.NewEvent) (domain.AppendResult, error) {
	g.wait()
	return g.Store.Append(ctx, stream, expected, events)
}

func (g *gatedStore) AppendAfter(ctx context.Context, stream string, expected domain.ExpectedRevision, events []domain.NewEvent, after domain.PendingAppend) (domain.PendingAppend, error) {
	g.wait()
	return g.Store.AppendAfter(ctx, stream, expected, events, after)
}

// unpipelined hides the store's AppendAfter, so that the ledger takes the
// path of a store that cannot pipeline (Append and wait).
type unpipelined struct{ domain.EventStore }

// TestLedgerConcurrentCommandsOneFund: commands racing on one fund are
// decided in batches and appended together; each still gets its own
// outcome and the position its event has in the log, and a command whose
// id another stream holds is refused without failing the others.
func TestLedgerConcurrentCommandsOneFund(t *testing.T) {
	for _, tc := range []struct {
		name      string
		reused    int  // the command given another fund's transaction id, or -1
		pipelined bool // the store's AppendAfter is used
	}{
		{"distinct ids", -1, true},
		{"one id taken by another fund", 20, true},
		{"distinct ids, store without pipelining", -1, false},
		{"one id taken by another fund, store without pipelining", 20, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := newLedgerEnv(t, domain.FundSocial)
			other := env.openFund(env.l, domain.FundCharity)
			taken := donate(other, 1)
			mustRecord(t, env.l, taken)
			store := &gatedStore{Store: env.store}
			var backend domain.EventStore = store
			if !tc.pipelined {
				backend = unpipelined{store}
			}
			l := domain.NewLedger(backend, clockAt(ledgerNow))

			const n = 40
			cmds := make([]domain.RecordDonation, n)
			for i := range cmds {
				cmds[i] = donate(env.fund, int64(100+i))
			}
			if tc.reused >= 0 {
				cmds[tc.reused].TransactionID = taken.TransactionID
			}
			results := make([]domain.TxResult, n)
			errs := make([]error, n)
			gate := make(chan struct{})
			store.gate.Store(&gate)
			var wg sync.WaitGroup
			// The first command leads and waits at the gate; the others
			// queue behind it and go into the next append together.
			wg.Go(func() { results[0], errs[0] = record(t.Context(), l, cmds[0]) })
			for store.appends.Load() == 0 {
				time.Sleep(time.Millisecond)
			}
			for i := 1; i < n; i++ {
				wg.Go(func() { results[i], errs[i] = record(t.Context(), l, cmds[i]) })
			}
			time.Sleep(100 * time.Millisecond)
			close(gate)
			wg.Wait()

			stored := map[uuid.UUID]domain.Position{}
			for _, se := range env.stream(env.fund) {
				stored[se.ID] = se.Position
			}
			var want domain.VND
			for i := range n {
				if i == tc.reused {
					wantLedgerCode(t, fmt.Sprintf("Record #%d (id of another fund's transaction)", i), errs[i], domain.CodeIdempotencyConflict)
					continue
				}
				if errs[i] != nil {
					t.Fatalf("Record #%d = %v, want recorded", i, errs[i])
				}
				want = want.Add(cmds[i].Amount)
				pos, ok := stored[cmds[i].TransactionID]
				if !ok {
					t.Fatalf("Record #%d answered %+v but its event is not in the stream", i, results[i].Tx)
				}
				if results[i].Tx.Position != pos || results[i].Replay {
					t.Errorf("Record #%d = position %d replay %v, want position %d (as stored), not a replay",
						i, results[i].Tx.Position, results[i].Replay, pos)
				}
			}
			wantEvents := n + 1 // FundOpened and the donations
			if tc.reused >= 0 {
				wantEvents--
			}
			if got := len(stored); got != wantEvents {
				t.Errorf("the fund's stream has %d events, want %d", got, wantEvents)
			}
			if tc.reused < 0 && store.appends.Load() >= n {
				t.Errorf("%d commands took %d appends, want them batched into fewer", n, store.appends.Load())
			}
			if got := balanceOf(t, env.store, env.fund); !got.Equal(want) {
				t.Errorf("balance = %s, want %s", got, want)
			}
			if err := verifyChain(env.stream(env.fund)); err != nil {
				t.Errorf("fund stream does not verify: %v", err)
			}
		})
	}
}

// TestLedgerRefusesEditOfLastEventWhileRunning: the ledger has the fund in
// its cache, decided against the last event as it wrote it; an edit of
// that event in the file (with sqlite3, beside the running service) is
// caught by the store inside the next write, not only at the next start.
func TestLedgerRefusesEditOfLastEventWhileRunning(t *testing.T) {
	env := newLedgerEnv(t, domain.FundSocial)
	other := env.openFund(env.l, domain.FundSocial)
	mustRecord(t, env.l, donate(env.fund, 100))
	last := mustRecord(t, env.l, donate(env.fund, 7))
	mustRecord(t, env.l, donate(other, 3))

	db, err := sql.Open("sqlite", env.path)
	if err != nil {
		t.Fatalf("sql.Open: %v", err)
	}
	defer db.Close()
	r, err := db.Exec(`UPDATE events SET data = replace(data, '"amount":"7"', '"amount":"7000000"') WHERE event_id = ?`, last.Tx.ID.String())
	if err != nil {
		t.Fatalf("tamper: %v", err)
	}
	if n, _ := r.RowsAffected(); n != 1 {
		t.Fatalf("tamper changed %d rows, want 1", n)
	}

	before := len(env.stream(env.fund))
	for attempt := range 2 { // the first meets the store's check, the second the reload's
		_, err = env.l.Record(t.Context(), donate(env.fund, 5), testActor)
		if domain.CodeOf(err) != domain.CodeChainBroken {
			t.Fatalf("attempt %d: Record on a fund whose last event was edited = %v, want chain_broken", attempt, err)
		}
		at := fmt.Sprintf("%s@%d", domain.FundStream(env.fund), before-1)
		if !strings.Contains(err.Error(), at) {
			t.Errorf("attempt %d: Record = %q, want it to name %s", attempt, err, at)
		}
	}
	if after := len(env.stream(env.fund)); after != before {
		t.Errorf("the fund stream grew from %d to %d events on a broken chain", before, after)
	}
	// The other fund is unaffected.
	mustRecord(t, env.l, donate(other, 4))
}
