package api

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
	"golang.org/x/time/rate"
)

// Default per-token rate limit: far above what a fund manager's tool or a
// dashboard sends, low enough that a runaway script or a leaked token cannot
// starve everyone else. welfare-ledger serve --rate-limit changes it.
const (
	DefaultRateLimit = 100 // requests per second, sustained
	DefaultRateBurst = 200 // requests at once
)

// RateLimit is a per-token limit: a token bucket of Burst requests refilled
// at PerSecond. A zero PerSecond turns the limit off (load tests).
type RateLimit struct {
	PerSecond float64
	Burst     int
}

// limiters holds one token bucket per token id. Tokens come from the
// access stream, so the map is bounded by the tokens ever issued.
type limiters struct {
	cfg RateLimit
	mu  sync.Mutex
	m   map[uuid.UUID]*rate.Limiter
}

func newLimiters(cfg RateLimit) *limiters {
	return &limiters{cfg: cfg, m: map[uuid.UUID]*rate.Limiter{}}
}

// wait returns how long the token must wait before this request would be
// allowed, or 0 when it is allowed now (and then counts it).
func (l *limiters) wait(id uuid.UUID, now time.Time) time.Duration {
	l.mu.Lock()
	lim, ok := l.m[id]
	if !ok {
		lim = rate.NewLimiter(rate.Limit(l.cfg.PerSecond), l.cfg.Burst)
		l.m[id] = lim
	}
	l.mu.Unlock()
	r := lim.ReserveN(now, 1)
	if !r.OK() {
		return time.Second
	}
	d := r.DelayFrom(now)
	if d > 0 {
		// Refused requests do not spend the bucket.
		r.CancelAt(now)
	}
	return d
}

// rateLimit answers 429 rate_limited with Retry-After (whole seconds, at
// least 1) to a token over its limit. Public routes are not limited: they
// cost nothing and reveal nothing.
func (s *Server) rateLimit(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		p := caller(c)
		if p == nil || s.limits.cfg.PerSecond <= 0 {
			return next(c)
		}
		if d := s.limits.wait(p.tokenID, time.Now()); d > 0 {
			secs := int(math.Ceil(d.Seconds()))
			return &headerError{
				err:    apiErr(codeRateLimited, "this token sent more than %g requests per second; retry after %d s", s.limits.cfg.PerSecond, secs),
				header: http.Header{"Retry-After": {strconv.Itoa(secs)}},
			}
		}
		return next(c)
	}
}
