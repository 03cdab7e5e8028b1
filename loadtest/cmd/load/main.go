// Command load finds how much traffic the lab carries through its edge.
// For each scenario (browse, leads, mixed 95/5) it steps the request rate
// up until a step has an error or its p99 passes the scenario's target,
// with visitors from every region's catchment mixed, and reports each
// step's latency, errors and the backends' memory and CPU. It also weighs
// the site's pages and times their first byte, and with --soak holds one
// rate for a long time to watch memory. It uses the lab in --dir when one
// runs, else starts its own and stops it at the end.
//
//	load [--scenarios browse,leads,mixed] [--step 3s] [--start 50] [--max 1600] [--soak 10m]
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hyundai-poc.com/loadtest/revision"
	"hyundai-poc.com/reporoot"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
	"hyundai-poc.com/lab"
	"hyundai-poc.com/lab/control"
	"hyundai-poc.com/lab/loopback"
	"hyundai-poc.com/loadtest/load"
	"hyundai-poc.com/loadtest/stats"
	"hyundai-poc.com/loadtest/traffic"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		os.Exit(1)
	}
}

type options struct {
	dir, out, scenarios, locations string
	netOctet, portOffset           int
	plan                           load.Plan
	step, timeout, pause, warmup   time.Duration
	targets                        map[string]*time.Duration
	soak                           time.Duration
	soakRate                       float64
	soakWindow                     time.Duration
	pageSamples                    int
	visitors                       int
}

