// Command gen generates a benchmark history (see package benchdata) and
// reports how long it took:
//
//	go run ./internal/benchdata/gen -events 10000000
//
// The file goes to $WL_BENCH_LEDGER or benchdata.DefaultPath, and is reused
// if a complete history of the same spec is already there.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"runtime/pprof"

	"github.com/welfare-ledger/welfare-ledger/internal/benchdata"
)

func main() {
	events := flag.Int("events", 200_000, "total events of the history")
	seed := flag.Uint64("seed", 1, "random seed")
	path := flag.String("path", "", "ledger file (default $"+benchdata.EnvLedger+" or a file in the temp dir)")
	cpuprofile := flag.String("cpuprofile", "", "write a CPU profile to this file")
	flag.Parse()
	if *cpuprofile != "" {
		f, err := os.Create(*cpuprofile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			fmt.Fprintln(os.Stderr, "gen:", err)
			os.Exit(1)
		}
		defer pprof.StopCPUProfile()
	}
	spec := benchdata.DefaultSpec(*events)
	spec.Seed = *seed
	if *path == "" {
		*path = benchdata.DefaultPath(spec)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	sum, reused, err := benchdata.Ensure(ctx, *path, spec)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		return
	}
	if reused {
		fmt.Printf("%s: reused (generated earlier in %s)\n", *path, sum.Elapsed)
		return
	}
	fmt.Printf("%s: %d events (%d units, %d funds) in %s: %.0f events/s\n", *path, sum.Events, sum.Units, len(sum.Funds),
		sum.Elapsed.Round(1e7), float64(sum.Events)/sum.Elapsed.Seconds())
	for t, n := range sum.Types {
		fmt.Printf("  %-20s %9d\n", t, n)
	}
}
