package domain_test

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// testNow is the injected clock of the fund tests: 10:00 on 2024-07-01 in
// Vietnam (03:00 UTC).
var testNow = time.Date(2024, 7, 1, 3, 0, 0, 0, time.UTC)

const (
	testToday  = "2024-07-01"
	testOpened = "2020-01-01"
)

// fundFixture is a fund built the way the ledger builds one, without a store:
// every decided event is sealed onto the fund's hash chain, verified, decoded
// and evolved.
type fundFixture struct {
	t   *testing.T
	f   *domain.Fund
	now time.Time
	pos domain.Position
	// events holds every stored event of the fund's stream, in order.
	events []domain.StoredEvent
}

func newFund(t *testing.T, kind domain.FundKind) *fundFixture {
	t.Helper()
	return newFundOpenedOn(t, kind, testOpened)
}

func newFundOpenedOn(t *testing.T, kind domain.FundKind, opened string) *fundFixture {
	t.Helper()
	id := domain.NewID()
	fx := &fundFixture{t: t, f: domain.NewFund(id), now: testNow}
	pending, err := domain.DecideOpen(fx.f, domain.OpenFund{FundID: id, UnitID: "lang-son", Name: "Quỹ thử nghiệm",
		Kind: kind, OpenedOn: domain.MustDate(opened)}, true, testNow)
	if err != nil {
		t.Fatalf("DecideOpen: %v", err)
	}
	fx.apply(pending)
	return fx
}

// apply records pending events as the ledger would: seal onto the chain,
// check the chain, decode what was "stored" and evolve.
func (fx *fundFixture) apply(pending []domain.Pending) {
	fx.t.Helper()
	for _, p := range pending {
		meta := domain.Metadata{EventID: p.EventID, OccurredOn: p.OccurredOn, RecordedAt: fx.now.UTC(),
			Actor: "tester", PayloadHash: p.PayloadHash}
		ne, _, err := domain.Seal(fx.f.LastHash, p.Data, meta)
		if err != nil {
			fx.t.Fatalf("Seal(%T): %v", p.Data, err)
		}
		rev := uint64(len(fx.events))
		fx.pos++
		se := domain.StoredEvent{Position: fx.pos, Stream: domain.FundStream(fx.f.ID), Revision: rev,
			ID: ne.ID, Type: ne.Type, Data: ne.Data, Metadata: ne.Metadata}
		if _, err := domain.VerifyHash(fx.f.LastHash, se); err != nil {
			fx.t.Fatalf("VerifyHash of a freshly sealed event: %v", err)
		}
		ev, err := domain.Decode(se)
		if err != nil {
			fx.t.Fatalf("Decode of a freshly sealed event: %v", err)
		}
		fx.f.Evolve(ev)
		fx.events = append(fx.events, se)
	}
}

func (fx *fundFixture) decide(c domain.MoneyCommand) ([]domain.Pending, error) {
	return domain.Decide(fx.f, c, fx.now)
}

// record decides c and applies its events; it returns Decide's error.
func (fx *fundFixture) record(c domain.MoneyCommand) error {
	fx.t.Helper()
	pending, err := fx.decide(c)
	if err == nil {
		fx.apply(pending)
	}
	return err
}

// must records c and fails the test if it is refused; it returns c's id.
func (fx *fundFixture) must(c domain.MoneyCommand) uuid.UUID {
	fx.t.Helper()
	pending, err := fx.decide(c)
	if err != nil {
		fx.t.Fatalf("Decide(%s) = %v, want it recorded", describe(c), err)
	}
	if len(pending) != 1 {
		fx.t.Fatalf("Decide(%s) = %d events, want 1", describe(c), len(pending))
	}
	fx.apply(pending)
	return c.TxID()
}

// refuse decides c, expects a refusal with code, and checks that the fund is
// untouched (Decide is pure).
func (fx *fundFixture) refuse(c domain.MoneyCommand, code domain.Code) *domain.Error {
	fx.t.Helper()
	rev, last := fx.f.Revision, fx.f.Balance.Last()
	pending, err := fx.decide(c)
	de := wantCode(fx.t, fmt.Sprintf("Decide(%s)", describe(c)), pending, err, code)
	if fx.f.Revision != rev || !fx.f.Balance.Last().Equal(last) {
		fx.t.Fatalf("a refused Decide changed the fund: revision %d→%d, balance %s→%s", rev, fx.f.Revision, last, fx.f.Balance.Last())
	}
	return de
}

func wantCode(t *testing.T, what string, pending []domain.Pending, err error, code domain.Code) *domain.Error {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) {
		t.Fatalf("%s = %d events, %v; want a *domain.Error %s", what, len(pending), err, code)
	}
	if de.Code != code {
		t.Fatalf("%s error = %v, want code %s", what, err, code)
	}
	if len(pending) != 0 {
		t.Fatalf("%s returned %d events with its error, want none", what, len(pending))
	}
	return de
}

func fieldNames(de *domain.Error) []string {
	var out []string
	for _, f := range de.Fields {
		out = append(out, f.Field)
	}
	return out
}

func describe(c domain.MoneyCommand) string {
	switch c := c.(type) {
	case domain.RecordDonation:
		return fmt.Sprintf("donation %s on %q", c.Amount, c.OccurredOn)
	case domain.PayShelterGrant:
		return fmt.Sprintf("shelter grant %s on %q", c.Amount, c.OccurredOn)
	case domain.GrantAssistance:
		return fmt.Sprintf("assistance %s on %q", c.Amount, c.OccurredOn)
	case domain.DisburseLoan:
		return fmt.Sprintf("loan %s on %q", c.Amount, c.OccurredOn)
	case domain.RepayLoan:
		return fmt.Sprintf("repayment %s of %s on %q", c.Amount, c.LoanID, c.OccurredOn)
	case domain.ReverseTransaction:
		return fmt.Sprintf("reversal of %s on %q", c.Reverses, c.OccurredOn)
	}
	return fmt.Sprintf("%T", c)
}

func dateOrZero(on string) domain.Date {
	if on == "" {
		return 0
	}
	return domain.MustDate(on)
}

func (fx *fundFixture) donation(amount int64, on string) domain.RecordDonation {
	return domain.RecordDonation{TransactionID: domain.NewID(), FundID: fx.f.ID, Amount: vnd(amount),
		OccurredOn: dateOrZero(on), Donor: domain.Donor{Name: "Công đoàn cơ sở", Kind: domain.DonorOrganization}}
}

func (fx *fundFixture) shelter(amount int64, on string) domain.PayShelterGrant {
	return domain.PayShelterGrant{TransactionID: domain.NewID(), FundID: fx.f.ID, BeneficiaryID: "LS-001",
		Amount: vnd(amount), Shelter: domain.ShelterRepair, OccurredOn: dateOrZero(on)}
}

func (fx *fundFixture) assist(amount int64, on string) domain.GrantAssistance {
	return domain.GrantAssistance{TransactionID: domain.NewID(), FundID: fx.f.ID, BeneficiaryID: "LS-002",
		Amount: vnd(amount), Category: domain.AssistHardship, OccurredOn: dateOrZero(on)}
}

func (fx *fundFixture) loan(amount int64, on string) domain.DisburseLoan {
	return domain.DisburseLoan{LoanID: domain.NewID(), FundID: fx.f.ID, BeneficiaryID: "LS-003",
		Amount: vnd(amount), OccurredOn: dateOrZero(on)}
}

func (fx *fundFixture) repay(loan uuid.UUID, amount int64, on string) domain.RepayLoan {
	return domain.RepayLoan{TransactionID: domain.NewID(), FundID: fx.f.ID, LoanID: loan, Amount: vnd(amount), OccurredOn: dateOrZero(on)}
}

func (fx *fundFixture) reverse(tx uuid.UUID, on string) domain.ReverseTransaction {
	return domain.ReverseTransaction{TransactionID: domain.NewID(), FundID: fx.f.ID, Reverses: tx, Reason: "ghi nhầm", OccurredOn: dateOrZero(on)}
}

// addDays returns the date n days after on.
func addDays(on string, n int) domain.Date {
	t, err := time.Parse(time.DateOnly, on)
	if err != nil {
		panic(err)
	}
	y, m, d := t.AddDate(0, 0, n).Date()
	v, err := domain.NewDate(y, m, d)
	if err != nil {
		panic(err)
	}
	return v
}

