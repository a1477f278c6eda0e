package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/store/embedded"
)

// Bench defaults and limits.
const (
	defaultBenchClients  = 64
	defaultBenchDuration = 30 * time.Second
	defaultBenchWarmup   = 3 * time.Second
	defaultBenchMix      = "donation=30,shelter=6,assistance=12,loan=8,repayment=10,reversal=4,fund=15,unit=5,asof=10"
	defaultDistricts     = 4
	// maxBenchClients bounds --clients (goroutines and connections).
	maxBenchClients = 4096
	// maxDistricts bounds --districts (two funds each).
	maxDistricts = 100
	// benchDays is how far back the bench dates its writes: every write
	// is dated between benchDays days ago and yesterday, never today, so
	// that no write is "in the future" for the server whatever the hour.
	benchDays = 90
	// seedAmount is each fund's opening donation: large enough that grants
	// and loans mostly succeed for the whole run.
	seedAmount = 100_000_000_000_000
	// serverStartTimeout bounds the wait for an in-process server, or a
	// given one, to be ready.
	serverStartTimeout = 30 * time.Second
	// maxErrorSamples is how many unexpected errors the bench prints.
	maxErrorSamples = 10
)

// benchOp is one kind of request of the load.
type benchOp int

const (
	opDonation benchOp = iota
	opShelter
	opAssistance
	opLoan
	opRepayment
	opReversal
	opFundRead
	opUnitRead
	opAsOfRead
	numOps
)

var opNames = [numOps]string{"donation", "shelter", "assistance", "loan", "repayment", "reversal", "fund", "unit", "asof"}

func (o benchOp) isWrite() bool { return o <= opReversal }

// benchMix is the relative weight of each operation.
type benchMix [numOps]int

// parseMix reads "name=weight,…"; operations not named get weight 0.
func parseMix(s string) (benchMix, error) {
	var m benchMix
	total := 0
	for part := range strings.SplitSeq(s, ",") {
		name, w, ok := strings.Cut(strings.TrimSpace(part), "=")
		if !ok {
			return m, fmt.Errorf("mix entry %q is not name=weight", part)
		}
		op := -1
		for i, n := range opNames {
			if n == name {
				op = i
			}
		}
		if op < 0 {
			return m, fmt.Errorf("mix entry %q: unknown operation (one of %s)", part, strings.Join(opNames[:], ", "))
		}
		n, err := strconv.Atoi(w)
		if err != nil || n < 0 || n > 1000 {
			return m, fmt.Errorf("mix entry %q: weight must be 0..1000", part)
		}
		m[op] = n
		total += n
	}
	if total == 0 {
		return m, errors.New("mix has no operation with a weight above 0")
	}
	return m, nil
}

// pick returns an operation drawn with the mix's weights.
func (m *benchMix) pick(rng *mrand.Rand, total int) benchOp {
	n := rng.IntN(total)
	for op, w := range m {
		if n < w {
			return benchOp(op)
		}
		n -= w
	}
	return opDonation
}

func (m *benchMix) total() int {
	t := 0
	for _, w := range m {
		t += w
	}
	return t
}

const benchUsage = `Usage: welfare-ledger bench [flags]

Runs an end-to-end load over HTTP: --clients concurrent clients, each
sending one request after another for --warmup then --duration, drawn from
--mix. Without --url it starts the server in-process on a temporary data
directory. At the end it checks every fund's figures (now and at two past
dates) against the writes the server acknowledged, and fails on a mismatch
or on any error but the intended insufficient_funds/exceeds_outstanding
refusals.

Against a running server (--url), give a token that may write (--token or
WL_TOKEN; the admin token is in <data>/admin.token) and start the server
with --rate-limit 0: its per-token limit would refuse most of the load.

Mix operations: donation, shelter, assistance, loan, repayment, reversal
(writes, each a new UUIDv7 transaction id), fund (GET /v1/funds/{id}), unit
(GET /v1/units/{id}/summary, half of them over the last 30 days) and asof
(GET /v1/funds/{id}?as_of=a past date). A repayment with no loan to repay
becomes a loan; a reversal with nothing to reverse becomes a donation.

Flags:
`

