package domain_test

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/store/embedded"
)

// fixedSeal stands in for the API's seal in the ledger's tests, which are
// about who may write when; the API's tests recompute real seals.
func fixedSeal(context.Context, domain.Position) (string, error) {
	return "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8", nil
}

func closeYear(t *testing.T, l *domain.Ledger, unit domain.UnitID, year int) domain.PeriodResult {
	t.Helper()
	res, err := l.ClosePeriod(t.Context(), domain.ClosePeriod{UnitID: unit, Year: year}, testActor, fixedSeal)
	if err != nil {
		t.Fatalf("ClosePeriod(%s, %d) = %v, want closed", unit, year, err)
	}
	return res
}

func dated(c domain.RecordDonation, on string) domain.RecordDonation {
	c.OccurredOn = domain.MustDate(on)
	return c
}

// TestLedgerClosedPeriodRefusesWrites: after a close, every money event
// and fund opening dated in the year, in the unit or under it, is
// period_closed and records nothing; other years, other branches,
// replays, and corrections dated in an open year are not.
func TestLedgerClosedPeriodRefusesWrites(t *testing.T) {
	env := newLedgerEnv(t, domain.FundMutualAid)
	ctx := t.Context()
	l := env.l
	if _, err := l.RegisterUnit(ctx, domain.RegisterUnit{UnitID: "cao-loc", Name: "LĐLĐ huyện Cao Lộc", ParentID: "lang-son"}, testActor); err != nil {
		t.Fatal(err)
	}
	if _, err := l.RegisterUnit(ctx, domain.RegisterUnit{UnitID: "ha-noi", Name: "LĐLĐ Hà Nội"}, testActor); err != nil {
		t.Fatal(err)
	}
	child := domain.NewID()
	if _, err := l.OpenFund(ctx, domain.OpenFund{FundID: child, UnitID: "cao-loc", Name: "Quỹ tương trợ Cao Lộc",
		Kind: domain.FundMutualAid, OpenedOn: domain.MustDate("2021-01-01")}, testActor); err != nil {
		t.Fatal(err)
	}
	other := domain.NewID()
	if _, err := l.OpenFund(ctx, domain.OpenFund{FundID: other, UnitID: "ha-noi", Name: "Quỹ Hà Nội",
		Kind: domain.FundSocial, OpenedOn: domain.MustDate("2021-01-01")}, testActor); err != nil {
		t.Fatal(err)
	}
	before := dated(donate(env.fund, 5_000_000), "2023-03-01")
	mustRecord(t, l, before)
	loan := domain.DisburseLoan{LoanID: domain.NewID(), FundID: env.fund, BeneficiaryID: "LS-7", Amount: vnd(1_000_000),
		OccurredOn: domain.MustDate("2023-04-01")}
	mustRecord(t, l, loan)

	closed := closeYear(t, l, "lang-son", 2023)
	if closed.Position == 0 || closed.Closed.Year != 2023 || closed.Closed.Seal == "" {
		t.Fatalf("ClosePeriod = %+v, want a position, the year and the seal", closed)
	}

	refused := []struct {
		name string
		cmd  domain.MoneyCommand
	}{
		{"donation in the unit", dated(donate(env.fund, 1), "2023-12-31")},
		{"donation under the unit", dated(donate(child, 1), "2023-01-01")},
		{"grant", domain.GrantAssistance{TransactionID: domain.NewID(), FundID: env.fund, BeneficiaryID: "LS-1", Amount: vnd(1),
			Category: domain.AssistAccident, OccurredOn: domain.MustDate("2023-06-01")}},
		{"loan", domain.DisburseLoan{LoanID: domain.NewID(), FundID: env.fund, BeneficiaryID: "LS-1", Amount: vnd(1),
			OccurredOn: domain.MustDate("2023-06-01")}},
		{"repayment", domain.RepayLoan{TransactionID: domain.NewID(), FundID: env.fund, LoanID: loan.LoanID, Amount: vnd(1),
			OccurredOn: domain.MustDate("2023-06-01")}},
		{"reversal dated in the year", domain.ReverseTransaction{TransactionID: domain.NewID(), FundID: env.fund, Reverses: before.TransactionID,
			Reason: "nhầm", OccurredOn: domain.MustDate("2023-12-01")}},
	}
	for _, c := range refused {
		t.Run(c.name, func(t *testing.T) {
			n := len(env.stream(c.cmd.Fund()))
			_, err := l.Record(ctx, c.cmd, testActor)
			wantLedgerCode(t, "Record", err, domain.CodePeriodClosed)
			if got := len(env.stream(c.cmd.Fund())); got != n {
				t.Errorf("the refused %s left %d events in the stream, want %d", c.name, got, n)
			}
		})
	}
	_, err := l.OpenFund(ctx, domain.OpenFund{FundID: domain.NewID(), UnitID: "cao-loc", Name: "Quỹ mới",
		Kind: domain.FundSocial, OpenedOn: domain.MustDate("2023-05-05")}, testActor)
	wantLedgerCode(t, "OpenFund dated in the closed year", err, domain.CodePeriodClosed)

	// Allowed: another year, another branch, a replay, a correction in
	// an open year of an event of the closed year.
	mustRecord(t, l, dated(donate(env.fund, 1), "2024-01-01"))
	mustRecord(t, l, dated(donate(other, 1), "2023-06-01"))
	if res := mustRecord(t, l, before); !res.Replay {
		t.Errorf("repeating a write recorded before the close: Replay = false, want the original answered")
	}
	mustRecord(t, l, domain.ReverseTransaction{TransactionID: domain.NewID(), FundID: env.fund, Reverses: loan.LoanID,
		Reason: "ghi nhầm", OccurredOn: domain.MustDate("2024-02-01")})
	if _, err := l.OpenFund(ctx, domain.OpenFund{FundID: domain.NewID(), UnitID: "cao-loc", Name: "Quỹ 2024",
		Kind: domain.FundSocial, OpenedOn: domain.MustDate("2024-01-01")}, testActor); err != nil {
		t.Errorf("OpenFund dated after the closed year = %v, want opened", err)
	}

	// Closing again is already_exists; reopening lets the year's writes in.
	_, err = l.ClosePeriod(ctx, domain.ClosePeriod{UnitID: "lang-son", Year: 2023}, testActor, fixedSeal)
	wantLedgerCode(t, "ClosePeriod of a closed year", err, domain.CodeAlreadyExists)
	_, err = l.ReopenPeriod(ctx, domain.ReopenPeriod{UnitID: "cao-loc", Year: 2023, Reason: "x"}, testActor)
	wantLedgerCode(t, "ReopenPeriod of a year an ancestor closed", err, domain.CodePeriodNotClosed)
	if _, err := l.ReopenPeriod(ctx, domain.ReopenPeriod{UnitID: "lang-son", Year: 2023, Reason: "sót chứng từ"}, testActor); err != nil {
		t.Fatalf("ReopenPeriod = %v", err)
	}
	mustRecord(t, l, dated(donate(child, 1), "2023-06-01"))
	_, err = l.ReopenPeriod(ctx, domain.ReopenPeriod{UnitID: "lang-son", Year: 2023, Reason: "again"}, testActor)
	wantLedgerCode(t, "ReopenPeriod of a reopened year", err, domain.CodePeriodNotClosed)

	// A restarted ledger (a new process) reads the closures from the log.
	closeYear(t, l, "lang-son", 2022)
	env.reopen(ledgerNow)
	_, err = env.l.Record(ctx, dated(donate(env.fund, 1), "2022-06-01"), testActor)
	wantLedgerCode(t, "Record after a restart, dated in a closed year", err, domain.CodePeriodClosed)
}

