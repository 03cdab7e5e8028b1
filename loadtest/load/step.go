package load

import (
	"fmt"
	"time"

	"hyundai-poc.com/loadtest/procstat"
	"hyundai-poc.com/loadtest/stats"
)

// Step is one rate held for a while.
type Step struct {
	Rate       float64 `json:"rate"`       // asked for, requests/s
	Seconds    float64 `json:"seconds"`    // how long
	Requests   int     `json:"requests"`   // sent
	Throughput float64 `json:"throughput"` // successful answers/s
	Errors     int     `json:"errors"`
	// ErrorKinds counts errors by status or transport error.
	ErrorKinds map[string]int           `json:"error_kinds,omitempty"`
	Latency    stats.Summary            `json:"latency_ms"`
	ByKind     map[string]stats.Summary `json:"latency_by_kind_ms"`
	// ServedBy counts answers by the region that served them.
	ServedBy map[string]int `json:"served_by"`
	// Procs is what each of the lab's processes used during the step.
	Procs map[string]procstat.Usage `json:"procs"`
	Pass  bool                      `json:"pass"`
	Why   string                    `json:"why,omitempty"`
}

// Judge decides whether a step planned to last planned held: no error, p99
// under target, and the rate really sent (a generator that fell behind, or
// a step cut short, would flatter the system).
func Judge(s *Step, target, planned time.Duration) {
	targetMs := float64(target) / float64(time.Millisecond)
	switch {
	case s.Errors > 0:
		s.Pass, s.Why = false, fmt.Sprintf("%d errors", s.Errors)
	case s.Latency.P99 > targetMs:
		s.Pass, s.Why = false, fmt.Sprintf("p99 %.1f ms over the %.0f ms target", s.Latency.P99, targetMs)
	case float64(s.Requests) < 0.95*s.Rate*planned.Seconds():
		s.Pass, s.Why = false, fmt.Sprintf("only %d of %.0f requests sent", s.Requests, s.Rate*planned.Seconds())
	default:
		s.Pass, s.Why = true, ""
	}
}
