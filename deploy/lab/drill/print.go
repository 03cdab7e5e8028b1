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
	fmt.Fprintf(w, "\n%s drill, writer %s -> %s, target %s, %s of traffic, recovered: %v\n",
		r.Scenario, r.WriterBefore, r.WriterAfter, r.Target, r.EndedAt.Sub(r.StartedAt).Round(100*time.Millisecond), r.Recovered)
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
	fmt.Fprintln(tw, "\nregion\twrite RTO ms\twrites back after DNS ms\tfailed writes\tfailed reads\tslowed reads\treads from writer\treads by other region\t")
	for _, reg := range r.Settings.Regions {
		rr, ok := r.Regions[reg]
		if !ok {
			continue
		}
		back := rr.WritesBackText()
		failedW := rr.Writes["before"].Failed + rr.Writes["during"].Failed + rr.Writes["after"].Failed
		fmt.Fprintf(tw, "%s\t%d\t%s\t%d\t%d\t%d\t%d\t%d\t\n", reg, rr.RTOms, back, failedW, r.FailedReads[reg], rr.SlowedReads, rr.ReadsFromWriter, rr.ReadsServedElsewhere)
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
	fmt.Fprintf(w, "\nacknowledged writes %d, lost %d, applied twice %d, failed (not acknowledged) %d\n",
		r.AckedWrites, r.LostWrites, r.DuplicateWrites, r.FailedWrites)
	if r.Lacked != nil {
		fmt.Fprintf(w, "promoted node lacked %d transaction(s) of the killed writer\n", *r.Lacked)
	}
	fmt.Fprintf(w, "replication lag ms p50 %.0f, p95 %.0f, p99 %.0f, max %.0f (%d samples)\n", r.LagMs.P50, r.LagMs.P95, r.LagMs.P99, r.LagMs.Max, r.LagMs.Samples)
}

// Save writes the report to dir as drill-<scenario>-<time>.json.
func (r *Report) Save(dir string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	path := filepath.Join(dir, fmt.Sprintf("drill-%s-%s.json", r.Scenario, r.StartedAt.UTC().Format("20060102T150405Z")))
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", err
	}
	return path, os.WriteFile(path, append(b, '\n'), 0o644)
}
