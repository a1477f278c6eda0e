package projections

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// The property test's closed fiscal years: now and then a random unit
// closes or reopens 2020 (the year every random event is dated in), and
// the write path refuses what the closures cover. The reference keeps
// its own plain list of closures and checks, against it, every refusal
// and acceptance, the projection's list of periods (now and at a random
// known_at), and each close's seal recomputed from the reference's
// balances.

// ancestorsOf is the property test's hierarchy upwards: the units whose
// closures cover a unit.
var ancestorsOf = map[domain.UnitID][]domain.UnitID{
	"vgcl": {"vgcl"}, "lang-son": {"vgcl", "lang-son"}, "cao-loc": {"vgcl", "lang-son", "cao-loc"}, "ha-noi": {"ha-noi"},
}

// refClosure is the reference's record of one closure.
type refClosure struct {
	unit     domain.UnitID
	year     int
	pos      domain.Position
	seal     string
	closedAt time.Time
	reopenAt time.Time // zero while in force
}

// fakePeriods is the fake log's period stream: the domain's state, as the
// ledger's write path holds it, and the reference's list.
type fakePeriods struct {
	state *domain.Periods
	ref   []*refClosure
}

// refCovered reports whether the reference has a closure in force of the
// date's year for the unit or an ancestor.
func (fp *fakePeriods) refCovered(unit domain.UnitID, d domain.Date) bool {
	for _, c := range fp.ref {
		if c.reopenAt.IsZero() && c.year == d.Year() && slices.Contains(ancestorsOf[unit], c.unit) {
			return true
		}
	}
	return false
}

// checkPeriod is the ledger's decideMoney check: a command not recorded
// before, dated in a closed year of the fund's unit or an ancestor, is
// refused.
func (l *fakeLog) checkPeriod(f *domain.Fund, c domain.MoneyCommand) error {
	if l.periods.state == nil || !f.Exists {
		return nil
	}
	if _, seen := f.Tx(c.TxID()); seen {
		return nil
	}
	d := c.Occurred()
	if d.IsZero() {
		d = domain.DateOf(l.now)
	}
	return l.periods.state.CheckOpen(ancestorsOf[f.Unit], d, "occurred_on")
}

// refSeal recomputes a seal from the reference's balances at the end of
// the year, with its own hashing: fund_id "," balance "\n" per fund opened
// by then, sorted by the id's text.
func refSeal(l *fakeLog, unit domain.UnitID, year int, subtree []domain.UnitID, fundUnit map[uuid.UUID]domain.UnitID) string {
	end := domain.MustDate(fmt.Sprintf("%d-12-31", year))
	var ids []string
	for id, u := range fundUnit {
		if slices.Contains(subtree, u) && l.ref.opened[id].Data.(*domain.FundOpened).OpenedOn <= end {
			ids = append(ids, id.String())
		}
	}
	slices.Sort(ids)
	h := sha256.New()
	for _, s := range ids {
		id := uuid.MustParse(s)
		bal := refCompute(l.ref.txs, func(f uuid.UUID) bool { return f == id }, 0, end).Balance
		fmt.Fprintf(h, "%s,%s\n", s, bal)
	}
	return hex.EncodeToString(h.Sum(nil))
}

// inForce returns a closure in force, or nil.
func (fp *fakePeriods) inForce() *refClosure {
	for _, c := range fp.ref {
		if c.reopenAt.IsZero() {
			return c
		}
	}
	return nil
}

// periodStep reopens the closure in force, or closes 2020 for a random
// unit, and checks the seal.
func periodStep(t *testing.T, l *fakeLog, rng *rand.Rand, unitsOf map[domain.UnitID][]domain.UnitID,
	fundUnit map[uuid.UUID]domain.UnitID, step int) {
	t.Helper()
	fp := &l.periods
	if fp.state == nil {
		fp.state = domain.NewPeriods()
	}
	unit := []domain.UnitID{"vgcl", "lang-son", "cao-loc", "ha-noi"}[rng.IntN(4)]
	if c := fp.inForce(); c != nil {
		unit = c.unit
	}
	const year = 2020
	rev := uint64(0)
	if fp.state.Revision != domain.ExpectNoStream {
		rev = uint64(fp.state.Revision) + 1
	}
	var data domain.EventData
	if _, closed := fp.state.Closed(unit, year); closed {
		d, err := domain.DecideReopen(fp.state, domain.ReopenPeriod{UnitID: unit, Year: year, Reason: "sót chứng từ"})
		if err != nil {
			t.Fatalf("step %d: DecideReopen: %v", step, err)
		}
		data = d
	} else {
		lines, ok := l.proj.SealLines(unit, year)
		if !ok {
			t.Fatalf("step %d: SealLines(%s) unknown unit", step, unit)
		}
		seal := domain.PeriodSeal(lines)
		if want := refSeal(l, unit, year, unitsOf[unit], fundUnit); seal != want {
			t.Fatalf("step %d: seal of %d for %s = %s, the reference's %s", step, year, unit, seal, want)
		}
		d, err := domain.DecideClose(fp.state, domain.ClosePeriod{UnitID: unit, Year: year}, seal)
		if err != nil {
			t.Fatalf("step %d: DecideClose: %v", step, err)
		}
		data = d
	}
	e := l.append(domain.PeriodStream, rev, fp.state.LastHash, domain.Pending{EventID: domain.NewID(), OccurredOn: domain.DateOf(l.now), Data: data})
	fp.state.Evolve(e)
	switch d := data.(type) {
	case *domain.PeriodClosed:
		fp.ref = append(fp.ref, &refClosure{unit: unit, year: year, pos: e.Position, seal: d.Seal, closedAt: e.Meta.RecordedAt})
	case *domain.PeriodReopened:
		for _, c := range fp.ref {
			if c.unit == unit && c.year == year && c.reopenAt.IsZero() {
				c.reopenAt = e.Meta.RecordedAt
			}
		}
	}
}

