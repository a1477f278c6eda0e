package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"
)

// serverCounters are the server's own counters, read from its GET /metrics
// around the measured load: what the server spent, as opposed to what the
// bench's clients saw.
type serverCounters struct {
	// cpuSeconds is process_cpu_seconds_total: user and system CPU of the
	// server's process (in-process, the bench's clients share it).
	cpuSeconds float64
	// appends and commits are the group commit's appends and commits
	// (welfare_ledger_store_batch_appends' sum and count).
	appends, commits float64
}

// metricNames maps the exported series the bench reads to their fields.
var metricNames = map[string]func(*serverCounters) *float64{
	"process_cpu_seconds_total":                func(c *serverCounters) *float64 { return &c.cpuSeconds },
	"welfare_ledger_store_batch_appends_sum":   func(c *serverCounters) *float64 { return &c.appends },
	"welfare_ledger_store_batch_appends_count": func(c *serverCounters) *float64 { return &c.commits },
}

// scrapeCounters reads serverCounters from the server's /metrics. Every
// series must be there: a server without them is not one the bench can
// account for, and a figure silently left at zero would mislead.
func scrapeCounters(ctx context.Context, c *benchClient) (serverCounters, error) {
	status, body, err := c.get(ctx, "/metrics")
	if err != nil {
		return serverCounters{}, fmt.Errorf("GET /metrics: %w", err)
	}
	if status != http.StatusOK {
		return serverCounters{}, fmt.Errorf("GET /metrics: status %d", status)
	}
	return parseCounters(body)
}

// parseCounters picks the series of metricNames out of the Prometheus text
// format: "name value" lines without labels (comments and every other
// series are skipped).
func parseCounters(body []byte) (serverCounters, error) {
	var out serverCounters
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(body))
	sc.Buffer(make([]byte, 0, 64<<10), benchMaxBody)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		field, wanted := metricNames[name]
		if !ok || !wanted {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
		if err != nil {
			return serverCounters{}, fmt.Errorf("metrics: %s has the value %q: %w", name, value, err)
		}
		*field(&out) = v
		seen[name] = true
	}
	if err := sc.Err(); err != nil {
		return serverCounters{}, fmt.Errorf("metrics: %w", err)
	}
	for name := range metricNames {
		if !seen[name] {
			return serverCounters{}, fmt.Errorf("metrics: the server does not export %s", name)
		}
	}
	return out, nil
}

// serverReport describes what the server spent on the measured load:
// appends per commit, and CPU per request with the rate that CPU allows on
// the server's cores. In-process the CPU is the bench's clients' too, and
// the line says so.
func serverReport(before, after serverCounters, requests int, inProcess bool) string {
	appends, commits := after.appends-before.appends, after.commits-before.commits
	cpu := after.cpuSeconds - before.cpuSeconds
	var b strings.Builder
	if commits > 0 {
		fmt.Fprintf(&b, "store: %s appends in %s commits (%.1f per commit)\n",
			grouped(int(appends)), grouped(int(commits)), appends/commits)
	}
	if requests > 0 && cpu > 0 {
		per := cpu / float64(requests)
		who := "server"
		if inProcess {
			who = "process (server and the bench's clients)"
		}
		fmt.Fprintf(&b, "cpu: %s %.1f s for %s requests: %.0f µs per request\n", who, cpu, grouped(requests), per*1e6)
	}
	return b.String()
}
