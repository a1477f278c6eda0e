package api

import (
	"fmt"
	"log/slog"
	"maps"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/welfare-ledger/welfare-ledger/domain"
)

// Limits of GET /metrics: a scrape gathers every collector, so a flood of
// scrapes must not pile up goroutines, and a stuck collector must not hold
// a connection.
const (
	// metricsMaxScrapes caps concurrent scrapes; more are answered 503.
	metricsMaxScrapes = 4
	// metricsScrapeTimeout bounds one scrape.
	metricsScrapeTimeout = 10 * time.Second
)

// Histogram buckets.
var (
	// durationBuckets are the upper bounds, in seconds, of the
	// request-duration histogram: from a cached read (< 1 ms) to a write
	// waiting out its read-your-writes bound.
	durationBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}
	// commitBuckets span a group commit, one disk flush (~0.3 ms on an SSD)
	// up to a slow disk or a checkpoint stall.
	commitBuckets = []float64{0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1}
	// batchAppendBuckets are powers of two up to the embedded store's cap of
	// 256 appends per batch.
	batchAppendBuckets = prometheus.ExponentialBuckets(1, 2, 9)
	// batchEventBuckets are powers of four up to its cap of 4096 events.
	batchEventBuckets = prometheus.ExponentialBuckets(1, 4, 7)
)

// Metrics are the service's Prometheus metrics, in a registry of their own
// (never the process-wide default, so that tests and several servers in one
// process do not collide), served by GET /metrics in the Prometheus text
// format. Create them with NewMetrics before the store, hand ObserveCommit
// to the store's commit hook, and pass them to New in Config.Metrics.
//
// No label carries ledger data or personal data: requests are labelled by
// method, route pattern (never the path, which holds fund, loan and
// beneficiary ids) and status; the store and projection series have no
// labels at all.
type Metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec

	commitDuration prometheus.Histogram
	batchAppends   prometheus.Histogram
	batchEvents    prometheus.Histogram

	known   atomic.Pointer[map[requestSeries]*requestMetrics] // see series
	knownMu sync.Mutex                                        // serialises writers of known

	bound   atomic.Bool  // set when a Server has registered its gauges
	handler http.Handler // serves the registry; set by bind
}

