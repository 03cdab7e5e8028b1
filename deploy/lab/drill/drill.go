// Package drill runs a failure scenario against a running lab under steady
// traffic in every region and measures what users saw: how long writes were
// unavailable per region, failed and slowed reads, latency before, during and
// after, replication lag, and whether any acknowledged write was lost or
// applied twice.
package drill

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"hyundai-poc.com/lab/control"
	"hyundai-poc.com/lab/topology"
	"hyundai-poc.com/loadtest/stats"
	"hyundai-poc.com/loadtest/traffic"
)

// Scenarios the drill knows.
var Scenarios = []string{"switchover", "failover", "reader-outage", "region-outage"}

// Options shape a drill.
type Options struct {
	Scenario string
	// Target is the region to promote (switchover, failover) or to take out
	// (reader-outage, region-outage); a sensible one is picked when empty.
	Target          string
	Warmup          time.Duration // traffic whose timings are not counted, before Before
	Before, After   time.Duration // steady traffic before the trigger and after recovery
	Outage          time.Duration // how long an outage lasts before it is repaired
	ReadEvery       time.Duration // per region
	WriteEvery      time.Duration // per region
	RecoveryTimeout time.Duration // give up waiting for recovery after this
	// StallAfter is how long a write may take and still count as available
	// (2 s: well above any region's normal write, cross-region ones
	// included).
	StallAfter time.Duration
	Clients    []traffic.Client
	Progress   io.Writer
	Commit     string
}

// DefaultClients places one client population in each region's home: the
// locations `make latency` also uses.
func DefaultClients() []traffic.Client {
	return []traffic.Client{{Region: "us-east-1", Location: "US-VA"}, {Region: "us-west-2", Location: "US-OR"}, {Region: "ap-northeast-2", Location: "KR"}}
}

// PhaseStats is latency and failures of one kind in one phase.
type PhaseStats struct {
	Attempts int           `json:"attempts"`
	Failed   int           `json:"failed"`
	Latency  stats.Summary `json:"latency_ms"`
}

// RegionReport is what one region's users saw.
type RegionReport struct {
	Writes map[string]PhaseStats `json:"writes"` // before, during, after
	Reads  map[string]PhaseStats `json:"reads"`
	// RTOms is the longest span of failed or stalled writes: from the start
	// of one to the end of the next write that succeeded promptly.
	RTOms int64 `json:"rto_ms"`
	// StallMs is the latency beyond which a successful write counts as
	// stalled (Options.StallAfter).
	StallMs float64 `json:"write_stall_threshold_ms"`
	// WritesBackAfterDNSms is, for switchover and failover, how long after
	// the DNS change became visible (change + TTL) writes worked promptly
	// again; 0 when they already did by then.
	WritesBackAfterDNSms *int64 `json:"writes_back_after_dns_visible_ms,omitempty"`
	SlowedReads          int    `json:"slowed_reads"`
	ReadsFromWriter      int    `json:"reads_from_writer"`
	ReadsServedElsewhere int    `json:"reads_served_by_other_region"`
}

// Lag is replication lag over the run.
type Lag struct {
	P50     float64 `json:"p50"`
	P95     float64 `json:"p95"`
	P99     float64 `json:"p99"`
	Max     float64 `json:"max"`
	Samples int     `json:"samples"`
	Source  string  `json:"source"`
}

// Report is the drill's result; the top-level keys scenario, acked_writes,
// lost_writes, duplicate_writes, rto_ms, failed_reads and lag_ms are read by
// other tools and keep their names.
type Report struct {
	Scenario        string                  `json:"scenario"`
	AckedWrites     int                     `json:"acked_writes"`
	LostWrites      int                     `json:"lost_writes"`
	DuplicateWrites int                     `json:"duplicate_writes"`
	RTOms           map[string]int64        `json:"rto_ms"`
	FailedReads     map[string]int          `json:"failed_reads"`
	LagMs           Lag                     `json:"lag_ms"`
	Target          string                  `json:"target"`
	WriterBefore    string                  `json:"writer_before"`
	WriterAfter     string                  `json:"writer_after"`
	FailedWrites    int                     `json:"failed_writes"`
	LostKeys        []string                `json:"lost_keys,omitempty"`
	Lacked          *int64                  `json:"lacked_transactions,omitempty"`
	Operations      []topology.Result       `json:"operations"`
	Regions         map[string]RegionReport `json:"regions"`
	Recovered       bool                    `json:"recovered"`
	StartedAt       time.Time               `json:"started_at"`
	TriggeredAt     time.Time               `json:"triggered_at"`
	RecoveredAt     time.Time               `json:"recovered_at,omitzero"`
	EndedAt         time.Time               `json:"ended_at"`
	Commit          string                  `json:"commit"`
	Settings        control.Settings        `json:"settings"`
	Options         map[string]string       `json:"options"`
	SlowReadMs      float64                 `json:"slow_read_threshold_ms"`
	// LabReadyMs is how long the lab took from start to ready.
	LabReadyMs int64 `json:"lab_ready_ms"`
	// Timeline is what each region's clients saw, second by second since
	// StartedAt: the series the drill's timeline picture draws.
	Timeline []traffic.Second `json:"timeline,omitempty"`
}

