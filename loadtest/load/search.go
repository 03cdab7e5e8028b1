// Package load finds how much traffic the system carries: it steps the
// request rate of a scenario up until a step fails (an error, or p99 over
// the target), narrows down between the last rate that held and the first
// that did not, and reports every step.
package load

import (
	"fmt"
	"math"
)

// Plan is how the rate is stepped.
type Plan struct {
	Start  float64 // first rate, requests per second
	Max    float64 // never go above
	Factor float64 // each step multiplies the rate by this until one fails
	Refine int     // then this many bisection steps between pass and fail
}

// Validate refuses plans that cannot step.
func (p Plan) Validate() error {
	switch {
	case p.Start <= 0:
		return fmt.Errorf("start rate must be > 0")
	case p.Max < p.Start:
		return fmt.Errorf("max rate %g is below the start rate %g", p.Max, p.Start)
	case p.Factor <= 1:
		return fmt.Errorf("step factor must be > 1")
	case p.Refine < 0:
		return fmt.Errorf("refine steps must be >= 0")
	}
	return nil
}

// Search runs steps at rising rates and returns the highest rate whose step
// passed (0 when none did) and the rates tried, in order. run runs one step
// at a rate and reports whether it held.
func Search(p Plan, run func(rate float64) (bool, error)) (best float64, tried []float64, err error) {
	if err := p.Validate(); err != nil {
		return 0, nil, err
	}
	step := func(rate float64) (bool, error) {
		tried = append(tried, rate)
		return run(rate)
	}
	failed := 0.0
	for rate := p.Start; ; {
		ok, err := step(rate)
		if err != nil {
			return best, tried, err
		}
		if !ok {
			failed = rate
			break
		}
		best = rate
		if rate >= p.Max {
			return best, tried, nil
		}
		rate = math.Min(math.Round(rate*p.Factor), p.Max)
	}
	lo, hi := best, failed
	for range p.Refine {
		mid := math.Round((lo + hi) / 2)
		// Rates are whole requests per second: stop when nothing is left
		// between what held and what did not.
		if mid <= lo || mid >= hi {
			break
		}
		ok, err := step(mid)
		if err != nil {
			return best, tried, err
		}
		if ok {
			lo, best = mid, mid
		} else {
			hi = mid
		}
	}
	return best, tried, nil
}
