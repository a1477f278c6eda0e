//go:build unix

package projections_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"runtime"
	"runtime/debug"
	"syscall"
	"testing"
	"time"

	"github.com/welfare-ledger/welfare-ledger/internal/benchdata"
	"github.com/welfare-ledger/welfare-ledger/projections"
	"github.com/welfare-ledger/welfare-ledger/store/embedded"
)

// processCPU returns the CPU time the process has used: user and system,
// and user alone (the system time of a load is mostly the kernel zeroing
// the pages of a fresh heap, which moves between the two with the heap's
// reuse).
func processCPU() (total, user time.Duration) {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0, 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), time.Duration(ru.Utime.Nano())
}

// BenchmarkHistoryCheckpointLoad measures a start from the checkpoint of
// WL_BENCH_CKPT as serve makes it: opening the ledger of WL_BENCH_LEDGER,
// loading the checkpoint and running the projections until they are
// ready, as wall time and as the process's CPU time (all cores), the
// least of b.N starts: on a shared machine the least is the one the other
// processes disturbed least. The heap of the previous start is returned
// to the system first. It is tools/startup/measure.sh without the HTTP
// server, in a test binary that a profile can be taken of
// (-cpuprofile); run it with -benchtime 3x at 10 M.
func BenchmarkHistoryCheckpointLoad(b *testing.B) {
	ckpt := os.Getenv(envCkpt)
	if ckpt == "" {
		b.Skip("no checkpoint: set " + envCkpt + " and " + benchdata.EnvLedger)
	}
	path := os.Getenv(benchdata.EnvLedger)
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	best := struct{ wall, cpu, user time.Duration }{1 << 62, 1 << 62, 1 << 62}
	for range b.N {
		runtime.GC()
		debug.FreeOSMemory()
		cpu0, user0 := processCPU()
		start := time.Now()
		st, err := embedded.Open(path)
		if err != nil {
			b.Fatalf("embedded.Open(%s) = %v", path, err)
		}
		p, err := projections.Load(context.Background(), st, ckpt, quiet)
		if err != nil {
			b.Fatalf("projections.Load(%s) = %v", ckpt, err)
		}
		if p.Position() == 0 {
			b.Fatalf("projections.Load(%s) did not load the checkpoint", ckpt)
		}
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error, 1)
		go func() { done <- projections.Run(ctx, st, p, quiet) }()
		for !p.Ready() {
			select {
			case err := <-done:
				b.Fatalf("projections.Run() = %v before ready", err)
			case <-time.After(time.Millisecond):
			}
		}
		wall := time.Since(start)
		cpu, user := processCPU()
		best.wall, best.cpu, best.user = min(best.wall, wall), min(best.cpu, cpu-cpu0), min(best.user, user-user0)
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			b.Fatalf("projections.Run() = %v", err)
		}
		if err := st.Close(); err != nil {
			b.Fatalf("store.Close() = %v", err)
		}
	}
	b.ReportMetric(best.wall.Seconds(), "s-to-ready")
	b.ReportMetric(best.cpu.Seconds(), "cpu-s")
	b.ReportMetric(best.user.Seconds(), "user-s")
	b.ReportMetric(0, "ns/op")
}
