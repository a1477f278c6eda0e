package api

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// sealCatchUp bounds how long a close waits for the projections to apply
// every event of the log before it computes the seal from them.
const sealCatchUp = 10 * time.Second

// closedPeriodDTO answers POST /v1/units/{unit_id}/periods.
type closedPeriodDTO struct {
	UnitID   domain.UnitID   `json:"unit_id"`
	Year     int             `json:"year"`
	Position domain.Position `json:"position"`
	ClosedAt time.Time       `json:"closed_at"`
	Seal     string          `json:"seal"`
}

// reopenedPeriodDTO answers POST /v1/units/{unit_id}/periods/{year}/reopen:
// the reopening's own position and time, and the closure it ended.
type reopenedPeriodDTO struct {
	UnitID         domain.UnitID   `json:"unit_id"`
	Year           int             `json:"year"`
	Position       domain.Position `json:"position"`
	ReopenedAt     time.Time       `json:"reopened_at"`
	ClosedPosition domain.Position `json:"closed_position"`
	Seal           string          `json:"seal"`
}

// closePeriod: POST /v1/units/{unit_id}/periods.
func (s *Server) closePeriod(c echo.Context) error {
	errs := &fieldErrors{}
	unit := pathUnit(c, errs, "unit_id")
	f, err := readObject(c)
	if err != nil {
		return err
	}
	if err := f.allow("year", "decision_no", "note"); err != nil {
		return err
	}
	cmd := domain.ClosePeriod{UnitID: unit, Year: formYear(f, "year"), DecisionNo: f.str("decision_no", false), Note: f.str("note", false)}
	errs.list = append(errs.list, f.errs.list...)
	if err := validateAt(errs, s.ledger.Today(), cmd.Validate); err != nil {
		return err
	}
	res, err := s.ledger.ClosePeriod(c.Request().Context(), cmd, caller(c).actor(), func(ctx context.Context, upTo domain.Position) (string, error) {
		return s.seal(ctx, unit, cmd.Year, upTo)
	})
	if err != nil {
		return err
	}
	if err := s.waitFor(c, res.Position); err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderLocation, "/v1/units/"+string(unit)+"/periods")
	return created(c, false, closedPeriodDTO{UnitID: unit, Year: cmd.Year, Position: res.Position,
		ClosedAt: res.RecordedAt, Seal: res.Closed.Seal})
}

// reopenPeriod: POST /v1/units/{unit_id}/periods/{year}/reopen.
func (s *Server) reopenPeriod(c echo.Context) error {
	errs := &fieldErrors{}
	unit := pathUnit(c, errs, "unit_id")
	year := pathYear(c, errs)
	f, err := readObject(c)
	if err != nil {
		return err
	}
	if err := f.allow("reason", "decision_no"); err != nil {
		return err
	}
	cmd := domain.ReopenPeriod{UnitID: unit, Year: year, Reason: f.str("reason", true), DecisionNo: f.str("decision_no", false)}
	errs.list = append(errs.list, f.errs.list...)
	if err := validateAt(errs, s.ledger.Today(), cmd.Validate); err != nil {
		return err
	}
	res, err := s.ledger.ReopenPeriod(c.Request().Context(), cmd, caller(c).actor())
	if err != nil {
		return err
	}
	if err := s.waitFor(c, res.Position); err != nil {
		return err
	}
	return respondOK(c, reopenedPeriodDTO{UnitID: unit, Year: year, Position: res.Position, ReopenedAt: res.RecordedAt,
		ClosedPosition: res.ClosurePosition, Seal: res.Closed.Seal})
}

// periodsScope is the cursor scope of GET /v1/units/{unit_id}/periods.
const periodsScope = "periods"

// listPeriods: GET /v1/units/{unit_id}/periods?known_at=&limit=&cursor=,
// the closures covering the unit, its ancestors' included, in log order.
func (s *Server) listPeriods(c echo.Context) error {
	errs := &fieldErrors{}
	unit := pathUnit(c, errs, "unit_id")
	q := newQuery(c, errs, "limit", "cursor", "known_at")
	limit := q.limit()
	known, knownAt := q.knownAt(s.ledger.Now())
	scope := periodsScope + "\x00" + string(unit)
	after := q.cursor(scope)
	if err := errs.err(); err != nil {
		return err
	}
	items, ok := s.proj.PeriodsKnown(unit, known)
	if !ok {
		return errUnitNotFound(unit)
	}
	start := min(int(after), len(items))
	end := min(start+limit, len(items))
	return respondOK(c, withKnownAt(newPage(items[start:end], nextCursor(scope, uint64(end), end < len(items))), knownAt))
}

// seal computes the seal of a unit's year from the projections once they
// have applied the log up to the close's PeriodClosing at upTo, every
// instance's writes before it included (the projections follow the global
// log in order). Events after upTo cannot change the seal: those dated up
// to 31 December of the year are void (domain.Periods.VoidAt), and later
// dates are not in a year-end balance.
func (s *Server) seal(ctx context.Context, unit domain.UnitID, year int, upTo domain.Position) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, sealCatchUp)
	defer cancel()
	if err := s.proj.WaitFor(ctx, upTo); err != nil {
		return "", fmt.Errorf("wait for the projections to apply position %d: %w", upTo, err)
	}
	lines, ok := s.proj.SealLines(unit, year)
	if !ok {
		return "", fmt.Errorf("unit %s is missing from the projections", unit)
	}
	return domain.PeriodSeal(lines), nil
}

// validateAt runs a command's checks that depend on today and returns
// every error found so far.
func validateAt(errs *fieldErrors, today domain.Date, validate func(*domain.Validation, domain.Date)) error {
	var v domain.Validation
	validate(&v, today)
	errs.merge(&v)
	return errs.err()
}

// maxYearDigits bounds the digits of a year read from a body or a path:
// enough for any int, so that a large year is refused by the command's
// range (which names the range) rather than as malformed.
const maxYearDigits = 9

// msgYear is the message for a year that is not a whole number.
const msgYear = "must be a year written as a JSON integer, e.g. 2023"

// formYear reads a required year, a JSON integer; the range is the
// command's to check.
func formYear(f *form, name string) int {
	r, ok := f.raw(name)
	if !ok {
		f.errs.add(f.prefix+name, msgRequired)
		return 0
	}
	y, ok := parseYear(string(r))
	if !ok {
		f.errs.add(f.prefix+name, msgYear)
		return 0
	}
	return y
}

// pathYear reads the {year} path parameter.
func pathYear(c echo.Context, errs *fieldErrors) int {
	y, ok := parseYear(c.Param("year"))
	if !ok {
		errs.add("year", msgYear)
		return 0
	}
	return y
}

// parseYear reads 1 to maxYearDigits decimal digits without a leading zero.
func parseYear(s string) (int, bool) {
	if len(s) == 0 || len(s) > maxYearDigits || s[0] == '0' {
		return 0, false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
	}
	y, err := strconv.Atoi(s)
	return y, err == nil
}
