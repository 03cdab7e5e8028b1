package drill

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"sync"
	"time"

	"hyundai-poc.com/contract"
	"hyundai-poc.com/lab/topology"
	"hyundai-poc.com/loadtest/stats"
	"hyundai-poc.com/loadtest/traffic"
)

// reading is one region's GET /api/region as the drill saw it.
type reading struct {
	Region string
	At     time.Time
	Depth  *int64
}

// regionSampler reads each region's /api/region through the edge, pinned
// to that region: its write queue's depth and its replication lag.
type regionSampler struct {
	mu   sync.Mutex
	all  []reading
	lags []float64
}

func (rs *regionSampler) run(ctx context.Context, edgeURL string, clients []traffic.Client, every time.Duration) {
	hc := &http.Client{Timeout: 2 * time.Second}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		var wg sync.WaitGroup
		for _, c := range clients {
			wg.Add(1)
			go func() { defer wg.Done(); rs.read(ctx, hc, edgeURL, c) }()
		}
		wg.Wait()
	}
}

func (rs *regionSampler) read(ctx context.Context, hc *http.Client, edgeURL string, c traffic.Client) {
	req, _ := http.NewRequestWithContext(ctx, "GET", edgeURL+contract.PathRegion, nil)
	req.Header.Set(traffic.HeaderLocation, c.Location)
	req.Header.Set(traffic.HeaderPinRegion, c.Region)
	resp, err := hc.Do(req)
	if err != nil {
		return
	}
	defer resp.Body.Close()
	var ar contract.RegionStatus
	if err := json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&ar); err != nil || resp.StatusCode != 200 || ar.Region != c.Region {
		return
	}
	r := reading{Region: c.Region, At: time.Now()}
	if ar.Queue != nil && ar.Queue.Up {
		d := ar.Queue.Depth
		r.Depth = &d
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	rs.all = append(rs.all, r)
	// The writer's own region reads its writer: no replication there. A
	// region whose reader is down has no lag to speak of either.
	if ar.ReplicationLagMS != nil && ar.WriterRegion != c.Region && ar.Reader.Healthy && ar.ReadSource == contract.FromReader {
		rs.lags = append(rs.lags, float64(*ar.ReplicationLagMS))
	}
}

func (rs *regionSampler) readings() []reading {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	out := append([]reading(nil), rs.all...)
	sort.Slice(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

func (rs *regionSampler) lag() Lag {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	s := stats.Summarize(rs.lags).Rounded()
	return Lag{P50: s.P50, P95: s.P95, P99: s.P99, Max: s.Max, Samples: s.Count,
		Source: "replication_lag_ms of GET /api/region in each region whose healthy reader is a replica, every 250 ms (the backend's heartbeat lag)"}
}

// writableAt is when the writer became writable for region's backend. For
// a move: when the region's resolver answered with the promoted writer,
// which is after the region's DNS changed and at the latest one TTL later
// (its resolver caches); within that span, the first lead the region stored
// at once (201) after the promotion shows the moment. For an outage: the
// repair.
func (r *Report) writableAt(region string, samples []traffic.Sample) time.Time {
	for _, op := range r.Operations {
		if op.PromotedAt.IsZero() {
			continue
		}
		changed := op.PromotedAt
		for _, d := range op.DNS {
			if d.Region == region && d.ChangedAt.After(changed) {
				changed = d.ChangedAt
			}
		}
		at := changed.Add(time.Duration(r.Settings.DNSTTLms) * time.Millisecond)
		for _, s := range samples {
			if s.Region == region && s.Kind == traffic.Write && s.Status == http.StatusCreated && s.End.After(changed) && s.End.Before(at) {
				at = s.End
			}
		}
		return at
	}
	return r.EventEndedAt
}

// drains works out, for every lead answered 202, how long the writer took
// to store it: from the answer, from the end of the event, and from the
// moment the writer became writable for the lead's region.
func drains(samples []traffic.Sample, stored map[string]topology.StoredLead, rs []reading, rep *Report, o Options) {
	type acc struct {
		queued, stored            int
		writable, event, queuedMs []float64
	}
	ms := func(d time.Duration) float64 { return float64(max(d, 0)) / float64(time.Millisecond) }
	per := map[string]*acc{}
	all := &acc{}
	for _, c := range o.Clients {
		per[c.Region] = &acc{}
	}
	writable := map[string]time.Time{}
	for _, c := range o.Clients {
		writable[c.Region] = rep.writableAt(c.Region, samples)
	}
	for _, s := range samples {
		if s.Kind != traffic.Write || s.Status != http.StatusAccepted {
			continue
		}
		a := per[s.Region]
		if a == nil {
			continue
		}
		for _, x := range []*acc{a, all} {
			x.queued++
		}
		sl, ok := stored[s.Key]
		if !ok || sl.Count == 0 {
			continue
		}
		from := s.End
		if w := writable[s.Region]; w.After(from) {
			from = w
		}
		event := s.End
		if end := rep.eventEnd(); end.After(event) {
			event = end
		}
		for _, x := range []*acc{a, all} {
			x.stored++
			x.writable = append(x.writable, ms(sl.StoredAt.Sub(from)))
			x.event = append(x.event, ms(sl.StoredAt.Sub(event)))
			x.queuedMs = append(x.queuedMs, ms(sl.StoredAt.Sub(s.End)))
		}
	}
	summary := func(a *acc) Drain {
		return Drain{Queued: a.queued, Stored: a.stored, FromWritableMs: stats.Summarize(a.writable).Rounded(),
			FromEventEndMs: stats.Summarize(a.event).Rounded(), QueuedMs: stats.Summarize(a.queuedMs).Rounded()}
	}
	for region, a := range per {
		r := rep.Regions[region]
		r.Drain = summary(a)
		for _, x := range rs {
			if x.Region == region && x.Depth != nil {
				r.QueueDepthMax = max(r.QueueDepthMax, *x.Depth)
			}
		}
		rep.Regions[region] = r
	}
	rep.Drain = summary(all)
}

// withDepth adds each region's deepest queue reading per second to the
// timeline.
func withDepth(tl []traffic.Second, rs []reading, start time.Time) []traffic.Second {
	type key struct {
		region string
		t      int
	}
	deepest := map[key]int64{}
	for _, r := range rs {
		if r.Depth == nil || r.At.Before(start) {
			continue
		}
		k := key{r.Region, int(r.At.Sub(start) / time.Second)}
		if d, ok := deepest[k]; !ok || *r.Depth > d {
			deepest[k] = *r.Depth
		}
	}
	for i := range tl {
		if d, ok := deepest[key{tl[i].Region, tl[i].T}]; ok {
			tl[i].QueueDepth = &d
		}
	}
	return tl
}

// eventEnd is when the event was over for writes: the new writer writable
// (a move's promotion, before each region's DNS follows it), or the end of
// the trigger (an outage repaired).
func (r *Report) eventEnd() time.Time {
	for _, op := range r.Operations {
		if !op.PromotedAt.IsZero() {
			return op.PromotedAt
		}
	}
	return r.EventEndedAt
}
