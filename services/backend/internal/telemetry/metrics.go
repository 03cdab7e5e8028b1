// Package telemetry holds the backend's Prometheus metrics: requests,
// queries, pools, writer moves and replication lag.
package telemetry

import (
	"database/sql"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
)

// Metrics are registered on their own registry, so tests can build many.
type Metrics struct {
	Registry *prometheus.Registry

	HTTPRequests *prometheus.CounterVec
	HTTPDuration *prometheus.HistogramVec

	dbQuery        *prometheus.HistogramVec
	writerChanges  prometheus.Counter
	reresolutions  *prometheus.CounterVec
	readFallbacks  *prometheus.CounterVec
	writerRefusals prometheus.Counter
	lag            prometheus.Gauge
}

// New registers every metric, plus Go runtime and process collectors.
func New() *Metrics {
	r := prometheus.NewRegistry()
	m := &Metrics{
		Registry: r,
		HTTPRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "http_requests_total", Help: "HTTP requests by route pattern, method and status.",
		}, []string{"route", "method", "status"}),
		HTTPDuration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "http_request_duration_seconds", Help: "HTTP request duration by route pattern, method and status.",
			Buckets: []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"route", "method", "status"}),
		dbQuery: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "db_query_duration_seconds", Help: "Database calls by pool (reader, writer) and outcome.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"pool", "outcome"}),
		writerChanges: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "db_writer_changes_total", Help: "Times the monitor found a different node behind the writer endpoint.",
		}),
		reresolutions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "db_pool_reresolutions_total", Help: "Times a pool was dropped and its endpoint resolved again.",
		}, []string{"pool"}),
		readFallbacks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "db_read_fallbacks_total", Help: "Reads served by the writer instead of the local reader, by reason.",
		}, []string{"reason"}),
		writerRefusals: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "db_writer_refused_total", Help: "New writer connections refused because the node was read-only.",
		}),
		lag: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "db_replication_lag_seconds", Help: "How far the local reader is behind the writer, from the heartbeat.",
		}),
	}
	r.MustRegister(m.HTTPRequests, m.HTTPDuration, m.dbQuery, m.writerChanges, m.reresolutions,
		m.readFallbacks, m.writerRefusals, m.lag,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// WatchPools exports database/sql pool statistics, labelled by pool name;
// each stats function is called at scrape time, so a replaced pool is
// followed.
func (m *Metrics) WatchPools(pools map[string]func() sql.DBStats) {
	m.Registry.MustRegister(poolCollector{pools: pools})
}

func (m *Metrics) QueryDone(pool, outcome string, d time.Duration) {
	m.dbQuery.WithLabelValues(pool, outcome).Observe(d.Seconds())
}
func (m *Metrics) WriterChanged(string, string)   { m.writerChanges.Inc() }
func (m *Metrics) Reresolved(pool string)         { m.reresolutions.WithLabelValues(pool).Inc() }
func (m *Metrics) ReadFallback(reason string)     { m.readFallbacks.WithLabelValues(reason).Inc() }
func (m *Metrics) WriterRefused()                 { m.writerRefusals.Inc() }
func (m *Metrics) ReplicationLag(d time.Duration) { m.lag.Set(d.Seconds()) }

var (
	poolOpen  = prometheus.NewDesc("db_pool_open_connections", "Open connections in the pool.", []string{"pool"}, nil)
	poolInUse = prometheus.NewDesc("db_pool_in_use_connections", "Connections in use.", []string{"pool"}, nil)
	poolIdle  = prometheus.NewDesc("db_pool_idle_connections", "Idle connections.", []string{"pool"}, nil)
	poolWait  = prometheus.NewDesc("db_pool_wait_count_total", "Times a caller waited for a connection.", []string{"pool"}, nil)
)

type poolCollector struct {
	pools map[string]func() sql.DBStats
}

func (c poolCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- poolOpen
	ch <- poolInUse
	ch <- poolIdle
	ch <- poolWait
}

func (c poolCollector) Collect(ch chan<- prometheus.Metric) {
	for name, stats := range c.pools {
		s := stats()
		ch <- prometheus.MustNewConstMetric(poolOpen, prometheus.GaugeValue, float64(s.OpenConnections), name)
		ch <- prometheus.MustNewConstMetric(poolInUse, prometheus.GaugeValue, float64(s.InUse), name)
		ch <- prometheus.MustNewConstMetric(poolIdle, prometheus.GaugeValue, float64(s.Idle), name)
		ch <- prometheus.MustNewConstMetric(poolWait, prometheus.CounterValue, float64(s.WaitCount), name)
	}
}
