package api_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/welfare-ledger/welfare-ledger/api"
	"github.com/welfare-ledger/welfare-ledger/domain"
)

// scrape GETs /metrics and parses it as the Prometheus text format.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	res, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatalf("GET /metrics: %v", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics = %d, want 200", res.StatusCode)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain; version=0.0.4") {
		t.Errorf("GET /metrics Content-Type = %q, want the Prometheus text format", ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(res.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// sample finds the metric of a family whose labels include all of want
// (name, value pairs); nil if there is none.
func sample(fams map[string]*dto.MetricFamily, name string, want ...string) *dto.Metric {
	f := fams[name]
	if f == nil {
		return nil
	}
next:
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		for i := 0; i+1 < len(want); i += 2 {
			if labels[want[i]] != want[i+1] {
				continue next
			}
		}
		return m
	}
	return nil
}

// gauge returns the value of an unlabelled gauge, failing if it is absent.
func gauge(t *testing.T, fams map[string]*dto.MetricFamily, name string) float64 {
	t.Helper()
	m := sample(fams, name)
	if m == nil || m.GetGauge() == nil {
		t.Fatalf("/metrics has no gauge %s", name)
	}
	return m.GetGauge().GetValue()
}

// histogram returns an unlabelled histogram, failing if it is absent.
func histogram(t *testing.T, fams map[string]*dto.MetricFamily, name string) *dto.Histogram {
	t.Helper()
	m := sample(fams, name)
	if m == nil || m.GetHistogram() == nil {
		t.Fatalf("/metrics has no histogram %s", name)
	}
	return m.GetHistogram()
}

// TestMetrics drives a few routes, a write, two kinds of 404 and a 405
// through the real server, then reads GET /metrics as Prometheus would.
func TestMetrics(t *testing.T) {
	e := newEnv(t)
	e.units()
	e.openFund(socialFund, "lang-son", "social")
	don := e.donate(socialFund, "7777777", today)
	gr := e.grant(socialFund, "M001", "1234", today)
	// Every append of this test (the harness's admin token included) is
	// one event in a fresh log, and the grant is the last: its position
	// counts them all.
	appends := float64(gr.Position)
	mustStatus(t, e.get("/v1/beneficiaries/M001"), http.StatusOK)
	mustStatus(t, e.get("/v1/funds/"+socialFund), http.StatusOK)
	mustStatus(t, e.get("/v1/funds/"+unknownID), http.StatusNotFound)
	mustStatus(t, e.get("/v1/funds/"+unknownID), http.StatusNotFound)
	mustStatus(t, e.get("/no/such/"+unknownID), http.StatusNotFound)
	mustStatus(t, e.request("BREW", "/v1/units", ""), http.StatusMethodNotAllowed)

	fams := scrape(t, e.http.URL)

	for _, c := range []struct {
		method, route, status string
		want                  float64
	}{
		{"POST", "/v1/units", "201", 3},
		{"POST", "/v1/funds", "201", 1},
		{"POST", "/v1/funds/:fund_id/donations", "201", 1},
		{"POST", "/v1/funds/:fund_id/assistance-grants", "201", 1},
		{"GET", "/v1/beneficiaries/:beneficiary_id", "200", 1},
		{"GET", "/v1/funds/:fund_id", "200", 1},
		{"GET", "/v1/funds/:fund_id", "404", 2},
		{"GET", "unmatched", "404", 1},
		{"OTHER", "/v1/units", "405", 1},
	} {
		var got float64
		if m := sample(fams, "welfare_ledger_http_requests_total", "method", c.method, "route", c.route, "status", c.status); m != nil {
			got = m.GetCounter().GetValue()
		}
		if got != c.want {
			t.Errorf("welfare_ledger_http_requests_total{%s %s %s} = %v, want %v", c.method, c.route, c.status, got, c.want)
		}
		var count uint64
		if m := sample(fams, "welfare_ledger_http_request_duration_seconds", "method", c.method, "route", c.route); m != nil {
			count = m.GetHistogram().GetSampleCount()
		}
		// Every (method, route) above has one status but GET /v1/funds/:fund_id.
		want := uint64(c.want)
		if c.route == "/v1/funds/:fund_id" && c.method == "GET" {
			want = 3
		}
		if count != want {
			t.Errorf("welfare_ledger_http_request_duration_seconds_count{%s %s} = %d, want %d", c.method, c.route, count, want)
		}
	}

	// Group commits: every append was in exactly one batch.
	batches := histogram(t, fams, "welfare_ledger_store_batch_appends")
	if got := batches.GetSampleSum(); got != appends {
		t.Errorf("sum of welfare_ledger_store_batch_appends = %v, want %v", got, appends)
	}
	if n := batches.GetSampleCount(); n < 1 || float64(n) > appends {
		t.Errorf("welfare_ledger_store_batch_appends count = %d, want 1..%v", n, appends)
	}
	events := histogram(t, fams, "welfare_ledger_store_batch_events")
	if got := events.GetSampleSum(); got != appends || events.GetSampleCount() != batches.GetSampleCount() {
		t.Errorf("welfare_ledger_store_batch_events = %v events in %d batches, want %v in %d",
			got, events.GetSampleCount(), appends, batches.GetSampleCount())
	}
	commit := histogram(t, fams, "welfare_ledger_store_commit_duration_seconds")
	if commit.GetSampleCount() != batches.GetSampleCount() || commit.GetSampleSum() <= 0 || commit.GetSampleSum() > 60 {
		t.Errorf("welfare_ledger_store_commit_duration_seconds = %v s over %d commits, want (0, 60] over %d",
			commit.GetSampleSum(), commit.GetSampleCount(), batches.GetSampleCount())
	}

	// Writes waited for the projections, so they are level with the log.
	if got, want := gauge(t, fams, "welfare_ledger_log_head_position"), float64(gr.Position); got != want {
		t.Errorf("welfare_ledger_log_head_position = %v, want the last write's %v", got, want)
	}
	if got, want := gauge(t, fams, "welfare_ledger_projections_position"), float64(gr.Position); got != want {
		t.Errorf("welfare_ledger_projections_position = %v, want %v", got, want)
	}
	if got := gauge(t, fams, "welfare_ledger_projections_lag_events"); got != 0 {
		t.Errorf("welfare_ledger_projections_lag_events = %v, want 0", got)
	}
	if got := gauge(t, fams, "welfare_ledger_projections_ready"); got != 1 {
		t.Errorf("welfare_ledger_projections_ready = %v, want 1", got)
	}
	// The embedded store never drops the subscription.
	if m := sample(fams, "welfare_ledger_projections_resubscribes_total"); m == nil || m.GetCounter() == nil || m.GetCounter().GetValue() != 0 {
		t.Errorf("welfare_ledger_projections_resubscribes_total = %v, want a counter at 0", m)
	}
	fi, err := os.Stat(filepath.Join(e.dir, "ledger.db"))
	if err != nil {
		t.Fatal(err)
	}
	if got := gauge(t, fams, "welfare_ledger_store_size_bytes"); got < float64(fi.Size()) || got <= 0 {
		t.Errorf("welfare_ledger_store_size_bytes = %v, want at least ledger.db's %d bytes", got, fi.Size())
	}
	for _, name := range []string{"go_goroutines", "process_cpu_seconds_total"} {
		if fams[name] == nil {
			t.Errorf("/metrics lacks %s (Go and process collectors)", name)
		}
	}

	// No id, nor an amount, used above reaches a label.
	secrets := []string{socialFund, unknownID, don.TransactionID, gr.TransactionID, "M001", "vgcl", "lang-son", "cao-loc", "7777777", "1234", e.token}
	for name, f := range fams {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				for _, s := range secrets {
					if strings.Contains(l.GetValue(), s) {
						t.Errorf("%s label %s=%q contains %q, want no ids or amounts in labels", name, l.GetName(), l.GetValue(), s)
					}
				}
			}
		}
	}
}

