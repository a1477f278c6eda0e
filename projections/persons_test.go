package projections

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// personOp is a grant (rev zero) or the reversal, dated rev, of the
// person's grant dated date.
type personOp struct {
	b         domain.BeneficiaryID
	date, rev domain.Date
}

// refPersons counts, the slow way, the distinct persons of the grants
// dated in [from, to] and not reversed on or before to.
func refPersons(grants []personOp, from, to domain.Date) int {
	set := map[domain.BeneficiaryID]bool{}
	for _, g := range grants {
		if g.date >= from && g.date <= to && (g.rev == 0 || g.rev > to) {
			set[g.b] = true
		}
	}
	return len(set)
}

// spans returns b's spans in x, as countPerson reads them.
func (x *personIndex) spans(b *beneficiaryTxs) []span {
	return x.spansIn(personGrants(b, nil), nil)
}

// applyPersonOps applies ops to the index of a new fund, as grants and
// reversals of that fund, and returns it with the beneficiaries' lists
// and the grants as the reference sees them (each with its reversal's
// date).
func applyPersonOps(t *testing.T, ops []personOp) (*personIndex, []*beneficiaryTxs, []personOp) {
	t.Helper()
	f := &fundNode{}
	f.persons = newPersonIndex(f, nil)
	x := f.persons
	people := map[domain.BeneficiaryID]*beneficiaryTxs{}
	var benefs []*beneficiaryTxs
	var grants []personOp
	for _, op := range ops {
		bt, ok := people[op.b]
		if !ok {
			bt = &beneficiaryTxs{id: op.b}
			people[op.b] = bt
			benefs = append(benefs, bt)
		}
		if op.rev == 0 {
			x.grant(bt, x.spans(bt), op.date)
			bt.txs = append(bt.txs, &txNode{fund: f, typ: 2, kind: kAssistance, date: op.date, benef: bt})
			grants = append(grants, op)
			continue
		}
		found := false
		for i := range grants {
			if g := &grants[i]; g.b == op.b && g.date == op.date && g.rev == 0 {
				g.rev, found = op.rev, true
				break
			}
		}
		if !found {
			t.Fatalf("reversal %+v of no grant", op)
		}
		x.reverse(bt, x.spans(bt), op.date, op.rev)
		for _, tx := range bt.txs {
			if tx.date == op.date && tx.link == nil {
				tx.link = &txNode{fund: f, typ: typReversal, kind: kAssistance, date: op.rev, link: tx}
				break
			}
		}
	}
	return x, benefs, grants
}

// checkEveryPeriod compares x.between with the reference on every period
// inside [first, last], and does the same for the index rebuilt from the
// beneficiaries' lists as a checkpoint load does.
func checkEveryPeriod(t *testing.T, what string, x *personIndex, benefs []*beneficiaryTxs, grants []personOp, first, last domain.Date) {
	t.Helper()
	rebuilt := newPersonIndex(x.fund, nil)
	parts := newPeriodParts(1) // x, the fund's, is the only index, numbered 0
	gatherPeriods(&parts, benefs, personIndexesOf, allApplied)
	rebuilt.setPeriods((&pointSorter{points: parts.points[0]}).sort(), parts.revs[0])
	// The period indexes themselves, the reversed grants' earliest live
	// grants included: some wrong ones cost no figure, only time.
	if got, want := fmt.Sprint(personsContents(rebuilt)), fmt.Sprint(personsContents(x)); got != want {
		t.Fatalf("%s: rebuilt index\n%s\nwant, as applied,\n%s", what, got, want)
	}
	for from := first; from <= last; from++ {
		for to := from; to <= last; to++ {
			want := refPersons(grants, from, to)
			if got := x.between(from, to); got != want {
				t.Fatalf("%s: between(%d, %d) = %d, want %d", what, from, to, got, want)
			}
			// Both ways of counting the period's grants.
			if got := x.betweenBy(from, to, 0); got != want {
				t.Fatalf("%s: betweenBy(%d, %d, 0) = %d, want %d", what, from, to, got, want)
			}
			if got := x.betweenBy(from, to, 1<<20); got != want {
				t.Fatalf("%s: betweenBy(%d, %d, 1<<20) = %d, want %d", what, from, to, got, want)
			}
			if got := rebuilt.between(from, to); got != want {
				t.Fatalf("%s, rebuilt: between(%d, %d) = %d, want %d", what, from, to, got, want)
			}
		}
	}
}

