package main

import (
	"fmt"
	"io"
	"slices"
	"strconv"
	"text/tabwriter"
	"time"
)

// latencySummary holds exact percentiles of one set of latencies.
type latencySummary struct {
	p50, p99, max time.Duration
}

// summarize sorts ds in place and reads its percentiles (nearest rank).
func summarize(ds []time.Duration) latencySummary {
	if len(ds) == 0 {
		return latencySummary{}
	}
	slices.Sort(ds)
	rank := func(p float64) time.Duration {
		i := int(p*float64(len(ds))+0.5) - 1
		return ds[min(max(i, 0), len(ds)-1)]
	}
	return latencySummary{p50: rank(0.50), p99: rank(0.99), max: ds[len(ds)-1]}
}

// group merges the statistics of the writes or of the reads.
func (r *benchResult) group(writes bool) opStats {
	var g opStats
	for op, s := range r.ops {
		if benchOp(op).isWrite() != writes {
			continue
		}
		g.latencies = append(g.latencies, s.latencies...)
		g.ok += s.ok
		g.refused += s.refused
		g.errors += s.errors
	}
	return g
}

// print writes one line per operation, then the writes and reads together.
func (r *benchResult) print(out io.Writer) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "op\trequests\treq/s\tp50\tp99\tmax\tok\trefused 409\terrors\t")
	line := func(name string, s opStats) {
		l := summarize(s.latencies)
		n := len(s.latencies)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", name, grouped(n), grouped(int(r.rate(n))),
			ms(l.p50), ms(l.p99), ms(l.max), grouped(s.ok), grouped(s.refused), grouped(s.errors))
	}
	for op := range r.ops {
		line(opNames[op], r.ops[op])
	}
	line("all writes", r.group(true))
	line("all reads", r.group(false))
	tw.Flush()
}

// summary is the closing line: acknowledged writes per second, their p99,
// reads per second, errors, and the verification's outcome.
func (r *benchResult) summary(cfg benchConfig, funds int, verifyErr error) string {
	w, rd := r.group(true), r.group(false)
	verdict := fmt.Sprintf("figures verified (%d funds)", funds)
	switch {
	case r.errors() > 0:
		verdict = "figures not verified"
	case verifyErr != nil:
		verdict = "FIGURES DIFFER"
	}
	return fmt.Sprintf("bench: %d clients %s: %s writes/s p99 %s, %s reads/s, %d errors, %s",
		cfg.clients, cfg.duration, grouped(int(r.rate(w.ok))), ms(summarize(w.latencies).p99),
		grouped(int(r.rate(rd.ok))), r.errors(), verdict)
}

func (r *benchResult) rate(n int) float64 {
	return float64(n) / r.elapsed.Seconds()
}

// ms formats a latency in milliseconds with a precision that suits it.
func ms(d time.Duration) string {
	f := float64(d) / float64(time.Millisecond)
	if f < 10 {
		return strconv.FormatFloat(f, 'f', 1, 64) + "ms"
	}
	return strconv.FormatFloat(f, 'f', 0, 64) + "ms"
}

// grouped writes n with thousands separators: 12345 → 12,345.
func grouped(n int) string {
	s := strconv.Itoa(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var out []byte
	for i, c := range []byte(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, c)
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}
