package main

import (
	"context"
	"fmt"
	"hyundai-poc.com/evidence/results"
	"net/http"
	"strconv"
	"sync"

	"hyundai-poc.com/evidence/latency"
	"hyundai-poc.com/evidence/probe"
	"hyundai-poc.com/evidence/query"
)

// labBackend is region n's backend address in the lab (port n3001).
func labBackend(region string, offset int) string {
	for i, r := range latency.Regions {
		if r == region {
			return "http://127.0.0.1:" + strconv.Itoa((i+1)*10000+3001+offset)
		}
	}
	return ""
}

func runQuery(ctx context.Context, e *env, args []string) error {
	fs := e.flags(`
A simple query's p50 and mean in every region. Lab: scrapes each backend's
/metrics (db_query_duration_seconds, reader pool), sends -n reads of
GET /api/vehicles to it, scrapes again and reports the difference. AWS: the
backend's /metrics is not public, so the backend image's probe subcommand
runs as a one-off ECS task in each region and times -n simple reads through
the region's reader endpoint itself. Writes query-<time>.json.`)
	n := fs.Int("n", 200, "reads per region")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	res := results.Query{}
	settings := map[string]any{"reads_per_region": *n}
	if e.target == "lab" {
		if err := e.needLab(ctx); err != nil {
			return err
		}
		var ts []query.Target
		for _, r := range latency.Regions {
			b := labBackend(r, e.portOffset)
			ts = append(ts, query.Target{Region: r, MetricsURL: b + "/metrics", ReadURL: b + "/api/vehicles", Header: http.Header{}})
		}
		e.logf("query: %d reads per region against each backend", *n)
		var err error
		if res.Regions, err = query.Measure(ctx, ts, *n, e.out); err != nil {
			return err
		}
	} else {
		clients, o, err := e.aws(ctx)
		if err != nil {
			return err
		}
		res.Errors = map[string]string{}
		var mu sync.Mutex
		var wg sync.WaitGroup
		for _, r := range o.RegionNames() {
			reg := o.Regions[r]
			svc, err := reg.Service("backend")
			if err != nil {
				res.Errors[r] = err.Error()
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				rep, err := probe.Run(ctx, clients.ECS(r), clients.Logs(r), probe.Options{Region: r, Cluster: reg.ClusterName, Service: svc,
					Args: probe.QueryArgs(*n), Progress: e.out})
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					res.Errors[r] = err.Error()
					return
				}
				for _, q := range rep.Queries {
					res.Regions = append(res.Regions, query.Region{Region: r, Pool: q.Pool, Count: q.Count, P50ms: q.P50ms, MeanMs: q.MeanMs, Failed: q.Failed, Source: "probe task in " + r})
				}
			}()
		}
		wg.Wait()
	}
	if len(res.Regions) == 0 {
		return fmt.Errorf("no region answered: %v", res.Errors)
	}
	_, err := save(e, "query", settings, res)
	return err
}
