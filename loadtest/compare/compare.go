// Package compare measures data paths side by side on the same failure
// events: the same traffic, at the same time, against ours and against the
// peers people use instead, and the same verification of every
// acknowledged write. It turns what the traffic recorded into per-path
// results and ours/peer ratios.
package compare

import (
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"hyundai-poc.com/loadtest/stats"
	"hyundai-poc.com/loadtest/traffic"
)

// Event is one failure event and the stretch of time that belongs to it:
// from its trigger until every path recovered (or the wait gave up), then
// the settle time before the next event.
type Event struct {
	Name        string    `json:"name"` // switchover, failover
	Target      string    `json:"target"`
	WriterFrom  string    `json:"writer_before"`
	TriggeredAt time.Time `json:"triggered_at"`
	// SettledAt ends the wait: every path's writes worked again, or the
	// recovery timeout passed.
	SettledAt time.Time `json:"settled_at"`
	// End is where the next event's window starts (or the run ends).
	End     time.Time `json:"end"`
	Message string    `json:"message"`
}

// EventResult is what one path's users saw during one event.
type EventResult struct {
	Event string `json:"event"`
	// RTOms per region: the longest span of failed or stalled writes
	// (slower than the stall threshold) started inside the event's window.
	RTOms        map[string]int64 `json:"rto_ms"`
	MaxRTOms     int64            `json:"max_rto_ms"`
	FailedWrites int              `json:"failed_writes"`
	FailedReads  int              `json:"failed_reads"`
	// WriteP99Ms is the p99 of acknowledged writes started between the
	// trigger and the moment every path had recovered.
	WriteP99Ms float64 `json:"write_p99_ms"`
	WriteMaxMs float64 `json:"write_max_ms"`
	// Recovered says whether this path's writes worked in every region
	// before the wait gave up.
	Recovered bool `json:"recovered"`
}

// PathResult is one data path's whole run.
type PathResult struct {
	Path            string `json:"path"`
	Description     string `json:"description"`
	AckedWrites     int    `json:"acked_writes"`
	LostWrites      int    `json:"lost_writes"`
	DuplicateWrites int    `json:"duplicate_writes"`
	FailedWrites    int    `json:"failed_writes"`
	FailedReads     int    `json:"failed_reads"`
	FailedRequests  int    `json:"failed_requests"`
	MaxRTOms        int64  `json:"max_rto_ms"`
	// Failures counts failed requests by kind and answer ("write HTTP 503",
	// "read no answer: ..."), so a failure can be told from a timeout.
	Failures   map[string]int `json:"failures,omitempty"`
	WriteP99Ms float64        `json:"write_p99_ms_before"` // before the first event: the path's normal write latency
	Events     []EventResult  `json:"events"`
	LostKeys   []string       `json:"lost_keys,omitempty"`
}

// Ratio is ours divided by a peer's figure. Nil means the peer had none
// while ours had some (ours is worse by an unbounded factor); 1 means both
// had none.
type Ratio struct {
	Peer           string   `json:"peer"`
	FailedRequests *float64 `json:"failed_requests"`
	LostWrites     *float64 `json:"lost_writes"`
	RTO            *float64 `json:"rto"`
}

// Divide is ours/peer with the conventions of Ratio.
func Divide(ours, peer float64) *float64 {
	var r float64
	switch {
	case peer == 0 && ours == 0:
		r = 1
	case peer == 0:
		return nil
	default:
		r = math.Round(ours/peer*1000) / 1000
	}
	return &r
}

// Ratios compares ours with each peer.
func Ratios(ours PathResult, peers []PathResult) []Ratio {
	var out []Ratio
	for _, p := range peers {
		out = append(out, Ratio{Peer: p.Path,
			FailedRequests: Divide(float64(ours.FailedRequests), float64(p.FailedRequests)),
			LostWrites:     Divide(float64(ours.LostWrites), float64(p.LostWrites)),
			RTO:            Divide(float64(ours.MaxRTOms), float64(p.MaxRTOms)),
		})
	}
	return out
}

