package api

import (
	"bytes"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

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
