package projections

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/welfare-ledger/welfare-ledger/internal/benchlog"
	"github.com/welfare-ledger/welfare-ledger/store/embedded"
)

// BenchmarkVerify measures a verification of a SQLite ledger of
// WL_VERIFY_EVENTS events (default 200,000) against its baseline in the
// same run: the replay of the same log into empty projections (what a
// start without a checkpoint does), which a verification does too, beside
// the hash links and the comparison. "ratio" is verify time over replay
// time.
func BenchmarkVerify(b *testing.B) {
	n := 200_000
	if s := os.Getenv("WL_VERIFY_EVENTS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil {
			b.Fatalf("WL_VERIFY_EVENTS=%q: %v", s, err)
		}
		n = v
	}
	log, err := benchlog.Generate(n)
	if err != nil {
		b.Fatal(err)
	}
	st, err := embedded.Open(filepath.Join(b.TempDir(), "ledger.db"))
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	appendInterleaved(b, st, log)
	log = nil
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	live := runUntilReady(b, st, New(), quiet)

	var replay, verify time.Duration
	for b.Loop() {
		t0 := time.Now()
		runUntilReady(b, st, New(), quiet)
		t1 := time.Now()
		r, err := Verify(context.Background(), st, live, nil)
		verify, replay = verify+time.Since(t1), replay+t1.Sub(t0)
		if err != nil || !r.OK || r.EventsChecked != uint64(n) {
			b.Fatalf("Verify = %+v, %v; want ok with %d events", r, err, n)
		}
	}
	per := func(d time.Duration) float64 { return d.Seconds() / float64(b.N) }
	b.ReportMetric(per(replay), "replay-s")
	b.ReportMetric(per(verify), "verify-s")
	b.ReportMetric(float64(n)/per(verify), "verify-events/s")
	b.ReportMetric(verify.Seconds()/replay.Seconds(), "ratio")
	b.ReportMetric(0, "ns/op")
}
