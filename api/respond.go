package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
)

// jsonContentType is the media type of every successful JSON response.
const jsonContentType = "application/json"

// replayHeader marks the answer to a repeated write that recorded nothing
// new (API.md, "Idempotency").
const replayHeader = "Idempotent-Replay"

// writeJSON encodes v completely before writing anything, so that an
// encoding failure can still become a clean 500 instead of half a body.
// HTML escaping is off: event data is served byte for byte as stored (an
// auditor recomputes hashes over it), and JSON responses are never HTML.
func writeJSON(c echo.Context, status int, contentType string, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	body := buf.Bytes()
	if withholdsBeneficiaries(c) {
		// Here, on the way out, rather than in each view: a field added
		// to any response tomorrow is withheld without anyone
		// remembering to.
		var err error
		if body, err = withhold(body, "beneficiary_id"); err != nil {
			return fmt.Errorf("withhold beneficiary ids: %w", err)
		}
	}
	return c.Blob(status, contentType, body)
}

// respondOK writes a 200 JSON response.
func respondOK(c echo.Context, v any) error { return writeJSON(c, http.StatusOK, jsonContentType, v) }

// created writes the answer to a write: 201 when it recorded something, 200
// with Idempotent-Replay: true when it repeated an earlier write.
func created(c echo.Context, replay bool, v any) error {
	if replay {
		c.Response().Header().Set(replayHeader, "true")
		return writeJSON(c, http.StatusOK, jsonContentType, v)
	}
	return writeJSON(c, http.StatusCreated, jsonContentType, v)
}

// page is the shape of every list (API.md, "Lists").
type page[T any] struct {
	Items      []T     `json:"items"`
	NextCursor *string `json:"next_cursor"`
}

// newPage never answers "items": null: an empty list is [].
func newPage[T any](items []T, next *string) page[T] {
	if items == nil {
		items = []T{}
	}
	return page[T]{Items: items, NextCursor: next}
}
