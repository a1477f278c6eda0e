package api

import (
	"errors"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// MaxDrainBytes bounds what the service reads, and throws away, of a
// request body it answers without wanting it all: a body over MaxBodyBytes
// (413), or one sent to a request refused before its body is read (401,
// 403, 404, 405, …). net/http itself reads at most 256 KiB of such a body
// and then closes the connection with the rest unread, and a close with
// unread data resets the connection (TCP RST): a client still sending its
// body never reads the answer. Reading the rest first lets a client that
// sends up to MaxDrainBytes read it. The server's ReadTimeout bounds the
// time this takes; a body declared larger is not read at all.
const MaxDrainBytes = 8 << 20

// drainBeforeAnswer makes every answer to a request with a body wait until
// that body has been read to its end (at most MaxDrainBytes of it): the
// answer is the client's to read, whatever it was.
func drainBeforeAnswer(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		req := c.Request()
		if req.Body != nil && req.Body != http.NoBody && req.ContentLength <= MaxDrainBytes &&
			// A client that waits for 100 Continue has not sent its
			// body, and need not when the answer is a refusal.
			!strings.EqualFold(req.Header.Get("Expect"), "100-continue") {
			res := c.Response()
			res.Writer = &drainingWriter{ResponseWriter: res.Writer, body: req.Body}
		}
		return next(c)
	}
}

// drainingWriter reads what is left of body before the response's first
// byte. A handler that read its body to the end (every accepted write)
// costs one read that returns io.EOF.
type drainingWriter struct {
	http.ResponseWriter
	body    io.Reader
	drained bool
}

func (w *drainingWriter) drain() {
	if w.drained {
		return
	}
	w.drained = true
	// An error (a timeout, a reset) leaves nothing more to read; net/http
	// closes the connection after the answer.
	if _, err := io.CopyN(io.Discard, w.body, MaxDrainBytes); errors.Is(err, os.ErrDeadlineExceeded) {
		// The body stalled until the read deadline, which the write
		// deadline follows within moments: the answer, decided before,
		// still gets its time (see answerGrace).
		w.Header().Set(echo.HeaderConnection, "close")
		_ = http.NewResponseController(w.ResponseWriter).SetWriteDeadline(time.Now().Add(answerGrace))
	}
}

func (w *drainingWriter) WriteHeader(status int) {
	w.drain()
	w.ResponseWriter.WriteHeader(status)
}

func (w *drainingWriter) Write(b []byte) (int, error) {
	w.drain()
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (readObject
// extends the write deadline of a 408 through it).
func (w *drainingWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
