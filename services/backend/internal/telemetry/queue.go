package telemetry

import (
	"github.com/prometheus/client_golang/prometheus"
	"hyundai-poc.com/backend/internal/intake"
)

// QueueMetrics count what the lead intake and the region's write queue do.
type QueueMetrics struct {
	journal   *prometheus.CounterVec
	acks      *prometheus.CounterVec
	drainWait prometheus.Histogram
	batches   *prometheus.CounterVec
	batchSize prometheus.Histogram
	depth     prometheus.Gauge
	oldest    prometheus.Gauge
	up        prometheus.Gauge
}

// Queue registers the intake's and the queue's metrics on m's registry.
func (m *Metrics) Queue() *QueueMetrics {
	q := &QueueMetrics{
		journal: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lead_journal_total", Help: "Leads put on the region's queue before the database: added, existed (same key), failed (queue down).",
		}, []string{"outcome"}),
		acks: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "lead_acknowledged_total", Help: "Leads acknowledged: created (201, on the writer) or pending (202, in the queue).",
		}, []string{"status"}),
		drainWait: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "write_queue_drain_seconds", Help: "How long a pending lead waited in the queue until the drainer wrote it.",
			Buckets: []float64{.1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300},
		}),
		batches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "write_queue_drain_writes_total", Help: "Batch writes of the drainer to the writer: ok, or failed (no writable writer).",
		}, []string{"outcome"}),
		batchSize: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name: "write_queue_drain_batch_leads", Help: "Leads in one batch write of the drainer.",
			Buckets: []float64{1, 4, 16, 64, 128, 256},
		}),
		depth: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "write_queue_depth", Help: "Entries in the region's write queue: journaled leads not yet seen in another region, and pending leads.",
		}),
		oldest: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "write_queue_oldest_seconds", Help: "Age of the oldest entry in the region's write queue.",
		}),
		up: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "write_queue_up", Help: "1 when the region's write queue answered the last check.",
		}),
	}
	m.Registry.MustRegister(q.journal, q.acks, q.drainWait, q.batches, q.batchSize, q.depth, q.oldest, q.up)
	return q
}

func (q *QueueMetrics) Journaled(outcome string)      { q.journal.WithLabelValues(outcome).Inc() }
func (q *QueueMetrics) Acknowledged(s intake.Status)  { q.acks.WithLabelValues(string(s)).Inc() }
func (q *QueueMetrics) QueuedApplied(seconds float64) { q.drainWait.Observe(seconds) }

// DrainWrite counts one batch write of the drainer.
func (q *QueueMetrics) DrainWrite(leads int, ok bool) {
	outcome := "ok"
	if !ok {
		outcome = "failed"
	}
	q.batches.WithLabelValues(outcome).Inc()
	q.batchSize.Observe(float64(leads))
}

// QueueState records the queue's last known state.
func (q *QueueMetrics) QueueState(s intake.QueueState) {
	if !s.Up {
		q.up.Set(0)
		return
	}
	q.up.Set(1)
	q.depth.Set(float64(s.Depth))
	q.oldest.Set(s.Oldest.Seconds())
}