func (fx *fundFixture) wantBalance(on string, want int64) {
	fx.t.Helper()
	if got := fx.f.Balance.At(domain.MustDate(on)); !got.Equal(vnd(want)) {
		fx.t.Errorf("balance on %s = %s, want %d", on, got, want)
	}
}

// ---------------------------------------------------------------------------

func TestDecideOpen(t *testing.T) {
	good := func() domain.OpenFund {
		return domain.OpenFund{FundID: domain.NewID(), UnitID: "lang-son", Name: "Quỹ Xã hội", Kind: domain.FundSocial, OpenedOn: domain.MustDate("2020-01-01")}
	}

	t.Run("opens", func(t *testing.T) {
		c := good()
		f := domain.NewFund(c.FundID)
		pending, err := domain.DecideOpen(f, c, true, testNow)
		if err != nil || len(pending) != 1 {
			t.Fatalf("DecideOpen = %d events, %v; want 1, nil", len(pending), err)
		}
		p := pending[0]
		fo, ok := p.Data.(*domain.FundOpened)
		if !ok || p.EventID != c.FundID || p.OccurredOn != c.OpenedOn || p.PayloadHash != domain.PayloadHash(c) {
			t.Fatalf("DecideOpen pending = %+v, want FundOpened with event id = fund id, date %s", p, c.OpenedOn)
		}
		if fo.FundID != c.FundID || fo.UnitID != c.UnitID || fo.Name != c.Name || fo.Kind != c.Kind || fo.OpenedOn != c.OpenedOn {
			t.Errorf("FundOpened = %+v, want the command's fields", fo)
		}
	})
	t.Run("opened_on defaults to today in Vietnam", func(t *testing.T) {
		c := good()
		c.OpenedOn = 0
		// 17:30 UTC on 2024-06-30 is already 2024-07-01 in Vietnam.
		now := time.Date(2024, 6, 30, 17, 30, 0, 0, time.UTC)
		pending, err := domain.DecideOpen(domain.NewFund(c.FundID), c, true, now)
		if err != nil || len(pending) != 1 {
			t.Fatalf("DecideOpen = %v, %v", pending, err)
		}
		if got := pending[0].Data.(*domain.FundOpened).OpenedOn; got != domain.MustDate("2024-07-01") {
			t.Errorf("OpenedOn = %s, want 2024-07-01", got)
		}
	})
	t.Run("opened today", func(t *testing.T) {
		c := good()
		c.OpenedOn = domain.MustDate(testToday)
		if _, err := domain.DecideOpen(domain.NewFund(c.FundID), c, true, testNow); err != nil {
			t.Errorf("DecideOpen(opened today) = %v, want nil", err)
		}
	})

	refusals := []struct {
		name       string
		mutate     func(*domain.OpenFund)
		unitExists bool
		code       domain.Code
		fields     []string
	}{
		{"opened tomorrow", func(c *domain.OpenFund) { c.OpenedOn = domain.MustDate("2024-07-02") }, true, domain.CodeValidation, []string{"opened_on"}},
		{"no fund id", func(c *domain.OpenFund) { c.FundID = uuid.Nil }, true, domain.CodeValidation, []string{"fund_id"}},
		{"bad unit id", func(c *domain.OpenFund) { c.UnitID = "Lang Son" }, true, domain.CodeValidation, []string{"unit_id"}},
		{"no name", func(c *domain.OpenFund) { c.Name = "  " }, true, domain.CodeValidation, []string{"name"}},
		{"name too long", func(c *domain.OpenFund) { c.Name = strings.Repeat("ệ", 201) }, true, domain.CodeValidation, []string{"name"}},
		{"name with control character", func(c *domain.OpenFund) { c.Name = "Quỹ\x1b[31m" }, true, domain.CodeValidation, []string{"name"}},
		{"unknown kind", func(c *domain.OpenFund) { c.Kind = "pension" }, true, domain.CodeValidation, []string{"kind"}},
		{"every bad field at once", func(c *domain.OpenFund) {
			c.UnitID, c.Name, c.Kind, c.OpenedOn = "", "", "", domain.MustDate("2030-01-01")
		}, true, domain.CodeValidation, []string{"unit_id", "name", "kind", "opened_on"}},
		{"unit not registered", func(c *domain.OpenFund) {}, false, domain.CodeNotFound, nil},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			c := good()
			tt.mutate(&c)
			pending, err := domain.DecideOpen(domain.NewFund(c.FundID), c, tt.unitExists, testNow)
			de := wantCode(t, "DecideOpen", pending, err, tt.code)
			for _, f := range tt.fields {
				if !slices.Contains(fieldNames(de), f) {
					t.Errorf("DecideOpen fields = %v, want %s among them", fieldNames(de), f)
				}
			}
		})
	}

	t.Run("replay and conflict", func(t *testing.T) {
		c := good()
		c.OpenedOn = 0 // "today": a retry on a later day is still the same command
		fx := &fundFixture{t: t, f: domain.NewFund(c.FundID), now: testNow}
		pending, err := domain.DecideOpen(fx.f, c, true, testNow)
		if err != nil {
			t.Fatalf("DecideOpen: %v", err)
		}
		fx.apply(pending)
		if !fx.f.Exists || fx.f.OpenedOn != domain.MustDate(testToday) || fx.f.Kind != domain.FundSocial || fx.f.Unit != "lang-son" {
			t.Fatalf("fund after FundOpened = %+v", fx.f)
		}
		for _, now := range []time.Time{testNow, testNow.Add(48 * time.Hour)} {
			pending, err := domain.DecideOpen(fx.f, c, true, now)
			if err != nil || len(pending) != 0 {
				t.Errorf("DecideOpen(same command at %s) = %d events, %v; want a replay (0, nil)", now, len(pending), err)
			}
		}
		other := c
		other.Name = "Quỹ khác"
		pending, err = domain.DecideOpen(fx.f, other, true, testNow)
		wantCode(t, "DecideOpen(same id, other name)", pending, err, domain.CodeIdempotencyConflict)
		other = c
		other.Kind = domain.FundCharity
		pending, err = domain.DecideOpen(fx.f, other, true, testNow)
		wantCode(t, "DecideOpen(same id, other kind)", pending, err, domain.CodeIdempotencyConflict)
	})
}

func TestDecideFundNotFound(t *testing.T) {
	f := domain.NewFund(domain.NewID())
	fx := &fundFixture{t: t, f: f, now: testNow}
	for _, c := range []domain.MoneyCommand{
		fx.donation(100, ""), fx.shelter(100, ""), fx.assist(100, ""), fx.loan(100, ""),
		fx.repay(domain.NewID(), 100, ""), fx.reverse(domain.NewID(), ""),
	} {
		pending, err := domain.Decide(f, c, testNow)
		de := wantCode(t, fmt.Sprintf("Decide(%s) on an unopened fund", describe(c)), pending, err, domain.CodeNotFound)
		if !strings.Contains(de.Message, f.ID.String()) {
			t.Errorf("not_found message %q does not name the fund %s", de.Message, f.ID)
		}
	}
}

