package api

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"runtime"
	"runtime/debug"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
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
			id = newRequestID(time.Now())
		}
		c.Set(requestIDKey, id)
		c.Response().Header().Set(requestIDHeader, id)
		return next(c)
	}
}

// newRequestID returns a fresh request id: a UUIDv7 (RFC 9562, a
// millisecond timestamp and 74 random bits) like every id of the ledger, but
// with its random bits from math/rand/v2's per-thread generator, seeded by
// the runtime from the system's randomness: no lock and no read of the
// system's randomness per request. A request id only needs to be unique
// (it matches a client's report to a log line), not secret, and two ids of
// one millisecond collide with odds of one in 2^74.
func newRequestID(now time.Time) string {
	var id uuid.UUID
	binary.BigEndian.PutUint64(id[0:8], uint64(now.UnixMilli())<<16|rand.Uint64()&0xffff)
	binary.BigEndian.PutUint64(id[8:16], rand.Uint64())
	id[6] = id[6]&0x0f | 0x70 // version 7
	id[8] = id[8]&0x3f | 0x80 // the RFC 9562 variant
	return id.String()
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
		gone := false
		if err := next(c); err != nil {
			if gone = clientGone(c, err); !gone {
				c.Error(err)
			}
		}
		route := c.Path()
		if route == "" {
			route = "unmatched"
		}
		status := c.Response().Status
		if gone {
			status = statusClientClosed
		}
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
		// What s.log.LogAttrs does, but for the source of the line: it
		// points at this call on every request, so it is computed once,
		// not by a walk of the stack per request.
		ctx := c.Request().Context()
		h := s.log.Handler()
		if !h.Enabled(ctx, level) {
			return nil
		}
		r := slog.NewRecord(start.Add(elapsed), level, "http request", accessLogPC())
		r.AddAttrs(
			slog.String("method", method),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Duration("duration", elapsed),
			slog.Int64("bytes_out", c.Response().Size),
			slog.String("request_id", requestID(c)),
		)
		_ = h.Handle(ctx, r) // as LogAttrs: a log that cannot write is not the client's failure
		return nil
	}
}

// statusClientClosed is what the access log and the metrics record for a
// request whose client went away before its answer was ready (the number
// nginx uses): nothing is sent, and it is not the server's failure, so it
// must not page anyone as a 500 would.
const statusClientClosed = 499

// clientGone reports whether err is only the consequence of the client
// leaving: the request's own context is cancelled and the error says so.
// A handler that stopped for any other reason is answered as usual.
func clientGone(c echo.Context, err error) bool {
	return !c.Response().Committed && errors.Is(c.Request().Context().Err(), context.Canceled) && errors.Is(err, context.Canceled)
}

// accessLogSource is the program counter of the access log's lines, set by
// the first request (see accessLogPC).
var accessLogSource atomic.Uintptr

// accessLogPC returns the program counter that slog.Logger would record for
// the access log's call: the return address into accessLog's handler, found
// once.
//
//go:noinline
func accessLogPC() uintptr {
	if pc := accessLogSource.Load(); pc != 0 {
		return pc
	}
	var pcs [1]uintptr
	runtime.Callers(2, pcs[:]) // skip runtime.Callers and accessLogPC
	accessLogSource.Store(pcs[0])
	return pcs[0]
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

// Security header values, built once: Header.Set would allocate each one's
// slice on every response. Every response shares them, which is safe as
// long as nothing writes into a header's slice in place (Add appends to a
// full slice, so it copies; net/http clones the header before it writes).
var (
	noSniff         = []string{"nosniff"}
	noStore         = []string{"no-store"}
	noContent       = []string{"default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"}
	denyFrames      = []string{"DENY"}
	noReferrer      = []string{"no-referrer"}
	strictTransport = []string{"max-age=31536000"}
)

// securityHeaders: responses are data, never documents to sniff, and hold
// ledger figures and personal data that no shared cache may keep.
func securityHeaders(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		h := c.Response().Header()
		h["X-Content-Type-Options"] = noSniff
		h["Cache-Control"] = noStore
		// Nothing here is a page: should a browser ever render a
		// response, it may load, run and frame nothing.
		h["Content-Security-Policy"] = noContent
		h["X-Frame-Options"] = denyFrames
		h["Referrer-Policy"] = noReferrer
		if c.Request().TLS != nil {
			h["Strict-Transport-Security"] = strictTransport
		}
		return next(c)
	}
}