// Analyse turns one path's samples into its results for each event. It
// leaves the verification counts (acked, lost, doubled) to Verify.
func Analyse(path string, samples []traffic.Sample, regions []string, events []Event, stall time.Duration) PathResult {
	pr := PathResult{Path: path}
	var before []float64
	first := time.Time{}
	if len(events) > 0 {
		first = events[0].TriggeredAt
	}
	for _, s := range samples {
		if !s.OK() {
			if s.Kind == traffic.Write {
				pr.FailedWrites++
			} else {
				pr.FailedReads++
			}
			if pr.Failures == nil {
				pr.Failures = map[string]int{}
			}
			pr.Failures[failureKind(s)]++
		}
		if s.Kind == traffic.Write && s.OK() && s.End.Before(first) {
			before = append(before, ms(s.Latency()))
		}
	}
	pr.FailedRequests = pr.FailedWrites + pr.FailedReads
	pr.WriteP99Ms = stats.Round(stats.Percentile(before, 99))
	if math.IsNaN(pr.WriteP99Ms) {
		pr.WriteP99Ms = 0
	}
	for _, ev := range events {
		er := EventResult{Event: ev.Name, RTOms: map[string]int64{}, Recovered: true}
		var lat []float64
		for _, r := range regions {
			var outs []stats.Outcome
			for _, s := range samples {
				if s.Region != r || s.Start.Before(ev.TriggeredAt) || !s.Start.Before(ev.End) {
					continue
				}
				if s.Kind == traffic.Read {
					if !s.OK() {
						er.FailedReads++
					}
					continue
				}
				if !s.OK() {
					er.FailedWrites++
				}
				outs = append(outs, stats.Outcome{Start: s.Start, End: s.End, OK: s.OK() && s.Latency() <= stall})
				if s.OK() && s.Start.Before(ev.SettledAt) {
					lat = append(lat, ms(s.Latency()))
				}
			}
			rto := stats.LongestOutage(outs, ev.End).Duration().Milliseconds()
			er.RTOms[r] = rto
			er.MaxRTOms = max(er.MaxRTOms, rto)
			if !Streak(samples, r, ev.TriggeredAt, ev.SettledAt, 3) {
				er.Recovered = false
			}
		}
		if len(lat) > 0 {
			sm := stats.Summarize(lat).Rounded()
			er.WriteP99Ms, er.WriteMaxMs = sm.P99, sm.Max
		}
		pr.MaxRTOms = max(pr.MaxRTOms, er.MaxRTOms)
		pr.Events = append(pr.Events, er)
	}
	return pr
}

// failureKind names a failed attempt: its kind and status, or the
// transport error without the URL (which differs per request).
func failureKind(s traffic.Sample) string {
	if s.Status != 0 {
		return fmt.Sprintf("%s HTTP %d", s.Kind, s.Status)
	}
	e := s.Err
	if i := strings.LastIndex(e, ": "); i >= 0 {
		e = e[i+2:]
	}
	return fmt.Sprintf("%s no answer: %s", s.Kind, e)
}

// Streak reports whether region had n successful writes in a row among
// those started in [from, until).
func Streak(samples []traffic.Sample, region string, from, until time.Time, n int) bool {
	var ws []traffic.Sample
	for _, s := range samples {
		if s.Kind == traffic.Write && s.Region == region && !s.Start.Before(from) && s.Start.Before(until) {
			ws = append(ws, s)
		}
	}
	sort.Slice(ws, func(i, j int) bool { return ws[i].Start.Before(ws[j].Start) })
	run := 0
	for _, s := range ws {
		if !s.OK() {
			run = 0
			continue
		}
		if run++; run >= n {
			return true
		}
	}
	return false
}

