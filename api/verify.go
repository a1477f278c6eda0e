package api

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
)

// MaxVerifyDuration bounds one GET /v1/audit/verify. A verification
// replays the whole log (at 10 M events, minutes and a second copy of the
// projections in memory), far beyond the http.Server's write timeout,
// which the handler lifts to this bound for its own connection only.
const MaxVerifyDuration = 2 * time.Hour

// codeVerifyInProgress: a verification is already running on this server.
// One at a time, because each holds a second copy of every projection.
const codeVerifyInProgress domain.Code = "verify_in_progress"

// verifyLedger: GET /v1/audit/verify (API.md, "Audit"). The caller's scope
// decides what the report speaks of: the streams GET /v1/events shows it,
// and the figures of its units and funds (see projections.Verify); the
// whole log is still checked and rebuilt.
func (s *Server) verifyLedger(c echo.Context) error {
	errs := &fieldErrors{}
	q := newQuery(c, errs, "head")
	var anchor *projections.Head
	if v, given := q.get("head"); given {
		h, err := projections.ParseHead(v)
		errs.addErr("head", err)
		anchor = &h
	}
	if err := errs.err(); err != nil {
		return err
	}
	ctx, done, err := s.verifyTurn(c)
	if err != nil {
		return err
	}
	defer done()

	p := caller(c)
	start := time.Now()
	report, err := projections.Verify(ctx, s.store, s.proj, func(stream string) bool { return s.streamVisible(p, stream) })
	if err == nil && anchor != nil {
		err = report.CheckHead(ctx, s.store, *anchor)
	}
	took := time.Since(start)
	if err != nil {
		s.log.InfoContext(ctx, "audit verify stopped", "request_id", requestID(c), "took", took, "error", err)
		if ctx.Err() != nil && c.Request().Context().Err() == nil { // MaxVerifyDuration, not the client
			return apiErr(codeNotReady, "the verification did not finish within %v, the server's limit, and was stopped", MaxVerifyDuration)
		}
		return fmt.Errorf("verify the ledger: %w", err)
	}
	s.log.InfoContext(ctx, "audit verify", "request_id", requestID(c), "took", took, "position", uint64(report.Position),
		"events_checked", report.EventsChecked, "streams_checked", report.StreamsChecked, "ok", report.OK,
		"mismatches", report.MismatchesFound, "scope", string(p.scope))
	return respondOK(c, report)
}

// verifyTurn takes this server's one turn to read the whole log (a
// verification or a head), refusing with verify_in_progress while another
// request has it, and gives the request MaxVerifyDuration: a context with
// that deadline, and the connection's deadlines lifted to match. done ends
// the turn.
func (s *Server) verifyTurn(c echo.Context) (ctx context.Context, done func(), err error) {
	if !s.verifying.TryLock() {
		return nil, nil, apiErr(codeVerifyInProgress, "a verification of the ledger is already running on this server; repeat the request when it has finished")
	}
	ctx, cancel := context.WithTimeout(c.Request().Context(), MaxVerifyDuration)
	s.liftDeadlines(c, time.Now().Add(MaxVerifyDuration))
	return ctx, func() { cancel(); s.verifying.Unlock() }, nil
}

// liftDeadlines moves this connection's read and write deadlines, which
// the http.Server set from its ReadTimeout and WriteTimeout when the
// request arrived, to until: the write deadline would cut the answer off,
// and the read deadline would end the server's background read of the
// idle connection and with it the request's context. A server without
// deadlines (or a test recorder) does not support this, which is harmless.
func (s *Server) liftDeadlines(c echo.Context, until time.Time) {
	rc := http.NewResponseController(c.Response())
	for _, set := range []func(time.Time) error{rc.SetReadDeadline, rc.SetWriteDeadline} {
		if err := set(until); err != nil && !errors.Is(err, http.ErrNotSupported) {
			s.log.WarnContext(c.Request().Context(), "audit verify: lift the connection's deadline", "request_id", requestID(c), "error", err)
		}
	}
}

// auditHead: GET /v1/audit/head (API.md, "Anchored head"): the head of the
// log up to this instance's projections' position, for an auditor's
// working papers; GET /v1/audit/verify?head= checks a head later. It reads
// the whole log, so it takes the verification's turn (one at a time).
func (s *Server) auditHead(c echo.Context) error {
	errs := &fieldErrors{}
	newQuery(c, errs)
	if err := errs.err(); err != nil {
		return err
	}
	ctx, done, err := s.verifyTurn(c)
	if err != nil {
		return err
	}
	defer done()
	head, err := projections.LogHead(ctx, s.store, s.proj.Position())
	if err != nil {
		return fmt.Errorf("the log's head: %w", err)
	}
	return respondOK(c, head)
}
