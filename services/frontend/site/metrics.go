package site

import (
	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the RED metrics of every request, by route pattern and
// status, plus the CSP violations browsers report.
type metrics struct {
	requests   *prometheus.CounterVec
	duration   *prometheus.HistogramVec
	cspReports prometheus.Counter
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total",
			Help: "HTTP requests served, by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "http_request_duration_seconds",
			Help:    "Time to serve an HTTP request, by route pattern, method and status.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method", "status"}),
		cspReports: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "frontend_csp_reports_total",
			Help: "Content-Security-Policy violation reports received from browsers.",
		}),
	}
	reg.MustRegister(m.requests, m.duration, m.cspReports)
	return m
}