// CheckScenario says whether name is a scenario the drill knows.
func CheckScenario(name string) error {
	for _, s := range Scenarios {
		if s == name {
			return nil
		}
	}
	return fmt.Errorf("unknown scenario %q (want one of %s)", name, strings.Join(Scenarios, ", "))
}

func (o *Options) defaults() {
	if o.Before == 0 {
		o.Before = 5 * time.Second
	}
	if o.Warmup < 0 {
		o.Warmup = 0
	} else if o.Warmup == 0 {
		o.Warmup = 3 * time.Second
	}
	if o.After == 0 {
		o.After = 5 * time.Second
	}
	if o.Outage == 0 {
		o.Outage = 5 * time.Second
	}
	if o.ReadEvery == 0 {
		o.ReadEvery = 100 * time.Millisecond
	}
	if o.WriteEvery == 0 {
		o.WriteEvery = 100 * time.Millisecond
	}
	if o.StallAfter == 0 {
		o.StallAfter = 2 * time.Second
	}
	if o.RecoveryTimeout == 0 {
		o.RecoveryTimeout = 60 * time.Second
	}
	if len(o.Clients) == 0 {
		o.Clients = DefaultClients()
	}
	if o.Progress == nil {
		o.Progress = io.Discard
	}
}

// pickTarget chooses the region a scenario acts on when none is given:
// the first region that is not the writer, except a region outage, which
// takes the last one (the farthest from the writer in the shipped table).
func pickTarget(scenario, writer string, regions []string) string {
	cands := []string{}
	for _, r := range regions {
		if r != writer {
			cands = append(cands, r)
		}
	}
	if len(cands) == 0 {
		return ""
	}
	if scenario == "region-outage" {
		return cands[len(cands)-1]
	}
	return cands[0]
}

