package load

import (
	"errors"
	"slices"
	"testing"
)

func TestSearch(t *testing.T) {
	for _, tc := range []struct {
		name      string
		plan      Plan
		capacity  float64 // rates up to this pass
		wantBest  float64
		wantTried []float64
	}{
		{"doubles then bisects", Plan{Start: 25, Max: 1000, Factor: 2, Refine: 2}, 130, 125, []float64{25, 50, 100, 200, 150, 125}},
		{"no refinement", Plan{Start: 25, Max: 1000, Factor: 2}, 130, 100, []float64{25, 50, 100, 200}},
		{"first step fails", Plan{Start: 50, Max: 400, Factor: 2, Refine: 2}, 30, 25, []float64{50, 25, 38}},
		{"everything passes up to the cap", Plan{Start: 100, Max: 300, Factor: 2, Refine: 3}, 1e9, 300, []float64{100, 200, 300}},
		{"bisection stops when no whole rate is left", Plan{Start: 1, Max: 10, Factor: 2, Refine: 5}, 1, 1, []float64{1, 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			best, tried, err := Search(tc.plan, func(rate float64) (bool, error) { return rate <= tc.capacity, nil })
			if err != nil {
				t.Fatal(err)
			}
			if best != tc.wantBest || !slices.Equal(tried, tc.wantTried) {
				t.Fatalf("best %g tried %v, want %g %v", best, tried, tc.wantBest, tc.wantTried)
			}
		})
	}
}

func TestSearchStopsOnError(t *testing.T) {
	boom := errors.New("interrupted")
	best, tried, err := Search(Plan{Start: 10, Max: 100, Factor: 2}, func(rate float64) (bool, error) {
		if rate > 20 {
			return false, boom
		}
		return true, nil
	})
	if !errors.Is(err, boom) || best != 20 || len(tried) != 3 {
		t.Fatalf("best %g tried %v err %v", best, tried, err)
	}
}

func TestPlanValidate(t *testing.T) {
	for _, p := range []Plan{{Start: 0, Max: 1, Factor: 2}, {Start: 10, Max: 5, Factor: 2}, {Start: 1, Max: 5, Factor: 1}, {Start: 1, Max: 5, Factor: 2, Refine: -1}} {
		if p.Validate() == nil {
			t.Errorf("%+v accepted", p)
		}
	}
}