func TestLedgerClosePeriodRefusals(t *testing.T) {
	env := newLedgerEnv(t, domain.FundSocial)
	for _, c := range []struct {
		name string
		cmd  domain.ClosePeriod
		want domain.Code
	}{
		{"unknown unit", domain.ClosePeriod{UnitID: "ha-noi", Year: 2023}, domain.CodeNotFound},
		{"year 1899", domain.ClosePeriod{UnitID: "lang-son", Year: 1899}, domain.CodeValidation},
		{"the year after next", domain.ClosePeriod{UnitID: "lang-son", Year: 2026}, domain.CodeValidation},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := env.l.ClosePeriod(t.Context(), c.cmd, testActor, fixedSeal)
			wantLedgerCode(t, "ClosePeriod", err, c.want)
		})
	}
	sealErr := errors.New("projections not caught up")
	_, err := env.l.ClosePeriod(t.Context(), domain.ClosePeriod{UnitID: "lang-son", Year: 2023}, testActor,
		func(context.Context, domain.Position) (string, error) { return "", sealErr })
	if !errors.Is(err, sealErr) {
		t.Errorf("ClosePeriod with a failing seal = %v, want it wrapped", err)
	}
	// The closing is recorded and stays pending: the year and every date
	// before it are frozen until the close is completed or abandoned.
	evs, err := env.store.ReadStream(t.Context(), domain.PeriodStream, 0, 10)
	if err != nil || len(evs) != 1 || evs[0].Type != string(domain.TypePeriodClosing) {
		t.Fatalf("period stream after a failed seal: %d events, %v; want one PeriodClosing", len(evs), err)
	}
	_, err = env.l.Record(t.Context(), dated(donate(env.fund, 1), "2022-06-01"), testActor)
	wantLedgerCode(t, "Record dated before a pending close's year", err, domain.CodePeriodClosed)
	mustRecord(t, env.l, dated(donate(env.fund, 1), "2024-01-01"))
	var sealedUpTo domain.Position
	res, err := env.l.ClosePeriod(t.Context(), domain.ClosePeriod{UnitID: "lang-son", Year: 2023}, testActor,
		func(_ context.Context, upTo domain.Position) (string, error) {
			sealedUpTo = upTo
			return fixedSeal(t.Context(), upTo)
		})
	if err != nil {
		t.Fatalf("ClosePeriod completing a pending close = %v", err)
	}
	if sealedUpTo != evs[0].Position || res.Position <= evs[0].Position {
		t.Errorf("completed close: sealed up to %d, closed at %d; want the pending closing's %d, and after it", sealedUpTo, res.Position, evs[0].Position)
	}
	evs, err = env.store.ReadStream(t.Context(), domain.PeriodStream, 0, 10)
	if err != nil || len(evs) != 2 || evs[1].Type != string(domain.TypePeriodClosed) {
		t.Errorf("period stream after completing: %d events, %v; want PeriodClosing, PeriodClosed", len(evs), err)
	}
	_, err = env.l.Record(t.Context(), dated(donate(env.fund, 1), "2022-06-01"), testActor)
	if err != nil {
		t.Errorf("Record dated in 2022 once 2023 is closed = %v, want it recorded", err)
	}
}