// checkWriteAgainstPeriods checks a write's outcome against the
// reference's closures: refused with period_closed exactly when a closure
// in force covers its date (a replay aside), and never recorded then.
func checkWriteAgainstPeriods(t *testing.T, l *fakeLog, c domain.MoneyCommand, fundUnit map[uuid.UUID]domain.UnitID,
	recorded bool, err error, step int) {
	t.Helper()
	d := c.Occurred()
	covered := l.periods.refCovered(fundUnit[c.Fund()], d)
	closedErr := domain.CodeOf(err) == domain.CodePeriodClosed
	if closedErr && !covered {
		t.Fatalf("step %d: %T dated %s refused period_closed, no closure covers it", step, c, d)
	}
	if covered && recorded {
		t.Fatalf("step %d: %T dated %s recorded in a closed year", step, c, d)
	}
}

// checkPeriodsList compares the projection's periods of every unit, now
// and at a random known_at, with the reference's list.
func checkPeriodsList(t *testing.T, l *fakeLog, rng *rand.Rand, first, last time.Time, step int) {
	t.Helper()
	span := last.Sub(first) + 20*time.Minute
	at := first.Add(-10*time.Minute + time.Duration(rng.Int64N(int64(span))))
	for _, k := range []struct {
		known Known
		at    time.Time
	}{{Known{}, time.Time{}}, {KnownAt(at), at}} {
		knows := func(rec time.Time) bool { return k.at.IsZero() || !rec.After(k.at) }
		for unit, up := range ancestorsOf {
			want := []Period{}
			for _, c := range l.periods.ref {
				if !slices.Contains(up, c.unit) || !knows(c.closedAt) {
					continue
				}
				p := Period{UnitID: unit, Year: c.year, ClosedBy: c.unit, Position: c.pos, ClosedAt: c.closedAt.UTC(), Seal: c.seal}
				if !c.reopenAt.IsZero() && knows(c.reopenAt) {
					r := c.reopenAt.UTC()
					p.ReopenedAt = &r
				}
				want = append(want, p)
			}
			got, ok := l.proj.PeriodsKnown(unit, k.known)
			if !ok {
				if knows(l.ref.registered[unit].Meta.RecordedAt) {
					t.Fatalf("step %d: PeriodsKnown(%s, %v) not found", step, unit, k.at)
				}
				continue
			}
			jsonEq(t, fmt.Sprintf("step %d periods of %s known_at %v", step, unit, k.at), got, want)
		}
	}
}

// checkPeriodsRebuilt: the periods rebuilt from the log, and read back
// from a checkpoint of the live projections, are the live ones; the
// history closed and reopened at least once.
func checkPeriodsRebuilt(t *testing.T, l *fakeLog, rebuilt *Projections) {
	t.Helper()
	var buf bytes.Buffer
	if _, err := l.proj.WriteCheckpoint(&buf); err != nil {
		t.Fatalf("WriteCheckpoint: %v", err)
	}
	loaded, err := ReadCheckpoint(&buf)
	if err != nil {
		t.Fatalf("ReadCheckpoint: %v", err)
	}
	reopened := 0
	for _, c := range l.periods.ref {
		if !c.reopenAt.IsZero() {
			reopened++
		}
	}
	if len(l.periods.ref) < 2 || reopened == 0 {
		t.Fatalf("%d closures, %d reopened: the generator is not exercising the periods", len(l.periods.ref), reopened)
	}
	for unit := range ancestorsOf {
		live, _ := l.proj.PeriodsKnown(unit, Known{})
		b, _ := rebuilt.PeriodsKnown(unit, Known{})
		jsonEq(t, "rebuilt periods of "+string(unit), b, live)
		c, _ := loaded.PeriodsKnown(unit, Known{})
		jsonEq(t, "checkpointed periods of "+string(unit), c, live)
	}
}
