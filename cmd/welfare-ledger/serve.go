package main

import (
	"context"
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
	maxHeaderBytes    = 64 << 10
	// shutdownTimeout bounds the wait for in-flight requests (writes
	// included) on SIGINT/SIGTERM.
	shutdownTimeout = 30 * time.Second
)

func serve(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer) error {
	fs := newFlagSet("serve", stderr)
	addr := fs.String("addr", envDefault(getenv, "WL_ADDR", "127.0.0.1:8080"), "listen address (env WL_ADDR)")
	dataDir := fs.String("data", envDefault(getenv, "WL_DATA", "./data"), "data directory holding ledger.db (env WL_DATA)")
	logFormat := fs.String("log-format", envDefault(getenv, "WL_LOG_FORMAT", "text"), "log format: text or json (env WL_LOG_FORMAT)")
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
	log := slog.New(handler)

	if err := os.MkdirAll(*dataDir, 0o750); err != nil {
		return fmt.Errorf("create data directory: %w", err)
	}
	dbPath := filepath.Join(*dataDir, "ledger.db")
	store, err := embedded.Open(dbPath)
	if err != nil {
		return fmt.Errorf("open store: %w", err)
	}
	defer store.Close()

	proj := projections.New()
	ledger := domain.NewLedger(store, time.Now)
	srv := api.New(api.Config{Ledger: ledger, Projections: proj, Store: store, Logger: log})

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", *addr, err)
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

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	projDone := make(chan error, 1)
	go func() { projDone <- projections.Run(runCtx, store, proj, log) }()
	httpDone := make(chan error, 1)
	go func() { httpDone <- httpSrv.Serve(ln) }()
	log.Info("serving", "addr", "http://"+ln.Addr().String(), "data", *dataDir, "store", dbPath)

	var runErr error
	select {
	case <-ctx.Done():
		log.Info("shutting down: finishing in-flight requests")
	case err := <-projDone:
		// Reads would be wrong without projections: stop serving.
		runErr = fmt.Errorf("projections stopped: %w", err)
		log.Error("projections stopped", "err", err)
	case err := <-httpDone:
		runErr = fmt.Errorf("http server: %w", err)
	}
	shutdownCtx, done := context.WithTimeout(context.Background(), shutdownTimeout)
	defer done()
	if err := httpSrv.Shutdown(shutdownCtx); err != nil {
		runErr = errors.Join(runErr, fmt.Errorf("shutdown: %w", err))
	}
	cancel()
	if err := store.Close(); err != nil {
		runErr = errors.Join(runErr, fmt.Errorf("close store: %w", err))
	}
	log.Info("stopped")
	return runErr
}
