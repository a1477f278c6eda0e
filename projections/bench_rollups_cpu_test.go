//go:build linux

package projections_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/google/uuid"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
)

// Sizing of BenchmarkHistoryRollUpsCPU.
const (
	// cpuRounds is how many rounds each kind of query runs; a kind's
	// figure is the minimum and the median of its rounds.
	cpuRounds = 150
	// cpuFundRound, cpuProvinceRound and cpuRootRound are the queries of
	// one round of each scope: about a millisecond of work each.
	cpuFundRound, cpuProvinceRound, cpuRootRound = 256, 16, 4
	// envRollUps narrows the kinds of BenchmarkHistoryRollUpsCPU to those
	// with the breakdown ("with") or without it ("without").
	envRollUps = "WL_BENCH_ROLLUPS"
)

// threadCPU returns the CPU time the calling thread has used
// (CLOCK_THREAD_CPUTIME_ID): the time this machine's other processes
// take the core from it does not count.
func threadCPU(b *testing.B) time.Duration {
	const clockThreadCPUTimeID = 3
	var ts syscall.Timespec
	if _, _, e := syscall.Syscall(syscall.SYS_CLOCK_GETTIME, clockThreadCPUTimeID, uintptr(unsafe.Pointer(&ts)), 0); e != 0 {
		b.Fatalf("clock_gettime(CLOCK_THREAD_CPUTIME_ID) = %v", e)
	}
	return time.Duration(ts.Nano())
}

