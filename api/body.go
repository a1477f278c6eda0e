package api

import (
	"fmt"
	"io"
	"mime"
	"strings"

	"github.com/labstack/echo/v4"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// Limits of request bodies.
const (
	// MaxBodyBytes bounds a request body (API.md: "body over 1 MiB" is
	// payload_too_large). The largest legitimate request, a donation with
	// every text field at its limit, is under 20 KiB.
	MaxBodyBytes = 1 << 20
	// maxJSONDepth bounds the nesting of a body: no request nests deeper
	// than 2, and a deep body costs the decoder stack for nothing.
	maxJSONDepth = 16
)

// readObject reads the body of a write: it must be declared JSON, at most
// MaxBodyBytes, valid UTF-8 JSON, one object without duplicate keys at any
// depth and without anything after it. It returns the object's members.
//
// Errors: unsupported_media_type, payload_too_large, invalid_json, or the
// connection's read error.
func readObject(c echo.Context) (*form, error) {
	req := c.Request()
	if err := checkContentType(req.Header.Values(echo.HeaderContentType)); err != nil {
		return nil, err
	}
	if err := checkContentEncoding(req.Header.Values(echo.HeaderContentEncoding)); err != nil {
		return nil, err
	}
	if req.ContentLength > MaxBodyBytes {
		return nil, tooLarge()
	}
	// The reader limit, not Content-Length, is what holds: a chunked body
	// has no length, and a client may lie about it.
	body, err := io.ReadAll(io.LimitReader(req.Body, MaxBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read request body: %w", err)
	}
	if len(body) > MaxBodyBytes {
		return nil, tooLarge()
	}
	members, err := parseObject(body)
	if err != nil {
		return nil, err
	}
	errs := &fieldErrors{}
	// A write takes all its input from its path and body: a query
	// parameter ("?dry_run=true", "?fund_id=…") would be ignored, and a
	// client that believes otherwise must learn it before money moves.
	newQuery(c, errs)
	return &form{members: members, errs: errs}, nil
}

func tooLarge() error {
	return apiErr(codePayloadTooLarge, "the body is larger than %d bytes", MaxBodyBytes)
}

// checkContentType accepts one Content-Type header of application/json with
// at most a UTF-8 charset parameter (RFC 8259 makes UTF-8 the only JSON
// encoding between systems). Two Content-Type headers are refused: proxies
// and servers disagree on which one counts.
func checkContentType(headers []string) error {
	if len(headers) == 0 || headers[0] == "" {
		return apiErr(codeUnsupportedMediaType, "the body must be sent with Content-Type: application/json")
	}
	if len(headers) > 1 {
		return apiErr(codeUnsupportedMediaType, "the request has %d Content-Type headers; send one: application/json", len(headers))
	}
	header := headers[0]
	mt, params, err := mime.ParseMediaType(header)
	if err != nil || mt != "application/json" {
		return apiErr(codeUnsupportedMediaType, "the body must be sent with Content-Type: application/json, not %q", clip(header))
	}
	for k, v := range params {
		if k != "charset" || !strings.EqualFold(v, "utf-8") {
			return apiErr(codeUnsupportedMediaType, "the only parameter Content-Type may carry is charset=utf-8, not %q", clip(header))
		}
	}
	return nil
}

// checkContentEncoding refuses a compressed or otherwise encoded body (RFC
// 7694: 415 for a content coding the server does not accept). Decoding it
// would bypass MaxBodyBytes, which bounds the bytes on the wire; reading it
// undecoded would answer invalid_json to a well-meant request.
func checkContentEncoding(headers []string) error {
	for _, h := range headers {
		for _, coding := range strings.Split(h, ",") {
			if c := strings.TrimSpace(coding); c != "" && !strings.EqualFold(c, "identity") {
				return apiErr(codeUnsupportedMediaType, "the body must not be encoded (Content-Encoding %q); send it as plain JSON", clip(c))
			}
		}
	}
	return nil
}

// errUnknownField is the invalid_json answer to a member no request has.
func errUnknownField(name string) *domain.Error {
	return apiErr(codeInvalidJSON, "the body has the unknown field %q", clip(name))
}
