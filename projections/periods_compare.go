package projections

import (
	"fmt"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// periods compares the closures of the live projections with those
// rebuilt from the log, in log order, as the periods' list answers them.
func (c *comparer) periods(live, log []periodNode) {
	for i := range min(len(live), len(log)) {
		l, g := live[i], log[i]
		if !samePeriod(l, g) {
			c.report(domain.PeriodStream, min(l.pos, g.pos), "closure #%d: live %s, log %s", i+1, describePeriod(l), describePeriod(g))
			return
		}
	}
	if len(live) != len(log) {
		c.report(domain.PeriodStream, c.pos, "%d closures of fiscal years in the live projections, %d in the log", len(live), len(log))
	}
}

func samePeriod(a, b periodNode) bool {
	return a.unit == b.unit && a.year == b.year && a.seal == b.seal && a.decisionNo == b.decisionNo && a.pos == b.pos &&
		a.closedAt.Equal(b.closedAt) && a.reopened == b.reopened && a.reopenedAt.Equal(b.reopenedAt)
}

func describePeriod(n periodNode) string {
	s := fmt.Sprintf("%d closed by %s at position %d (%s), seal %s", n.year, n.unit, n.pos, n.closedAt.Format("2006-01-02T15:04:05.999999999Z"), n.seal)
	if n.reopened {
		s += ", reopened " + n.reopenedAt.Format("2006-01-02T15:04:05.999999999Z")
	}
	return s
}
