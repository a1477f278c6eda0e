package kurrentdb

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/EventStore/EventStore-Client-Go/v4/esdb"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// ErrSubscriptionDropped: the server or the connection ended a
// subscription. On KurrentDB this is routine (a leader change, a restart, a
// network blip); the projections' runner subscribes again from the last
// position it applied. It wraps domain.ErrStoreUnavailable.
var ErrSubscriptionDropped = fmt.Errorf("subscription dropped: %w", domain.ErrStoreUnavailable)

// subscriptionBuffer bounds the events a subscription holds that Next has
// not taken yet; when it is full the receiving goroutine waits, and the
// server's own flow control holds the rest.
const subscriptionBuffer = domain.MaxReadBatch

// Subscribe follows $all after a position with a catch-up subscription
// filtered on the server to the ledger's stream prefixes (start positions
// are exclusive on KurrentDB). The server catches up from the position and
// then sends new events as they are committed, in log order; this adapter
// checks that positions grow and drops none.
//
// Errors: domain.ErrStoreClosed, domain.ErrStoreUnavailable, ctx errors.
// Next fails with ErrSubscriptionDropped when the server or the connection
// ends the subscription, with domain.ErrStoreClosed after Close.
func (s *Store) Subscribe(ctx context.Context, after domain.Position) (domain.Subscription, error) {
	if s.closed.Load() {
		return nil, fmt.Errorf("subscribe: %w", domain.ErrStoreClosed)
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("subscribe: %w", err)
	}
	subCtx, cancel := context.WithCancel(ctx)
	// Only the confirmation is bounded by the call deadline; the
	// subscription itself lives as long as ctx.
	confirmed := make(chan struct{})
	go func() {
		select {
		case <-confirmed:
		case <-s.closing:
			cancel()
		case <-subCtx.Done():
		}
	}()
	var from esdb.AllPosition = esdb.Start{}
	if after > 0 {
		from = esdb.Position{Commit: uint64(after), Prepare: uint64(after)}
	}
	type result struct {
		sub *esdb.Subscription
		err error
	}
	opened := make(chan result, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				opened <- result{err: fmt.Errorf("%v: %w", r, errClientClosed)}
			}
		}()
		c := s.client.Load()
		sub, err := func() (*esdb.Subscription, error) {
			s.calls.RLock()
			defer s.calls.RUnlock()
			return c.SubscribeToAll(subCtx, esdb.SubscribeToAllOptions{
				From:   from,
				Filter: &esdb.SubscriptionFilter{Type: esdb.StreamFilterType, Prefixes: ledgerStreamPrefixes},
			})
		}()
		var ee *esdb.Error
		if errors.As(err, &ee) && ee.Code() == esdb.ErrorCodeConnectionClosed && !s.closed.Load() {
			s.renew(c)
		}
		opened <- result{sub, err}
	}()
	var r result
	select {
	case r = <-opened:
	case <-s.afterTimeout(ctx):
		// The library may never return (its connection loop can end with
		// callers still queued on it): do not wait for it, and close what
		// it opens if it ever does.
		cancel()
		go func() {
			if late := <-opened; late.err == nil {
				late.sub.Close()
			}
		}()
		r.err = context.DeadlineExceeded
	}
	close(confirmed)
	if r.err != nil {
		cancel()
		if ctx.Err() == nil && errors.Is(r.err, context.DeadlineExceeded) {
			return nil, fmt.Errorf("subscribe: no confirmation in %s: %w", s.timeout, domain.ErrStoreUnavailable)
		}
		return nil, s.mapErr(ctx, "subscribe", r.err)
	}
	sub := &subscription{
		store:  s,
		inner:  r.sub,
		cancel: cancel,
		ctx:    subCtx,
		items:  make(chan item, subscriptionBuffer),
		done:   make(chan struct{}),
		last:   after,
	}
	go sub.receive()
	return sub, nil
}

// afterTimeout is closed after the store's call deadline.
func (s *Store) afterTimeout(ctx context.Context) <-chan struct{} {
	ch := make(chan struct{})
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.timeout)
	context.AfterFunc(ctx, func() { cancel(); close(ch) })
	return ch
}

