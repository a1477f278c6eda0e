package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"strings"
	"unicode/utf8"

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
	if err := checkJSON(body); err != nil {
		return nil, err
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(body, &members); err != nil {
		// checkJSON has accepted the body as one object, so this cannot
		// happen; answer invalid_json rather than trust that blindly.
		return nil, apiErr(codeInvalidJSON, "the body is not a JSON object")
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

// checkJSON walks the whole body token by token: encoding/json alone would
// take the last of duplicate keys silently, and a payload that means two
// things must not reach a ledger.
func checkJSON(body []byte) error {
	if !utf8.Valid(body) {
		return apiErr(codeInvalidJSON, "the body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	tok, err := dec.Token()
	if errors.Is(err, io.EOF) {
		return apiErr(codeInvalidJSON, "the body is empty; it must be a JSON object")
	}
	if err != nil {
		return apiErr(codeInvalidJSON, "the body is not valid JSON: %v", err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return apiErr(codeInvalidJSON, "the body must be a JSON object")
	}
	if err := walkObject(dec, "", 1); err != nil {
		return err
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return apiErr(codeInvalidJSON, "the body has data after its JSON object")
	}
	return nil
}

// walkObject consumes an object's members up to its closing brace, refusing
// duplicate keys; path names the object for messages ("donor.").
func walkObject(dec *json.Decoder, path string, depth int) error {
	if depth > maxJSONDepth {
		return apiErr(codeInvalidJSON, "the body nests deeper than %d levels", maxJSONDepth)
	}
	seen := map[string]bool{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return apiErr(codeInvalidJSON, "the body is not valid JSON: %v", err)
		}
		key, ok := tok.(string)
		if !ok {
			return apiErr(codeInvalidJSON, "the body is not valid JSON")
		}
		if seen[key] {
			return apiErr(codeInvalidJSON, "the body has the key %q twice", clip(path+key))
		}
		seen[key] = true
		if err := walkValue(dec, path+key, depth); err != nil {
			return err
		}
	}
	return closing(dec)
}

func walkValue(dec *json.Decoder, path string, depth int) error {
	tok, err := dec.Token()
	if err != nil {
		return apiErr(codeInvalidJSON, "the body is not valid JSON: %v", err)
	}
	d, ok := tok.(json.Delim)
	if !ok {
		return nil
	}
	switch d {
	case '{':
		return walkObject(dec, path+".", depth+1)
	case '[':
		if depth+1 > maxJSONDepth {
			return apiErr(codeInvalidJSON, "the body nests deeper than %d levels", maxJSONDepth)
		}
		for i := 0; dec.More(); i++ {
			if err := walkValue(dec, fmt.Sprintf("%s[%d]", path, i), depth+1); err != nil {
				return err
			}
		}
		return closing(dec)
	}
	return apiErr(codeInvalidJSON, "the body is not valid JSON")
}

// closing consumes the '}' or ']' that ends the current object or array.
func closing(dec *json.Decoder) error {
	tok, err := dec.Token()
	if err != nil {
		return apiErr(codeInvalidJSON, "the body is not valid JSON: %v", err)
	}
	if _, ok := tok.(json.Delim); !ok {
		return apiErr(codeInvalidJSON, "the body is not valid JSON")
	}
	return nil
}

// errUnknownField is the invalid_json answer to a member no request has.
func errUnknownField(name string) *domain.Error {
	return apiErr(codeInvalidJSON, "the body has the unknown field %q", clip(name))
}
