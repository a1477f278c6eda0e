package projections

import (
	"cmp"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"testing"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// The breakdown's arrays have a line per assistance category: a category
// added to the domain must be given its line.
func TestBreakdownHasEveryCategory(t *testing.T) {
	if got, want := numAssistance, len(domain.AssistanceCategories); got != want {
		t.Fatalf("numAssistance = %d, want len(domain.AssistanceCategories) = %d", got, want)
	}
	if got, want := int(numLines), len(domain.ShelterKinds)+len(domain.AssistanceCategories)+1; got != want {
		t.Fatalf("numLines = %d, want %d (shelter kinds, categories, loans)", got, want)
	}
}

// The JSON of a breakdown names every category, in the domain's order, and
// reads back to the same figures.
func TestBreakdownJSON(t *testing.T) {
	var b Breakdown
	for i := range b.AssistanceGrants {
		b.AssistanceGrants[i] = Figure{Count: i + 1, Amount: domain.VNDFromInt64(int64(i) * 1_000_000), Persons: i}
	}
	b.ShelterGrants.Repair = Figure{Count: 3, Amount: domain.MustVND("99999999999999999999"), Persons: 2}
	b.Loans = Figure{Count: 1280, Amount: domain.VNDFromInt64(11_900_000_000), Persons: 1250}
	data, err := json.Marshal(&b)
	if err != nil {
		t.Fatal(err)
	}
	if got := string(b.AppendJSON(nil)); got != string(data) {
		t.Fatalf("AppendJSON = %s\nwant json.Marshal's %s", got, data)
	}
	var generic struct {
		AssistanceGrants map[string]json.RawMessage `json:"assistance_grants"`
	}
	if err := json.Unmarshal(data, &generic); err != nil {
		t.Fatal(err)
	}
	if got, want := len(generic.AssistanceGrants), len(domain.AssistanceCategories); got != want {
		t.Fatalf("assistance_grants has %d categories, want %d: %s", got, want, data)
	}
	var back Breakdown
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(&back)
	if string(again) != string(data) {
		t.Fatalf("round trip = %s\nwant %s", again, data)
	}
	if got := back.AssistanceGrants.Of(domain.AssistTetGift); got.Count != 5 {
		t.Fatalf("Of(tet_gift).Count = %d, want 5", got.Count)
	}
	if err := json.Unmarshal([]byte(`{"assistance_grants":{"lottery":{"count":1,"amount":"1","persons":1}}}`), &back); err == nil {
		t.Fatal("an unknown category was read without error")
	}
}

// The lines rebuilt after a checkpoint load are, entry for entry, the lines
// the live apply built: each fund's and each unit's running figures by
// date, and their reversals (in date order; within a date their order is
// not kept, nor used). The person indexes of the lines are compared by
// their answers in TestCheckpointRandomHistories.
func TestBreakdownRebuildIsLive(t *testing.T) {
	for seed := uint64(11); seed <= 12; seed++ {
		h := newCkptHistory(t, seed, 300)
		live := h.proj
		loaded := roundTrip(t, live)
		// A load leaves the lines to the first job or query.
		for id, f := range loaded.funds {
			if f.breakdown != (lineIndexes{}) || !f.bdPersonsPending.Load() {
				t.Fatalf("seed %d fund %s: lines built by the load, or not pending", seed, id)
			}
		}
		loaded.buildLinesNow()
		if lines := sameLines(t, fmt.Sprintf("seed %d", seed), live, loaded); lines < 10 {
			t.Fatalf("seed %d: the history has %d fund lines: too few to compare", seed, lines)
		}
	}
}

// sameLines fails t unless got's lines are live's, entry for entry: each
// fund's and each unit's running figures by date, and their reversals (in
// date order; within a date their order is not kept, nor used). It returns
// the number of fund lines compared.
func sameLines(t *testing.T, what string, live, got *Projections) int {
	t.Helper()
	same := func(what string, l, g *lineIndexes) {
		t.Helper()
		for line := range bdLine(numLines) {
			a, b := l[line], g[line]
			if (a == nil) != (b == nil) {
				t.Fatalf("%s line %d: live has it %v, the rebuild %v", what, line, a != nil, b != nil)
			}
			if a == nil {
				continue
			}
			if !reflect.DeepEqual(a.sums.dates, b.sums.dates) || !reflect.DeepEqual(a.sums.cum, b.sums.cum) {
				t.Fatalf("%s line %d sums:\n live    %v %v\n rebuilt %v %v", what, line, a.sums.dates, a.sums.cum, b.sums.dates, b.sums.cum)
			}
			ar, br := slices.Clone(a.revs), slices.Clone(b.revs)
			for _, r := range [][]bdRev{ar, br} {
				slices.SortFunc(r, func(x, y bdRev) int { return cmp.Or(cmp.Compare(x.rev, y.rev), cmp.Compare(x.orig, y.orig)) })
			}
			if !slices.Equal(ar, br) {
				t.Fatalf("%s line %d reversals:\n live    %v\n rebuilt %v", what, line, ar, br)
			}
		}
	}
	lines := 0
	for id, f := range live.funds {
		same(what+" fund "+id.String(), &f.breakdown, &got.funds[id].breakdown)
		for _, x := range f.breakdown {
			if x != nil {
				lines++
			}
		}
	}
	for id, u := range live.units {
		same(what+" unit "+string(id), &u.breakdown, &got.units[id].breakdown)
	}
	return lines
}

// The lines a load leaves are built a fund or unit per turn, with writes
// between the turns (buildLinesNow): a write meanwhile counts in the lines
// already built and in those built after it, never twice, never not at
// all, whatever fund or unit it lands on, and the funds and units opened
// meanwhile keep their own lines. Each answer equals a replay's.
func TestBreakdownLinesBuiltBetweenWrites(t *testing.T) {
	for seed := uint64(21); seed <= 24; seed++ {
		h := newCkptHistory(t, seed, 300)
		full := h.replay(len(h.events))
		k := len(h.events) / 3
		loaded := roundTrip(t, h.replay(k))
		if !loaded.bdLinesLater.Load() {
			t.Fatalf("seed %d: the load built the lines", seed)
		}
		turns := 0
		for i := k; i < len(h.events) || loaded.bdLinesLater.Load(); i++ {
			if i < len(h.events) {
				if err := loaded.applyStored(h.events[i : i+1]); err != nil {
					t.Fatalf("seed %d: apply %d: %v", seed, i, err)
				}
			}
			if loaded.bdLinesLater.Load() {
				loaded.mu.Lock()
				loaded.buildLinesTurn()
				loaded.mu.Unlock()
				turns++
			}
		}
		if turns < 5 || turns >= len(h.events)-k {
			t.Fatalf("seed %d: the lines took %d turns over %d writes: nothing was interleaved", seed, turns, len(h.events)-k)
		}
		sameLines(t, fmt.Sprintf("seed %d: lines built between writes", seed), full, loaded)
		sameAnswers(t, fmt.Sprintf("seed %d: lines built between writes vs replay", seed), h, loaded, full)
	}
}
