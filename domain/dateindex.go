package domain

// DateIndex finds how many dates of an ascending date list are on or
// before a given date by looking at one month of the list, not by a binary
// search over all of it. A roll-up asks this of every fund of a subtree,
// twice for a period; on a long history each step of a binary search is a
// cache miss, while a month's dates are at most 31 neighbours (two cache
// lines) found from one small table.
//
// The index describes a list it does not hold: the owner keeps it in step
// by calling Appended or Inserted after every date it adds, and passes the
// list to UpTo. Dates are yyyymmdd integers; a date that is not a calendar
// date, such as from−1 for "the day before from", falls in the month its
// digits name, which keeps UpTo exact.
type DateIndex struct {
	// first is the month number (see month) of the list's first date;
	// starts[m] is the number of dates before month first+m. There is an
	// entry for every month from the first date's to the last date's.
	first  int32
	starts []int32
}

// month numbers the months of yyyymmdd dates consecutively.
func month(d Date) int32 { return int32(d)/10000*12 + int32(d)/100%100 }

// UpTo returns how many of dates are on or before d, for the dates x
// indexes.
func (x *DateIndex) UpTo(dates []Date, d Date) int {
	n := len(dates)
	if n == 0 {
		return 0
	}
	// The months before the first date's and after the last date's are
	// answered by the table alone, and a date on or after the last one
	// (today's figures, the most asked) by the last date: reading the
	// list's first date as well would cost one more cache miss (a
	// breakdown asks this of a dozen lists per fund).
	m := int(month(d) - x.first)
	switch {
	case m < 0:
		return 0
	case m >= len(x.starts)-1 && dates[n-1] <= d:
		return n
	}
	lo, hi := int(x.starts[m]), n
	if m+1 < len(x.starts) {
		hi = int(x.starts[m+1])
	}
	for lo < hi && dates[lo] <= d {
		lo++
	}
	return lo
}

// Appended records that d was appended to the list, after every date it
// had; n is the list's length before.
func (x *DateIndex) Appended(d Date, n int) {
	m := month(d)
	if len(x.starts) == 0 {
		x.first, x.starts = m, append(x.starts[:0], 0)
		return
	}
	for x.first+int32(len(x.starts)) <= m {
		x.starts = append(x.starts, int32(n))
	}
}

// Inserted records that d was inserted into the list before the dates
// after it (a back-dated entry on a new date); n is the list's length
// before.
func (x *DateIndex) Inserted(d Date, n int) {
	if n == 0 {
		x.Appended(d, 0)
		return
	}
	m := month(d)
	if m < x.first {
		// A date before the first month: month m starts with no date
		// before it, every later month with one more than it had (months
		// m+1..first−1, new, with just d).
		gap := int(x.first - m)
		grown := make([]int32, gap+len(x.starts))
		for i := 1; i < gap; i++ {
			grown[i] = 1
		}
		for i, s := range x.starts {
			grown[gap+i] = s + 1
		}
		x.first, x.starts = m, grown
		return
	}
	for i := int(m-x.first) + 1; i < len(x.starts); i++ {
		x.starts[i]++
	}
}

// Reset empties the index, keeping its storage.
func (x *DateIndex) Reset() { x.first, x.starts = 0, x.starts[:0] }
