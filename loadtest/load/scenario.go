package load

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"
)

// Scenario is a kind of traffic.
type Scenario struct {
	Name string `json:"name"`
	// LeadOneIn makes every n-th request a lead (POST /api/leads); 0 sends
	// none, 1 sends only leads.
	LeadOneIn int `json:"lead_one_in"`
	// TargetP99 is the p99 a step must stay under to hold.
	TargetP99 time.Duration `json:"-"`
}

// BrowsePaths are what a visitor reads: the pages and the API calls the
// pages' scripts make.
var BrowsePaths = []string{"/", "/vehicles", "/api/vehicles", "/api/campaigns?market=US", "/status"}

// DefaultScenarios are the three the tool knows. The targets: a read is
// served in the visitor's region, so 100 ms at p99 leaves room for a page
// render; a lead from Seoul or Oregon crosses to the writer's region
// (180 ms and 65 ms round trips in the lab's table) for the connection
// check and the commit, so leads get 1 s.
func DefaultScenarios() []Scenario {
	return []Scenario{
		{Name: "browse", LeadOneIn: 0, TargetP99: 100 * time.Millisecond},
		{Name: "leads", LeadOneIn: 1, TargetP99: time.Second},
		{Name: "mixed", LeadOneIn: 20, TargetP99: time.Second},
	}
}

// FindScenarios picks scenarios by name from all.
func FindScenarios(all []Scenario, names string) ([]Scenario, error) {
	var out []Scenario
	for _, n := range strings.Split(names, ",") {
		n = strings.TrimSpace(n)
		found := false
		for _, s := range all {
			if s.Name == n {
				out = append(out, s)
				found = true
			}
		}
		if !found {
			var known []string
			for _, s := range all {
				known = append(known, s.Name)
			}
			return nil, fmt.Errorf("unknown scenario %q (want %s)", n, strings.Join(known, ", "))
		}
	}
	return out, nil
}

// DefaultLocations mixes visitors from every region's catchment: Virginia
// and Germany land on us-east-1, California and Oregon on us-west-2, Korea
// and Japan on ap-northeast-2 (deploy/geo/locations.json).
var DefaultLocations = []string{"US-VA", "DE", "US-CA", "US-OR", "KR", "JP"}

// LeadBody is a valid test-drive request; the market follows the visitor.
func LeadBody(location string) []byte {
	market := "US"
	if location == "KR" || location == "JP" {
		market = "KR"
	}
	return []byte(`{"type":"test_drive","name":"Load Test","email":"load@example.com","phone":"+821012345678",` +
		`"vehicle_id":"ioniq-5","market":"` + market + `","message":"load","consent":true}`)
}

// Kind names what a request was, for per-kind latency.
func Kind(method, url string) string {
	if method == http.MethodPost {
		return "lead"
	}
	if strings.Contains(url, "/api/") {
		return "api"
	}
	return "page"
}

// sortedKeys returns m's keys in order, for deterministic output.
func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
