package api

import (
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/welfare-ledger/welfare-ledger/web"
)

// mountPages serves the officials' pages (package web) beside the API.
// They are outside /v1, so the bearer-token authentication and the
// readiness check of /v1 pass them by: the pages sign in with their own
// cookie, which no /v1 route reads, and answer 503 themselves while the
// projections catch up. They set their own security headers over the
// API's (a page needs its stylesheet and its forms; the API's policy
// forbids both).
func (s *Server) mountPages(e *echo.Echo) {
	pages := web.New(web.Config{Projections: s.proj, Today: s.ledger.Today, Logger: s.log})
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
