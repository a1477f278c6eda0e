package web

import (
	"fmt"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// Business dates as calendar arithmetic. domain.Date is YYYYMMDD; noon in
// Vietnam keeps every step inside the right day.

func timeOf(d domain.Date) time.Time {
	return time.Date(d.Year(), time.Month(int(d)/100%100), int(d)%100, 12, 0, 0, 0, domain.VietnamZone)
}

func dayBefore(d domain.Date) domain.Date { return domain.DateOf(timeOf(d).AddDate(0, 0, -1)) }

func yearStart(y int) domain.Date { return domain.Date(y*10000 + 101) }

func yearEnd(y int) domain.Date { return domain.Date(y*10000 + 1231) }

func monthStart(d domain.Date) domain.Date { return d - d%100 + 1 }

func monthEnd(d domain.Date) domain.Date {
	return dayBefore(domain.DateOf(timeOf(monthStart(d)).AddDate(0, 1, 0)))
}

// A union congress term (nhiệm kỳ) runs five years between congresses;
// reports name it by its first and last calendar years, "2018–2023", and
// cover both whole. Terms start in 2018 + 5k (the VGCL's XII congress
// was in 2018, the XIII in 2023).
const (
	termYears     = 5
	termFirstYear = 2018
)

// maxYearLinks bounds the years the period selector offers as links (the
// form takes any dates).
const maxYearLinks = 12

// periodLink is one choice of the period selector.
type periodLink struct {
	Label   string
	Href    string
	Current bool
}

// periodView is a page's period and the selector's choices.
type periodView struct {
	From, To domain.Date // From zero: from the beginning
	Years    []periodLink
	Terms    []periodLink
	All      periodLink
}

// newPeriod builds the selector for a page at path, from the first year
// with figures to today's year.
func newPeriod(path string, l Lang, from, to, today domain.Date, firstYear int) periodView {
	v := periodView{From: from, To: to}
	link := func(label string, f, t domain.Date) periodLink {
		href := fmt.Sprintf("%s?from=%s&to=%s", path, f, t)
		return periodLink{Label: label, Href: withLang(href, l), Current: f == from && t == to}
	}
	v.All = periodLink{Label: mustMessage(l, "period.all"), Href: withLang(path, l), Current: from.IsZero() && to == today}
	last := today.Year()
	if firstYear <= 0 || firstYear > last {
		firstYear = last
	}
	for y := last; y >= firstYear && len(v.Years) < maxYearLinks; y-- {
		v.Years = append(v.Years, link(fmt.Sprint(y), yearStart(y), min(yearEnd(y), today)))
	}
	start := termFirstYear
	for start > firstYear {
		start -= termYears
	}
	for y := start; y <= last; y += termYears {
		v.Terms = append(v.Terms, link(fmt.Sprintf("%d–%d", y, y+termYears), yearStart(y), min(yearEnd(y+termYears), today)))
	}
	return v
}