func TestDecideValidation(t *testing.T) {
	long := func(n int) string { return strings.Repeat("ệ", n) } // multi-byte: limits count characters
	tests := []struct {
		name   string
		kind   domain.FundKind
		cmd    func(fx *fundFixture, loan uuid.UUID) domain.MoneyCommand
		fields []string // nil: the command is valid
	}{
		// amount
		{"donation amount zero", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.donation(0, "")
			c.Amount = domain.VND{}
			return c
		}, []string{"amount"}},
		{"donation amount negative", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand { return fx.donation(-5, "") }, []string{"amount"}},
		{"donation amount 10^15+1", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.donation(0, "")
			c.Amount = domain.MustVND("1000000000000001")
			return c
		}, []string{"amount"}},
		{"donation amount 10^15", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.donation(0, "")
			c.Amount = domain.MaxTransactionAmount
			return c
		}, nil},
		{"shelter amount zero", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand { return fx.shelter(0, "") }, []string{"amount"}},
		{"assistance amount negative", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand { return fx.assist(-1, "") }, []string{"amount"}},
		{"loan amount 10^15+1", domain.FundCapitalSupport, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.loan(0, "")
			c.Amount = domain.MustVND("1000000000000001")
			return c
		}, []string{"amount"}},
		{"repayment amount zero", domain.FundCapitalSupport, func(fx *fundFixture, l uuid.UUID) domain.MoneyCommand { return fx.repay(l, 0, "") }, []string{"amount"}},

		// beneficiary_id
		{"shelter without beneficiary", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.shelter(1, "")
			c.BeneficiaryID = ""
			return c
		}, []string{"beneficiary_id"}},
		{"assistance beneficiary with a space", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.assist(1, "")
			c.BeneficiaryID = "Nguyen Van A"
			return c
		}, []string{"beneficiary_id"}},
		{"loan beneficiary too long", domain.FundCapitalSupport, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.loan(1, "")
			c.BeneficiaryID = domain.BeneficiaryID(strings.Repeat("A", 65))
			return c
		}, []string{"beneficiary_id"}},
		{"loan beneficiary starting with a dash", domain.FundCapitalSupport, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.loan(1, "")
			c.BeneficiaryID = "-A1"
			return c
		}, []string{"beneficiary_id"}},

		// enumerations
		{"shelter kind missing", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.shelter(1, "")
			c.Shelter = ""
			return c
		}, []string{"shelter"}},
		{"shelter kind unknown", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.shelter(1, "")
			c.Shelter = "rebuild"
			return c
		}, []string{"shelter"}},
		{"category missing", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.assist(1, "")
			c.Category = ""
			return c
		}, []string{"category"}},
		{"category unknown", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.assist(1, "")
			c.Category = "funeral"
			return c
		}, []string{"category"}},
		{"donor kind missing", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.donation(1, "")
			c.Donor.Kind = ""
			return c
		}, []string{"donor.kind"}},
		{"donor kind unknown", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.donation(1, "")
			c.Donor.Kind = "company"
			return c
		}, []string{"donor.kind"}},

		// ids
		{"donation without transaction id", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.donation(1, "")
			c.TransactionID = uuid.Nil
			return c
		}, []string{"transaction_id"}},
		{"loan without loan id", domain.FundCapitalSupport, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.loan(1, "")
			c.LoanID = uuid.Nil
			return c
		}, []string{"loan_id"}},
		{"repayment without loan id", domain.FundCapitalSupport, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			return fx.repay(uuid.Nil, 1, "")
		}, []string{"loan_id"}},
		{"reversal without target", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			return fx.reverse(uuid.Nil, "")
		}, []string{"reverses"}},

		// reason
		{"reversal without reason", domain.FundSocial, func(fx *fundFixture, l uuid.UUID) domain.MoneyCommand {
			c := fx.reverse(l, "")
			c.Reason = ""
			return c
		}, []string{"reason"}},
		{"reversal with a blank reason", domain.FundSocial, func(fx *fundFixture, l uuid.UUID) domain.MoneyCommand {
			c := fx.reverse(l, "")
			c.Reason = " \u00a0 "
			return c
		}, []string{"reason"}},
		{"reversal reason too long", domain.FundSocial, func(fx *fundFixture, l uuid.UUID) domain.MoneyCommand {
			c := fx.reverse(l, "")
			c.Reason = long(2001)
			return c
		}, []string{"reason"}},

		// free text: limits in characters, not bytes
		{"donor name at 200 characters", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.donation(1, "")
			c.Donor.Name = long(200)
			return c
		}, nil},
		{"donor name over 200 characters", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.donation(1, "")
			c.Donor.Name = long(201)
			return c
		}, []string{"donor.name"}},
		{"campaign too long", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.donation(1, "")
			c.Campaign = long(201)
			return c
		}, []string{"campaign"}},
		{"reference too long", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.donation(1, "")
			c.Reference = long(201)
			return c
		}, []string{"reference"}},
		{"note at 2000 characters", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.donation(1, "")
			c.Note = long(2000)
			return c
		}, nil},
		{"note over 2000 characters", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.donation(1, "")
			c.Note = long(2001)
			return c
		}, []string{"note"}},
		{"decision number too long", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.shelter(1, "")
			c.DecisionNo = long(201)
			return c
		}, []string{"decision_no"}},
		{"shelter note too long", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.shelter(1, "")
			c.Note = long(2001)
			return c
		}, []string{"note"}},
		{"assistance note too long", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.assist(1, "")
			c.Note = long(2001)
			return c
		}, []string{"note"}},
		{"project too long", domain.FundCapitalSupport, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.loan(1, "")
			c.Project = long(201)
			return c
		}, []string{"project"}},
		{"loan note too long", domain.FundCapitalSupport, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.loan(1, "")
			c.Note = long(2001)
			return c
		}, []string{"note"}},
		{"repayment note too long", domain.FundCapitalSupport, func(fx *fundFixture, l uuid.UUID) domain.MoneyCommand {
			c := fx.repay(l, 1, "")
			c.Note = long(2001)
			return c
		}, []string{"note"}},

		// control characters and bad UTF-8
		{"NUL in a note", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.donation(1, "")
			c.Note = "a\x00b"
			return c
		}, []string{"note"}},
		{"escape sequence in a donor name", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.donation(1, "")
			c.Donor.Name = "\x1b[2J"
			return c
		}, []string{"donor.name"}},
		{"DEL in a campaign", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.donation(1, "")
			c.Campaign = "x\x7f"
			return c
		}, []string{"campaign"}},
		{"C1 control in a reference", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.donation(1, "")
			c.Reference = "x\u0085y"
			return c
		}, []string{"reference"}},
		{"invalid UTF-8 in a decision number", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.shelter(1, "")
			c.DecisionNo = "QĐ \xff"
			return c
		}, []string{"decision_no"}},
		{"control character in a project", domain.FundCapitalSupport, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.loan(1, "")
			c.Project = "a\x07"
			return c
		}, []string{"project"}},
		{"control character in a reason", domain.FundSocial, func(fx *fundFixture, l uuid.UUID) domain.MoneyCommand {
			c := fx.reverse(l, "")
			c.Reason = "nhầm\x00"
			return c
		}, []string{"reason"}},

		// dates
		{"donation tomorrow", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand { return fx.donation(1, "2024-07-02") }, []string{"occurred_on"}},
		{"grant tomorrow", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand { return fx.shelter(1, "2024-07-02") }, []string{"occurred_on"}},
		{"assistance tomorrow", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand { return fx.assist(1, "2024-07-02") }, []string{"occurred_on"}},
		{"loan tomorrow", domain.FundCapitalSupport, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand { return fx.loan(1, "2024-07-02") }, []string{"occurred_on"}},
		{"repayment tomorrow", domain.FundCapitalSupport, func(fx *fundFixture, l uuid.UUID) domain.MoneyCommand { return fx.repay(l, 1, "2024-07-02") }, []string{"occurred_on"}},
		{"reversal tomorrow", domain.FundSocial, func(fx *fundFixture, l uuid.UUID) domain.MoneyCommand { return fx.reverse(l, "2024-07-02") }, []string{"occurred_on"}},
		{"donation today", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand { return fx.donation(1, testToday) }, nil},
		{"donation on the opening day", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand { return fx.donation(1, testOpened) }, nil},
		{"donation before the fund opened", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand { return fx.donation(1, "2019-12-31") }, []string{"occurred_on"}},
		{"grant before the fund opened", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand { return fx.shelter(1, "2019-12-31") }, []string{"occurred_on"}},
		{"loan before the fund opened", domain.FundCapitalSupport, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand { return fx.loan(1, "2019-06-01") }, []string{"occurred_on"}},
		{"due date before the disbursement", domain.FundCapitalSupport, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.loan(1, "2024-03-10")
			c.DueOn = domain.MustDate("2024-03-09")
			return c
		}, []string{"due_on"}},
		{"due date on the disbursement day", domain.FundCapitalSupport, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.loan(1, "2024-03-10")
			c.DueOn = domain.MustDate("2024-03-10")
			return c
		}, nil},
		{"due date before a disbursement dated today by default", domain.FundCapitalSupport, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.loan(1, "")
			c.DueOn = domain.MustDate("2024-06-30")
			return c
		}, []string{"due_on"}},

		// errors lists every bad field (API.md, "Errors")
		{"every bad field of a donation at once", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.donation(-1, "2024-07-02")
			c.Donor.Kind, c.Note, c.Campaign = "", "\x00", long(201)
			return c
		}, []string{"amount", "donor.kind", "note", "campaign", "occurred_on"}},
		{"every bad field of a shelter grant at once", domain.FundSocial, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.shelter(0, "2019-01-01")
			c.BeneficiaryID, c.Shelter, c.TransactionID = "", "", uuid.Nil
			return c
		}, []string{"transaction_id", "beneficiary_id", "amount", "shelter", "occurred_on"}},
		{"every bad field of a loan at once", domain.FundCapitalSupport, func(fx *fundFixture, _ uuid.UUID) domain.MoneyCommand {
			c := fx.loan(0, "2024-03-10")
			c.DueOn = domain.MustDate("2024-03-01")
			return c
		}, []string{"amount", "due_on"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFund(t, tt.kind)
			fx.must(fx.donation(1_000_000, "2020-01-01"))
			var target uuid.UUID // a loan (lending funds) or a donation to repay or reverse
			if tt.kind == domain.FundCapitalSupport {
				target = fx.must(fx.loan(500_000, "2020-01-01"))
			} else {
				target = fx.must(fx.donation(10, "2020-01-01"))
			}
			c := tt.cmd(fx, target)
			pending, err := fx.decide(c)
			if tt.fields == nil {
				if err != nil || len(pending) != 1 {
					t.Fatalf("Decide(%s) = %d events, %v; want it accepted", describe(c), len(pending), err)
				}
				return
			}
			de := wantCode(t, "Decide("+describe(c)+")", pending, err, domain.CodeValidation)
			got := fieldNames(de)
			for _, f := range tt.fields {
				if !slices.Contains(got, f) {
					t.Errorf("Decide(%s) fields = %v, want %s among them", describe(c), got, f)
				}
			}
			for _, f := range got {
				if !slices.Contains(tt.fields, f) {
					t.Errorf("Decide(%s) fields = %v, but %s is not wrong", describe(c), got, f)
				}
			}
			for _, fe := range de.Fields {
				if fe.Message == "" {
					t.Errorf("field %s has no message", fe.Field)
				}
			}
		})
	}
}