// Run runs the drill against the lab behind c.
func Run(ctx context.Context, c *control.Client, o Options) (*Report, error) {
	o.defaults()
	if err := CheckScenario(o.Scenario); err != nil {
		return nil, err
	}
	var st control.Status
	if err := c.Do(ctx, "/v1/status", control.Request{}, &st); err != nil {
		return nil, err
	}
	if o.Target == "" {
		o.Target = pickTarget(o.Scenario, st.Writer, st.Settings.Regions)
	}
	if o.Target == st.Writer && o.Scenario != "region-outage" {
		return nil, fmt.Errorf("%s: target %s is the writer", o.Scenario, o.Target)
	}
	logf := func(format string, a ...any) {
		fmt.Fprintf(o.Progress, "drill [%s] %s\n", time.Now().UTC().Format("15:04:05.0"), fmt.Sprintf(format, a...))
	}
	rep := &Report{Scenario: o.Scenario, Target: o.Target, WriterBefore: st.Writer, Settings: st.Settings, Commit: o.Commit,
		LabReadyMs: st.ReadyMs, StartedAt: time.Now(), RTOms: map[string]int64{}, FailedReads: map[string]int{}, Regions: map[string]RegionReport{},
		Options: map[string]string{"before": o.Before.String(), "after": o.After.String(), "outage": o.Outage.String(),
			"read_every": o.ReadEvery.String(), "write_every": o.WriteEvery.String(), "warmup": o.Warmup.String(),
			"stall_after": o.StallAfter.String()}}

	tcfg := traffic.Config{Edge: st.Settings.Edge, Clients: o.Clients, ReadEvery: o.ReadEvery, WriteEvery: o.WriteEvery,
		// A client waits as long as the edge waits for its origin (10 s), so
		// a write the backend holds while the writer moves counts as slow,
		// not failed.
		ReadPath: "/api/vehicles", WritePath: "/api/health-checks", Timeout: 10 * time.Second,
		KeyPrefix: fmt.Sprintf("drill-%s-%d", o.Scenario, time.Now().UnixNano())}
	// Health checks are written by operators only; the lab hands its
	// drills the token.
	var op control.OperatorToken
	if err := c.Do(ctx, "/v1/operator-token", control.Request{}, &op); err != nil {
		return nil, fmt.Errorf("operator token: %w", err)
	}
	tcfg.Headers = map[string]string{"Authorization": "Bearer " + op.Token}
	// Warm-up traffic fills the backends' connection pools, which over a
	// 180 ms link takes seconds; its writes are checked like all others but
	// its timings are not part of "before".
	var warm traffic.Recorder
	if o.Warmup > 0 {
		logf("warming up for %s", o.Warmup)
		wctx, stopWarm := context.WithTimeout(ctx, o.Warmup)
		wcfg := tcfg
		wcfg.KeyPrefix += "-warmup"
		traffic.Run(wctx, wcfg, &warm)
		stopWarm()
	}
	var rec traffic.Recorder
	tctx, stopTraffic := context.WithCancel(context.Background())
	defer stopTraffic()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); traffic.Run(tctx, tcfg, &rec) }()
	var lag lagSampler
	go func() { defer wg.Done(); lag.run(tctx, st.Settings.Edge, o.Clients, 250*time.Millisecond) }()

	logf("%s drill: writer %s, target %s; steady traffic in %d regions (a read and a write every %s each)",
		o.Scenario, st.Writer, o.Target, len(o.Clients), o.WriteEvery)
	if err := sleep(ctx, o.Before); err != nil {
		return nil, err
	}
	rep.TriggeredAt = time.Now()
	recoverFrom, err := trigger(ctx, c, o, rep, logf)
	if err != nil {
		stopTraffic()
		wg.Wait()
		return nil, err
	}
	logf("waiting until writes work in every region...")
	rep.Recovered = waitRecovered(ctx, &rec, o, recoverFrom, logf)
	rep.RecoveredAt = time.Now()
	if rep.Recovered {
		logf("recovered %.1fs after the trigger; %s more of steady traffic", rep.RecoveredAt.Sub(rep.TriggeredAt).Seconds(), o.After)
	} else {
		logf("NOT recovered within %s", o.RecoveryTimeout)
	}
	_ = sleep(ctx, o.After)
	stopTraffic()
	wg.Wait()
	rep.EndedAt = time.Now()

	if err := c.Do(ctx, "/v1/status", control.Request{}, &st); err == nil {
		rep.WriterAfter = st.Writer
	}
	samples := rec.Samples()
	if err := verify(ctx, c, append(warm.Samples(), samples...), rep); err != nil {
		return rep, err
	}
	analyse(samples, rep, o)
	rep.Timeline = traffic.PerSecond(samples, rep.StartedAt)
	rep.LagMs = lag.summary()
	logf("checked %d acknowledged writes on the writer: %d lost, %d applied twice", rep.AckedWrites, rep.LostWrites, rep.DuplicateWrites)
	return rep, nil
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// trigger acts out the scenario and returns the moment from which writes
// are expected to work again.
func trigger(ctx context.Context, c *control.Client, o Options, rep *Report, logf func(string, ...any)) (time.Time, error) {
	do := func(path string) error {
		var res topology.Result
		if err := c.Do(ctx, path, control.Request{Region: o.Target}, &res); err != nil {
			return fmt.Errorf("%s %s: %w", path, o.Target, err)
		}
		rep.Operations = append(rep.Operations, res)
		logf("%s: %s (%s)", res.Op, res.Message, res.Took.Round(time.Millisecond))
		return nil
	}
	switch o.Scenario {
	case "switchover", "failover":
		if err := do("/v1/" + o.Scenario); err != nil {
			return time.Time{}, err
		}
		if o.Scenario == "failover" {
			l := rep.Operations[0].Lacked
			rep.Lacked = &l
		}
		return rep.TriggeredAt, nil
	case "reader-outage", "region-outage":
		stop, start := "/v1/reader/stop", "/v1/reader/start"
		if o.Scenario == "region-outage" {
			stop, start = "/v1/isolate", "/v1/heal"
		}
		if err := do(stop); err != nil {
			return time.Time{}, err
		}
		logf("outage of %s lasts %s", o.Target, o.Outage)
		werr := sleep(ctx, o.Outage)
		// Repair even when interrupted, so the lab is left whole.
		if err := do(start); err != nil {
			return time.Time{}, err
		}
		return time.Now(), werr
	}
	return time.Time{}, errors.New("unreachable")
}

