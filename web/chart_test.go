package web

import (
	"fmt"
	"slices"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
)

func TestBucketEnds(t *testing.T) {
	d := domain.MustDate
	for _, c := range []struct {
		from, to string
		want     []string
		byYear   bool
	}{
		{"2024-01-01", "2024-01-31", []string{"2024-01-31"}, false},
		{"2024-01-15", "2024-03-10", []string{"2024-01-31", "2024-02-29", "2024-03-10"}, false},
		{"2023-12-31", "2024-01-01", []string{"2023-12-31", "2024-01-01"}, false},
		{"2024-02-01", "2024-01-01", nil, false},
		// 120 months are drawn by month, 121 by year.
		{"2015-01-01", "2024-12-31", nil, false},
		{"2014-12-31", "2024-12-31", []string{"2014-12-31"}, true},
		// Over more than maxChartBuckets years, the first bucket takes the
		// years before the last 119.
		{"1900-06-01", "2024-06-30", []string{"1905-12-31", "1906-12-31"}, true},
	} {
		ends, byYear := bucketEnds(d(c.from), d(c.to))
		if byYear != c.byYear {
			t.Errorf("bucketEnds(%s, %s) by year = %v, want %v", c.from, c.to, byYear, c.byYear)
		}
		if len(ends) > 0 && ends[len(ends)-1] != d(c.to) {
			t.Errorf("bucketEnds(%s, %s) ends at %s, want %s", c.from, c.to, ends[len(ends)-1], c.to)
		}
		if !slices.IsSorted(ends) || len(slices.Compact(slices.Clone(ends))) != len(ends) {
			t.Errorf("bucketEnds(%s, %s) = %v, not strictly increasing", c.from, c.to, ends)
		}
		if len(ends) > max(maxChartMonths, maxChartBuckets) {
			t.Errorf("bucketEnds(%s, %s) has %d buckets", c.from, c.to, len(ends))
		}
		for i, w := range c.want {
			if i >= len(ends) || ends[i] != d(w) {
				t.Errorf("bucketEnds(%s, %s) = %v, want it to begin %v", c.from, c.to, ends, c.want)
				break
			}
		}
	}
	if ends, _ := bucketEnds(domain.MustDate("2015-01-01"), domain.MustDate("2024-12-31")); len(ends) != 120 {
		t.Errorf("ten years by month: %d buckets, want 120", len(ends))
	}
}

// TestChartAddsUpToThePeriod: the buckets are differences of cumulative
// totals, so they add up exactly to the period's money in and out.
func TestChartAddsUpToThePeriod(t *testing.T) {
	// A history of one movement a day of each kind, the day's number in
	// đồng, and a reversal-like negative month.
	day := func(d domain.Date) int64 { return int64(timeOf(d).YearDay()) }
	at := func(d domain.Date) projections.Totals {
		var tot projections.Totals
		for x := domain.MustDate("2022-01-01"); x <= d; x = nextDay(x) {
			tot.Donations = tot.Donations.Add(domain.VNDFromInt64(day(x) * 1000))
			tot.ShelterGrants = tot.ShelterGrants.Add(domain.VNDFromInt64(day(x) * 300))
			if int(x)/100%100 == 7 {
				tot.Repayments = tot.Repayments.Add(domain.VNDFromInt64(-5000))
			}
		}
		return tot
	}
	for _, c := range [][2]string{{"2022-01-01", "2022-12-31"}, {"2022-03-15", "2023-02-10"}, {"2022-07-01", "2022-07-31"}} {
		from, to := domain.MustDate(c[0]), domain.MustDate(c[1])
		v := newChart(English, from, to, func(dates []domain.Date) []projections.Totals {
			out := make([]projections.Totals, len(dates))
			for i, d := range dates {
				out[i] = at(d)
			}
			return out
		})
		var in, out domain.VND
		for _, b := range v.Buckets {
			in, out = in.Add(b.In), out.Add(b.Out)
			if b.InH < 0 || b.InH > chartHeight || b.OutH < 0 || b.OutH > chartHeight || b.InY+b.InH != v.Base {
				t.Errorf("%v: bucket %s drawn out of the chart: %+v", c, b.Label, b)
			}
		}
		wantIn, wantOut := inOut(at(to))
		beforeIn, beforeOut := inOut(at(dayBefore(from)))
		wantIn, wantOut = wantIn.Sub(beforeIn), wantOut.Sub(beforeOut)
		if !in.Equal(wantIn) || !out.Equal(wantOut) {
			t.Errorf("%v: buckets add up to in %s, out %s; want %s, %s", c, in, out, wantIn, wantOut)
		}
		if v.Buckets[0].From != from || v.Buckets[len(v.Buckets)-1].To != to {
			t.Errorf("%v: buckets cover %s..%s", c, v.Buckets[0].From, v.Buckets[len(v.Buckets)-1].To)
		}
	}
}

func TestBarHeight(t *testing.T) {
	v := domain.VNDFromInt64
	big := domain.MustVND("900000000000000000000") // beyond int64
	for _, c := range []struct {
		amount, max domain.VND
		want        int
	}{
		{v(0), v(100), 0},
		{v(-5), v(100), 0},
		{v(100), v(100), chartHeight},
		{v(50), v(100), chartHeight / 2},
		{v(1), v(1_000_000_000), 1}, // too small to see still shows
		{big, big, chartHeight},
		{v(5), v(0), 0},
	} {
		if got := barHeight(c.amount, c.max); got != c.want {
			t.Errorf("barHeight(%s, %s) = %d, want %d", c.amount, c.max, got, c.want)
		}
	}
}

func TestPeriodChoices(t *testing.T) {
	today := domain.MustDate("2024-06-30")
	v := newPeriod("/units/x", English, domain.MustDate("2018-01-01"), domain.MustDate("2023-12-31"), today, 2016)
	var terms []string
	for _, l := range v.Terms {
		terms = append(terms, l.Label+" "+l.Href+fmt.Sprint(l.Current))
	}
	want := []string{
		"2013–2018 /units/x?from=2013-01-01&to=2018-12-31&lang=enfalse",
		"2018–2023 /units/x?from=2018-01-01&to=2023-12-31&lang=entrue",
		"2023–2028 /units/x?from=2023-01-01&to=2024-06-30&lang=enfalse",
	}
	if !slices.Equal(terms, want) {
		t.Errorf("terms = %q, want %q", terms, want)
	}
	if len(v.Years) != 9 || v.Years[0].Label != "2024" || v.Years[0].Href != "/units/x?from=2024-01-01&to=2024-06-30&lang=en" || v.Years[8].Label != "2016" {
		t.Errorf("years = %+v, want 2024 (to today) down to 2016", v.Years)
	}
	if v.All.Current || v.All.Href != "/units/x?lang=en" {
		t.Errorf("all = %+v", v.All)
	}
}
