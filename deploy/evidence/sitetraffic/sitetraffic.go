// Package sitetraffic sends the drill's traffic to a deployed site: in each
// region, a read and a write every interval to that region's own URL, the
// way the lab drill sends them through the edge. It summarises what users
// saw (failed attempts, write RTO per region) and checks afterwards that
// every acknowledged write is there by replaying its Idempotency-Key: the
// backend answers a replay of a stored key with Idempotent-Replayed: true.
package sitetraffic

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"hyundai-poc.com/loadtest/stats"
	"hyundai-poc.com/loadtest/traffic"
)

// Options of the traffic.
type Options struct {
	URLs       map[string]string // region -> base URL
	ReadEvery  time.Duration
	WriteEvery time.Duration
	Timeout    time.Duration
	KeyPrefix  string
	// OperatorToken is the bearer token health-check writes need
	// (HEALTH_CHECK_TOKEN of the backends); without it every write is 403.
	OperatorToken string
}

func (o Options) headers() map[string]string {
	if o.OperatorToken == "" {
		return nil
	}
	return map[string]string{"Authorization": "Bearer " + o.OperatorToken}
}

func (o Options) config(region string) traffic.Config {
	return traffic.Config{
		Edge: o.URLs[region], Clients: []traffic.Client{{Region: region}},
		ReadEvery: o.ReadEvery, WriteEvery: o.WriteEvery, ReadPath: "/api/vehicles", WritePath: "/api/health-checks",
		WriteBody: "{}", Timeout: o.Timeout, KeyPrefix: o.KeyPrefix, Headers: o.headers(),
	}
}

// Run sends traffic until ctx ends and returns every attempt.
func Run(ctx context.Context, o Options) []traffic.Sample {
	if o.Timeout == 0 {
		o.Timeout = 10 * time.Second
	}
	if o.KeyPrefix == "" {
		o.KeyPrefix = fmt.Sprintf("evidence-%d", time.Now().UnixNano())
	}
	rec := &traffic.Recorder{}
	var wg sync.WaitGroup
	for r := range o.URLs {
		wg.Add(1)
		go func() { defer wg.Done(); traffic.Run(ctx, o.config(r), rec) }()
	}
	wg.Wait()
	return rec.Samples()
}

// Region is what one region's users saw.
type Region struct {
	Writes       int   `json:"writes"`
	WritesFailed int   `json:"writes_failed"`
	Reads        int   `json:"reads"`
	ReadsFailed  int   `json:"reads_failed"`
	RTOms        int64 `json:"write_rto_ms"` // longest span of failed or stalled writes
}

// Summarize counts per region; a write slower than stall counts as
// unavailable for the RTO, as in the lab drill.
func Summarize(samples []traffic.Sample, stall time.Duration) map[string]Region {
	out := map[string]Region{}
	outcomes := map[string][]stats.Outcome{}
	end := time.Time{}
	for _, s := range samples {
		r := out[s.Region]
		if s.End.After(end) {
			end = s.End
		}
		if s.Kind == traffic.Write {
			r.Writes++
			if !s.OK() {
				r.WritesFailed++
			}
			outcomes[s.Region] = append(outcomes[s.Region], stats.Outcome{Start: s.Start, End: s.End, OK: s.OK() && s.Latency() <= stall})
		} else {
			r.Reads++
			if !s.OK() {
				r.ReadsFailed++
			}
		}
		out[s.Region] = r
	}
	for reg, oc := range outcomes {
		r := out[reg]
		r.RTOms = stats.LongestOutage(oc, end).Duration().Milliseconds()
		out[reg] = r
	}
	return out
}

// Verification of acknowledged writes.
type Verification struct {
	Acked    int      `json:"acked_writes"`
	Present  int      `json:"present"`
	Lost     int      `json:"lost_writes"`
	Unknown  int      `json:"unverified"` // the replay itself failed
	LostKeys []string `json:"lost_keys,omitempty"`
}

// Verify replays every acknowledged write (same key, same body) through the
// region that took it. A replay answered with Idempotent-Replayed: true
// proves the write is stored once; a fresh 201 means the first one was lost
// (the replay stores it now, which is reported, not hidden).
func Verify(ctx context.Context, o Options, samples []traffic.Sample) Verification {
	var v Verification
	hc := &http.Client{Timeout: 10 * time.Second}
	var keys []traffic.Sample
	for _, s := range samples {
		if s.Kind == traffic.Write && s.OK() {
			keys = append(keys, s)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].Key < keys[j].Key })
	v.Acked = len(keys)
	for _, s := range keys {
		if ctx.Err() != nil {
			v.Unknown++
			continue
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(o.URLs[s.Region], "/")+"/api/health-checks", strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", s.Key)
		for k, v := range o.headers() {
			req.Header.Set(k, v)
		}
		resp, err := hc.Do(req)
		if err != nil {
			v.Unknown++
			continue
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		switch {
		case resp.StatusCode >= 200 && resp.StatusCode < 300 && resp.Header.Get("Idempotent-Replayed") == "true":
			v.Present++
		case resp.StatusCode >= 200 && resp.StatusCode < 300:
			v.Lost++
			v.LostKeys = append(v.LostKeys, s.Key)
		default:
			v.Unknown++
		}
	}
	return v
}
