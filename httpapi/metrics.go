package httpapi

import (
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

type httpMetrics struct {
	requests  *prometheus.CounterVec
	latency   *prometheus.HistogramVec
	commits   *prometheus.CounterVec
	batchSize prometheus.Histogram
	commitDur prometheus.Histogram
	quotas    *prometheus.CounterVec
	// byRoute caches the series of a route and status: a request then finds its two
	// series with one map read instead of hashing their labels in the vectors.
	// Routes and statuses are few.
	mu      sync.RWMutex
	byRoute map[routeStatus]*routeSeries
}

type routeStatus struct {
	route  string
	status int
}

type routeSeries struct {
	requests prometheus.Counter
	latency  prometheus.Observer
}

func newHTTPMetrics(reg *prometheus.Registry) *httpMetrics {
	m := &httpMetrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "orderhub_http_requests_total", Help: "HTTP requests by route and status.",
		}, []string{"route", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "orderhub_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"route"}),
		commits: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "orderhub_db_commits_total", Help: "Write transactions (group commits) by outcome.",
		}, []string{"outcome"}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "orderhub_db_commit_batch_size", Help: "Write requests per group commit.",
			Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256},
		}),
		commitDur: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "orderhub_db_commit_duration_seconds", Help: "Duration of group-commit transactions.",
			Buckets: prometheus.ExponentialBuckets(0.0001, 2, 16),
		}),
		quotas: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "orderhub_quota_exceeded_total", Help: "Creates refused with QuotaExceededError, by quota (docs/quotas.md).",
		}, []string{"quota"}),
	}
	reg.MustRegister(m.requests, m.latency, m.commits, m.batchSize, m.commitDur, m.quotas)
	return m
}

func (m *httpMetrics) observeRequest(route string, status int, d time.Duration) {
	k := routeStatus{route, status}
	m.mu.RLock()
	rs := m.byRoute[k]
	m.mu.RUnlock()
	if rs == nil {
		rs = &routeSeries{
			requests: m.requests.WithLabelValues(route, strconv.Itoa(status)),
			latency:  m.latency.WithLabelValues(route),
		}
		m.mu.Lock()
		if m.byRoute == nil {
			m.byRoute = map[routeStatus]*routeSeries{}
		}
		m.byRoute[k] = rs
		m.mu.Unlock()
	}
	rs.requests.Inc()
	rs.latency.Observe(d.Seconds())
}

func (m *httpMetrics) observeBatch(size int, d time.Duration, err error) {
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	m.commits.WithLabelValues(outcome).Inc()
	m.batchSize.Observe(float64(size))
	m.commitDur.Observe(d.Seconds())
}
