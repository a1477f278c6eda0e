package api

import (
	"fmt"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
)

// transactionTypes are the values of the transactions list's type filter:
// the event types of money events (the table of money kinds), as each
// listed transaction names itself.
var transactionTypes = func() []domain.EventType {
	var types []domain.EventType
	for _, spec := range domain.MoneyKinds() {
		types = append(types, spec.Type)
	}
	return types
}()

func parseTransactionType(s string) (domain.EventType, error) {
	names := make([]string, len(transactionTypes))
	for i, t := range transactionTypes {
		if string(t) == s {
			return t, nil
		}
		names[i] = string(t)
	}
	return "", fmt.Errorf("must be one of %s", strings.Join(names, ", "))
}

// listTransactions: GET /v1/funds/{fund_id}/transactions?from=&to=&type=,
// the fund's transactions in log order, each with reversed_by.
func (s *Server) listTransactions(c echo.Context) error {
	errs := &fieldErrors{}
	fund := pathUUID(c, errs, "fund_id")
	q := newQuery(c, errs, "from", "to", "type", "limit", "cursor", "known_at")
	filter := projections.TxFilter{From: q.date("from"), To: q.date("to")}
	known, knownAt := q.knownAt(s.ledger.Now())
	if v, given := q.get("type"); given {
		t, err := parseTransactionType(v)
		errs.addErr("type", err)
		filter.Type = t
	}
	if !filter.From.IsZero() && !filter.To.IsZero() && filter.From > filter.To {
		errs.add("from", fmt.Sprintf("must not be later than to (%s)", filter.To))
	}
	// The scope binds a cursor to the fund and the filters it was made
	// for: its position would page a different list correctly only by luck.
	// A cursor is a position, so it pages the same list at any known_at.
	scope := fmt.Sprintf("transactions\x00%s\x00%d\x00%d\x00%s", fund, filter.From, filter.To, filter.Type)
	limit := q.limit()
	after := q.cursor(scope)
	if err := errs.err(); err != nil {
		return err
	}
	items, more, found := s.proj.TransactionsKnown(fund, filter, domain.Position(after), limit, known)
	if !found {
		return errFundNotFound(fund)
	}
	var last uint64
	if len(items) > 0 {
		last = uint64(items[len(items)-1].Position)
	}
	return respondOK(c, withKnownAt(newPage(items, nextCursor(scope, last, more && len(items) > 0)), knownAt))
}

// getLoan: GET /v1/funds/{fund_id}/loans/{loan_id}.
func (s *Server) getLoan(c echo.Context) error {
	errs := &fieldErrors{}
	fund := pathUUID(c, errs, "fund_id")
	loan := pathUUID(c, errs, "loan_id")
	q := newQuery(c, errs, "known_at")
	known, knownAt := q.knownAt(s.ledger.Now())
	if err := errs.err(); err != nil {
		return err
	}
	l, found := s.proj.LoanKnown(fund, loan, known)
	if !found {
		if _, fundFound := s.proj.FundSummaryKnown(fund, 0, known); !fundFound {
			return errFundNotFound(fund)
		}
		return domain.Errf(domain.CodeNotFound, "loan %s not found in fund %s", loan, fund)
	}
	return respondOK(c, withKnownAt(l, knownAt))
}

// getBeneficiary: GET /v1/beneficiaries/{beneficiary_id}, every grant, loan
// and repayment of one person across all funds, with totals.
func (s *Server) getBeneficiary(c echo.Context) error {
	errs := &fieldErrors{}
	id := pathBeneficiary(c, errs, "beneficiary_id")
	q := newQuery(c, errs, "known_at")
	known, knownAt := q.knownAt(s.ledger.Now())
	if err := errs.err(); err != nil {
		return err
	}
	// Only the funds of the caller's scope: a beneficiary with nothing
	// there is not found, not forbidden, so that the answer does not tell
	// whether the person was helped elsewhere.
	b, found := s.proj.BeneficiaryKnown(id, caller(c).scope, known)
	if !found {
		return domain.Errf(domain.CodeNotFound, "beneficiary %q not found", id)
	}
	if b.Items == nil {
		b.Items = []projections.Transaction{}
	}
	return respondOK(c, withKnownAt(b, knownAt))
}