func TestDecideNotAllowedForFundKind(t *testing.T) {
	// API.md, "Funds": shelter grants, assistance grants, loans (and so
	// repayments) by kind; donations are allowed everywhere.
	table := []struct {
		kind                   domain.FundKind
		shelter, assist, loans bool
	}{
		{domain.FundSocial, true, true, false},
		{domain.FundShelter, true, false, false},
		{domain.FundCharity, true, true, false},
		{domain.FundCapitalSupport, false, false, true},
		{domain.FundMutualAid, false, true, true},
	}
	for _, row := range table {
		t.Run(string(row.kind), func(t *testing.T) {
			fx := newFund(t, row.kind)
			fx.must(fx.donation(1_000_000, "2024-01-01")) // donations: always
			ops := []struct {
				name    string
				allowed bool
				cmd     func() domain.MoneyCommand
			}{
				{"shelter grant", row.shelter, func() domain.MoneyCommand { return fx.shelter(100, "") }},
				{"assistance grant", row.assist, func() domain.MoneyCommand { return fx.assist(100, "") }},
				{"loan", row.loans, func() domain.MoneyCommand { return fx.loan(100, "") }},
				{"repayment", row.loans, func() domain.MoneyCommand {
					if row.loans {
						return fx.repay(fx.must(fx.loan(100, "")), 40, "")
					}
					return fx.repay(domain.NewID(), 40, "")
				}},
			}
			for _, op := range ops {
				c := op.cmd()
				if op.allowed {
					if err := fx.record(c); err != nil {
						t.Errorf("a %s fund: %s = %v, want recorded", row.kind, op.name, err)
					}
					continue
				}
				de := fx.refuse(c, domain.CodeNotAllowedForFundKind)
				if !strings.Contains(de.Message, string(row.kind)) {
					t.Errorf("a %s fund: %s refusal %q does not name the kind", row.kind, op.name, de.Message)
				}
			}
			// Even an invalid command of a forbidden kind is still refused
			// (as invalid or as not allowed), never recorded.
			bad := fx.loan(0, "")
			if _, err := fx.decide(bad); err == nil {
				t.Errorf("a %s fund: an invalid loan was accepted", row.kind)
			}
		})
	}
}

func TestDecideInsufficientFunds(t *testing.T) {
	type step struct {
		op     string // donate, shelter, assist, loan, repay, reverse
		amount int64
		on     string
		ref    int // for repay: index of the loan step; for reverse: index of the step reversed
	}
	tests := []struct {
		name     string
		kind     domain.FundKind
		history  []step
		attempt  step
		wantMsgs []string // fragments the insufficient_funds message must contain; nil: accepted
	}{
		{name: "grant from an empty fund", kind: domain.FundSocial,
			attempt: step{op: "shelter", amount: 50, on: "2024-01-01"}, wantMsgs: []string{"50", "0"}},
		{name: "grant of exactly the balance", kind: domain.FundSocial,
			history: []step{{op: "donate", amount: 100, on: "2024-01-01"}},
			attempt: step{op: "shelter", amount: 100, on: "2024-01-02"}},
		{name: "grant of one more than the balance", kind: domain.FundSocial,
			history: []step{{op: "donate", amount: 100, on: "2024-01-01"}},
			attempt: step{op: "assist", amount: 101, on: "2024-01-02"}, wantMsgs: []string{"101", "100"}},
		{name: "loan over the balance", kind: domain.FundCapitalSupport,
			history: []step{{op: "donate", amount: 100, on: "2024-01-01"}},
			attempt: step{op: "loan", amount: 150, on: "2024-01-02"}, wantMsgs: []string{"150", "100"}},
		{name: "grant dated before the money arrived", kind: domain.FundSocial,
			history: []step{{op: "donate", amount: 100, on: "2024-01-10"}},
			attempt: step{op: "shelter", amount: 10, on: "2024-01-05"}, wantMsgs: []string{"10", "0"}},
		{name: "back-dated grant before a later grant (API example)", kind: domain.FundSocial,
			history: []step{{op: "donate", amount: 100, on: "2020-01-10"}, {op: "shelter", amount: 80, on: "2020-01-20"}},
			attempt: step{op: "shelter", amount: 30, on: "2020-01-05"}, wantMsgs: []string{"30", "0"}},
		{name: "back-dated grant that fits its date but empties a later one", kind: domain.FundSocial,
			history: []step{{op: "donate", amount: 100, on: "2020-01-10"}, {op: "shelter", amount: 100, on: "2020-01-20"}},
			attempt: step{op: "assist", amount: 10, on: "2020-01-15"}, wantMsgs: []string{"10", "0", "2020-01-20"}},
		{name: "back-dated grant that fits every later date", kind: domain.FundSocial,
			history: []step{{op: "donate", amount: 100, on: "2020-01-10"}, {op: "shelter", amount: 80, on: "2020-01-20"}},
			attempt: step{op: "shelter", amount: 20, on: "2020-01-15"}},
		{name: "back-dated grant refused although today's balance covers it", kind: domain.FundSocial,
			history: []step{{op: "donate", amount: 100, on: "2020-01-10"}, {op: "shelter", amount: 100, on: "2020-01-15"},
				{op: "donate", amount: 100, on: "2020-01-25"}},
			attempt: step{op: "assist", amount: 50, on: "2020-01-20"}, wantMsgs: []string{"50", "0"}},
		{name: "the same grant dated after the new money", kind: domain.FundSocial,
			history: []step{{op: "donate", amount: 100, on: "2020-01-10"}, {op: "shelter", amount: 100, on: "2020-01-15"},
				{op: "donate", amount: 100, on: "2020-01-25"}},
			attempt: step{op: "assist", amount: 50, on: "2020-01-25"}},
		{name: "back-dated loan that empties a later date", kind: domain.FundMutualAid,
			history: []step{{op: "donate", amount: 100, on: "2020-01-10"}, {op: "assist", amount: 70, on: "2020-02-01"}},
			attempt: step{op: "loan", amount: 31, on: "2020-01-15"}, wantMsgs: []string{"31", "30"}},
		{name: "reversal of a donation already spent", kind: domain.FundSocial,
			history: []step{{op: "donate", amount: 100, on: "2020-01-10"}, {op: "shelter", amount: 60, on: "2020-01-20"}},
			attempt: step{op: "reverse", ref: 0, on: "2020-01-25"}, wantMsgs: []string{"100", "40"}},
		{name: "back-dated reversal of a donation that a later grant relied on", kind: domain.FundSocial,
			history: []step{{op: "donate", amount: 100, on: "2020-01-10"}, {op: "donate", amount: 50, on: "2020-01-12"},
				{op: "shelter", amount: 120, on: "2020-01-20"}},
			attempt: step{op: "reverse", ref: 1, on: "2020-01-15"}, wantMsgs: []string{"50", "30"}},
		{name: "reversal of a donation that is not needed", kind: domain.FundSocial,
			history: []step{{op: "donate", amount: 100, on: "2020-01-10"}, {op: "donate", amount: 50, on: "2020-01-12"},
				{op: "shelter", amount: 100, on: "2020-01-20"}},
			attempt: step{op: "reverse", ref: 1, on: "2020-01-15"}},
		{name: "reversal of a repayment whose money was lent again", kind: domain.FundCapitalSupport,
			history: []step{{op: "donate", amount: 100, on: "2020-01-10"}, {op: "loan", amount: 100, on: "2020-01-11"},
				{op: "repay", amount: 100, on: "2020-01-20", ref: 1}, {op: "loan", amount: 100, on: "2020-01-21"}},
			attempt: step{op: "reverse", ref: 2, on: "2020-01-25"}, wantMsgs: []string{"100", "0"}},
		{name: "reversal of a grant always fits", kind: domain.FundSocial,
			history: []step{{op: "donate", amount: 100, on: "2020-01-10"}, {op: "shelter", amount: 100, on: "2020-01-20"}},
			attempt: step{op: "reverse", ref: 1, on: "2020-01-21"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFund(t, tt.kind)
			var ids []uuid.UUID
			build := func(s step) domain.MoneyCommand {
				switch s.op {
				case "donate":
					return fx.donation(s.amount, s.on)
				case "shelter":
					return fx.shelter(s.amount, s.on)
				case "assist":
					return fx.assist(s.amount, s.on)
				case "loan":
					return fx.loan(s.amount, s.on)
				case "repay":
					return fx.repay(ids[s.ref], s.amount, s.on)
				case "reverse":
					return fx.reverse(ids[s.ref], s.on)
				}
				t.Fatalf("unknown op %q", s.op)
				return nil
			}
			for _, s := range tt.history {
				ids = append(ids, fx.must(build(s)))
			}
			c := build(tt.attempt)
			if tt.wantMsgs == nil {
				if err := fx.record(c); err != nil {
					t.Fatalf("Decide(%s) = %v, want recorded", describe(c), err)
				}
				// Whatever was accepted left no date negative.
				for i := range fx.f.Balance.Len() {
					if d, v := fx.f.Balance.Entry(i); v.Sign() < 0 {
						t.Errorf("after %s the balance on %s is %s", describe(c), d, v)
					}
				}
				return
			}
			de := fx.refuse(c, domain.CodeInsufficientFunds)
			for _, frag := range tt.wantMsgs {
				if !strings.Contains(de.Message, frag) {
					t.Errorf("insufficient_funds message %q does not mention %q", de.Message, frag)
				}
			}
		})
	}
}

