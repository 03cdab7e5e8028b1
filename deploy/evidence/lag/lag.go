// Package lag measures replication lag two ways: the backends' own
// heartbeat lag (replication_lag_ms of GET /api/region, sampled in every
// region), and, on AWS, CloudWatch's AuroraGlobalDBReplicationLag and
// AuroraGlobalDBRPOLag of each secondary cluster through GetMetricData.
package lag

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatch"
	cwtypes "github.com/aws/aws-sdk-go-v2/service/cloudwatch/types"

	"hyundai-poc.com/contract"
	"hyundai-poc.com/evidence/awsapi"
	"hyundai-poc.com/loadtest/stats"
)

// Target is one region's site: its base URL and headers that reach it
// (in the lab, the edge plus a pin to the region).
type Target struct {
	Region string
	URL    string
	Header http.Header
}

// Heartbeat is one region's heartbeat lag over the sampling window.
type Heartbeat struct {
	LagMs      stats.Summary `json:"lag_ms"`
	Samples    int           `json:"samples"`
	Unanswered int           `json:"unanswered"`
	// Primary is true when the region's reader is the writer itself: its
	// lag is 0 by construction and is not a replication figure.
	Primary bool `json:"primary"`
}

// SampleHeartbeat asks every target's /api/region every interval for d and
// summarises replication_lag_ms per region.
func SampleHeartbeat(ctx context.Context, targets []Target, every, d time.Duration, progress io.Writer) map[string]Heartbeat {
	if progress == nil {
		progress = io.Discard
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	hc := &http.Client{Timeout: 5 * time.Second}
	var mu sync.Mutex
	vals := map[string][]float64{}
	out := map[string]Heartbeat{}
	var wg sync.WaitGroup
	for _, t := range targets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tick := time.NewTicker(every)
			defer tick.Stop()
			for {
				lag, primary, err := regionLag(ctx, hc, t)
				mu.Lock()
				h := out[t.Region]
				h.Samples++
				switch {
				case err != nil || lag == nil:
					h.Unanswered++
				default:
					vals[t.Region] = append(vals[t.Region], *lag)
				}
				h.Primary = h.Primary || primary
				out[t.Region] = h
				mu.Unlock()
				select {
				case <-ctx.Done():
					return
				case <-tick.C:
				}
			}
		}()
	}
	wg.Wait()
	for r, h := range out {
		h.LagMs = stats.Summarize(vals[r]).Rounded()
		out[r] = h
		fmt.Fprintf(progress, "  %-15s heartbeat lag p50 %.0f ms, p99 %.0f ms, max %.0f ms (%d samples)\n", r, h.LagMs.P50, h.LagMs.P99, h.LagMs.Max, h.LagMs.Count)
	}
	return out
}

func regionLag(ctx context.Context, hc *http.Client, t Target) (*float64, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(t.URL, "/")+contract.PathRegion, nil)
	if err != nil {
		return nil, false, err
	}
	for k, v := range t.Header {
		req.Header[k] = v
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, false, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, false, fmt.Errorf("HTTP %d", resp.StatusCode)
	}
	var body contract.RegionStatus
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&body); err != nil {
		return nil, false, err
	}
	var lag *float64
	if body.ReplicationLagMS != nil {
		ms := float64(*body.ReplicationLagMS)
		lag = &ms
	}
	return lag, body.WriterRegion != "" && body.WriterRegion == body.Region, nil
}

// Metrics the kit reads from CloudWatch, per secondary cluster.
var Metrics = []string{"AuroraGlobalDBReplicationLag", "AuroraGlobalDBRPOLag"}

// CloudWatchLag reads the metrics of one secondary cluster between start
// and end at period resolution (the Maximum of each period) and summarises
// each metric over the window.
func CloudWatchLag(ctx context.Context, cw awsapi.CloudWatch, clusterID string, start, end time.Time, period time.Duration) (map[string]stats.Summary, error) {
	in := &cloudwatch.GetMetricDataInput{StartTime: aws.Time(start), EndTime: aws.Time(end), ScanBy: cwtypes.ScanByTimestampAscending}
	for i, m := range Metrics {
		in.MetricDataQueries = append(in.MetricDataQueries, cwtypes.MetricDataQuery{
			Id: aws.String(fmt.Sprintf("m%d", i)),
			MetricStat: &cwtypes.MetricStat{
				Metric: &cwtypes.Metric{Namespace: aws.String("AWS/RDS"), MetricName: aws.String(m),
					Dimensions: []cwtypes.Dimension{{Name: aws.String("DBClusterIdentifier"), Value: aws.String(clusterID)}}},
				Period: aws.Int32(int32(period / time.Second)), Stat: aws.String("Maximum"), Unit: cwtypes.StandardUnitMilliseconds,
			},
		})
	}
	vals := map[string][]float64{}
	for {
		out, err := cw.GetMetricData(ctx, in)
		if err != nil {
			return nil, fmt.Errorf("GetMetricData for %s: %w", clusterID, err)
		}
		for _, r := range out.MetricDataResults {
			var idx int
			if _, err := fmt.Sscanf(aws.ToString(r.Id), "m%d", &idx); err != nil || idx >= len(Metrics) {
				continue
			}
			vals[Metrics[idx]] = append(vals[Metrics[idx]], r.Values...)
		}
		if out.NextToken == nil {
			break
		}
		in.NextToken = out.NextToken
	}
	res := map[string]stats.Summary{}
	for _, m := range Metrics {
		res[m] = stats.Summarize(vals[m]).Rounded()
	}
	return res, nil
}
