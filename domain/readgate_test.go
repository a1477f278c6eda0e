package domain_test

import (
	"strings"
	"sync"
	"sync/atomic"
)

// fundReadGate is what a test store wrapper does on each read of a
// stream: it counts the reads of fund streams and, when gated, holds the
// first of them until gate is closed (held is closed once that read has
// begun), so that a test can act while a worker is in its read.
type fundReadGate struct {
	fundReads atomic.Int64
	once      sync.Once
	held      chan struct{}
	gate      chan struct{}
}

// gated returns a gate that holds the first read of a fund's stream.
func gated() fundReadGate {
	return fundReadGate{held: make(chan struct{}), gate: make(chan struct{})}
}

// reading is called before each read of stream.
func (g *fundReadGate) reading(stream string) {
	if !strings.HasPrefix(stream, "fund-") {
		return
	}
	g.fundReads.Add(1)
	if g.gate != nil {
		g.once.Do(func() {
			close(g.held)
			<-g.gate
		})
	}
}
