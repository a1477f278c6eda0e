package projections

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// Backoff of the resubscription after a dropped subscription: the first
// attempt comes quickly (a dropped connection to a live node reconnects at
// once), then the waits double up to the cap, so that a node that is down
// is not hammered and is found again within seconds of its return.
const (
	resubscribeFirstWait = 50 * time.Millisecond
	resubscribeMaxWait   = time.Second
)

// follow applies the store's subscription from the projections' position
// until ctx is done. A subscription that ends with
// domain.ErrStoreUnavailable — on KurrentDB a dropped subscription is
// routine: a leader change, a restart, a network blip — is opened again
// from the position of the last event applied, after a backoff. The
// subscription's start is exclusive and the projections' position moves
// only with an applied event, so the events are neither lost nor applied
// twice. Any other error stops it: a closed store, an event that does not
// apply, the ctx.
func (p *Projections) follow(ctx context.Context, store domain.EventStore, log *slog.Logger) error {
	wait := resubscribeFirstWait
	for {
		applied, err := p.followOnce(ctx, store)
		if ctx.Err() != nil {
			return fmt.Errorf("projections follow: %w", ctx.Err())
		}
		if !errors.Is(err, domain.ErrStoreUnavailable) {
			return err
		}
		if applied {
			wait = resubscribeFirstWait
		}
		p.resubscribes.Add(1)
		log.Warn("projections: the subscription ended; subscribing again",
			"position", uint64(p.Position()), "wait", wait, "error", err)
		select {
		case <-time.After(wait):
		case <-ctx.Done():
			return fmt.Errorf("projections follow: %w", ctx.Err())
		}
		wait = min(2*wait, resubscribeMaxWait)
	}
}

// followOnce subscribes after the projections' position and applies what
// the subscription delivers until it fails. It reports whether it applied
// anything.
func (p *Projections) followOnce(ctx context.Context, store domain.EventStore) (bool, error) {
	sub, err := store.Subscribe(ctx, p.Position())
	if err != nil {
		return false, fmt.Errorf("projections subscribe: %w", err)
	}
	defer sub.Close()
	applied := false
	for {
		batch, err := sub.Next(ctx)
		if err != nil {
			return applied, fmt.Errorf("projections follow: %w", err)
		}
		if err := p.applyStored(batch); err != nil {
			return applied, err
		}
		applied = true
	}
}

// Resubscribes returns how many times Run has subscribed again after the
// store dropped its subscription (GET /metrics:
// welfare_ledger_projections_resubscribes_total).
func (p *Projections) Resubscribes() uint64 { return p.resubscribes.Load() }
