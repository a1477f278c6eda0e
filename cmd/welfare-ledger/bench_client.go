package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// HTTP client limits of the bench.
const (
	// benchRequestTimeout bounds one request: far above the p99 the bench
	// expects, so that only a stuck server hits it.
	benchRequestTimeout = 30 * time.Second
	// benchMaxBody bounds how much of a response the bench reads.
	benchMaxBody = 1 << 20
	// benchUncertainRetries bounds how often a write whose outcome is
	// unknown (transport error) is sent again with the same id to learn
	// it: an idempotent repeat answers the original result.
	benchUncertainRetries = 3
)

// benchClient sends requests to one server with one bearer token.
type benchClient struct {
	base  string
	token string
	http  *http.Client
}

// newBenchClient returns a client whose connection pool keeps one idle
// connection per bench client at least, so that no request waits for a TCP
// handshake after warm-up.
func newBenchClient(base, token string, clients int) *benchClient {
	tr := &http.Transport{
		Proxy:               nil, // loopback load: never through a proxy
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
		MaxIdleConns:        2 * clients,
		MaxIdleConnsPerHost: 2 * clients,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
	return &benchClient{base: base, token: token, http: &http.Client{Transport: tr, Timeout: benchRequestTimeout}}
}

func (c *benchClient) close() { c.http.CloseIdleConnections() }

// do sends one request and returns the status and the body.
func (c *benchClient) do(ctx context.Context, method, path string, body []byte) (int, []byte, error) {
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, r)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, benchMaxBody))
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("%s %s: read body: %w", method, path, err)
	}
	return resp.StatusCode, raw, nil
}

func (c *benchClient) get(ctx context.Context, path string) (int, []byte, error) {
	return c.do(ctx, http.MethodGet, path, nil)
}

// post sends a write. A transport error leaves its outcome unknown, so the
// same request (same transaction id) is sent again, at most
// benchUncertainRetries times: the answer of an idempotent repeat tells
// whether it was recorded. err is the first transport error, if any; status
// and body are the last answer.
func (c *benchClient) post(ctx context.Context, path string, body []byte) (status int, resp []byte, err error) {
	var firstErr error
	for range 1 + benchUncertainRetries {
		status, resp, err = c.do(ctx, http.MethodPost, path, body)
		if err == nil {
			return status, resp, firstErr
		}
		if firstErr == nil {
			firstErr = err
		}
		if ctx.Err() != nil {
			break
		}
	}
	return 0, nil, firstErr
}

// mustPost sends a set-up write and fails unless the server answers 201
// (or 200 for an idempotent repeat).
func (c *benchClient) mustPost(ctx context.Context, path string, v any) error {
	body, err := json.Marshal(v)
	if err != nil {
		return err
	}
	status, resp, err := c.post(ctx, path, body)
	if err != nil {
		return fmt.Errorf("POST %s: %w", path, err)
	}
	if status != http.StatusCreated && status != http.StatusOK {
		return fmt.Errorf("POST %s: status %d: %s", path, status, resp)
	}
	return nil
}

// problemCode returns the code of a problem+json body, or "".
func problemCode(body []byte) string {
	var p struct {
		Code string `json:"code"`
	}
	if json.Unmarshal(body, &p) != nil {
		return ""
	}
	return p.Code
}
