package projections

import (
	"cmp"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// count is a number of transactions or of persons, summed by date in a
// domain.Series like money is.
type count int32

func (c count) Add(d count) count { return c + d }
func (c count) Sub(d count) count { return c - d }
func (c count) Cmp(d count) int   { return cmp.Compare(c, d) }

// countSeries is a running count by business date.
type countSeries = domain.Series[count]

// entry is one date of a running series: its value at the end of that
// date. Snapshots copy series into entries under the lock; checkpoints and
// the audit comparison read them.
type entry[V any] struct {
	d domain.Date
	v V
}

type (
	vndEntry   = entry[domain.VND]
	countEntry = entry[count]
)

// datedSeries is a running series by date: a domain.Series, a sumsSeries.
type datedSeries[V any] interface {
	Len() int
	Entry(i int) (domain.Date, V)
}

// entriesOf copies the entries of s.
func entriesOf[V any](s datedSeries[V]) []entry[V] {
	out := make([]entry[V], s.Len())
	for i := range out {
		out[i].d, out[i].v = s.Entry(i)
	}
	return out
}
