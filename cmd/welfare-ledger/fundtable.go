package main

import (
	"bufio"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
)

// fundIDShown is how many characters of a fund's id the table shows:
// enough to tell a province's funds apart and to find the full id in the
// JSON or the API.
const fundIDShown = 8

// fundTableColumns are the table's headings; numeric columns are aligned
// to the right.
var fundTableColumns = []struct {
	title string
	right bool
}{
	{"UNIT", false}, {"FUND", false}, {"KIND", false},
	{"BALANCE", true}, {"LOANS OUTSTANDING", true}, {"PERSONS", true}, {"TIMES", true},
}

// writeFundTable prints funds as an aligned table, amounts and counts
// written the Vietnamese way (1.027.000.000 ₫, 1.280). Persons (người) and
// times (lượt) are per fund and are not totalled: persons of two funds do
// not add up (DOMAIN.md).
func writeFundTable(w io.Writer, funds []projections.FundSummary, asOf domain.Date, pos domain.Position) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "%d funds opened by %s, figures at the end of that day (log position %d)\n\n", len(funds), asOf, pos)
	rows := make([][]string, 0, len(funds)+1)
	head := make([]string, len(fundTableColumns))
	for i, c := range fundTableColumns {
		head[i] = c.title
	}
	rows = append(rows, head)
	for _, f := range funds {
		rows = append(rows, []string{
			string(f.UnitID),
			f.Name + " (" + f.FundID.String()[:fundIDShown] + ")",
			string(f.Kind),
			domain.FormatVND(f.Balance),
			domain.FormatVND(f.LoansOutstanding),
			domain.FormatCount(int64(f.Beneficiaries.Persons)),
			domain.FormatCount(int64(f.Beneficiaries.Times)),
		})
	}
	widths := make([]int, len(fundTableColumns))
	for _, r := range rows {
		for i, cell := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(cell))
		}
	}
	for _, r := range rows {
		var line strings.Builder
		for i, cell := range r {
			if i > 0 {
				line.WriteString("  ")
			}
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(cell))
			switch {
			case fundTableColumns[i].right:
				line.WriteString(pad + cell)
			case i < len(r)-1:
				line.WriteString(cell + pad)
			default:
				line.WriteString(cell)
			}
		}
		fmt.Fprintln(bw, line.String())
	}
	return bw.Flush()
}
