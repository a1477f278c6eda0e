package api_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/welfare-ledger/welfare-ledger/api"
)

// These tests speak HTTP/1.1 over a real socket, byte for byte, as a plain
// client does: it writes its whole request, then reads the answer.

// newTransportEnv is an env whose http.Server has the service's limits,
// with readTimeout for its read and write timeouts (0: none).
func newTransportEnv(t *testing.T, readTimeout time.Duration) *env {
	t.Helper()
	e := &env{t: t, dir: t.TempDir(), httpServer: func(s *http.Server) {
		s.MaxHeaderBytes = api.ServerMaxHeaderBytes
		s.ReadTimeout, s.WriteTimeout = readTimeout, readTimeout
	}}
	e.start()
	t.Cleanup(func() { e.stop() })
	e.units()
	e.openFund(socialFund, "lang-son", "social")
	return e
}

// exchange sends head (the request line and header fields, without the
// blank line that ends them) and body on a new connection, then reads the
// answer. The body is written in full before anything is read, unless
// halfClose: then the client stops sending after body (a body cut short).
func exchange(t *testing.T, e *env, head string, body []byte, halfClose bool) (*http.Response, []byte, error) {
	t.Helper()
	conn, err := net.Dial("tcp", e.http.Listener.Addr().String())
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(waitLimit))
	if _, err := conn.Write(append([]byte(head+"\r\n\r\n"), body...)); err != nil {
		return nil, nil, fmt.Errorf("write the request: %w", err)
	}
	if halfClose {
		conn.(*net.TCPConn).CloseWrite()
	}
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		return nil, nil, fmt.Errorf("read the answer: %w", err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, nil, fmt.Errorf("read the answer's body: %w", err)
	}
	return res, b, nil
}

// mustExchangeProblem checks that an exchange answered a problem+json with
// the status and code.
func mustExchangeProblem(t *testing.T, res *http.Response, body []byte, err error, status int, code string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%v, want %d %s", err, status, code)
	}
	mustProblem(t, resp{method: "raw", path: "exchange", status: res.StatusCode, header: res.Header, body: body}, status, code)
}

// chunked frames b as a chunked body of 64 KiB chunks.
func chunked(b []byte) []byte {
	var out bytes.Buffer
	for len(b) > 0 {
		n := min(len(b), 64<<10)
		fmt.Fprintf(&out, "%x\r\n%s\r\n", n, b[:n])
		b = b[n:]
	}
	out.WriteString("0\r\n\r\n")
	return out.Bytes()
}

// A body over 1 MiB is answered 413 payload_too_large, and the client, which
// sends it whole before reading, reads that answer: up to 4 MiB (and to
// api.MaxDrainBytes), with Content-Length or chunked. A request refused
// before its body is read (401 here) reaches the client the same way.
// Nothing is recorded.
func TestOversizedBodyAnswerReachesTheClient(t *testing.T) {
	e := newTransportEnv(t, 0)
	before := e.eventCount()
	path := "/v1/funds/" + socialFund + "/donations"
	for _, size := range []int{1<<20 + 1<<19, 4 << 20, api.MaxDrainBytes - 64} {
		// A valid donation padded with spaces: too large, not malformed.
		body := append([]byte(`{"amount":"1000","donor":{"kind":"member"}}`), bytes.Repeat([]byte(" "), size)...)
		for _, tc := range []struct {
			name    string
			framing string
			wire    []byte
			auth    bool
			status  int
			code    string
		}{
			{"Content-Length", fmt.Sprintf("Content-Length: %d", len(body)), body, true, 413, "payload_too_large"},
			{"chunked", "Transfer-Encoding: chunked", chunked(body), true, 413, "payload_too_large"},
			{"Content-Length without a token", fmt.Sprintf("Content-Length: %d", len(body)), body, false, 401, "unauthorized"},
			{"chunked without a token", "Transfer-Encoding: chunked", chunked(body), false, 401, "unauthorized"},
		} {
			t.Run(fmt.Sprintf("%d bytes, %s", len(body), tc.name), func(t *testing.T) {
				head := "POST " + path + " HTTP/1.1\r\nHost: ledger\r\nContent-Type: application/json\r\n" + tc.framing
				if tc.auth {
					head += "\r\nAuthorization: Bearer " + e.token
				}
				res, got, err := exchange(t, e, head, tc.wire, false)
				mustExchangeProblem(t, res, got, err, tc.status, tc.code)
			})
		}
	}
	if after := e.eventCount(); after != before {
		t.Errorf("oversized bodies recorded %d events, want none", after-before)
	}
}

