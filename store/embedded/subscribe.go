package embedded

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// Subscribe returns a subscription delivering every event with position >
// after, in log order and without gaps, until ctx is done, the subscription
// is closed or the store is closed. Errors: domain.ErrStoreClosed, ctx
// errors.
func (s *Store) Subscribe(ctx context.Context, after domain.Position) (domain.Subscription, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("subscribe after %d: %w", after, err)
	}
	if s.isClosing() {
		return nil, fmt.Errorf("subscribe after %d: %w", after, domain.ErrStoreClosed)
	}
	return &subscription{s: s, ctx: ctx, after: after, closed: make(chan struct{})}, nil
}

// externalPollInterval bounds how late a subscription sees events that
// another process appended to the same file (welfare-ledger token issue or
// revoke while the server runs): this process's own commits wake it at once.
// An idle subscription costs one empty indexed read per interval.
const externalPollInterval = 200 * time.Millisecond

// subscription follows the log by reading pages and, when caught up,
// waiting for the writer's next commit.
type subscription struct {
	s      *Store
	ctx    context.Context // Subscribe's ctx: its end ends the subscription
	after  domain.Position // last position delivered; only Next touches it
	closed chan struct{}
	once   sync.Once
}

// Next blocks until at least one event after the last one delivered is
// available and returns up to domain.MaxReadBatch of them in log order.
// Errors: ctx errors (of ctx or of Subscribe's ctx), domain.ErrStoreClosed
// once the subscription or the store is closed, and read errors. Next must
// not be called concurrently with itself.
func (sub *subscription) Next(ctx context.Context) ([]domain.StoredEvent, error) {
	for {
		if err := sub.stopped(ctx); err != nil {
			return nil, err
		}
		// Take the signal before reading: a commit that lands after the
		// read closes this very channel, so the wait below cannot miss it.
		signal := sub.s.commitSignal()
		events, err := sub.s.ReadAll(ctx, sub.after, domain.MaxReadBatch)
		if err != nil {
			return nil, fmt.Errorf("subscription: %w", err)
		}
		if len(events) > 0 {
			sub.after = events[len(events)-1].Position
			return events, nil
		}
		poll := time.NewTimer(externalPollInterval)
		select {
		case <-signal:
		case <-poll.C:
		case <-ctx.Done():
		case <-sub.ctx.Done():
		case <-sub.closed:
		case <-sub.s.closing:
		}
		poll.Stop()
	}
}

// stopped returns why Next must stop, or nil.
func (sub *subscription) stopped(ctx context.Context) error {
	select {
	case <-sub.closed:
		return fmt.Errorf("subscription closed: %w", domain.ErrStoreClosed)
	case <-sub.s.closing:
		return fmt.Errorf("subscription: %w", domain.ErrStoreClosed)
	default:
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("subscription: %w", err)
	}
	if err := sub.ctx.Err(); err != nil {
		return fmt.Errorf("subscription ended: %w", err)
	}
	return nil
}

// Close ends the subscription and wakes a Next blocked on it. It is
// idempotent and always returns nil.
func (sub *subscription) Close() error {
	sub.once.Do(func() { close(sub.closed) })
	return nil
}
