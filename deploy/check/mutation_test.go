package check_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"hyundai-poc.com/deploy/check/tfconfig"
	"hyundai-poc.com/deploy/check/topology"
	"hyundai-poc.com/reporoot"
)

// edit replaces old with new in one file of a copy of deploy/terraform and
// deploy/geo (paths relative to deploy/); old must occur exactly once, so
// an edit that no longer applies fails instead of proving nothing.
type edit struct{ file, old, new string }

// mutate copies the deployment, applies the edits (each putting back one
// defect the checks exist to catch), and loads the copy's root.
func mutate(t *testing.T, edits ...edit) (*tfconfig.Tree, string) {
	t.Helper()
	src := filepath.Join(reporoot.ForTest(t), "deploy")
	dst := filepath.Join(t.TempDir(), "deploy")
	for _, sub := range []string{"terraform", "geo"} {
		err := filepath.WalkDir(filepath.Join(src, sub), func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			rel, _ := filepath.Rel(src, p)
			if d.IsDir() {
				return os.MkdirAll(filepath.Join(dst, rel), 0o755)
			}
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, e := range edits {
		p := filepath.Join(dst, e.file)
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		if n := strings.Count(string(b), e.old); n != 1 {
			t.Fatalf("mutation of %s: %q occurs %d times, want once", e.file, e.old, n)
		}
		if err := os.WriteFile(p, []byte(strings.Replace(string(b), e.old, e.new, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return loadTree(t, filepath.Join(dst, "terraform", "poc")), dst
}

// Each case puts one defect of the first review back into a copy of the
// configuration; its check must report it.
func TestChecksCatchTheReviewedDefects(t *testing.T) {
	site := siteDir(t)
	cases := []struct {
		name  string
		edits []edit
		check func(*tfconfig.Tree, string) []topology.Finding
		want  []string
	}{
		{
			name: "1 no peering between the VPCs",
			edits: []edit{{"terraform/poc/main.tf", `module "peering" {`, `module "peering_off" {
  count  = 0`}},
			check: func(tr *tfconfig.Tree, _ string) []topology.Finding { return topology.Reachability(tr) },
			want:  []string{"cannot reach", "no route from 10.20.128.0/20 (us-west-2) to 10.10.128.0/20 (us-east-1)"},
		},
		{
			name: "1 database groups name only local groups",
			edits: []edit{{"terraform/modules/peering/main.tf", `resource "aws_vpc_security_group_ingress_rule" "db_from_peer_tasks" {
  for_each = local.directions`, `resource "aws_vpc_security_group_ingress_rule" "db_from_peer_tasks" {
  for_each = {}`}},
			check: func(tr *tfconfig.Tree, _ string) []topology.Finding { return topology.Reachability(tr) },
			want:  []string{"no ingress rule of the database groups admits 3306 from 10.30.128.0/20"},
		},
		{
			name:  "1 peering never accepted",
			edits: []edit{{"terraform/modules/peering/main.tf", `  auto_accept               = true`, `  auto_accept               = false`}},
			check: func(tr *tfconfig.Tree, _ string) []topology.Finding { return topology.Reachability(tr) },
			want:  []string{"is never accepted"},
		},
		{
			name:  "2 the form posts to a GET-only behavior",
			edits: []edit{{"geo/edge.json", `"path": "/test-drive",`, `"path": "/test-drive-old",`}},
			check: func(tr *tfconfig.Tree, _ string) []topology.Finding { return topology.FormRoutes(tr, site) },
			want:  []string{"POST /test-drive", "allows only [GET HEAD OPTIONS] and answers 403"},
		},
		{
			name:  "2 a POST behavior on the origin group",
			edits: []edit{{"geo/edge.json", `{ "path": "/csp-report", "methods": ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"], "target": "geo-write"`, `{ "path": "/csp-report", "methods": ["GET", "HEAD", "OPTIONS", "PUT", "PATCH", "POST", "DELETE"], "target": "site"`}},
			check: func(tr *tfconfig.Tree, _ string) []topology.Finding { return topology.FormRoutes(tr, site) },
			want:  []string{`behavior /csp-report sends it to origin group "site", which serves only GET, HEAD, OPTIONS`},
		},
		{
			name: "3 pages on Managed-CachingOptimized",
			edits: []edit{{"geo/edge.json", `"none": {
      "_about": "Never cached: the API and form posts.",
      "managed": "Managed-CachingDisabled",`, `"none": {
      "_about": "Never cached: the API and form posts.",
      "managed": "Managed-CachingDisabled",`}, {"geo/edge.json", `{ "path": "*", "methods": ["GET", "HEAD", "OPTIONS"], "target": "site", "cache_policy": "pages" }`, `{ "path": "*", "methods": ["GET", "HEAD", "OPTIONS"], "target": "site", "cache_policy": "optimized" }`}, {"geo/edge.json", `"cache_policies": {`, `"cache_policies": {
    "optimized": { "managed": "Managed-CachingOptimized", "min_ttl": 1, "default_ttl": 86400, "max_ttl": 31536000, "query_strings": "none", "cookies": [] },`}},
			check: func(tr *tfconfig.Tree, _ string) []topology.Finding { return topology.CachePolicies(tr, site) },
			want:  []string{"behavior default uses Managed-CachingOptimized with minimum TTL 1 s", "leaves out query strings"},
		},
		{
			name:  "3 a page cookie left out of the cache key",
			edits: []edit{{"geo/edge.json", `"cookies": ["sid", "market"]`, `"cookies": ["sid"]`}},
			check: func(tr *tfconfig.Tree, _ string) []topology.Finding { return topology.CachePolicies(tr, site) },
			want:  []string{`leaves out the "market" cookie`},
		},
		{
			name: "4 geolocation straight to one region",
			edits: []edit{{"terraform/modules/edge/main.tf", `    name                   = aws_route53_record.pair_primary[each.value.region].name`,
				`    name                   = aws_route53_record.regional[each.value.region].fqdn`}},
			check: func(tr *tfconfig.Tree, _ string) []topology.Finding { return topology.FailoverPairs(tr) },
			want:  []string{"geolocation record origin.hyundai-poc.com[default] aliases \"us-east-1.origin.hyundai-poc.com\", which is no failover pair"},
		},
		{
			name:  "5 the failover origin is always us-west-2",
			edits: []edit{{"geo/edge.json", `"secondary": "geo-failover",`, `"secondary": "region-us-west-2",`}},
			check: func(tr *tfconfig.Tree, _ string) []topology.Finding { return topology.FailoverPairs(tr) },
			want:  []string{"for location us-OR the primary reaches us-west-2 and the secondary \"us-west-2\""},
		},
		{
			name:  "6 the ALB open to the internet",
			edits: []edit{{"terraform/modules/network/main.tf", `  prefix_list_id    = data.aws_ec2_managed_prefix_list.cloudfront.id`, `  cidr_ipv4         = "0.0.0.0/0"`}},
			check: func(tr *tfconfig.Tree, _ string) []topology.Finding { return topology.OriginLocked(tr) },
			want:  []string{"admits 0.0.0.0/0 to a load balancer"},
		},
		{
			name: "6 the ALB forwards without the header, WAF off by default",
			edits: []edit{
				{"terraform/modules/service/main.tf", `  condition {
    http_header {
      http_header_name = var.origin_header.name
      values           = [var.origin_header.value]
    }
  }
}

# The frontend finds`, `}

# The frontend finds`},
				{"terraform/poc/variables.tf", `variable "enable_waf" {
  description = "WAF in front of CloudFront: AWS managed rule groups (common, known bad inputs, SQL injection) and a per-IP rate limit."
  type        = bool
  default     = true`, `variable "enable_waf" {
  description = "WAF in front of CloudFront: AWS managed rule groups (common, known bad inputs, SQL injection) and a per-IP rate limit."
  type        = bool
  default     = false`},
			},
			check: func(tr *tfconfig.Tree, _ string) []topology.Finding { return topology.OriginLocked(tr) },
			want:  []string{"aws_lb_listener_rule.site forwards [] without requiring CloudFront's secret header", "no WAF web ACL"},
		},
		{
			name:  "the ALB serves the operator view and hides the public one",
			edits: []edit{{"terraform/modules/service/main.tf", `values = ["/metrics", "/internal/*"]`, `values = ["/metrics", "/api/region"]`}},
			check: func(tr *tfconfig.Tree, _ string) []topology.Finding { return topology.OriginLocked(tr) },
			want:  []string{"/internal/region is served to the internet", "the ALB answers /api/region itself"},
		},
		{
			name: "the WAF only counts a viewer's requests",
			edits: []edit{{"terraform/modules/edge/main.tf", `    action {
      block {}
    }

    statement {
      rate_based_statement {`, `    action {
      allow {}
    }

    statement {
      rate_based_statement {`}},
			check: func(tr *tfconfig.Tree, _ string) []topology.Finding { return topology.OriginLocked(tr) },
			want:  []string{"has no rate-based rule that blocks per viewer IP"},
		},
		{
			name: "6 the apex aliases an ALB",
			edits: []edit{{"terraform/modules/edge/main.tf", `  name           = local.origin_zone
  type           = "A"
  set_identifier = each.key`, `  name           = var.domain_name
  type           = "A"
  set_identifier = each.key`}},
			check: func(tr *tfconfig.Tree, _ string) []topology.Finding { return topology.OriginLocked(tr) },
			want:  []string{"hyundai-poc.com answers with \"us-east-1.ha.origin.hyundai-poc.com\", not CloudFront"},
		},
		{
			name: "9 lag alarms only on the first secondaries",
			edits: []edit{{"terraform/modules/observability/main.tf", `resource "aws_cloudwatch_metric_alarm" "replication_lag" {
  for_each = var.regions`, `resource "aws_cloudwatch_metric_alarm" "replication_lag" {
  for_each = { for r, v in var.regions : r => v if r != "us-east-1" }`}, {"terraform/modules/observability/main.tf", `  treat_missing_data  = "notBreaching"
  alarm_actions       = [aws_sns_topic.alarms[each.key].arn]
  ok_actions          = [aws_sns_topic.alarms[each.key].arn]
}

resource "aws_cloudwatch_metric_alarm" "unhealthy_targets" {`, `  treat_missing_data  = "breaching"
  alarm_actions       = [aws_sns_topic.alarms[each.key].arn]
  ok_actions          = [aws_sns_topic.alarms[each.key].arn]
}

resource "aws_cloudwatch_metric_alarm" "unhealthy_targets" {`}},
			check: func(tr *tfconfig.Tree, _ string) []topology.Finding { return topology.AlarmsFollowWriter(tr) },
			want:  []string{"(hyundai-poc-us-east-1) has no replication lag alarm", "treats missing data as breaching"},
		},
		{
			name: "9 us-east-1 alarms notify another region's topic",
			edits: []edit{{"terraform/modules/observability/main.tf", `  alarm_actions       = [aws_sns_topic.global.arn]
  ok_actions          = [aws_sns_topic.global.arn]`, `  alarm_actions       = [aws_sns_topic.alarms["us-west-2"].arn]
  ok_actions          = [aws_sns_topic.alarms["us-west-2"].arn]`}},
			check: func(tr *tfconfig.Tree, _ string) []topology.Finding { return topology.AlarmsFollowWriter(tr) },
			want:  []string{"can only notify a topic in their own region"},
		},
		{
			name: "10 a secret per region",
			edits: []edit{{"terraform/modules/database/main.tf", `resource "aws_secretsmanager_secret" "db" {
  region                  = var.primary_region`, `resource "aws_secretsmanager_secret" "db" {
  for_each                = var.regions
  region                  = each.key`}},
			check: func(tr *tfconfig.Tree, _ string) []topology.Finding { return topology.OneSecret(tr) },
			want:  []string{"want one database secret replicated to every region, found 3"},
		},
		{
			name:  "11 no baseline in the production example",
			edits: []edit{{"terraform/poc/prod.tfvars.example", `  flow_logs  = true`, `  flow_logs  = false`}},
			check: func(tr *tfconfig.Tree, dir string) []topology.Finding {
				poc := filepath.Join(dir, "terraform", "poc")
				return topology.Baseline(tr, filepath.Join(poc, "prod.tfvars.example"), filepath.Join(poc, "terraform.tfvars.example"))
			},
			want: []string{"the production example plans 0 aws_flow_log, want 3"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			tree, dir := mutate(t, c.edits...)
			expectFindings(t, c.check(tree, dir), c.want...)
		})
	}
}
