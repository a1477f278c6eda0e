package api

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"
)

// A handler's panic becomes 500 internal; the detail (which may hold
// personal data) goes to the log only, and the server keeps serving.
func TestPanicBecomesInternal(t *testing.T) {
	var logs bytes.Buffer
	s := &Server{log: slog.New(slog.NewJSONHandler(&logs, nil))}
	e := echo.New()
	e.HTTPErrorHandler = s.handleError
	e.Use(s.requestID, s.recoverPanic)
	e.GET("/boom", func(echo.Context) error { panic("nil map in beneficiary M-SECRET") })
	e.GET("/fine", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })

	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/boom", nil))
	if rec.Code != http.StatusInternalServerError || !strings.Contains(rec.Body.String(), `"code":"internal"`) {
		t.Fatalf("GET /boom = %d %s, want 500 internal", rec.Code, rec.Body)
	}
	if strings.Contains(rec.Body.String(), "M-SECRET") || strings.Contains(rec.Body.String(), "goroutine") {
		t.Errorf("the 500 shows the panic to the client: %s", rec.Body)
	}
	if !strings.Contains(logs.String(), "M-SECRET") || !strings.Contains(logs.String(), "goroutine") {
		t.Errorf("the log lacks the panic and its stack: %s", logs.String())
	}
	rec = httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/fine", nil))
	if rec.Code != http.StatusNoContent {
		t.Errorf("after a panic, GET /fine = %d, want 204", rec.Code)
	}
}

// A made request id is a UUIDv7 of the request's millisecond, and no two
// are alike.
func TestNewRequestID(t *testing.T) {
	const n = 10_000
	seen := make(map[string]bool, n)
	before := time.Now().Truncate(time.Millisecond)
	for range n {
		s := newRequestID(time.Now())
		id, err := uuid.Parse(s)
		if err != nil || id.String() != s {
			t.Fatalf("newRequestID() = %q: not a canonical UUID (%v)", s, err)
		}
		if id.Version() != 7 || id.Variant() != uuid.RFC4122 {
			t.Fatalf("newRequestID() = %s: version %d, variant %v; want 7, RFC 4122", s, id.Version(), id.Variant())
		}
		if at := time.Unix(id.Time().UnixTime()); at.Before(before) || at.After(time.Now()) {
			t.Fatalf("newRequestID() = %s: time %v, want between %v and now", s, at, before)
		}
		if seen[s] {
			t.Fatalf("newRequestID() = %s twice", s)
		}
		seen[s] = true
	}
}

// The access log line carries the request's method, route pattern, status,
// duration, size and request id, and (for a handler that asks) the source
// of the line, as slog.Logger.LogAttrs would record it.
func TestAccessLogLine(t *testing.T) {
	var logs bytes.Buffer
	s := &Server{log: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{AddSource: true})), metrics: NewMetrics()}
	e := echo.New()
	e.HTTPErrorHandler = s.handleError
	e.Use(s.requestID, s.accessLog)
	e.GET("/funds/:id", func(c echo.Context) error { return c.String(http.StatusOK, "12345") })

	var ids []string
	for range 2 {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/funds/M-SECRET", nil))
		ids = append(ids, rec.Header().Get(requestIDHeader))
	}
	lines := strings.Split(strings.TrimSpace(logs.String()), "\n")
	if len(lines) != 2 {
		t.Fatalf("log = %q, want two lines", logs.String())
	}
	for i, line := range lines {
		var got map[string]any
		if err := json.Unmarshal([]byte(line), &got); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		want := map[string]any{"msg": "http request", "level": "INFO", "method": "GET", "route": "/funds/:id",
			"status": 200.0, "bytes_out": 5.0, "request_id": ids[i]}
		for k, w := range want {
			if got[k] != w {
				t.Errorf("log line %d: %s = %v, want %v", i, k, got[k], w)
			}
		}
		if d, _ := got["duration"].(float64); d <= 0 {
			t.Errorf("log line %d: duration = %v, want > 0", i, got["duration"])
		}
		src, _ := got["source"].(map[string]any)
		fn, _ := src["function"].(string)
		file, _ := src["file"].(string)
		if !strings.HasSuffix(fn, ".accessLog.func1") || filepath.Base(file) != "middleware.go" {
			t.Errorf("log line %d: source = %v, want accessLog's handler in middleware.go", i, src)
		}
		if strings.Contains(line, "M-SECRET") {
			t.Errorf("log line %d holds the path: %s", i, line)
		}
	}
}

// Every response shares the security headers' values; a handler that adds
// to one changes its own response only.
func TestSecurityHeadersShared(t *testing.T) {
	e := echo.New()
	e.Use(securityHeaders)
	e.GET("/add", func(c echo.Context) error {
		c.Response().Header().Add("Cache-Control", "private")
		return c.NoContent(http.StatusNoContent)
	})
	e.GET("/plain", func(c echo.Context) error { return c.NoContent(http.StatusNoContent) })
	for _, tc := range []struct {
		path string
		want []string
	}{
		{"/add", []string{"no-store", "private"}},
		{"/plain", []string{"no-store"}},
		{"/add", []string{"no-store", "private"}},
		{"/plain", []string{"no-store"}},
	} {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, tc.path, nil))
		if got := rec.Header().Values("Cache-Control"); !slices.Equal(got, tc.want) {
			t.Errorf("GET %s: Cache-Control = %q, want %q", tc.path, got, tc.want)
		}
	}
}
