package domain_test

import (
	"math/rand/v2"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// indexedDates is a sorted date list kept with its DateIndex, the way
// Series and the projections' sums keep theirs.
type indexedDates struct {
	dates []domain.Date
	idx   domain.DateIndex
}

func (l *indexedDates) add(d domain.Date) {
	i, found := slices.BinarySearch(l.dates, d)
	if found {
		return
	}
	n := len(l.dates)
	l.dates = slices.Insert(l.dates, i, d)
	if i == n {
		l.idx.Appended(d, n)
	} else {
		l.idx.Inserted(d, n)
	}
}

func TestDateIndexUpTo(t *testing.T) {
	tests := []struct {
		name   string
		adds   []string
		probes map[domain.Date]int
	}{
		{
			name:   "empty",
			probes: map[domain.Date]int{day("2020-01-01"): 0, domain.MaxDate: 0, 0: 0},
		},
		{
			name: "in order across months and years",
			adds: []string{"2020-01-10", "2020-01-31", "2020-03-01", "2021-02-28"},
			probes: map[domain.Date]int{
				0: 0, day("2020-01-09"): 0, day("2020-01-10"): 1, day("2020-01-30"): 1, day("2020-01-31"): 2,
				day("2020-02-15"): 2, day("2020-02-29"): 2, day("2020-03-01"): 3, day("2020-12-31"): 3,
				day("2021-02-27"): 3, day("2021-02-28"): 4, domain.MaxDate: 4,
				// the day before the first of a month, as from−1 is written
				20200300: 2, 20210100: 3,
			},
		},
		{
			name: "back-dated into an earlier month and before the first",
			adds: []string{"2020-05-10", "2020-07-01", "2020-05-20", "2019-11-30", "2020-06-15", "2020-05-01"},
			probes: map[domain.Date]int{
				day("2019-11-29"): 0, day("2019-11-30"): 1, day("2019-12-31"): 1, day("2020-04-30"): 1,
				day("2020-05-01"): 2, day("2020-05-10"): 3, day("2020-05-19"): 3, day("2020-05-20"): 4,
				day("2020-06-14"): 4, day("2020-06-15"): 5, day("2020-06-30"): 5, day("2020-07-01"): 6,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var l indexedDates
			for _, s := range tc.adds {
				l.add(day(s))
			}
			for d, want := range tc.probes {
				if got := l.idx.UpTo(l.dates, d); got != want {
					t.Errorf("UpTo(%v) = %d, want %d (dates %v)", d, got, want, l.dates)
				}
			}
		})
	}
}

// searchUpTo is the oracle: how many of dates are on or before d, by a
// search of the whole list.
func searchUpTo(dates []domain.Date, d domain.Date) int {
	return sort.Search(len(dates), func(i int) bool { return dates[i] > d })
}

// TestDateIndexMatchesSearch adds random dates in random order, back-dated
// ones included, and checks UpTo against a search of the whole list at
// every date of the span and at the day before each month.
func TestDateIndexMatchesSearch(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 11))
	first := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC)
	tm := func(d domain.Date) time.Time {
		return time.Date(int(d)/10000, time.Month(int(d)/100%100), int(d)%100, 0, 0, 0, 0, time.UTC)
	}
	for round := range 50 {
		var l indexedDates
		spanDays := 1 + rng.IntN(1200)
		for range 1 + rng.IntN(300) {
			d := domain.DateOf(first.AddDate(0, 0, rng.IntN(spanDays)))
			if rng.IntN(4) > 0 && len(l.dates) > 0 { // mostly forward, as ledgers are written
				last := tm(l.dates[len(l.dates)-1])
				d = domain.DateOf(last.AddDate(0, 0, rng.IntN(20)))
			}
			l.add(d)
			probe := func(p domain.Date) {
				want := searchUpTo(l.dates, p)
				if got := l.idx.UpTo(l.dates, p); got != want {
					t.Fatalf("round %d: UpTo(%v) = %d, want %d (dates %v)", round, p, got, want, l.dates)
				}
			}
			probe(d)
			probe(d - 1)
			probe(domain.Date(int32(d) / 100 * 100)) // the day before d's month
			probe(domain.DateOf(tm(d).AddDate(0, 0, 1)))
		}
		for i := range spanDays + 40 {
			p := domain.DateOf(first.AddDate(0, 0, i-10))
			if got, want := l.idx.UpTo(l.dates, p), searchUpTo(l.dates, p); got != want {
				t.Fatalf("round %d: UpTo(%v) = %d, want %d", round, p, got, want)
			}
		}
	}
}
