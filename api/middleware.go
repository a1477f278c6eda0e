package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// requestIDHeader carries a request's id in and out, so that a client's
// report and the server's log line can be matched.
const requestIDHeader = echo.HeaderXRequestID

// maxRequestIDLen bounds a client-chosen request id, which ends up in logs.
const maxRequestIDLen = 64

const requestIDKey = "request_id"

// requestID adopts the client's X-Request-Id when it is a short token of
// safe characters, and otherwise makes one.
func (s *Server) requestID(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		id := c.Request().Header.Get(requestIDHeader)
		if !safeRequestID(id) {
			id = domain.NewID().String()
		}
		c.Set(requestIDKey, id)
		c.Response().Header().Set(requestIDHeader, id)
		return next(c)
	}
}

func safeRequestID(id string) bool {
	if id == "" || len(id) > maxRequestIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func requestID(c echo.Context) string {
	id, _ := c.Get(requestIDKey).(string)
	return id
}

// accessLog writes one structured line per request. It logs the route
// pattern, never the path itself, and never a body: paths and bodies carry
// beneficiary ids, which are personal data (Decree 13/2023).
//
// It hands errors to the error handler itself (instead of returning them to
// Echo) so that the line carries the status actually sent.
func (s *Server) accessLog(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		start := time.Now()
		if err := next(c); err != nil {
			c.Error(err)
		}
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		status := c.Response().Status
		level := slog.LevelInfo
		switch {
		case status == http.StatusServiceUnavailable:
			// not_ready: expected during a start-up replay, and answered
			// to every /readyz probe until then; worth a warning, not a page.
			level = slog.LevelWarn
		case status >= http.StatusInternalServerError:
			level = slog.LevelError
		}
		elapsed := time.Since(start)
		method := metricMethod(c.Request().Method)
		s.metrics.observe(method, route, status, elapsed)
		s.log.LogAttrs(c.Request().Context(), level, "http request",
			slog.String("method", method),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Duration("duration", elapsed),
			slog.Int64("bytes_out", c.Response().Size),
			slog.String("request_id", requestID(c)),
		)
		return nil
	}
}

// metricMethod bounds the methods that reach logs and metrics: a client
// can send any token as a method, and each would be a new series.
func metricMethod(m string) string {
	switch m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	}
	return "OTHER"
}

// recoverPanic turns a handler's panic into an internal error (logged with
// its stack by the error handler), so that one bad request does not take
// the connection, or the process, down.
func (s *Server) recoverPanic(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) (err error) {
		defer func() {
			r := recover()
			if r == nil {
				return
			}
			if e, ok := r.(error); ok && errors.Is(e, http.ErrAbortHandler) {
				panic(r) // net/http's way to abort a response on purpose
			}
			err = fmt.Errorf("panic: %v\n%s", r, debug.Stack())
		}()
		return next(c)
	}
}

// securityHeaders: responses are data, never documents to sniff, and hold
// ledger figures and personal data that no shared cache may keep.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Cache-Control", "no-store")
		// Nothing here is a page: should a browser ever render a
		// response, it may load, run and frame nothing.
		h.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Referrer-Policy", "no-referrer")
		if c.Request().TLS != nil {
			h.Set("Strict-Transport-Security", "max-age=31536000")
		}
		return next(c)
	}
}
