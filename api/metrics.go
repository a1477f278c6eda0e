package api

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/labstack/echo/v4"
)

// metricsContentType is the Prometheus text exposition format, version 0.0.4.
const metricsContentType = "text/plain; version=0.0.4; charset=utf-8"

// durationBuckets are the upper bounds, in seconds, of the request-duration
// histogram: from a cached read (< 1 ms) to a write waiting out its
// read-your-writes bound.
var durationBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// metrics counts requests by method, route pattern and status. Routes are
// patterns, never paths, so the number of series is bounded by the route
// table and no id (least of all a beneficiary's) reaches the metrics.
type metrics struct {
	mu       sync.Mutex
	requests map[requestKey]uint64
	duration map[durationKey]*histogram
}

type requestKey struct {
	method, route string
	status        int
}

type durationKey struct {
	method, route string
}

type histogram struct {
	counts []uint64 // per bucket, not cumulative
	count  uint64
	sum    time.Duration
}

func newMetrics() *metrics {
	return &metrics{requests: map[requestKey]uint64{}, duration: map[durationKey]*histogram{}}
}

func (m *metrics) observe(method, route string, status int, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[requestKey{method, route, status}]++
	k := durationKey{method, route}
	h, ok := m.duration[k]
	if !ok {
		h = &histogram{counts: make([]uint64, len(durationBuckets))}
		m.duration[k] = h
	}
	secs := d.Seconds()
	for i, le := range durationBuckets {
		if secs <= le {
			h.counts[i]++
			break
		}
	}
	h.count++
	h.sum += d
}

// write renders every series in a stable order.
func (m *metrics) write(b *strings.Builder) {
	m.mu.Lock()
	defer m.mu.Unlock()

	b.WriteString("# HELP welfare_ledger_http_requests_total HTTP requests answered, by method, route pattern and status.\n")
	b.WriteString("# TYPE welfare_ledger_http_requests_total counter\n")
	reqKeys := make([]requestKey, 0, len(m.requests))
	for k := range m.requests {
		reqKeys = append(reqKeys, k)
	}
	slices.SortFunc(reqKeys, func(a, b requestKey) int {
		return strings.Compare(fmt.Sprint(a.route, a.method, a.status), fmt.Sprint(b.route, b.method, b.status))
	})
	for _, k := range reqKeys {
		fmt.Fprintf(b, "welfare_ledger_http_requests_total{method=%q,route=%q,status=\"%d\"} %d\n",
			k.method, k.route, k.status, m.requests[k])
	}

	b.WriteString("# HELP welfare_ledger_http_request_duration_seconds Time to answer HTTP requests, by method and route pattern.\n")
	b.WriteString("# TYPE welfare_ledger_http_request_duration_seconds histogram\n")
	durKeys := make([]durationKey, 0, len(m.duration))
	for k := range m.duration {
		durKeys = append(durKeys, k)
	}
	slices.SortFunc(durKeys, func(a, b durationKey) int {
		return strings.Compare(a.route+" "+a.method, b.route+" "+b.method)
	})
	for _, k := range durKeys {
		h := m.duration[k]
		var cum uint64
		for i, le := range durationBuckets {
			cum += h.counts[i]
			fmt.Fprintf(b, "welfare_ledger_http_request_duration_seconds_bucket{method=%q,route=%q,le=%q} %d\n",
				k.method, k.route, strconv.FormatFloat(le, 'g', -1, 64), cum)
		}
		fmt.Fprintf(b, "welfare_ledger_http_request_duration_seconds_bucket{method=%q,route=%q,le=\"+Inf\"} %d\n", k.method, k.route, h.count)
		fmt.Fprintf(b, "welfare_ledger_http_request_duration_seconds_sum{method=%q,route=%q} %s\n",
			k.method, k.route, strconv.FormatFloat(h.sum.Seconds(), 'g', -1, 64))
		fmt.Fprintf(b, "welfare_ledger_http_request_duration_seconds_count{method=%q,route=%q} %d\n", k.method, k.route, h.count)
	}
}

// metricsHandler: GET /metrics, in Prometheus text format. It reveals no
// ledger data: request counts and timings, and how far the projections have
// read the log.
func (s *Server) metricsHandler(c echo.Context) error {
	var b strings.Builder
	s.metrics.write(&b)
	ready := 0
	if s.proj.Ready() {
		ready = 1
	}
	b.WriteString("# HELP welfare_ledger_projections_ready Whether the projections have caught up with the log (1) or not (0).\n")
	b.WriteString("# TYPE welfare_ledger_projections_ready gauge\n")
	fmt.Fprintf(&b, "welfare_ledger_projections_ready %d\n", ready)
	b.WriteString("# HELP welfare_ledger_projections_position Position in the log of the last event the projections applied.\n")
	b.WriteString("# TYPE welfare_ledger_projections_position gauge\n")
	fmt.Fprintf(&b, "welfare_ledger_projections_position %d\n", s.proj.Position())
	return c.Blob(http.StatusOK, metricsContentType, []byte(b.String()))
}
