package main

import (
	"context"
	"fmt"
	"hyundai-poc.com/evidence/results"
	"os"
	"strings"
	"text/tabwriter"

	"hyundai-poc.com/evidence/latency"
	"hyundai-poc.com/evidence/picture"
	"hyundai-poc.com/evidence/probe"
	"hyundai-poc.com/loadtest/timing"
)

func runLatency(ctx context.Context, e *env, args []string) error {
	fs := e.flags(`
Latency matrix. Lab: from Seoul (KR), Virginia (US-VA) and Oregon (US-OR)
through the edge to each region (the edge adds the configured delay between
the client's location and the region: deploy/lab/rtt.json). AWS: from this
machine to each region's site, CloudFront and the apex name, and from inside
each region by running the backend image's probe subcommand as a one-off ECS
task. Every request uses a fresh connection; p50/p95/p99 of the whole request,
DNS, connect, TLS and first byte apart, and the multiple of the local p50.
Writes latency-<time>.json and latency-<time>.svg (heat map).`)
	n := fs.Int("n", 30, "requests per cell")
	path := fs.String("path", "/api/vehicles", "what each request reads")
	noProbe := fs.Bool("no-probe", false, "aws: skip the in-region probe tasks")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	if *n < 1 {
		return fmt.Errorf("-n must be at least 1")
	}
	res := results.Latency{}
	settings := map[string]any{"requests_per_cell": *n, "path": *path, "fresh_connection_per_request": true}
	if e.target == "lab" {
		if err := e.needLab(ctx); err != nil {
			return err
		}
		e.logf("latency: %d requests per cell through %s", *n, e.edge)
		res.Cells = latency.Lab(ctx, e.edge, *path, *n, e.out)
		settings["edge"] = e.edge
		settings["inter_region_delay"] = "configured in deploy/lab/rtt.json, not measured"
	} else {
		clients, o, err := e.aws(ctx)
		if err != nil {
			return err
		}
		var targets []latency.Target
		var urls []string
		for _, r := range latency.Regions {
			if reg, ok := o.Regions[r]; ok {
				targets = append(targets, latency.Target{Name: r, URL: strings.TrimRight(reg.URL, "/") + *path})
				urls = append(urls, strings.TrimRight(reg.URL, "/")+*path)
			}
		}
		targets = append(targets, latency.Target{Name: "cloudfront", URL: strings.TrimRight(o.CloudFrontURL, "/") + *path},
			latency.Target{Name: "apex", URL: strings.TrimRight(o.ApexURL, "/") + *path})
		e.logf("latency: %d requests per cell from this machine", *n)
		res.Cells = latency.From(ctx, "operator", targets, *n, e.out)
		if !*noProbe {
			res.ProbeErrors = e.probeEveryRegion(ctx, clients, o, probe.LatencyArgs(*n, urls), func(_ string, rep *timing.Report) {
				res.Cells = append(res.Cells, cellsOf(rep, urls)...)
			})
		}
		latency.Ratios(res.Cells, func(from string) string {
			if from == "operator" {
				return ""
			}
			return from
		})
		settings["regions"] = o.RegionNames()
	}
	printMatrix(e, res.Cells)
	path2, err := save(e, "latency", settings, res)
	if err != nil {
		return err
	}
	svg := strings.TrimSuffix(path2, ".json") + ".svg"
	if err := os.WriteFile(svg, []byte(picture.Heatmap(res.Cells, heatmapTitle(e.target))), 0o644); err != nil {
		return err
	}
	e.logf("picture: %s", rel(e.root, svg))
	return nil
}

func heatmapTitle(target string) string {
	if target == "lab" {
		return "Lab latency p50 (ms), client location -> region; inter-region delay configured, not measured"
	}
	return "AWS latency p50 (ms), from -> region"
}

// cellsOf turns a probe report into cells named by the region each URL
// belongs to (the i-th URL is the i-th region of latency.Regions present).
func cellsOf(rep *timing.Report, urls []string) []latency.Cell {
	var cells []latency.Cell
	for _, r := range rep.Results {
		to := r.URL
		for _, reg := range latency.Regions {
			if strings.Contains(r.URL, "//"+reg+".") {
				to = reg
			}
		}
		cells = append(cells, latency.Cell{From: rep.From, To: to, Result: r})
	}
	return cells
}

func printMatrix(e *env, cells []latency.Cell) {
	tw := tabwriter.NewWriter(e.out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\nfrom\tto\tp50 ms\tp95 ms\tp99 ms\tx local\tdns\tconnect\ttls\tfirst byte\tfailed\t")
	for _, c := range cells {
		fmt.Fprintf(tw, "%s\t%s\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%d\t\n", c.From, c.To, c.Total.P50, c.Total.P95, c.Total.P99,
			c.RatioToLocal, c.DNS.P50, c.Connect.P50, c.TLS.P50, c.FirstByte.P50, c.Failed)
	}
	tw.Flush()
}
