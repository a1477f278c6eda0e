package main

import (
	"fmt"
	"io"
	"os"
	"time"
)

// How often progress is shown: a terminal's line is redrawn often enough
// to look alive; a log (stderr redirected to a file, a CI job) gets a line
// now and then, so that a long import does not fill it.
const (
	terminalRefresh = 200 * time.Millisecond
	plainEvery      = 10 * time.Second
)

// progress shows how far export, import and replay have got, on stderr:
// on a terminal one line redrawn in place (events, events/s, ETA when the
// total is known), otherwise plain lines every plainEvery, and a last line
// when done. It is not safe for concurrent use.
type progress struct {
	w        io.Writer
	what     string // "export", "import", "replay"
	terminal bool
	now      func() time.Time
	start    time.Time
	shown    time.Time // last report
	drawn    bool      // a terminal line is on screen
}

// newProgress returns a progress display of what on w, which is drawn in
// place when w is a terminal.
func newProgress(w io.Writer, what string) *progress {
	p := &progress{w: w, what: what, terminal: isTerminal(w), now: time.Now}
	p.start = p.now()
	p.shown = p.start
	return p
}

// isTerminal reports whether w is a character device: a terminal, where a
// line can be redrawn with a carriage return.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// update reports events done so far and, when the total is known, the
// fraction done (0 to 1; negative: unknown). It writes only when the
// display is due.
func (p *progress) update(events uint64, fraction float64) {
	now := p.now()
	every := plainEvery
	if p.terminal {
		every = terminalRefresh
	}
	if now.Sub(p.shown) < every {
		return
	}
	p.shown = now
	p.write(p.line(events, fraction, now, false))
}

// done writes the last line: what was done, in how long, at what rate.
func (p *progress) done(events uint64) {
	p.write(p.line(events, 1, p.now(), true))
	if p.terminal {
		fmt.Fprintln(p.w)
	}
}

// fail ends a terminal's line, so that the error printed next starts on a
// line of its own.
func (p *progress) fail() {
	if p.terminal && p.drawn {
		fmt.Fprintln(p.w)
	}
}

func (p *progress) write(line string) {
	if p.terminal {
		// Back to the line's start and clear it: the new line may be
		// shorter than the one it replaces.
		fmt.Fprintf(p.w, "\r\x1b[K%s", line)
		p.drawn = true
		return
	}
	fmt.Fprintln(p.w, line)
}

// line is one report.
func (p *progress) line(events uint64, fraction float64, now time.Time, finished bool) string {
	elapsed := now.Sub(p.start)
	rate := 0.0
	if elapsed > 0 {
		rate = float64(events) / elapsed.Seconds()
	}
	if finished {
		return fmt.Sprintf("%s: %d events in %v (%.0f events/s)", p.what, events, elapsed.Round(time.Millisecond), rate)
	}
	s := fmt.Sprintf("%s: %d events, %.0f events/s", p.what, events, rate)
	if fraction > 0 && fraction <= 1 {
		eta := time.Duration(float64(elapsed) * (1 - fraction) / fraction)
		s += fmt.Sprintf(", %.0f%%, ETA %v", 100*fraction, eta.Round(time.Second))
	}
	return s
}
