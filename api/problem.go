package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// Codes the transport itself produces, beside the domain's. They share the
// domain's Code type so that one table maps every code to a status.
const (
	codeInvalidJSON          domain.Code = "invalid_json"
	codePayloadTooLarge      domain.Code = "payload_too_large"
	codeUnsupportedMediaType domain.Code = "unsupported_media_type"
	codeMethodNotAllowed     domain.Code = "method_not_allowed"
	codeNotReady             domain.Code = "not_ready"
	codeInternal             domain.Code = "internal"
	codeUnauthorized         domain.Code = "unauthorized"
	codeForbidden            domain.Code = "forbidden"
	codeRateLimited          domain.Code = "rate_limited"
	codeRequestTimeout       domain.Code = "request_timeout"
	codeURITooLong           domain.Code = "uri_too_long"
	codeHeadersTooLarge      domain.Code = "headers_too_large"
	codeStoreUnavailable     domain.Code = "store_unavailable"
)

// problemKind is what the table knows of a code.
type problemKind struct {
	status int
	title  string
}

// problems is the one table from error codes to HTTP statuses (API.md,
// "Errors"). A code missing here is a bug: it is answered as internal.
var problems = map[domain.Code]problemKind{
	codeInvalidJSON:                   {http.StatusBadRequest, "The body is not an acceptable JSON object"},
	codeUnauthorized:                  {http.StatusUnauthorized, "Unauthorized"},
	codeForbidden:                     {http.StatusForbidden, "Forbidden"},
	domain.CodeValidation:             {http.StatusUnprocessableEntity, "The request has invalid fields"},
	domain.CodeNotFound:               {http.StatusNotFound, "Not found"},
	domain.CodeAlreadyExists:          {http.StatusConflict, "Already exists"},
	domain.CodeInsufficientFunds:      {http.StatusConflict, "Insufficient funds"},
	domain.CodeExceedsOutstanding:     {http.StatusConflict, "Exceeds the outstanding principal"},
	domain.CodeNotAllowedForFundKind:  {http.StatusConflict, "Not allowed for this kind of fund"},
	domain.CodeAlreadyReversed:        {http.StatusConflict, "Already reversed"},
	domain.CodeNotReversible:          {http.StatusConflict, "Not reversible"},
	domain.CodeLoanHasRepayments:      {http.StatusConflict, "The loan has repayments"},
	domain.CodePeriodClosed:           {http.StatusConflict, "The period is closed"},
	domain.CodePeriodNotClosed:        {http.StatusConflict, "The period is not closed"},
	domain.CodeIdempotencyConflict:    {http.StatusConflict, "Id reused with a different payload"},
	domain.CodeConcurrentModification: {http.StatusConflict, "Concurrent modification"},
	domain.CodeChainBroken:            {http.StatusConflict, "The fund's stored history does not verify"},
	codePayloadTooLarge:               {http.StatusRequestEntityTooLarge, "Payload too large"},
	codeRequestTimeout:                {http.StatusRequestTimeout, "The body did not arrive in time"},
	codeURITooLong:                    {http.StatusRequestURITooLong, "Request target too long"},
	codeHeadersTooLarge:               {http.StatusRequestHeaderFieldsTooLarge, "Header fields too large"},
	codeUnsupportedMediaType:          {http.StatusUnsupportedMediaType, "Unsupported media type"},
	codeMethodNotAllowed:              {http.StatusMethodNotAllowed, "Method not allowed"},
	codeRateLimited:                   {http.StatusTooManyRequests, "Too many requests"},
	codeVerifyInProgress:              {http.StatusConflict, "A verification is already running"},
	codeNotReady:                      {http.StatusServiceUnavailable, "Not ready"},
	codeStoreUnavailable:              {http.StatusServiceUnavailable, "The event store cannot write now"},
	codeInternal:                      {http.StatusInternalServerError, "Internal error"},
}

// problem is an RFC 9457 problem details document.
type problem struct {
	Type   string              `json:"type"`
	Title  string              `json:"title"`
	Status int                 `json:"status"`
	Code   domain.Code         `json:"code"`
	Detail string              `json:"detail"`
	Errors []domain.FieldError `json:"errors"`
}

// problemContentType is the media type of error bodies (RFC 9457).
const problemContentType = "application/problem+json"

// apiErr returns a transport error with a code of the table.
func apiErr(code domain.Code, format string, args ...any) *domain.Error {
	return domain.Errf(code, format, args...)
}

// headerError is an error whose answer carries response headers
// (WWW-Authenticate on a 401, Retry-After on a 429).
type headerError struct {
	err    error
	header http.Header
}

func (e *headerError) Error() string { return e.err.Error() }
func (e *headerError) Unwrap() error { return e.err }

