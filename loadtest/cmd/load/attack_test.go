package main

import (
	"net/http"
	"testing"

	vegeta "github.com/tsenart/vegeta/v12/lib"
	"hyundai-poc.com/loadtest/load"
)

func TestTargeterMix(t *testing.T) {
	for _, tc := range []struct {
		sc    load.Scenario
		leads int
	}{{load.Scenario{Name: "browse"}, 0}, {load.Scenario{Name: "leads", LeadOneIn: 1}, 600}, {load.Scenario{Name: "mixed", LeadOneIn: 20}, 30}} {
		t.Run(tc.sc.Name, func(t *testing.T) {
			tr := targeter("http://edge/", tc.sc, load.DefaultLocations, "k")
			keys := map[string]bool{}
			locs := map[string]int{}
			paths := map[string]bool{}
			leads := 0
			for range 600 {
				var tg vegeta.Target
				if err := tr(&tg); err != nil {
					t.Fatal(err)
				}
				locs[tg.Header.Get("X-Client-Location")]++
				if tg.Method == http.MethodPost {
					leads++
					k := tg.Header.Get("Idempotency-Key")
					if k == "" || keys[k] {
						t.Fatalf("lead key %q missing or reused", k)
					}
					keys[k] = true
					continue
				}
				paths[tg.URL] = true
			}
			if leads != tc.leads {
				t.Fatalf("%d leads in 600, want %d", leads, tc.leads)
			}
			for _, l := range load.DefaultLocations {
				if locs[l] != 100 {
					t.Fatalf("location %s sent %d times, want 100", l, locs[l])
				}
			}
			if tc.leads < 600 && len(paths) != len(load.BrowsePaths) {
				t.Fatalf("read paths %v", paths)
			}
		})
	}
}
