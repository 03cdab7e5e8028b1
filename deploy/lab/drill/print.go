package drill

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"
	"time"
)

// WritesBackText is WritesBackAfterDNSms for a table: "-" where it does
// not apply (outages move no writer).
func (rr RegionReport) WritesBackText() string {
	if rr.WritesBackAfterDNSms == nil {
		return "-"
	}
	return fmt.Sprint(*rr.WritesBackAfterDNSms)
}

// Print writes the report as readable tables.
func (r *Report) Print(w io.Writer) {
	fmt.Fprintf(w, "\n%s drill (timing %s), writer %s -> %s, target %s, %s of traffic, recovered: %v, drained: %v\n",
		r.Scenario, r.Timing, r.WriterBefore, r.WriterAfter, r.Target, r.EndedAt.Sub(r.StartedAt).Round(100*time.Millisecond), r.Recovered, r.Drained)
	for _, op := range r.Operations {
		var steps []string
		for _, s := range op.Steps {
			steps = append(steps, fmt.Sprintf("%s %s", s.Name, s.Took.Round(100*time.Microsecond)))
		}
		fmt.Fprintf(w, "  %s: %s, took %s", op.Op, op.Message, op.Took.Round(100*time.Microsecond))
		if len(steps) > 0 {
			fmt.Fprintf(w, " (%s)", strings.Join(steps, ", "))
		}
		fmt.Fprintln(w)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\nregion\t201\t202\twrites 5xx\twrites timed out\twrites 4xx\treads 5xx\treads timed out\treads 4xx\twrite p99 during ms\tdrain p50/p99/max ms\tqueue max\tfrom cache\tfrom other region's reader\tfrom writer\t")
	for _, reg := range r.Settings.Regions {
		rr, ok := r.Regions[reg]
		if !ok {
			continue
		}
		wa, ra, d := rr.WriteAnswers, rr.ReadAnswers, rr.Drain.FromWritableMs
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%d\t%.0f\t%.0f/%.0f/%.0f\t%d\t%d\t%d\t%d\t\n", reg, wa.Created, wa.Queued, wa.Server,
			wa.TimedOut+wa.NoAnswer, wa.Client, ra.Server, ra.TimedOut+ra.NoAnswer, ra.Client, rr.WriteP99DuringMs, d.P50, d.P99, d.Max,
			rr.QueueDepthMax, rr.ReadsFromCache, rr.ReadsFromOtherReader, rr.ReadsFromWriter)
	}
	tw.Flush()
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\nlatency ms (p50/p95/p99)\tbefore writes\tduring writes\tafter writes\tbefore reads\tduring reads\tafter reads\t")
	for _, reg := range r.Settings.Regions {
		rr, ok := r.Regions[reg]
		if !ok {
			continue
		}
		cell := func(p PhaseStats) string {
			if p.Latency.Count == 0 {
				return "-"
			}
			return fmt.Sprintf("%.0f/%.0f/%.0f", p.Latency.P50, p.Latency.P95, p.Latency.P99)
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t\n", reg, cell(rr.Writes["before"]), cell(rr.Writes["during"]), cell(rr.Writes["after"]),
			cell(rr.Reads["before"]), cell(rr.Reads["during"]), cell(rr.Reads["after"]))
	}
	tw.Flush()
	fmt.Fprintf(w, "\nacknowledged leads %d (201: %d, 202: %d), lost %d, stored twice %d, under another id %d, not acknowledged %d\n",
		r.AckedWrites, r.CreatedWrites, r.QueuedWrites, r.LostWrites, r.DuplicateWrites, r.OtherID, r.FailedWrites)
	fmt.Fprintf(w, "queued leads stored %d of %d; ms from the region's writer writable p50 %.0f, p99 %.0f, max %.0f; from the event's end p99 %.0f, max %.0f\n",
		r.Drain.Stored, r.Drain.Queued, r.Drain.FromWritableMs.P50, r.Drain.FromWritableMs.P99, r.Drain.FromWritableMs.Max,
		r.Drain.FromEventEndMs.P99, r.Drain.FromEventEndMs.Max)
	if r.Lacked != nil {
		fmt.Fprintf(w, "promoted node lacked %d transaction(s) of the killed writer\n", *r.Lacked)
	}
	fmt.Fprintf(w, "replication lag ms p50 %.0f, p95 %.0f, p99 %.0f, max %.0f (%d samples)\n", r.LagMs.P50, r.LagMs.P95, r.LagMs.P99, r.LagMs.Max, r.LagMs.Samples)
}

// Save writes the report to dir as drill-<scenario>-<time>.json, or
// drill-<scenario>-aws-<time>.json under the aws timing, so each timing's
// newest run can be found by its name.
func (r *Report) Save(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, fmt.Sprintf("%s-%s.json", r.Kind(), r.StartedAt.UTC().Format("20060102T150405Z")))
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", err
	}
	return path, os.WriteFile(path, append(b, '\n'), 0o644)
}

// Kind names the report's files: drill-<scenario>, with -aws under the aws
// timing.
func (r *Report) Kind() string {
	if r.Timing != "" && r.Timing != "lab" {
		return "drill-" + r.Scenario + "-" + r.Timing
	}
	return "drill-" + r.Scenario
}
