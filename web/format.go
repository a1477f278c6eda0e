package web

import (
	"fmt"
	"html/template"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// templateFuncs write figures the Vietnamese way in both languages
// (API.md, "Pages for officials": English changes the words only), all
// through domain's one writer of money and counts.
var templateFuncs = template.FuncMap{
	"vnd":      domain.FormatVND,
	"headline": headlineIn,
	"count":    func(n int) string { return domain.FormatCount(int64(n)) },
	"date":     displayDate,
	"iso":      func(d domain.Date) string { return d.String() },
	"sum":      func(a, b int) int { return a + b },
}

// headlineIn writes a headline figure: in Vietnamese with "hơn"/"gần"
// when rounded, as reports print it; in English without those words,
// the exact amount standing beside it on every page.
func headlineIn(l Lang, v domain.VND) string {
	if l == Vietnamese {
		return domain.HeadlineHedged(v)
	}
	return domain.Headline(v)
}

// displayDate writes a business date as Vietnamese documents do,
// DD/MM/YYYY (the zero date, "from the beginning", is empty).
func displayDate(d domain.Date) string {
	if d.IsZero() {
		return ""
	}
	return fmt.Sprintf("%02d/%02d/%04d", int(d)%100, int(d)/100%100, d.Year())
}
