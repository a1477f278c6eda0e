package api

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sync"

	"github.com/labstack/echo/v4"

	"github.com/welfare-ledger/welfare-ledger/projections"
)

// jsonContentType is the media type of every successful JSON response.
const jsonContentType = "application/json"

// replayHeader marks the answer to a repeated write that recorded nothing
// new (API.md, "Idempotency").
const replayHeader = "Idempotent-Replay"

// maxPooledBody is the largest response buffer writeJSON keeps for the next
// response: pages of a thousand events are rare, and pooling their buffers
// would hold megabytes for nothing.
const maxPooledBody = 64 << 10

// bodyPool holds response buffers (*[]byte) between requests.
var bodyPool = sync.Pool{New: func() any { b := make([]byte, 0, 2048); return &b }}

// writeJSON encodes v completely before writing anything, so that an
// encoding failure can still become a clean 500 instead of half a body.
// HTML escaping is off: event data is served byte for byte as stored (an
// auditor recomputes hashes over it), and JSON responses are never HTML.
//
// Every JSON response goes out through here, so every one an official
// receives is first replaced by its official view (withhold.go), and then
// encoded like any other: a fund summary, the most read response, and a
// unit's roll-up, the largest, are encoded by hand into the same bytes
// encoding/json would write.
func writeJSON(c echo.Context, status int, contentType string, v any) error {
	if withholdsPersonalData(c) {
		// Here, on the way out, rather than in each handler: a response
		// type that officialView does not know is refused, not sent.
		view, err := officialView(v)
		if err != nil {
			return err
		}
		v = view
	}
	bp := bodyPool.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= maxPooledBody {
			bodyPool.Put(bp)
		}
	}()
	body, err := appendBody((*bp)[:0], v)
	if err != nil {
		return err
	}
	*bp = body[:0] // a grown buffer is the one kept
	// Blob copies body into the connection's buffer before it returns
	// (a Writer must not retain what it is given), so the buffer can
	// serve the next response.
	return c.Blob(status, contentType, body)
}

// appendBody appends v's JSON encoding, as every response carries it, to b.
func appendBody(b []byte, v any) ([]byte, error) {
	switch v := v.(type) {
	case projections.FundSummary:
		return appendFundSummary(b, v), nil
	case *projections.UnitSummary:
		return appendUnitSummary(b, v), nil
	}
	buf := bytes.NewBuffer(b)
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("encode response: %w", err)
	}
	return buf.Bytes(), nil
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
