package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// TestBenchInProcess runs the whole bench command against its own
// in-process server: set-up, load, report and verification.
func TestBenchInProcess(t *testing.T) {
	var out, errOut bytes.Buffer
	args := []string{"bench", "--duration", "2s", "--warmup", "200ms", "--clients", "8", "--districts", "1"}
	if err := run(context.Background(), args, func(string) string { return "" }, &out, &errOut); err != nil {
		t.Fatalf("run(%q) = %v\nstdout:\n%s\nstderr:\n%s", args, err, &out, &errOut)
	}
	summary := regexp.MustCompile(`(?m)^bench: 8 clients 2s: ([0-9,]+) writes/s p99 [0-9.]+ms, ([0-9,]+) reads/s, 0 errors, figures verified \(7 funds\)$`)
	m := summary.FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("bench printed:\n%s\nwant a summary line matching %s", &out, summary)
	}
	if m[1] == "0" || m[2] == "0" {
		t.Errorf("bench summary %q: want writes and reads above 0", m[0])
	}
	for _, op := range opNames {
		if !regexp.MustCompile(`(?m)^ +` + op + ` +[0-9,]+ `).MatchString(out.String()) {
			t.Errorf("bench printed no line for %s:\n%s", op, &out)
		}
	}
	// The server's own counters, read from /metrics around the load.
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^store: [1-9][0-9,]* appends in [1-9][0-9,]* commits \([0-9.]+ per commit\)$`),
		regexp.MustCompile(`(?m)^cpu: process \(server and the bench's clients\) [0-9.]+ s for [1-9][0-9,]* requests: [1-9][0-9]* µs per request$`),
	} {
		if !want.MatchString(out.String()) {
			t.Errorf("bench printed:\n%s\nwant a line matching %s", &out, want)
		}
	}
}

// TestParseCounters reads the bench's series out of the Prometheus text
// format and refuses a scrape that lacks one or garbles its value.
func TestParseCounters(t *testing.T) {
	const complete = `# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.
# TYPE process_cpu_seconds_total counter
process_cpu_seconds_total 12.5
welfare_ledger_store_batch_appends_bucket{le="1"} 3
welfare_ledger_store_batch_appends_sum 4200
welfare_ledger_store_batch_appends_count 600
welfare_ledger_http_requests_total{method="GET",route="/healthz",status="200"} 7
`
	for _, tc := range []struct {
		name    string
		body    string
		want    serverCounters
		wantErr string
	}{
		{"every series", complete, serverCounters{cpuSeconds: 12.5, appends: 4200, commits: 600}, ""},
		{"exponent notation", strings.Replace(complete, "12.5", "1.25e+01", 1), serverCounters{cpuSeconds: 12.5, appends: 4200, commits: 600}, ""},
		{"no process collector", strings.Replace(complete, "process_cpu_seconds_total 12.5\n", "", 1), serverCounters{}, "does not export process_cpu_seconds_total"},
		{"no commit count", strings.Replace(complete, "welfare_ledger_store_batch_appends_count 600\n", "", 1), serverCounters{}, "does not export welfare_ledger_store_batch_appends_count"},
		{"garbled value", strings.Replace(complete, "4200", "lots", 1), serverCounters{}, `welfare_ledger_store_batch_appends_sum has the value "lots"`},
		{"empty", "", serverCounters{}, "does not export"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseCounters([]byte(tc.body))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("parseCounters = %+v, %v; want an error containing %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("parseCounters = %+v, %v; want %+v, nil", got, err, tc.want)
			}
		})
	}
}

// TestServerReport: appends per commit and CPU per request come from the
// differences of two scrapes.
func TestServerReport(t *testing.T) {
	before := serverCounters{cpuSeconds: 10, appends: 100, commits: 50}
	after := serverCounters{cpuSeconds: 13, appends: 1100, commits: 250}
	got := serverReport(before, after, 10000, false)
	want := "store: 1,000 appends in 200 commits (5.0 per commit)\ncpu: server 3.0 s for 10,000 requests: 300 µs per request\n"
	if got != want {
		t.Errorf("serverReport = %q, want %q", got, want)
	}
	if got := serverReport(before, before, 0, true); got != "" {
		t.Errorf("serverReport of an idle interval = %q, want nothing", got)
	}
}

// TestBenchVerifyCatchesMismatch loads a real server briefly, checks that
// the verification passes on the true model, then that it reports each kind

// maxLoadRounds bounds the load rounds of TestBenchVerifyCatchesMismatch.
const maxLoadRounds = 20

// firstStandingGrant returns the index in txs of the first grant that is
// not reversed, or -1.
func firstStandingGrant(txs []ackedTx) int {
	reversed := map[[16]byte]bool{}
	for _, tx := range txs {
		if tx.kind == kindReversal {
			reversed[tx.target] = true
		}
	}
	for i, tx := range txs {
		if (tx.kind == kindShelter || tx.kind == kindAssistance) && !reversed[tx.id] {
			return i
		}
	}
	return -1
}