// AckedKeys lists the Idempotency-Keys of acknowledged writes.
func AckedKeys(samples []traffic.Sample) []string {
	var keys []string
	for _, s := range samples {
		if s.Kind == traffic.Write && s.OK() {
			keys = append(keys, s.Key)
		}
	}
	return keys
}

// Verify fills in acked, lost and doubled writes from the count of rows
// the writer holds for each acknowledged key.
func Verify(pr *PathResult, acked []string, counts map[string]int) {
	pr.AckedWrites = len(acked)
	for _, k := range acked {
		switch n := counts[k]; {
		case n == 0:
			pr.LostWrites++
			if len(pr.LostKeys) < 20 {
				pr.LostKeys = append(pr.LostKeys, k)
			}
		case n > 1:
			pr.DuplicateWrites += n - 1
		}
	}
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Print writes the side-by-side table and the ratios.
func Print(w io.Writer, paths []PathResult, ratios []Ratio) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	row := func(name string, f func(PathResult) string) {
		fmt.Fprintf(tw, "%s\t", name)
		for _, p := range paths {
			fmt.Fprintf(tw, "%s\t", f(p))
		}
		fmt.Fprintln(tw)
	}
	row("", func(p PathResult) string { return p.Path })
	row("acknowledged writes", func(p PathResult) string { return fmt.Sprint(p.AckedWrites) })
	row("lost", func(p PathResult) string { return fmt.Sprint(p.LostWrites) })
	row("applied twice", func(p PathResult) string { return fmt.Sprint(p.DuplicateWrites) })
	row("failed writes", func(p PathResult) string { return fmt.Sprint(p.FailedWrites) })
	row("failed reads", func(p PathResult) string { return fmt.Sprint(p.FailedReads) })
	row("write p99 before (ms)", func(p PathResult) string { return fmt.Sprint(p.WriteP99Ms) })
	if len(paths) > 0 {
		for i, ev := range paths[0].Events {
			row(ev.Event+": max RTO (ms)", func(p PathResult) string { return rtoText(p.Events[i]) })
			row(ev.Event+": RTO per region", func(p PathResult) string {
				var parts []string
				for _, r := range sortedRegions(p.Events[i].RTOms) {
					parts = append(parts, fmt.Sprint(p.Events[i].RTOms[r]))
				}
				return strings.Join(parts, "/")
			})
			row(ev.Event+": write p99 (ms)", func(p PathResult) string { return fmt.Sprint(p.Events[i].WriteP99Ms) })
		}
	}
	tw.Flush()
	for _, p := range paths {
		for _, k := range sortedKeys(p.Failures) {
			fmt.Fprintf(w, "%s failed: %d x %s\n", p.Path, p.Failures[k], k)
		}
	}
	if len(ratios) > 0 {
		fmt.Fprintln(w, "\nours/peer (below 1: ours better; 1: equal; n/a: the peer had none, ours had some)")
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "peer\tfailed requests\tlost writes\tmax RTO\t")
		for _, r := range ratios {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t\n", r.Peer, RatioText(r.FailedRequests), RatioText(r.LostWrites), RatioText(r.RTO))
		}
		tw.Flush()
	}
}

func rtoText(e EventResult) string {
	if !e.Recovered {
		return fmt.Sprintf("%d (not recovered)", e.MaxRTOms)
	}
	return fmt.Sprint(e.MaxRTOms)
}

// RatioText prints a ratio for tables.
func RatioText(r *float64) string {
	if r == nil {
		return "n/a"
	}
	return fmt.Sprintf("%.3g", *r)
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func sortedRegions(m map[string]int64) []string {
	// Regions print in the lab's order: us-east-1, us-west-2, ap-northeast-2.
	order := map[string]int{"us-east-1": 0, "us-west-2": 1, "ap-northeast-2": 2}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		oi, iok := order[keys[i]]
		oj, jok := order[keys[j]]
		if iok && jok {
			return oi < oj
		}
		return keys[i] < keys[j]
	})
	return keys
}
