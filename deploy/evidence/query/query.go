// Package query reports a simple query's p50 and mean in each region, from
// the backend's own db_query_duration_seconds histogram: it scrapes the
// backend's /metrics, sends reads, scrapes again, and works on the
// difference, so only the queries of this run count.
package query

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	"hyundai-poc.com/loadtest/stats"
)

// Histogram is one Prometheus histogram series: cumulative bucket counts
// by upper bound, with sum and count.
type Histogram struct {
	Buckets map[float64]float64
	Sum     float64
	Count   float64
}

// Parse finds the series name{labels...} whose labels include all of want
// in Prometheus text format.
func Parse(r io.Reader, name string, want map[string]string) (Histogram, error) {
	h := Histogram{Buckets: map[float64]float64{}}
	found := false
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || !strings.HasPrefix(line, name+"_") {
			continue
		}
		metric, rest, ok := strings.Cut(line, " ")
		if !ok {
			continue
		}
		val, err := strconv.ParseFloat(strings.Fields(rest)[0], 64)
		if err != nil {
			continue
		}
		base, labels := metric, ""
		if i := strings.IndexByte(metric, '{'); i >= 0 {
			base, labels = metric[:i], strings.TrimSuffix(metric[i+1:], "}")
		}
		lm := map[string]string{}
		for _, kv := range strings.Split(labels, ",") {
			k, v, ok := strings.Cut(kv, "=")
			if ok {
				lm[k] = strings.Trim(v, `"`)
			}
		}
		match := true
		for k, v := range want {
			match = match && lm[k] == v
		}
		if !match {
			continue
		}
		switch base {
		case name + "_bucket":
			le, err := strconv.ParseFloat(lm["le"], 64)
			if lm["le"] == "+Inf" {
				le, err = math.Inf(1), nil
			}
			if err == nil {
				h.Buckets[le] += val
				found = true
			}
		case name + "_sum":
			h.Sum += val
		case name + "_count":
			h.Count += val
			found = true
		}
	}
	if err := sc.Err(); err != nil {
		return h, err
	}
	if !found {
		return h, fmt.Errorf("no %s series with %v", name, want)
	}
	return h, nil
}

// Sub is h minus an earlier scrape of the same series.
func (h Histogram) Sub(before Histogram) Histogram {
	d := Histogram{Buckets: map[float64]float64{}, Sum: h.Sum - before.Sum, Count: h.Count - before.Count}
	for le, v := range h.Buckets {
		d.Buckets[le] = v - before.Buckets[le]
	}
	return d
}

// Mean in the histogram's unit; 0 when empty.
func (h Histogram) Mean() float64 {
	if h.Count <= 0 {
		return 0
	}
	return h.Sum / h.Count
}

// Quantile estimates the q quantile by linear interpolation inside the
// bucket that holds it, as Prometheus's histogram_quantile does.
func (h Histogram) Quantile(q float64) float64 {
	if h.Count <= 0 {
		return 0
	}
	var les []float64
	for le := range h.Buckets {
		les = append(les, le)
	}
	sort.Float64s(les)
	rank := q * h.Count
	prevLe, prevCount := 0.0, 0.0
	for _, le := range les {
		c := h.Buckets[le]
		if c >= rank {
			if math.IsInf(le, 1) {
				return prevLe
			}
			if c == prevCount {
				return le
			}
			return prevLe + (le-prevLe)*(rank-prevCount)/(c-prevCount)
		}
		prevLe, prevCount = le, c
	}
	return prevLe
}

// Region is one region's result.
type Region struct {
	Region string  `json:"region"`
	Pool   string  `json:"pool"`
	Count  int     `json:"queries"`
	P50ms  float64 `json:"p50_ms"`
	MeanMs float64 `json:"mean_ms"`
	Reads  int     `json:"reads_sent"`
	Failed int     `json:"reads_failed"`
	Source string  `json:"source"`
}

// Target is one region's backend /metrics and where to send reads.
type Target struct {
	Region     string
	MetricsURL string
	ReadURL    string
	Header     http.Header
}

const metric = "db_query_duration_seconds"

func scrape(ctx context.Context, hc *http.Client, url string, pool string) (Histogram, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return Histogram{}, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return Histogram{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return Histogram{}, fmt.Errorf("%s: HTTP %d", url, resp.StatusCode)
	}
	return Parse(resp.Body, metric, map[string]string{"pool": pool, "outcome": "ok"})
}

// Measure sends n reads to each target and reports the reader pool's
// queries during them.
func Measure(ctx context.Context, targets []Target, n int, progress io.Writer) ([]Region, error) {
	if progress == nil {
		progress = io.Discard
	}
	hc := &http.Client{Timeout: 10 * time.Second}
	var out []Region
	for _, t := range targets {
		before, err := scrape(ctx, hc, t.MetricsURL, "reader")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t.Region, err)
		}
		r := Region{Region: t.Region, Pool: "reader", Source: t.MetricsURL + " " + metric}
		for i := 0; i < n && ctx.Err() == nil; i++ {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, t.ReadURL, nil)
			for k, v := range t.Header {
				req.Header[k] = v
			}
			r.Reads++
			resp, err := hc.Do(req)
			if err != nil {
				r.Failed++
				continue
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				r.Failed++
			}
		}
		after, err := scrape(ctx, hc, t.MetricsURL, "reader")
		if err != nil {
			return nil, fmt.Errorf("%s: %w", t.Region, err)
		}
		d := after.Sub(before)
		r.Count = int(d.Count)
		r.P50ms = stats.Round(d.Quantile(0.5) * 1000)
		r.MeanMs = stats.Round(d.Mean() * 1000)
		fmt.Fprintf(progress, "  %-15s %d queries: p50 %.2f ms, mean %.2f ms\n", t.Region, r.Count, r.P50ms, r.MeanMs)
		out = append(out, r)
	}
	return out, nil
}
