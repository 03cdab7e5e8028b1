// Package drill runs a failure scenario against a running lab under steady
// traffic in every region (people posting leads and reading the catalogue
// and their leads) and measures what users saw: writes answered 201
// (stored) and 202 (queued) and how long each queued lead took to be
// stored once the region's backend had a writable writer, requests
// answered 5xx or timed out, reads served from the catalogue's copy or by
// another region, latency before, during and after, the write queue's
// depth, replication lag, and whether any acknowledged lead was lost or
// stored twice.
package drill

import (
	"context"
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
	Target        string
	Warmup        time.Duration // traffic whose timings are not counted, before Before
	Before, After time.Duration // steady traffic before the trigger and after recovery
	// Outage is how long an outage lasts before it is repaired: 5 s, or
	// under a timing profile whose failover leaves no writer for longer
	// (aws: 60 s), that long, so the queue bridges as long a gap as a
	// failover's.
	Outage time.Duration
	// Writers and Readers are the people at the site in each region: each
	// sends a request, waits for the answer, pauses for Pause, and goes on.
	Writers, Readers int
	Pause            time.Duration
	RecoveryTimeout  time.Duration // give up waiting for recovery after this
	// DrainTimeout bounds the wait, after recovery, for every queued lead to
	// be stored.
	DrainTimeout time.Duration
	// StallAfter is how long a write may take and still count as available
	// (2 s: above WRITE_HOLD, so a lead queued after the hold is available).
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

// Answers counts one region's requests of one kind by how they were
// answered.
type Answers struct {
	Created  int `json:"created_201,omitempty"` // writes stored at once
	Queued   int `json:"queued_202,omitempty"`  // writes queued (and lead reads still pending)
	OK       int `json:"ok"`                    // every 2xx, the two above included
	Server   int `json:"5xx"`                   // answered 5xx
	TimedOut int `json:"timed_out"`             // no answer within the client's timeout
	NoAnswer int `json:"no_answer"`             // connection refused or reset
	Client   int `json:"4xx"`                   // refused (429 included)
}

// Drain is how long queued leads took to be stored.
type Drain struct {
	Queued int `json:"queued"`
	Stored int `json:"stored"`
	// FromWritableMs: from the later of the 202 and the moment the writer
	// became writable for the lead's region (for a move, when the region's
	// resolver answered with the promoted writer: its DNS change, or the
	// region's first lead stored at once after it, at the latest one TTL
	// later; for an outage, the repair) to the writer storing the lead:
	// what the backend adds, detection included.
	FromWritableMs stats.Summary `json:"from_writable_ms"`
	// FromEventEndMs: from the later of the 202 and the end of the event
	// (the new writer writable for switchover and failover, the repair for
	// outages) to the writer storing the lead.
	FromEventEndMs stats.Summary `json:"from_event_end_ms"`
	// QueuedMs: from the 202 to the writer storing the lead.
	QueuedMs stats.Summary `json:"queued_ms"`
}

// RegionReport is what one region's users saw.
type RegionReport struct {
	Writes map[string]PhaseStats `json:"writes"` // before, during, after
	Reads  map[string]PhaseStats `json:"reads"`
	// WriteAnswers and ReadAnswers count every request by its answer.
	WriteAnswers Answers `json:"write_answers"`
	ReadAnswers  Answers `json:"read_answers"`
	// WriteP99DuringMs is the p99 of writes that met the event (answered
	// ones, 201 and 202).
	WriteP99DuringMs float64 `json:"write_p99_during_ms"`
	Drain            Drain   `json:"drain"`
	// RTOms is the longest span of failed or stalled writes: from the start
	// of one to the end of the next write that succeeded promptly.
	RTOms int64 `json:"rto_ms"`
	// StallMs is the latency beyond which a successful write counts as
	// stalled (Options.StallAfter).
	StallMs float64 `json:"write_stall_threshold_ms"`
	// WritesBackAfterDNSms is, for switchover and failover, how long after
	// the DNS change became visible (change + TTL) writes were stored (201)
	// promptly again; 0 when they already were by then.
	WritesBackAfterDNSms *int64 `json:"writes_back_after_dns_visible_ms,omitempty"`
	SlowedReads          int    `json:"slowed_reads"`
	ReadsFromWriter      int    `json:"reads_from_writer"`
	ReadsFromCache       int    `json:"reads_from_cache"`
	// ReadsServedElsewhere counts reads another region's origin answered
	// (the edge failed over); ReadsFromOtherReader, reads this region's
	// backend answered from another region's reader (X-Read-Region).
	ReadsServedElsewhere int `json:"reads_served_by_other_region"`
	ReadsFromOtherReader int `json:"reads_from_other_region_reader"`
	// QueueDepthMax is the deepest the region's write queue was seen.
	QueueDepthMax int64 `json:"queue_depth_max"`
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
// other tools and keep their names. An acknowledged write is one answered
// 201 or 202; lost means acknowledged and never stored; a duplicate is a
// lead stored more than once.
type Report struct {
	Scenario        string           `json:"scenario"`
	AckedWrites     int              `json:"acked_writes"`
	LostWrites      int              `json:"lost_writes"`
	DuplicateWrites int              `json:"duplicate_writes"`
	RTOms           map[string]int64 `json:"rto_ms"`
	FailedReads     map[string]int   `json:"failed_reads"`
	LagMs           Lag              `json:"lag_ms"`
	// Timing is the lab's timing profile (lab or aws).
	Timing        string `json:"timing"`
	CreatedWrites int    `json:"created_writes"`
	QueuedWrites  int    `json:"queued_writes"`
	// OtherID counts acknowledged leads stored under another id than the
	// one their answer gave (a key created afresh after a loss).
	OtherID int `json:"stored_under_other_id"`
	// Failed5xx and TimedOut count requests, writes and reads, answered
	// 5xx or not within the client's timeout, per region.
	Failed5xx map[string]int `json:"failed_5xx"`
	TimedOut  map[string]int `json:"timed_out"`
	// Drain is every region's queued leads together.
	Drain        Drain                   `json:"drain"`
	Target       string                  `json:"target"`
	WriterBefore string                  `json:"writer_before"`
	WriterAfter  string                  `json:"writer_after"`
	FailedWrites int                     `json:"failed_writes"`
	LostKeys     []string                `json:"lost_keys,omitempty"`
	Lacked       *int64                  `json:"lacked_transactions,omitempty"`
	Operations   []topology.Result       `json:"operations"`
	Regions      map[string]RegionReport `json:"regions"`
	Recovered    bool                    `json:"recovered"`
	Drained      bool                    `json:"drained"`
	StartedAt    time.Time               `json:"started_at"`
	TriggeredAt  time.Time               `json:"triggered_at"`
	// EventEndedAt is when the event was over: the new writer writable
	// (the switchover or failover returned) or the outage repaired.
	EventEndedAt time.Time         `json:"event_ended_at"`
	RecoveredAt  time.Time         `json:"recovered_at,omitzero"`
	EndedAt      time.Time         `json:"ended_at"`
	Commit       string            `json:"commit"`
	Settings     control.Settings  `json:"settings"`
	Options      map[string]string `json:"options"`
	SlowReadMs   float64           `json:"slow_read_threshold_ms"`
	// LabReadyMs is how long the lab took from start to ready.
	LabReadyMs int64 `json:"lab_ready_ms"`
	// Timeline is what each region's clients saw, second by second since
	// StartedAt, with the write queue's depth: the series the drill's
	// timeline picture draws.
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
	if o.Writers == 0 {
		o.Writers = 4
	}
	if o.Readers == 0 {
		o.Readers = 2
	}
	if o.Pause == 0 {
		o.Pause = 100 * time.Millisecond
	}
	if o.StallAfter == 0 {
		o.StallAfter = 2 * time.Second
	}
	if o.RecoveryTimeout == 0 {
		o.RecoveryTimeout = 60 * time.Second
	}
	if o.DrainTimeout == 0 {
		o.DrainTimeout = 60 * time.Second
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

// leadBody is every drill write: a brochure request. Each carries its own
// Idempotency-Key, so each is a lead of its own.
const leadBody = `{"type":"brochure","name":"Drill Visitor","email":"drill@example.com","vehicle_id":"ioniq-5","market":"US","consent":true}`

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
	if o.Outage == 0 {
		o.Outage = max(5*time.Second, st.Settings.Timing.FailoverNoWriter)
	}
	if o.Target == st.Writer && o.Scenario != "region-outage" {
		return nil, fmt.Errorf("%s: target %s is the writer", o.Scenario, o.Target)
	}
	logf := func(format string, a ...any) {
		fmt.Fprintf(o.Progress, "drill [%s] %s\n", time.Now().UTC().Format("15:04:05.0"), fmt.Sprintf(format, a...))
	}
	rep := &Report{Scenario: o.Scenario, Target: o.Target, WriterBefore: st.Writer, Settings: st.Settings, Commit: o.Commit,
		Timing: timingName(st.Settings), LabReadyMs: st.ReadyMs, StartedAt: time.Now(), RTOms: map[string]int64{}, FailedReads: map[string]int{},
		Failed5xx: map[string]int{}, TimedOut: map[string]int{}, Regions: map[string]RegionReport{},
		Options: map[string]string{"before": o.Before.String(), "after": o.After.String(), "outage": o.Outage.String(),
			"writers": fmt.Sprint(o.Writers), "readers": fmt.Sprint(o.Readers), "pause": o.Pause.String(), "warmup": o.Warmup.String(),
			"stall_after": o.StallAfter.String()}}

	tcfg := traffic.Config{Edge: st.Settings.Edge, Clients: o.Clients, ReadPath: "/api/vehicles", WritePath: "/api/leads",
		WriteBody: leadBody,
		// A client waits as long as the edge waits for its origin (10 s), so
		// a write the backend holds counts as slow, not failed.
		Timeout:   10 * time.Second,
		KeyPrefix: fmt.Sprintf("drill-%s-%d", o.Scenario, time.Now().UnixNano())}
	work := traffic.Workers{Writers: o.Writers, Readers: o.Readers, Pause: o.Pause, LeadPath: "/api/leads/"}
	// Warm-up traffic fills the backends' connection pools, which over a
	// 180 ms link takes seconds; its writes are checked like all others but
	// its timings are not part of "before".
	var warm traffic.Recorder
	if o.Warmup > 0 {
		logf("warming up for %s", o.Warmup)
		wctx, stopWarm := context.WithTimeout(ctx, o.Warmup)
		wcfg := tcfg
		wcfg.KeyPrefix += "-warmup"
		traffic.RunWorkers(wctx, wcfg, work, &warm)
		stopWarm()
	}
	var rec traffic.Recorder
	tctx, stopTraffic := context.WithCancel(context.Background())
	defer stopTraffic()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); traffic.RunWorkers(tctx, tcfg, work, &rec) }()
	var regions regionSampler
	go func() { defer wg.Done(); regions.run(tctx, st.Settings.Edge, o.Clients, 250*time.Millisecond) }()

	logf("%s drill (timing %s): writer %s, target %s; in each of %d regions %d writers post leads and %d readers read, each pausing %s between answers",
		o.Scenario, rep.Timing, st.Writer, o.Target, len(o.Clients), o.Writers, o.Readers, o.Pause)
	if err := sleep(ctx, o.Before); err != nil {
		return nil, err
	}
	rep.TriggeredAt = time.Now()
	recoverFrom, err := trigger(ctx, c, o, rep, logf)
	rep.EventEndedAt = time.Now()
	if err != nil {
		stopTraffic()
		wg.Wait()
		return nil, err
	}
	logf("waiting until leads are stored at once (201) in every region...")
	rep.Recovered = waitRecovered(ctx, &rec, o, recoverFrom, logf)
	rep.RecoveredAt = time.Now()
	if rep.Recovered {
		logf("recovered %.1fs after the trigger", rep.RecoveredAt.Sub(rep.TriggeredAt).Seconds())
	} else {
		logf("NOT recovered within %s", o.RecoveryTimeout)
	}
	rep.Drained = waitDrained(ctx, c, &rec, o, logf)
	logf("%s more of steady traffic", o.After)
	_ = sleep(ctx, o.After)
	stopTraffic()
	wg.Wait()
	rep.EndedAt = time.Now()

	if err := c.Do(ctx, "/v1/status", control.Request{}, &st); err == nil {
		rep.WriterAfter = st.Writer
	}
	samples := rec.Samples()
	stored, err := verify(ctx, c, append(warm.Samples(), samples...), rep)
	if err != nil {
		return rep, err
	}
	analyse(samples, rep, o)
	drains(samples, stored, regions.readings(), rep, o)
	rep.Timeline = withDepth(traffic.PerSecond(samples, rep.StartedAt), regions.readings(), rep.StartedAt)
	rep.LagMs = regions.lag()
	logf("checked %d acknowledged leads (%d stored at once, %d queued) on the writer: %d lost, %d stored twice, %d under another id; queued leads stored within p99 %.0f ms, max %.0f ms of the writer being writable",
		rep.AckedWrites, rep.CreatedWrites, rep.QueuedWrites, rep.LostWrites, rep.DuplicateWrites, rep.OtherID, rep.Drain.FromWritableMs.P99, rep.Drain.FromWritableMs.Max)
	return rep, nil
}

// timingName is the lab's timing profile, "lab" when it names none.
func timingName(s control.Settings) string {
	if s.Timing.Name != "" {
		return s.Timing.Name
	}
	return "lab"
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

// waitRecovered waits until each region has three leads in a row that
// started after from and were stored at once (201): a queued lead (202) is
// acknowledged, but says the writer is not back yet.
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
		if s.Status == http.StatusCreated {
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

// waitDrained waits until the writer has every lead answered 202 so far,
// up to DrainTimeout.
func waitDrained(ctx context.Context, c *control.Client, rec *traffic.Recorder, o Options, logf func(string, ...any)) bool {
	deadline := time.Now().Add(o.DrainTimeout)
	for {
		var keys []string
		for _, s := range rec.Samples() {
			if s.Kind == traffic.Write && s.Status == http.StatusAccepted {
				keys = append(keys, s.Key)
			}
		}
		var stored map[string]topology.StoredLead
		missing := len(keys)
		if err := c.Do(ctx, "/v1/leads-by-key", control.Request{Keys: keys}, &stored); err == nil {
			missing = 0
			for _, k := range keys {
				if stored[k].Count == 0 {
					missing++
				}
			}
		}
		if missing == 0 {
			logf("every queued lead (%d) is stored", len(keys))
			return true
		}
		if time.Now().After(deadline) {
			logf("%d of %d queued leads still not stored after %s", missing, len(keys), o.DrainTimeout)
			return false
		}
		logf("%d of %d queued leads not stored yet", missing, len(keys))
		if sleep(ctx, time.Second) != nil {
			return false
		}
	}
}

// verify looks every acknowledged lead up on the writer by its key and
// returns what it found.
func verify(ctx context.Context, c *control.Client, samples []traffic.Sample, rep *Report) (map[string]topology.StoredLead, error) {
	var keys []string
	ids := map[string]string{}
	for _, s := range samples {
		if s.Kind != traffic.Write {
			continue
		}
		if s.OK() {
			keys = append(keys, s.Key)
			ids[s.Key] = s.ID
		} else {
			rep.FailedWrites++
		}
	}
	rep.AckedWrites = len(keys)
	var stored map[string]topology.StoredLead
	if err := c.Do(ctx, "/v1/leads-by-key", control.Request{Keys: keys}, &stored); err != nil {
		return nil, fmt.Errorf("check acknowledged writes: %w", err)
	}
	for _, k := range keys {
		switch sl := stored[k]; {
		case sl.Count == 0:
			rep.LostWrites++
			if len(rep.LostKeys) < 50 {
				rep.LostKeys = append(rep.LostKeys, k)
			}
		case sl.Count > 1:
			rep.DuplicateWrites += sl.Count - 1
		case ids[k] != "" && sl.ID != ids[k]:
			rep.OtherID++
		}
	}
	return stored, nil
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

// count files one answer under its kind.
func (a *Answers) count(s traffic.Sample) {
	switch {
	case s.Status == http.StatusCreated:
		a.Created++
	case s.Status == http.StatusAccepted:
		a.Queued++
	}
	switch {
	case s.OK():
		a.OK++
	case s.Status >= 500:
		a.Server++
	case s.Status >= 400:
		a.Client++
	case timedOut(s.Err):
		a.TimedOut++
	default:
		a.NoAnswer++
	}
}

// timedOut says whether a request without an answer ran out of time.
func timedOut(err string) bool {
	return strings.Contains(err, "deadline exceeded") || strings.Contains(err, "Timeout") || strings.Contains(err, "timeout")
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
			// unavailability to the user even if it commits in the end; a
			// lead queued within the hold is available.
			prompt := s.OK() && s.Latency() <= o.StallAfter
			outcomes[s.Region] = append(outcomes[s.Region], stats.Outcome{Start: s.Start, End: s.End, OK: prompt})
		} else if s.OK() && s.End.Before(rep.TriggeredAt) && s.Path == "/api/vehicles" {
			beforeReads = append(beforeReads, float64(s.Latency())/float64(time.Millisecond))
		}
	}
	// A read is "slowed" when it took more than twice the p99 of catalogue
	// reads before the trigger, plus 50 ms of slack for scheduling noise.
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
		r.WriteP99DuringMs = r.Writes["during"].Latency.P99
		out := stats.LongestOutage(outcomes[c.Region], rep.EndedAt)
		r.RTOms = out.Duration().Milliseconds()
		rep.RTOms[c.Region] = r.RTOms
		failedReads := 0
		for _, s := range samples {
			if s.Region != c.Region {
				continue
			}
			if s.Kind == traffic.Write {
				r.WriteAnswers.count(s)
				continue
			}
			r.ReadAnswers.count(s)
			if !s.OK() {
				failedReads++
				continue
			}
			if float64(s.Latency())/float64(time.Millisecond) > slow {
				r.SlowedReads++
			}
			switch s.ReadSource {
			case "writer":
				r.ReadsFromWriter++
			case "cache":
				r.ReadsFromCache++
			}
			if s.ReadRegion != "" && s.ReadRegion != c.Region {
				r.ReadsFromOtherReader++
			}
			if s.Served != "" && s.Served != c.Region {
				r.ReadsServedElsewhere++
			}
		}
		rep.FailedReads[c.Region] = failedReads
		rep.Failed5xx[c.Region] = r.WriteAnswers.Server + r.ReadAnswers.Server
		rep.TimedOut[c.Region] = r.WriteAnswers.TimedOut + r.ReadAnswers.TimedOut
		rep.CreatedWrites += r.WriteAnswers.Created
		rep.QueuedWrites += r.WriteAnswers.Queued
		if !dnsVisible.IsZero() {
			var back int64
			var lastFail time.Time
			for _, s := range samples {
				if s.Region == c.Region && s.Kind == traffic.Write && s.Start.After(rep.TriggeredAt) &&
					!(s.Status == http.StatusCreated && s.Latency() <= o.StallAfter) && s.Start.After(lastFail) {
					lastFail = s.Start
				}
			}
			if !lastFail.IsZero() {
				first := time.Time{}
				for _, s := range samples {
					if s.Region == c.Region && s.Kind == traffic.Write && s.Status == http.StatusCreated && s.Latency() <= o.StallAfter &&
						s.Start.After(lastFail) && (first.IsZero() || s.End.Before(first)) {
						first = s.End
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
