package load

import (
	"fmt"
	"io"
	"sort"
	"strings"

	"hyundai-poc.com/loadtest/stats"
)

// Soak is a long run at one rate that watches memory.
type Soak struct {
	Scenario      string  `json:"scenario"`
	Rate          float64 `json:"rate"`
	Seconds       float64 `json:"seconds"`
	WarmupSeconds float64 `json:"warmup_seconds"`
	Requests      int     `json:"requests"`
	Errors        int     `json:"errors"`
	// MedianP50Ms is the median of the windows' p50s; WorstP99Ms the
	// highest window p99.
	MedianP50Ms float64              `json:"median_window_p50_ms"`
	WorstP99Ms  float64              `json:"worst_window_p99_ms"`
	Samples     []SoakSample         `json:"samples"`
	Growth      map[string]RSSGrowth `json:"growth"`
	Windows     []Step               `json:"windows"`
	Note        string               `json:"note,omitempty"`
}

// SoakSample is every process's RSS at one moment.
type SoakSample struct {
	Seconds float64            `json:"t_seconds"`
	RSSMiB  map[string]float64 `json:"rss_mib"`
}

// RSSGrowth compares a process's memory early in the soak, once warm, with
// its memory at the end.
type RSSGrowth struct {
	EarlyMiB  float64 `json:"early_mib"` // median over the first quarter after warm-up
	EndMiB    float64 `json:"end_mib"`   // median over the last quarter
	GrowthMiB float64 `json:"growth_mib"`
	Grew      bool    `json:"grew"`
}

// GrowthSlack is how much RSS may rise before it counts as growth: the Go
// runtime returns memory to the system lazily, so a few MiB come and go.
const (
	GrowthSlackMiB      = 8.0
	GrowthSlackFraction = 0.10
)

// Growth judges each process's memory over samples taken after warm-up
// seconds. A process grew when its end median exceeds its early median by
// more than the slack.
func Growth(samples []SoakSample, warmup float64) map[string]RSSGrowth {
	var after []SoakSample
	for _, s := range samples {
		if s.Seconds >= warmup {
			after = append(after, s)
		}
	}
	out := map[string]RSSGrowth{}
	if len(after) < 4 {
		return out
	}
	q := len(after) / 4
	names := map[string]bool{}
	for _, s := range after {
		for n := range s.RSSMiB {
			names[n] = true
		}
	}
	for n := range names {
		var early, end []float64
		for _, s := range after[:q] {
			if v, ok := s.RSSMiB[n]; ok {
				early = append(early, v)
			}
		}
		for _, s := range after[len(after)-q:] {
			if v, ok := s.RSSMiB[n]; ok {
				end = append(end, v)
			}
		}
		if len(early) == 0 || len(end) == 0 {
			continue
		}
		g := RSSGrowth{EarlyMiB: stats.Percentile(early, 50), EndMiB: stats.Percentile(end, 50)}
		g.GrowthMiB = stats.Round(g.EndMiB - g.EarlyMiB)
		g.Grew = g.GrowthMiB > max(GrowthSlackMiB, GrowthSlackFraction*g.EarlyMiB)
		out[n] = g
	}
	return out
}

// Print writes the soak's verdict per backend.
func (s *Soak) Print(w io.Writer) {
	fmt.Fprintf(w, "\nsoak: %s at %s req/s for %.0f s: %d requests, %d errors, worst window p99 %.1f ms\n", s.Scenario, num(s.Rate), s.Seconds, s.Requests, s.Errors, s.WorstP99Ms)
	names := make([]string, 0, len(s.Growth))
	for n := range s.Growth {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		g := s.Growth[n]
		verdict := "no growth"
		if g.Grew {
			verdict = "GREW"
		}
		fmt.Fprintf(w, "  %-26s RSS %.1f MiB early, %.1f MiB at the end (%+.1f): %s\n", n, g.EarlyMiB, g.EndMiB, g.GrowthMiB, verdict)
	}
	if s.Note != "" {
		fmt.Fprintln(w, " ", strings.TrimSpace(s.Note))
	}
}
