package api

import (
	"github.com/labstack/echo/v4"
)

// Limits of a request's head. The http.Server must read a head of up to
// ServerMaxHeaderBytes (http.Server.MaxHeaderBytes), well above these, so
// that a head over them reaches refuseOversizedHead and is answered in
// problem+json like every other refusal: past its own limit, net/http
// answers a plain-text 431 before any handler runs.
const (
	// MaxRequestTargetBytes bounds the request target (path and query).
	// The longest the API takes is a few hundred bytes: ids, and at most
	// 16 query parameters of at most 128 bytes each.
	MaxRequestTargetBytes = 8 << 10
	// MaxHeaderBlockBytes bounds the header fields, counted as HTTP/1.1
	// writes them ("Name: value\r\n"). A bearer token is 89 bytes of
	// them.
	MaxHeaderBlockBytes = 64 << 10
	// ServerMaxHeaderBytes is the http.Server.MaxHeaderBytes the service
	// is served with: room for a head over both limits above, to refuse
	// it in problem+json.
	ServerMaxHeaderBytes = 1 << 20
)

// refuseOversizedHead answers a request target over MaxRequestTargetBytes
// with 414 uri_too_long and header fields over MaxHeaderBlockBytes with 431
// headers_too_large, before anything else looks at them.
func refuseOversizedHead(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if n := len(req.RequestURI); n > MaxRequestTargetBytes {
			return apiErr(codeURITooLong, "the request target (path and query) is %d bytes long; at most %d are read", n, MaxRequestTargetBytes)
		}
		size := len(req.Host) + len("Host: \r\n")
		for name, values := range req.Header {
			for _, v := range values {
				size += len(name) + len(": \r\n") + len(v)
			}
		}
		if size > MaxHeaderBlockBytes {
			return apiErr(codeHeadersTooLarge, "the header fields are %d bytes long; at most %d are read", size, MaxHeaderBlockBytes)
		}
		return next(c)
	}
}
