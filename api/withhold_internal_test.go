package api

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
)

// A response type officialView does not list is refused, not sent: a
// route added without deciding what officials read of it fails closed.
func TestOfficialViewRefusesUnknownTypes(t *testing.T) {
	for _, v := range []any{
		projections.Beneficiary{BeneficiaryID: "M1"},
		txDTO{},
		page[projections.Beneficiary]{},
		map[string]string{"note": "x"},
	} {
		got, err := officialView(v)
		var unknown errNoOfficialView
		if !errors.As(err, &unknown) {
			t.Errorf("officialView(%T) = %v, %v; want errNoOfficialView", v, got, err)
		}
	}
}

// The loan an official reads is the loan without its borrower, every
// other member as written for anyone else.
func TestOfficialLoan(t *testing.T) {
	l := projections.Loan{LoanID: uuid.MustParse("0190a0b4-0000-7000-8000-000000000001"), BeneficiaryID: "M1",
		Principal: domain.MustVND("100"), Repaid: domain.MustVND("0"), Outstanding: domain.MustVND("100"),
		Status: projections.LoanActive, DisbursedOn: domain.MustDate("2024-01-01"), Project: "Nuôi bò"}
	full, err := json.Marshal(l)
	if err != nil {
		t.Fatal(err)
	}
	view, err := officialView(l)
	if err != nil {
		t.Fatalf("officialView(Loan) = %v", err)
	}
	got, err := json.Marshal(view)
	if err != nil {
		t.Fatal(err)
	}
	if want := strings.Replace(string(full), `"beneficiary_id":"M1",`, "", 1); string(got) != want {
		t.Errorf("official loan = %s, want %s", got, want)
	}
}

// A transaction an official reads has none of the withheld fields; the
// projections' own donor is not written through.
func TestWithheldTransaction(t *testing.T) {
	for _, kind := range domain.DonorKinds {
		donor := &domain.Donor{Name: "Nguyễn Văn A", Kind: kind}
		tx := projections.Transaction{BeneficiaryID: "M1", Note: "n", Reason: "r", Reference: "ref",
			DecisionNo: "QĐ-1", Project: "p", Campaign: "c", Donor: donor}
		got := withheldTransaction(tx)
		if got.BeneficiaryID != "" || got.Note != "" || got.Reason != "" || got.Reference != "" {
			t.Errorf("withheldTransaction(%+v) = %+v, want no beneficiary, note, reason or reference", tx, got)
		}
		if got.DecisionNo != "QĐ-1" || got.Project != "p" || got.Campaign != "c" {
			t.Errorf("withheldTransaction(%+v) = %+v, want decision_no, project and campaign kept", tx, got)
		}
		company := kind == domain.DonorEnterprise || kind == domain.DonorOrganization
		if wantName := map[bool]string{true: "Nguyễn Văn A", false: ""}[company]; got.Donor.Name != wantName || got.Donor.Kind != kind {
			t.Errorf("withheldTransaction(donor %s).Donor = %+v, want name %q", kind, got.Donor, wantName)
		}
		if donor.Name != "Nguyễn Văn A" {
			t.Errorf("withheldTransaction(donor %s) changed the projections' donor to %+v", kind, donor)
		}
	}
}
