package projections

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// The property test's closed fiscal years: now and then a random unit
// closes 2020 (the year every random event is dated in) — a closing, then
// its seal at once or some steps later — or reopens it (abandoning a
// closing left pending), and the write path refuses what the closes
// cover. Donations are also written straight into the log (as a store
// would take them from outside the ledger) while a close is pending or in
// force: the void rule leaves them out. The reference keeps its own plain
// list of closes, applies the void rule its own way, and checks against
// it every refusal and acceptance, the projection's list of periods (now
// and at a random known_at), each close's seal recomputed from the
// reference's balances, and the void events.

// ancestorsOf is the property test's hierarchy upwards: the units whose
// closures cover a unit.
var ancestorsOf = map[domain.UnitID][]domain.UnitID{
	"vgcl": {"vgcl"}, "lang-son": {"vgcl", "lang-son"}, "cao-loc": {"vgcl", "lang-son", "cao-loc"}, "ha-noi": {"ha-noi"},
}

// refClosure is the reference's record of one closure.
type refClosure struct {
	unit     domain.UnitID
	year     int
	closing  domain.Position // of the PeriodClosing
	pos      domain.Position // of the PeriodClosed; zero while pending
	seal     string
	closedAt time.Time
	reopenAt time.Time       // zero while in force
	reopened domain.Position // of the PeriodReopened
}

// fakePeriods is the fake log's period stream: the domain's state, as the
// ledger's write path holds it, and the reference's list.
type fakePeriods struct {
	state *domain.Periods
	ref   []*refClosure
	// voids counts the events the reference found void.
	voids int
}

// refVoid is the reference's void rule, written apart from the domain's:
// a money event or fund opening is void when a close of its unit or an
// ancestor was pending at its position and it is dated up to the end of
// the close's year, or was in force there and it is dated in that year;
// and an event of a fund whose opening was void is void.
func (l *fakeLog) refVoid(e *domain.Event) bool {
	var unit domain.UnitID
	switch d := e.Data.(type) {
	case *domain.FundOpened:
		unit = d.UnitID
	case domain.MoneyEvent:
		opened, ok := l.ref.opened[d.Money().FundID]
		if !ok {
			l.periods.voids++
			return true
		}
		unit = opened.Data.(*domain.FundOpened).UnitID
	default:
		return false
	}
	d := e.Meta.OccurredOn
	for _, c := range l.periods.ref {
		if !slices.Contains(ancestorsOf[unit], c.unit) || e.Position < c.closing || c.reopened != 0 && e.Position > c.reopened {
			continue
		}
		sealed := c.pos != 0 && e.Position > c.pos
		end := domain.MustDate(fmt.Sprintf("%d-12-31", c.year))
		if !sealed && d <= end || sealed && d.Year() == c.year {
			l.periods.voids++
			return true
		}
	}
	return false
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

// periodStep reopens the close in force (or abandons the one pending),
// completes a pending one, or begins to close 2020 for a random unit —
// completing it at once two times in three — and checks the seal; then
// it may write a donation straight into the log.
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
	_, pending := fp.state.Pending(unit, year)
	if _, closed := fp.state.Closed(unit, year); closed || pending && rng.IntN(3) == 0 {
		d, err := domain.DecideReopen(fp.state, domain.ReopenPeriod{UnitID: unit, Year: year, Reason: "sót chứng từ"})
		if err != nil {
			t.Fatalf("step %d: DecideReopen: %v", step, err)
		}
		appendPeriod(l, d)
	} else {
		if !pending {
			appendPeriod(l, &domain.PeriodClosing{UnitID: unit, Year: year})
			plant(t, l, rng, fundUnit, step)
			if rng.IntN(3) == 0 {
				return // stopped half-way: completed or abandoned later
			}
		}
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
		appendPeriod(l, d)
	}
	plant(t, l, rng, fundUnit, step)
}

