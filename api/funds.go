package api

import (
	"fmt"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
)

// openFund: POST /v1/funds. It answers with the fund's summary as of the
// day it was opened (see openedSummary), once the projections have applied
// the opening.
func (s *Server) openFund(c echo.Context) error {
	f, err := readObject(c)
	if err != nil {
		return err
	}
	if err := f.allow("fund_id", "unit_id", "name", "kind", "opened_on"); err != nil {
		return err
	}
	cmd := domain.OpenFund{
		FundID:   f.id("fund_id", false),
		UnitID:   domain.UnitID(f.str("unit_id", true)),
		Name:     f.str("name", true),
		Kind:     domain.FundKind(f.str("kind", true)),
		OpenedOn: f.date("opened_on"),
	}
	s.notFuture(f.errs, "opened_on", cmd.OpenedOn)
	if err := f.errs.validate(cmd); err != nil {
		return err
	}
	if err := s.mayUse(c, cmd.UnitID); err != nil {
		return err
	}
	res, err := s.ledger.OpenFund(c.Request().Context(), cmd, caller(c).actor())
	if err != nil {
		return err
	}
	if err := s.waitFor(c, res.Position); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/funds/"+res.Fund.FundID.String())
	return created(c, res.Replay, openedSummary(res))
}

// openedSummary is the answer to opening a fund: its summary as of the day
// it was opened, before any money. It is built from the recorded FundOpened
// event alone, so a replay, even years later, answers exactly what the first
// request answered (API.md: "returns the original result").
func openedSummary(r domain.FundResult) projections.FundSummary {
	return projections.FundSummary{
		FundID: r.Fund.FundID, UnitID: r.Fund.UnitID, Name: r.Fund.Name, Kind: r.Fund.Kind, OpenedOn: r.Fund.OpenedOn,
		AsOf: domain.DateOf(r.RecordedAt), Position: r.Position,
	}
}

// notFuture refuses a business date after today before the command reaches
// the domain (which refuses it too), so that a future date is listed with
// the request's other bad fields instead of after they are fixed.
func (s *Server) notFuture(errs *fieldErrors, field string, d domain.Date) {
	if today := s.ledger.Today(); d > today {
		errs.add(field, fmt.Sprintf("must not be later than today (%s)", today))
	}
}

// listFunds: GET /v1/funds?unit_id=&kind=, fund summaries as of now in the
// order the funds were opened; unit_id includes the unit's descendants.
func (s *Server) listFunds(c echo.Context) error {
	errs := &fieldErrors{}
	q := newQuery(c, errs, "unit_id", "kind", "limit", "cursor", "known_at")
	known, knownAt := q.knownAt(s.ledger.Now())
	var filter projections.FundFilter
	if v, given := q.get("unit_id"); given {
		u, err := domain.ParseUnitID(v)
		errs.addErr("unit_id", err)
		filter.Unit = u
	}
	if v, given := q.get("kind"); given {
		k, err := domain.ParseFundKind(v)
		errs.addErr("kind", err)
		filter.Kind = k
	}
	scope := "funds\x00" + string(filter.Unit) + "\x00" + string(filter.Kind)
	limit := q.limit()
	after := q.cursor(scope)
	if err := errs.err(); err != nil {
		return err
	}
	// An unknown unit is an error, not an empty list: an official who
	// mistypes a unit must not read "no funds".
	if filter.Unit != "" {
		if _, found := s.proj.UnitKnown(filter.Unit, known); !found {
			return errUnitNotFound(filter.Unit)
		}
		if err := s.mayUse(c, filter.Unit); err != nil {
			return err
		}
	} else {
		filter.Unit = caller(c).scope
	}
	items, next := s.proj.FundsKnown(filter, s.ledger.Today(), int(after), limit, known)
	return respondOK(c, withKnownAt(newPage(items, nextCursor(scope, uint64(next), next > 0)), knownAt))
}

// getFund: GET /v1/funds/{fund_id}?as_of=&known_at=, the fund's figures at
// the end of as_of (default today; the response's as_of is the date used),
// as the ledger knew them at known_at (default now).
func (s *Server) getFund(c echo.Context) error {
	errs := &fieldErrors{}
	id := pathUUID(c, errs, "fund_id")
	q := newQuery(c, errs, "as_of", "known_at")
	asOf := q.date("as_of")
	known, knownAt := q.knownAt(s.ledger.Now())
	if err := errs.err(); err != nil {
		return err
	}
	if asOf.IsZero() {
		asOf = s.ledger.Today()
	}
	sum, found := s.proj.FundSummaryKnown(id, asOf, known)
	if !found {
		return errFundNotFound(id)
	}
	return respondOK(c, withKnownAt(sum, knownAt))
}

func errFundNotFound(id uuid.UUID) error {
	return domain.Errf(domain.CodeNotFound, "fund %s not found", id)
}
