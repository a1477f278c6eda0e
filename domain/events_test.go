package domain_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

func TestEffectOf(t *testing.T) {
	loan := uuid.MustParse("0190a0b5-22bb-7cde-9f01-123456789abc")
	amt := domain.MustVND("1500000")
	rev := func(orig domain.EventType, loanID uuid.UUID) *domain.TransactionReversed {
		return &domain.TransactionReversed{TransactionID: domain.NewID(), Reverses: domain.NewID(), Reason: "x",
			OriginalType: orig, Amount: amt, OriginalOccurredOn: domain.MustDate("2024-01-01"), LoanID: loanID}
	}
	tests := []struct {
		name        string
		data        domain.EventData
		cat         domain.Category
		delta       string
		outstanding string
		loan        uuid.UUID
	}{
		{"unit", &domain.UnitRegistered{UnitID: "a", Name: "A"}, domain.CatNone, "0", "0", uuid.Nil},
		{"fund opened", &domain.FundOpened{Kind: domain.FundSocial}, domain.CatNone, "0", "0", uuid.Nil},
		{"donation adds", &domain.DonationReceived{Amount: amt}, domain.CatDonations, "1500000", "0", uuid.Nil},
		{"shelter grant subtracts", &domain.ShelterGrantPaid{Amount: amt}, domain.CatShelterGrants, "-1500000", "0", uuid.Nil},
		{"assistance subtracts", &domain.AssistanceGranted{Amount: amt}, domain.CatAssistanceGrants, "-1500000", "0", uuid.Nil},
		{"loan subtracts, owes", &domain.LoanDisbursed{LoanID: loan, Amount: amt}, domain.CatLoansDisbursed, "-1500000", "1500000", loan},
		{"repayment adds, owes less", &domain.LoanRepaid{LoanID: loan, Amount: amt}, domain.CatRepayments, "1500000", "-1500000", loan},
		{"reversed donation", rev(domain.TypeDonationReceived, uuid.Nil), domain.CatDonations, "-1500000", "0", uuid.Nil},
		{"reversed shelter grant", rev(domain.TypeShelterGrantPaid, uuid.Nil), domain.CatShelterGrants, "1500000", "0", uuid.Nil},
		{"reversed assistance", rev(domain.TypeAssistanceGranted, uuid.Nil), domain.CatAssistanceGrants, "1500000", "0", uuid.Nil},
		{"reversed loan", rev(domain.TypeLoanDisbursed, loan), domain.CatLoansDisbursed, "1500000", "-1500000", loan},
		{"reversed repayment", rev(domain.TypeLoanRepaid, loan), domain.CatRepayments, "-1500000", "1500000", loan},
	}
	for _, tt := range tests {
		e := domain.EffectOf(tt.data)
		if e.Category != tt.cat || e.Delta.String() != tt.delta || e.Outstanding.String() != tt.outstanding || e.LoanID != tt.loan {
			t.Errorf("EffectOf(%s) = {cat %d, delta %s, outstanding %s, loan %s}, want {cat %d, delta %s, outstanding %s, loan %s}",
				tt.name, e.Category, e.Delta, e.Outstanding, e.LoanID, tt.cat, tt.delta, tt.outstanding, tt.loan)
		}
	}
}

func TestFundKindAllows(t *testing.T) {
	// API.md, "Funds": kind → donations, shelter grants, assistance grants, loans.
	table := map[domain.FundKind][4]bool{
		domain.FundSocial:         {true, true, true, false},
		domain.FundShelter:        {true, true, false, false},
		domain.FundCharity:        {true, true, true, false},
		domain.FundCapitalSupport: {true, false, false, true},
		domain.FundMutualAid:      {true, false, true, true},
	}
	if len(domain.FundKinds) != len(table) {
		t.Fatalf("FundKinds has %d kinds, API.md has %d", len(domain.FundKinds), len(table))
	}
	for kind, want := range table {
		for i, typ := range []domain.EventType{domain.TypeDonationReceived, domain.TypeShelterGrantPaid, domain.TypeAssistanceGranted, domain.TypeLoanDisbursed} {
			if got := kind.Allows(typ); got != want[i] {
				t.Errorf("%s.Allows(%s) = %v, want %v", kind, typ, got, want[i])
			}
		}
		if got := kind.Allows(domain.TypeLoanRepaid); got != want[3] {
			t.Errorf("%s.Allows(LoanRepaid) = %v, want %v (repayments go with loans)", kind, got, want[3])
		}
		if k, err := domain.ParseFundKind(string(kind)); err != nil || k != kind {
			t.Errorf("ParseFundKind(%q) = %q, %v", kind, k, err)
		}
	}
	for _, bad := range []string{"", "Social", "pension", "social "} {
		if _, err := domain.ParseFundKind(bad); !errors.Is(err, domain.ErrFundKind) {
			t.Errorf("ParseFundKind(%q) error = %v, want ErrFundKind", bad, err)
		}
	}
}