// NewMetrics returns the request and store metrics, plus the Go runtime and
// process collectors, in a fresh registry.
func NewMetrics() *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "welfare_ledger_http_requests_total",
			Help: "HTTP requests answered, by method, route pattern and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "welfare_ledger_http_request_duration_seconds",
			Help:    "Time to answer HTTP requests, by method and route pattern.",
			Buckets: durationBuckets,
		}, []string{"method", "route"}),
		commitDuration: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "welfare_ledger_store_commit_duration_seconds",
			Help:    "Time of one group commit of the store, from BEGIN to the end of the durable COMMIT.",
			Buckets: commitBuckets,
		}),
		batchAppends: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "welfare_ledger_store_batch_appends",
			Help:    "Appends (write requests) committed together in one group commit.",
			Buckets: batchAppendBuckets,
		}),
		batchEvents: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "welfare_ledger_store_batch_events",
			Help:    "Events committed together in one group commit.",
			Buckets: batchEventBuckets,
		}),
	}
	m.reg.MustRegister(
		m.requests, m.duration, m.commitDuration, m.batchAppends, m.batchEvents,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// ObserveCommit records one group commit of the store: the events and
// appends it held and how long it took. Its signature is that of the
// embedded store's OnCommit hook; it is safe for concurrent use and does
// not block.
func (m *Metrics) ObserveCommit(events, appends int, took time.Duration) {
	m.commitDuration.Observe(took.Seconds())
	m.batchAppends.Observe(float64(appends))
	m.batchEvents.Observe(float64(events))
}

// observe records one answered request. route is the route pattern and
// method is already bounded (metricMethod), so the series are bounded by
// the route table.
func (m *Metrics) observe(method, route string, status int, d time.Duration) {
	s := m.series(requestSeries{method: method, route: route, status: status})
	s.count.Inc()
	s.duration.Observe(d.Seconds())
}

// requestSeries names the series of one kind of answered request.
type requestSeries struct {
	method, route string
	status        int
}

// requestMetrics are the series of one requestSeries.
type requestMetrics struct {
	count    prometheus.Counter
	duration prometheus.Observer
}

// series returns the series of k. They are looked up in the vectors (which
// hash and validate every label value) once per kind of request, then read
// from a map that is copied on the rare write, so that a request costs one
// lookup and no lock. The map is bounded as the series are.
func (m *Metrics) series(k requestSeries) *requestMetrics {
	if s, ok := m.knownSeries()[k]; ok {
		return s
	}
	m.knownMu.Lock()
	defer m.knownMu.Unlock()
	old := m.knownSeries()
	if s, ok := old[k]; ok {
		return s
	}
	s := &requestMetrics{
		count:    m.requests.WithLabelValues(k.method, k.route, strconv.Itoa(k.status)),
		duration: m.duration.WithLabelValues(k.method, k.route),
	}
	next := make(map[requestSeries]*requestMetrics, len(old)+1)
	maps.Copy(next, old)
	next[k] = s
	m.known.Store(&next)
	return s
}

// knownSeries is the map of series for reading; never written.
func (m *Metrics) knownSeries() map[requestSeries]*requestMetrics {
	if p := m.known.Load(); p != nil {
		return *p
	}
	return nil // no request yet
}

// bind registers the gauges read from the server's parts at each scrape:
// the projections' position, readiness and lag behind the log head, and the
// store's size, and builds the handler of GET /metrics, which logs to the
// server's log. head and size may be nil (a store that cannot tell); their
// series are then left out. A Metrics serves one Server: binding it twice
// is a wiring bug and panics, as New does for other wiring bugs.
func (m *Metrics) bind(s *Server, head func() domain.Position, size func() (int64, error)) {
	if !m.bound.CompareAndSwap(false, true) {
		panic("api: one Metrics given to two Servers")
	}
	m.reg.MustRegister(
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "welfare_ledger_projections_ready",
			Help: "Whether the projections have caught up with the log (1) or not (0).",
		}, func() float64 {
			if s.proj.Ready() {
				return 1
			}
			return 0
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "welfare_ledger_store_writable",
			Help: "Whether the event store can write (1) or its last write or probe failed, e.g. on a full disk (0).",
		}, func() float64 {
			if s.storeHealth() == nil {
				return 1
			}
			return 0
		}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "welfare_ledger_projections_position",
			Help: "Position in the log of the last event the projections applied.",
		}, func() float64 { return float64(s.proj.Position()) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "welfare_ledger_projections_resubscribes_total",
			Help: "Times the projections subscribed to the log again after the store dropped their subscription (routine on KurrentDB).",
		}, func() float64 { return float64(s.proj.Resubscribes()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "welfare_ledger_void_events",
			Help: "Events of the log that count nowhere because they landed after a close of their fiscal year began " +
				"(a write of another instance refused by its post-check, or an event appended outside the ledger).",
		}, func() float64 { return float64(s.proj.VoidCount()) }),
	)
	if head != nil {
		m.reg.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "welfare_ledger_log_head_position",
				Help: "Position of the last event in the log.",
			}, func() float64 { return float64(head()) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{
				Name: "welfare_ledger_projections_lag_events",
				Help: "Events in the log that the projections have not applied yet (log head minus projections position).",
			}, func() float64 {
				// The head is read before the position, so a commit between
				// the two reads can put the projections past the head read:
				// that is no lag, not a negative one.
				h := head()
				p := s.proj.Position()
				if p >= h {
					return 0
				}
				return float64(h - p)
			}),
		)
	}
	if size != nil {
		m.reg.MustRegister(&sizeCollector{size: size, desc: prometheus.NewDesc(
			"welfare_ledger_store_size_bytes",
			"Bytes the ledger takes on disk (for the embedded store: ledger.db plus its -wal file).",
			nil, nil)})
	}
	m.handler = promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{
		ErrorLog:            promLogger{s.log},
		ErrorHandling:       promhttp.ContinueOnError,
		MaxRequestsInFlight: metricsMaxScrapes,
		Timeout:             metricsScrapeTimeout,
	})
}

// sizeCollector reports the store's size, which can fail (a file system
// error); the failure is reported for that series alone, and the scrape
// serves the rest.
type sizeCollector struct {
	size func() (int64, error)
	desc *prometheus.Desc
}

func (c *sizeCollector) Describe(ch chan<- *prometheus.Desc) { ch <- c.desc }

func (c *sizeCollector) Collect(ch chan<- prometheus.Metric) {
	n, err := c.size()
	if err != nil {
		ch <- prometheus.NewInvalidMetric(c.desc, err)
		return
	}
	ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n))
}

// metricsHandler: GET /metrics, the registry in the Prometheus text
// format. It reveals no ledger data: request counts and timings, store
// batch sizes and timings, positions in the log and the file's size.
func (s *Server) metricsHandler(c echo.Context) error {
	s.metrics.handler.ServeHTTP(c.Response(), c.Request())
	return nil
}

// promLogger hands promhttp's errors to the server's log.
type promLogger struct{ log *slog.Logger }

func (l promLogger) Println(v ...any) {
	l.log.Warn("metrics", "err", fmt.Sprint(v...))
}
