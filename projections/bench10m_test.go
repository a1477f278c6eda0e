package projections_test

import (
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/internal/benchdata"
	"github.com/welfare-ledger/welfare-ledger/projections"
	"github.com/welfare-ledger/welfare-ledger/store/embedded"
)

// Sizing of the history benchmarks. They need a generated ledger file
// (internal/benchdata), so they run only when asked for: WL_BENCH_10M=1
// for DESIGN.md's 10 M events, WL_BENCH_EVENTS=n for another size, or a
// -bench pattern that names them ("History") for the default size.
// WL_BENCH_LEDGER sets the file (see benchdata.DefaultPath); it is kept and
// reused across runs.
const (
	envEvents            = "WL_BENCH_EVENTS"
	env10M               = "WL_BENCH_10M"
	defaultHistoryEvents = 200_000
	tenMillion           = 10_000_000
	// readyLimit bounds the wait for the projections to catch up.
	readyLimit = time.Hour
	// queryMix is the number of random queries a query benchmark cycles
	// through.
	queryMix = 1024
	// envCkpt names a projections checkpoint of the ledger (one that
	// `serve --data DIR` wrote on a graceful stop, with WL_BENCH_LEDGER
	// set to DIR/ledger.db): the query benchmarks then load it and catch
	// up, as serve starts, instead of replaying the whole log (minutes at
	// 10 M). BenchmarkHistoryStartUp always replays.
	envCkpt = "WL_BENCH_CKPT"
)

// historySize returns the number of events to benchmark on, or skips.
func historySize(b *testing.B) int {
	b.Helper()
	if os.Getenv(env10M) == "1" {
		return tenMillion
	}
	if v := os.Getenv(envEvents); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n <= 0 {
			b.Fatalf("%s=%q: want a positive number of events", envEvents, v)
		}
		return n
	}
	if f := flag.Lookup("test.bench"); f == nil || !strings.Contains(f.Value.String(), "History") {
		b.Skipf("history benchmarks need a generated ledger: set %s=1 or %s=n, or select them with -bench History", env10M, envEvents)
	}
	return defaultHistoryEvents
}

// history is a generated ledger and projections replayed from it.
type history struct {
	sum  benchdata.Summary
	path string
	proj *projections.Projections
}

var shared struct {
	mu sync.Mutex
	h  *history
}

// ensureHistory generates the ledger file for n events unless it exists.
func ensureHistory(b *testing.B, n int) (benchdata.Summary, string) {
	b.Helper()
	spec := benchdata.DefaultSpec(n)
	path := benchdata.DefaultPath(spec)
	sum, reused, err := benchdata.Ensure(context.Background(), path, spec)
	if err != nil {
		b.Fatalf("benchdata.Ensure(%s) = %v", path, err)
	}
	if sum.Last.IsZero() { // a summary written before Last existed
		sum.Last = sum.Spec.To
	}
	if reused {
		b.Logf("history %s: %d events, reused (generated in %s)", path, sum.Events, sum.Elapsed.Round(time.Second))
	} else {
		b.Logf("history %s: %d events generated in %s (%.0f events/s)", path, sum.Events, sum.Elapsed.Round(time.Second),
			float64(sum.Events)/sum.Elapsed.Seconds())
	}
	return sum, path
}