func TestCategoryOf(t *testing.T) {
	tests := []struct {
		t    domain.EventType
		want domain.Category
	}{
		{domain.TypeDonationReceived, domain.CatDonations},
		{domain.TypeShelterGrantPaid, domain.CatShelterGrants},
		{domain.TypeAssistanceGranted, domain.CatAssistanceGrants},
		{domain.TypeLoanDisbursed, domain.CatLoansDisbursed},
		{domain.TypeLoanRepaid, domain.CatRepayments},
		{domain.TypeTransactionReversed, domain.CatNone},
		{domain.TypeFundOpened, domain.CatNone},
		{"Nonsense", domain.CatNone},
	}
	for _, tt := range tests {
		if got := domain.CategoryOf(tt.t); got != tt.want {
			t.Errorf("CategoryOf(%s) = %d, want %d", tt.t, got, tt.want)
		}
	}
}

func TestErrorCodes(t *testing.T) {
	err := domain.Errf(domain.CodeInsufficientFunds, "need %d", 5)
	wrapped := errors.Join(errors.New("context"), err)
	if got := domain.CodeOf(wrapped); got != domain.CodeInsufficientFunds {
		t.Errorf("CodeOf(wrapped) = %q, want insufficient_funds", got)
	}
	if !errors.Is(wrapped, &domain.Error{Code: domain.CodeInsufficientFunds}) {
		t.Errorf("errors.Is(wrapped, &Error{Code: insufficient_funds}) = false, want true")
	}
	if errors.Is(wrapped, &domain.Error{Code: domain.CodeNotFound}) {
		t.Errorf("errors.Is(wrapped, &Error{Code: not_found}) = true, want false")
	}
	if got := domain.CodeOf(errors.New("plain")); got != "" {
		t.Errorf("CodeOf(plain error) = %q, want \"\"", got)
	}
	if got := err.Error(); got != "insufficient_funds: need 5" {
		t.Errorf("Error() = %q, want %q", got, "insufficient_funds: need 5")
	}

	var v domain.Validation
	if v.Err() != nil {
		t.Errorf("empty Validation.Err() = %v, want nil", v.Err())
	}
	v.Add("amount", nil) // ignored
	v.Add("amount", domain.ErrAmountNotPos)
	v.Addf("note", "must be at most %d characters", 2000)
	verr := v.Err()
	var de *domain.Error
	if !errors.As(verr, &de) || de.Code != domain.CodeValidation || len(de.Fields) != 2 {
		t.Fatalf("Validation.Err() = %#v, want validation_failed with 2 fields", verr)
	}
	if de.Fields[0].Field != "amount" || de.Fields[1].Field != "note" {
		t.Errorf("fields = %+v, want amount then note", de.Fields)
	}
	if msg := verr.Error(); !strings.Contains(msg, "amount must be greater than 0") || !strings.Contains(msg, "note must be at most 2000 characters") {
		t.Errorf("Error() = %q, want both field messages", msg)
	}
}

func TestPayloadHash(t *testing.T) {
	fund, tx := domain.NewID(), domain.NewID()
	base := domain.RecordDonation{TransactionID: tx, FundID: fund, Amount: domain.MustVND("1250000"), Donor: domain.Donor{Kind: domain.DonorMember}}
	h := domain.PayloadHash(base)
	if len(h) != 64 || strings.Trim(h, "0123456789abcdef") != "" {
		t.Fatalf("PayloadHash = %q, want 64 lower-case hex digits", h)
	}
	same := base
	amt, _ := domain.ParseAmount("1250000.00")
	same.Amount = amt
	if got := domain.PayloadHash(same); got != h {
		t.Errorf("PayloadHash with amount parsed from \"1250000.00\" = %s, want %s (same amount)", got, h)
	}
	changed := []struct {
		name string
		c    domain.Command
	}{
		{"amount", func() domain.Command { c := base; c.Amount = domain.MustVND("1250001"); return c }()},
		{"occurred_on", func() domain.Command { c := base; c.OccurredOn = domain.MustDate("2024-01-01"); return c }()},
		{"note", func() domain.Command { c := base; c.Note = "x"; return c }()},
		{"donor kind", func() domain.Command { c := base; c.Donor.Kind = domain.DonorAnonymous; return c }()},
		{"fund", func() domain.Command { c := base; c.FundID = domain.NewID(); return c }()},
		{"command type with the same fields", domain.GrantAssistance{TransactionID: tx, FundID: fund, Amount: domain.MustVND("1250000")}},
	}
	for _, tt := range changed {
		if got := domain.PayloadHash(tt.c); got == h {
			t.Errorf("PayloadHash with a different %s = the same hash %s", tt.name, got)
		}
	}
}

// TestValidationNamesEveryField: the message of a validation failure names
// every bad field once, so a fund manager reading only the detail knows what
// to correct.
func TestValidationNamesEveryField(t *testing.T) {
	var v domain.Validation
	v.Addf("occurred_on", "must not be before the fund was opened (2024-01-01)")
	v.Addf("amount", "must be greater than 0")
	v.Addf("amount", "again")
	err := v.Err()
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != domain.CodeValidation {
		t.Fatalf("Validation.Err() = %v, want a validation_failed *Error", err)
	}
	if want := "the request has invalid fields: occurred_on, amount"; de.Message != want {
		t.Errorf("message = %q, want %q", de.Message, want)
	}
	if len(de.Fields) != 3 {
		t.Errorf("fields = %v, want all 3 entries kept", de.Fields)
	}
	var empty domain.Validation
	if err := empty.Err(); err != nil {
		t.Errorf("empty Validation.Err() = %v, want nil", err)
	}
}
