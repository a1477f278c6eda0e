package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/welfare-ledger/welfare-ledger/api"
	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/projections"
	"github.com/welfare-ledger/welfare-ledger/store/embedded"
)

// Server limits: every phase of a connection has a deadline, so that a slow
// or stuck client cannot hold a connection or a goroutine for ever.
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 30 * time.Second
	writeTimeout      = 30 * time.Second
	idleTimeout       = 120 * time.Second
	// maxHeaderBytes is what net/http reads of a request's head before it
	// answers a plain-text 431 itself: room enough for the API to refuse
	// a long target or large header fields in problem+json.
	maxHeaderBytes = api.ServerMaxHeaderBytes
	// shutdownTimeout bounds the wait for in-flight requests (writes
	// included) on SIGINT/SIGTERM.
	shutdownTimeout = 30 * time.Second
)

// Projection checkpoints (<data>/projections.ckpt): a start loads the
// checkpoint and replays only the events after it. While serving, a
// checkpoint is written when at least checkpointEvents events have been
// applied since the last one, checked every checkpointInterval, and once
// more on a graceful shutdown. Writing one holds the projections' read
// lock only while units, funds and their date series are copied (12 ms on
// a 4 M-event ledger; writes wait for read-your-writes meanwhile), not
// while the checkpoint is encoded and written (2 s there).
const (
	checkpointFile     = "projections.ckpt"
	checkpointEvents   = 100_000
	checkpointInterval = time.Minute
)

func serve(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	addr := fs.String("addr", envDefault(getenv, "WL_ADDR", "127.0.0.1:8080"), "listen address (env WL_ADDR)")
	dataDir := fs.String("data", envDefault(getenv, "WL_DATA", "./data"), "data directory holding ledger.db, the projections' checkpoint and the first admin token (env WL_DATA)")
	storeURI := fs.String("store", envDefault(getenv, "WL_STORE", embeddedStore), storeFlagUsage)
	logFormat := fs.String("log-format", envDefault(getenv, "WL_LOG_FORMAT", "text"), "log format: text or json (env WL_LOG_FORMAT)")
	tlsCert := fs.String("tls-cert", getenv("WL_TLS_CERT"), "serve HTTPS with this PEM certificate (chain) file; needs --tls-key (env WL_TLS_CERT)")
	tlsKey := fs.String("tls-key", getenv("WL_TLS_KEY"), "the PEM private key of --tls-cert (env WL_TLS_KEY)")
	rateLimit := fs.Float64("rate-limit", api.DefaultRateLimit, "requests per second each token may send; 0 turns the limit off")
	rateBurst := fs.Int("rate-burst", api.DefaultRateBurst, "requests a token may send at once above --rate-limit")
	acceptShortened := fs.Bool("accept-shortened-log", false, "start although the log lacks events the projections checkpoint was built from: the checkpoint is kept aside as evidence and the log replayed as it is")
	demoFlag := fs.Bool("demo", false, "on an empty --data directory, load the demo (a synthetic history) and print a token per role; on the demo's directory, serve it")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return errUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "serve: unexpected arguments %q\n", fs.Args())
		return errUsage
	}
	if (*tlsCert == "") != (*tlsKey == "") {
		fmt.Fprintln(stderr, "serve: --tls-cert and --tls-key go together")
		return errUsage
	}
	if *rateLimit < 0 || *rateBurst < 1 {
		fmt.Fprintln(stderr, "serve: --rate-limit must be 0 or more and --rate-burst 1 or more")
		return errUsage
	}
	var handler slog.Handler
	switch *logFormat {
	case "text":
		handler = slog.NewTextHandler(stderr, nil)
	case "json":
		handler = slog.NewJSONHandler(stderr, nil)
	default:
		fmt.Fprintf(stderr, "serve: --log-format must be text or json, not %q\n", *logFormat)
		return errUsage
	}
	return serveData(ctx, serveConfig{addr: *addr, dataDir: *dataDir, storeURI: *storeURI, tlsCert: *tlsCert, tlsKey: *tlsKey,
		rateLimit: api.RateLimit{PerSecond: *rateLimit, Burst: *rateBurst}, demo: *demoFlag, acceptShortenedLog: *acceptShortened}, handler, stdout, nil)
}

