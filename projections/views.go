package projections

import (
	"time"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// Totals are the sums of movements per category over a period (API.md:
// reversals dated in the period net against their original's category).
type Totals struct {
	Donations        domain.VND `json:"donations"`
	ShelterGrants    domain.VND `json:"shelter_grants"`
	AssistanceGrants domain.VND `json:"assistance_grants"`
	LoansDisbursed   domain.VND `json:"loans_disbursed"`
	Repayments       domain.VND `json:"repayments"`
}

// ShelterCounts splits shelter grants by kind.
type ShelterCounts struct {
	NewBuild int `json:"new_build"`
	Repair   int `json:"repair"`
}

// Counts are the numbers of transactions per category dated in a period and
// not reversed on or before its end; Reversals counts reversals dated in it.
type Counts struct {
	Donations        int           `json:"donations"`
	ShelterGrants    ShelterCounts `json:"shelter_grants"`
	AssistanceGrants int           `json:"assistance_grants"`
	Loans            int           `json:"loans"`
	Repayments       int           `json:"repayments"`
	Reversals        int           `json:"reversals"`
}

// Beneficiaries counts the people helped: Times (lượt) is the number of
// counted grants and loans, Persons (người) the distinct beneficiary ids
// among them.
type Beneficiaries struct {
	Persons int `json:"persons"`
	Times   int `json:"times"`
}

// Unit is a unit of the hierarchy.
type Unit struct {
	ID       domain.UnitID   `json:"unit_id"`
	Name     string          `json:"name"`
	ParentID domain.UnitID   `json:"parent_id"`
	Path     []domain.UnitID `json:"path"` // root first, the unit itself last
}

// FundSummary is a fund's figures at the end of a business date.
type FundSummary struct {
	FundID           uuid.UUID       `json:"fund_id"`
	UnitID           domain.UnitID   `json:"unit_id"`
	Name             string          `json:"name"`
	Kind             domain.FundKind `json:"kind"`
	OpenedOn         domain.Date     `json:"opened_on"`
	AsOf             domain.Date     `json:"as_of"`
	Position         domain.Position `json:"position"` // of the fund's last event in the log
	Balance          domain.VND      `json:"balance"`
	LoansOutstanding domain.VND      `json:"loans_outstanding"`
	Capital          domain.VND      `json:"capital"`
	Totals           Totals          `json:"totals"`
	Counts           Counts          `json:"counts"`
	Beneficiaries    Beneficiaries   `json:"beneficiaries"`
	// Breakdown is in a single fund's summary, not in lists.
	Breakdown *Breakdown `json:"breakdown,omitempty"`
}

// FundLine is one fund's part of a unit summary, over the same period.
type FundLine struct {
	FundID         uuid.UUID       `json:"fund_id"`
	UnitID         domain.UnitID   `json:"unit_id"`
	Name           string          `json:"name"`
	Kind           domain.FundKind `json:"kind"`
	OpeningBalance domain.VND      `json:"opening_balance"`
	ClosingBalance domain.VND      `json:"closing_balance"`
	Totals         Totals          `json:"totals"`
	Counts         Counts          `json:"counts"`
	Beneficiaries  Beneficiaries   `json:"beneficiaries"`
}

// UnitSummary is the roll-up of a unit and its descendants over a period of
// business dates [From, To]. Beneficiaries are distinct across all funds in
// scope, never a sum of per-fund counts.
type UnitSummary struct {
	UnitID         domain.UnitID   `json:"unit_id"`
	Name           string          `json:"name"`
	From           domain.Date     `json:"from"` // zero: from the beginning
	To             domain.Date     `json:"to"`
	Position       domain.Position `json:"position"` // the projections' position when computed
	OpeningBalance domain.VND      `json:"opening_balance"`
	ClosingBalance domain.VND      `json:"closing_balance"`
	Totals         Totals          `json:"totals"`
	Counts         Counts          `json:"counts"`
	Beneficiaries  Beneficiaries   `json:"beneficiaries"`
	Breakdown      *Breakdown      `json:"breakdown,omitempty"`
	Funds          []FundLine      `json:"funds"`
}

// Transaction is one money event of a fund, as listed.
type Transaction struct {
	TransactionID uuid.UUID                 `json:"transaction_id"`
	FundID        uuid.UUID                 `json:"fund_id"`
	UnitID        domain.UnitID             `json:"unit_id"`
	Type          domain.EventType          `json:"type"`
	Amount        domain.VND                `json:"amount"`
	OccurredOn    domain.Date               `json:"occurred_on"`
	RecordedAt    time.Time                 `json:"recorded_at"`
	Position      domain.Position           `json:"position"`
	Actor         string                    `json:"actor"`
	BeneficiaryID domain.BeneficiaryID      `json:"beneficiary_id,omitempty"`
	LoanID        *uuid.UUID                `json:"loan_id,omitempty"`
	Reverses      *uuid.UUID                `json:"reverses,omitempty"`
	ReversedBy    *uuid.UUID                `json:"reversed_by"`
	Donor         *domain.Donor             `json:"donor,omitempty"`
	Shelter       domain.ShelterKind        `json:"shelter,omitempty"`
	Category      domain.AssistanceCategory `json:"category,omitempty"`
	Campaign      string                    `json:"campaign,omitempty"`
	Reference     string                    `json:"reference,omitempty"`
	DecisionNo    string                    `json:"decision_no,omitempty"`
	Project       string                    `json:"project,omitempty"`
	DueOn         domain.Date               `json:"due_on,omitempty"`
	Reason        string                    `json:"reason,omitempty"`
	Note          string                    `json:"note,omitempty"`
}

// LoanStatus is where a loan stands.
type LoanStatus string

// Loan statuses.
const (
	LoanActive   LoanStatus = "active"
	LoanRepaid   LoanStatus = "repaid"
	LoanReversed LoanStatus = "reversed"
)

// Loan is a loan's current state.
type Loan struct {
	LoanID        uuid.UUID            `json:"loan_id"`
	FundID        uuid.UUID            `json:"fund_id"`
	BeneficiaryID domain.BeneficiaryID `json:"beneficiary_id"`
	Principal     domain.VND           `json:"principal"`
	Repaid        domain.VND           `json:"repaid"`
	Outstanding   domain.VND           `json:"outstanding"`
	Status        LoanStatus           `json:"status"`
	DisbursedOn   domain.Date          `json:"disbursed_on"`
	DueOn         domain.Date          `json:"due_on"`
	Project       string               `json:"project,omitempty"`
}

// BeneficiaryTotals sums a beneficiary's transactions that are not reversed.
type BeneficiaryTotals struct {
	ShelterGrants    domain.VND `json:"shelter_grants"`
	AssistanceGrants domain.VND `json:"assistance_grants"`
	LoansDisbursed   domain.VND `json:"loans_disbursed"`
	Repayments       domain.VND `json:"repayments"`
	LoansOutstanding domain.VND `json:"loans_outstanding"`
}

// Beneficiary is everything recorded for one person in the funds a caller
// may see.
type Beneficiary struct {
	BeneficiaryID domain.BeneficiaryID `json:"beneficiary_id"`
	Totals        BeneficiaryTotals    `json:"totals"`
	Counts        Beneficiaries        `json:"counts"` // Persons is always 1 here; Times is lượt
	Items         []Transaction        `json:"items"`
}

// FundFilter selects funds in a list.
type FundFilter struct {
	Unit domain.UnitID   // with descendants; "" for all
	Kind domain.FundKind // "" for all
}

// TxFilter selects transactions in a fund's list.
type TxFilter struct {
	From, To domain.Date      // inclusive; zero for open
	Type     domain.EventType // "" for all
}

// Figure is one line of a breakdown: Count (lượt) is the number of
// counted grants or loans, Amount their sum net of reversals (as Totals),
// Persons (người) the distinct beneficiaries among the counted ones.
type Figure struct {
	Count   int        `json:"count"`
	Amount  domain.VND `json:"amount"`
	Persons int        `json:"persons"`
}

// ShelterFigures splits shelter grants by kind.
type ShelterFigures struct {
	NewBuild Figure `json:"new_build"`
	Repair   Figure `json:"repair"`
}

// Breakdown is the figure of every line an official's report prints
// (API.md, "Officials' figures"), over the same period as the summary's
// totals and counts. Every line is present, zeros included.
type Breakdown struct {
	ShelterGrants    ShelterFigures    `json:"shelter_grants"`
	AssistanceGrants AssistanceFigures `json:"assistance_grants"`
	Loans            Figure            `json:"loans"`
}
