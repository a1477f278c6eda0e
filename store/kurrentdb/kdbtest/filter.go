package kdbtest

import (
	"regexp"
	"strings"

	"github.com/EventStore/EventStore-Client-Go/v4/protos/streams"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// defaultSearchWindow is KurrentDB's DefaultReadBatchSize, the search
// window of a filter that sends Count instead of Max.
const defaultSearchWindow = 32

// eventFilter is a server-side $all filter on the stream name or the event
// type: a regular expression, or a set of prefixes any of which matches.
// A nil filter lets every event through.
type eventFilter struct {
	onEventType bool
	prefixes    []string
	regex       *regexp.Regexp
	// checkpointInterval is how many events (matching or not) a filtered
	// subscription considers between two checkpoints: the request's
	// multiplier times its search window, as AllSubscriptionFiltered.cs.
	checkpointInterval uint64
}

// filterOf reads a request's filter; nil when it has none. A regex is
// compiled by Go's regexp (RE2), which accepts the expressions the ledger
// and the client's helpers use but not every .NET construct.
func filterOf(options *streams.ReadReq_Options) (*eventFilter, error) {
	wire := options.GetFilter()
	if wire == nil {
		return nil, nil
	}
	f := &eventFilter{}
	var expression *streams.ReadReq_Options_FilterOptions_Expression
	switch option := wire.GetFilter().(type) {
	case *streams.ReadReq_Options_FilterOptions_StreamIdentifier:
		expression = option.StreamIdentifier
	case *streams.ReadReq_Options_FilterOptions_EventType:
		expression = option.EventType
		f.onEventType = true
	default:
		return nil, status.Error(codes.InvalidArgument, "a filter names the stream or the event type")
	}
	if expression.GetRegex() != "" {
		re, err := regexp.Compile(expression.GetRegex())
		if err != nil {
			return nil, status.Errorf(codes.InvalidArgument, "filter regex: %v", err)
		}
		f.regex = re
	} else {
		f.prefixes = expression.GetPrefix()
	}
	window := uint64(defaultSearchWindow)
	if max, ok := wire.GetWindow().(*streams.ReadReq_Options_FilterOptions_Max); ok {
		window = uint64(max.Max)
	}
	f.checkpointInterval = uint64(wire.GetCheckpointIntervalMultiplier()) * window
	return f, nil
}

// allows reports whether the record passes the filter.
func (f *eventFilter) allows(r *record) bool {
	if f == nil {
		return true
	}
	subject := r.stream
	if f.onEventType {
		subject = r.eventType
	}
	if f.regex != nil {
		return f.regex.MatchString(subject)
	}
	for _, prefix := range f.prefixes {
		if strings.HasPrefix(subject, prefix) {
			return true
		}
	}
	return false
}
