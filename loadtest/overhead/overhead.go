// Package overhead compares the backend's read path with the raw query it
// runs: the same statements against the same server at the same
// concurrency, through database/sql, through the backend's handler called
// in-process, and through HTTP on loopback. It reports each one's latency
// and throughput, the difference and ratio to the raw query, and whether
// the targets hold.
package overhead

import (
	"context"
	"fmt"
	"io"
	"os"
	"sync"
	"text/tabwriter"
	"time"

	"hyundai-poc.com/loadtest/procstat"
	"hyundai-poc.com/loadtest/stats"
)

// Report is what the tool writes.
type Report struct {
	Tool string `json:"tool"` // "overhead"
	// Label says what this run is, when runs are kept side by side
	// (before and after a change).
	Label       string             `json:"label,omitempty"`
	Where       string             `json:"where"`
	Commit      string             `json:"commit"`
	StartedAt   time.Time          `json:"started_at"`
	Endpoint    string             `json:"endpoint"`
	Statements  []string           `json:"statements"`
	Concurrency int                `json:"concurrency"`
	GOMAXPROCS  int                `json:"gomaxprocs"`
	Options     map[string]string  `json:"options"`
	Modes       []Mode             `json:"modes"`
	Versus      []Versus           `json:"versus_raw"`
	Targets     map[string]float64 `json:"targets"`
	// ProfileTop is `go tool pprof -top` of ProfileMode, when profiled.
	ProfileTop  string `json:"profile_top,omitempty"`
	ProfileMode string `json:"profile_mode,omitempty"`
}

// Targets: what the backend may add over the raw query.
const (
	MaxAddedP50Ms        = 0.5
	MaxAddedP99Ms        = 1.0
	MinThroughputOfRawPC = 50.0
)

// Mode is one way of running the query.
type Mode struct {
	Name       string        `json:"name"`
	Latency    stats.Summary `json:"latency_ms"`
	Throughput float64       `json:"throughput_per_s"`
	Errors     int           `json:"errors"`
	Seconds    float64       `json:"seconds"`
	// CPUPerRequestUs is this process's CPU time (user and system) per
	// request. The database server's CPU is not in it, so it is what the Go
	// side costs; unlike latency it barely moves when other programs load
	// the machine.
	CPUPerRequestUs float64 `json:"cpu_per_request_us"`
}

// Versus is a mode against the raw query.
type Versus struct {
	Mode string `json:"mode"`
	// Added is mode minus raw, in ms; Ratio is mode over raw.
	AddedP50Ms float64 `json:"added_p50_ms"`
	AddedP99Ms float64 `json:"added_p99_ms"`
	RatioP50   float64 `json:"ratio_p50"`
	RatioP99   float64 `json:"ratio_p99"`
	// ThroughputPC is the mode's throughput as a percentage of raw's.
	ThroughputPC float64 `json:"throughput_pct_of_raw"`
	MeetsTargets bool    `json:"meets_targets"`
	Why          string  `json:"why,omitempty"`
}

// Compare sets m against raw and judges the targets.
func Compare(raw, m Mode) Versus {
	v := Versus{Mode: m.Name,
		AddedP50Ms: round3(m.Latency.P50 - raw.Latency.P50), AddedP99Ms: round3(m.Latency.P99 - raw.Latency.P99)}
	if raw.Latency.P50 > 0 {
		v.RatioP50 = round3(m.Latency.P50 / raw.Latency.P50)
	}
	if raw.Latency.P99 > 0 {
		v.RatioP99 = round3(m.Latency.P99 / raw.Latency.P99)
	}
	if raw.Throughput > 0 {
		v.ThroughputPC = round1(100 * m.Throughput / raw.Throughput)
	}
	switch {
	case m.Errors > 0:
		v.Why = fmt.Sprintf("%d errors", m.Errors)
	case v.AddedP50Ms > MaxAddedP50Ms:
		v.Why = fmt.Sprintf("adds %.3f ms at p50 (target <= %.1f)", v.AddedP50Ms, MaxAddedP50Ms)
	case v.AddedP99Ms > MaxAddedP99Ms:
		v.Why = fmt.Sprintf("adds %.3f ms at p99 (target <= %.1f)", v.AddedP99Ms, MaxAddedP99Ms)
	case v.ThroughputPC < MinThroughputOfRawPC:
		v.Why = fmt.Sprintf("throughput %.1f%% of raw (target >= %.0f%%)", v.ThroughputPC, MinThroughputOfRawPC)
	default:
		v.MeetsTargets = true
	}
	return v
}

// Op is one way of running the query, named as its Mode will be.
type Op struct {
	Name string
	Run  func(ctx context.Context) error
}

// Measure runs op from workers goroutines in a closed loop for d, after a
// warm-up, and summarises it.
func Measure(ctx context.Context, name string, workers int, warmup, d time.Duration, op func(ctx context.Context) error) Mode {
	return MeasureInterleaved(ctx, []Op{{name, op}}, workers, warmup, d, 1)[0]
}

