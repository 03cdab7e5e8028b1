// Command latency measures, from each simulated client location, the time
// to each region's endpoint through the edge, and prints the table the
// design document asks for ("Seoul -> Seoul ALB, Seoul -> US-East ALB, ...")
// with p50, p95 and the ratio to the location's own region.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"syscall"
	"text/tabwriter"
	"time"

	"hyundai-poc.com/lab"
	"hyundai-poc.com/lab/control"
	"hyundai-poc.com/loadtest/revision"
	"hyundai-poc.com/loadtest/stats"
	"hyundai-poc.com/loadtest/traffic"
)

// A place clients are, and the region that is local to it.
type place struct {
	Name, Location, Home string
}

var places = []place{{"Seoul", "KR", "ap-northeast-2"}, {"Virginia", "US-VA", "us-east-1"}, {"Oregon", "US-OR", "us-west-2"}}

var regionNames = map[string]string{"ap-northeast-2": "Seoul", "us-east-1": "US-East", "us-west-2": "US-West"}

// Row is one line of the results file.
type Row struct {
	From         string  `json:"from"`
	To           string  `json:"to"`
	P50ms        float64 `json:"p50_ms"`
	P95ms        float64 `json:"p95_ms"`
	RatioToLocal float64 `json:"ratio_to_local"`
	Samples      int     `json:"samples"`
	Failed       int     `json:"failed"`
	Location     string  `json:"location"`
	Region       string  `json:"region"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "latency:", err)
		os.Exit(1)
	}
}

func run() error {
	var lf lab.ToolFlags
	lf.Register(flag.CommandLine)
	n := flag.Int("n", 50, "requests per location and region")
	path := flag.String("path", "/api/vehicles?market=US", "what each request reads")
	flag.Parse()
	if *n < 1 {
		return fmt.Errorf("-n must be at least 1")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root, c, stopLab, err := lf.Open(ctx, lab.Config{Progress: os.Stdout})
	if err != nil {
		return err
	}
	defer stopLab()
	var st control.Status
	if err := c.Do(ctx, "/v1/status", control.Request{}, &st); err != nil {
		return err
	}
	regions := st.Settings.Regions
	fmt.Printf("latency: %d requests from each of %d locations to each of %d regions through %s\n", *n, len(places), len(regions), st.Settings.Edge)

	cfg := traffic.Config{Edge: st.Settings.Edge, ReadPath: *path, Timeout: 10 * time.Second}
	hc := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 16}}
	type key struct{ from, to string }
	results := map[key][]traffic.Sample{}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, p := range places {
		for _, r := range regions {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cl := traffic.Client{Region: r, Location: p.Location}
				// One warm-up request opens the connection, as a browser's
				// first request would; it is not counted.
				traffic.Do(hc, cfg, traffic.Read, cl, "", map[string]string{traffic.HeaderPinRegion: r})
				for i := 0; i < *n && ctx.Err() == nil; i++ {
					s := traffic.Do(hc, cfg, traffic.Read, cl, "", map[string]string{traffic.HeaderPinRegion: r})
					mu.Lock()
					results[key{p.Name, r}] = append(results[key{p.Name, r}], s)
					mu.Unlock()
				}
				fmt.Printf("  %s -> %s done\n", p.Name, r)
			}()
		}
	}
	wg.Wait()
	if ctx.Err() != nil {
		return ctx.Err()
	}
	var rows []Row
	for _, p := range places {
		local := 0.0
		var prow []Row
		for _, r := range regions {
			var lat []float64
			failed := 0
			for _, s := range results[key{p.Name, r}] {
				if !s.OK() || (s.Served != "" && s.Served != r) {
					failed++
					continue
				}
				lat = append(lat, float64(s.Latency())/float64(time.Millisecond))
			}
			sum := stats.Summarize(lat)
			row := Row{From: p.Name, To: regionNames[r] + " ALB", P50ms: stats.Round(sum.P50), P95ms: stats.Round(sum.P95),
				Samples: sum.Count, Failed: failed, Location: p.Location, Region: r}
			if r == p.Home {
				local = sum.P50
			}
			prow = append(prow, row)
		}
		for i := range prow {
			if local > 0 {
				prow[i].RatioToLocal = stats.Round(prow[i].P50ms / local)
			}
		}
		rows = append(rows, prow...)
	}
	tw := tabwriter.NewWriter(os.Stdout, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "\nfrom -> to\tp50 ms\tp95 ms\tx local\tfailed\t")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s -> %s\t%.1f\t%.1f\t%.1f\t%d\t\n", r.From, r.To, r.P50ms, r.P95ms, r.RatioToLocal, r.Failed)
	}
	tw.Flush()
	if err := os.MkdirAll(lf.Out, 0o755); err != nil {
		return err
	}
	file := filepath.Join(lf.Out, "latency-"+time.Now().UTC().Format("20060102T150405Z")+".json")
	b, _ := json.MarshalIndent(rows, "", "  ")
	if err := os.WriteFile(file, append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Printf("\nresults: %s (commit %s, DNS TTL %dms, RTTs %v)\n", file, revision.Of(root), st.Settings.DNSTTLms, st.Settings.RTTms)
	return nil
}