// serveConfig is what serveData needs from the command line.
type serveConfig struct {
	addr, dataDir   string
	storeURI        string // --store: embedded or a KurrentDB URI
	tlsCert, tlsKey string // both or neither
	rateLimit       api.RateLimit
	// acceptShortenedLog is the operator's decision to serve a log that
	// lacks events the checkpoint was built from (see loadProjections).
	acceptShortenedLog bool
	// demo loads the demo into an empty ledger, serves the demo's, and
	// refuses any other.
	demo bool
}

// serveData runs the HTTP API on the store of cfg (by default the embedded
// one in cfg.dataDir) until
// ctx is cancelled. It is serve without the command line, so that bench can
// start the same server in-process. stdout receives the admin token of a
// first start; started, when not nil, is called with the bound address and
// the embedded store (nil on KurrentDB) once the server accepts connections.
func serveData(ctx context.Context, cfg serveConfig, handler slog.Handler, stdout io.Writer, started func(addr string, store *embedded.Store)) error {
	log := slog.New(handler)
	if err := os.MkdirAll(cfg.dataDir, 0o750); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	unlock, err := lockDataDir(cfg.dataDir)
	if err != nil {
		return err
	}
	defer unlock()
	metrics := api.NewMetrics()
	store, err := openLedgerStore(ctx, cfg.storeURI, cfg.dataDir, storeOptions{onCommit: metrics.ObserveCommit, log: log})
	if err != nil {
		return err
	}
	defer store.Close()
	if err := checkWritable(ctx, store.embedded, cfg.dataDir); err != nil {
		return err
	}

	ckptPath := filepath.Join(cfg.dataDir, checkpointFile)
	// The store itself, not its wrapper: the projections and the API ask
	// it for what only some stores can do (the log's head, a check of the
	// embedded store's file).
	proj, err := loadProjections(ctx, store.EventStore, ckptPath, cfg.acceptShortenedLog, log)
	if err != nil {
		return err
	}
	ledger := domain.NewLedger(store, time.Now)
	loadTheDemo := false
	if cfg.demo {
		if loadTheDemo, err = demoNeedsLoad(ctx, store, ledger, cfg.dataDir); err != nil {
			return err
		}
	}
	srv := api.New(api.Config{Ledger: ledger, Projections: proj, Store: store.EventStore, Logger: log,
		RateLimit: &cfg.rateLimit, Metrics: metrics, LogHead: store.head(), StoreSize: store.size(),
		StoreHealth: store.health(), Synthetic: cfg.demo})

	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.addr, err)
	}
	httpSrv := &http.Server{
		Handler:           srv.Handler(),
		ReadHeaderTimeout: readHeaderTimeout,
		ReadTimeout:       readTimeout,
		WriteTimeout:      writeTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(handler, slog.LevelWarn),
	}

	scheme := "http"
	if cfg.tlsCert != "" {
		scheme = "https"
		httpSrv.TLSConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		// Load now, so that a bad file is an error at start, not a
		// failure of every handshake.
		if _, err := tls.LoadX509KeyPair(cfg.tlsCert, cfg.tlsKey); err != nil {
			ln.Close()
			return fmt.Errorf("load TLS certificate: %w", err)
		}
	}
	// The first admin token (or the demo and its tokens) is made only now
	// that nothing can stop the start any more (a port taken, a bad
	// certificate): a start that fails must not print a "shown once"
	// token nobody can use.
	if loadTheDemo {
		if err := loadDemo(ctx, store, cfg.dataDir, stdout); err != nil {
			ln.Close()
			return err
		}
	}
	if err := bootstrapAdmin(ctx, ledger, cfg.dataDir, stdout); err != nil {
		ln.Close()
		return err
	}

	// The projections and the checkpointer stop only after the HTTP
	// server has finished every in-flight request, not at the stop signal:
	// a write in flight waits for the projections to apply it, and must be
	// answered with its real outcome.
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	projDone := make(chan error, 1)
	go func() { projDone <- projections.Run(runCtx, store, proj, log) }()
	ckpt := projections.NewCheckpointer(proj, ckptPath, checkpointEvents, log)
	ckptDone := make(chan struct{})
	go func() { ckpt.Run(runCtx, checkpointInterval); close(ckptDone) }()
	httpDone := make(chan error, 1)
	go func() {
		if scheme == "https" {
			httpDone <- httpSrv.ServeTLS(ln, cfg.tlsCert, cfg.tlsKey)
			return
		}
		httpDone <- httpSrv.Serve(ln)
	}()
	// The write side's state of the funds written to last, loaded in the
	// background once the projections are ready (warmwrite.go); it stops
	// at the stop signal, and the store is closed only after it.
	warmCtx, stopWarm := context.WithCancel(ctx)
	defer stopWarm()
	warmDone := make(chan struct{})
	go func() { warmWriteSide(warmCtx, proj, ledger, log); close(warmDone) }()
	log.Info("serving", "addr", scheme+"://"+ln.Addr().String(), "data", cfg.dataDir, "store", store.name)
	if started != nil {
		started(ln.Addr().String(), store.embedded)
	}

	var runErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down: finishing in-flight requests")
	case err := <-projDone:
		// runCtx outlives the stop signal, so this is a failure: reads
		// would be wrong without projections, so stop serving.
		runErr = fmt.Errorf("projections stopped: %w", err)
		log.Error("projections stopped", "err", err)
	case err := <-httpDone:
		runErr = fmt.Errorf("http server: %w", err)
	}
	stopWarm()
	shutdownCtx, done := context.WithTimeout(context.Background(), shutdownTimeout)
	defer done()
	if err := httpSrv.Shutdown(shutdownCtx); err != nil {
		runErr = errors.Join(runErr, fmt.Errorf("shutdown: %w", err))
	}
	cancel()
	<-ckptDone
	<-warmDone
	if runErr == nil {
		// The projections stopped where they were; whatever of the log
		// comes after the checkpoint is replayed at the next start.
		if err := ckpt.Save(); err != nil {
			log.Error("projections checkpoint failed", "err", err)
		}
	}
	if err := store.Close(); err != nil {
		runErr = errors.Join(runErr, fmt.Errorf("close store: %w", err))
	}
	log.Info("stopped")
	return runErr
}

