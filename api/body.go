package api

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"strings"
	"time"

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
// Errors: unsupported_media_type, payload_too_large, invalid_json,
// request_timeout (see bodyReadError).
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
		return nil, bodyReadError(c, err)
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

// answerGrace is the time a 408 is given to be written. The server's
// read deadline, which a stalled body runs into, falls within moments of
// its write deadline (both count from the request's start); without more
// time the answer would be cut off with the connection.
const answerGrace = 5 * time.Second

// bodyReadError is the answer to a body that could not be read to its end.
// None is the server's fault, so none is a 500: a body that stalled until
// the server's read deadline is 408 request_timeout, after which the
// connection is closed (RFC 9110 15.5.9); a body cut short or in broken
// chunked framing is 400 invalid_json. Nothing was recorded either way.
func bodyReadError(c echo.Context, err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		c.Response().Header().Set(echo.HeaderConnection, "close")
		// Past the read deadline; the write deadline follows it. An
		// error means the connection cannot take a deadline (a test's
		// recorder): the answer is written without one.
		_ = http.NewResponseController(c.Response()).SetWriteDeadline(time.Now().Add(answerGrace))
		return apiErr(codeRequestTimeout, "the body did not arrive within the server's read timeout; nothing was recorded")
	}
	// The read error stays behind the answer for errors.Is.
	return fmt.Errorf("%w: %w", apiErr(codeInvalidJSON, "the body could not be read to its end (it was cut short, or its chunked framing is broken); nothing was recorded"), err)
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
