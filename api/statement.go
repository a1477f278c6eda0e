package api

import (
	"bufio"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/welfare-ledger/welfare-ledger/projections"
)

// Statement formats (API.md, "Fund statement"): JSON by default, CSV or
// XLSX by ?format= or by Accept.
const (
	csvContentType  = "text/csv; charset=utf-8"
	xlsxContentType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	// MaxStatementDuration bounds the writing of one statement: a cash
	// book of a million lines takes seconds to write here and longer to a
	// slow client, past the server's 30 s write timeout.
	MaxStatementDuration = 30 * time.Minute
	// statementFlushLines is how many lines are written between flushes,
	// so that a client sees the statement arrive as it is written.
	statementFlushLines = 4096
)

type statementFormat int

const (
	formatJSON statementFormat = iota
	formatCSV
	formatXLSX
)

// statementFormatOf reads ?format= (json, csv or xlsx), or else the Accept
// header; anything else in Accept gets JSON.
func statementFormatOf(c echo.Context, q *query) statementFormat {
	if v, ok := q.get("format"); ok {
		switch v {
		case "json":
			return formatJSON
		case "csv":
			return formatCSV
		case "xlsx":
			return formatXLSX
		}
		q.errs.add("format", "must be one of json, csv, xlsx")
		return formatJSON
	}
	accept := c.Request().Header.Get(echo.HeaderAccept)
	switch {
	case strings.Contains(accept, "text/csv"):
		return formatCSV
	case strings.Contains(accept, xlsxContentType):
		return formatXLSX
	}
	return formatJSON
}

// fundStatement: GET /v1/funds/{fund_id}/statement?from=&to=&format=, the
// fund's cash book (sổ quỹ). It streams: what it holds while writing is a
// pointer per line (projections.Statement), not the lines.
func (s *Server) fundStatement(c echo.Context) error {
	errs := &fieldErrors{}
	fund := pathUUID(c, errs, "fund_id")
	q := newQuery(c, errs, "from", "to", "format", "known_at")
	from, to := q.date("from"), q.date("to")
	known, knownAt := q.knownAt(s.ledger.Now())
	if to.IsZero() && !errs.has("to") {
		to = s.ledger.Today()
	}
	if !from.IsZero() && !to.IsZero() && from > to {
		errs.add("from", fmt.Sprintf("must not be later than to (%s)", to))
	}
	format := statementFormatOf(c, q)
	if err := errs.err(); err != nil {
		return err
	}
	st, ok := s.proj.StatementKnown(fund, from, to, known)
	if !ok {
		return errFundNotFound(fund)
	}
	if st.From > st.To {
		// from defaulted to the opening day, which is after to.
		errs.add("to", fmt.Sprintf("must not be before the fund's opening day %s", st.From))
		return errs.err()
	}
	if err := statementFits(st, format); err != nil {
		errs.add("format", err.Error())
		return errs.err()
	}
	s.liftDeadlines(c, time.Now().Add(MaxStatementDuration))
	return sendStatementAt(c.Response(), st, format, withholdsPersonalData(c), knownAt)
}

// statementFits refuses a statement that the format cannot hold: an XLSX
// worksheet has at most maxXLSXRows rows.
func statementFits(st *projections.Statement, format statementFormat) error {
	if format == formatXLSX && st.Len()+statementExtraRows > maxXLSXRows {
		return fmt.Errorf("the statement has %d lines, more than a spreadsheet's %d rows hold: ask for CSV or a shorter period", st.Len(), maxXLSXRows-statementExtraRows)
	}
	return nil
}

// sendStatement writes st in format, with its content type (and, for a
// file, its name), as GET /v1/funds/{fund_id}/statement and the
// statement page's downloads send it. withheld leaves out what officials
// may not see.
func sendStatement(w http.ResponseWriter, st *projections.Statement, format statementFormat, withheld bool) error {
	return sendStatementAt(w, st, format, withheld, nil)
}

// sendStatementAt is sendStatement echoing knownAt in the JSON form when
// it is not nil (the statement was asked with known_at; CSV and XLSX have
// no place for it).
func sendStatementAt(w http.ResponseWriter, st *projections.Statement, format statementFormat, withheld bool, knownAt *time.Time) error {
	name := fmt.Sprintf("so-quy-%s-%s-%s", st.FundID.String()[:8], st.From, st.To)
	switch format {
	case formatCSV:
		w.Header().Set(echo.HeaderContentType, csvContentType)
		w.Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`.csv"`)
		w.WriteHeader(http.StatusOK)
		return writeStatementCSV(w, st, withheld)
	case formatXLSX:
		w.Header().Set(echo.HeaderContentType, xlsxContentType)
		w.Header().Set(echo.HeaderContentDisposition, `attachment; filename="`+name+`.xlsx"`)
		return writeStatementXLSX(w, st, withheld)
	}
	w.Header().Set(echo.HeaderContentType, jsonContentType)
	w.WriteHeader(http.StatusOK)
	return writeStatementJSONAt(w, st, withheld, knownAt)
}

