package main

import (
	"context"
	"hyundai-poc.com/evidence/results"
	"net/http"
	"strings"
	"time"

	"hyundai-poc.com/evidence/globaldb"
	"hyundai-poc.com/evidence/lag"
	"hyundai-poc.com/evidence/latency"
	"hyundai-poc.com/loadtest/stats"
)

func runLag(ctx context.Context, e *env, args []string) error {
	fs := e.flags(`
Replication lag. In every region, the backend's heartbeat lag
(replication_lag_ms of GET /api/region) sampled every --every for --sample.
On AWS also CloudWatch AuroraGlobalDBReplicationLag and AuroraGlobalDBRPOLag of
each secondary cluster over the last --window (GetMetricData, Maximum per
minute). Reports p50, p95, p99 and max. Writes lag-<time>.json.`)
	sample := fs.Duration("sample", 30*time.Second, "how long to sample the heartbeat")
	every := fs.Duration("every", 250*time.Millisecond, "heartbeat sampling interval")
	window := fs.Duration("window", time.Hour, "aws: CloudWatch window ending now")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	res := results.Lag{}
	settings := map[string]any{"sample": sample.String(), "every": every.String()}
	var targets []lag.Target
	if e.target == "lab" {
		if err := e.needLab(ctx); err != nil {
			return err
		}
		for _, r := range latency.Regions {
			targets = append(targets, lag.Target{Region: r, URL: e.edge, Header: http.Header{"X-Edge-Region": {r}}})
		}
		settings["edge"] = e.edge
		e.logf("lag: sampling the heartbeat in %d regions for %s", len(targets), *sample)
		res.Heartbeat = lag.SampleHeartbeat(ctx, targets, *every, *sample, e.out)
	} else {
		clients, o, err := e.aws(ctx)
		if err != nil {
			return err
		}
		for _, r := range o.RegionNames() {
			targets = append(targets, lag.Target{Region: r, URL: strings.TrimRight(o.Regions[r].URL, "/")})
		}
		ms, _, err := globaldb.Describe(ctx, clients.RDS(primaryOf(o.RegionNames())), o.GlobalClusterIdentifier)
		if err != nil {
			return err
		}
		end := e.now().UTC().Truncate(time.Minute)
		res.CloudWatch = map[string]map[string]stats.Summary{}
		for _, m := range ms {
			if m.Writer {
				continue
			}
			s, err := lag.CloudWatchLag(ctx, clients.CloudWatch(m.Region), globaldb.ClusterID(m.ARN), end.Add(-*window), end, time.Minute)
			if err != nil {
				return err
			}
			res.CloudWatch[m.Region] = s
			for metric, v := range s {
				e.logf("  %-15s %-29s p50 %.0f ms, p95 %.0f, p99 %.0f, max %.0f (%d minutes)", m.Region, metric, v.P50, v.P95, v.P99, v.Max, v.Count)
			}
		}
		settings["window"] = window.String()
		e.logf("lag: sampling the heartbeat in %d regions for %s", len(targets), *sample)
		res.Heartbeat = lag.SampleHeartbeat(ctx, targets, *every, *sample, e.out)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	_, err := save(e, "lag", settings, res)
	return err
}

// primaryOf picks the region to ask RDS in: us-east-1 when present (the
// design's writer home), else the first.
func primaryOf(regions []string) string {
	for _, r := range regions {
		if r == "us-east-1" {
			return r
		}
	}
	if len(regions) == 0 {
		return "us-east-1"
	}
	return regions[0]
}
