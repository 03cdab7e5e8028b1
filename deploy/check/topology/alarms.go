package topology

import (
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"

	"hyundai-poc.com/deploy/check/tfconfig"
	"hyundai-poc.com/deploy/check/tfeval"
)

// RequiredAlarms are the metrics that must each have an alarm: replication
// lag, unhealthy targets, 5xx, running tasks, Route53 health, spend.
var RequiredAlarms = map[string][]string{
	"Aurora replication lag": {"AuroraGlobalDBReplicationLag"},
	"unhealthy targets":      {"UnHealthyHostCount"},
	"5xx rate":               {"HTTPCode_Target_5XX_Count", "HTTPCode_ELB_5XX_Count"},
	"running task count":     {"RunningTaskCount"},
	"Route53 health checks":  {"HealthCheckStatus"},
	"billing":                {"EstimatedCharges"},
}

// metricDimensions are the dimensions each metric is published with; an
// alarm that names others watches a series that never exists and never
// fires.
var metricDimensions = map[string][]string{
	"AuroraGlobalDBReplicationLag": {"DBClusterIdentifier"},
	"UnHealthyHostCount":           {"LoadBalancer", "TargetGroup"},
	"HTTPCode_Target_5XX_Count":    {"LoadBalancer"},
	"HTTPCode_ELB_5XX_Count":       {"LoadBalancer"},
	"RequestCount":                 {"LoadBalancer"},
	"RunningTaskCount":             {"ClusterName", "ServiceName"},
	"HealthCheckStatus":            {"HealthCheckId"},
	"EstimatedCharges":             {"Currency"},
}

// usEast1Only are metrics that exist only in us-east-1.
var usEast1Only = []string{"HealthCheckStatus", "EstimatedCharges"}

// Alarms checks that an alarm exists for each required metric, that every
// alarm notifies an SNS topic, that replication lag alarms at 1 s or less,
// and that us-east-1-only metrics are alarmed in us-east-1.
func Alarms(t *tfconfig.Tree) []Finding {
	var r report
	seen := map[string]bool{}
	for _, a := range allResources(t, "aws_cloudwatch_metric_alarm") {
		s := scopeOf(t, a.Module)
		names := alarmMetrics(s, a, &r.fs)
		for _, n := range names {
			seen[n] = true
		}
		if act := a.Attr("alarm_actions"); act == nil || !slices.ContainsFunc(refs(act.Expr), func(s string) bool { return strings.HasPrefix(s, "aws_sns_topic.") }) {
			r.add(a.Range, "%s: alarm_actions must notify an aws_sns_topic", a.Addr())
		}
		if slices.Contains(names, "AuroraGlobalDBReplicationLag") {
			if th := a.Attr("threshold"); th == nil {
				r.add(a.Range, "%s: no threshold", a.Addr())
			} else if v, err := s.Eval(th.Expr, nil); err == nil && v.IsKnown() && !v.IsNull() {
				if f, _ := v.AsBigFloat().Float64(); f > 1000 {
					r.add(th.SrcRange, "%s: replication lag threshold %v ms is over 1 s", a.Addr(), f)
				}
			}
		}
		for _, n := range usEast1Only {
			if !slices.Contains(names, n) {
				continue
			}
			reg := a.Attr("region")
			if reg == nil {
				continue // the provider's default region; the root sets us-east-1
			}
			if v, err := s.EvalString(reg.Expr, nil); err == nil && v != "us-east-1" {
				r.add(reg.SrcRange, "%s: %s exists only in us-east-1, alarm is in %s", a.Addr(), n, v)
			}
		}
	}
	for _, what := range sortedKeys(RequiredAlarms) {
		if !slices.ContainsFunc(RequiredAlarms[what], func(m string) bool { return seen[m] }) {
			r.add(hcl.Range{Filename: t.Root.Dir}, "no alarm on %s (metric %s)", what, strings.Join(RequiredAlarms[what], " or "))
		}
	}
	return r.fs
}

// alarmMetrics returns the metric names an alarm watches, directly or in
// metric_query blocks.
func alarmMetrics(s *tfeval.Scope, a *tfconfig.Block, bad *[]Finding) []string {
	var out []string
	check := func(body *hclsyntax.Body) {
		n := body.Attributes["metric_name"]
		if n == nil {
			return
		}
		v, err := s.EvalString(n.Expr, nil)
		if err != nil {
			return
		}
		out = append(out, v)
		want, known := metricDimensions[v]
		if !known {
			return
		}
		var got []string
		if d := body.Attributes["dimensions"]; d != nil {
			got = objectKeys(d.Expr)
		}
		if !sameSet(got, want) {
			*bad = append(*bad, Finding{Range: n.SrcRange, Message: a.Addr() + ": " + v + " is published with dimensions " + strings.Join(want, ", ") + "; the alarm names " + strings.Join(got, ", ") + " and would never see data"})
		}
	}
	check(a.Body)
	for _, q := range blocks(a.Body, "metric_query") {
		for _, m := range blocks(q.Body, "metric") {
			check(m.Body)
		}
	}
	return out
}