// TestLedgerReopenAbandonsAPendingClose: a close stopped half-way is
// abandoned by a reopening, and the frozen dates count again.
func TestLedgerReopenAbandonsAPendingClose(t *testing.T) {
	env := newLedgerEnv(t, domain.FundSocial)
	_, err := env.l.ClosePeriod(t.Context(), domain.ClosePeriod{UnitID: "lang-son", Year: 2023}, testActor,
		func(context.Context, domain.Position) (string, error) { return "", errors.New("stopped") })
	if err == nil {
		t.Fatal("ClosePeriod with a failing seal succeeded")
	}
	res, err := env.l.ReopenPeriod(t.Context(), domain.ReopenPeriod{UnitID: "lang-son", Year: 2023, Reason: "bỏ dở"}, testActor)
	if err != nil {
		t.Fatalf("ReopenPeriod of a pending close = %v", err)
	}
	if res.Closed.Seal != "" || res.ClosurePosition == 0 {
		t.Errorf("abandoned closing: seal %q, position %d; want no seal and the closing's position", res.Closed.Seal, res.ClosurePosition)
	}
	mustRecord(t, env.l, dated(donate(env.fund, 1), "2023-06-01"))
	_, err = env.l.ReopenPeriod(t.Context(), domain.ReopenPeriod{UnitID: "lang-son", Year: 2023, Reason: "lần nữa"}, testActor)
	wantLedgerCode(t, "ReopenPeriod again", err, domain.CodePeriodNotClosed)
}

