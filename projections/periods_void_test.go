package projections

import (
	"fmt"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// newCkptHistoryWithPeriods is newCkptHistory with period steps, and a
// check that they made some events void and left a close pending.
func newCkptHistoryWithPeriods(t *testing.T, seed uint64, steps int) *ckptHistory {
	t.Helper()
	h := buildCkptHistory(t, seed, steps, true)
	if n := h.proj.VoidCount(); n == 0 {
		t.Fatalf("seed %d: the history has no void event: the period steps are not exercised", seed)
	}
	return h
}

// voidContents is the void rule's state as indexContents compares it: the
// void events, and the period book's pending closings.
func voidContents(p *Projections) any {
	s := p.snapVoids()
	return []any{s.events, s.pending}
}

// appendFund appends a decided event of fund f straight to the history's
// log, as a store would take it from outside the ledger (no check of the
// closed years), and applies it to f unless the projections found it void.
// It reports whether the event counts.
func (h *ckptHistory) appendFund(actor string, f *domain.Fund, p domain.Pending) bool {
	before := h.proj.VoidCount()
	e := h.appendAs(actor, domain.FundStream(f.ID), f.Revision+1, f.LastHash, p)
	if h.proj.VoidCount() > before {
		f.Revision, f.LastHash = e.Revision, e.Meta.Hash
		return false
	}
	f.Evolve(e)
	return true
}

// periodUnits are the units whose closes the history's period steps
// record.
var periodUnits = []domain.UnitID{"vgcl", "lang-son", "cao-loc", "ha-noi"}

// closeInForce returns a unit with a close of 2020 pending or in force,
// or "": the next period step ends it, so that closes last a few steps and
// the history keeps its variety.
func (h *ckptHistory) closeInForce() domain.UnitID {
	if h.fakeLog.periods.state == nil {
		return ""
	}
	for _, u := range periodUnits {
		_, closed := h.fakeLog.periods.state.Closed(u, 2020)
		_, pending := h.fakeLog.periods.state.Pending(u, 2020)
		if closed || pending {
			return u
		}
	}
	return ""
}

// periodStep closes, completes, abandons or reopens 2020 for a random
// unit, so that the checkpoint's history holds closings left pending,
// closes in force, reopened ones, and the void events the money steps
// write into them; now and then it also opens a fund dated in 2020 and
// pays into it, both straight into the log.
func (h *ckptHistory) periodStep() {
	l := h.fakeLog
	fp := &l.periods
	if fp.state == nil {
		fp.state = domain.NewPeriods()
	}
	rng := h.rng
	unit := h.closeInForce()
	if unit == "" {
		unit = periodUnits[rng.IntN(len(periodUnits))]
	}
	const year = 2020
	var data domain.EventData
	_, closed := fp.state.Closed(unit, year)
	_, pending := fp.state.Pending(unit, year)
	switch {
	case closed || pending && rng.IntN(2) == 0:
		d, err := domain.DecideReopen(fp.state, domain.ReopenPeriod{UnitID: unit, Year: year, Reason: "sót chứng từ"})
		if err != nil {
			l.t.Fatalf("DecideReopen: %v", err)
		}
		data = d
	case pending:
		lines, _ := l.proj.SealLines(unit, year)
		d, err := domain.DecideClose(fp.state, domain.ClosePeriod{UnitID: unit, Year: year}, domain.PeriodSeal(lines))
		if err != nil {
			l.t.Fatalf("DecideClose: %v", err)
		}
		data = d
	default:
		data = &domain.PeriodClosing{UnitID: unit, Year: year, DecisionNo: h.text()}
	}
	rev := uint64(0)
	if fp.state.Revision != domain.ExpectNoStream {
		rev = uint64(fp.state.Revision) + 1
	}
	e := h.appendAs(domain.SystemActor, domain.PeriodStream, rev, fp.state.LastHash,
		domain.Pending{EventID: domain.NewID(), OccurredOn: domain.DateOf(l.now), Data: data})
	fp.state.Evolve(e)
	if rng.IntN(3) == 0 {
		// A fund opened straight into the log under the unit, dated in
		// 2020, with a donation: both void while a close covers them.
		id := domain.NewID()
		c := domain.OpenFund{FundID: id, UnitID: unit, Name: fmt.Sprint("Quỹ mở muộn ", len(h.fundIDs)), Kind: domain.FundSocial,
			OpenedOn: domain.MustDate("2020-08-01")}
		f := domain.NewFund(id)
		ps, err := domain.DecideOpen(f, c, true, l.now)
		if err != nil {
			l.t.Fatalf("DecideOpen: %v", err)
		}
		before := h.proj.VoidCount()
		opened := h.appendAs(domain.SystemActor, domain.FundStream(id), 0, f.LastHash, ps[0])
		if h.proj.VoidCount() > before {
			f.Revision, f.LastHash = opened.Revision, opened.Meta.Hash
			// A donation into a fund whose opening is void: void too.
			d := domain.RecordDonation{TransactionID: domain.NewID(), FundID: id, Amount: domain.VNDFromInt64(7_000_000),
				OccurredOn: domain.MustDate("2021-02-01"), Donor: domain.Donor{Kind: domain.DonorMember}}
			p := domain.Pending{EventID: d.TransactionID, OccurredOn: d.OccurredOn, PayloadHash: domain.PayloadHash(d),
				Data: &domain.DonationReceived{TransactionID: d.TransactionID, FundID: id, Amount: d.Amount, Donor: d.Donor}}
			before = h.proj.VoidCount()
			h.appendAs(domain.SystemActor, domain.FundStream(id), 1, f.LastHash, p)
			if h.proj.VoidCount() != before+1 {
				l.t.Fatalf("a donation into a fund whose opening is void counts")
			}
			return
		}
		f.Evolve(opened)
		h.funds[id] = f
		h.fundIDs = append(h.fundIDs, id)
	}
}