// BenchmarkHistoryRollUpsCPU compares the roll-ups of a history by the CPU
// time of the querying thread rather than the wall clock, for a shared,
// noisy machine (docs/performance.md, issue 13's comparison with the
// morning's a724852): a fund summary as of a random date, and a province's
// and the root's roll-up over a random period, to a random date, to the
// last day and over the last year so far — each with its breakdown and,
// after all of those, without it (FundSummaryWithoutBreakdown,
// UnitSummaryWithoutBreakdownInto), in the same order, so that no query
// finds its entries in the cache from the same query just before. The
// kinds take turns round by round, so that a swing of the load falls on
// all; each prints the minimum and the median, over its rounds, of the
// CPU time and of the wall time per query. The file runs as it is in a
// worktree of a commit without the breakdown (it then prints the kinds
// with it only, which are that commit's roll-ups). WL_BENCH_ROLLUPS=without
// runs the kinds without the breakdown only, and =with those with it only:
// against a commit without the breakdown, the same queries then take turns
// with the same others, which share the caches. WL_BENCH_KIND, a regular
// expression, keeps the kinds whose names it matches, and
// WL_BENCH_QUERYPROFILE names a file for a CPU profile of the queries
// alone, without the replay that builds the history (a profile of the
// whole run is mostly that replay). Run it with -cpu 1 -benchtime 1x (more
// for a profile).
func BenchmarkHistoryRollUpsCPU(b *testing.B) {
	h := sharedHistory(b)
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	type query struct {
		unit     domain.UnitID
		fund     uuid.UUID
		from, to domain.Date
	}
	type kind struct {
		name string
		per  int // queries a round
		gen  func(rng *rand.Rand) query
		run  func(q query) bool
	}
	var sum projections.UnitSummary
	fundQuery := func(rng *rand.Rand) query {
		return query{fund: h.sum.Funds[rng.IntN(len(h.sum.Funds))], to: randomDate(rng, h.sum.Spec.From, h.sum.Last)}
	}
	unitQuery := func(units []domain.UnitID, span string) func(rng *rand.Rand) query {
		return func(rng *rand.Rand) query {
			q := query{unit: units[rng.IntN(len(units))]}
			switch span {
			case "period":
				q.from, q.to = randomPeriod(rng, h.sum.Spec.From, h.sum.Last)
			case "to-date":
				q.to = randomDate(rng, h.sum.Spec.From, h.sum.Last)
			case "now":
				q.to = h.sum.Last
			case "this-year":
				q.from, q.to = domain.Date(h.sum.Last.Year()*10000+101), h.sum.Last
			}
			return q
		}
	}
	kinds := []kind{{"fund/as-of", cpuFundRound, fundQuery, func(q query) bool {
		_, ok := h.proj.FundSummary(q.fund, q.to)
		return ok
	}}}
	var withouts []kind
	if w, ok := any(h.proj).(interface {
		FundSummaryWithoutBreakdown(uuid.UUID, domain.Date) (projections.FundSummary, bool)
	}); ok {
		withouts = append(withouts, kind{"fund/as-of/without", cpuFundRound, fundQuery, func(q query) bool {
			_, ok := w.FundSummaryWithoutBreakdown(q.fund, q.to)
			return ok
		}})
	}
	for _, sc := range []struct {
		name  string
		units []domain.UnitID
		per   int
	}{{"province", h.sum.Provinces, cpuProvinceRound}, {"root", []domain.UnitID{h.sum.Root}, cpuRootRound}} {
		for _, span := range []string{"period", "to-date", "now", "this-year"} {
			kinds = append(kinds, kind{sc.name + "/" + span, sc.per, unitQuery(sc.units, span), func(q query) bool {
				return h.proj.UnitSummaryInto(&sum, q.unit, q.from, q.to)
			}})
			if w, ok := any(h.proj).(interface {
				UnitSummaryWithoutBreakdownInto(*projections.UnitSummary, domain.UnitID, domain.Date, domain.Date) bool
			}); ok {
				withouts = append(withouts, kind{sc.name + "/" + span + "/without", sc.per, unitQuery(sc.units, span), func(q query) bool {
					return w.UnitSummaryWithoutBreakdownInto(&sum, q.unit, q.from, q.to)
				}})
			}
		}
	}
	switch os.Getenv(envRollUps) {
	case "with":
	case "without":
		if len(withouts) > 0 { // else kinds are a commit's without it
			kinds = withouts
		}
	default:
		kinds = append(kinds, withouts...)
	}
	if re := os.Getenv("WL_BENCH_KIND"); re != "" {
		m := regexp.MustCompile(re)
		kinds = slices.DeleteFunc(kinds, func(k kind) bool { return !m.MatchString(k.name) })
	}
	// A scope's first breakdown after a checkpoint load builds its
	// lines' persons (BenchmarkHistoryFirstBreakdown): each once first.
	for _, id := range h.sum.Funds {
		h.proj.FundSummary(id, 0)
	}
	for _, u := range append(slices.Clone(h.sum.Provinces), h.sum.Root) {
		h.proj.UnitSummaryInto(&sum, u, 0, h.sum.Last)
	}
	qs := make([][]query, len(kinds))
	for i, k := range kinds {
		rng := rand.New(rand.NewPCG(3, 4))
		qs[i] = make([]query, queryMix)
		for j := range qs[i] {
			qs[i][j] = k.gen(rng)
		}
	}
	cpu, wall := make([][]time.Duration, len(kinds)), make([][]time.Duration, len(kinds))
	if path := os.Getenv("WL_BENCH_QUERYPROFILE"); path != "" {
		pf, err := os.Create(path)
		if err != nil {
			b.Fatal(err)
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			b.Fatal(err)
		}
		defer pprof.StopCPUProfile()
	}
	b.ResetTimer()
	for range b.N {
		for r := range cpuRounds {
			for i, k := range kinds {
				first := r * k.per
				c0, w0 := threadCPU(b), time.Now()
				for j := range k.per {
					if !k.run(qs[i][(first+j)%queryMix]) {
						b.Fatalf("%s: query %d not found", k.name, (first+j)%queryMix)
					}
				}
				c1, w1 := threadCPU(b), time.Now()
				cpu[i] = append(cpu[i], (c1-c0)/time.Duration(k.per))
				wall[i] = append(wall[i], w1.Sub(w0)/time.Duration(k.per))
			}
		}
	}
	b.StopTimer()
	for i, k := range kinds {
		c, w := cpu[i], wall[i]
		slices.Sort(c)
		slices.Sort(w)
		fmt.Printf("%-30s CPU min %9d med %9d ns/query; wall min %9d med %9d ns/query\n",
			k.name, c[0].Nanoseconds(), c[len(c)/2].Nanoseconds(), w[0].Nanoseconds(), w[len(w)/2].Nanoseconds())
	}
}
