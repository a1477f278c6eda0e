package api

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
)

// DefaultReadYourWritesTimeout bounds how long a write waits for the
// projections to apply it before answering, and how long a later request
// waits for the projections to reach every answered write. Projections
// apply an event in microseconds; seconds only pass when the process is
// starved.
const DefaultReadYourWritesTimeout = 5 * time.Second

// Config is what a Server needs. Ledger, Projections and Store are
// required.
type Config struct {
	// Ledger records writes.
	Ledger *domain.Ledger
	// Projections answer reads; Run must feed them from Store.
	Projections *projections.Projections
	// Store serves the raw log of GET /v1/events.
	Store domain.EventStore
	// Logger receives one line per request and every internal error; nil
	// discards them.
	Logger *slog.Logger
	// ReadYourWritesTimeout bounds the wait of a write for the projections;
	// zero means DefaultReadYourWritesTimeout.
	ReadYourWritesTimeout time.Duration
	// RateLimit is the per-token request limit; nil means
	// DefaultRateLimit and DefaultRateBurst, a zero PerSecond no limit.
	RateLimit *RateLimit
	// Metrics are served on GET /metrics; nil makes fresh ones (without the
	// store's commit figures, which need NewMetrics before the store).
	Metrics *Metrics
	// LogHead returns the position of the log's last event, for the
	// projection-lag gauge; nil leaves the gauge out.
	LogHead func() domain.Position
	// StoreSize returns the bytes the store takes on disk; nil leaves the
	// gauge out.
	StoreSize func() (int64, error)
	// StoreHealth returns nil while the store can write, else why not
	// (wrapping domain.ErrStoreUnavailable); GET /readyz is not 200
	// meanwhile. nil: the store's health is not watched.
	StoreHealth func() error
	// Synthetic says the ledger holds the demo's synthetic history: every
	// page says so (web.Config.Synthetic).
	Synthetic bool
}

// Server is the HTTP API. Create it with New; serve Handler.
type Server struct {
	ledger  *domain.Ledger
	proj    *projections.Projections
	store   domain.EventStore
	log     *slog.Logger
	rywWait time.Duration
	echo    *echo.Echo
	metrics *Metrics
	limits  *limiters
	// storeHealth is Config.StoreHealth, never nil.
	storeHealth func() error
	// verifying is held by the one GET /v1/audit/verify running.
	verifying sync.Mutex
	// answered is the highest position a write was answered with before the
	// projections had applied it (see waitFor): requests wait for it.
	answered atomic.Uint64
}

// New returns a Server with every route of API.md, GET /v1/audit/verify
// included (at most one verification at a time, each up to
// MaxVerifyDuration). It panics if a required part of cfg is missing: that
// is a wiring bug in the caller, not bad input.
func New(cfg Config) *Server {
	if cfg.Ledger == nil || cfg.Projections == nil || cfg.Store == nil {
		panic("api: New needs Ledger, Projections and Store")
	}
	s := &Server{
		ledger:  cfg.Ledger,
		proj:    cfg.Projections,
		store:   cfg.Store,
		log:     cfg.Logger,
		rywWait: cfg.ReadYourWritesTimeout,
		metrics: cfg.Metrics,

		storeHealth: cfg.StoreHealth,
	}
	if s.storeHealth == nil {
		s.storeHealth = func() error { return nil }
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.metrics == nil {
		s.metrics = NewMetrics()
	}
	s.metrics.bind(s, cfg.LogHead, cfg.StoreSize)
	if s.rywWait <= 0 {
		s.rywWait = DefaultReadYourWritesTimeout
	}
	limit := RateLimit{PerSecond: DefaultRateLimit, Burst: DefaultRateBurst}
	if cfg.RateLimit != nil {
		limit = *cfg.RateLimit
	}
	s.limits = newLimiters(limit)
	e := echo.New()
	e.HideBanner, e.HidePort = true, true
	e.HTTPErrorHandler = s.handleError
	// A request body is read only by readObject, under its own limit; no
	// Echo binder is used anywhere, so no second decoding path exists.
	// Readiness comes before authentication: during a start-up replay the
	// tokens themselves may not be loaded yet.
	// Bodies are drained before any answer (drain.go), and an oversized
	// request head is refused before anything reads it.
	e.Use(drainBeforeAnswer, s.requestID, s.accessLog, s.recoverPanic, securityHeaders, refuseOversizedHead,
		s.requireReady, s.authenticate, s.rateLimit)
	s.routes(e)
	s.mountPages(e, cfg.Synthetic)
	s.echo = e
	return s
}

// Handler returns the http.Handler serving the API (the caller wraps it in
// an http.Server with its timeouts).
func (s *Server) Handler() http.Handler { return s.echo }

// Routes lists the registered routes of the API as "METHOD /path/{param}",
// for tests and documentation checks; the officials' pages mounted beside
// it (web.Routes) are not among them.
func (s *Server) Routes() []Route {
	var out []Route
	for _, r := range s.echo.Routes() {
		if isPageRoute(r.Method, r.Path) {
			continue // a page, not part of the API's contract
		}
		out = append(out, Route{Method: r.Method, Path: openAPIPath(r.Path)})
	}
	return out
}

// Route is one registered route, its path written the OpenAPI way.
type Route struct {
	Method string
	Path   string
}

// waitFor blocks until the projections have applied pos, the position of
// a write about to be answered (read-your-writes), at most the configured
// time. The write is durable whatever happens here, so its answer must
// tell that outcome: when the projections are slower than the bound, the
// write is answered all the same and pos is noted, and every later request
// waits for it before it is served (awaitAnswered), which keeps
// read-your-writes without ever answering a recorded write with an error.
//
// Errors: only the request's own context error (the client went away).
func (s *Server) waitFor(c echo.Context, pos domain.Position) error {
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.rywWait)
	defer cancel()
	err := s.proj.WaitFor(ctx, pos)
	if err == nil {
		return nil
	}
	if cerr := c.Request().Context().Err(); cerr != nil {
		return fmt.Errorf("wait for position %d: %w", pos, cerr)
	}
	s.log.Warn("answering a recorded write before the projections applied it; later requests wait for it",
		"position", uint64(pos), "projections_position", uint64(s.proj.Position()), "waited", s.rywWait)
	for {
		cur := s.answered.Load()
		if cur >= uint64(pos) || s.answered.CompareAndSwap(cur, uint64(pos)) {
			return nil
		}
	}
}

// awaitAnswered blocks until the projections have applied every write
// answered before they had (see waitFor), at most the configured time; it
// costs one atomic load when they have.
//
// Errors: context.DeadlineExceeded (answered 503 not_ready: nothing of
// this request was done yet) or the request's context error.
func (s *Server) awaitAnswered(c echo.Context) error {
	pos := domain.Position(s.answered.Load())
	if pos == 0 || s.proj.Position() >= pos {
		return nil
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), s.rywWait)
	defer cancel()
	if err := s.proj.WaitFor(ctx, pos); err != nil {
		return fmt.Errorf("wait for answered position %d: %w", pos, err)
	}
	return nil
}
