package kurrentdb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"
	"google.golang.org/grpc/codes"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// Limits of the adapter. Every call to the server has a deadline: a node
// that stops answering makes a write fail with domain.ErrStoreUnavailable
// (503 store_unavailable) instead of holding a request forever.
const (
	// DefaultCallTimeout bounds one call to the server (an append, one
	// read, the confirmation of a subscription).
	DefaultCallTimeout = 5 * time.Second
	// pingTimeout bounds the reachability check of Open and Ping.
	pingTimeout = 3 * time.Second
	// closeWait bounds how long Close waits for calls in flight.
	closeWait = 2 * time.Second
)

// ErrBadURI: the --store value is not a KurrentDB connection string this
// adapter accepts.
var ErrBadURI = errors.New("not a KurrentDB connection string")

// ErrUnauthenticated: the server refused the credentials of the connection
// string (or a client certificate).
var ErrUnauthenticated = errors.New("the KurrentDB server refused the credentials")

// Options tune a Store. The zero value is usable.
type Options struct {
	// CallTimeout bounds every call to the server; 0 means
	// DefaultCallTimeout.
	CallTimeout time.Duration
	// Log receives the client library's messages (at debug level: a
	// dropped subscription is routine) and the adapter's own; nil discards
	// them.
	Log *slog.Logger
}

// Store is a domain.EventStore on a KurrentDB (EventStoreDB) server or
// cluster. It is safe for concurrent use.
type Store struct {
	conf    esdb.Configuration
	client  atomic.Pointer[esdb.Client]
	renewMu sync.Mutex
	// calls is read-held by every call into the client library and
	// write-held by Close while it closes the client: v4.2.0 panics (a send
	// on a closed channel) when a call races with Close.
	calls   sync.RWMutex
	timeout time.Duration
	log     *slog.Logger

	closed  atomic.Bool
	closing chan struct{} // closed by Close: ends every subscription
	once    sync.Once
}

var _ domain.EventStore = (*Store)(nil)

// IsURI reports whether s names a KurrentDB store (rather than "embedded").
func IsURI(s string) bool {
	_, ok := clientScheme(s)
	return ok
}

// schemes maps the schemes --store accepts to the ones the client library
// parses: v4.2.0 predates the kurrentdb:// names of the renamed product.
var schemes = map[string]string{
	"esdb":               "esdb",
	"esdb+discover":      "esdb+discover",
	"kurrentdb":          "esdb",
	"kurrentdb+discover": "esdb+discover",
	"kurrent":            "esdb",
	"kurrent+discover":   "esdb+discover",
}

// clientScheme returns uri with its scheme replaced by the client's name
// for it, and whether the scheme is one of ours.
func clientScheme(uri string) (string, bool) {
	scheme, rest, ok := strings.Cut(uri, "://")
	if !ok {
		return "", false
	}
	to, ok := schemes[strings.ToLower(scheme)]
	if !ok {
		return "", false
	}
	return to + "://" + rest, true
}

// Redact returns uri without its password, for logs and error messages.
func Redact(uri string) string {
	scheme, rest, ok := strings.Cut(uri, "://")
	if !ok {
		return uri
	}
	at := strings.LastIndex(strings.SplitN(rest, "/", 2)[0], "@")
	if at < 0 {
		return uri
	}
	user, _, _ := strings.Cut(rest[:at], ":")
	return scheme + "://" + url.PathEscape(user) + ":***" + rest[at:]
}

