package overhead

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"hyundai-poc.com/loadtest/stats"
)

func TestCompare(t *testing.T) {
	raw := Mode{Name: "raw", Latency: stats.Summary{P50: 1.0, P99: 2.0}, Throughput: 4000}
	for _, tc := range []struct {
		name string
		m    Mode
		meet bool
		p50  float64
		pct  float64
	}{
		{"within", Mode{Name: "http", Latency: stats.Summary{P50: 1.4, P99: 2.9}, Throughput: 2400}, true, 0.4, 60},
		{"p50 over", Mode{Name: "http", Latency: stats.Summary{P50: 1.6, P99: 2.5}, Throughput: 3000}, false, 0.6, 75},
		{"p99 over", Mode{Name: "http", Latency: stats.Summary{P50: 1.2, P99: 3.2}, Throughput: 3000}, false, 0.2, 75},
		{"slow", Mode{Name: "http", Latency: stats.Summary{P50: 1.2, P99: 2.2}, Throughput: 1000}, false, 0.2, 25},
		{"errors", Mode{Name: "http", Latency: stats.Summary{P50: 1, P99: 2}, Throughput: 4000, Errors: 1}, false, 0, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := Compare(raw, tc.m)
			if v.MeetsTargets != tc.meet || v.AddedP50Ms != tc.p50 || v.ThroughputPC != tc.pct || (v.Why == "") != tc.meet {
				t.Fatalf("%+v", v)
			}
		})
	}
	if v := Compare(raw, Mode{Latency: stats.Summary{P50: 1.5, P99: 3}}); v.RatioP50 != 1.5 || v.RatioP99 != 1.5 {
		t.Fatalf("ratios %+v", v)
	}
}

func TestMeasureCountsErrorsApart(t *testing.T) {
	var n atomic.Int64
	m := Measure(context.Background(), "x", 2, 0, 100*time.Millisecond, func(context.Context) error {
		time.Sleep(time.Millisecond)
		if n.Add(1)%4 == 0 {
			return errors.New("boom")
		}
		return nil
	})
	if m.Errors == 0 || m.Latency.Count == 0 || m.Throughput <= 0 {
		t.Fatalf("%+v", m)
	}
}

func TestMeasureInterleavedTakesTurns(t *testing.T) {
	// Each op records the order in which rounds reached it: with turns,
	// neither runs all its time before the other starts.
	var order []string
	var last atomic.Value
	op := func(name string) Op {
		return Op{Name: name, Run: func(context.Context) error {
			if prev, _ := last.Swap(name).(string); prev != name {
				order = append(order, name) // one worker: no race
			}
			time.Sleep(time.Millisecond)
			return nil
		}}
	}
	modes := MeasureInterleaved(context.Background(), []Op{op("a"), op("b")}, 1, 0, 60*time.Millisecond, 3)
	if len(modes) != 2 || modes[0].Name != "a" || modes[1].Name != "b" {
		t.Fatalf("modes %+v", modes)
	}
	for _, m := range modes {
		if m.Latency.Count == 0 || m.Throughput <= 0 || m.Errors != 0 {
			t.Fatalf("%+v", m)
		}
	}
	if len(order) != 6 {
		t.Fatalf("turns %v, want a and b alternating 3 times", order)
	}
}