// handleError is the Echo HTTPErrorHandler: the one place that turns an
// error into a response.
func (s *Server) handleError(err error, c echo.Context) {
	if c.Response().Committed {
		return
	}
	p := s.problemFor(err, c)
	var he *headerError
	if errors.As(err, &he) {
		for k, v := range he.header {
			c.Response().Header()[k] = v
		}
	}
	if p.Status == http.StatusMethodNotAllowed {
		// RFC 9110 15.5.6: a 405 carries Allow; Echo's router has put the
		// methods of the path into the context.
		if allow, ok := c.Get(echo.ContextKeyHeaderAllow).(string); ok && allow != "" {
			c.Response().Header().Set(echo.HeaderAllow, allow)
		}
	}
	if p.Status == http.StatusServiceUnavailable {
		c.Response().Header().Set("Retry-After", retryAfterSeconds)
	}
	if werr := writeJSON(c, p.Status, problemContentType, p); werr != nil {
		s.log.ErrorContext(c.Request().Context(), "write problem", "request_id", requestID(c), "error", werr)
	}
}

// retryAfterSeconds is what a 503 suggests to wait: projections catch up in
// well under that on any ledger that is already serving.
const retryAfterSeconds = "1"

// problemFor classifies err. Domain errors carry their code; Echo's router
// errors (unknown route, wrong method) become not_found and
// method_not_allowed; anything else is internal and is logged, never shown.
func (s *Server) problemFor(err error, c echo.Context) problem {
	var de *domain.Error
	var he *echo.HTTPError
	switch {
	case errors.As(err, &de):
		if de.Code == domain.CodeChainBroken {
			// An edit outside the ledger: the operator must act, and the
			// message says where (stream and revision).
			s.log.ErrorContext(c.Request().Context(), "hash chain broken: write refused",
				"request_id", requestID(c), "route", c.Path(), "error", err)
		}
		if k, ok := problems[de.Code]; ok {
			p := problem{Type: "/problems/" + string(de.Code), Title: k.title, Status: k.status,
				Code: de.Code, Detail: de.Message, Errors: de.Fields}
			if p.Errors == nil {
				p.Errors = []domain.FieldError{}
			}
			return p
		}
	case errors.As(err, &he):
		switch he.Code {
		case http.StatusNotFound:
			return newProblem(domain.CodeNotFound, "no such route: check the path against GET /v1/openapi.yaml")
		case http.StatusMethodNotAllowed:
			return newProblem(codeMethodNotAllowed, "the route does not accept method "+c.Request().Method)
		}
	case errors.Is(err, domain.ErrChainBroken), errors.Is(err, domain.ErrHashMismatch):
		// A stream other than a fund's (the tokens' access stream):
		// the same refusal, with the location in the log only.
		s.log.ErrorContext(c.Request().Context(), "hash chain broken: write refused",
			"request_id", requestID(c), "route", c.Path(), "error", err)
		return newProblem(domain.CodeChainBroken, fmt.Sprintf("the stored history this request writes to does not verify; nothing was recorded; "+
			"an operator must restore the ledger (logged with request id %s)", requestID(c)))
	case errors.Is(err, domain.ErrStoreUnavailable):
		s.log.WarnContext(c.Request().Context(), "store unavailable",
			"request_id", requestID(c), "route", c.Path(), "error", err)
		if errors.Is(err, domain.ErrOutcomeUnknown) {
			return newProblem(codeStoreUnavailable, "the event store failed while making this write durable, so it may or may not "+
				"have been recorded; repeat the same request (the same ids) once the service is ready: it is recorded once, "+
				"or answered as the replay of the first")
		}
		return newProblem(codeStoreUnavailable, "the event store cannot write now (e.g. its disk is full or read-only); "+
			"nothing was recorded; repeat the same request once the service is ready")
	case errors.Is(err, context.DeadlineExceeded) && c.Request().Context().Err() == nil:
		// Only the server's own deadline before a request is served gets
		// here (awaitAnswered): nothing of the request was done.
		return newProblem(codeNotReady, "the ledger did not catch up in time; nothing was done: repeat the request")
	}
	level := slog.LevelError
	if c.Request().Context().Err() != nil {
		// The client went away (or the server is shutting down) while the
		// request was served: nobody reads this answer, and it is no fault.
		level = slog.LevelInfo
	}
	s.log.Log(c.Request().Context(), level, "internal error",
		"request_id", requestID(c), "method", metricMethod(c.Request().Method), "route", c.Path(), "error", err)
	return newProblem(codeInternal, fmt.Sprintf("an internal error occurred; it was logged with request id %s", requestID(c)))
}

func newProblem(code domain.Code, detail string) problem {
	k := problems[code]
	return problem{Type: "/problems/" + string(code), Title: k.title, Status: k.status, Code: code,
		Detail: detail, Errors: []domain.FieldError{}}
}
