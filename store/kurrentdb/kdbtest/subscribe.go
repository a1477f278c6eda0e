package kdbtest

import (
	"github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"github.com/google/uuid"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// errDropped ends a subscription that DropSubscriptions dropped.
var errDropped = status.Error(codes.Unavailable, "subscription dropped by kdbtest")

// cursor walks a sequence of records (the whole log, or one stream) for a
// subscription, from an index on, skipping records at or before a position.
type cursor struct {
	next int // index of the next record
	// after: records at or before this position are not sent (a start
	// position beyond the current end of the log, as AllSubscription
	// skips live events up to its checkpoint).
	after    uint64
	hasAfter bool
}

// subscribeToAll serves a catch-up subscription to $all: the confirmation,
// every event after the start position (exclusive; the default start is
// the end) that passes the filter, a checkpoint every checkpointInterval
// considered events and one when catching up (filtered subscriptions
// only, as AllSubscriptionFiltered.cs), a caught-up message once, then
// live events as they are written, until the client leaves, the
// connection drops or DropSubscriptions.
func (svc *streamsService) subscribeToAll(options *streams.ReadReq_Options_AllOptions, filter *eventFilter, call streams.Streams_ReadServer) error {
	if filter != nil && filter.checkpointInterval == 0 {
		return status.Error(codes.InvalidArgument, "checkpoint interval multiplier and search window must be positive")
	}
	l := svc.server.log
	l.mu.Lock()
	var c cursor
	var lastConsidered uint64 // the position a checkpoint may name
	switch option := options.GetAllOption().(type) {
	case *streams.ReadReq_Options_AllOptions_Start:
		c.next = 0
	case *streams.ReadReq_Options_AllOptions_End:
		// Live at once: KurrentDB sends caught-up without a checkpoint.
		c.next = len(l.records)
	case *streams.ReadReq_Options_AllOptions_Position:
		commit := option.Position.GetCommitPosition()
		if !l.allPositionValid(commit) {
			l.mu.Unlock()
			return errInvalidPosition
		}
		c.next = l.firstAtOrAfter(commit)
		if c.next < len(l.records) && l.records[c.next].position == commit {
			c.next++ // exclusive
		}
		c.after, c.hasAfter = commit, true
		lastConsidered = commit
	default:
		l.mu.Unlock()
		return status.Error(codes.InvalidArgument, "a $all subscription names its start position")
	}
	// The subscription has caught up once it has passed every record that
	// existed when it started; later ones are live.
	caughtUpAt := len(l.records)
	l.mu.Unlock()

	sub, forget := svc.server.register()
	defer forget()
	if err := confirm(call); err != nil {
		return err
	}

	caughtUp := false
	var considered uint64
	for {
		if dropped(sub) {
			return errDropped
		}
		batch, changed := svc.allSubscriptionBatch(&c, caughtUpAt, caughtUp)
		for _, r := range batch {
			considered++
			lastConsidered = r.position
			if filter.allows(r) {
				if err := call.Send(eventResponse(r)); err != nil {
					return err
				}
				if svc.server.eventSent() {
					return errDropped
				}
			}
			if filter != nil && considered >= filter.checkpointInterval {
				considered = 0
				if err := sendCheckpoint(call, r.position); err != nil {
					return err
				}
			}
		}
		if len(batch) > 0 {
			continue
		}
		if !caughtUp {
			caughtUp = true
			if filter != nil && lastConsidered > 0 {
				if err := sendCheckpoint(call, lastConsidered); err != nil {
					return err
				}
			}
			if err := sendCaughtUp(call); err != nil {
				return err
			}
			continue // live events may be waiting already
		}
		select {
		case <-changed:
		case <-sub.dropped:
			return errDropped
		case <-call.Context().Done():
			return status.FromContextError(call.Context().Err()).Err()
		}
	}
}

// allSubscriptionBatch copies the next records of the log for c, below
// index limit unless live, and returns the channel that closes on the next
// write.
func (svc *streamsService) allSubscriptionBatch(c *cursor, limit int, live bool) ([]*record, <-chan struct{}) {
	l := svc.server.log
	l.mu.Lock()
	defer l.mu.Unlock()
	if live {
		limit = len(l.records)
	}
	var batch []*record
	for c.next < limit && len(batch) < readBatchSize {
		r := l.records[c.next]
		c.next++
		if c.hasAfter && r.position <= c.after {
			continue
		}
		batch = append(batch, r)
	}
	return batch, l.changed
}

// subscribeToStream serves a catch-up subscription to one stream: the
// confirmation, the events after the start revision (exclusive; the
// default start is the end), a caught-up message once, then live events.
// A stream that does not exist yet is waited for, not refused.
func (svc *streamsService) subscribeToStream(options *streams.ReadReq_Options_StreamOptions, call streams.Streams_ReadServer) error {
	name := string(options.GetStreamIdentifier().GetStreamName())
	l := svc.server.log
	l.mu.Lock()
	var next uint64 // revision of the next event to send
	switch option := options.GetRevisionOption().(type) {
	case *streams.ReadReq_Options_StreamOptions_Start:
		next = 0
	case *streams.ReadReq_Options_StreamOptions_End:
		next = uint64(len(l.streams[name]))
	case *streams.ReadReq_Options_StreamOptions_Revision:
		next = option.Revision + 1
	default:
		l.mu.Unlock()
		return status.Error(codes.InvalidArgument, "a stream subscription names its start revision")
	}
	caughtUpAt := uint64(len(l.streams[name]))
	l.mu.Unlock()

	sub, forget := svc.server.register()
	defer forget()
	if err := confirm(call); err != nil {
		return err
	}
	caughtUp := false
	for {
		if dropped(sub) {
			return errDropped
		}
		batch, changed := svc.streamSubscriptionBatch(name, &next, caughtUpAt, caughtUp)
		for _, r := range batch {
			if err := call.Send(eventResponse(r)); err != nil {
				return err
			}
			if svc.server.eventSent() {
				return errDropped
			}
		}
		if len(batch) > 0 {
			continue
		}
		if !caughtUp {
			caughtUp = true
			if err := sendCaughtUp(call); err != nil {
				return err
			}
			continue // live events may be waiting already
		}
		select {
		case <-changed:
		case <-sub.dropped:
			return errDropped
		case <-call.Context().Done():
			return status.FromContextError(call.Context().Err()).Err()
		}
	}
}

// streamSubscriptionBatch copies the stream's records from revision *next
// on, below revision limit unless live, and returns the channel that
// closes on the next write.
func (svc *streamsService) streamSubscriptionBatch(name string, next *uint64, limit uint64, live bool) ([]*record, <-chan struct{}) {
	l := svc.server.log
	l.mu.Lock()
	defer l.mu.Unlock()
	records := l.streams[name]
	if live {
		limit = uint64(len(records))
	}
	var batch []*record
	for *next < limit && len(batch) < readBatchSize {
		batch = append(batch, records[*next])
		*next++
	}
	return batch, l.changed
}

// dropped reports whether DropSubscriptions has dropped sub, so that a
// long catch-up stops between two batches, not only once caught up.
func dropped(sub *subscription) bool {
	select {
	case <-sub.dropped:
		return true
	default:
		return false
	}
}

func confirm(call streams.Streams_ReadServer) error {
	return call.Send(&streams.ReadResp{Content: &streams.ReadResp_Confirmation{
		Confirmation: &streams.ReadResp_SubscriptionConfirmation{SubscriptionId: uuid.NewString()},
	}})
}

func sendCheckpoint(call streams.Streams_ReadServer, position uint64) error {
	return call.Send(&streams.ReadResp{Content: &streams.ReadResp_Checkpoint_{
		Checkpoint: &streams.ReadResp_Checkpoint{CommitPosition: position, PreparePosition: position},
	}})
}

func sendCaughtUp(call streams.Streams_ReadServer) error {
	return call.Send(&streams.ReadResp{Content: &streams.ReadResp_CaughtUp_{CaughtUp: &streams.ReadResp_CaughtUp{}}})
}