// waitRecovered waits until each region has three successful writes in a
// row that started after from.
func waitRecovered(ctx context.Context, rec *traffic.Recorder, o Options, from time.Time, logf func(string, ...any)) bool {
	deadline := time.Now().Add(o.RecoveryTimeout)
	lastReport := time.Now()
	for time.Now().Before(deadline) {
		ok := true
		var waiting []string
		samples := rec.Samples()
		for _, c := range o.Clients {
			if !streak(samples, c.Region, from, 3) {
				ok = false
				waiting = append(waiting, c.Region)
			}
		}
		if ok {
			return true
		}
		if time.Since(lastReport) > 2*time.Second {
			logf("still waiting for writes in %s", strings.Join(waiting, ", "))
			lastReport = time.Now()
		}
		if sleep(ctx, 100*time.Millisecond) != nil {
			return false
		}
	}
	return false
}

func streak(samples []traffic.Sample, region string, from time.Time, n int) bool {
	var ws []traffic.Sample
	for _, s := range samples {
		if s.Kind == traffic.Write && s.Region == region && !s.Start.Before(from) {
			ws = append(ws, s)
		}
	}
	sort.Slice(ws, func(i, j int) bool { return ws[i].Start.Before(ws[j].Start) })
	run := 0
	for _, s := range ws {
		if s.OK() {
			run++
			if run >= n {
				return true
			}
		} else {
			run = 0
		}
	}
	return false
}

// verify checks every acknowledged key on the writer.
func verify(ctx context.Context, c *control.Client, samples []traffic.Sample, rep *Report) error {
	var keys []string
	for _, s := range samples {
		if s.Kind != traffic.Write {
			continue
		}
		if s.OK() {
			keys = append(keys, s.Key)
		} else {
			rep.FailedWrites++
		}
	}
	rep.AckedWrites = len(keys)
	var counts map[string]int
	if err := c.Do(ctx, "/v1/count-keys", control.Request{Table: "health_checks", Keys: keys}, &counts); err != nil {
		return fmt.Errorf("check acknowledged writes: %w", err)
	}
	for _, k := range keys {
		switch n := counts[k]; {
		case n == 0:
			rep.LostWrites++
			if len(rep.LostKeys) < 50 {
				rep.LostKeys = append(rep.LostKeys, k)
			}
		case n > 1:
			rep.DuplicateWrites += n - 1
		}
	}
	return nil
}

// phase places an attempt: "before" only if it ended before the trigger
// (one in flight when the event hit belongs to the event), "after" if it
// started after recovery, else "during".
func phase(s traffic.Sample, rep *Report) string {
	switch {
	case s.End.Before(rep.TriggeredAt):
		return "before"
	case s.Start.Before(rep.RecoveredAt):
		return "during"
	default:
		return "after"
	}
}