// Open connects to the server of uri (esdb://, esdb+discover://,
// kurrentdb://, kurrentdb+discover://, with the client's settings: tls,
// tlsCAFile, tlsVerifyCert, userCertFile, userKeyFile, nodePreference, …;
// credentials as user:password@) and checks that it answers, so that a
// wrong address or wrong credentials stop the program at start with a clear
// message instead of at the first write.
//
// Errors: ErrBadURI (wrong scheme, unparsable), ErrUnauthenticated,
// domain.ErrStoreUnavailable (nothing answers within the deadline), ctx
// errors.
func Open(ctx context.Context, uri string, opts Options) (*Store, error) {
	fixed, ok := clientScheme(uri)
	if !ok {
		return nil, fmt.Errorf("open store %q: want esdb://, esdb+discover://, kurrentdb:// or kurrentdb+discover://: %w", Redact(uri), ErrBadURI)
	}
	conf, err := esdb.ParseConnectionString(fixed)
	if err != nil {
		return nil, fmt.Errorf("open store %q: %v: %w", Redact(uri), err, ErrBadURI)
	}
	timeout := opts.CallTimeout
	if timeout <= 0 {
		timeout = DefaultCallTimeout
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	conf.Logger = clientLogger(log)
	conf.DefaultDeadline = &timeout
	client, err := esdb.NewClient(conf)
	if err != nil {
		return nil, fmt.Errorf("open store %q: %v: %w", Redact(uri), err, ErrBadURI)
	}
	s := &Store{conf: *conf, timeout: timeout, log: log, closing: make(chan struct{})}
	s.client.Store(client)
	if err := s.Ping(ctx); err != nil {
		s.Close()
		if errors.Is(err, domain.ErrStoreUnavailable) && !errors.Is(err, ErrUnauthenticated) {
			return nil, fmt.Errorf("open store %q: the KurrentDB server cannot be reached (is it running, and are the host, port and tls setting right?): %w", Redact(uri), err)
		}
		return nil, fmt.Errorf("open store %q: %w", Redact(uri), err)
	}
	return s, nil
}

// clientLogger sends the client library's messages to log at debug level:
// it reports every dropped connection as an error, which on KurrentDB is
// routine and handled here.
func clientLogger(log *slog.Logger) esdb.LoggingFunc {
	return func(level esdb.LogLevel, format string, args ...any) {
		log.Debug("kurrentdb client: "+fmt.Sprintf(format, args...), "client_level", level)
	}
}

// Ping checks that the server answers a read of $all within pingTimeout.
// /readyz uses it to report the store's reachability.
//
// Errors: ErrUnauthenticated, domain.ErrStoreUnavailable,
// domain.ErrStoreClosed, ctx errors.
func (s *Store) Ping(ctx context.Context) error {
	if s.closed.Load() {
		return domain.ErrStoreClosed
	}
	ctx, cancel := context.WithTimeout(ctx, min(pingTimeout, s.timeout))
	defer cancel()
	_, err := s.readAllRaw(ctx, esdb.End{}, esdb.Backwards, 1)
	if err != nil {
		return fmt.Errorf("ping: %w", err)
	}
	return nil
}

// Close releases the connection; subscriptions end with
// domain.ErrStoreClosed and later calls fail with it. Close is idempotent.
func (s *Store) Close() error {
	s.once.Do(func() {
		s.closed.Store(true)
		close(s.closing)
		// Calls end promptly once closing is closed (their contexts are
		// cancelled); one stuck inside the library is not waited for
		// beyond closeWait.
		locked := false
		for deadline := time.Now().Add(closeWait); !locked && time.Now().Before(deadline); {
			if locked = s.calls.TryLock(); !locked {
				time.Sleep(time.Millisecond)
			}
		}
		s.client.Load().Close()
		if locked {
			s.calls.Unlock()
		}
	})
	return nil
}

// call bounds one call to the server by the store's deadline and ends it
// when the store closes.
func (s *Store) call(ctx context.Context) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	go func() {
		select {
		case <-s.closing:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

// do runs one operation of the client library, giving up when ctx is done
// even if the library does not (its connection loop ignores contexts), and
// replaces the client when the library has closed it for good: v4.2.0
// closes itself once a discovery fails (a node down for longer than its
// few discovery attempts), and the ledger must reconnect when the node is
// back without a restart of the program.
//
// An operation that fails because the connection dropped is tried once
// more at once: the library reconnects only on the call after the one that
// saw the drop, and every operation of this adapter may be repeated (reads;
// appends with an exact expected revision, whose repeat the server answers
// idempotently and Append checks by reading back).
func (s *Store) do(ctx context.Context, op func(c *esdb.Client) error) error {
	err := s.doOnce(ctx, op)
	if err != nil && ctx.Err() == nil && !s.closed.Load() && isStatus(err, codes.Unavailable) {
		err = s.doOnce(ctx, op)
	}
	return err
}

func (s *Store) doOnce(ctx context.Context, op func(c *esdb.Client) error) error {
	c := s.client.Load()
	done := make(chan error, 1)
	go func() {
		defer recoverClosed(done)
		s.calls.RLock()
		defer s.calls.RUnlock()
		done <- op(c)
	}()
	var err error
	select {
	case err = <-done:
	case <-ctx.Done():
		return ctx.Err()
	}
	var ee *esdb.Error
	if errors.As(err, &ee) && ee.Code() == esdb.ErrorCodeConnectionClosed && !s.closed.Load() {
		s.renew(c)
	}
	return err
}

// renew replaces dead with a new client, unless another call did already
// or the store is closed.
func (s *Store) renew(dead *esdb.Client) {
	s.renewMu.Lock()
	defer s.renewMu.Unlock()
	if s.closed.Load() || s.client.Load() != dead {
		return
	}
	conf := s.conf
	fresh, err := esdb.NewClient(&conf)
	if err != nil {
		s.log.Warn("kurrentdb: cannot make a new client", "error", err)
		return
	}
	// dead is not closed: the library closed it itself when its connection
	// loop ended, and closing it again would race with its callers.
	s.client.Store(fresh)
	s.log.Info("kurrentdb: connection closed by the client library; reconnecting")
}

// errClientClosed stands for the panic of a client library call that races
// with the client's Close.
var errClientClosed = errors.New("the client was closed during the call")

// recoverClosed turns the panic of v4.2.0 when a call races with Close (it
// sends on the channel Close has closed) into an error on done: Close and
// renew may close a client while calls of other goroutines are on it.
func recoverClosed(done chan<- error) {
	if r := recover(); r != nil {
		done <- fmt.Errorf("%v: %w", r, errClientClosed)
	}
}

// SharedBetweenInstances reports true: several API instances may append
// to one KurrentDB cluster, so the ledger checks each append against the
// closed fiscal periods after it lands (domain.SharedStore).
func (s *Store) SharedBetweenInstances() bool { return true }

var _ domain.SharedStore = (*Store)(nil)
