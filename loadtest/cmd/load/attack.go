package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"
	"hyundai-poc.com/loadtest/load"
	"hyundai-poc.com/loadtest/procstat"
	"hyundai-poc.com/loadtest/stats"
)

// targeter plays scenario s against base (the edge), cycling through
// locations and paths so every step sends the same mix. Each lead carries
// a fresh Idempotency-Key under keyPrefix.
func targeter(base string, s load.Scenario, locations []string, keyPrefix string) vegeta.Targeter {
	var seq atomic.Uint64
	base = strings.TrimRight(base, "/")
	return func(t *vegeta.Target) error {
		n := seq.Add(1) - 1
		loc := locations[n%uint64(len(locations))]
		t.Header = http.Header{"X-Client-Location": []string{loc}}
		if s.LeadOneIn > 0 && n%uint64(s.LeadOneIn) == 0 {
			t.Method, t.URL, t.Body = http.MethodPost, base+"/api/leads", load.LeadBody(loc)
			t.Header.Set("Content-Type", "application/json")
			t.Header.Set("Idempotency-Key", fmt.Sprintf("%s-%d", keyPrefix, n))
			return nil
		}
		// Reads step through the paths more slowly than through locations,
		// so each path is asked from every location.
		p := load.BrowsePaths[(n/uint64(len(locations)))%uint64(len(load.BrowsePaths))]
		t.Method, t.URL, t.Body = http.MethodGet, base+p, nil
		return nil
	}
}

// attack holds what every step of a run shares.
type attack struct {
	// NewAttacker makes the attacker of one step: a vegeta attacker stops
	// for good at the end of its attack.
	NewAttacker func() *vegeta.Attacker
	// Procs are the processes whose memory and CPU each step reports,
	// by name (backend-us-east-1, ...).
	Procs map[string]int
	// SampleEvery is how often processes are read during a step.
	SampleEvery time.Duration
}

// Run holds rate for d with targets from tr and returns the step, judged
// against target. ctx ends the step early.
func (a *attack) Run(ctx context.Context, tr vegeta.Targeter, rate float64, d time.Duration, target time.Duration) load.Step {
	samples := map[string][]procstat.Sample{}
	var mu sync.Mutex
	sampleAll := func() {
		mu.Lock()
		defer mu.Unlock()
		for name, pid := range a.Procs {
			if s, err := procstat.Read(pid); err == nil {
				samples[name] = append(samples[name], s)
			}
		}
	}
	sampleAll()
	sctx, stopSampling := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		every := a.SampleEvery
		if every <= 0 {
			every = 500 * time.Millisecond
		}
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-sctx.Done():
				return
			case <-t.C:
				sampleAll()
			}
		}
	}()

	began := time.Now()
	pacer := vegeta.ConstantPacer{Freq: int(rate + 0.5), Per: time.Second}
	atk := a.NewAttacker()
	results := atk.Attack(tr, pacer, d, fmt.Sprintf("%g/s", rate))
	var all []float64
	byKind := map[string][]float64{}
	s := load.Step{Rate: rate, ErrorKinds: map[string]int{}, ServedBy: map[string]int{}}
	ok := 0
	stopped := make(chan struct{})
	defer close(stopped)
	go func() {
		select {
		case <-ctx.Done():
			atk.Stop()
		case <-stopped:
		}
	}()
	for res := range results {
		s.Requests++
		ms := float64(res.Latency) / float64(time.Millisecond)
		all = append(all, ms)
		k := load.Kind(res.Method, res.URL)
		byKind[k] = append(byKind[k], ms)
		if res.Error != "" || res.Code < 200 || res.Code >= 300 {
			s.Errors++
			why := res.Error
			if res.Code != 0 {
				why = fmt.Sprintf("HTTP %d", res.Code)
			}
			s.ErrorKinds[why]++
			continue
		}
		ok++
		if r := res.Headers.Get("X-Edge-Origin"); r != "" {
			s.ServedBy[r]++
		}
	}
	s.Seconds = stats.Round(time.Since(began).Seconds())
	stopSampling()
	wg.Wait()
	sampleAll()
	if s.Seconds > 0 {
		s.Throughput = stats.Round(float64(ok) / s.Seconds)
	}
	s.Latency = stats.Summarize(all).Rounded()
	s.ByKind = map[string]stats.Summary{}
	for k, v := range byKind {
		s.ByKind[k] = stats.Summarize(v).Rounded()
	}
	s.Procs = map[string]procstat.Usage{}
	for name, ss := range samples {
		s.Procs[name] = procstat.Between(ss)
	}
	if len(s.ErrorKinds) == 0 {
		s.ErrorKinds = nil
	}
	load.Judge(&s, target, d)
	return s
}
