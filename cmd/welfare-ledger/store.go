package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
	"github.com/welfare-ledger/welfare-ledger/store/embedded"
	"github.com/welfare-ledger/welfare-ledger/store/kurrentdb"
)

// storeFlagUsage documents --store, which serve, verify and token share.
const storeFlagUsage = "event store: embedded (<data>/ledger.db) or a KurrentDB connection string: " +
	"esdb://host:2113?tls=false, kurrentdb://user:pass@host:2113, esdb+discover://node1:2113,node2:2113,node3:2113 (env WL_STORE)"

// embeddedStore is the --store value of the default store.
const embeddedStore = "embedded"

// errUnknownStore: --store is neither embedded nor a KurrentDB URI.
var errUnknownStore = errors.New("unknown store")

// ledgerStore is the event store a command runs on, with what serve needs
// to know of it beyond the port.
type ledgerStore struct {
	domain.EventStore
	// name says which store it is in logs (a KurrentDB URI without its
	// password).
	name string
	// embedded is the store when it is the embedded one, else nil.
	embedded *embedded.Store
	// ping checks that a remote store answers; nil for the embedded one.
	ping func(context.Context) error
}

// storeOptions say how to open a store.
type storeOptions struct {
	// mustExist refuses to create an embedded ledger (token, verify: never
	// one created by accident in a mistyped directory).
	mustExist bool
	// onCommit observes the embedded store's group commits.
	onCommit func(events, appends int, took time.Duration)
	log      *slog.Logger
}

// openLedgerStore opens the store named by uri: embedded (or empty) for
// <dataDir>/ledger.db, or a KurrentDB connection string. A KurrentDB that
// cannot be reached, or refuses the credentials, is an error here, at
// start, with the URI (without its password) in the message.
func openLedgerStore(ctx context.Context, uri, dataDir string, opts storeOptions) (*ledgerStore, error) {
	switch {
	case uri == "" || uri == embeddedStore:
		dbPath := filepath.Join(dataDir, "ledger.db")
		if opts.mustExist {
			if _, err := os.Stat(dbPath); err != nil {
				return nil, fmt.Errorf("no ledger at %s: %w", dbPath, err)
			}
		}
		var eo []embedded.Option
		if opts.onCommit != nil {
			eo = append(eo, embedded.OnCommit(opts.onCommit))
		}
		s, err := embedded.Open(dbPath, eo...)
		if err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
		return &ledgerStore{EventStore: s, name: dbPath, embedded: s}, nil
	case kurrentdb.IsURI(uri):
		log := opts.log
		if log == nil {
			log = slog.New(slog.DiscardHandler)
		}
		s, err := kurrentdb.Open(ctx, uri, kurrentdb.Options{Log: log})
		if err != nil {
			return nil, fmt.Errorf("open store: %w", err)
		}
		return &ledgerStore{EventStore: s, name: kurrentdb.Redact(uri), ping: s.Ping}, nil
	default:
		return nil, fmt.Errorf("--store %q: want %s or a KurrentDB connection string (esdb://, esdb+discover://, kurrentdb://, kurrentdb+discover://): %w",
			kurrentdb.Redact(uri), embeddedStore, errUnknownStore)
	}
}

// head is the log head for the projection-lag gauge, when the store can
// tell it cheaply (the embedded one).
func (s *ledgerStore) head() func() domain.Position {
	if s.embedded == nil {
		return nil
	}
	return s.embedded.Head
}

// size is the store's size on disk, when it is in a file of ours.
func (s *ledgerStore) size() func() (int64, error) {
	if s.embedded == nil {
		return nil
	}
	return s.embedded.DiskSize
}

// healthTimeout bounds the reachability check behind GET /readyz.
const healthTimeout = 2 * time.Second

// health is what GET /readyz asks of the store: whether the embedded one
// can write (its disk), whether a remote one answers.
func (s *ledgerStore) health() func() error {
	if s.embedded != nil {
		return s.embedded.WriteHealth
	}
	if s.ping == nil {
		return nil
	}
	return func() error {
		ctx, cancel := context.WithTimeout(context.Background(), healthTimeout)
		defer cancel()
		return s.ping(ctx)
	}
}