// writableTimeout bounds the start's check that the ledger can be written;
// the store's own busy timeout (another process holding the file's write
// lock) is well below it.
const writableTimeout = 15 * time.Second

// checkWritable refuses to serve a ledger that cannot be written (a
// read-only data directory or file, a full disk): every write would fail,
// so the start fails instead, saying why, before any token is made or any
// port is opened. The directory is tried with a file of its own: with the
// ledger's files left writable in a read-only directory (as after a kill
// -9 and a chmod), SQLite still writes, but the checkpoint, the first
// admin token and SQLite's own journal files could not be made.
func checkWritable(ctx context.Context, store *embedded.Store, dataDir string) error {
	f, err := os.CreateTemp(dataDir, ".write-check-*")
	if err == nil {
		err = errors.Join(f.Close(), os.Remove(f.Name()))
	}
	if err != nil {
		return fmt.Errorf("the data directory %s cannot be written (make it writable and start again): %w", dataDir, err)
	}
	if store == nil {
		return nil // a remote store (KurrentDB): Open has checked that it answers
	}
	ctx, cancel := context.WithTimeout(ctx, writableTimeout)
	defer cancel()
	if err := store.CheckWritable(ctx); err != nil {
		return fmt.Errorf("the ledger in %s cannot be written (make the directory and its files writable, "+
			"with free space, and start again): %w", dataDir, err)
	}
	return nil
}
