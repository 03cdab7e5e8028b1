package load

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"text/tabwriter"
	"time"

	"hyundai-poc.com/loadtest/stats"
)

// ScenarioResult is one scenario's search.
type ScenarioResult struct {
	Scenario    string  `json:"scenario"`
	LeadOneIn   int     `json:"lead_one_in"`
	TargetP99Ms float64 `json:"target_p99_ms"`
	// HighestSustained is the highest rate whose step held; 0 when none did.
	HighestSustained float64 `json:"highest_sustained_rate"`
	Steps            []Step  `json:"steps"`
}

// Sustained is the step at the highest sustained rate, if any.
func (r ScenarioResult) Sustained() (Step, bool) {
	for _, s := range r.Steps {
		if s.Pass && s.Rate == r.HighestSustained {
			return s, true
		}
	}
	return Step{}, false
}

// Page is one page's weight and time to first byte through the edge.
type Page struct {
	Path     string `json:"path"`
	Location string `json:"location"`
	// HTMLBytes is the document; AssetBytes the same-origin styles,
	// scripts and images it names, each counted once (decoded sizes).
	HTMLBytes  int           `json:"html_bytes"`
	Assets     int           `json:"assets"`
	AssetBytes int           `json:"asset_bytes"`
	TotalBytes int           `json:"total_bytes"`
	TTFB       stats.Summary `json:"ttfb_ms"`
}

// Report is what `make load` writes.
type Report struct {
	Tool        string            `json:"tool"` // "load"
	StartedAt   time.Time         `json:"started_at"`
	EndedAt     time.Time         `json:"ended_at"`
	Commit      string            `json:"commit"`
	Where       string            `json:"where"` // lab
	Edge        string            `json:"edge"`
	Options     map[string]string `json:"options"`
	Locations   []string          `json:"locations"`
	Procs       map[string]int    `json:"procs"`
	Scenarios   []ScenarioResult  `json:"scenarios"`
	Pages       []Page            `json:"pages,omitempty"`
	Soak        *Soak             `json:"soak,omitempty"`
	LabSettings json.RawMessage   `json:"lab_settings,omitempty"`
}

// Stamp is the time part of result file names.
func Stamp(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// Save writes the report as prefix-STAMP.json and, when it has steps, the
// chart as prefix-STAMP.svg; it returns the JSON's path.
func (r *Report) Save(dir, prefix string) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	base := filepath.Join(dir, fmt.Sprintf("%s-%s", prefix, Stamp(r.StartedAt)))
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return "", err
	}
	if err := os.WriteFile(base+".json", append(b, '\n'), 0o644); err != nil {
		return "", err
	}
	if len(r.Scenarios) > 0 {
		title := fmt.Sprintf("Latency against rate through the lab edge, commit %s, %s", r.Commit, r.StartedAt.UTC().Format("2006-01-02"))
		if err := os.WriteFile(base+".svg", Chart(title, r.Scenarios), 0o644); err != nil {
			return "", err
		}
	}
	return base + ".json", nil
}

// PrintStep writes one line per step as it ends, so a long run shows progress.
func PrintStep(w io.Writer, scenario string, s Step) {
	verdict := "held"
	if !s.Pass {
		verdict = "FAILED: " + s.Why
	}
	rss := ""
	for _, name := range sortedKeys(s.Procs) {
		if len(name) > 8 && name[:8] == "backend-" {
			rss += fmt.Sprintf(" %s %.0fMiB/%.0f%%", name[8:], s.Procs[name].RSSMiB, s.Procs[name].CPUPercent)
		}
	}
	fmt.Fprintf(w, "load %-6s %6s req/s  p50 %6.1f  p95 %6.1f  p99 %6.1f  max %7.1f ms  errors %d  backends%s  %s\n",
		scenario, num(s.Rate), s.Latency.P50, s.Latency.P95, s.Latency.P99, s.Latency.Max, s.Errors, rss, verdict)
}

// Print writes the summary table.
func (r *Report) Print(w io.Writer) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SCENARIO\tP99 TARGET\tHIGHEST SUSTAINED\tP50\tP99\tBACKEND RSS (MiB)\tBACKEND CPU (%)")
	for _, sc := range r.Scenarios {
		s, ok := sc.Sustained()
		if !ok {
			fmt.Fprintf(tw, "%s\t%s ms\tnone held\t\t\t\t\n", sc.Scenario, num(sc.TargetP99Ms))
			continue
		}
		rss, cpu := "", ""
		for _, name := range sortedKeys(s.Procs) {
			if len(name) > 8 && name[:8] == "backend-" {
				rss += fmt.Sprintf("%.0f ", s.Procs[name].RSSMiB)
				cpu += fmt.Sprintf("%.0f ", s.Procs[name].CPUPercent)
			}
		}
		fmt.Fprintf(tw, "%s\t%s ms\t%s req/s\t%.1f ms\t%.1f ms\t%s\t%s\n", sc.Scenario, num(sc.TargetP99Ms), num(sc.HighestSustained), s.Latency.P50, s.Latency.P99, rss, cpu)
	}
	tw.Flush()
	if len(r.Pages) > 0 {
		tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "\nPAGE\tFROM\tHTML\tASSETS\tTOTAL\tTTFB P50\tTTFB P95")
		for _, p := range r.Pages {
			fmt.Fprintf(tw, "%s\t%s\t%d B\t%d (%d B)\t%d B\t%.1f ms\t%.1f ms\n", p.Path, p.Location, p.HTMLBytes, p.Assets, p.AssetBytes, p.TotalBytes, p.TTFB.P50, p.TTFB.P95)
		}
		tw.Flush()
	}
	if r.Soak != nil {
		r.Soak.Print(w)
	}
}
