package check_test

import (
	"path/filepath"
	"testing"

	"hyundai-poc.com/deploy/check/tfconfig"
	"hyundai-poc.com/deploy/check/topology"
	"hyundai-poc.com/reporoot"
)

func siteDir(t *testing.T) string {
	return filepath.Join(reporoot.ForTest(t), "services", "frontend", "site")
}

func edgeFile(t *testing.T) string {
	return filepath.Join(reporoot.ForTest(t), "deploy", "geo", "edge.json")
}

// The checks that need the frontend's source beside the Terraform.
func edgeChecks(t *testing.T) []struct {
	name  string
	check func(*tfconfig.Tree) []topology.Finding
} {
	site := siteDir(t)
	return []struct {
		name  string
		check func(*tfconfig.Tree) []topology.Finding
	}{
		{"form-routes", func(tr *tfconfig.Tree) []topology.Finding { return topology.FormRoutes(tr, site) }},
		{"cache-policies", func(tr *tfconfig.Tree) []topology.Finding { return topology.CachePolicies(tr, site) }},
		{"failover-pairs", topology.FailoverPairs},
		{"origin-locked", topology.OriginLocked},
	}
}

func TestEdge(t *testing.T) {
	tree := loadTree(t, terraformRoot(t))
	for _, c := range edgeChecks(t) {
		t.Run(c.name, func(t *testing.T) { report(t, c.name, c.check(tree)) })
	}
	t.Run("edge-file", func(t *testing.T) { report(t, "edge.json", topology.EdgeFile(edgeFile(t))) })
}

func TestFrontendPostsAreFound(t *testing.T) {
	routes, err := topology.FrontendPosts(siteDir(t))
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, r := range routes {
		found[r.Method+" "+r.Path] = true
	}
	for _, want := range []string{"POST /test-drive", "POST /csp-report", "POST /api/*"} {
		if !found[want] {
			t.Errorf("the frontend's %s was not found among %v", want, routes)
		}
	}
	cookies, err := topology.FrontendCookies(siteDir(t))
	if err != nil || len(cookies) == 0 {
		t.Errorf("no cookies found the frontend reads (%v)", err)
	}
	t.Logf("routes %v, cookies %v", routes, cookies)
}

func tfvars(t *testing.T, name string) string {
	return filepath.Join(terraformRoot(t), name)
}

func TestWriterAnywhere(t *testing.T) {
	tree := loadTree(t, terraformRoot(t))
	report(t, "alarms", topology.AlarmsFollowWriter(tree))
	report(t, "secret", topology.OneSecret(tree))
	report(t, "baseline", topology.Baseline(tree, tfvars(t, "prod.tfvars.example"), tfvars(t, "terraform.tfvars.example")))
}
