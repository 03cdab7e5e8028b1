package main

import (
	"context"
	"fmt"
	"net/http"
	"strconv"

	"hyundai-poc.com/evidence/latency"
	"hyundai-poc.com/evidence/probe"
	"hyundai-poc.com/evidence/query"
	"hyundai-poc.com/evidence/results"
	"hyundai-poc.com/loadtest/timing"
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
		res.Errors = e.probeEveryRegion(ctx, clients, o, probe.QueryArgs(*n), func(r string, rep *timing.Report) {
			for _, q := range rep.Queries {
				res.Regions = append(res.Regions, query.Region{Region: r, Pool: q.Pool, Count: q.Count, P50ms: q.P50ms, MeanMs: q.MeanMs, Failed: q.Failed, Source: "probe task in " + r})
			}
		})
	}
	if len(res.Regions) == 0 {
		return fmt.Errorf("no region answered: %v", res.Errors)
	}
	_, err := save(e, "query", settings, res)
	return err
}
