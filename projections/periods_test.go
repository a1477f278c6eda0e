package projections

import (
	"bytes"
	"testing"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// TestPeriodsSurviveCheckpoint: closures read back from a checkpoint are
// the live ones, and the projections loaded from it go on applying the
// log — a reopening of a closure recorded before the checkpoint, and a
// second closure of the year.
func TestPeriodsSurviveCheckpoint(t *testing.T) {
	l := newFakeLog(t, time.Date(2024, 6, 30, 10, 0, 0, 0, domain.VietnamZone))
	l.unit("vgcl", "")
	l.unit("lang-son", "vgcl")
	state := domain.NewPeriods()
	periodEvent := func(d domain.EventData) domain.Event {
		rev := uint64(0)
		if state.Revision != domain.ExpectNoStream {
			rev = uint64(state.Revision) + 1
		}
		e := l.append(domain.PeriodStream, rev, state.LastHash, domain.Pending{EventID: domain.NewID(), OccurredOn: domain.DateOf(l.now), Data: d})
		state.Evolve(e)
		return e
	}
	seal := domain.PeriodSeal(nil)
	closed := periodEvent(&domain.PeriodClosed{UnitID: "vgcl", Year: 2023, Seal: seal, DecisionNo: "45/QĐ"})

	var buf bytes.Buffer
	if _, err := l.proj.WriteCheckpoint(&buf); err != nil {
		t.Fatalf("WriteCheckpoint: %v", err)
	}
	loaded, err := ReadCheckpoint(&buf)
	if err != nil {
		t.Fatalf("ReadCheckpoint: %v", err)
	}
	want, _ := l.proj.PeriodsKnown("lang-son", Known{})
	got, _ := loaded.PeriodsKnown("lang-son", Known{})
	jsonEq(t, "periods read back", got, want)
	if len(got) != 1 || got[0].ClosedBy != "vgcl" || got[0].Position != closed.Position || got[0].Seal != seal || got[0].DecisionNo != "45/QĐ" {
		t.Fatalf("periods read back = %+v, want vgcl's closure at %d", got, closed.Position)
	}

	// The loaded projections take the rest of the log.
	reopened := periodEvent(&domain.PeriodReopened{UnitID: "vgcl", Year: 2023, Reason: "sót"})
	again := periodEvent(&domain.PeriodClosed{UnitID: "vgcl", Year: 2023, Seal: seal})
	for _, e := range []domain.Event{reopened, again} {
		if err := loaded.Apply(e); err != nil {
			t.Fatalf("Apply(%s) after a checkpoint load: %v", e.Type, err)
		}
	}
	want, _ = l.proj.PeriodsKnown("lang-son", Known{})
	got, _ = loaded.PeriodsKnown("lang-son", Known{})
	jsonEq(t, "periods after the load and two more events", got, want)
	if len(got) != 2 || got[0].ReopenedAt == nil || got[1].ReopenedAt != nil {
		t.Fatalf("periods = %+v, want the first reopened and the second in force", got)
	}
}

// TestPeriodsRefuseAnInconsistentLog: a closure of a closed year, or a
// reopening of an open one, cannot come from the ledger; applying one is
// an error, not a silent repair.
func TestPeriodsRefuseAnInconsistentLog(t *testing.T) {
	for _, c := range []struct {
		name   string
		events []domain.EventData
	}{
		{"closed twice", []domain.EventData{&domain.PeriodClosed{UnitID: "vgcl", Year: 2023, Seal: "a"}, &domain.PeriodClosed{UnitID: "vgcl", Year: 2023, Seal: "a"}}},
		{"reopened while open", []domain.EventData{&domain.PeriodReopened{UnitID: "vgcl", Year: 2023, Reason: "x"}}},
		{"closed by an unknown unit", []domain.EventData{&domain.PeriodClosed{UnitID: "ha-noi", Year: 2023, Seal: "a"}}},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := New()
			reg := domain.Event{Position: 1, Type: domain.TypeUnitRegistered, Data: &domain.UnitRegistered{UnitID: "vgcl", Name: "x"}}
			if err := p.Apply(reg); err != nil {
				t.Fatal(err)
			}
			var err error
			for i, d := range c.events {
				err = p.Apply(domain.Event{Position: domain.Position(i + 2), Type: d.EventType(), Data: d})
			}
			if err == nil {
				t.Fatalf("Apply of %s = nil, want an error", c.name)
			}
		})
	}
}

// TestVerifyComparesPeriods: a closure that differs between the live
// projections and the log, or is on one side only, is a projection
// mismatch on the periods stream.
func TestVerifyComparesPeriods(t *testing.T) {
	build := func(closures ...*domain.PeriodClosed) *Projections {
		p := New()
		if err := p.Apply(domain.Event{Position: 1, Type: domain.TypeUnitRegistered, Data: &domain.UnitRegistered{UnitID: "vgcl", Name: "x"}}); err != nil {
			t.Fatal(err)
		}
		for i, d := range closures {
			if err := p.Apply(domain.Event{Position: domain.Position(i + 2), Type: d.EventType(), Data: d}); err != nil {
				t.Fatal(err)
			}
		}
		return p
	}
	closure := &domain.PeriodClosed{UnitID: "vgcl", Year: 2023, Seal: "a"}
	for _, c := range []struct {
		name      string
		live, log *Projections
		want      int
	}{
		{"the same", build(closure), build(closure), 0},
		{"another seal", build(closure), build(&domain.PeriodClosed{UnitID: "vgcl", Year: 2023, Seal: "b"}), 1},
		{"missing from the live side", build(), build(closure), 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			live, log := c.live.snapshot(), c.log.snapshot()
			var got []Mismatch
			compareSnapshots(&live, &log, func(m Mismatch) {
				if m.Stream == domain.PeriodStream {
					got = append(got, m)
				}
			})
			if len(got) != c.want {
				t.Errorf("mismatches on %s = %+v, want %d", domain.PeriodStream, got, c.want)
			}
		})
	}
}