// startUp opens the ledger file and replays it into new projections until
// they are ready, as serve does without a checkpoint. It returns the
// projections, the wall time and the heap the projections hold (HeapAlloc
// after a GC, with the store closed, minus HeapAlloc before).
func startUp(b *testing.B, path, ckpt string, events int) (*projections.Projections, time.Duration, uint64) {
	b.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start := time.Now()
	st, err := embedded.Open(path)
	if err != nil {
		b.Fatalf("embedded.Open(%s) = %v", path, err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	p := projections.New()
	if ckpt != "" {
		if p, err = projections.Load(context.Background(), st, ckpt, slog.New(slog.NewTextHandler(os.Stderr, nil))); err != nil {
			b.Fatalf("projections.Load(%s) = %v", ckpt, err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- projections.Run(ctx, st, p, log) }()
	deadline := time.Now().Add(readyLimit)
	for !p.Ready() {
		select {
		case err := <-done:
			b.Fatalf("projections.Run() = %v before ready", err)
		case <-time.After(time.Millisecond):
		}
		if time.Now().After(deadline) {
			b.Fatalf("projections not ready after %v", readyLimit)
		}
	}
	elapsed := time.Since(start)
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		b.Fatalf("projections.Run() = %v", err)
	}
	if err := st.Close(); err != nil {
		b.Fatalf("store.Close() = %v", err)
	}
	// serve adds its admin token to a ledger it starts on: a data
	// directory's log may hold a few events more than the history.
	if got := p.Position(); got < domain.Position(events) {
		b.Fatalf("projections at position %d after replay, want %d", got, events)
	}
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&after)
	runtime.KeepAlive(p)
	var held uint64
	if after.HeapAlloc > before.HeapAlloc {
		held = after.HeapAlloc - before.HeapAlloc
	}
	return p, elapsed, held
}

// sharedHistory returns the history the query benchmarks share, replaying
// it once per process.
func sharedHistory(b *testing.B) *history {
	b.Helper()
	n := historySize(b)
	shared.mu.Lock()
	defer shared.mu.Unlock()
	if shared.h != nil && shared.h.sum.Events == n {
		return shared.h
	}
	shared.h = nil
	sum, path := ensureHistory(b, n)
	ckpt := os.Getenv(envCkpt)
	p, elapsed, held := startUp(b, path, ckpt, sum.Events)
	how := "replayed"
	if ckpt != "" {
		how = "loaded " + ckpt + " and caught up"
	}
	b.Logf("%s %d events in %s; projections hold %.0f bytes/event", how, sum.Events, elapsed.Round(time.Millisecond),
		float64(held)/float64(sum.Events))
	shared.h = &history{sum: sum, path: path, proj: p}
	return shared.h
}

// BenchmarkHistoryStartUp measures start-up without a checkpoint: opening
// the ledger file and replaying the whole log into the projections until
// they are ready. It reports the events/s of the replay, the start-up time
// (DESIGN.md: serving within 15 s at 10 M events) and the heap the
// projections hold per event of history (DESIGN.md: < 200 bytes). Run it
// with -benchtime 1x at 10 M.
func BenchmarkHistoryStartUp(b *testing.B) {
	n := historySize(b)
	sum, path := ensureHistory(b, n)
	var total time.Duration
	var held uint64
	var last *projections.Projections
	b.ResetTimer()
	for range b.N {
		var elapsed time.Duration
		last = nil // let the previous replay's projections go before measuring
		last, elapsed, held = startUp(b, path, "", sum.Events)
		total += elapsed
	}
	b.StopTimer()
	perRun := total / time.Duration(b.N)
	b.ReportMetric(float64(sum.Events)/perRun.Seconds(), "events/s")
	b.ReportMetric(perRun.Seconds(), "s/start-up")
	b.ReportMetric(float64(held)/float64(sum.Events), "heap-bytes/event")
	shared.mu.Lock()
	if shared.h == nil {
		shared.h = &history{sum: sum, path: path, proj: last}
	}
	shared.mu.Unlock()
}

// randomDate returns a business date in [from, to].
func randomDate(rng *rand.Rand, from, to domain.Date) domain.Date {
	f := time.Date(from.Year(), time.Month(int(from)/100%100), int(from)%100, 12, 0, 0, 0, domain.VietnamZone)
	t := time.Date(to.Year(), time.Month(int(to)/100%100), int(to)%100, 12, 0, 0, 0, domain.VietnamZone)
	days := int(t.Sub(f).Hours() / 24)
	return domain.DateOf(f.AddDate(0, 0, rng.IntN(days+1)))
}

// randomPeriod returns [from, to] of 1 to 366 days inside the history.
func randomPeriod(rng *rand.Rand, first, last domain.Date) (domain.Date, domain.Date) {
	from := randomDate(rng, first, last)
	f := time.Date(from.Year(), time.Month(int(from)/100%100), int(from)%100, 12, 0, 0, 0, domain.VietnamZone)
	to := domain.DateOf(f.AddDate(0, 0, rng.IntN(366)))
	return from, min(to, last)
}

// BenchmarkHistoryFundSummaryAsOf measures FundSummary at a random past
// date on a random fund of the history (DESIGN.md: < 100 µs at 10 M
// events).
func BenchmarkHistoryFundSummaryAsOf(b *testing.B) {
	h := sharedHistory(b)
	rng := rand.New(rand.NewPCG(1, 2))
	type query struct {
		fund int
		asOf domain.Date
	}
	qs := make([]query, queryMix)
	for i := range qs {
		qs[i] = query{rng.IntN(len(h.sum.Funds)), randomDate(rng, h.sum.Spec.From, h.sum.Last)}
	}
	// A fund's first breakdown after a checkpoint load builds its lines'
	// persons (BenchmarkHistoryFirstBreakdown measures it): ask each once
	// before timing.
	for _, id := range h.sum.Funds {
		h.proj.FundSummary(id, 0)
	}
	i := 0
	for b.Loop() {
		q := qs[i%queryMix]
		if _, ok := h.proj.FundSummary(h.sum.Funds[q.fund], q.asOf); !ok {
			b.Fatalf("FundSummary(%s) not found", h.sum.Funds[q.fund])
		}
		i++
	}
}

// BenchmarkHistoryUnitSummary measures unit roll-ups over random periods
// (1 to 366 days) and, for "to-date", from the beginning to a random date:
// for a random province (a fifth of the funds) and for the root (every
// fund). DESIGN.md: < 100 µs at 10 M events.
func BenchmarkHistoryUnitSummary(b *testing.B) {
	h := sharedHistory(b)
	// The periods asked: a random one of 1–366 days; from the beginning to
	// a random date; and the two an official asks most, with the history's
	// last day standing for today — everything to date (the default of GET
	// /v1/units/{id}/summary) and the current year so far.
	type span int
	const (
		period span = iota
		toDate
		now
		thisYear
	)
	for _, tc := range []struct {
		name  string
		units []domain.UnitID
		span  span
	}{
		{"province/period", h.sum.Provinces, period},
		{"province/to-date", h.sum.Provinces, toDate},
		{"province/now", h.sum.Provinces, now},
		{"province/this-year", h.sum.Provinces, thisYear},
		{"root/period", []domain.UnitID{h.sum.Root}, period},
		{"root/to-date", []domain.UnitID{h.sum.Root}, toDate},
		{"root/now", []domain.UnitID{h.sum.Root}, now},
		{"root/this-year", []domain.UnitID{h.sum.Root}, thisYear},
	} {
		b.Run(tc.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(3, 4))
			type query struct {
				unit     domain.UnitID
				from, to domain.Date
			}
			qs := make([]query, queryMix)
			for i := range qs {
				q := query{unit: tc.units[rng.IntN(len(tc.units))]}
				switch tc.span {
				case period:
					q.from, q.to = randomPeriod(rng, h.sum.Spec.From, h.sum.Last)
				case toDate:
					q.to = randomDate(rng, h.sum.Spec.From, h.sum.Last)
				case now:
					q.to = h.sum.Last
				case thisYear:
					q.from, q.to = domain.Date(h.sum.Last.Year()*10000+101), h.sum.Last
				}
				qs[i] = q
			}
			// Into one summary, as the API's handler reuses its own.
			// Each unit is asked once before timing: its first
			// breakdown after a checkpoint load builds its lines'
			// persons (see BenchmarkHistoryFirstBreakdown).
			var sum projections.UnitSummary
			for _, u := range tc.units {
				h.proj.UnitSummaryInto(&sum, u, 0, h.sum.Last)
			}
			i := 0
			for b.Loop() {
				q := qs[i%queryMix]
				if !h.proj.UnitSummaryInto(&sum, q.unit, q.from, q.to) {
					b.Fatalf("UnitSummary(%s) not found", q.unit)
				}
				i++
			}
		})
	}
}

