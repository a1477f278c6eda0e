package projections

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// A job's one pass over its scope's transactions (scopeGrants) finds, for
// every line, the same grants with the same previous dates, and the same
// reversed grants, as reading each person's transactions does
// (gatherPeriods, the load's way): for every fund and unit, at positions
// through the log (a grant applied after the position not counted, a
// reversal applied after it not ending its grant), with finish grouping
// by a counting sort and by a comparison sort, with one worker and
// three, and with regions of the right size and too small; on histories
// with void events too.
func TestScopeGrantsMatchGatherPeriods(t *testing.T) {
	defer func(c float64) { countingMin = c }(countingMin)
	defer func(r func(*lineIndex) int) { regionSize = r }(regionSize)
	halves := func(x *lineIndex) int { return x.grants() / 2 }
	for seed := uint64(41); seed <= 44; seed++ {
		// The last with closed years and the void events they make.
		h := newCkptHistory(t, seed, 1500)
		if seed == 44 {
			h = newCkptHistoryWithPeriods(t, seed, 1500)
		}
		p := h.proj
		var benefs []*beneficiaryTxs
		for _, b := range p.benef {
			benefs = append(benefs, b)
		}
		var scopes []bdScope
		for _, u := range p.unitOrder {
			scopes = append(scopes, unitScope(u))
		}
		for _, f := range p.fundOrder {
			scopes = append(scopes, fundScope(f))
		}
		compared, reversed := 0, 0
		for _, at := range []domain.Position{p.pos / 3, p.pos * 2 / 3, p.pos} {
			for _, s := range scopes {
				for _, counting := range []float64{0, math.Inf(1)} {
					for _, workers := range []int{1, 3} {
						for _, small := range []bool{false, true} {
							countingMin, regionSize = counting, (*lineIndex).grants
							if small {
								regionSize = halves
							}
							name := fmt.Sprintf("seed %d, at %d, %s, countingMin %v, %d workers, regions too small %v",
								seed, at, scopeName(s), counting, workers, small)
							c, r := compareScopeGrants(t, name, p, benefs, s, at, workers, !small)
							compared, reversed = compared+c, reversed+r
						}
					}
				}
			}
		}
		if compared == 0 || reversed == 0 {
			t.Fatalf("seed %d: %d grants and %d reversed grants compared, want some of each", seed, compared, reversed)
		}
	}
}

func scopeName(s bdScope) string {
	if s.fund != nil {
		return "fund " + s.fund.info.Name
	}
	return "unit " + string(s.unit.view.ID)
}

// compareScopeGrants gathers s's grants at position at both ways and
// reports a difference; it returns the number of grants and reversed
// grants compared. With exact, no grant may have fallen beyond its
// region: the lines' counts of grants sized them.
func compareScopeGrants(t *testing.T, name string, p *Projections, benefs []*beneficiaryTxs, scope bdScope, at domain.Position, workers int, exact bool) (grants, reversed int) {
	t.Helper()
	job := &linePersonsJob{at: at, funds: scope.fundsOf()}
	var indexes []*personIndex
	for l := range job.fresh {
		job.fresh[l] = &personIndex{fund: scope.fund, unit: scope.unit, byLine: true, line: bdLine(l), ord: uint32(len(indexes))}
		indexes = append(indexes, job.fresh[l])
	}
	want := newPeriodParts(len(indexes))
	gatherPeriods(&want, benefs, func(t *txNode, buf []*personIndex) []*personIndex {
		if l := lineOf(t); t.pos <= at && l < numLines && scope.in(t.fund) {
			buf = append(buf, job.fresh[l])
		}
		return buf
	}, at)
	got := p.gatherScope(t.Context(), job, workers)
	if exact {
		for l, n := range regionTotals(job) {
			if len(got.live[l]) != n {
				t.Errorf("%s, line %d: %d grants and slots gathered, want the %d of the regions", name, l, len(got.live[l]), n)
			}
		}
	}
	var s finisher
	for l := range bdLine(numLines) {
		points, revs := got.finish(l, &s)
		slices.Sort(want.points[l])
		if !slices.Equal(points, want.points[l]) {
			t.Errorf("%s, line %d: grants (date<<32|previous)\n got  %x\n want %x", name, l, points, want.points[l])
		}
		byGrant := func(a, b revGrant) int {
			return cmp.Or(cmp.Compare(a.start, b.start), cmp.Compare(a.end, b.end), cmp.Compare(a.b.num, b.b.num))
		}
		slices.SortFunc(revs, byGrant)
		slices.SortFunc(want.revs[l], byGrant)
		if !slices.Equal(revs, want.revs[l]) {
			t.Errorf("%s, line %d: reversed grants\n got  %v\n want %v", name, l, revs, want.revs[l])
		}
		grants, reversed = grants+len(points), reversed+len(revs)
	}
	return grants, reversed
}

// Every beneficiary has its own number below their count, made live
// (applied event by event) and after a checkpoint load, and one made
// after a load numbers after those loaded: the jobs group grants by it
// (breakdown_grants.go), and two persons with one number would be counted
// once.
func TestBeneficiariesNumberedOnce(t *testing.T) {
	h := newCkptHistory(t, 44, 600)
	loaded := roundTrip(t, h.replay(len(h.events)/2))
	if err := loaded.applyStored(h.events[len(h.events)/2:]); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name string
		p    *Projections
	}{{"live", h.proj}, {"loaded, then applied", loaded}} {
		if len(c.p.benef) < 2 {
			t.Fatalf("%s: %d beneficiaries, want several", c.name, len(c.p.benef))
		}
		seen := make([]domain.BeneficiaryID, len(c.p.benef))
		for id, b := range c.p.benef {
			if int(b.num) >= len(seen) {
				t.Fatalf("%s: beneficiary %s numbered %d of %d", c.name, id, b.num, len(seen))
			}
			if other := seen[b.num]; other != "" {
				t.Fatalf("%s: beneficiaries %s and %s both numbered %d", c.name, other, id, b.num)
			}
			seen[b.num] = id
		}
	}
}

// regionTotals is the size of each line's regions of job's funds.
func regionTotals(job *linePersonsJob) [numLines]int {
	var total [numLines]int
	for _, fund := range regionSizes(&job.fresh, job.funds) {
		for l, n := range fund {
			total[l] += n
		}
	}
	return total
}
