package domain_test

import (
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// periodsOf folds period events into a state, as the ledger does.
func periodsOf(events ...domain.EventData) *domain.Periods {
	p := domain.NewPeriods()
	for i, d := range events {
		p.Evolve(domain.Event{Position: domain.Position(10 * (i + 1)), Stream: domain.PeriodStream, Revision: uint64(i),
			Type: d.EventType(), Meta: domain.Metadata{RecordedAt: ledgerNow}, Data: d})
	}
	return p
}

func TestPeriodsCheckOpen(t *testing.T) {
	closed2023 := &domain.PeriodClosed{UnitID: "lang-son", Year: 2023, Seal: "ab"}
	reopened := &domain.PeriodReopened{UnitID: "lang-son", Year: 2023, Reason: "sót"}
	path := []domain.UnitID{"vgcl", "lang-son", "cao-loc"}
	for _, c := range []struct {
		name   string
		events []domain.EventData
		path   []domain.UnitID
		date   string
		closed bool
	}{
		{"nothing closed", nil, path, "2023-06-01", false},
		{"own unit's year", []domain.EventData{closed2023}, []domain.UnitID{"vgcl", "lang-son"}, "2023-06-01", true},
		{"ancestor's year", []domain.EventData{closed2023}, path, "2023-12-31", true},
		{"first day of the year", []domain.EventData{closed2023}, path, "2023-01-01", true},
		{"the next year", []domain.EventData{closed2023}, path, "2024-01-01", false},
		{"the year before", []domain.EventData{closed2023}, path, "2022-12-31", false},
		{"another branch", []domain.EventData{closed2023}, []domain.UnitID{"vgcl", "ha-noi"}, "2023-06-01", false},
		{"a descendant's close does not cover its parent", []domain.EventData{&domain.PeriodClosed{UnitID: "cao-loc", Year: 2023, Seal: "ab"}},
			[]domain.UnitID{"vgcl", "lang-son"}, "2023-06-01", false},
		{"reopened", []domain.EventData{closed2023, reopened}, path, "2023-06-01", false},
		{"closed again", []domain.EventData{closed2023, reopened, closed2023}, path, "2023-06-01", true},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := periodsOf(c.events...).CheckOpen(c.path, domain.MustDate(c.date), "occurred_on")
			if got := domain.CodeOf(err) == domain.CodePeriodClosed; got != c.closed {
				t.Errorf("CheckOpen(%v, %s) = %v, want closed %v", c.path, c.date, err, c.closed)
			}
			if err != nil && !errors.Is(err, &domain.Error{Code: domain.CodePeriodClosed}) {
				t.Errorf("CheckOpen error %v is not a period_closed domain error", err)
			}
		})
	}
}

func TestDecideCloseAndReopen(t *testing.T) {
	closed := &domain.PeriodClosed{UnitID: "lang-son", Year: 2023, Seal: "ab"}
	reopened := &domain.PeriodReopened{UnitID: "lang-son", Year: 2023, Reason: "sót"}
	close23 := domain.ClosePeriod{UnitID: "lang-son", Year: 2023, DecisionNo: "45/QĐ"}
	reopen23 := domain.ReopenPeriod{UnitID: "lang-son", Year: 2023, Reason: "sót"}
	for _, c := range []struct {
		name    string
		history []domain.EventData
		close   bool // decide close23, else reopen23
		want    domain.Code
	}{
		{"close an open year", nil, true, ""},
		{"close a closed year", []domain.EventData{closed}, true, domain.CodeAlreadyExists},
		{"close a reopened year", []domain.EventData{closed, reopened}, true, ""},
		{"close the year another unit closed", []domain.EventData{&domain.PeriodClosed{UnitID: "vgcl", Year: 2023, Seal: "ab"}}, true, ""},
		{"reopen a closed year", []domain.EventData{closed}, false, ""},
		{"reopen an open year", nil, false, domain.CodePeriodNotClosed},
		{"reopen a reopened year", []domain.EventData{closed, reopened}, false, domain.CodePeriodNotClosed},
		{"reopen an ancestor's closure", []domain.EventData{&domain.PeriodClosed{UnitID: "vgcl", Year: 2023, Seal: "ab"}}, false, domain.CodePeriodNotClosed},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := periodsOf(c.history...)
			var err error
			if c.close {
				var d *domain.PeriodClosed
				d, err = domain.DecideClose(p, close23, "seal")
				if err == nil && (d.UnitID != "lang-son" || d.Year != 2023 || d.Seal != "seal" || d.DecisionNo != "45/QĐ") {
					t.Errorf("DecideClose = %+v, want the command's fields and the seal", d)
				}
			} else {
				var d *domain.PeriodReopened
				d, err = domain.DecideReopen(p, reopen23)
				if err == nil && (d.UnitID != "lang-son" || d.Year != 2023 || d.Reason != "sót") {
					t.Errorf("DecideReopen = %+v, want the command's fields", d)
				}
			}
			if got := domain.CodeOf(err); got != c.want {
				t.Errorf("decide = %v, want code %q", err, c.want)
			}
		})
	}
}