// item is one thing the receiving goroutine hands to Next: an event, or the
// error that ended the subscription.
type item struct {
	event domain.StoredEvent
	err   error
}

type subscription struct {
	store  *Store
	inner  *esdb.Subscription
	cancel context.CancelFunc
	ctx    context.Context
	items  chan item
	done   chan struct{} // closed by Close
	once   sync.Once
	last   domain.Position // of the last event received (receive's own)

	failed error // the error Next returns from now on (Next's own)
}

// receive moves the server's events into items until the subscription
// ends, then sends the reason.
func (sub *subscription) receive() {
	fail := func(err error) {
		select {
		case sub.items <- item{err: err}:
		case <-sub.done:
		case <-sub.store.closing:
		}
	}
	for {
		ev := sub.inner.Recv()
		switch {
		case ev.SubscriptionDropped != nil:
			switch {
			case sub.store.closed.Load():
				fail(domain.ErrStoreClosed)
			case sub.ctx.Err() != nil:
				fail(fmt.Errorf("subscription: %w", sub.ctx.Err()))
			default:
				fail(fmt.Errorf("after position %d: %v: %w", sub.last, ev.SubscriptionDropped.Error, ErrSubscriptionDropped))
			}
			return
		case ev.EventAppeared != nil:
			e := ev.EventAppeared.Event
			if e == nil || !isLedgerStream(e.StreamID) {
				continue
			}
			pos, err := position(e)
			if err == nil && pos <= sub.last {
				err = fmt.Errorf("subscription delivered position %d after %d: %w", pos, sub.last, errPositionOrder)
			}
			if err != nil {
				sub.inner.Close()
				fail(err)
				return
			}
			sub.last = pos
			select {
			case sub.items <- item{event: stored(e)}:
			case <-sub.done:
				return
			case <-sub.store.closing:
				return
			}
		}
	}
}

// Next returns the events received since the last call (at least one, at
// most domain.MaxReadBatch), waiting for the first.
func (sub *subscription) Next(ctx context.Context) ([]domain.StoredEvent, error) {
	if sub.failed != nil {
		return nil, sub.failed
	}
	select {
	case <-sub.done:
		return nil, fmt.Errorf("subscription closed: %w", domain.ErrStoreClosed)
	default:
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// The subscription lives as long as Subscribe's ctx: once that is
	// done, Next ends it, even with events still buffered (the receiving
	// goroutine may have queued more than one call takes).
	if sub.ctx.Err() != nil {
		return nil, sub.ended()
	}
	var batch []domain.StoredEvent
	take := func(it item) bool {
		if it.err != nil {
			sub.failed = it.err
			return false
		}
		batch = append(batch, it.event)
		return len(batch) < domain.MaxReadBatch
	}
	select {
	case it := <-sub.items:
		if !take(it) {
			return batch, sub.failed
		}
	case <-sub.done:
		return nil, fmt.Errorf("subscription closed: %w", domain.ErrStoreClosed)
	case <-sub.store.closing:
		sub.failed = fmt.Errorf("subscription: %w", domain.ErrStoreClosed)
		return nil, sub.failed
	case <-sub.ctx.Done():
		return nil, sub.ended()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	for {
		select {
		case it := <-sub.items:
			if !take(it) {
				if len(batch) > 0 && sub.failed != nil {
					// Deliver what came before the failure first.
					return batch, nil
				}
				return batch, sub.failed
			}
		default:
			return batch, nil
		}
	}
}

// ended is the error of a subscription whose ctx is done: Close cancels it
// too, and then, as when the store closes, the error is ErrStoreClosed.
func (sub *subscription) ended() error {
	select {
	case <-sub.done:
		return fmt.Errorf("subscription closed: %w", domain.ErrStoreClosed)
	default:
	}
	if sub.store.closed.Load() {
		sub.failed = fmt.Errorf("subscription: %w", domain.ErrStoreClosed)
	} else {
		sub.failed = fmt.Errorf("subscription: %w", sub.ctx.Err())
	}
	return sub.failed
}

// Close ends the subscription; a Next blocked on it returns
// domain.ErrStoreClosed. Close is idempotent.
func (sub *subscription) Close() error {
	sub.once.Do(func() {
		close(sub.done)
		sub.cancel()
		sub.inner.Close()
	})
	return nil
}