func parse(args []string) (options, error) {
	o := options{targets: map[string]*time.Duration{}}
	fs := flag.NewFlagSet("load", flag.ContinueOnError)
	fs.StringVar(&o.dir, "dir", lab.DefaultDir(), "the lab's directory: a lab running there is used, else one is started there")
	fs.IntVar(&o.netOctet, "net", 10, "database address octet when starting a lab (127.N.x.y)")
	fs.IntVar(&o.portOffset, "port-offset", 0, "service port offset when starting a lab beside another (use with --dir)")
	fs.StringVar(&o.out, "out", "", "results directory (test-results/lab of the repository)")
	fs.StringVar(&o.scenarios, "scenarios", "browse,leads,mixed", "scenarios to run, comma-separated")
	fs.StringVar(&o.locations, "locations", strings.Join(load.DefaultLocations, ","), "client locations (X-Client-Location), sent in turn")
	fs.Float64Var(&o.plan.Start, "start", 50, "first rate, requests/s")
	fs.Float64Var(&o.plan.Max, "max", 1600, "highest rate tried, requests/s")
	fs.Float64Var(&o.plan.Factor, "factor", 2, "each step multiplies the rate by this until one fails")
	fs.IntVar(&o.plan.Refine, "refine", 1, "bisection steps between the last rate that held and the first that failed")
	fs.DurationVar(&o.step, "step", 3*time.Second, "how long each rate is held")
	fs.DurationVar(&o.warmup, "warmup", time.Second, "unrecorded traffic at the first rate before each scenario")
	fs.DurationVar(&o.pause, "pause", 500*time.Millisecond, "quiet time between steps, so one step's backlog does not spill into the next")
	fs.DurationVar(&o.timeout, "timeout", 10*time.Second, "per request (the edge gives an origin 10 s)")
	for _, sc := range load.DefaultScenarios() {
		d := sc.TargetP99
		o.targets[sc.Name] = &d
		fs.DurationVar(o.targets[sc.Name], sc.Name+"-p99", sc.TargetP99, "p99 a "+sc.Name+" step must stay under")
	}
	fs.DurationVar(&o.soak, "soak", 0, "after the search, hold the mixed scenario this long and watch memory (10m for `make soak`)")
	fs.Float64Var(&o.soakRate, "soak-rate", 0, "soak rate, requests/s (default: half the highest sustained mixed rate, else 50)")
	fs.DurationVar(&o.soakWindow, "soak-window", 15*time.Second, "the soak reports latency and memory once per window")
	fs.IntVar(&o.visitors, "visitors", traffic.DefaultVisitors, "client addresses the requests come from in turn (127.250.x.y)")
	fs.IntVar(&o.pageSamples, "page-samples", 20, "fetches per page and location for time to first byte (0 skips pages)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() != 0 {
		return o, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if err := o.plan.Validate(); err != nil {
		return o, err
	}
	if o.step <= 0 || o.timeout <= 0 {
		return o, errors.New("--step and --timeout must be positive")
	}
	if _, err := load.FindScenarios(load.DefaultScenarios(), o.scenarios); err != nil {
		return o, err
	}
	return o, nil
}

func run() error {
	o, err := parse(os.Args[1:])
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	scenarios, _ := load.FindScenarios(load.DefaultScenarios(), o.scenarios)
	for i := range scenarios {
		scenarios[i].TargetP99 = *o.targets[scenarios[i].Name]
	}
	locations := strings.Split(o.locations, ",")

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root, err := reporoot.Here()
	if err != nil {
		return err
	}
	if o.out == "" {
		o.out = filepath.Join(root, "test-results", "lab")
	}
	c, stopLab, err := lab.DialOrStart(ctx, lab.Config{Dir: o.dir, RepoRoot: root,
		Layout: loopback.Layout{Net: o.netOctet, PortOffset: o.portOffset}, Progress: os.Stdout})
	if err != nil {
		return err
	}
	defer stopLab()

	procs := map[string]int{}
	for _, ch := range c.State.Children {
		if strings.HasPrefix(ch.Name, "backend-") || strings.HasPrefix(ch.Name, "frontend-") {
			procs[ch.Name] = ch.Pid
		}
	}
	rep := &load.Report{Tool: "load", StartedAt: time.Now(), Commit: revision.Of(root), Where: "lab", Edge: c.State.Edge,
		Locations: locations, Procs: procs, Options: map[string]string{
			"step": o.step.String(), "pause": o.pause.String(), "warmup": o.warmup.String(), "start": fmt.Sprint(o.plan.Start), "max": fmt.Sprint(o.plan.Max),
			"factor": fmt.Sprint(o.plan.Factor), "refine": fmt.Sprint(o.plan.Refine), "timeout": o.timeout.String(),
			"generator": "vegeta v12.13.0 (library), keep-alive, same machine as the lab", "visitors": fmt.Sprint(o.visitors)}}
	var st control.Status
	if err := c.Do(ctx, "/v1/status", control.Request{}, &st); err == nil {
		rep.LabSettings, _ = json.Marshal(st.Settings)
	}

	// One HTTP client for every step, so a step does not pay for opening
	// the connections the previous one left idle. Requests come from many
	// loopback addresses in turn, so the edge and the backends see many
	// visitors, as behind CloudFront, and the backends' per-client write
	// limit (a lead burst from one address is refused after a few) limits
	// no one; requests keep their visitors' connections alive.
	hc := &http.Client{Timeout: o.timeout, Transport: traffic.Visitors(o.visitors)}
	defer hc.CloseIdleConnections()
	atk := &attack{
		NewAttacker: func() *vegeta.Attacker {
			return vegeta.NewAttacker(vegeta.Client(hc), vegeta.MaxBody(0), vegeta.MaxWorkers(2048))
		},
		Procs: procs,
	}
	fmt.Printf("load: edge %s, locations %s, %s per step, p99 targets:", c.State.Edge, o.locations, o.step)
	for _, sc := range scenarios {
		fmt.Printf(" %s %s", sc.Name, sc.TargetP99)
	}
	fmt.Println()
	prefix := fmt.Sprintf("load-%d", time.Now().UnixNano())
	for _, sc := range scenarios {
		res := load.ScenarioResult{Scenario: sc.Name, LeadOneIn: sc.LeadOneIn, TargetP99Ms: float64(sc.TargetP99) / float64(time.Millisecond)}
		// A second at the first rate, not recorded, opens connections and
		// fills the services' pools, so the first step measures the system
		// and not its start.
		atk.Run(ctx, targeter(c.State.Edge, sc, locations, fmt.Sprintf("%s-%s-warmup", prefix, sc.Name)), o.plan.Start, o.warmup, sc.TargetP99)
		if err := ctx.Err(); err != nil {
			return err
		}
		best, _, err := load.Search(o.plan, func(rate float64) (bool, error) {
			tr := targeter(c.State.Edge, sc, locations, fmt.Sprintf("%s-%s-%g", prefix, sc.Name, rate))
			s := atk.Run(ctx, tr, rate, o.step, sc.TargetP99)
			res.Steps = append(res.Steps, s)
			load.PrintStep(os.Stdout, sc.Name, s)
			if err := ctx.Err(); err != nil {
				return false, err
			}
			return s.Pass, sleep(ctx, o.pause)
		})
		res.HighestSustained = best
		rep.Scenarios = append(rep.Scenarios, res)
		if err != nil {
			return err
		}
		fmt.Printf("load %-6s highest sustained: %s req/s\n", sc.Name, strings.TrimSuffix(fmt.Sprintf("%g", best), ".0"))
	}

	if o.pageSamples > 0 {
		// The last step may have ended above what the lab carries; its
		// backlog (queued leads, replication catching up) is let go first,
		// so the pages' first bytes are timed on a quiet system.
		if err := sleep(ctx, settleBeforePages); err != nil {
			return err
		}
		fmt.Printf("load: weighing %s and timing their first byte (%d fetches each)\n", strings.Join(load.PagePaths, ", "), o.pageSamples)
		pages, err := load.MeasurePages(ctx, c.State.Edge, load.PagePaths, []string{"US-VA", "KR"}, o.pageSamples)
		if err != nil {
			return fmt.Errorf("pages: %w", err)
		}
		rep.Pages = pages
	}
	if o.soak > 0 {
		if rep.Soak, err = soak(ctx, o, atk, c.State.Edge, locations, rep.Scenarios, prefix); err != nil {
			return err
		}
	}
	rep.EndedAt = time.Now()
	name := "load"
	if o.soak > 0 {
		name = "soak"
	}
	path, err := rep.Save(o.out, name)
	if err != nil {
		return err
	}
	fmt.Println()
	rep.Print(os.Stdout)
	fmt.Println("results:", path)
	return nil
}

// soak holds the mixed scenario at one rate and samples memory once per window.
func soak(ctx context.Context, o options, atk *attack, edge string, locations []string, found []load.ScenarioResult, prefix string) (*load.Soak, error) {
	sc, _ := load.FindScenarios(load.DefaultScenarios(), "mixed")
	mixed := sc[0]
	mixed.TargetP99 = *o.targets["mixed"]
	rate := o.soakRate
	if rate == 0 {
		rate = 50
		for _, r := range found {
			if r.Scenario == "mixed" && r.HighestSustained > 0 {
				rate = max(1, float64(int(r.HighestSustained/2)))
			}
		}
	}
	s := &load.Soak{Scenario: "mixed", Rate: rate, WarmupSeconds: min(60, o.soak.Seconds()/5),
		Note: "early = median RSS over the first quarter after warm-up, end = median over the last quarter; growth beyond max(8 MiB, 10%) counts"}
	fmt.Printf("soak: mixed at %g req/s for %s, memory every %s\n", rate, o.soak, o.soakWindow)
	began := time.Now()
	tr := targeter(edge, mixed, locations, prefix+"-soak")
	var p50s []float64
	for time.Since(began) < o.soak {
		w := atk.Run(ctx, tr, rate, min(o.soakWindow, o.soak-time.Since(began)), mixed.TargetP99)
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		s.Windows = append(s.Windows, w)
		s.Requests += w.Requests
		s.Errors += w.Errors
		p50s = append(p50s, w.Latency.P50)
		s.WorstP99Ms = max(s.WorstP99Ms, w.Latency.P99)
		sample := load.SoakSample{Seconds: stats.Round(time.Since(began).Seconds()), RSSMiB: map[string]float64{}}
		for name, u := range w.Procs {
			sample.RSSMiB[name] = u.RSSMiB
		}
		s.Samples = append(s.Samples, sample)
		fmt.Printf("soak %5.0fs  p99 %6.1f ms  errors %d  backend RSS:", sample.Seconds, w.Latency.P99, w.Errors)
		for _, r := range []string{"us-east-1", "us-west-2", "ap-northeast-2"} {
			fmt.Printf(" %.1f", sample.RSSMiB["backend-"+r])
		}
		fmt.Println(" MiB")
	}
	s.Seconds = stats.Round(time.Since(began).Seconds())
	s.MedianP50Ms = stats.Round(stats.Percentile(p50s, 50))
	s.Growth = load.Growth(s.Samples, s.WarmupSeconds)
	return s, nil
}

// settleBeforePages is the quiet time between the last step and the pages.
const settleBeforePages = 3 * time.Second

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-time.After(d):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