func TestDecideRepayment(t *testing.T) {
	setup := func(t *testing.T) (*fundFixture, uuid.UUID) {
		fx := newFund(t, domain.FundCapitalSupport)
		fx.must(fx.donation(1000, "2020-01-01"))
		return fx, fx.must(fx.loan(100, "2020-01-10"))
	}

	t.Run("carries the loan's beneficiary", func(t *testing.T) {
		fx, loan := setup(t)
		c := fx.repay(loan, 40, "2020-01-10") // on the loan's own date
		pending, err := fx.decide(c)
		if err != nil || len(pending) != 1 {
			t.Fatalf("Decide(%s) = %v, %v", describe(c), pending, err)
		}
		r := pending[0].Data.(*domain.LoanRepaid)
		if r.LoanID != loan || r.BeneficiaryID != "LS-003" || r.Amount.String() != "40" || r.FundID != fx.f.ID || r.TransactionID != c.TransactionID {
			t.Errorf("LoanRepaid = %+v, want loan %s, beneficiary LS-003, amount 40", r, loan)
		}
	})
	t.Run("whole principal, then nothing more", func(t *testing.T) {
		fx, loan := setup(t)
		fx.refuse(fx.repay(loan, 101, ""), domain.CodeExceedsOutstanding)
		fx.must(fx.repay(loan, 60, "2020-02-01"))
		de := fx.refuse(fx.repay(loan, 41, ""), domain.CodeExceedsOutstanding)
		if !strings.Contains(de.Message, "41") || !strings.Contains(de.Message, "40") {
			t.Errorf("exceeds_outstanding message %q does not mention 41 and 40", de.Message)
		}
		fx.must(fx.repay(loan, 40, ""))
		fx.refuse(fx.repay(loan, 1, ""), domain.CodeExceedsOutstanding)
		l, _ := fx.f.Loan(loan)
		if !l.Outstanding.Last().IsZero() || l.ActiveRepayments != 2 {
			t.Errorf("loan outstanding %s, active repayments %d; want 0, 2", l.Outstanding.Last(), l.ActiveRepayments)
		}
	})
	t.Run("back-dated repayment that a later repayment leaves no room for", func(t *testing.T) {
		fx, loan := setup(t)
		fx.must(fx.repay(loan, 60, "2020-01-20"))
		// On 2020-01-15 the loan owes 100, but from 2020-01-20 only 40.
		fx.refuse(fx.repay(loan, 50, "2020-01-15"), domain.CodeExceedsOutstanding)
		fx.must(fx.repay(loan, 40, "2020-01-15"))
	})
	t.Run("fits today but not on its back-dated date", func(t *testing.T) {
		fx, loan := setup(t)
		rep := fx.must(fx.repay(loan, 100, "2020-01-15"))
		fx.must(fx.reverse(rep, "2020-01-25")) // owes 100 again from 2020-01-25
		// Today 100 is outstanding, but on 2020-01-20 nothing was.
		fx.refuse(fx.repay(loan, 50, "2020-01-20"), domain.CodeExceedsOutstanding)
		fx.must(fx.repay(loan, 50, "2020-01-25"))
	})
	t.Run("dated before its loan", func(t *testing.T) {
		fx, loan := setup(t)
		de := fx.refuse(fx.repay(loan, 10, "2020-01-09"), domain.CodeValidation)
		if got := fieldNames(de); !slices.Equal(got, []string{"occurred_on"}) {
			t.Errorf("fields = %v, want [occurred_on]", got)
		}
	})
	t.Run("unknown loan", func(t *testing.T) {
		fx, _ := setup(t)
		fx.refuse(fx.repay(domain.NewID(), 10, ""), domain.CodeNotFound)
	})
	t.Run("a donation is not a loan", func(t *testing.T) {
		fx, _ := setup(t)
		don := fx.must(fx.donation(5, "2020-01-02"))
		fx.refuse(fx.repay(don, 1, ""), domain.CodeNotFound)
	})
	t.Run("reversed loan", func(t *testing.T) {
		fx, loan := setup(t)
		fx.must(fx.reverse(loan, "2020-01-11"))
		fx.refuse(fx.repay(loan, 1, ""), domain.CodeExceedsOutstanding)
	})
	t.Run("loan of another fund", func(t *testing.T) {
		fx, _ := setup(t)
		other, otherLoan := setup(t)
		_ = other
		fx.refuse(fx.repay(otherLoan, 1, ""), domain.CodeNotFound)
	})
}