func TestPersonIndexBetween(t *testing.T) {
	// Dates are small numbers here: the index only compares them.
	const a, b = domain.BeneficiaryID("A"), domain.BeneficiaryID("B")
	for _, tc := range []struct {
		name string
		ops  []personOp
	}{
		{"one person helped twice", []personOp{{a, 3, 0}, {a, 6, 0}}},
		{"back-dated before the first", []personOp{{a, 6, 0}, {a, 8, 0}, {a, 2, 0}}},
		{"back-dated between two", []personOp{{a, 2, 0}, {a, 8, 0}, {a, 5, 0}}},
		{"back-dated on the same date", []personOp{{a, 4, 0}, {a, 7, 0}, {a, 4, 0}, {a, 7, 0}}},
		{"two persons interleaved", []personOp{{a, 2, 0}, {b, 3, 0}, {a, 7, 0}, {b, 1, 0}, {b, 9, 0}}},
		{"first grant reversed", []personOp{{a, 2, 0}, {a, 5, 0}, {a, 8, 0}, {a, 2, 4}}},
		{"middle grant reversed", []personOp{{a, 2, 0}, {a, 5, 0}, {a, 8, 0}, {a, 5, 9}}},
		{"last grant reversed on its date", []personOp{{a, 2, 0}, {a, 5, 0}, {a, 8, 0}, {a, 8, 8}}},
		{"only grant reversed", []personOp{{a, 4, 0}, {b, 4, 0}, {a, 4, 6}}},
		{"every grant reversed", []personOp{{a, 3, 0}, {a, 6, 0}, {a, 6, 7}, {a, 3, 9}}},
		{"same-date grants, one reversed", []personOp{{a, 5, 0}, {a, 5, 0}, {a, 5, 6}}},
		{"grant back-dated before a reversed one", []personOp{{a, 6, 0}, {a, 6, 7}, {a, 3, 0}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			x, benefs, grants := applyPersonOps(t, tc.ops)
			checkEveryPeriod(t, tc.name, x, benefs, grants, 1, 12)
		})
	}
}

// TestPersonIndexBetweenRandom checks between on every period after each of
// many random grants (often back-dated) and reversals of random grants.
func TestPersonIndexBetweenRandom(t *testing.T) {
	const days, people, steps = 20, 4, 60
	for seed := uint64(1); seed <= 20; seed++ {
		rng := rand.New(rand.NewPCG(seed, 7))
		var ops []personOp
		var open []personOp // grants not reversed yet
		for step := range steps {
			if len(open) > 0 && rng.IntN(5) == 0 {
				i := rng.IntN(len(open))
				g := open[i]
				open = append(open[:i], open[i+1:]...)
				ops = append(ops, personOp{g.b, g.date, g.date + domain.Date(rng.IntN(days-int(g.date)+1))})
			} else {
				g := personOp{domain.BeneficiaryID(fmt.Sprint("P", rng.IntN(people))), domain.Date(1 + rng.IntN(days)), 0}
				ops = append(ops, g)
				open = append(open, g)
			}
			if step%10 == 9 {
				x, benefs, grants := applyPersonOps(t, ops)
				checkEveryPeriod(t, fmt.Sprintf("seed %d step %d", seed, step), x, benefs, grants, 1, days)
			}
		}
	}
}

// TestPointSorter sorts grants as a checkpoint load does (counting sort
// for many grants over a few thousand days, a comparison sort otherwise)
// and compares with slices.Sort, reusing one sorter as a load does.
func TestPointSorter(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var ps pointSorter
	for _, tc := range []struct {
		name     string
		n        int
		from, to domain.Date
	}{
		{"few grants", minCountingSort - 1, 20240101, 20241231},
		{"many grants over seven years", 50_000, 20190101, 20251231},
		{"many grants on one date", 5000, 20250607, 20250607},
		{"fewer grants after more", minCountingSort + 1, 20200101, 20200131},
		{"dates too far apart to count", 5000, 10101, 99991231},
	} {
		t.Run(tc.name, func(t *testing.T) {
			date := func() uint64 { return uint64(tc.from) + uint64(rng.IntN(int(tc.to-tc.from)+1)) }
			ps.points = ps.points[:0]
			for range tc.n {
				d, prev := date(), uint64(0)
				if rng.IntN(3) > 0 {
					prev = min(d, date())
				}
				ps.points = append(ps.points, d<<32|prev)
			}
			want := slices.Clone(ps.points)
			slices.Sort(want)
			if got := ps.sort(); !slices.Equal(got, want) {
				t.Fatalf("sort() of %d grants differs from slices.Sort", tc.n)
			}
		})
	}
}