// A client that stalls mid-body is answered 408 request_timeout once the
// server's read timeout has passed (not 500), and the connection is closed;
// nothing is recorded. A request refused before its body was wanted (401
// here) still gets its answer after the stall.
func TestStalledBodyIsRequestTimeout(t *testing.T) {
	const readTimeout = 300 * time.Millisecond
	e := newTransportEnv(t, readTimeout)
	before := e.eventCount()
	body := `{"amount":"1000","donor":{"kind":"member"}}`
	for _, tc := range []struct {
		name, auth string
		status     int
		code       string
	}{
		{"a write", "Authorization: Bearer " + e.token + "\r\n", http.StatusRequestTimeout, "request_timeout"},
		{"a request without a token", "", http.StatusUnauthorized, "unauthorized"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn, err := net.Dial("tcp", e.http.Listener.Addr().String())
			if err != nil {
				t.Fatalf("dial: %v", err)
			}
			defer conn.Close()
			start := time.Now()
			conn.SetDeadline(start.Add(waitLimit))
			fmt.Fprintf(conn, "POST /v1/funds/%s/donations HTTP/1.1\r\nHost: ledger\r\nContent-Type: application/json\r\n"+
				"%sContent-Length: %d\r\n\r\n%s", socialFund, tc.auth, len(body), body[:10])
			// The rest of the body never comes.
			res, err := http.ReadResponse(bufio.NewReader(conn), nil)
			if err != nil {
				t.Fatalf("read the answer: %v, want %d", err, tc.status)
			}
			got, err := io.ReadAll(res.Body)
			res.Body.Close()
			mustExchangeProblem(t, res, got, err, tc.status, tc.code)
			if elapsed := time.Since(start); elapsed < readTimeout || elapsed > readTimeout+5*time.Second {
				t.Errorf("answered after %v, want just after the read timeout of %v", elapsed, readTimeout)
			}
			if !res.Close {
				t.Errorf("%d without Connection: close; the connection must not be reused", res.StatusCode)
			}
		})
	}
	if after := e.eventCount(); after != before {
		t.Errorf("stalled bodies recorded %d events, want none", after-before)
	}
}

// A body cut short (the client stops sending before its Content-Length) or
// in broken chunked framing is 400 invalid_json, not 500.
func TestUnreadableBodyIsInvalidJSON(t *testing.T) {
	e := newTransportEnv(t, 0)
	before := e.eventCount()
	head := "POST /v1/funds/" + socialFund + "/donations HTTP/1.1\r\nHost: ledger\r\nContent-Type: application/json\r\n" +
		"Authorization: Bearer " + e.token + "\r\n"
	body := `{"amount":"1000","donor":{"kind":"member"}}`
	t.Run("cut short", func(t *testing.T) {
		res, got, err := exchange(t, e, head+fmt.Sprintf("Content-Length: %d", len(body)), []byte(body[:10]), true)
		mustExchangeProblem(t, res, got, err, http.StatusBadRequest, "invalid_json")
	})
	t.Run("broken chunked framing", func(t *testing.T) {
		res, got, err := exchange(t, e, head+"Transfer-Encoding: chunked", []byte("zz\r\n"+body+"\r\n0\r\n\r\n"), false)
		mustExchangeProblem(t, res, got, err, http.StatusBadRequest, "invalid_json")
	})
	if after := e.eventCount(); after != before {
		t.Errorf("unreadable bodies recorded %d events, want none", after-before)
	}
}

// A request target or header fields too long for the service are refused
// in problem+json, 414 uri_too_long and 431 headers_too_large, not with
// net/http's plain-text 431; each limit holds at its bound.
func TestOversizedHeadIsProblemJSON(t *testing.T) {
	e := newTransportEnv(t, 0)
	auth := "Authorization: Bearer " + e.token
	pathOf := func(n int) string { // a path of exactly n bytes
		p := "/v1/units/"
		return p + strings.Repeat("a", n-len(p))
	}
	headerOf := func(n int) string { // header fields of exactly n bytes with Host and auth
		fixed := len("Host: ledger\r\n") + len(auth) + len("\r\n") + len("X-Pad: \r\n")
		return "X-Pad: " + strings.Repeat("p", n-fixed)
	}
	tests := []struct {
		name, head string
		status     int
		code       string
	}{
		{"100 KB path", "GET " + pathOf(100_000) + " HTTP/1.1\r\nHost: ledger\r\n" + auth, 414, "uri_too_long"},
		{"100 KB query", "GET /v1/units?x=" + strings.Repeat("q", 100_000) + " HTTP/1.1\r\nHost: ledger\r\n" + auth, 414, "uri_too_long"},
		{"path at the bound", "GET " + pathOf(api.MaxRequestTargetBytes) + " HTTP/1.1\r\nHost: ledger\r\n" + auth, 422, "validation_failed"},
		{"path over the bound", "GET " + pathOf(api.MaxRequestTargetBytes+1) + " HTTP/1.1\r\nHost: ledger\r\n" + auth, 414, "uri_too_long"},
		{"100 KB header", "GET /v1/units HTTP/1.1\r\nHost: ledger\r\n" + auth + "\r\nX-Pad: " + strings.Repeat("p", 100_000), 431, "headers_too_large"},
		{"a thousand headers", "GET /v1/units HTTP/1.1\r\nHost: ledger\r\n" + auth + strings.Repeat("\r\nX-Pad: "+strings.Repeat("p", 100), 1000),
			431, "headers_too_large"},
		{"header fields over the bound", "GET /v1/units HTTP/1.1\r\nHost: ledger\r\n" + auth + "\r\n" + headerOf(api.MaxHeaderBlockBytes+1), 431, "headers_too_large"},
		{"100 KB path without a token", "GET " + pathOf(100_000) + " HTTP/1.1\r\nHost: ledger", 414, "uri_too_long"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, got, err := exchange(t, e, tt.head, nil, false)
			mustExchangeProblem(t, res, got, err, tt.status, tt.code)
		})
	}
	t.Run("header fields at the bound", func(t *testing.T) {
		res, got, err := exchange(t, e, "GET /v1/units HTTP/1.1\r\nHost: ledger\r\n"+auth+"\r\n"+headerOf(api.MaxHeaderBlockBytes), nil, false)
		if err != nil || res.StatusCode != http.StatusOK {
			t.Fatalf("exchange = %v, %s, %v; want 200", res, got, err)
		}
	})
}