// BenchmarkHistoryFirstBreakdown measures, on projections just loaded from
// the checkpoint of WL_BENCH_CKPT, the first summary with its breakdown of
// a fund, of a province and of the root: each builds its breakdown lines'
// person indexes, which a load leaves for the first query. Run it with
// -benchtime 1x at 10 M; without a checkpoint nothing is left to build.
func BenchmarkHistoryFirstBreakdown(b *testing.B) {
	n := historySize(b)
	sum, path := ensureHistory(b, n)
	ckpt := os.Getenv(envCkpt)
	if ckpt == "" {
		b.Skip("no checkpoint: set " + envCkpt)
	}
	var fund, province, root time.Duration
	for range b.N {
		p, _, _ := startUp(b, path, ckpt, sum.Events)
		var s projections.UnitSummary
		t0 := time.Now()
		if _, ok := p.FundSummary(sum.Funds[0], 0); !ok {
			b.Fatalf("FundSummary(%s) not found", sum.Funds[0])
		}
		t1 := time.Now()
		if !p.UnitSummaryInto(&s, sum.Provinces[0], 0, sum.Last) {
			b.Fatalf("UnitSummary(%s) not found", sum.Provinces[0])
		}
		t2 := time.Now()
		if !p.UnitSummaryInto(&s, sum.Root, 0, sum.Last) {
			b.Fatalf("UnitSummary(%s) not found", sum.Root)
		}
		t3 := time.Now()
		fund, province, root = fund+t1.Sub(t0), province+t2.Sub(t1), root+t3.Sub(t2)
	}
	b.ReportMetric(fund.Seconds()/float64(b.N), "s/fund-first")
	b.ReportMetric(province.Seconds()/float64(b.N), "s/province-first")
	b.ReportMetric(root.Seconds()/float64(b.N), "s/root-first")
}