func analyse(samples []traffic.Sample, rep *Report, o Options) {
	type acc struct {
		attempts, failed int
		lat              []float64
	}
	regions := map[string]map[traffic.Kind]map[string]*acc{}
	outcomes := map[string][]stats.Outcome{}
	var beforeReads []float64
	for _, c := range o.Clients {
		regions[c.Region] = map[traffic.Kind]map[string]*acc{}
		for _, k := range []traffic.Kind{traffic.Read, traffic.Write} {
			regions[c.Region][k] = map[string]*acc{"before": {}, "during": {}, "after": {}}
		}
	}
	rr := map[string]RegionReport{}
	for _, s := range samples {
		a := regions[s.Region][s.Kind][phase(s, rep)]
		a.attempts++
		if !s.OK() {
			a.failed++
		} else {
			a.lat = append(a.lat, float64(s.Latency())/float64(time.Millisecond))
		}
		if s.Kind == traffic.Write {
			// A write the backend holds for seconds while the writer moves is
			// unavailability to the user even if it commits in the end.
			prompt := s.OK() && s.Latency() <= o.StallAfter
			outcomes[s.Region] = append(outcomes[s.Region], stats.Outcome{Start: s.Start, End: s.End, OK: prompt})
		} else if s.OK() && s.End.Before(rep.TriggeredAt) {
			beforeReads = append(beforeReads, float64(s.Latency())/float64(time.Millisecond))
		}
	}
	// A read is "slowed" when it took more than twice the p99 of all reads
	// before the trigger, plus 50 ms of slack for scheduling noise.
	slow := 2*stats.Percentile(beforeReads, 99) + 50
	if math.IsNaN(slow) {
		slow = 1000
	}
	rep.SlowReadMs = stats.Round(slow)
	var dnsVisible time.Time
	for _, op := range rep.Operations {
		if !op.DNSVisibleBy.IsZero() {
			dnsVisible = op.DNSVisibleBy
		}
	}
	for _, c := range o.Clients {
		r := RegionReport{Writes: map[string]PhaseStats{}, Reads: map[string]PhaseStats{}, StallMs: float64(o.StallAfter.Milliseconds())}
		for _, ph := range []string{"before", "during", "after"} {
			w, rd := regions[c.Region][traffic.Write][ph], regions[c.Region][traffic.Read][ph]
			r.Writes[ph] = PhaseStats{w.attempts, w.failed, stats.Summarize(w.lat).Rounded()}
			r.Reads[ph] = PhaseStats{rd.attempts, rd.failed, stats.Summarize(rd.lat).Rounded()}
		}
		out := stats.LongestOutage(outcomes[c.Region], rep.EndedAt)
		r.RTOms = out.Duration().Milliseconds()
		rep.RTOms[c.Region] = r.RTOms
		failedReads := 0
		for _, s := range samples {
			if s.Region != c.Region || s.Kind != traffic.Read {
				continue
			}
			if !s.OK() {
				failedReads++
				continue
			}
			if float64(s.Latency())/float64(time.Millisecond) > slow {
				r.SlowedReads++
			}
			if s.ReadSource == "writer" {
				r.ReadsFromWriter++
			}
			if s.Served != "" && s.Served != c.Region {
				r.ReadsServedElsewhere++
			}
		}
		rep.FailedReads[c.Region] = failedReads
		if !dnsVisible.IsZero() {
			var back int64
			var lastFail time.Time
			for _, oc := range outcomes[c.Region] {
				if !oc.OK && oc.Start.After(lastFail) {
					lastFail = oc.Start
				}
			}
			if !lastFail.IsZero() {
				first := time.Time{}
				for _, oc := range outcomes[c.Region] {
					if oc.OK && oc.Start.After(lastFail) && (first.IsZero() || oc.End.Before(first)) {
						first = oc.End
					}
				}
				if !first.IsZero() && first.After(dnsVisible) {
					back = first.Sub(dnsVisible).Milliseconds()
				}
			}
			r.WritesBackAfterDNSms = &back
		}
		rr[c.Region] = r
	}
	rep.Regions = rr
}

// lagSampler reads replication_lag_ms from each region's /api/region
// through the edge, pinned to that region.
type lagSampler struct {
	mu      sync.Mutex
	samples []float64
}

func (l *lagSampler) run(ctx context.Context, edgeURL string, clients []traffic.Client, every time.Duration) {
	hc := &http.Client{Timeout: 2 * time.Second}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for _, c := range clients {
			req, _ := http.NewRequestWithContext(ctx, "GET", edgeURL+"/api/region", nil)
			req.Header.Set(traffic.HeaderLocation, c.Location)
			req.Header.Set(traffic.HeaderPinRegion, c.Region)
			resp, err := hc.Do(req)
			if err != nil {
				continue
			}
			var ar struct {
				Region       string   `json:"region"`
				WriterRegion string   `json:"writer_region"`
				Lag          *float64 `json:"replication_lag_ms"`
				ReadSource   string   `json:"read_source"`
				Reader       struct {
					Healthy bool `json:"healthy"`
				} `json:"reader"`
			}
			err = json.NewDecoder(io.LimitReader(resp.Body, 1<<20)).Decode(&ar)
			resp.Body.Close()
			// The writer's own region reads its writer: no replication there.
			// A region whose reader is down has no lag to speak of either.
			if err != nil || resp.StatusCode != 200 || ar.Lag == nil || ar.Region != c.Region || ar.WriterRegion == c.Region ||
				!ar.Reader.Healthy || ar.ReadSource != "reader" {
				continue
			}
			l.mu.Lock()
			l.samples = append(l.samples, *ar.Lag)
			l.mu.Unlock()
		}
	}
}

func (l *lagSampler) summary() Lag {
	l.mu.Lock()
	defer l.mu.Unlock()
	s := stats.Summarize(l.samples).Rounded()
	return Lag{P50: s.P50, P95: s.P95, P99: s.P99, Max: s.Max, Samples: s.Count,
		Source: "replication_lag_ms of GET /api/region in each region whose healthy reader is a replica, every 250 ms (the backend's heartbeat lag)"}
}