func TestClosePeriodValidate(t *testing.T) {
	today := domain.MustDate("2024-07-01")
	for _, c := range []struct {
		name  string
		cmd   domain.ClosePeriod
		field string // "" when valid
	}{
		{"a past year", domain.ClosePeriod{UnitID: "lang-son", Year: 2023}, ""},
		{"the first year", domain.ClosePeriod{UnitID: "lang-son", Year: 1900}, ""},
		{"next year", domain.ClosePeriod{UnitID: "lang-son", Year: 2025}, ""},
		{"before 1900", domain.ClosePeriod{UnitID: "lang-son", Year: 1899}, "year"},
		{"after next year", domain.ClosePeriod{UnitID: "lang-son", Year: 2026}, "year"},
		{"no year", domain.ClosePeriod{UnitID: "lang-son"}, "year"},
		{"a bad unit", domain.ClosePeriod{UnitID: "Lạng Sơn", Year: 2023}, "unit_id"},
		{"a long note", domain.ClosePeriod{UnitID: "lang-son", Year: 2023, Note: string(make([]byte, domain.MaxNoteLen+1))}, "note"},
	} {
		t.Run(c.name, func(t *testing.T) {
			var v domain.Validation
			c.cmd.Validate(&v, today)
			got := ""
			if fs := v.Fields(); len(fs) > 0 {
				got = fs[0].Field
			}
			if got != c.field {
				t.Errorf("Validate(%+v) fields %v, want %q", c.cmd, v.Fields(), c.field)
			}
		})
	}
	var v domain.Validation
	domain.ReopenPeriod{UnitID: "lang-son", Year: 2023}.Validate(&v, today)
	if fs := v.Fields(); len(fs) != 1 || fs[0].Field != "reason" {
		t.Errorf("ReopenPeriod without a reason: fields %v, want reason", fs)
	}
}

// TestPeriodSeal pins the seal of two funds to a value computed outside
// Go: printf '0190…0a,0\n0190…0b,1027000000\n' | sha256sum.
func TestPeriodSeal(t *testing.T) {
	a := uuid.MustParse("0190a0b4-0000-7000-8000-00000000000a")
	b := uuid.MustParse("0190a0b4-0000-7000-8000-00000000000b")
	lines := []domain.SealLine{{FundID: b, Balance: vnd(1027000000)}, {FundID: a, Balance: vnd(0)}}
	const wantSeal = "3838d8f81ce0530e1a2ba0bbc67d017cdec52cf3aac6be8d790389fd474e0c45"
	if got := domain.PeriodSeal(lines); got != wantSeal {
		t.Errorf("PeriodSeal = %s, want %s", got, wantSeal)
	}
	if got := domain.PeriodSeal(nil); got != "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855" {
		t.Errorf("PeriodSeal(no funds) = %s, want the SHA-256 of nothing", got)
	}
}
