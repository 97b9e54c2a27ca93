package delivery

import (
	"github.com/prometheus/client_golang/prometheus"
)

type metrics struct {
	outcomes      *prometheus.CounterVec
	latency       *prometheus.HistogramVec
	queueDepth    prometheus.Gauge
	oldestAge     prometheus.Gauge
	inFlight      prometheus.Gauge
	failing       prometheus.Gauge
	lostLeases    prometheus.Counter
	endpointsOff  *prometheus.CounterVec
	circuitOpens  prometheus.Counter
	shortCircuits prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "orderhub_delivery_attempts_total",
			Help: "Delivery attempts by outcome: delivered, retry, dead (schedule exhausted), gone (410, endpoint removed).",
		}, []string{"outcome"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "orderhub_delivery_attempt_duration_seconds",
			Help:    "Duration of delivery attempts by response class (2xx, 3xx, 4xx, 5xx, error).",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 15, 30},
		}, []string{"class"}),
		queueDepth: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "orderhub_delivery_queue_depth",
			Help: "Active (pending or failed, not yet delivered or dead) deliveries.",
		}),
		oldestAge: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "orderhub_delivery_oldest_pending_age_seconds",
			Help: "Age of the oldest active delivery (0 when the queue is empty).",
		}),
		inFlight: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "orderhub_delivery_in_flight",
			Help: "Deliveries claimed by this process and not yet completed.",
		}),
		failing: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "orderhub_delivery_failing_endpoints",
			Help: "Endpoints whose last attempt in this process failed (no success since). The failing endpoints themselves are listed in the console and by orderhub admin endpoints list.",
		}),
		lostLeases: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "orderhub_delivery_lost_leases_total",
			Help: "Attempts whose lease had expired or whose delivery was stopped before they completed.",
		}),
		endpointsOff: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "orderhub_delivery_endpoints_stopped_total",
			Help: "Endpoints stopped by the delivery engine, by reason (disabled: failing too long; gone: 410).",
		}, []string{"reason"}),
		circuitOpens: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "orderhub_delivery_circuit_opens_total",
			Help: "Times an endpoint's circuit opened (failed attempts in a row, or a failed probe): no attempts to it until the next probe.",
		}),
		shortCircuits: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "orderhub_delivery_short_circuited_total",
			Help: "Deliveries failed at once without a request because their endpoint's circuit was open (also counted as retry or dead attempts).",
		}),
	}
	reg.MustRegister(m.outcomes, m.latency, m.queueDepth, m.oldestAge, m.inFlight, m.failing, m.lostLeases, m.endpointsOff,
		m.circuitOpens, m.shortCircuits)
	return m
}