func TestDecideReversal(t *testing.T) {
	t.Run("unknown transaction", func(t *testing.T) {
		fx := newFund(t, domain.FundSocial)
		fx.refuse(fx.reverse(domain.NewID(), ""), domain.CodeNotFound)
	})
	t.Run("the fund itself", func(t *testing.T) {
		fx := newFund(t, domain.FundSocial)
		fx.refuse(fx.reverse(fx.f.ID, ""), domain.CodeNotFound)
	})
	t.Run("a reversal", func(t *testing.T) {
		fx := newFund(t, domain.FundSocial)
		don := fx.must(fx.donation(100, "2020-01-10"))
		rev := fx.must(fx.reverse(don, "2020-01-11"))
		fx.refuse(fx.reverse(rev, "2020-01-12"), domain.CodeNotReversible)
	})
	t.Run("twice", func(t *testing.T) {
		fx := newFund(t, domain.FundSocial)
		fx.must(fx.donation(1000, "2020-01-01"))
		g := fx.must(fx.shelter(100, "2020-01-10"))
		first := fx.must(fx.reverse(g, "2020-01-11"))
		de := fx.refuse(fx.reverse(g, "2020-01-12"), domain.CodeAlreadyReversed)
		if !strings.Contains(de.Message, first.String()) {
			t.Errorf("already_reversed message %q does not name the reversal %s", de.Message, first)
		}
		if tx, _ := fx.f.Tx(g); tx.ReversedBy != first {
			t.Errorf("Tx(%s).ReversedBy = %s, want %s", g, tx.ReversedBy, first)
		}
	})
	t.Run("dated before the original", func(t *testing.T) {
		fx := newFund(t, domain.FundSocial)
		fx.must(fx.donation(1000, "2020-01-01"))
		g := fx.must(fx.assist(100, "2020-01-10"))
		de := fx.refuse(fx.reverse(g, "2020-01-09"), domain.CodeValidation)
		if got := fieldNames(de); !slices.Equal(got, []string{"occurred_on"}) {
			t.Errorf("fields = %v, want [occurred_on]", got)
		}
		fx.must(fx.reverse(g, "2020-01-10")) // the same day is fine
	})
	t.Run("carries the original's facts", func(t *testing.T) {
		fx := newFund(t, domain.FundSocial)
		fx.must(fx.donation(1000, "2020-01-01"))
		g := fx.shelter(300, "2020-01-10")
		g.Shelter = domain.ShelterNewBuild
		fx.must(g)
		c := fx.reverse(g.TransactionID, "2020-02-01")
		pending, err := fx.decide(c)
		if err != nil || len(pending) != 1 {
			t.Fatalf("Decide(reversal) = %v, %v", pending, err)
		}
		r := pending[0].Data.(*domain.TransactionReversed)
		if r.Reverses != g.TransactionID || r.OriginalType != domain.TypeShelterGrantPaid || r.Amount.String() != "300" ||
			r.OriginalOccurredOn != domain.MustDate("2020-01-10") || r.BeneficiaryID != "LS-001" || r.Shelter != domain.ShelterNewBuild ||
			r.LoanID != uuid.Nil || r.Reason != "ghi nhầm" || r.FundID != fx.f.ID || r.TransactionID != c.TransactionID {
			t.Errorf("TransactionReversed = %+v", r)
		}
		if pending[0].OccurredOn != domain.MustDate("2020-02-01") {
			t.Errorf("reversal dated %s, want 2020-02-01", pending[0].OccurredOn)
		}
	})
	t.Run("loan with a repayment", func(t *testing.T) {
		fx := newFund(t, domain.FundCapitalSupport)
		fx.must(fx.donation(1000, "2020-01-01"))
		loan := fx.must(fx.loan(100, "2020-01-10"))
		fx.must(fx.repay(loan, 30, "2020-01-12"))
		fx.refuse(fx.reverse(loan, "2020-01-13"), domain.CodeLoanHasRepayments)
	})
	t.Run("loan whose repayments are all reversed", func(t *testing.T) {
		fx := newFund(t, domain.FundCapitalSupport)
		fx.must(fx.donation(1000, "2020-01-01"))
		loan := fx.must(fx.loan(100, "2020-01-10"))
		r1 := fx.must(fx.repay(loan, 30, "2020-01-12"))
		r2 := fx.must(fx.repay(loan, 20, "2020-01-13"))
		fx.must(fx.reverse(r1, "2020-01-14"))
		fx.refuse(fx.reverse(loan, "2020-01-15"), domain.CodeLoanHasRepayments) // r2 still counts
		fx.must(fx.reverse(r2, "2020-01-15"))
		fx.must(fx.reverse(loan, "2020-01-15"))
		l, _ := fx.f.Loan(loan)
		if !l.Reversed || l.ActiveRepayments != 0 || !l.Outstanding.Last().IsZero() {
			t.Errorf("loan after reversal: reversed %v, active repayments %d, outstanding %s; want true, 0, 0",
				l.Reversed, l.ActiveRepayments, l.Outstanding.Last())
		}
		fx.wantBalance("2020-01-15", 1000)
		fx.wantBalance("2020-01-12", 930)
	})
	t.Run("loan reversal dated before its repayment's reversal", func(t *testing.T) {
		fx := newFund(t, domain.FundCapitalSupport)
		fx.must(fx.donation(1000, "2020-01-01"))
		loan := fx.must(fx.loan(100, "2020-01-10"))
		r := fx.must(fx.repay(loan, 30, "2020-01-12"))
		fx.must(fx.reverse(r, "2020-01-20"))
		// On 2020-01-15 the repayment was still in effect: reversing the
		// loan then would make its outstanding principal negative.
		fx.refuse(fx.reverse(loan, "2020-01-15"), domain.CodeExceedsOutstanding)
		fx.must(fx.reverse(loan, "2020-01-20"))
	})
	t.Run("repayment", func(t *testing.T) {
		fx := newFund(t, domain.FundCapitalSupport)
		fx.must(fx.donation(1000, "2020-01-01"))
		loan := fx.must(fx.loan(100, "2020-01-10"))
		r := fx.must(fx.repay(loan, 30, "2020-01-12"))
		fx.must(fx.reverse(r, "2020-01-14"))
		l, _ := fx.f.Loan(loan)
		if got := l.Outstanding.At(domain.MustDate("2020-01-13")); got.String() != "70" {
			t.Errorf("outstanding on 2020-01-13 = %s, want 70", got)
		}
		if got := l.Outstanding.Last(); got.String() != "100" || l.ActiveRepayments != 0 {
			t.Errorf("outstanding = %s, active repayments %d; want 100, 0", got, l.ActiveRepayments)
		}
		fx.wantBalance("2020-01-13", 930)
		fx.wantBalance("2020-01-14", 900)
		fx.must(fx.repay(loan, 100, "2020-01-14")) // the whole principal again
	})
	t.Run("reverse a grant, then grant again", func(t *testing.T) {
		fx := newFund(t, domain.FundSocial)
		fx.must(fx.donation(1000, "2020-01-10"))
		g := fx.must(fx.shelter(800, "2020-01-20"))
		fx.refuse(fx.assist(300, "2020-01-25"), domain.CodeInsufficientFunds)
		fx.must(fx.reverse(g, "2020-01-22"))
		// The reversal gives the money back from its own date only.
		fx.refuse(fx.assist(300, "2020-01-21"), domain.CodeInsufficientFunds)
		fx.must(fx.assist(300, "2020-01-25"))
		g2 := fx.must(fx.shelter(700, "2020-01-26"))
		fx.refuse(fx.assist(1, "2020-01-26"), domain.CodeInsufficientFunds)
		fx.must(fx.reverse(g2, "2020-01-27"))
		fx.wantBalance("2020-01-20", 200)
		fx.wantBalance("2020-01-22", 1000)
		fx.wantBalance("2020-01-25", 700)
		fx.wantBalance("2020-01-26", 0)
		fx.wantBalance("2020-01-27", 700)
		if got := fx.f.Balance.Last(); got.String() != "700" {
			t.Errorf("balance = %s, want 700", got)
		}
	})
}