// benchConfig is the parsed command line of bench.
type benchConfig struct {
	url, token, dataDir, cpuProfile string
	clients, districts              int
	duration, warmup                time.Duration
	mix                             benchMix
}

func bench(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, benchUsage)
		fs.PrintDefaults()
	}
	var cfg benchConfig
	fs.StringVar(&cfg.url, "url", "", "base URL of a running server, e.g. http://127.0.0.1:8080 (default: start one in-process)")
	fs.StringVar(&cfg.token, "token", getenv("WL_TOKEN"), "bearer token (env WL_TOKEN); in-process, <data>/admin.token wins")
	fs.StringVar(&cfg.dataDir, "data", "", "in-process only: data directory (default: a temporary one, removed afterwards)")
	fs.StringVar(&cfg.cpuProfile, "cpuprofile", "", "write a CPU profile of the load phase to this file (in-process: client and server)")
	fs.IntVar(&cfg.clients, "clients", defaultBenchClients, "concurrent clients")
	fs.IntVar(&cfg.districts, "districts", defaultDistricts, "districts under the bench's province (2 funds each, 5 at the province)")
	fs.DurationVar(&cfg.duration, "duration", defaultBenchDuration, "measured load time")
	fs.DurationVar(&cfg.warmup, "warmup", defaultBenchWarmup, "load time before measuring")
	mix := fs.String("mix", defaultBenchMix, "operation weights")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	var bad []string
	if fs.NArg() > 0 {
		bad = append(bad, fmt.Sprintf("unexpected arguments %q", fs.Args()))
	}
	if cfg.clients < 1 || cfg.clients > maxBenchClients {
		bad = append(bad, fmt.Sprintf("--clients must be 1..%d", maxBenchClients))
	}
	if cfg.districts < 0 || cfg.districts > maxDistricts {
		bad = append(bad, fmt.Sprintf("--districts must be 0..%d", maxDistricts))
	}
	if cfg.duration <= 0 || cfg.warmup < 0 {
		bad = append(bad, "--duration must be positive and --warmup not negative")
	}
	if cfg.url != "" && cfg.dataDir != "" {
		bad = append(bad, "--data is for the in-process server; it cannot go with --url")
	}
	m, err := parseMix(*mix)
	if err != nil {
		bad = append(bad, "--mix: "+err.Error())
	}
	cfg.mix = m
	if len(bad) > 0 {
		fmt.Fprintf(stderr, "bench: %s\n", strings.Join(bad, "; "))
		return errUsage
	}
	return runBench(ctx, cfg, stdout, stderr)
}

// runBench starts the in-process server if needed, then sets up, loads,
// reports and verifies.
func runBench(ctx context.Context, cfg benchConfig, stdout, stderr io.Writer) (err error) {
	base := strings.TrimRight(cfg.url, "/")
	var inproc *inProcess
	if base == "" {
		srv, err := startInProcess(ctx, cfg.dataDir, stderr)
		if err != nil {
			return err
		}
		inproc = srv
		defer func() { err = errors.Join(err, srv.stop()) }()
		base = srv.base
		if srv.token != "" {
			cfg.token = srv.token
		}
		fmt.Fprintf(stdout, "bench: in-process server on %s, data in %s\n", base, srv.dataDir)
	}
	client := newBenchClient(base, cfg.token, cfg.clients)
	defer client.close()
	if err := waitReady(ctx, client); err != nil {
		return err
	}

	w, err := setUp(ctx, client, cfg.districts)
	if err != nil {
		return fmt.Errorf("bench set-up: %w", err)
	}
	fmt.Fprintf(stdout, "bench: %d units, %d funds under %s; %d clients, %s warm-up, %s measured\n",
		len(w.units), len(w.funds), w.units[0], cfg.clients, cfg.warmup, cfg.duration)

	if cfg.cpuProfile != "" {
		f, err := os.Create(cfg.cpuProfile)
		if err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return fmt.Errorf("cpu profile: %w", err)
		}
	}
	// The server's counters frame the whole load, warm-up included, as
	// the profile does: load() measures its requests after the warm-up.
	before, err := scrapeCounters(ctx, client)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	res := w.load(ctx, client, cfg)
	if cfg.cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	after, err := scrapeCounters(ctx, client)
	if err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	fmt.Fprint(stdout, serverReport(before, after, res.sent, inproc != nil))
	res.print(stdout)

	verifyErr := error(nil)
	checked := 0
	if res.errors() == 0 {
		checked, verifyErr = verifyFunds(ctx, client, w.funds, []domain.Date{w.dates[benchDays/4], w.dates[benchDays/2]})
	}
	fmt.Fprintln(stdout, res.summary(cfg, checked, verifyErr))
	switch {
	case res.errors() > 0:
		return fmt.Errorf("bench: %d unexpected error(s); first: %s", res.errors(), strings.Join(res.samples, "; "))
	case verifyErr != nil:
		return fmt.Errorf("bench: verification failed: %w", verifyErr)
	}
	return nil
}

