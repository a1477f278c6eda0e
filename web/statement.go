package web

import (
	"errors"
	"net/http"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
)

// DownloadFormat is a file the statement page offers.
type DownloadFormat string

// The statement's files, as GET /v1/funds/{fund_id}/statement writes them.
const (
	CSV  DownloadFormat = "csv"
	XLSX DownloadFormat = "xlsx"
)

// ErrDoesNotFit is what Config.Download returns, before writing anything,
// for a statement its format cannot hold (an XLSX worksheet's rows).
var ErrDoesNotFit = errors.New("the statement does not fit the format")

// maxStatementLines bounds the lines a statement page shows: a fund's
// cash book over years is tens of thousands of lines, which the CSV and
// XLSX files carry in full. A variable only so that a test can lower it.
var maxStatementLines = 500

// statementView is a fund's statement (sổ quỹ) page.
type statementView struct {
	frame
	St        *projections.Statement
	Fund      projections.FundSummary
	FundHref  string
	Crumbs    []crumb
	Period    periodView
	Lines     []statementLine
	Total     int
	CSV, XLSX string // the files' links; "" without a Download
}

// statementLine is one line as the page shows it: no reference, no
// description, no beneficiary, no loan — for any role.
type statementLine struct {
	OccurredOn domain.Date
	TypeKey    string
	In, Out    *domain.VND
	Balance    domain.VND
	Position   domain.Position
}

// statement: GET /funds/{fund_id}/statement?from=&to=&lang=&format=, the
// cash book of GET /v1/funds/{fund_id}/statement for the same period; with
// format=csv or xlsx, the same file the API writes, with what officials
// may not see left out.
func (p *Pages) statement(w http.ResponseWriter, r *http.Request) {
	q, perr := readQuery(r, "lang", "from", "to", "format")
	if perr != nil {
		p.fail(w, r, q.lang, *perr)
		return
	}
	s, ok := p.signedIn(w, r, q.lang)
	if !ok {
		return
	}
	l := q.lang
	id, ok := p.pathFund(w, r, s, l)
	if !ok {
		return
	}
	from, to, perr := q.period()
	if perr != nil {
		p.fail(w, r, l, *perr)
		return
	}
	format := DownloadFormat(q.values.Get("format"))
	if format != "" && (format != CSV && format != XLSX || p.download == nil) {
		p.fail(w, r, l, pageError{status: http.StatusBadRequest, key: "err.format", args: []any{clip(string(format))}})
		return
	}
	// The API's defaults: from the fund's opening, to today.
	today := p.today()
	if to.IsZero() {
		to = today
	}
	if !from.IsZero() && from > to {
		p.fail(w, r, l, pageError{status: http.StatusBadRequest, key: "err.period", args: []any{displayDate(from), displayDate(to)}})
		return
	}
	st, found := p.proj.Statement(id, from, to)
	if !found {
		p.fail(w, r, l, pageError{status: http.StatusNotFound, key: "err.fund.unknown", args: []any{id.String()}})
		return
	}
	if st.From > st.To {
		p.fail(w, r, l, pageError{status: http.StatusBadRequest, key: "err.statement.opening", args: []any{displayDate(st.To), displayDate(st.From)}})
		return
	}
	if format != "" {
		if err := p.download(w, r, st, format); err != nil {
			if errors.Is(err, ErrDoesNotFit) {
				p.fail(w, r, l, pageError{status: http.StatusBadRequest, key: "err.statement.rows", args: []any{st.Len()}})
				return
			}
			// The file was under way: its status is sent, the log tells.
			p.log.ErrorContext(r.Context(), "statement download", "fund_id", id.String(), "error", err)
		}
		return
	}
	p.statementPage(w, r, s, l, st, from)
}

func (p *Pages) statementPage(w http.ResponseWriter, r *http.Request, s session, l Lang, st *projections.Statement, from domain.Date) {
	v := statementView{frame: p.frame(r, l, "statement.title", &s), St: st, Total: st.Len()}
	fund, _ := p.proj.FundSummary(st.FundID, 0)
	v.Fund = fund
	v.Title = mustMessage(l, "statement.title") + " · " + fund.Name
	v.FundHref = v.Link("/funds/" + st.FundID.String())
	if u, ok := p.proj.Unit(st.UnitID); ok {
		v.Crumbs = p.crumbs(s, u.Path, v.frame)
	}
	path := "/funds/" + st.FundID.String() + "/statement"
	v.Period = newPeriod(path, l, from, st.To, p.today(), fund.OpenedOn.Year())
	v.Period.From = st.From // shown as the dates the statement covers
	st.Lines(func(line *projections.StatementLine) bool {
		sl := statementLine{OccurredOn: line.OccurredOn, TypeKey: "type." + string(line.Type), Balance: line.Balance, Position: line.Position}
		amount := line.Amount
		if line.In {
			sl.In = &amount
		} else {
			sl.Out = &amount
		}
		v.Lines = append(v.Lines, sl)
		return len(v.Lines) < maxStatementLines
	})
	if p.download != nil {
		files := path + "?from=" + st.From.String() + "&to=" + st.To.String() + "&format="
		v.CSV, v.XLSX = files+string(CSV), files+string(XLSX)
	}
	p.render(w, r, http.StatusOK, "statement", v)
}
