// Package backend wires the backend's parts together, once, for both the
// command and the in-process test harness: metrics, the data path, the
// store over it and the API in front.
package backend

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"

	"hyundai-poc.com/backend/internal/api"
	"hyundai-poc.com/backend/internal/datapath"
	"hyundai-poc.com/backend/internal/store"
	"hyundai-poc.com/backend/internal/telemetry"
)

// Backend is one region's backend, wired.
type Backend struct {
	Databases *datapath.Databases
	API       *api.Server
	Metrics   *telemetry.Metrics
}

// New wires a backend for the region of db. It does not wait for a
// database: Run starts the data path's monitor.
func New(db datapath.Options, log *slog.Logger) (*Backend, error) {
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
	return &Backend{
		Databases: dbs,
		Metrics:   metrics,
		API: &api.Server{Region: db.Region, Store: store.New(dbs, db.Region), DB: dbs,
			Log: log.With("component", "api"), Metrics: metrics},
	}, nil
}

// Run checks the databases until ctx ends.
func (b *Backend) Run(ctx context.Context) { b.Databases.Run(ctx) }

// Close closes the database pools.
func (b *Backend) Close() { b.Databases.Close() }
