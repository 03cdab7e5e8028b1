// Package stats turns samples into the percentiles the tools report.
package stats

import (
	"math"
	"sort"
	"time"
)

// Percentile is the nearest-rank p-th percentile (0 < p <= 100) of
// samples: the smallest sample with at least p% of samples at or below it.
// It returns NaN for no samples.
func Percentile(samples []float64, p float64) float64 {
	if len(samples) == 0 || p <= 0 || p > 100 {
		return math.NaN()
	}
	s := append([]float64(nil), samples...)
	sort.Float64s(s)
	rank := int(math.Ceil(p / 100 * float64(len(s))))
	if rank < 1 {
		rank = 1
	}
	return s[rank-1]
}

// Summary is the usual trio plus count and maximum, in milliseconds.
type Summary struct {
	Count int     `json:"count"`
	P50   float64 `json:"p50"`
	P95   float64 `json:"p95"`
	P99   float64 `json:"p99"`
	Max   float64 `json:"max"`
}

// Summarize computes a Summary of samples (already in the unit wanted).
// An empty input gives a zero Summary.
func Summarize(samples []float64) Summary {
	if len(samples) == 0 {
		return Summary{}
	}
	s := Summary{Count: len(samples), P50: Percentile(samples, 50), P95: Percentile(samples, 95), P99: Percentile(samples, 99)}
	for _, v := range samples {
		s.Max = math.Max(s.Max, v)
	}
	return s
}

// Ms converts durations to float milliseconds.
func Ms(ds []time.Duration) []float64 {
	out := make([]float64, len(ds))
	for i, d := range ds {
		out[i] = float64(d) / float64(time.Millisecond)
	}
	return out
}

// Round keeps one decimal, for readable JSON.
func Round(v float64) float64 { return math.Round(v*10) / 10 }

// Rounded rounds every field of s.
func (s Summary) Rounded() Summary {
	return Summary{Count: s.Count, P50: Round(s.P50), P95: Round(s.P95), P99: Round(s.P99), Max: Round(s.Max)}
}

// Span is a stretch of time.
type Span struct {
	Start, End time.Time
}

// Duration of the span.
func (s Span) Duration() time.Duration { return s.End.Sub(s.Start) }

// Outcome is one attempt: when it started and ended and whether it worked.
type Outcome struct {
	Start, End time.Time
	OK         bool
}

// LongestOutage finds the longest unavailability in a series of attempts:
// from the start of the first failed attempt in a run of failures to the
// end of the first successful attempt started after it. A run with no
// later success ends at until. It returns the zero Span when nothing failed.
func LongestOutage(attempts []Outcome, until time.Time) Span {
	a := append([]Outcome(nil), attempts...)
	sort.Slice(a, func(i, j int) bool { return a[i].Start.Before(a[j].Start) })
	var best, cur Span
	in := false
	for _, o := range a {
		switch {
		case !o.OK && !in:
			in, cur = true, Span{Start: o.Start}
		case o.OK && in:
			in = false
			cur.End = o.End
			if cur.Duration() > best.Duration() {
				best = cur
			}
		}
	}
	if in {
		cur.End = until
		if cur.Duration() > best.Duration() {
			best = cur
		}
	}
	return best
}
