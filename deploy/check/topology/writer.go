package topology

import (
	"os"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"hyundai-poc.com/deploy/check/tfconfig"
	"hyundai-poc.com/deploy/check/tfeval"
)

// AlarmsFollowWriter checks that the alarms hold whichever region is the
// writer: every regional Aurora cluster (any of which is a secondary after
// a switchover) has a replication lag alarm that does not treat the
// writer's missing lag data as a breach, and every alarm notifies a topic
// in its own region (CloudWatch cannot notify a topic elsewhere).
func AlarmsFollowWriter(t *tfconfig.Tree) []Finding {
	var r report
	p := planOf(t)
	rng := hcl.Range{Filename: t.Root.Dir}
	lag := map[string]*tfeval.Instance{}
	for _, a := range p.OfType("aws_cloudwatch_metric_alarm") {
		if a.String("metric_name") == "AuroraGlobalDBReplicationLag" {
			if d := a.Arg("dimensions"); d != cty.NilVal && d.IsWhollyKnown() && !d.IsNull() && d.Type().IsObjectType() && d.Type().HasAttribute("DBClusterIdentifier") {
				lag[asStringVal(d.GetAttr("DBClusterIdentifier"))] = a
			}
		}
		for _, topic := range append(a.Strings("alarm_actions"), a.Strings("ok_actions")...) {
			tin, _ := p.Resolve(cty.StringVal(topic))
			if tin != nil && tin.Block.Type == "aws_sns_topic" && regionOf(tin) != regionOf(a) {
				r.add(rng, "%s in %s notifies %s in %s: CloudWatch alarms can only notify a topic in their own region", a.Addr, regionOf(a), tin.Addr, regionOf(tin))
			}
		}
	}
	for _, c := range p.OfType("aws_rds_cluster") {
		a := lag[c.String("cluster_identifier")]
		switch {
		case a == nil:
			r.add(rng, "%s (%s) has no replication lag alarm: after a switchover makes it a secondary, its lag goes unwatched", c.Addr, c.String("cluster_identifier"))
		case a.String("treat_missing_data") == "breaching":
			r.add(rng, "%s treats missing data as breaching: the writer publishes no replication lag, so it fires whenever this cluster is the writer", a.Addr)
		case regionOf(a) != regionOf(c):
			r.add(rng, "%s is in %s, its cluster in %s: the metric is published in the cluster's region", a.Addr, regionOf(a), regionOf(c))
		}
	}
	return r.fs
}

func asStringVal(v cty.Value) string {
	if !v.IsKnown() || v.IsNull() || v.Type() != cty.String {
		return ""
	}
	return v.AsString()
}

// OneSecret checks the database password cannot drift between regions: the
// task definitions of every region read one secret, kept in one region and
// replicated by Secrets Manager to every other region that runs tasks, with
// one version; no region has a secret of its own.
func OneSecret(t *tfconfig.Tree) []Finding {
	var r report
	p := planOf(t)
	rng := hcl.Range{Filename: t.Root.Dir}
	secrets := p.OfType("aws_secretsmanager_secret")
	if len(secrets) != 1 {
		var names []string
		for _, s := range secrets {
			names = append(names, s.Addr)
		}
		r.add(rng, "want one database secret replicated to every region, found %d: %v (a region added later would get a password of its own)", len(secrets), names)
		return r.fs
	}
	sec := secrets[0]
	have := []string{regionOf(sec)}
	for _, rep := range sec.Blocks("replica") {
		have = append(have, rep.String("region"))
	}
	for _, svc := range p.OfType("aws_ecs_service") {
		if !slices.Contains(have, regionOf(svc)) {
			r.add(rng, "%s runs in %s, where %s has no replica", svc.Addr, regionOf(svc), sec.Addr)
		}
	}
	if n := len(p.OfType("aws_secretsmanager_secret_version")); n != 1 {
		r.add(rng, "want one version of %s (replicas copy it), found %d", sec.Addr, n)
	}
	return r.fs
}

// Baseline checks the production baseline: with prodVars (the example
// production tfvars) the plan has VPC flow logs in every region, a
// multi-region CloudTrail trail, GuardDuty in every region and a rotation
// schedule for the database secret; with pocVars (the POC's example) none
// of the first three.
func Baseline(t *tfconfig.Tree, prodVars, pocVars string) []Finding {
	var r report
	count := func(p *tfeval.Plan, typ string) int { return len(p.OfType(typ)) }
	for _, c := range []struct {
		file string
		prod bool
	}{{prodVars, true}, {pocVars, false}} {
		inputs, err := ReadTFVars(c.file)
		if err != nil {
			r.add(hcl.Range{Filename: c.file}, "%v", err)
			continue
		}
		inputs["image_tag"] = cty.StringVal("0123456789ab")
		p := tfeval.Expand(t, inputs)
		rng := hcl.Range{Filename: c.file}
		want := map[string]int{"aws_flow_log": len(Regions), "aws_cloudtrail": 1, "aws_guardduty_detector": len(Regions)}
		for _, typ := range sortedKeys(want) {
			n := count(p, typ)
			if c.prod && n != want[typ] {
				r.add(rng, "the production example plans %d %s, want %d", n, typ, want[typ])
			}
			if !c.prod && n != 0 {
				r.add(rng, "the POC example plans %d %s, want none (cost)", n, typ)
			}
		}
		if c.prod && count(p, "aws_secretsmanager_secret_rotation") != 1 {
			r.add(rng, "the production example has no rotation schedule for the database secret")
		}
		for _, tr := range p.OfType("aws_cloudtrail") {
			if !isTrueVal(tr.Arg("is_multi_region_trail")) {
				r.add(rng, "%s is not multi-region", tr.Addr)
			}
		}
	}
	return r.fs
}

// ReadTFVars reads a .tfvars file's literal values.
func ReadTFVars(path string) (map[string]cty.Value, error) {
	src, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	f, diags := hclsyntax.ParseConfig(src, path, hcl.InitialPos)
	if diags.HasErrors() {
		return nil, diags
	}
	attrs, diags := f.Body.JustAttributes()
	if diags.HasErrors() {
		return nil, diags
	}
	out := map[string]cty.Value{}
	for name, a := range attrs {
		v, diags := a.Expr.Value(nil)
		if diags.HasErrors() {
			return nil, diags
		}
		out[strings.TrimSpace(name)] = v
	}
	return out, nil
}