// TestLedgerCloseRacesWrites races writes dated in a year, on several
// funds, against the close of that year, and checks from the log that the
// close is a clean cut: every acknowledged write is before the close's
// position, every write after it was refused with period_closed, and no
// event dated in the year follows the close.
func TestLedgerCloseRacesWrites(t *testing.T) {
	for _, slow := range []bool{false, true} {
		name := "store as it is"
		if slow {
			name = "fund appends slower than the close's"
		}
		t.Run(name, func(t *testing.T) { raceCloseAndWrites(t, slow) })
	}
}

// slowFunds delays every append to a fund stream, as a loaded disk
// would, while the period stream's append goes through at once: without
// the fence, a write decided before the close would land after it.
type slowFunds struct{ *embedded.Store }

const slowFundAppend = 2 * time.Millisecond

func (s slowFunds) Append(ctx context.Context, stream string, expected domain.ExpectedRevision, events []domain.NewEvent) (domain.AppendResult, error) {
	if strings.HasPrefix(stream, "fund-") {
		time.Sleep(slowFundAppend)
	}
	return s.Store.Append(ctx, stream, expected, events)
}

func (s slowFunds) AppendAfter(ctx context.Context, stream string, expected domain.ExpectedRevision, events []domain.NewEvent, after domain.PendingAppend) (domain.PendingAppend, error) {
	if strings.HasPrefix(stream, "fund-") {
		time.Sleep(slowFundAppend)
	}
	return s.Store.AppendAfter(ctx, stream, expected, events, after)
}

func raceCloseAndWrites(t *testing.T, slow bool) {
	env := newLedgerEnv(t, domain.FundSocial)
	ctx := t.Context()
	funds := []uuid.UUID{env.fund, env.openFund(env.l, domain.FundSocial), env.openFund(env.l, domain.FundSocial)}
	if slow {
		env.l = domain.NewLedger(slowFunds{env.store}, clockAt(ledgerNow))
	}
	// Each writer sends its writes one after the other, so that writes
	// are decided before, while and after the close is recorded.
	const writers, each = 32, 4
	type outcome struct {
		pos domain.Position
		err error
	}
	outcomes := make([]outcome, writers*each)
	// The close starts once some writes are answered, while the others
	// are queued, decided or in flight.
	const closeAfter = writers
	start, quarter := make(chan struct{}), make(chan struct{})
	var answered atomic.Int32
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			<-start
			for j := range each {
				res, err := env.l.Record(ctx, dated(donate(funds[i%len(funds)], int64(1000+i)), "2023-09-02"), testActor)
				outcomes[i*each+j] = outcome{res.Tx.Position, err}
				if answered.Add(1) == closeAfter {
					close(quarter)
				}
			}
		})
	}
	var closed domain.PeriodResult
	var closeErr error
	wg.Go(func() {
		<-quarter
		closed, closeErr = env.l.ClosePeriod(ctx, domain.ClosePeriod{UnitID: "lang-son", Year: 2023}, testActor, fixedSeal)
	})
	close(start)
	wg.Wait()
	if closeErr != nil {
		t.Fatalf("ClosePeriod = %v", closeErr)
	}
	acked, refused := 0, 0
	for i, o := range outcomes {
		switch {
		case o.err == nil:
			acked++
			if o.pos >= closed.Position {
				t.Errorf("write %d acknowledged at position %d, after the close at %d", i, o.pos, closed.Position)
			}
		case domain.CodeOf(o.err) == domain.CodePeriodClosed:
			refused++
		default:
			t.Errorf("write %d = %v, want recorded or period_closed", i, o.err)
		}
	}
	var inYearAfter, inLog int
	for after := domain.Position(0); ; {
		batch, err := env.store.ReadAll(ctx, after, domain.MaxReadBatch)
		if err != nil {
			t.Fatal(err)
		}
		for _, se := range batch {
			e, err := domain.Decode(se)
			if err != nil {
				t.Fatal(err)
			}
			if _, ok := e.Data.(*domain.DonationReceived); ok && e.Meta.OccurredOn.Year() == 2023 {
				inLog++
				if se.Position > closed.Position {
					inYearAfter++
				}
			}
		}
		if len(batch) < domain.MaxReadBatch {
			break
		}
		after = batch[len(batch)-1].Position
	}
	if inYearAfter != 0 || inLog != acked {
		t.Errorf("log: %d donations dated 2023, %d after the close; want %d (the acknowledged ones), none after", inLog, inYearAfter, acked)
	}
	if acked < closeAfter {
		t.Errorf("%d writes acknowledged, want at least the %d answered before the close began", acked, closeAfter)
	}
	t.Logf("%d writes acknowledged before the close, %d refused after it", acked, refused)
}

