package api

import (
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// txDTO is the answer to a money write (API.md, "Money events"). It is
// built from what the ledger remembers of the transaction, so a replay, even
// after a restart, answers exactly what the first write answered.
type txDTO struct {
	TransactionID uuid.UUID        `json:"transaction_id"`
	FundID        uuid.UUID        `json:"fund_id"`
	Type          domain.EventType `json:"type"`
	Amount        domain.VND       `json:"amount"`
	OccurredOn    domain.Date      `json:"occurred_on"`
	RecordedAt    string           `json:"recorded_at"`
	Position      domain.Position  `json:"position"`
	// BalanceAfter is the fund's balance, over all business dates, right
	// after the transaction was recorded.
	BalanceAfter domain.VND `json:"balance_after"`
	// LoanID is the loan a loan, a repayment or a reversal of either
	// concerns.
	LoanID *uuid.UUID `json:"loan_id,omitempty"`
	// Reverses is set on reversals.
	Reverses *uuid.UUID `json:"reverses,omitempty"`
}

func newTxDTO(r domain.TxResult) txDTO {
	t := r.Tx
	d := txDTO{
		TransactionID: t.ID,
		FundID:        r.FundID,
		Type:          t.Type,
		Amount:        t.Amount,
		OccurredOn:    t.OccurredOn,
		RecordedAt:    t.RecordedAt.UTC().Format(time.RFC3339Nano),
		Position:      t.Position,
		BalanceAfter:  t.BalanceAfter,
	}
	if t.LoanID != uuid.Nil {
		id := t.LoanID
		d.LoanID = &id
	}
	if t.Reverses != uuid.Nil {
		id := t.Reverses
		d.Reverses = &id
	}
	return d
}

// moneyWriters are the handlers of the money writes, by kind. Each reads
// its command from the body; its route and the members its body may hold
// are the table of money kinds' (domain/kinds.go).
var moneyWriters = [domain.NumMoneyKinds]func(*Server, echo.Context) error{
	domain.KindDonation:        (*Server).recordDonation,
	domain.KindShelterGrant:    (*Server).payShelterGrant,
	domain.KindAssistanceGrant: (*Server).grantAssistance,
	domain.KindLoan:            (*Server).disburseLoan,
	domain.KindRepayment:       (*Server).repayLoan,
	domain.KindReversal:        (*Server).reverse,
}

// moneyRoutes returns the route of every money write: POST on the table's
// route, for writers on the fund the path names. A kind without a handler
// is a build mistake that TestMoneyRoutes names; it panics here, at start,
// rather than answering 500 to its first request.
func moneyRoutes() []route {
	var rs []route
	for _, spec := range domain.MoneyKinds() {
		h := moneyWriters[spec.Kind]
		if h == nil {
			panic(fmt.Sprintf("api: money kind %s has no handler in moneyWriters", spec.Type))
		}
		rs = append(rs, route{"POST", echoPath(spec.Route), h, writers, fundResource})
	}
	return rs
}

// bodyMembers are, by kind, the members a money write's body may hold
// (and, for an object member, the members it may hold): the table's body
// fields.
var bodyMembers = func() (m [domain.NumMoneyKinds][]string) {
	for _, spec := range domain.MoneyKinds() {
		m[spec.Kind] = spec.BodyFields()
	}
	return m
}()

var donorMembers = domain.KindDonation.Spec().NestedBodyFields("donor")

// record validates cmd (adding its findings to the transport's), records
// it, waits until the projections have it and answers 201, or 200 with
// Idempotent-Replay for a repeat.
func (s *Server) record(c echo.Context, errs *fieldErrors, cmd domain.MoneyCommand) error {
	s.notFuture(errs, "occurred_on", cmd.Occurred())
	if err := errs.validate(cmd); err != nil {
		return err
	}
	res, err := s.ledger.Record(c.Request().Context(), cmd, caller(c).actor())
	if err != nil {
		return err
	}
	if err := s.waitFor(c, res.Tx.Position); err != nil {
		return err
	}
	return created(c, res.Replay, newTxDTO(res))
}

// recordDonation: POST /v1/funds/{fund_id}/donations.
func (s *Server) recordDonation(c echo.Context) error {
	f, err := readObject(c)
	if err != nil {
		return err
	}
	if err := f.allow(bodyMembers[domain.KindDonation]...); err != nil {
		return err
	}
	cmd := domain.RecordDonation{
		FundID:        pathUUID(c, f.errs, "fund_id"),
		TransactionID: f.id("transaction_id", false),
		Amount:        f.amount("amount"),
		OccurredOn:    f.date("occurred_on"),
		Campaign:      f.str("campaign", false),
		Reference:     f.str("reference", false),
		Note:          f.str("note", false),
	}
	if donor := f.object("donor", true); donor != nil {
		if err := donor.allow(donorMembers...); err != nil {
			return err
		}
		cmd.Donor = domain.Donor{Name: donor.str("name", false), Kind: domain.DonorKind(donor.str("kind", true))}
	}
	return s.record(c, f.errs, cmd)
}

// payShelterGrant: POST /v1/funds/{fund_id}/shelter-grants.
func (s *Server) payShelterGrant(c echo.Context) error {
	f, err := readObject(c)
	if err != nil {
		return err
	}
	if err := f.allow(bodyMembers[domain.KindShelterGrant]...); err != nil {
		return err
	}
	cmd := domain.PayShelterGrant{
		FundID:        pathUUID(c, f.errs, "fund_id"),
		TransactionID: f.id("transaction_id", false),
		BeneficiaryID: domain.BeneficiaryID(f.str("beneficiary_id", true)),
		Amount:        f.amount("amount"),
		Shelter:       domain.ShelterKind(f.str("shelter", true)),
		OccurredOn:    f.date("occurred_on"),
		DecisionNo:    f.str("decision_no", false),
		Note:          f.str("note", false),
	}
	return s.record(c, f.errs, cmd)
}

// grantAssistance: POST /v1/funds/{fund_id}/assistance-grants.
func (s *Server) grantAssistance(c echo.Context) error {
	f, err := readObject(c)
	if err != nil {
		return err
	}
	if err := f.allow(bodyMembers[domain.KindAssistanceGrant]...); err != nil {
		return err
	}
	cmd := domain.GrantAssistance{
		FundID:        pathUUID(c, f.errs, "fund_id"),
		TransactionID: f.id("transaction_id", false),
		BeneficiaryID: domain.BeneficiaryID(f.str("beneficiary_id", true)),
		Amount:        f.amount("amount"),
		Category:      domain.AssistanceCategory(f.str("category", true)),
		OccurredOn:    f.date("occurred_on"),
		Note:          f.str("note", false),
	}
	return s.record(c, f.errs, cmd)
}

// disburseLoan: POST /v1/funds/{fund_id}/loans. The loan id is the
// transaction id.
func (s *Server) disburseLoan(c echo.Context) error {
	f, err := readObject(c)
	if err != nil {
		return err
	}
	if err := f.allow(bodyMembers[domain.KindLoan]...); err != nil {
		return err
	}
	cmd := domain.DisburseLoan{
		FundID:        pathUUID(c, f.errs, "fund_id"),
		LoanID:        f.id("loan_id", false),
		BeneficiaryID: domain.BeneficiaryID(f.str("beneficiary_id", true)),
		Amount:        f.amount("amount"),
		OccurredOn:    f.date("occurred_on"),
		DueOn:         f.date("due_on"),
		Project:       f.str("project", false),
		Note:          f.str("note", false),
	}
	return s.record(c, f.errs, cmd)
}

// repayLoan: POST /v1/funds/{fund_id}/loans/{loan_id}/repayments.
func (s *Server) repayLoan(c echo.Context) error {
	f, err := readObject(c)
	if err != nil {
		return err
	}
	if err := f.allow(bodyMembers[domain.KindRepayment]...); err != nil {
		return err
	}
	cmd := domain.RepayLoan{
		FundID:        pathUUID(c, f.errs, "fund_id"),
		LoanID:        pathUUID(c, f.errs, "loan_id"),
		TransactionID: f.id("transaction_id", false),
		Amount:        f.amount("amount"),
		OccurredOn:    f.date("occurred_on"),
		Note:          f.str("note", false),
	}
	return s.record(c, f.errs, cmd)
}

// reverse: POST /v1/funds/{fund_id}/reversals.
func (s *Server) reverse(c echo.Context) error {
	f, err := readObject(c)
	if err != nil {
		return err
	}
	if err := f.allow(bodyMembers[domain.KindReversal]...); err != nil {
		return err
	}
	cmd := domain.ReverseTransaction{
		FundID:        pathUUID(c, f.errs, "fund_id"),
		TransactionID: f.id("transaction_id", false),
		Reverses:      f.id("reverses", true),
		Reason:        f.str("reason", true),
		OccurredOn:    f.date("occurred_on"),
	}
	return s.record(c, f.errs, cmd)
}