// TestMetricsStoreSizeFails: a store that cannot tell its size loses that
// series alone; the scrape serves the rest.
func TestMetricsStoreSizeFails(t *testing.T) {
	e := newEnv(t)
	srv := api.New(api.Config{
		Ledger: domain.NewLedger(e.store, time.Now), Projections: e.proj, Store: e.store,
		StoreSize: func() (int64, error) { return 0, errors.New("disk gone") },
	})
	hs := httptest.NewServer(srv.Handler())
	defer hs.Close()
	fams := scrape(t, hs.URL)
	if fams["welfare_ledger_store_size_bytes"] != nil {
		t.Errorf("/metrics has welfare_ledger_store_size_bytes although the size failed")
	}
	if got := gauge(t, fams, "welfare_ledger_projections_ready"); got != 1 {
		t.Errorf("welfare_ledger_projections_ready = %v, want 1", got)
	}
	// The embedded store never drops the subscription.
	if m := sample(fams, "welfare_ledger_projections_resubscribes_total"); m == nil || m.GetCounter() == nil || m.GetCounter().GetValue() != 0 {
		t.Errorf("welfare_ledger_projections_resubscribes_total = %v, want a counter at 0", m)
	}
	// Without LogHead there is no lag to report.
	if fams["welfare_ledger_projections_lag_events"] != nil {
		t.Errorf("/metrics has welfare_ledger_projections_lag_events without a LogHead")
	}
}

// TestMetricsOneServer: a Metrics registers one server's gauges; giving it
// to a second server is a wiring bug that New refuses.
func TestMetricsOneServer(t *testing.T) {
	e := newEnv(t)
	m := api.NewMetrics()
	cfg := api.Config{Ledger: domain.NewLedger(e.store, time.Now), Projections: e.proj, Store: e.store, Metrics: m}
	api.New(cfg)
	defer func() {
		if recover() == nil {
			t.Errorf("api.New with a Metrics already in use did not panic")
		}
	}()
	api.New(cfg)
}