// appendPeriod appends an event of the period stream, and keeps the
// reference's list of closes.
func appendPeriod(l *fakeLog, data domain.EventData) {
	fp := &l.periods
	rev := uint64(0)
	if fp.state.Revision != domain.ExpectNoStream {
		rev = uint64(fp.state.Revision) + 1
	}
	e := l.append(domain.PeriodStream, rev, fp.state.LastHash, domain.Pending{EventID: domain.NewID(), OccurredOn: domain.DateOf(l.now), Data: data})
	fp.state.Evolve(e)
	switch d := data.(type) {
	case *domain.PeriodClosing:
		fp.ref = append(fp.ref, &refClosure{unit: d.UnitID, year: d.Year, closing: e.Position})
	case *domain.PeriodClosed:
		for _, c := range fp.ref {
			if c.unit == d.UnitID && c.year == d.Year && c.reopenAt.IsZero() {
				c.pos, c.seal, c.closedAt = e.Position, d.Seal, e.Meta.RecordedAt
			}
		}
	case *domain.PeriodReopened:
		for _, c := range fp.ref {
			if c.unit == d.UnitID && c.year == d.Year && c.reopenAt.IsZero() {
				c.reopenAt, c.reopened = e.Meta.RecordedAt, e.Position
			}
		}
	}
}

// plant writes, one time in two, a donation dated in the second half of
// 2020 into a random fund straight into the log, bypassing the write
// path's check of the closed years; the reference judges it, and the
// fake write side applies it only if it counts.
func plant(t *testing.T, l *fakeLog, rng *rand.Rand, fundUnit map[uuid.UUID]domain.UnitID, step int) {
	t.Helper()
	if rng.IntN(2) == 0 {
		return
	}
	ids := slices.SortedFunc(maps.Keys(fundUnit), func(a, b uuid.UUID) int { return strings.Compare(a.String(), b.String()) })
	f := l.funds[ids[rng.IntN(len(ids))]]
	c := domain.RecordDonation{TransactionID: domain.NewID(), FundID: f.ID, Amount: domain.VNDFromInt64(int64(1+rng.IntN(9)) * 1_000_000),
		OccurredOn: domain.MustDate(fmt.Sprintf("2020-%02d-%02d", 7+rng.IntN(6), 1+rng.IntN(28))), Donor: domain.Donor{Kind: domain.DonorMember}}
	ps, err := domain.Decide(f, c, l.now)
	if err != nil || len(ps) != 1 {
		t.Fatalf("step %d: Decide(planted donation) = %v, %v", step, ps, err)
	}
	voids, projVoids := l.periods.voids, l.proj.VoidCount()
	e := l.append(domain.FundStream(f.ID), f.Revision+1, f.LastHash, ps[0])
	void := l.periods.voids > voids
	if got := l.proj.VoidCount() > projVoids; got != void {
		t.Fatalf("step %d: donation dated %s planted at %d: void %v in the projections, %v in the reference", step, c.OccurredOn, e.Position, got, void)
	}
	if void {
		f.Revision, f.LastHash = e.Revision, e.Meta.Hash
		return
	}
	f.Evolve(e)
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
				if c.pos == 0 || !slices.Contains(up, c.unit) || !knows(c.closedAt) {
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
	if len(l.periods.ref) < 2 || reopened == 0 || l.periods.voids == 0 {
		t.Fatalf("%d closures, %d reopened, %d void events: the generator is not exercising the periods", len(l.periods.ref), reopened, l.periods.voids)
	}
	if got := l.proj.VoidCount(); got != l.periods.voids {
		t.Fatalf("%d void events in the projections, %d in the reference", got, l.periods.voids)
	}
	jsonEq(t, "rebuilt void events", rebuilt.VoidEvents(), l.proj.VoidEvents())
	jsonEq(t, "checkpointed void events", loaded.VoidEvents(), l.proj.VoidEvents())
	for unit := range ancestorsOf {
		live, _ := l.proj.PeriodsKnown(unit, Known{})
		b, _ := rebuilt.PeriodsKnown(unit, Known{})
		jsonEq(t, "rebuilt periods of "+string(unit), b, live)
		c, _ := loaded.PeriodsKnown(unit, Known{})
		jsonEq(t, "checkpointed periods of "+string(unit), c, live)
	}
}
