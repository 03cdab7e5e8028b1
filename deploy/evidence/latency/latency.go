// Package latency builds the latency matrix: from each place to each
// region's site, p50/p95/p99 of whole requests on fresh connections with
// DNS, connect, TLS and first-byte times apart, and each cell's multiple of
// the place's local p50. In the lab the places are simulated client
// locations through the edge; on AWS they are the operator's machine and,
// through the backend image's probe subcommand run as a one-off ECS task,
// each region itself.
package latency

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"hyundai-poc.com/loadtest/stats"
	"hyundai-poc.com/loadtest/timing"
)

// Cell is one (from, to) measurement.
type Cell struct {
	From string `json:"from"`
	To   string `json:"to"` // a region, or cloudfront/apex on AWS
	timing.Result
	// RatioToLocal is this cell's total p50 over the local cell's total
	// p50 (the from place's home region; the fastest region when the place
	// has none, as for the operator's machine).
	RatioToLocal float64 `json:"ratio_to_local"`
}

// Place is where requests come from in the lab: a name, the edge's client
// location and the region that serves it.
type Place struct {
	Name, Location, Home string
}

// LabPlaces are the lab's client locations.
var LabPlaces = []Place{{"Seoul", "KR", "ap-northeast-2"}, {"Virginia", "US-VA", "us-east-1"}, {"Oregon", "US-OR", "us-west-2"}}

// Regions in the order tables show them.
var Regions = []string{"us-east-1", "us-west-2", "ap-northeast-2"}

// Lab measures every place to every region through the edge, pinned to
// the region by path as the dashboard's latency panel is.
func Lab(ctx context.Context, edge, path string, n int, progress io.Writer) []Cell {
	if progress == nil {
		progress = io.Discard
	}
	var cells []Cell
	for _, p := range LabPlaces {
		for _, r := range Regions {
			url := strings.TrimRight(edge, "/") + "/_region/" + r + path
			res := timing.Measure(ctx, url, http.Header{"X-Client-Location": {p.Location}}, n, 10*time.Second)
			cells = append(cells, Cell{From: p.Name, To: r, Result: res})
			fmt.Fprintf(progress, "  %-9s -> %-15s p50 %6.1f ms  p99 %6.1f ms  failed %d\n", p.Name, r, res.Total.P50, res.Total.P99, res.Failed)
		}
	}
	Ratios(cells, func(from string) string {
		for _, p := range LabPlaces {
			if p.Name == from {
				return p.Home
			}
		}
		return ""
	})
	return cells
}

// Target is a named URL measured from the operator's machine.
type Target struct{ Name, URL string }

// From measures every target from this machine, labelled from.
func From(ctx context.Context, from string, targets []Target, n int, progress io.Writer) []Cell {
	if progress == nil {
		progress = io.Discard
	}
	var cells []Cell
	for _, t := range targets {
		res := timing.Measure(ctx, t.URL, nil, n, 10*time.Second)
		cells = append(cells, Cell{From: from, To: t.Name, Result: res})
		fmt.Fprintf(progress, "  %-9s -> %-15s p50 %6.1f ms (dns %.1f, connect %.1f, tls %.1f, first byte %.1f)  failed %d\n",
			from, t.Name, res.Total.P50, res.DNS.P50, res.Connect.P50, res.TLS.P50, res.FirstByte.P50, res.Failed)
	}
	return cells
}

// Ratios fills RatioToLocal; home names the local region of a from place
// ("" for none: the fastest region is local then).
func Ratios(cells []Cell, home func(from string) string) {
	local := map[string]float64{}
	for _, c := range cells {
		if c.Total.Count == 0 {
			continue
		}
		h := home(c.From)
		isRegion := false
		for _, r := range Regions {
			isRegion = isRegion || r == c.To
		}
		switch {
		case h != "" && c.To == h:
			local[c.From] = c.Total.P50
		case h == "" && isRegion && (local[c.From] == 0 || c.Total.P50 < local[c.From]):
			local[c.From] = c.Total.P50
		}
	}
	for i := range cells {
		if l := local[cells[i].From]; l > 0 && cells[i].Total.Count > 0 {
			cells[i].RatioToLocal = stats.Round(cells[i].Total.P50 / l)
		}
	}
}
