package kdbtest

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"
)

// FailMode says how an append injected with FailAppends fails.
type FailMode int

const (
	// FailBeforeWrite drops the connection once the whole append request
	// has arrived, before anything is written: the client sees
	// Unavailable and the stream is unchanged.
	FailBeforeWrite FailMode = iota + 1
	// FailAfterWrite writes the append, then drops the connection before
	// the answer leaves: the client sees Unavailable although the events
	// are stored — the "outcome unknown" case a retry with the same event
	// ids and expected revision must resolve (idempotently).
	FailAfterWrite
	// FailHang holds the append, writing nothing, until the client gives
	// up (its deadline or a cancellation) or the server stops: a node that
	// accepts the call and never answers, for testing call deadlines.
	FailHang
)

func (m FailMode) String() string {
	switch m {
	case FailBeforeWrite:
		return "FailBeforeWrite"
	case FailAfterWrite:
		return "FailAfterWrite"
	case FailHang:
		return "FailHang"
	default:
		return "FailMode(?)"
	}
}

// FailAppends makes the next n appends that pass authentication fail in
// the given way; a later call queues its faults behind the earlier ones.
// An append that the commit check refuses (wrong expected version) counts
// too: its answer is lost the same way.
func (s *Server) FailAppends(mode FailMode, n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, mode)
	}
}

// nextFault takes the fault the current append must suffer, or 0.
func (s *Server) nextFault() FailMode {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.faults) == 0 {
		return 0
	}
	mode := s.faults[0]
	s.faults = s.faults[1:]
	return mode
}

// dropCallConnection cuts the connection that carries the call of ctx and
// returns the error the handler ends with (the client never receives it).
func (s *Server) dropCallConnection(ctx context.Context) error {
	s.mu.Lock()
	listener := s.listener
	s.mu.Unlock()
	if p, ok := peer.FromContext(ctx); ok && listener != nil {
		listener.drop(p.Addr.String())
	}
	return status.Error(codes.Unavailable, "connection dropped by kdbtest")
}

// subscription is an open subscription's handle for DropSubscriptions.
type subscription struct {
	dropped chan struct{}
}

// register records an open subscription; the returned function forgets it.
func (s *Server) register() (*subscription, func()) {
	sub := &subscription{dropped: make(chan struct{})}
	s.mu.Lock()
	s.subs[sub] = struct{}{}
	s.mu.Unlock()
	return sub, func() {
		s.mu.Lock()
		delete(s.subs, sub)
		s.mu.Unlock()
	}
}

// DropSubscriptions ends every open subscription now with an Unavailable
// error, as KurrentDB does when it drops a subscription (a slow consumer,
// a node losing leadership); the connection stays up.
func (s *Server) DropSubscriptions() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for sub := range s.subs {
		close(sub.dropped)
		delete(s.subs, sub)
	}
}

// DropSubscriptionAfter arms a one-shot drop in the middle of a stream:
// the subscription (open now or opened later) that sends the n-th event
// from now on — counted over all subscriptions — ends with Unavailable
// right after sending it, as DropSubscriptions would. With one
// subscription this drops it after exactly n events, deterministically.
// n <= 0 disarms it.
func (s *Server) DropSubscriptionAfter(n int) {
	s.dropAfter.Store(int64(max(n, 0)))
}

// eventSent counts an event a subscription sent and reports whether that
// subscription must now be dropped.
func (s *Server) eventSent() bool {
	return s.dropAfter.Load() > 0 && s.dropAfter.Add(-1) == 0
}

// Subscriptions is the number of subscriptions open now, so that a test
// can wait for a client to have (re)subscribed instead of sleeping.
func (s *Server) Subscriptions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.subs)
}
