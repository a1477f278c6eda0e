package embedded

import "time"

// Option configures a Store at Open.
type Option func(*options)

type options struct {
	onCommit func(events, appends int, took time.Duration)
}

// OnCommit registers f to be called after every group commit that wrote at
// least one event, with the number of events and of appends the
// transaction held and the time it took from BEGIN to the end of COMMIT
// (the disk flush included). It is how a caller measures batch sizes and
// commit latency without this package knowing about any metrics library.
//
// f runs on the writer goroutine after the batch is acknowledged, so every
// append waiting behind it waits for f as well: it must be quick and must
// not block (recording a histogram observation is fine; I/O is not).
func OnCommit(f func(events, appends int, took time.Duration)) Option {
	return func(o *options) { o.onCommit = f }
}
