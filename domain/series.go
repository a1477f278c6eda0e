package domain

import "sort"

// Summable is what a Series can sum: an exact value with addition,
// subtraction and order, whose zero value is zero (VND, or a count).
type Summable[T any] interface {
	Add(T) T
	Sub(T) T
	Cmp(T) int
}

// Series is a running sum by business date: At(d) is the sum of every delta
// dated on or before d. It keeps one entry per distinct date, so an answer
// for any date is a binary search, never a replay.
//
// Deltas dated on or after the last date (the common case: entries recorded
// on the day) cost O(1); a back-dated delta shifts the running sums of the
// later dates, O(later dates).
type Series[T Summable[T]] struct {
	dates []Date
	cum   []T // cum[i] = Σ deltas dated ≤ dates[i]
	idx   DateIndex
}

// DailySeries is a running balance in đồng by business date.
type DailySeries = Series[VND]

// Add records delta on date d.
func (s *Series[T]) Add(d Date, delta T) {
	n := len(s.dates)
	if n == 0 || d > s.dates[n-1] {
		var prev T
		if n > 0 {
			prev = s.cum[n-1]
		}
		s.dates = append(s.dates, d)
		s.cum = append(s.cum, prev.Add(delta))
		s.idx.Appended(d, n)
		return
	}
	i := sort.Search(n, func(i int) bool { return s.dates[i] >= d })
	if s.dates[i] != d {
		var prev, zero T
		if i > 0 {
			prev = s.cum[i-1]
		}
		s.dates = append(s.dates, 0)
		s.cum = append(s.cum, zero)
		copy(s.dates[i+1:], s.dates[i:])
		copy(s.cum[i+1:], s.cum[i:])
		s.dates[i] = d
		s.cum[i] = prev
		s.idx.Inserted(d, n)
	}
	for j := i; j < len(s.cum); j++ {
		s.cum[j] = s.cum[j].Add(delta)
	}
}

// At returns the running sum at the end of date d.
func (s *Series[T]) At(d Date) T { return s.Nth(s.Count(d)) }

// Count returns the number of dates on or before d, for Nth: a caller that
// looks up many series can find every entry first and read them after, so
// that the cache misses of the reads overlap.
func (s *Series[T]) Count(d Date) int { return s.idx.UpTo(s.dates, d) }

// Nth returns the running sum at the end of the n-th date (1-based): zero
// for n = 0.
func (s *Series[T]) Nth(n int) T {
	if n == 0 {
		var zero T
		return zero
	}
	return s.cum[n-1]
}

// Between returns the sum of the deltas dated in [from, to]; a zero from
// means from the beginning. Dates are yyyymmdd integers, so from−1 bounds
// "before from" even when it is not itself a calendar date.
func (s *Series[T]) Between(from, to Date) T {
	if from.IsZero() {
		return s.At(to)
	}
	return s.At(to).Sub(s.At(from - 1))
}

// Last returns the running sum over every date.
func (s *Series[T]) Last() T {
	if len(s.cum) == 0 {
		var zero T
		return zero
	}
	return s.cum[len(s.cum)-1]
}

// MinFrom returns the smallest running sum on any date on or after d: the
// headroom a new negative delta dated d must fit in so that no later date
// goes below zero.
func (s *Series[T]) MinFrom(d Date) T {
	m, _ := s.MinFromDate(d)
	return m
}

// MinFromDate is MinFrom with the first date at which the minimum occurs, for
// messages ("the balance on 2023-05-02 would be …").
func (s *Series[T]) MinFromDate(d Date) (T, Date) {
	m, at := s.At(d), d
	i := s.idx.UpTo(s.dates, d)
	for ; i < len(s.cum); i++ {
		if s.cum[i].Cmp(m) < 0 {
			m, at = s.cum[i], s.dates[i]
		}
	}
	return m, at
}

// Len returns the number of distinct dates.
func (s *Series[T]) Len() int { return len(s.dates) }

// Entry returns the i-th distinct date and the running sum at its end.
func (s *Series[T]) Entry(i int) (Date, T) { return s.dates[i], s.cum[i] }
