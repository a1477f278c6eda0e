package web

import (
	"fmt"
	"math/big"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
)

// The chart of money in and out: a pair of bars per month (per year over
// long periods), drawn as inline SVG so the page needs no script and no
// request, with the same figures in a table for screen readers and for
// checking. Each bucket's figures are differences of the cumulative totals
// the API answers at the bucket's ends, so the buckets add up exactly to
// the period's totals.

// maxChartMonths is the longest period drawn month by month; a longer one
// (a union's whole history) is drawn year by year, so that a chart never
// has more than a few hundred bars.
const maxChartMonths = 120

// maxChartBuckets bounds the bars of a chart drawn year by year.
const maxChartBuckets = 120

// Chart geometry, in SVG user units: the chart is chartWidth wide
// whatever the number of buckets (it scales to the page), so its labels
// keep their size; bars get narrower as buckets get more.
const (
	chartWidth  = 960
	chartHeight = 200 // the bars' area
	chartTop    = 20  // room above the tallest bar for its amount
	chartBottom = 24  // room for the labels
	chartLeft   = 8
	// chartLabelDescent keeps the labels' descenders inside the chart.
	chartLabelDescent = 6
	// maxBarWidth keeps a chart of a few buckets from drawing slabs.
	maxBarWidth = 28
)

// bucket is one month's (or year's) money in and out.
type bucket struct {
	Label      string // "03/2023" or "2023"
	Axis       string // the label under the bars, or "" to leave it out
	From, To   domain.Date
	In, Out    domain.VND
	X          int // of the "in" bar
	OutX       int // of the "out" bar
	InY, InH   int
	OutY, OutH int
	LabelX     int
	// The figures written out (see fundLine on why).
	InText, OutText   string
	InTitle, OutTitle string // the bars' tooltips
}

// chartView is what the templates draw.
type chartView struct {
	ByYear   bool
	BarWidth int
	Buckets  []bucket
	Width    int
	Height   int
	Base     int        // the y of the zero line
	Max      domain.VND // the tallest bar's amount
	LabelY   int        // the baseline of the labels under the bars
}

// inOut splits totals into money in (donations, repayments) and money out
// (grants, loans), as the API's movements define them.
func inOut(t projections.Totals) (in, out domain.VND) {
	return t.Donations.Add(t.Repayments), t.ShelterGrants.Add(t.AssistanceGrants).Add(t.LoansDisbursed)
}

// bucketEnds returns the ends of the chart's buckets over [from, to], and
// whether they are years. Over more than maxChartBuckets years (dates far
// in the past are valid business dates), the first bucket takes every
// year before the last maxChartBuckets-1, so the buckets still add up to
// the period.
func bucketEnds(from, to domain.Date) (ends []domain.Date, byYear bool) {
	if from > to {
		return nil, false
	}
	months := (to.Year()-from.Year())*12 + int(to)/100%100 - int(from)/100%100 + 1
	byYear = months > maxChartMonths
	d := from
	if byYear && to.Year()-from.Year()+1 > maxChartBuckets {
		first := yearEnd(to.Year() - maxChartBuckets + 1)
		ends = append(ends, first)
		d = nextDay(first)
	}
	for d <= to {
		end := monthEnd(d)
		if byYear {
			end = yearEnd(d.Year())
		}
		end = min(end, to)
		ends = append(ends, end)
		d = nextDay(end)
	}
	return ends, byYear
}

func nextDay(d domain.Date) domain.Date { return domain.DateOf(timeOf(d).AddDate(0, 0, 1)) }

// totalsAt returns the cumulative totals at the end of each of dates:
// those of every movement dated on or before it (projections'
// FundTotalsAt and UnitTotalsAt, one query for the whole chart).
type totalsAt func(dates []domain.Date) []projections.Totals

// newChart builds the chart over [from, to] from cumulative totals.
func newChart(l Lang, from, to domain.Date, at totalsAt) chartView {
	inWord, outWord := mustMessage(l, "money.in"), mustMessage(l, "money.out")
	ends, byYear := bucketEnds(from, to)
	v := chartView{ByYear: byYear, Width: chartWidth, Height: chartTop + chartHeight + chartBottom, Base: chartTop + chartHeight}
	bucketWidth := (chartWidth - 2*chartLeft) / max(len(ends), 1)
	v.BarWidth = min(max(bucketWidth*2/5, 1), maxBarWidth)
	// The day before the period, then each bucket's end.
	cum := at(append([]domain.Date{dayBefore(from)}, ends...))
	prevIn, prevOut := inOut(cum[0])
	start := from
	for i, end := range ends {
		in, out := inOut(cum[i+1])
		b := bucket{From: start, To: end, In: in.Sub(prevIn), Out: out.Sub(prevOut), X: chartLeft + i*bucketWidth}
		b.OutX = b.X + v.BarWidth
		b.LabelX = b.X
		if byYear {
			b.Label = fmt.Sprint(end.Year())
			if start.Year() != end.Year() {
				b.Label = fmt.Sprintf("%d–%d", start.Year(), end.Year())
			}
			b.Axis = fmt.Sprint(end.Year())
		} else {
			b.Label = fmt.Sprintf("%02d/%04d", int(end)/100%100, end.Year())
			if int(end)/100%100 == 1 || i == 0 {
				b.Axis = fmt.Sprint(end.Year())
			}
		}
		b.InText, b.OutText = domain.FormatVND(b.In), domain.FormatVND(b.Out)
		b.InTitle = b.Label + " · " + inWord + ": " + b.InText
		b.OutTitle = b.Label + " · " + outWord + ": " + b.OutText
		prevIn, prevOut = in, out
		start = nextDay(end)
		v.Buckets = append(v.Buckets, b)
		if b.In.Cmp(v.Max) > 0 {
			v.Max = b.In
		}
		if b.Out.Cmp(v.Max) > 0 {
			v.Max = b.Out
		}
	}
	v.LabelY = v.Height - chartLabelDescent
	for i := range v.Buckets {
		b := &v.Buckets[i]
		b.InH = barHeight(b.In, v.Max)
		b.OutH = barHeight(b.Out, v.Max)
		b.InY, b.OutY = v.Base-b.InH, v.Base-b.OutH
	}
	return v
}

// barHeight scales amount to the chart's height against max, in integers
// (money never goes through a float). A negative amount (a month whose
// reversals outweigh its movements) draws no bar; the table shows it.
func barHeight(amount, max domain.VND) int {
	if amount.Sign() <= 0 || max.Sign() <= 0 {
		return 0
	}
	h := new(big.Int).Mul(amount.BigInt(), big.NewInt(chartHeight))
	h.Quo(h, max.BigInt())
	if h.Sign() == 0 {
		return 1 // a movement too small to see still shows
	}
	return int(h.Int64())
}

// Empty reports whether no money moved in the chart's period.
func (v chartView) Empty() bool {
	for _, b := range v.Buckets {
		if !b.In.IsZero() || !b.Out.IsZero() {
			return false
		}
	}
	return true
}
