package load

import (
	"testing"
	"time"

	"hyundai-poc.com/loadtest/stats"
)

func TestJudge(t *testing.T) {
	for _, tc := range []struct {
		name string
		step Step
		pass bool
	}{
		{"holds", Step{Rate: 100, Requests: 500, Latency: stats.Summary{P99: 80}}, true},
		{"an error fails it", Step{Rate: 100, Requests: 500, Errors: 1, Latency: stats.Summary{P99: 80}}, false},
		{"p99 over target", Step{Rate: 100, Requests: 500, Latency: stats.Summary{P99: 101}}, false},
		{"generator fell behind", Step{Rate: 100, Requests: 400, Latency: stats.Summary{P99: 80}}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := tc.step
			Judge(&s, 100*time.Millisecond, 5*time.Second)
			if s.Pass != tc.pass || (s.Why == "") != tc.pass {
				t.Fatalf("pass %v why %q, want pass %v", s.Pass, s.Why, tc.pass)
			}
		})
	}
}
