package main

import (
	"bytes"
	"strings"
	"testing"
	"time"
)

// fakeClock is a clock the test moves.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func newTestProgress(terminal bool) (*progress, *bytes.Buffer, *fakeClock) {
	var out bytes.Buffer
	clock := &fakeClock{t: time.Date(2024, 6, 30, 3, 0, 0, 0, time.UTC)}
	p := newProgress(&out, "import")
	p.terminal, p.now, p.start, p.shown = terminal, clock.now, clock.t, clock.t
	return p, &out, clock
}

func TestProgressPlainLines(t *testing.T) {
	p, out, clock := newTestProgress(false)
	clock.t = clock.t.Add(plainEvery - time.Millisecond)
	p.update(1000, 0.1)
	if out.Len() != 0 {
		t.Fatalf("a line before plainEvery: %q", out)
	}
	clock.t = clock.t.Add(time.Millisecond)
	p.update(100_000, 0.25) // 10 s for a quarter: 30 s to go
	if got, want := out.String(), "import: 100000 events, 10000 events/s, 25%, ETA 30s\n"; got != want {
		t.Errorf("after %v: %q, want %q", plainEvery, got, want)
	}
	out.Reset()
	clock.t = clock.t.Add(time.Second)
	p.update(110_000, -1)
	if out.Len() != 0 {
		t.Errorf("a second line within plainEvery: %q", out)
	}
	clock.t = clock.t.Add(plainEvery)
	p.update(210_000, -1) // total unknown: no ETA
	if got, want := out.String(), "import: 210000 events, 10000 events/s\n"; got != want {
		t.Errorf("without a total: %q, want %q", got, want)
	}
	out.Reset()
	p.done(210_000)
	if got, want := out.String(), "import: 210000 events in 21s (10000 events/s)\n"; got != want {
		t.Errorf("done: %q, want %q", got, want)
	}
}

func TestProgressTerminalRedrawsOneLine(t *testing.T) {
	p, out, clock := newTestProgress(true)
	for i := 1; i <= 5; i++ {
		clock.t = clock.t.Add(terminalRefresh)
		p.update(uint64(i*1000), float64(i)/10)
	}
	if got := strings.Count(out.String(), "\r\x1b[K"); got != 5 {
		t.Errorf("%d redraws in %q, want 5", got, out)
	}
	if strings.Contains(out.String(), "\n") {
		t.Errorf("a newline while running: %q", out)
	}
	p.done(5000)
	if !strings.HasSuffix(out.String(), "\r\x1b[Kimport: 5000 events in 1s (5000 events/s)\n") {
		t.Errorf("done: %q, want the last line redrawn and ended", out)
	}
}

func TestProgressFailEndsTheTerminalLine(t *testing.T) {
	p, out, clock := newTestProgress(true)
	p.fail()
	if out.Len() != 0 {
		t.Errorf("fail with nothing drawn wrote %q", out)
	}
	clock.t = clock.t.Add(terminalRefresh)
	p.update(10, -1)
	p.fail()
	if !strings.HasSuffix(out.String(), "\n") {
		t.Errorf("fail after a redraw left %q without a newline", out)
	}
}
