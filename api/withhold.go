package api

import (
	"fmt"

	"github.com/labstack/echo/v4"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
)

// Officials read figures, never who (API.md, "Access"): on every route and
// page they get no beneficiary_id, note, reason, description or reference,
// and no donor.name of a member, individual or anonymous donor — the member
// is left out, not blanked. decision_no, project, campaign, unit and fund
// names, and the names of enterprises and organisations, stay: they are
// public acts, not persons (Decree 13/2023 protects natural persons' data).
//
// Each response type an official may receive is listed in officialView with
// what it withholds, and is then encoded like any other response: no
// second pass over the bytes. The one answer that does not go through
// writeJSON, the streamed fund statement (statement.go), leaves out the
// same fields itself when withholdsPersonalData says so. A type that is not listed is refused (a 500,
// logged), never sent: a route added tomorrow fails closed until someone
// decides what an official may read of it, and
// TestOfficialsReadNoPersonalData walks every route of the table as an
// official to catch it.

// withholdsPersonalData reports whether a caller must not read personal
// data: an official.
func withholdsPersonalData(c echo.Context) bool {
	p := caller(c)
	return p != nil && p.role == domain.RoleOfficial
}

// errNoOfficialView is the failure of a response type that officialView
// does not know.
type errNoOfficialView struct{ typ string }

func (e errNoOfficialView) Error() string {
	return fmt.Sprintf("no official view of a %s response: list it in officialView with what it withholds", e.typ)
}

// officialView returns what an official may read of the response v.
//
// Errors: errNoOfficialView for a type it does not list.
func officialView(v any) (any, error) {
	switch v := v.(type) {
	case projections.FundSummary, *projections.UnitSummary, page[projections.FundSummary],
		unitDTO, page[unitDTO], problem, page[projections.Period]:
		// Figures, counts, the names of units and funds, and closed
		// periods (seals and decision numbers; a closure's note and a
		// reopening's reason are not in the list): nothing personal. The two summaries keep their hand-written encoders,
		// so an official's roll-up costs what an admin's does.
		return v, nil
	case page[projections.Transaction]:
		items := make([]projections.Transaction, len(v.Items))
		for i := range v.Items {
			items[i] = withheldTransaction(v.Items[i])
		}
		return page[projections.Transaction]{Items: items, NextCursor: v.NextCursor}, nil
	case projections.Loan:
		return officialLoan{Loan: v}, nil
	case knownAtAnswer:
		inner, err := officialView(v.answer)
		return knownAtAnswer{answer: inner, knownAt: v.knownAt}, err
	}
	return nil, errNoOfficialView{typ: fmt.Sprintf("%T", v)}
}

// withheldTransaction is t without its personal fields. Each one it clears
// is tagged omitempty in projections.Transaction, so it is left out of the
// JSON, not written empty (TestOfficialsReadNoPersonalData checks the keys).
func withheldTransaction(t projections.Transaction) projections.Transaction {
	t.BeneficiaryID = ""
	t.Note = ""
	t.Reason = ""
	t.Reference = ""
	if t.Donor != nil && personalDonor(t.Donor.Kind) {
		d := *t.Donor // t.Donor is the projections' own: never written through
		d.Name = ""
		t.Donor = &d
	}
	return t
}

// personalDonor reports whether a donor of kind k is a natural person,
// whose name officials do not read.
func personalDonor(k domain.DonorKind) bool {
	switch k {
	case domain.DonorEnterprise, domain.DonorOrganization:
		return false
	}
	// member, individual, anonymous — and a kind added tomorrow, until
	// someone decides otherwise.
	return true
}

// officialLoan is a loan as an official reads it: without the borrower.
// Its BeneficiaryID is shallower than the embedded Loan's, so encoding/json
// writes it in that one's place, and, always nil, leaves the member out;
// every other member of Loan, one added tomorrow included, is written as
// for anyone else.
type officialLoan struct {
	projections.Loan
	BeneficiaryID *struct{} `json:"beneficiary_id,omitempty"`
}
