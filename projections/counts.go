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