// inProcess is a server started by the bench itself.
type inProcess struct {
	base, token, dataDir string
	cancel               context.CancelFunc
	done                 chan error
	removeDir            bool
	store                *embedded.Store
}

// startInProcess runs serve's server on a loopback port in this process,
// logging only warnings (one line per request would cost more than the
// requests).
func startInProcess(ctx context.Context, dataDir string, stderr io.Writer) (*inProcess, error) {
	p := &inProcess{dataDir: dataDir, done: make(chan error, 1)}
	if dataDir == "" {
		dir, err := os.MkdirTemp("", "welfare-ledger-bench-")
		if err != nil {
			return nil, fmt.Errorf("bench data directory: %w", err)
		}
		p.dataDir, p.removeDir = dir, true
	}
	srvCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	p.cancel = cancel
	addrCh := make(chan string, 1)
	var store *embedded.Store
	handler := slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn})
	go func() {
		// No rate limit: the bench's one token stands for all its clients.
		cfg := serveConfig{addr: "127.0.0.1:0", dataDir: p.dataDir}
		p.done <- serveData(srvCtx, cfg, handler, io.Discard, func(a string, s *embedded.Store) {
			store = s
			addrCh <- a
		})
	}()
	select {
	case a := <-addrCh:
		p.base, p.store = "http://"+a, store
	case err := <-p.done:
		cancel()
		p.cleanUp()
		return nil, fmt.Errorf("in-process server: %w", err)
	case <-time.After(serverStartTimeout):
		return nil, errors.Join(errors.New("in-process server did not start"), p.stop())
	}
	// The server writes its admin token on first start (when it has
	// authentication); it is the one to use.
	if b, err := os.ReadFile(filepath.Join(p.dataDir, "admin.token")); err == nil {
		p.token = strings.TrimSpace(string(b))
	}
	return p, nil
}

// stop shuts the in-process server down and removes its temporary data.
func (p *inProcess) stop() error {
	p.cancel()
	err := <-p.done
	p.cleanUp()
	if err != nil {
		return fmt.Errorf("in-process server: %w", err)
	}
	return nil
}

func (p *inProcess) cleanUp() {
	if p.removeDir {
		os.RemoveAll(p.dataDir)
	}
}