func TestDecideIdempotency(t *testing.T) {
	type built struct {
		fx   *fundFixture
		cmd  domain.MoneyCommand
		edit domain.MoneyCommand // same id, different payload
	}
	cases := []struct {
		name  string
		build func(t *testing.T) built
	}{
		{"donation", func(t *testing.T) built {
			fx := newFund(t, domain.FundSocial)
			c := fx.donation(100, "")
			e := c
			e.Amount = vnd(101)
			return built{fx, c, e}
		}},
		{"shelter grant", func(t *testing.T) built {
			fx := newFund(t, domain.FundSocial)
			fx.must(fx.donation(1000, "2020-01-01"))
			c := fx.shelter(100, "2024-01-01")
			e := c
			e.OccurredOn = domain.MustDate("2024-01-02")
			return built{fx, c, e}
		}},
		{"assistance grant", func(t *testing.T) built {
			fx := newFund(t, domain.FundSocial)
			fx.must(fx.donation(1000, "2020-01-01"))
			c := fx.assist(100, "")
			e := c
			e.Note = "khác"
			return built{fx, c, e}
		}},
		{"loan", func(t *testing.T) built {
			fx := newFund(t, domain.FundCapitalSupport)
			fx.must(fx.donation(1000, "2020-01-01"))
			c := fx.loan(100, "")
			e := c
			e.BeneficiaryID = "LS-999"
			return built{fx, c, e}
		}},
		{"repayment", func(t *testing.T) built {
			fx := newFund(t, domain.FundCapitalSupport)
			fx.must(fx.donation(1000, "2020-01-01"))
			loan := fx.must(fx.loan(100, "2020-01-02"))
			c := fx.repay(loan, 100, "")
			e := c
			e.Amount = vnd(99)
			return built{fx, c, e}
		}},
		{"reversal", func(t *testing.T) built {
			fx := newFund(t, domain.FundSocial)
			don := fx.must(fx.donation(1000, "2020-01-01"))
			c := fx.reverse(don, "")
			e := c
			e.Reason = "lý do khác"
			return built{fx, c, e}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.build(t)
			fx := b.fx
			fx.must(b.cmd)
			rev, last := fx.f.Revision, fx.f.Balance.Last()

			for _, now := range []time.Time{testNow, testNow.Add(72 * time.Hour)} {
				pending, err := domain.Decide(fx.f, b.cmd, now)
				if err != nil || len(pending) != 0 {
					t.Errorf("Decide(same command again at %s) = %d events, %v; want a replay (0, nil)", now.Format(time.DateTime), len(pending), err)
				}
			}
			if fx.f.Revision != rev || !fx.f.Balance.Last().Equal(last) {
				t.Errorf("a replay changed the fund")
			}
			fx.refuse(b.edit, domain.CodeIdempotencyConflict)

			// The id reused by another kind of command is a conflict too.
			reuse := fx.donation(5, "")
			reuse.TransactionID = b.cmd.TxID()
			fx.refuse(reuse, domain.CodeIdempotencyConflict)
		})
	}

	t.Run("replay wins over rules that would now refuse", func(t *testing.T) {
		fx := newFund(t, domain.FundSocial)
		don := fx.must(fx.donation(100, "2020-01-01"))
		g := fx.shelter(100, "2020-01-05")
		fx.must(g)
		// The fund is empty now; the same grant again is still a replay,
		// not insufficient_funds.
		if pending, err := fx.decide(g); err != nil || len(pending) != 0 {
			t.Errorf("Decide(recorded grant, fund now empty) = %d, %v; want a replay", len(pending), err)
		}
		rev := fx.reverse(g.TransactionID, "2020-01-06")
		fx.must(rev)
		fx.must(fx.shelter(100, "2020-01-07"))
		if pending, err := fx.decide(rev); err != nil || len(pending) != 0 {
			t.Errorf("Decide(recorded reversal again) = %d, %v; want a replay, not already_reversed", len(pending), err)
		}
		_ = don
	})
	t.Run("amount written differently is the same payload", func(t *testing.T) {
		fx := newFund(t, domain.FundSocial)
		c := fx.donation(0, "")
		c.Amount = mustAmount(t, "1250000")
		fx.must(c)
		again := c
		again.Amount = mustAmount(t, "1250000.00")
		if pending, err := fx.decide(again); err != nil || len(pending) != 0 {
			t.Errorf("Decide(same donation, amount \"1250000.00\") = %d, %v; want a replay", len(pending), err)
		}
	})
	t.Run("transaction id equal to the fund id", func(t *testing.T) {
		fx := newFund(t, domain.FundSocial)
		c := fx.donation(100, "")
		c.TransactionID = fx.f.ID
		fx.refuse(c, domain.CodeIdempotencyConflict)
	})
	t.Run("repayment reusing its loan's id", func(t *testing.T) {
		fx := newFund(t, domain.FundCapitalSupport)
		fx.must(fx.donation(1000, "2020-01-01"))
		loan := fx.must(fx.loan(100, "2020-01-02"))
		c := fx.repay(loan, 10, "")
		c.TransactionID = loan
		fx.refuse(c, domain.CodeIdempotencyConflict)
	})
	t.Run("a refused command leaves its id free", func(t *testing.T) {
		fx := newFund(t, domain.FundSocial)
		g := fx.shelter(100, "")
		fx.refuse(g, domain.CodeInsufficientFunds)
		fx.must(fx.donation(100, "2020-01-01"))
		fx.must(g)
	})
}

func TestDecideLargeAmounts(t *testing.T) {
	fx := newFund(t, domain.FundSocial)
	max := domain.MaxTransactionAmount
	// 9,300 donations of 10^15: the balance passes int64's 9.22·10^18.
	const n = 9300
	for i := range n {
		c := fx.donation(0, "")
		c.Amount = max
		c.OccurredOn = addDays("2024-01-01", i%150)
		fx.must(c)
	}
	want := "9300000000000000000"
	if got := fx.f.Balance.Last(); got.String() != want {
		t.Fatalf("balance after %d × 10^15 = %s, want %s", n, got, want)
	}
	g := fx.shelter(0, "")
	g.Amount = max
	fx.must(g)
	if tx, _ := fx.f.Tx(g.TransactionID); tx.BalanceAfter.String() != "9299000000000000000" || !tx.Amount.Equal(max) {
		t.Errorf("grant of 10^15: amount %s, balance after %s; want 10^15, 9299000000000000000", tx.Amount, tx.BalanceAfter)
	}
	over := fx.assist(0, "")
	over.Amount = domain.MustVND("1000000000000001")
	de := fx.refuse(over, domain.CodeValidation)
	if got := fieldNames(de); !slices.Equal(got, []string{"amount"}) {
		t.Errorf("fields = %v, want [amount]", got)
	}
}

// TestEvolve checks the state Evolve builds, field by field.
func TestEvolve(t *testing.T) {
	fx := newFundOpenedOn(t, domain.FundMutualAid, "2023-05-01")
	f := fx.f
	if !f.Exists || f.Kind != domain.FundMutualAid || f.OpenedOn != domain.MustDate("2023-05-01") || f.Unit != "lang-son" ||
		f.Name != "Quỹ thử nghiệm" || f.Revision != 0 || f.NextExpected() != domain.ExpectRevision(0) {
		t.Fatalf("fund after FundOpened = %+v", f)
	}
	if f.Opened.ID != f.ID || f.Opened.Position != 1 || !f.Opened.RecordedAt.Equal(testNow) {
		t.Errorf("Opened = %+v, want the FundOpened outcome", f.Opened)
	}
	don := fx.donation(1000, "2024-01-10")
	fx.must(don)
	as := fx.assist(200, "2024-01-12")
	fx.must(as)
	ln := fx.loan(300, "2024-01-15")
	ln.DueOn = domain.MustDate("2025-01-15")
	fx.must(ln)
	rp := fx.repay(ln.LoanID, 100, "2024-02-01")
	fx.must(rp)
	rv := fx.reverse(as.TransactionID, "2024-03-01")
	fx.must(rv)

	if f.Revision != 5 || f.NextExpected() != domain.ExpectRevision(5) {
		t.Errorf("revision = %d, want 5", f.Revision)
	}
	last, _ := domain.Decode(fx.events[5])
	if f.LastHash != last.Meta.Hash {
		t.Errorf("LastHash = %s, want the last event's hash %s", f.LastHash, last.Meta.Hash)
	}
	if err := verifyChain(fx.events); err != nil {
		t.Errorf("the fund's stream does not verify: %v", err)
	}
	for on, want := range map[string]int64{"2024-01-09": 0, "2024-01-10": 1000, "2024-01-12": 800, "2024-01-15": 500, "2024-02-01": 600, "2024-03-01": 800} {
		fx.wantBalance(on, want)
	}
	txs := []struct {
		id         uuid.UUID
		typ        domain.EventType
		amount     string
		on         string
		after      string
		who        domain.BeneficiaryID
		loan       uuid.UUID
		reverses   uuid.UUID
		reversedBy uuid.UUID
		hash       string
	}{
		{don.TransactionID, domain.TypeDonationReceived, "1000", "2024-01-10", "1000", "", uuid.Nil, uuid.Nil, uuid.Nil, domain.PayloadHash(don)},
		{as.TransactionID, domain.TypeAssistanceGranted, "200", "2024-01-12", "800", "LS-002", uuid.Nil, uuid.Nil, rv.TransactionID, domain.PayloadHash(as)},
		{ln.LoanID, domain.TypeLoanDisbursed, "300", "2024-01-15", "500", "LS-003", ln.LoanID, uuid.Nil, uuid.Nil, domain.PayloadHash(ln)},
		{rp.TransactionID, domain.TypeLoanRepaid, "100", "2024-02-01", "600", "LS-003", ln.LoanID, uuid.Nil, uuid.Nil, domain.PayloadHash(rp)},
		{rv.TransactionID, domain.TypeTransactionReversed, "200", "2024-03-01", "800", "LS-002", uuid.Nil, as.TransactionID, uuid.Nil, domain.PayloadHash(rv)},
	}
	for i, w := range txs {
		tx, ok := f.Tx(w.id)
		if !ok {
			t.Errorf("Tx(%s) missing", w.typ)
			continue
		}
		if tx.ID != w.id || tx.Type != w.typ || tx.Amount.String() != w.amount || tx.OccurredOn != domain.MustDate(w.on) ||
			tx.BalanceAfter.String() != w.after || tx.Beneficiary != w.who || tx.LoanID != w.loan || tx.Reverses != w.reverses ||
			tx.ReversedBy != w.reversedBy || tx.PayloadHash != w.hash || tx.Position != domain.Position(i+2) || !tx.RecordedAt.Equal(testNow) {
			t.Errorf("Tx(%s) = %+v, want %+v", w.typ, *tx, w)
		}
	}
	l, ok := f.Loan(ln.LoanID)
	if !ok || !l.Principal.Equal(vnd(300)) || l.Date != domain.MustDate("2024-01-15") || l.ActiveRepayments != 1 || l.Reversed ||
		l.Outstanding.At(domain.MustDate("2024-01-31")).String() != "300" || l.Outstanding.Last().String() != "200" {
		t.Errorf("Loan = %+v, want principal 300 on 2024-01-15, 1 repayment, 200 outstanding", l)
	}
	if _, ok := f.Loan(don.TransactionID); ok {
		t.Errorf("a donation is listed as a loan")
	}
	if _, ok := f.Tx(f.ID); ok {
		t.Errorf("FundOpened is listed as a transaction")
	}
}

