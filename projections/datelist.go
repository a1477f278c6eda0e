package projections

import (
	"slices"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// dateList is an ascending list of distinct business dates together with
// the month table (domain.DateIndex) that finds a date in it in one or
// two steps: the one owner of both, so that no index can change its
// dates without its table. A fund's running sums and a person index's
// days are dateLists; the values kept per date stay with their index.
type dateList struct {
	dates []domain.Date
	idx   domain.DateIndex
}

// len returns the number of dates.
func (l *dateList) len() int { return len(l.dates) }

// at returns the i-th date.
func (l *dateList) at(i int) domain.Date { return l.dates[i] }

// all returns the dates, for reading only.
func (l *dateList) all() []domain.Date { return l.dates }

// locate returns the index of d and true, or where d goes and false. The
// last date, and a date after it, are the common cases: a ledger records
// mostly today's vouchers.
func (l *dateList) locate(d domain.Date) (int, bool) {
	n := len(l.dates)
	switch {
	case n > 0 && l.dates[n-1] == d:
		return n - 1, true
	case n == 0 || d > l.dates[n-1]:
		return n, false
	}
	return slices.BinarySearch(l.dates, d)
}

// insert puts d at index i, where locate said it goes.
func (l *dateList) insert(i int, d domain.Date) {
	n := len(l.dates)
	if i == n {
		l.dates = append(l.dates, d)
		l.idx.Appended(d, n)
		return
	}
	l.dates = slices.Insert(l.dates, i, d)
	l.idx.Inserted(d, n)
}

// upTo returns how many dates are on or before d.
func (l *dateList) upTo(d domain.Date) int { return l.idx.UpTo(l.dates, d) }

// reset empties the list, keeping its storage.
func (l *dateList) reset() {
	l.dates = l.dates[:0]
	l.idx.Reset()
}

// grow makes room for n more dates.
func (l *dateList) grow(n int) { l.dates = slices.Grow(l.dates, n) }