// waitReady waits until the server answers /readyz with 200.
func waitReady(ctx context.Context, c *benchClient) error {
	deadline := time.Now().Add(serverStartTimeout)
	for {
		status, _, err := c.get(ctx, "/readyz")
		if err == nil && status == http.StatusOK {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("server at %s not ready after %s (last: status %d, %v)", c.base, serverStartTimeout, status, err)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// workload is what the set-up created: units, funds by what they allow, and
// the dates the load uses.
type workload struct {
	units []string // the province first
	funds []*fundModel
	byOp  [numOps][]*fundModel // the funds each write operation may target
	// dates[i] is the business date i days ago; writes use dates[1..benchDays].
	dates   []domain.Date
	dateIdx map[domain.Date]int
}

// setUp registers a province and its districts under fresh ids (so that the
// bench can run again against the same server), opens funds of every kind
// and seeds each with one large donation.
func setUp(ctx context.Context, c *benchClient, districts int) (*workload, error) {
	w := &workload{dateIdx: map[domain.Date]int{}}
	now := time.Now()
	for i := 0; i <= benchDays+1; i++ {
		d := domain.DateOf(now.AddDate(0, 0, -i))
		w.dates = append(w.dates, d)
		w.dateIdx[d] = i
	}
	opened := w.dates[benchDays+1]

	var suffix [3]byte
	if _, err := rand.Read(suffix[:]); err != nil {
		return nil, err
	}
	province := "bench-" + hex.EncodeToString(suffix[:])
	if err := c.mustPost(ctx, "/v1/units", map[string]any{"unit_id": province, "name": "Liên đoàn Lao động tỉnh (bench " + province + ")"}); err != nil {
		return nil, err
	}
	w.units = append(w.units, province)
	for i := 1; i <= districts; i++ {
		id := fmt.Sprintf("%s-d%d", province, i)
		if err := c.mustPost(ctx, "/v1/units", map[string]any{"unit_id": id, "name": fmt.Sprintf("Liên đoàn Lao động huyện %d", i), "parent_id": province}); err != nil {
			return nil, err
		}
		w.units = append(w.units, id)
	}

	open := func(unit string, kind domain.FundKind, name string) error {
		f := newFundModel(domain.NewID(), unit, kind)
		if err := c.mustPost(ctx, "/v1/funds", map[string]any{
			"fund_id": f.id.String(), "unit_id": unit, "name": name, "kind": string(kind), "opened_on": opened.String(),
		}); err != nil {
			return err
		}
		seed := ackedTx{id: domain.NewID(), kind: kindDonation, amount: domain.VNDFromInt64(seedAmount), date: opened}
		if err := c.mustPost(ctx, "/v1/funds/"+f.id.String()+"/donations", map[string]any{
			"transaction_id": seed.id.String(), "amount": strconv.Itoa(seedAmount), "occurred_on": opened.String(),
			"donor": map[string]any{"kind": "enterprise", "name": "Quỹ khởi tạo (bench)"},
		}); err != nil {
			return err
		}
		f.ack(seed)
		// The seed is what lets grants succeed: it is never reversed.
		f.reversible = f.reversible[:0]
		w.funds = append(w.funds, f)
		for op := range opReversal + 1 {
			if fundAllows(kind, op) {
				w.byOp[op] = append(w.byOp[op], f)
			}
		}
		return nil
	}
	for _, k := range []struct {
		kind domain.FundKind
		name string
	}{
		{"social", "Quỹ Xã hội"}, {"charity", "Quỹ Từ thiện"}, {"shelter", "Quỹ Mái ấm Công đoàn"},
		{"capital_support", "Quỹ Trợ vốn CNLĐ nghèo"}, {"mutual_aid", "Quỹ Tương trợ"},
	} {
		if err := open(province, k.kind, k.name); err != nil {
			return nil, err
		}
	}
	for _, u := range w.units[1:] {
		if err := open(u, "social", "Quỹ Xã hội"); err != nil {
			return nil, err
		}
		if err := open(u, "capital_support", "Quỹ Trợ vốn CNLĐ nghèo"); err != nil {
			return nil, err
		}
	}
	return w, nil
}

// fundAllows tells whether a fund of kind takes a write operation (API.md's
// table of fund kinds).
func fundAllows(kind domain.FundKind, op benchOp) bool {
	switch op {
	case opShelter:
		return kind == "social" || kind == "shelter" || kind == "charity"
	case opAssistance:
		return kind == "social" || kind == "charity" || kind == "mutual_aid"
	case opLoan, opRepayment:
		return kind == "capital_support" || kind == "mutual_aid"
	}
	return true
}

// opStats are one client's, then the merged, figures of one operation
// during the measured time.
type opStats struct {
	latencies []time.Duration // every completed request, for exact percentiles
	ok        int             // 201, or 200 for reads
	refused   int             // the intended 409s
	errors    int
}

// benchResult is the merged outcome of the measured time.
type benchResult struct {
	elapsed time.Duration
	// sent counts every request of the load, warm-up included: the span
	// the server's counters cover.
	sent    int
	ops     [numOps]opStats
	samples []string // the first unexpected errors
}

func (r *benchResult) errors() int {
	n := 0
	for _, s := range r.ops {
		n += s.errors
	}
	return n
}

// load runs the clients for warm-up plus duration and merges what they
// measured after the warm-up.
func (w *workload) load(ctx context.Context, c *benchClient, cfg benchConfig) *benchResult {
	measureFrom := time.Now().Add(cfg.warmup)
	end := measureFrom.Add(cfg.duration)
	total := cfg.mix.total()
	var mu sync.Mutex
	res := &benchResult{}
	var wg sync.WaitGroup
	for i := range cfg.clients {
		wg.Go(func() {
			rng := mrand.New(mrand.NewPCG(uint64(time.Now().UnixNano()), uint64(i)))
			var mine [numOps]opStats
			var samples []string
			sent := 0
			for ctx.Err() == nil {
				start := time.Now()
				if !start.Before(end) {
					break
				}
				op := cfg.mix.pick(rng, total)
				op, outcome, msg := w.do(ctx, c, rng, op)
				sent++
				if start.Before(measureFrom) {
					continue
				}
				s := &mine[op]
				s.latencies = append(s.latencies, time.Since(start))
				switch outcome {
				case outcomeOK:
					s.ok++
				case outcomeRefused:
					s.refused++
				default:
					s.errors++
					if len(samples) < maxErrorSamples {
						samples = append(samples, opNames[op]+": "+msg)
					}
				}
			}
			mu.Lock()
			defer mu.Unlock()
			res.sent += sent
			for op := range mine {
				t := &res.ops[op]
				t.latencies = append(t.latencies, mine[op].latencies...)
				t.ok += mine[op].ok
				t.refused += mine[op].refused
				t.errors += mine[op].errors
			}
			for _, s := range samples {
				if len(res.samples) < maxErrorSamples {
					res.samples = append(res.samples, s)
				}
			}
		})
	}
	wg.Wait()
	res.elapsed = cfg.duration
	return res
}

type outcome int

const (
	outcomeOK outcome = iota
	outcomeRefused
	outcomeError
)

// do sends one request of operation op (or of its fallback, which it
// returns) and classifies the answer.
func (w *workload) do(ctx context.Context, c *benchClient, rng *mrand.Rand, op benchOp) (benchOp, outcome, string) {
	if !op.isWrite() {
		o, msg := w.read(ctx, c, rng, op)
		return op, o, msg
	}
	funds := w.byOp[op]
	if len(funds) == 0 {
		op = opDonation
		funds = w.byOp[op]
	}
	f := funds[rng.IntN(len(funds))]
	t := ackedTx{id: domain.NewID(), date: w.dates[1+rng.IntN(benchDays)]}
	var path string
	var body []byte
	switch op {
	case opDonation:
		t.kind, t.amount = kindDonation, thousands(rng, 100, 20_000)
		path = "/donations"
		body = fmt.Appendf(nil, `{"transaction_id":%q,"amount":%q,"occurred_on":%q,"donor":{"kind":"member","name":"Đoàn viên"},"campaign":"bench"}`,
			t.id, t.amount, t.date)
	case opShelter:
		t.kind, t.amount, t.person = kindShelter, thousands(rng, 30_000, 80_000), beneficiary(rng)
		t.shelter = "repair"
		if rng.IntN(10) < 6 {
			t.shelter = "new_build"
		}
		path = "/shelter-grants"
		body = fmt.Appendf(nil, `{"transaction_id":%q,"beneficiary_id":%q,"amount":%q,"shelter":%q,"occurred_on":%q,"decision_no":"QĐ-bench"}`,
			t.id, t.person, t.amount, t.shelter, t.date)
	case opAssistance:
		t.kind, t.amount, t.person = kindAssistance, thousands(rng, 1_000, 10_000), beneficiary(rng)
		path = "/assistance-grants"
		body = fmt.Appendf(nil, `{"transaction_id":%q,"beneficiary_id":%q,"amount":%q,"category":"serious_illness","occurred_on":%q}`,
			t.id, t.person, t.amount, t.date)
	case opLoan:
		t.kind, t.amount, t.person = kindLoan, thousands(rng, 10_000, 50_000), beneficiary(rng)
		path = "/loans"
		body = fmt.Appendf(nil, `{"loan_id":%q,"beneficiary_id":%q,"amount":%q,"occurred_on":%q,"project":"bench"}`,
			t.id, t.person, t.amount, t.date)
	case opRepayment:
		loan, principal, date, ok := f.claimLoan(rng)
		if !ok {
			return w.do(ctx, c, rng, opLoan)
		}
		t.kind, t.date = kindRepayment, w.dateFrom(rng, date)
		t.amount = domain.VNDFromInt64(principal/10 + rng.Int64N(principal/10+1))
		path = "/loans/" + loan.String() + "/repayments"
		body = fmt.Appendf(nil, `{"transaction_id":%q,"amount":%q,"occurred_on":%q}`, t.id, t.amount, t.date)
	case opReversal:
		orig, ok := f.claimReversal(rng)
		if !ok {
			return w.do(ctx, c, rng, opDonation)
		}
		t.kind, t.target, t.date = kindReversal, orig.id, w.dateFrom(rng, orig.date)
		path = "/reversals"
		body = fmt.Appendf(nil, `{"transaction_id":%q,"reverses":%q,"reason":"bench correction","occurred_on":%q}`, t.id, orig.id, t.date)
	}
	status, resp, err := c.post(ctx, "/v1/funds/"+f.id.String()+path, body)
	if status == http.StatusCreated || status == http.StatusOK {
		// Recorded, even if it took a repeat to learn it.
		f.ack(t)
	}
	switch {
	case err != nil:
		return op, outcomeError, err.Error()
	case status == http.StatusCreated:
		return op, outcomeOK, ""
	case status == http.StatusConflict:
		if code := problemCode(resp); code == "insufficient_funds" || code == "exceeds_outstanding" {
			return op, outcomeRefused, ""
		}
	}
	return op, outcomeError, fmt.Sprintf("status %d: %s", status, truncate(resp))
}

// read sends one read and checks it answered 200.
func (w *workload) read(ctx context.Context, c *benchClient, rng *mrand.Rand, op benchOp) (outcome, string) {
	var path string
	switch op {
	case opFundRead:
		path = "/v1/funds/" + w.funds[rng.IntN(len(w.funds))].id.String()
	case opAsOfRead:
		path = "/v1/funds/" + w.funds[rng.IntN(len(w.funds))].id.String() + "?as_of=" + w.dates[rng.IntN(benchDays+2)].String()
	case opUnitRead:
		path = "/v1/units/" + w.units[rng.IntN(len(w.units))] + "/summary"
		if rng.IntN(2) == 0 {
			path += "?from=" + w.dates[30].String()
		}
	}
	status, body, err := c.get(ctx, path)
	switch {
	case err != nil:
		return outcomeError, err.Error()
	case status != http.StatusOK:
		return outcomeError, fmt.Sprintf("GET %s: status %d: %s", path, status, truncate(body))
	}
	return outcomeOK, ""
}

// dateFrom returns a random bench date on or after d.
func (w *workload) dateFrom(rng *mrand.Rand, d domain.Date) domain.Date {
	i, ok := w.dateIdx[d]
	if !ok || i < 1 {
		return d
	}
	return w.dates[1+rng.IntN(i)]
}

// thousands returns a random whole number of thousand đồng in [lo, hi]
// thousands.
func thousands(rng *mrand.Rand, lo, hi int64) domain.VND {
	return domain.VNDFromInt64((lo + rng.Int64N(hi-lo+1)) * 1000)
}

// benchMembers is the number of distinct union members the grants and
// loans go to, so that some receive more than one.
const benchMembers = 20_000

func beneficiary(rng *mrand.Rand) string {
	return fmt.Sprintf("M%05d", rng.IntN(benchMembers))
}

func truncate(b []byte) string {
	const max = 200
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}