// of wrong expectation.
func TestBenchVerifyCatchesMismatch(t *testing.T) {
	ctx := context.Background()
	srv, err := startInProcess(ctx, t.TempDir(), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.stop(); err != nil {
			t.Errorf("stop: %v", err)
		}
	})
	c := newBenchClient(srv.base, srv.token, 4)
	defer c.close()
	if err := waitReady(ctx, c); err != nil {
		t.Fatal(err)
	}
	w, err := setUp(ctx, c, 0)
	if err != nil {
		t.Fatal(err)
	}
	mix, err := parseMix(defaultBenchMix)
	if err != nil {
		t.Fatal(err)
	}
	// The social fund takes donations and grants; each case tampers with
	// a copy of its acknowledged writes, one of which must be a grant that
	// stands: the load runs again until it has recorded one (a loaded
	// machine may record none in one round).
	social := w.byOp[opShelter][0]
	var txs []ackedTx
	firstGrant := -1 // the first grant that stands
	for round := 0; firstGrant < 0; round++ {
		if round == maxLoadRounds {
			t.Fatalf("the load recorded no standing grant in fund %s in %d rounds", social.id, maxLoadRounds)
		}
		res := w.load(ctx, c, benchConfig{clients: 4, duration: 500 * time.Millisecond, mix: mix})
		if res.errors() > 0 {
			t.Fatalf("load: %d errors: %v", res.errors(), res.samples)
		}
		txs = social.snapshot()
		firstGrant = firstStandingGrant(txs)
	}
	asOfs := []domain.Date{w.dates[benchDays/2]}
	if _, err := verifyFunds(ctx, c, w.funds, asOfs); err != nil {
		t.Fatalf("verifyFunds on the true model = %v, want nil", err)
	}
	tests := []struct {
		name   string
		tamper func([]ackedTx) []ackedTx
		want   []string // in the error
	}{
		{"an extra donation", func(txs []ackedTx) []ackedTx {
			return append(txs, ackedTx{id: domain.NewID(), kind: kindDonation, amount: domain.VNDFromInt64(1000), date: w.dates[1]})
		}, []string{"as_of today: balance", "totals.donations", "counts.donations"}},
		{"a grant missing", func(txs []ackedTx) []ackedTx {
			return append(txs[:firstGrant:firstGrant], txs[firstGrant+1:]...)
		}, []string{"balance", "beneficiaries.times"}},
		{"a reversal that never happened", func(txs []ackedTx) []ackedTx {
			return append(txs, ackedTx{id: domain.NewID(), kind: kindReversal, target: txs[firstGrant].id, date: txs[firstGrant].date})
		}, []string{"counts.reversals = ", "beneficiaries.times"}},
		{"a wrong amount", func(txs []ackedTx) []ackedTx {
			txs[firstGrant].amount = txs[firstGrant].amount.Add(domain.VNDFromInt64(1))
			return txs
		}, []string{"balance = ", "capital = "}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fake := newFundModel(social.id, social.unit, social.kind)
			fake.txs = tc.tamper(append([]ackedTx(nil), txs...))
			_, err := verifyFunds(ctx, c, []*fundModel{fake}, asOfs)
			if err == nil {
				t.Fatal("verifyFunds with a tampered model = nil, want a mismatch")
			}
			for _, want := range tc.want {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("verifyFunds error:\n%v\nwant it to contain %q", err, want)
				}
			}
		})
	}
}

func TestBenchCommandLine(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"zero clients", []string{"--clients", "0"}, "--clients must be"},
		{"negative duration", []string{"--duration", "-1s"}, "--duration must be positive"},
		{"unknown mix operation", []string{"--mix", "donation=1,teleport=2"}, `unknown operation`},
		{"mix without weights", []string{"--mix", "donation=0"}, "no operation with a weight"},
		{"mix entry without weight", []string{"--mix", "donation"}, "not name=weight"},
		{"data with url", []string{"--url", "http://127.0.0.1:1", "--data", "x"}, "cannot go with --url"},
		{"extra argument", []string{"now"}, "unexpected arguments"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := run(context.Background(), append([]string{"bench"}, tc.args...), func(string) string { return "" }, &out, &out)
			if !errors.Is(err, errUsage) {
				t.Fatalf("bench %q = %v, want %v", tc.args, err, errUsage)
			}
			if !strings.Contains(out.String(), tc.want) {
				t.Errorf("bench %q printed %q, want it to contain %q", tc.args, out.String(), tc.want)
			}
		})
	}
}

func TestSummarizePercentiles(t *testing.T) {
	ds := make([]time.Duration, 0, 1000)
	for i := 1000; i >= 1; i-- { // reversed: summarize must sort
		ds = append(ds, time.Duration(i)*time.Millisecond)
	}
	got := summarize(ds)
	want := latencySummary{p50: 500 * time.Millisecond, p99: 990 * time.Millisecond, max: 1000 * time.Millisecond}
	if got != want {
		t.Errorf("summarize(1..1000 ms) = %+v, want %+v", got, want)
	}
	if got := summarize(nil); got != (latencySummary{}) {
		t.Errorf("summarize(nil) = %+v, want zero", got)
	}
}

func TestGrouped(t *testing.T) {
	for _, tc := range []struct {
		n    int
		want string
	}{{0, "0"}, {999, "999"}, {1000, "1,000"}, {12345, "12,345"}, {1234567, "1,234,567"}, {-1234, "-1,234"}} {
		if got := grouped(tc.n); got != tc.want {
			t.Errorf("grouped(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}
