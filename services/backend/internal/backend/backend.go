// Package backend wires the backend's parts together, once, for both the
// command and the in-process test harness: metrics, the data path, the
// store over it, the catalogue's copy, the lead intake with the region's
// write queue, and the API in front.
package backend

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"log/slog"
	"os"
	"runtime/debug"
	"time"

	"hyundai-poc.com/backend/internal/api"
	"hyundai-poc.com/backend/internal/catalogcache"
	"hyundai-poc.com/backend/internal/datapath"
	"hyundai-poc.com/backend/internal/intake"
	"hyundai-poc.com/backend/internal/queue"
	"hyundai-poc.com/backend/internal/store"
	"hyundai-poc.com/backend/internal/telemetry"
)

// Writes configure how leads are taken in.
type Writes struct {
	// Hold is WRITE_HOLD: how long a lead waits for the writer before it is
	// answered 202 from the queue. 1 s when zero.
	Hold time.Duration
	// Queue is the region's write queue; nil runs without one (a lead then
	// waits for the writer as any write does).
	Queue *queue.Options
}

// Backend is one region's backend, wired.
type Backend struct {
	Databases *datapath.Databases
	API       *api.Server
	Metrics   *telemetry.Metrics
	Intake    *intake.Intake
	Catalog   *catalogcache.Store

	queue        *queue.Queue
	queueMetrics *telemetry.QueueMetrics
}

// New wires a backend for the region of db. It does not wait for a
// database or the queue: Run starts the monitor, the drainer and the
// catalogue's copy.
func New(db datapath.Options, w Writes, log *slog.Logger) (*Backend, error) {
	metrics := telemetry.New()
	db.Observer = metrics
	if db.Log == nil {
		db.Log = log.With("component", "datapath")
	}
	dbs, err := datapath.New(db)
	if err != nil {
		return nil, fmt.Errorf("data path: %w", err)
	}
	metrics.WatchPools(map[string]func() sql.DBStats{"writer": dbs.WriterStats, "reader": dbs.ReaderStats})
	st := store.New(dbs, db.Region)
	catalog := catalogcache.New(st, []string{"US", "KR"})
	if w.Hold <= 0 {
		w.Hold = time.Second
	}
	b := &Backend{Databases: dbs, Metrics: metrics, Catalog: catalog, queueMetrics: metrics.Queue()}
	iopts := intake.Options{Writer: st, Confirmer: st, Hold: w.Hold, Log: log.With("component", "intake"), Observer: b.queueMetrics}
	if w.Queue != nil {
		qo := *w.Queue
		if qo.Consumer == "" {
			qo.Consumer = consumerName(db.Region)
		}
		// A journal entry is left to its own request for the hold; after
		// that the drainer may take it. A write of the request still in
		// flight then only meets the drainer's at the key's unique index.
		if qo.MinAge == 0 {
			qo.MinAge = w.Hold + 500*time.Millisecond
		}
		// 256 leads are one INSERT of about 100 KB: far below any
		// max_allowed_packet, and a few thousand queued leads drain in a
		// dozen writes.
		if qo.Batch == 0 {
			qo.Batch = 256
		}
		q, err := queue.Open(qo)
		if err != nil {
			dbs.Close()
			return nil, fmt.Errorf("write queue: %w", err)
		}
		b.queue, iopts.Queue = q, q
	}
	b.Intake = intake.New(iopts)
	b.API = &api.Server{Region: db.Region, Store: catalog, DB: dbs, Intake: b.Intake, CatalogAge: catalog.Age,
		Log: log.With("component", "api"), Metrics: metrics}
	return b, nil
}

// GCPercent is the collector's target (GOGC) the backend runs with unless
// the environment sets GOGC. Its live heap is a few MB, so Go's default of
// 100 collects after every few MB allocated: dozens of times a second under
// load, and marking and sweeping took about an eighth of the CPU in the
// profile of GET /api/vehicles on 2 cores. 400 collects a quarter as often.
const GCPercent = 400

// MemoryLimit is the soft limit (GOMEMLIMIT) the backend runs with unless
// the environment sets GOMEMLIMIT: under heavy load GCPercent alone let the
// heap grow to five times what is live, about 110 MiB of RSS in the lab;
// near this limit the collector runs as often as it needs to stay under it.
const MemoryLimit = 64 << 20

// TuneGC applies GCPercent and MemoryLimit unless GOGC or GOMEMLIMIT is set.
func TuneGC() {
	if _, ok := os.LookupEnv("GOGC"); !ok {
		debug.SetGCPercent(GCPercent)
	}
	if _, ok := os.LookupEnv("GOMEMLIMIT"); !ok {
		debug.SetMemoryLimit(MemoryLimit)
	}
}

// consumerName names this process in the queue's consumer group: unique,
// and readable in XINFO.
func consumerName(region string) string {
	host, _ := os.Hostname()
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%s/%s/%s", region, host, hex.EncodeToString(b))
}

// Run checks the databases, keeps the catalogue's copy, watches and drains
// the write queue, until ctx ends.
func (b *Backend) Run(ctx context.Context) {
	go b.Catalog.Keep(ctx, time.Minute)
	go b.Intake.Watch(ctx, time.Second, b.queueMetrics.QueueState)
	go func() { _ = b.Intake.Drain(ctx) }()
	if b.queue != nil {
		go b.wakeDrainer(ctx)
	}
	b.Databases.Run(ctx)
}

// wakeDrainer ends the drainer's back-off whenever the writer turns
// writable again, so what queued while there was none is written within a
// monitor interval of the writer coming back.
func (b *Backend) wakeDrainer(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-b.Databases.WriterBack():
			b.queue.Wake()
		}
	}
}

// Close closes the database pools and the queue's connections.
func (b *Backend) Close() {
	b.Databases.Close()
	if b.queue != nil {
		_ = b.queue.Close()
	}
}