// writeStatementJSON streams the JSON form: the header fields, then the
// lines. Officials (withheld) get no beneficiary_id, loan_id, reverses,
// reference or description.
func writeStatementJSON(w http.ResponseWriter, st *projections.Statement, withheld bool) error {
	return writeStatementJSONAt(w, st, withheld, nil)
}

// writeStatementJSONAt is writeStatementJSON with known_at echoed after
// the fund's identity when knownAt is not nil (the statement was asked
// with known_at).
func writeStatementJSONAt(w http.ResponseWriter, st *projections.Statement, withheld bool, knownAt *time.Time) error {
	out := newLineWriter(w)
	b := make([]byte, 0, 1024)
	b = append(b, `{"fund_id":`...)
	b = appendJSONUUID(b, st.FundID)
	b = append(b, `,"name":`...)
	b = appendJSONString(b, st.Name)
	b = append(b, `,"unit_id":`...)
	b = appendJSONString(b, string(st.UnitID))
	if knownAt != nil {
		b = append(b, `,"known_at":"`...)
		b = knownAt.AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	}
	b = append(b, `,"from":`...)
	b = st.From.AppendJSON(b)
	b = append(b, `,"to":`...)
	b = st.To.AppendJSON(b)
	b = append(b, `,"opening_balance":`...)
	b = st.OpeningBalance.AppendJSON(b)
	b = append(b, `,"total_in":`...)
	b = st.TotalIn.AppendJSON(b)
	b = append(b, `,"total_out":`...)
	b = st.TotalOut.AppendJSON(b)
	b = append(b, `,"closing_balance":`...)
	b = st.ClosingBalance.AppendJSON(b)
	b = append(b, `,"lines":[`...)
	out.write(b)
	first := true
	st.Lines(func(l *projections.StatementLine) bool {
		b = b[:0]
		if !first {
			b = append(b, ',')
		}
		first = false
		out.write(appendStatementLine(b, l, withheld))
		return out.lineDone()
	})
	out.write([]byte("]}\n"))
	return out.close()
}

// lineWriter buffers a streamed answer and sends it to the client every
// statementFlushLines lines, so that a client sees a long statement arrive
// as it is written. It keeps its first error and does nothing after it.
type lineWriter struct {
	w     http.ResponseWriter
	bw    *bufio.Writer
	lines int
	err   error
}

func newLineWriter(w http.ResponseWriter) *lineWriter {
	return &lineWriter{w: w, bw: bufio.NewWriterSize(w, 64<<10)}
}

func (o *lineWriter) write(p []byte) {
	if o.err == nil {
		_, o.err = o.bw.Write(p)
	}
}

// lineDone counts a line, flushes every statementFlushLines, and reports
// whether writing may go on.
func (o *lineWriter) lineDone() bool {
	if o.lines++; o.err == nil && o.lines%statementFlushLines == 0 {
		if o.err = o.bw.Flush(); o.err == nil {
			// A writer that cannot flush (none here) sends at the end.
			_ = http.NewResponseController(o.w).Flush()
		}
	}
	return o.err == nil
}

// close flushes what is left and returns the first error.
func (o *lineWriter) close() error {
	if o.err == nil {
		o.err = o.bw.Flush()
	}
	if o.err != nil {
		return fmt.Errorf("write statement: %w", o.err)
	}
	return nil
}

// appendStatementLine appends one line of the JSON form; the optional
// members are left out where the line has none.
func appendStatementLine(b []byte, l *projections.StatementLine, withheld bool) []byte {
	b = append(b, `{"occurred_on":`...)
	b = l.OccurredOn.AppendJSON(b)
	b = append(b, `,"position":`...)
	b = strconv.AppendUint(b, uint64(l.Position), 10)
	b = append(b, `,"transaction_id":`...)
	b = appendJSONUUID(b, l.TransactionID)
	b = append(b, `,"type":`...)
	b = appendJSONString(b, string(l.Type))
	if l.In {
		b = append(b, `,"direction":"in"`...)
	} else {
		b = append(b, `,"direction":"out"`...)
	}
	b = append(b, `,"amount":`...)
	b = l.Amount.AppendJSON(b)
	b = append(b, `,"balance":`...)
	b = l.Balance.AppendJSON(b)
	if withheld {
		return append(b, '}')
	}
	if l.Reference != "" {
		b = append(b, `,"reference":`...)
		b = appendJSONString(b, l.Reference)
	}
	if l.Description != "" {
		b = append(b, `,"description":`...)
		b = appendJSONString(b, l.Description)
	}
	if l.BeneficiaryID != "" {
		b = append(b, `,"beneficiary_id":`...)
		b = appendJSONString(b, string(l.BeneficiaryID))
	}
	if l.LoanID != nil {
		b = append(b, `,"loan_id":`...)
		b = appendJSONUUID(b, *l.LoanID)
	}
	if l.Reverses != nil {
		b = append(b, `,"reverses":`...)
		b = appendJSONUUID(b, *l.Reverses)
	}
	return append(b, '}')
}
