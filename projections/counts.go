package projections

import (
	"sort"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// countSeries is a running count by business date: at(d) is the sum of the
// steps dated on or before d. It is domain.DailySeries for whole numbers.
type countSeries struct {
	dates []domain.Date
	cum   []int32
}

func (s *countSeries) add(d domain.Date, step int32) {
	n := len(s.dates)
	if n == 0 || d > s.dates[n-1] {
		var prev int32
		if n > 0 {
			prev = s.cum[n-1]
		}
		s.dates = append(s.dates, d)
		s.cum = append(s.cum, prev+step)
		return
	}
	i := sort.Search(n, func(i int) bool { return s.dates[i] >= d })
	if s.dates[i] != d {
		var prev int32
		if i > 0 {
			prev = s.cum[i-1]
		}
		s.dates = append(s.dates, 0)
		s.cum = append(s.cum, 0)
		copy(s.dates[i+1:], s.dates[i:])
		copy(s.cum[i+1:], s.cum[i:])
		s.dates[i], s.cum[i] = d, prev
	}
	for j := i; j < len(s.cum); j++ {
		s.cum[j] += step
	}
}

func (s *countSeries) at(d domain.Date) int {
	i := sort.Search(len(s.dates), func(i int) bool { return s.dates[i] > d })
	if i == 0 {
		return 0
	}
	return int(s.cum[i-1])
}

// between returns the steps dated in [from, to]; from zero means the
// beginning.
func (s *countSeries) between(from, to domain.Date) int {
	if from.IsZero() {
		return s.at(to)
	}
	return s.at(to) - s.at(from-1)
}

// vndBetween returns the sum of a running series' deltas dated in [from, to].
// Dates are yyyymmdd integers, so from−1 bounds "before from" even when it is
// not itself a calendar date.
func vndBetween(s *domain.DailySeries, from, to domain.Date) domain.VND {
	if from.IsZero() {
		return s.At(to)
	}
	return s.At(to).Sub(s.At(from - 1))
}