// TestEvolveIgnoresOtherStreams: Evolve's contract says events of other
// streams are ignored, so feeding a fund the global log must not change it.
func TestEvolveIgnoresOtherStreams(t *testing.T) {
	fx := newFund(t, domain.FundSocial)
	fx.must(fx.donation(1000, "2024-01-10"))
	rev, hash, bal := fx.f.Revision, fx.f.LastHash, fx.f.Balance.Last()

	unit := sealChain(t, domain.UnitStream("lang-son"), []domain.EventData{&domain.UnitRegistered{UnitID: "lang-son", Name: "LĐLĐ Lạng Sơn"}})
	otherFund := domain.NewID()
	other := sealChain(t, domain.FundStream(otherFund), []domain.EventData{
		&domain.FundOpened{FundID: otherFund, UnitID: "lang-son", Name: "Quỹ khác", Kind: domain.FundCharity, OpenedOn: domain.MustDate("2020-01-01")},
		&domain.DonationReceived{TransactionID: domain.NewID(), FundID: otherFund, Amount: vnd(777), Donor: domain.Donor{Kind: domain.DonorMember}},
	})
	for _, se := range append(unit, other...) {
		ev, err := domain.Decode(se)
		if err != nil {
			t.Fatalf("Decode: %v", err)
		}
		fx.f.Evolve(ev)
		if fx.f.Revision != rev || fx.f.LastHash != hash || !fx.f.Balance.Last().Equal(bal) || fx.f.ID != fx.events[0].ID {
			t.Errorf("Evolve(%s of stream %s) changed the fund: revision %d→%d, last hash %.8s→%.8s, balance %s→%s, id %s",
				ev.Type, ev.Stream, rev, fx.f.Revision, hash, fx.f.LastHash, bal, fx.f.Balance.Last(), fx.f.ID)
			rev, hash, bal = fx.f.Revision, fx.f.LastHash, fx.f.Balance.Last()
		}
	}
}

// TestDecideRandomHistories runs random, often back-dated commands through
// Decide and Evolve and checks API.md's invariants after every step: no
// balance and no loan's outstanding principal is negative on any date, and
// rebuilding the fund from its stored events gives the same state.
func TestDecideRandomHistories(t *testing.T) {
	allowed := []domain.Code{domain.CodeInsufficientFunds, domain.CodeExceedsOutstanding, domain.CodeAlreadyReversed,
		domain.CodeNotReversible, domain.CodeLoanHasRepayments, domain.CodeValidation}
	for seed := uint64(1); seed <= 4; seed++ {
		rng := rand.New(rand.NewPCG(seed, 42))
		fx := newFund(t, domain.FundMutualAid)
		var txs, loans []uuid.UUID
		recorded := 0
		for step := range 400 {
			on := addDays("2020-01-01", rng.IntN(90))
			amount := int64(1 + rng.IntN(500))
			var c domain.MoneyCommand
			switch k := rng.IntN(10); {
			case k < 3:
				d := fx.donation(amount, "")
				d.OccurredOn = on
				c = d
			case k < 5:
				g := fx.assist(amount, "")
				g.OccurredOn = on
				c = g
			case k < 7:
				l := fx.loan(amount, "")
				l.OccurredOn = on
				c = l
			case k < 9 && len(loans) > 0:
				r := fx.repay(loans[rng.IntN(len(loans))], amount/4+1, "")
				r.OccurredOn = on
				c = r
			case len(txs) > 0:
				r := fx.reverse(txs[rng.IntN(len(txs))], "")
				r.OccurredOn = on
				c = r
			default:
				continue
			}
			pending, err := fx.decide(c)
			if err != nil {
				if code := domain.CodeOf(err); !slices.Contains(allowed, code) {
					t.Fatalf("seed %d step %d: Decide(%s) = %v, an unexpected refusal", seed, step, describe(c), err)
				}
				continue
			}
			fx.apply(pending)
			recorded++
			txs = append(txs, c.TxID())
			if _, ok := c.(domain.DisburseLoan); ok {
				loans = append(loans, c.TxID())
			}
			for i := range fx.f.Balance.Len() {
				if d, v := fx.f.Balance.Entry(i); v.Sign() < 0 {
					t.Fatalf("seed %d step %d: after %s the balance on %s is %s", seed, step, describe(c), d, v)
				}
			}
			for _, id := range loans {
				l, _ := fx.f.Loan(id)
				for i := range l.Outstanding.Len() {
					if d, v := l.Outstanding.Entry(i); v.Sign() < 0 || v.Cmp(l.Principal) > 0 {
						t.Fatalf("seed %d step %d: after %s loan %s owes %s on %s (principal %s)", seed, step, describe(c), id, v, d, l.Principal)
					}
				}
			}
			// A replay of what was just recorded records nothing.
			if p, err := fx.decide(c); err != nil || len(p) != 0 {
				t.Fatalf("seed %d step %d: replay of %s = %d events, %v", seed, step, describe(c), len(p), err)
			}
		}
		if recorded < 100 {
			t.Fatalf("seed %d: only %d commands recorded; the test exercises too little", seed, recorded)
		}
		// Rebuild from the stored events.
		re := domain.NewFund(fx.f.ID)
		if err := verifyChain(fx.events); err != nil {
			t.Fatalf("seed %d: chain: %v", seed, err)
		}
		for _, se := range fx.events {
			ev, err := domain.Decode(se)
			if err != nil {
				t.Fatalf("seed %d: Decode: %v", seed, err)
			}
			re.Evolve(ev)
		}
		if re.Balance.Len() != fx.f.Balance.Len() || re.Revision != fx.f.Revision || re.LastHash != fx.f.LastHash {
			t.Fatalf("seed %d: rebuilt fund differs: %d dates, revision %d vs %d dates, revision %d", seed,
				re.Balance.Len(), re.Revision, fx.f.Balance.Len(), fx.f.Revision)
		}
		for i := range re.Balance.Len() {
			d1, v1 := re.Balance.Entry(i)
			d2, v2 := fx.f.Balance.Entry(i)
			if d1 != d2 || !v1.Equal(v2) {
				t.Fatalf("seed %d: rebuilt balance entry %d = %s %s, live %s %s", seed, i, d1, v1, d2, v2)
			}
		}
	}
}

// TestFundKeepsNoDecodeBuffer: a fund keeps every transaction's payload
// hash, for idempotency, for as long as the process lives. The decoder hands
// out the metadata's strings as parts of one copy of the whole metadata;
// kept as it comes, each hash would keep that copy alive with it (~400
// bytes a transaction: gigabytes on a 10 M-event ledger).
func TestFundKeepsNoDecodeBuffer(t *testing.T) {
	fx := newFund(t, domain.FundSocial)
	id := fx.must(fx.donation(1_000_000, ""))
	ev, err := domain.Decode(fx.events[len(fx.events)-1])
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	f := domain.NewFund(fx.f.ID)
	f.Evolve(ev)
	kept, ok := f.Tx(id)
	if !ok {
		t.Fatalf("Tx(%s) missing after Evolve", id)
	}
	if kept.PayloadHash != ev.Meta.PayloadHash {
		t.Fatalf("PayloadHash = %q, want %q", kept.PayloadHash, ev.Meta.PayloadHash)
	}
	if unsafe.StringData(kept.PayloadHash) == unsafe.StringData(ev.Meta.PayloadHash) {
		t.Fatalf("the fund keeps the payload hash inside the decoded event's metadata: it keeps the whole copy alive")
	}
}