// TestLedgerOtherInstanceLearnsOfAClose: a second ledger on the same
// store (another API instance) refuses writes dated in a year closed by
// the first once it has read the period stream again, within
// periodRefresh (a second) — the bound docs/api.md states for several
// instances.
func TestLedgerOtherInstanceLearnsOfAClose(t *testing.T) {
	env := newLedgerEnv(t, domain.FundSocial)
	other := domain.NewLedger(env.store, clockAt(ledgerNow))
	mustRecord(t, other, dated(donate(env.fund, 1000), "2023-03-03")) // reads the period stream: empty
	closeYear(t, env.l, "lang-son", 2023)
	time.Sleep(time.Second + 100*time.Millisecond)
	_, err := other.Record(t.Context(), dated(donate(env.fund, 1000), "2023-03-04"), testActor)
	wantLedgerCode(t, "Record on the other instance a second after the close", err, domain.CodePeriodClosed)
}

// TestLedgerRefusesWritesOnATamperedPeriodStream: a closure edited in the
// file (here its year, which would open 2023 again) breaks the period
// stream's chain; writes are refused as chain_broken, not decided on an
// unknown set of closed years.
func TestLedgerRefusesWritesOnATamperedPeriodStream(t *testing.T) {
	env := newLedgerEnv(t, domain.FundSocial)
	closeYear(t, env.l, "lang-son", 2023)
	if err := env.store.Close(); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("sqlite", env.path)
	if err != nil {
		t.Fatal(err)
	}
	r, err := db.Exec(`UPDATE events SET data = replace(data, '"year":2023', '"year":2022') WHERE stream = ? AND type = 'PeriodClosed'`, domain.PeriodStream)
	if err != nil {
		t.Fatalf("tamper: %v", err)
	}
	if n, _ := r.RowsAffected(); n != 1 {
		t.Fatalf("tamper changed %d rows, want 1", n)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	env.store = openStore(t, env.path)
	env.l = domain.NewLedger(env.store, clockAt(ledgerNow))
	before := len(env.stream(env.fund))
	_, err = env.l.Record(t.Context(), dated(donate(env.fund, 5), "2023-05-05"), testActor)
	if !errors.Is(err, domain.ErrHashMismatch) || domain.CodeOf(err) != domain.CodeChainBroken {
		t.Fatalf("Record with a tampered period stream = %v, want chain_broken wrapping ErrHashMismatch", err)
	}
	if after := len(env.stream(env.fund)); after != before {
		t.Errorf("the fund stream grew from %d to %d events", before, after)
	}
}
