package api

import (
	"fmt"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
)

// unitDTO is a unit as served: a root's parent_id is null rather than "",
// so that clients test for a root the JSON way.
type unitDTO struct {
	UnitID   domain.UnitID   `json:"unit_id"`
	Name     string          `json:"name"`
	ParentID *domain.UnitID  `json:"parent_id"`
	Path     []domain.UnitID `json:"path"`
}

// createdUnitDTO answers POST /v1/units: the unit and, like every write
// response, its event's position in the log.
type createdUnitDTO struct {
	unitDTO
	Position domain.Position `json:"position"`
}

func newUnitDTO(u projections.Unit) unitDTO {
	d := unitDTO{UnitID: u.ID, Name: u.Name, Path: u.Path}
	if u.ParentID != "" {
		p := u.ParentID
		d.ParentID = &p
	}
	if d.Path == nil {
		d.Path = []domain.UnitID{}
	}
	return d
}

// registerUnit: POST /v1/units.
func (s *Server) registerUnit(c echo.Context) error {
	f, err := readObject(c)
	if err != nil {
		return err
	}
	if err := f.allow("unit_id", "name", "parent_id"); err != nil {
		return err
	}
	cmd := domain.RegisterUnit{
		UnitID:   domain.UnitID(f.str("unit_id", true)),
		Name:     f.str("name", true),
		ParentID: domain.UnitID(f.str("parent_id", false)),
	}
	if err := f.errs.validate(cmd); err != nil {
		return err
	}
	// A root unit needs a token scoped to the whole ledger.
	if err := s.mayUse(c, cmd.ParentID); err != nil {
		return err
	}
	res, err := s.ledger.RegisterUnit(c.Request().Context(), cmd, caller(c).actor())
	if err != nil {
		return err
	}
	if err := s.waitFor(c, res.Position); err != nil {
		return err
	}
	u, ok := s.proj.Unit(cmd.UnitID)
	if !ok {
		return fmt.Errorf("unit %s is missing from the projections at position %d", cmd.UnitID, res.Position)
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/units/"+string(cmd.UnitID))
	return created(c, false, createdUnitDTO{unitDTO: newUnitDTO(u), Position: res.Position})
}

// unitsScope is the cursor scope of GET /v1/units.
const unitsScope = "units"

// listUnits: GET /v1/units, in registration order.
func (s *Server) listUnits(c echo.Context) error {
	errs := &fieldErrors{}
	q := newQuery(c, errs, "limit", "cursor", "known_at")
	limit := q.limit()
	known, knownAt := q.knownAt(s.ledger.Now())
	root := caller(c).scope
	scope := unitsScope + "\x00" + string(root)
	after := q.cursor(scope)
	if err := errs.err(); err != nil {
		return err
	}
	units, next := s.proj.UnitsKnown(root, int(after), limit, known)
	items := make([]unitDTO, len(units))
	for i, u := range units {
		items[i] = newUnitDTO(u)
	}
	return respondOK(c, withKnownAt(newPage(items, nextCursor(scope, uint64(next), next > 0)), knownAt))
}

// getUnit: GET /v1/units/{unit_id}?known_at=.
func (s *Server) getUnit(c echo.Context) error {
	errs := &fieldErrors{}
	q := newQuery(c, errs, "known_at")
	id := pathUnit(c, errs, "unit_id")
	known, knownAt := q.knownAt(s.ledger.Now())
	if err := errs.err(); err != nil {
		return err
	}
	u, found := s.proj.UnitKnown(id, known)
	if !found {
		return errUnitNotFound(id)
	}
	return respondOK(c, withKnownAt(newUnitDTO(u), knownAt))
}

// unitSummary: GET /v1/units/{unit_id}/summary?from=&to=&known_at=, the
// roll-up of the unit and its descendants over [from, to] (API.md,
// "Reading").
func (s *Server) unitSummary(c echo.Context) error {
	errs := &fieldErrors{}
	id := pathUnit(c, errs, "unit_id")
	q := newQuery(c, errs, "from", "to", "known_at")
	from, to := q.date("from"), q.date("to")
	known, knownAt := q.knownAt(s.ledger.Now())
	if to.IsZero() && !errs.has("to") {
		to = s.ledger.Today()
	}
	if !from.IsZero() && !to.IsZero() && from > to {
		errs.add("from", fmt.Sprintf("must not be later than to (%s)", to))
	}
	if err := errs.err(); err != nil {
		return err
	}
	sum := summaryPool.Get().(*projections.UnitSummary)
	defer summaryPool.Put(sum)
	if !s.proj.UnitSummaryKnownInto(sum, id, from, to, known) {
		return errUnitNotFound(id)
	}
	if sum.Funds == nil {
		sum.Funds = []projections.FundLine{}
	}
	return respondOK(c, withKnownAt(sum, knownAt))
}

// summaryPool keeps unit summaries, and the storage of their fund lines,
// between requests: respondOK has encoded one completely when it returns.
var summaryPool = sync.Pool{New: func() any { return new(projections.UnitSummary) }}

func errUnitNotFound(id domain.UnitID) error {
	return domain.Errf(domain.CodeNotFound, "unit %q not found", id)
}
