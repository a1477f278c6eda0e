package api

import (
	_ "embed"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// openAPIDoc is the hand-kept contract of this package's routes; a test
// fails when a registered route is missing from it.
//
//go:embed openapi.yaml
var openAPIDoc []byte

// openAPIContentType is the media type registered for YAML (RFC 9512).
const openAPIContentType = "application/yaml"

// status is the body of the service endpoints; they reveal no ledger data.
type status struct {
	Status string `json:"status"`
}

// healthz: GET /healthz, liveness: the process serves HTTP.
func (s *Server) healthz(c echo.Context) error {
	return respondOK(c, status{Status: "ok"})
}

// readyz: GET /readyz, 200 once the projections have caught up with the
// log, 503 not_ready before (a load balancer sends no reads to an instance
// that would answer them from half a log), and 503 store_unavailable
// while the store cannot write (a full disk): ready again by itself once a
// write or the store's own probe succeeds.
func (s *Server) readyz(c echo.Context) error {
	if !s.proj.Ready() {
		return apiErr(codeNotReady, "the projections are catching up with the log")
	}
	if s.storeHealth() != nil {
		// The reason (a path, an OS error) goes to the log with the
		// write that met it, not to an unauthenticated probe.
		return apiErr(codeStoreUnavailable, "the event store cannot write now (e.g. its disk is full or read-only)")
	}
	return respondOK(c, status{Status: "ready"})
}

// requireReady answers every /v1 request but the OpenAPI document with 503
// not_ready until the projections have caught up with the log: during a
// start-up replay a read would answer a balance from half the history, or
// 404 for a fund that exists. Once ready, a request first waits for every
// write already answered (awaitAnswered): a read sees them, and a token
// revocation answered is in force.
func (s *Server) requireReady(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if c.Path() == "/v1/openapi.yaml" || !strings.HasPrefix(c.Request().URL.Path, "/v1/") {
			return next(c)
		}
		if !s.proj.Ready() {
			return apiErr(codeNotReady, "the projections are catching up with the log; try again shortly")
		}
		if err := s.awaitAnswered(c); err != nil {
			return err
		}
		return next(c)
	}
}

// openAPI: GET /v1/openapi.yaml.
func (s *Server) openAPI(c echo.Context) error {
	return c.Blob(http.StatusOK, openAPIContentType, openAPIDoc)
}

// openAPIPath writes an Echo route path the OpenAPI way: /funds/:fund_id
// becomes /funds/{fund_id}.
func openAPIPath(p string) string {
	parts := strings.Split(p, "/")
	for i, part := range parts {
		if strings.HasPrefix(part, ":") {
			parts[i] = "{" + part[1:] + "}"
		}
	}
	return strings.Join(parts, "/")
}