// MeasureInterleaved gives every op d in all, in rounds: after each op's
// warm-up, every round runs each op in turn for d/rounds. Whatever else
// loads the machine at some moment then weighs on every mode alike,
// instead of on whichever mode happened to run then, which matters most
// for the tail (p99) on a shared machine.
func MeasureInterleaved(ctx context.Context, ops []Op, workers int, warmup, d time.Duration, rounds int) []Mode {
	if rounds < 1 {
		rounds = 1
	}
	type acc struct {
		lat  []float64
		errs int
		took time.Duration
		cpu  time.Duration
	}
	accs := make([]acc, len(ops))
	for _, op := range ops {
		if warmup > 0 && ctx.Err() == nil {
			closedLoop(ctx, workers, warmup, op.Run)
		}
	}
	slice := d / time.Duration(rounds)
	for range rounds {
		for i, op := range ops {
			if ctx.Err() != nil {
				break
			}
			before, _ := procstat.Read(os.Getpid())
			lat, errs, took := closedLoop(ctx, workers, slice, op.Run)
			after, _ := procstat.Read(os.Getpid())
			a := &accs[i]
			a.lat = append(a.lat, lat...)
			a.errs += errs
			a.took += took
			a.cpu += after.CPU - before.CPU
		}
	}
	out := make([]Mode, len(ops))
	for i, a := range accs {
		m := Mode{Name: ops[i].Name, Errors: a.errs, Seconds: round1(a.took.Seconds())}
		if n := len(a.lat) + a.errs; n > 0 {
			m.CPUPerRequestUs = round1(float64(a.cpu.Microseconds()) / float64(n))
		}
		s := stats.Summarize(a.lat)
		m.Latency = stats.Summary{Count: s.Count, P50: round3(s.P50), P95: round3(s.P95), P99: round3(s.P99), Max: round3(s.Max)}
		if a.took > 0 {
			m.Throughput = round1(float64(len(a.lat)) / a.took.Seconds())
		}
		out[i] = m
	}
	return out
}

// closedLoop runs op from workers goroutines, each starting the next call
// when the last returns, for d. It returns the latencies of the calls that
// succeeded, in ms, the number that failed, and how long it ran.
func closedLoop(ctx context.Context, workers int, d time.Duration, op func(ctx context.Context) error) ([]float64, int, time.Duration) {
	var mu sync.Mutex
	var all []float64
	errs := 0
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	start := time.Now()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var mine []float64
			bad := 0
			for ctx.Err() == nil {
				t := time.Now()
				err := op(context.Background())
				if ctx.Err() != nil && err != nil {
					break
				}
				if err != nil {
					bad++
					continue
				}
				mine = append(mine, float64(time.Since(t).Nanoseconds())/1e6)
			}
			mu.Lock()
			all = append(all, mine...)
			errs += bad
			mu.Unlock()
		}()
	}
	wg.Wait()
	return all, errs, time.Since(start)
}

// Print writes the comparison table.
func Print(w io.Writer, modes []Mode, vs []Versus) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "mode\tp50 ms\tp99 ms\tthroughput/s\tCPU us/req\terrors\tadded p50\tadded p99\tratio p50\tratio p99\tthroughput vs raw\t")
	for _, m := range modes {
		var v *Versus
		for i := range vs {
			if vs[i].Mode == m.Name {
				v = &vs[i]
			}
		}
		if v == nil {
			fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%.0f\t%.0f\t%d\t\t\t\t\t\t\n", m.Name, m.Latency.P50, m.Latency.P99, m.Throughput, m.CPUPerRequestUs, m.Errors)
			continue
		}
		fmt.Fprintf(tw, "%s\t%.3f\t%.3f\t%.0f\t%.0f\t%d\t%+.3f\t%+.3f\t%.2f\t%.2f\t%.1f%%\t\n", m.Name, m.Latency.P50, m.Latency.P99, m.Throughput, m.CPUPerRequestUs, m.Errors,
			v.AddedP50Ms, v.AddedP99Ms, v.RatioP50, v.RatioP99, v.ThroughputPC)
	}
	tw.Flush()
	for _, v := range vs {
		verdict := "meets the targets"
		if !v.MeetsTargets {
			verdict = "MISSES: " + v.Why
		}
		fmt.Fprintf(w, "%s: %s (<= +%.1f ms p50, <= +%.0f ms p99, >= %.0f%% of raw throughput)\n", v.Mode, verdict, MaxAddedP50Ms, MaxAddedP99Ms, MinThroughputOfRawPC)
	}
}

func round3(v float64) float64 { return float64(int64(v*1000+sign(v)*0.5)) / 1000 }
func round1(v float64) float64 { return float64(int64(v*10+sign(v)*0.5)) / 10 }

func sign(v float64) float64 {
	if v < 0 {
		return -1
	}
	return 1
}
