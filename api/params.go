package api

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
)

// Page sizes of every list (API.md, "Lists").
const (
	DefaultPageSize = 100
	MaxPageSize     = 1000
)

// Limits of query strings. No endpoint takes more than five parameters,
// and the longest legitimate value is a cursor (at most maxCursorLength).
const (
	// maxQueryParams bounds the parameters of one request, counting
	// repeats: past it the request is refused as a whole, so that a query
	// of thousands of parameters costs one error, not one per parameter.
	maxQueryParams = 16
	// maxQueryValueLen bounds every parameter value, in bytes, before any
	// parser sees it.
	maxQueryValueLen = 128
	// maxEchoedLen bounds a client-chosen name (an unknown parameter or
	// member) quoted back in a problem.
	maxEchoedLen = 64
)

// query reads the query parameters of a request. Like form, it reports every
// bad parameter to fieldErrors, named by the parameter.
type query struct {
	values url.Values
	errs   *fieldErrors
}

// newQuery refuses a malformed query string, parameters other than allowed,
// parameters given more than once and values over maxQueryValueLen: a
// misspelt "asof" that is silently ignored would show an auditor today's
// figures as if they were the past's.
//
// It parses the raw query itself because Echo's QueryParams drops a
// malformed pair ("as_of=%zz", "a=1;b=2") without a word, which would turn
// a filter into no filter.
func newQuery(c echo.Context, errs *fieldErrors, allowed ...string) *query {
	raw := c.Request().URL.RawQuery
	if raw == "" {
		return &query{errs: errs} // most reads; a nil url.Values has no parameters
	}
	if n := strings.Count(raw, "&") + 1; n > maxQueryParams {
		errs.add("query", fmt.Sprintf("has %d parameters; at most %d are accepted", n, maxQueryParams))
		return &query{values: url.Values{}, errs: errs}
	}
	values, err := url.ParseQuery(raw)
	if err != nil {
		errs.add("query", "is not a valid URL query string (each parameter is name=value, joined by '&', with %-escapes of two hex digits)")
		return &query{values: url.Values{}, errs: errs}
	}
	names := make([]string, 0, len(values))
	for k := range values {
		names = append(names, k)
	}
	slices.Sort(names) // a stable order of errors
	for _, k := range names {
		switch {
		case !slices.Contains(allowed, k):
			errs.add(clip(k), "is not a parameter of this endpoint")
			delete(values, k)
		case len(values[k]) > 1:
			errs.add(k, "must be given at most once")
		case len(values[k][0]) > maxQueryValueLen:
			errs.add(k, fmt.Sprintf("must be at most %d bytes", maxQueryValueLen))
			delete(values, k)
		}
	}
	return &query{values: values, errs: errs}
}

// clip shortens a client-chosen name for quoting in a problem: valid UTF-8,
// at most maxEchoedLen bytes, "…" marking a cut.
func clip(s string) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	if len(s) <= maxEchoedLen {
		return s
	}
	cut := maxEchoedLen
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// get returns a parameter and whether it was given. An empty value counts
// as not given: "?unit_id=&kind=" is how forms and API.md write "no
// filter".
func (q *query) get(name string) (string, bool) {
	vs, ok := q.values[name]
	if !ok || len(vs) == 0 || vs[0] == "" {
		return "", false
	}
	return vs[0], true
}

// date reads an optional YYYY-MM-DD parameter.
func (q *query) date(name string) domain.Date {
	s, ok := q.get(name)
	if !ok {
		return 0
	}
	d, err := domain.ParseDate(s)
	if err != nil {
		q.errs.add(name, err.Error())
		return 0
	}
	return d
}

// knownAt reads known_at, an RFC 3339 instant (API.md, "Time travel for
// auditors"): the answer is computed from the events recorded at or
// before it. It returns the Known to query with — the zero Known, which is
// the ordinary answer, when known_at is absent or later than now ("a
// known_at later than now answers as now") — and the instant to echo at
// the top level of the response (nil when absent).
func (q *query) knownAt(now time.Time) (projections.Known, *time.Time) {
	s, ok := q.get("known_at")
	if !ok {
		return projections.Known{}, nil
	}
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		msg := "must be an RFC 3339 instant with a time and an offset, e.g. 2024-03-31T17:00:00Z"
		if strings.Contains(s, " ") {
			msg += " (in a URL a '+' reads as a space: write the offset's + as %2B)"
		}
		q.errs.add("known_at", msg)
		return projections.Known{}, nil
	}
	at = at.UTC()
	if at.After(now) {
		return projections.Known{}, &at
	}
	return projections.KnownAt(at), &at
}

// limit reads the page size: 1..MaxPageSize, DefaultPageSize when absent.
func (q *query) limit() int {
	s, ok := q.get("limit")
	if !ok {
		return DefaultPageSize
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxPageSize || s != strconv.Itoa(n) {
		q.errs.add("limit", fmt.Sprintf("must be an integer from 1 to %d", MaxPageSize))
		return DefaultPageSize
	}
	return n
}

// cursor reads the opaque cursor of a list whose scope is given; absent is
// key 0, the first page.
func (q *query) cursor(scope string) uint64 {
	s, ok := q.get("cursor")
	if !ok {
		return 0
	}
	key, err := decodeCursor(scope, s)
	if err != nil {
		q.errs.add("cursor", err.Error())
		return 0
	}
	return key
}

// pathParam reads a path parameter, unescaped (Echo matches on the raw
// path when the URL has escapes, and leaves its parameters escaped then),
// and parses it. A malformed value is a 422 naming the parameter, checked
// before any lookup; a well-formed unknown one is a 404 later.
func pathParam[T any](c echo.Context, errs *fieldErrors, name string, parse func(string) (T, error)) T {
	var zero T
	s, err := url.PathUnescape(c.Param(name))
	if err != nil {
		errs.add(name, "is not a valid URL path segment")
		return zero
	}
	v, err := parse(s)
	if err != nil {
		errs.add(name, err.Error())
		return zero
	}
	return v
}

// pathUUID reads a UUID path parameter.
func pathUUID(c echo.Context, errs *fieldErrors, name string) uuid.UUID {
	return pathParam(c, errs, name, domain.ParseUUID)
}

// pathUnit reads a unit slug path parameter.
func pathUnit(c echo.Context, errs *fieldErrors, name string) domain.UnitID {
	return pathParam(c, errs, name, domain.ParseUnitID)
}

// pathBeneficiary reads a beneficiary id path parameter.
func pathBeneficiary(c echo.Context, errs *fieldErrors, name string) domain.BeneficiaryID {
	return pathParam(c, errs, name, domain.ParseBeneficiaryID)
}

// nextCursor returns the cursor of the next page, or nil on the last.
func nextCursor(scope string, key uint64, more bool) *string {
	if !more {
		return nil
	}
	s := encodeCursor(scope, key)
	return &s
}
