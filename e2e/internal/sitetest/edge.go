package sitetest

import (
	"net/http/httptest"
	"path/filepath"
	"testing"

	"hyundai-poc.com/lab/edge"
	"hyundai-poc.com/lab/geo"
)

// StartEdge puts the lab's CloudFront stand-in in front of origins (region
// -> frontend URL), with the project's own deploy/geo/edge.json and
// locations.json: a method CloudFront would refuse, or a page it would
// share between visitors, fails here as it would there. It serves until
// the test ends and returns its URL.
func StartEdge(t testing.TB, repoRoot string, origins map[string]string) string {
	t.Helper()
	g, err := geo.Load(filepath.Join(repoRoot, "deploy", "geo", "locations.json"))
	if err != nil {
		t.Fatal(err)
	}
	def, err := edge.LoadDefinition(filepath.Join(repoRoot, "deploy", "geo", "edge.json"))
	if err != nil {
		t.Fatal(err)
	}
	e, err := edge.New(edge.Config{Geo: g, Origins: origins, Definition: def})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(e)
	t.Cleanup(srv.Close)
	t.Cleanup(e.Close)
	return srv.URL
}

// EveryRegion maps each region the locations table routes to one URL:
// a single site standing in for all of them behind the edge.
func EveryRegion(url string) map[string]string {
	return map[string]string{"us-east-1": url, "us-west-2": url, "ap-northeast-2": url}
}
