package api

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/welfare-ledger/welfare-ledger/projections"
	"github.com/welfare-ledger/welfare-ledger/web"
)

// mountPages serves the officials' pages (package web) beside the API.
// They are outside /v1, so the bearer-token authentication and the
// readiness check of /v1 pass them by: the pages sign in with their own
// cookie, which no /v1 route reads, and answer 503 themselves while the
// projections catch up. They set their own security headers over the
// API's (a page needs its stylesheet and its forms; the API's policy
// forbids both).
func (s *Server) mountPages(e *echo.Echo, synthetic bool) {
	pages := web.New(web.Config{Projections: s.proj, Today: s.ledger.Today, Logger: s.log, Download: s.downloadStatement,
		Synthetic: synthetic})
	handler := echo.WrapHandler(pages)
	for _, r := range web.Routes {
		e.Add(r.Method, echoPath(r.Path), handler)
	}
}

// echoPath writes a net/http pattern's path the Echo way: /units/{unit_id}
// becomes /units/:unit_id.
func echoPath(p string) string {
	parts := strings.Split(p, "/")
	for i, part := range parts {
		if strings.HasPrefix(part, "{") && strings.HasSuffix(part, "}") {
			parts[i] = ":" + strings.TrimSuffix(strings.TrimPrefix(part, "{"), "}")
		}
	}
	return strings.Join(parts, "/")
}

// isPageRoute reports whether an Echo route is one of the pages'.
func isPageRoute(method, path string) bool {
	for _, r := range web.Routes {
		if r.Method == method && echoPath(r.Path) == path {
			return true
		}
	}
	return false
}

// downloadStatement writes the statement page's files: the same CSV and
// XLSX as GET /v1/funds/{fund_id}/statement, with everything withheld
// from officials left out whoever is signed in (pages show no personal
// data), under the same time bound.
func (s *Server) downloadStatement(w http.ResponseWriter, r *http.Request, st *projections.Statement, format web.DownloadFormat) error {
	f := formatCSV
	if format == web.XLSX {
		f = formatXLSX
	}
	if err := statementFits(st, f); err != nil {
		return fmt.Errorf("%w: %w", web.ErrDoesNotFit, err)
	}
	rc := http.NewResponseController(w)
	until := time.Now().Add(MaxStatementDuration)
	for _, set := range []func(time.Time) error{rc.SetReadDeadline, rc.SetWriteDeadline} {
		if err := set(until); err != nil && !errors.Is(err, http.ErrNotSupported) {
			s.log.WarnContext(r.Context(), "statement download: lift the connection's deadline", "error", err)
		}
	}
	return sendStatement(w, st, f, true)
}
