package stats

import (
	"math"
	"testing"
	"time"
)

func TestPercentileKnownSamples(t *testing.T) {
	// 1..100: the p-th percentile by nearest rank is p itself.
	var s []float64
	for i := 100; i >= 1; i-- {
		s = append(s, float64(i))
	}
	for _, p := range []float64{1, 50, 95, 99, 100} {
		if got := Percentile(s, p); got != p {
			t.Errorf("P%.0f of 1..100 = %v, want %v", p, got, p)
		}
	}
	small := []float64{15, 20, 35, 40, 50}
	for p, want := range map[float64]float64{5: 15, 30: 20, 40: 20, 50: 35, 100: 50} {
		if got := Percentile(small, p); got != want {
			t.Errorf("P%v of %v = %v, want %v", p, small, got, want)
		}
	}
	if !math.IsNaN(Percentile(nil, 50)) || !math.IsNaN(Percentile(small, 0)) || !math.IsNaN(Percentile(small, 101)) {
		t.Error("want NaN for no samples or p out of range")
	}
	if small[0] != 15 || small[4] != 50 {
		t.Error("input reordered")
	}
	sum := Summarize([]float64{3, 1, 2})
	if sum.Count != 3 || sum.P50 != 2 || sum.P99 != 3 || sum.Max != 3 {
		t.Errorf("Summarize = %+v", sum)
	}
	if (Summarize(nil) != Summary{}) {
		t.Error("empty summary not zero")
	}
	if ms := Ms([]time.Duration{1500 * time.Microsecond}); ms[0] != 1.5 {
		t.Errorf("Ms = %v", ms)
	}
}

func TestLongestOutage(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	at := func(startMs, endMs int, ok bool) Outcome {
		return Outcome{Start: t0.Add(time.Duration(startMs) * time.Millisecond), End: t0.Add(time.Duration(endMs) * time.Millisecond), OK: ok}
	}
	cases := []struct {
		name string
		in   []Outcome
		want time.Duration
	}{
		{"none failed", []Outcome{at(0, 10, true), at(100, 110, true)}, 0},
		{"one run", []Outcome{at(0, 10, true), at(100, 150, false), at(200, 250, false), at(300, 320, true)}, 220 * time.Millisecond},
		{"longest of two", []Outcome{at(0, 5, false), at(10, 20, true), at(100, 105, false), at(400, 450, true)}, 350 * time.Millisecond},
		{"unordered input", []Outcome{at(300, 320, true), at(100, 150, false), at(0, 10, true)}, 220 * time.Millisecond},
		{"never recovered", []Outcome{at(0, 10, true), at(100, 110, false)}, 900 * time.Millisecond},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := LongestOutage(c.in, t0.Add(time.Second)).Duration(); got != c.want {
				t.Fatalf("got %s, want %s", got, c.want)
			}
		})
	}
}
