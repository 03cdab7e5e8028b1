package api_test

import (
	"fmt"
	"testing"

	"hyundai-poc.com/backend/backendtest"
)

// requestSeries counts http_requests_total series and collects the method
// label values the registry holds.
func requestSeries(t *testing.T, s *backendtest.Server) (int, map[string]bool) {
	t.Helper()
	mfs, err := s.API.Metrics.Registry.Gather()
	if err != nil {
		t.Fatal(err)
	}
	methods := map[string]bool{}
	n := 0
	for _, mf := range mfs {
		if mf.GetName() != "http_requests_total" {
			continue
		}
		for _, m := range mf.GetMetric() {
			n++
			for _, l := range m.GetLabel() {
				if l.GetName() == "method" {
					methods[l.GetValue()] = true
				}
			}
		}
	}
	return n, methods
}

// Invented methods and paths must not grow the metrics: every label comes
// from a closed set.
func TestCardinalityAttackKeepsMetricsFlat(t *testing.T) {
	t.Parallel()
	s := backendtest.NewServer(t, backendtest.InProcessOptions{})
	for i := range 300 {
		do(t, fmt.Sprintf("M%d", i), s.URL+"/api/vehicles", "", "", nil)
		do(t, "GET", fmt.Sprintf("%s/api/nowhere-%d", s.URL, i), "", "", nil)
	}
	n, methods := requestSeries(t, s)
	for m := range methods {
		switch m {
		case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "CONNECT", "TRACE", "other":
		default:
			t.Errorf("method label %q is outside the closed set", m)
		}
	}
	if n > 10 {
		t.Errorf("600 invented requests left %d http_requests_total series; want a handful", n)
	}
}
