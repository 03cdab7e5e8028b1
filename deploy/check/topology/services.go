package topology

import (
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"

	"hyundai-poc.com/deploy/check/tfconfig"
	"hyundai-poc.com/deploy/check/tfeval"
)

// ServicePorts are the container ports of the two services.
var ServicePorts = map[string]int64{"backend": 3001, "frontend": 3000}

// Services checks the serving path: target groups on the service ports with
// /healthz checks, /api/* routed to the backend, every ECS service with a
// circuit breaker that rolls back, Fargate Spot available to the frontend,
// CPU target tracking, and log groups with a retention.
func Services(t *tfconfig.Tree) []Finding {
	var r report
	m := moduleWith(t, "aws_ecs_service")
	if m == nil {
		r.add(hcl.Range{Filename: t.Root.Dir}, "no aws_ecs_service")
		return r.fs
	}
	s := scopeOf(t, m)

	// Target groups: instances by service with the right port and check.
	tgByService := map[string]string{} // service -> resource name
	for _, tg := range m.ResourcesOfType("aws_lb_target_group") {
		inst, ok, err := s.ForEach(tg.Body)
		if !ok || err != nil {
			inst = map[string]cty.Value{tg.Name: cty.DynamicVal}
		}
		for key, val := range inst {
			extra := tfeval.Each(key, val)
			port, perr := s.Eval(tg.Attr("port").Expr, extra)
			want, isSvc := ServicePorts[key]
			if !isSvc {
				continue
			}
			tgByService[key] = tg.Name
			if perr != nil || !port.IsKnown() || port.IsNull() {
				r.add(tg.Range, "%s[%q]: port must be static", tg.Addr(), key)
			} else if p, _ := port.AsBigFloat().Int64(); p != want {
				r.add(tg.Range, "%s[%q]: port %d, want %d", tg.Addr(), key, p, want)
			}
			hc := blocks(tg.Body, "health_check")
			if len(hc) == 0 {
				r.add(tg.Range, "%s: no health_check", tg.Addr())
				continue
			}
			if path, err := s.EvalString(hc[0].Body.Attributes["path"].Expr, extra); err != nil || path != "/healthz" {
				r.add(hc[0].DefRange(), "%s: health check path must be /healthz, got %q", tg.Addr(), path)
			}
		}
	}
	for _, svc := range sortedKeys(ServicePorts) {
		if tgByService[svc] == "" {
			r.add(hcl.Range{Filename: m.Dir}, "no target group for %s on %d", svc, ServicePorts[svc])
		}
	}

	// Routing: a listener rule for /api/* to the backend; the default to the frontend.
	apiRouted := false
	for _, rule := range m.ResourcesOfType("aws_lb_listener_rule") {
		var paths []string
		for _, c := range blocks(rule.Body, "condition") {
			for _, pp := range blocks(c.Body, "path_pattern") {
				if v, err := s.EvalStrings(pp.Body.Attributes["values"].Expr, nil); err == nil {
					paths = append(paths, v...)
				}
			}
		}
		for _, act := range blocks(rule.Body, "action") {
			tg := act.Body.Attributes["target_group_arn"]
			if slices.Contains(paths, "/api/*") && tg != nil && strings.Contains(string(exprText(m, tg.Expr)), `["backend"]`) {
				apiRouted = true
			}
		}
	}
	if !apiRouted {
		r.add(hcl.Range{Filename: m.Dir}, "no listener rule sends /api/* to the backend target group")
	}
	frontRouted := false
	for _, typ := range []string{"aws_lb_listener", "aws_lb_listener_rule"} {
		for _, l := range m.ResourcesOfType(typ) {
			for _, act := range append(blocks(l.Body, "default_action"), blocks(l.Body, "action")...) {
				if tg := act.Body.Attributes["target_group_arn"]; tg != nil && strings.Contains(string(exprText(m, tg.Expr)), `["frontend"]`) {
					frontRouted = true
				}
			}
		}
	}
	if !frontRouted {
		r.add(hcl.Range{Filename: m.Dir}, "no listener or listener rule forwards to the frontend target group")
	}

	// ECS services.
	spot := false
	for _, svc := range m.ResourcesOfType("aws_ecs_service") {
		cb := blocks(svc.Body, "deployment_circuit_breaker")
		if len(cb) == 0 || !isTrue(s, attrOr(cb[0].Body.Attributes, "enable")) || !isTrue(s, attrOr(cb[0].Body.Attributes, "rollback")) {
			r.add(svc.Range, "%s: deployment_circuit_breaker must enable rollback", svc.Addr())
		}
		body := svc.Body.SrcRange
		if strings.Contains(string(m.Files[body.Filename][body.Start.Byte:body.End.Byte]), `"FARGATE_SPOT"`) {
			spot = true
		}
	}
	if !spot {
		r.add(hcl.Range{Filename: m.Dir}, "no ECS service can use FARGATE_SPOT (the frontend's optional Spot share)")
	}
	cpuTracking := false
	for _, p := range m.ResourcesOfType("aws_appautoscaling_policy") {
		for _, c := range blocks(p.Body, "target_tracking_scaling_policy_configuration") {
			for _, pm := range blocks(c.Body, "predefined_metric_specification") {
				if v, err := s.EvalString(pm.Body.Attributes["predefined_metric_type"].Expr, nil); err == nil && v == "ECSServiceAverageCPUUtilization" {
					cpuTracking = true
				}
			}
		}
	}
	if !cpuTracking {
		r.add(hcl.Range{Filename: m.Dir}, "no CPU target-tracking policy (ECSServiceAverageCPUUtilization)")
	}
	for _, lg := range allResources(t, "aws_cloudwatch_log_group") {
		if lg.Attr("retention_in_days") == nil {
			r.add(lg.Range, "%s: set retention_in_days (the default keeps logs forever)", lg.Addr())
		}
	}
	return r.fs
}

func attrOr(attrs map[string]*hclsyntax.Attribute, name string) hcl.Expression {
	if a := attrs[name]; a != nil {
		return a.Expr
	}
	return &hclsyntax.LiteralValueExpr{Val: cty.False}
}

// StateBackend checks the root: an S3 backend with native locking and the
// AWS provider pinned to ~> 6.0.
func StateBackend(t *tfconfig.Tree) []Finding {
	var r report
	rng := hcl.Range{Filename: t.Root.Dir}
	lock, pinned := false, false
	for _, tf := range t.Root.Terraform {
		for _, be := range blocks(tf.Body, "backend") {
			if len(be.Labels) == 1 && be.Labels[0] == "s3" {
				if a := be.Body.Attributes["use_lockfile"]; a != nil && isTrue(tfeval.NewScope(t.Root, nil), a.Expr) {
					lock = true
				}
				if be.Body.Attributes["dynamodb_table"] != nil {
					r.add(be.DefRange(), "S3 backend locks with use_lockfile; dynamodb_table is deprecated")
				}
			}
		}
		for _, rp := range blocks(tf.Body, "required_providers") {
			if a := rp.Body.Attributes["aws"]; a != nil {
				v, _ := a.Expr.Value(nil)
				if v.IsKnown() && v.Type().IsObjectType() && v.Type().HasAttribute("version") {
					pinned = v.GetAttr("version").AsString() == "~> 6.0"
				}
			}
		}
	}
	if !lock {
		r.add(rng, "root needs backend \"s3\" with use_lockfile = true")
	}
	if !pinned {
		r.add(rng, "root must pin hashicorp/aws to \"~> 6.0\"")
	}
	return r.fs
}

// Hygiene checks the conventions of every module: the standard files, typed
// and described variables, described outputs, and no secret in an output.
func Hygiene(t *tfconfig.Tree) []Finding {
	var r report
	for _, m := range t.SortedModules() {
		files := []string{"main.tf", "variables.tf", "outputs.tf", "versions.tf"}
		if m != t.Root {
			files = append(files, "README.md")
		}
		for _, f := range files {
			if _, err := os.Stat(filepath.Join(m.Dir, f)); err != nil {
				r.add(hcl.Range{Filename: m.Dir}, "module lacks %s", f)
			}
		}
		for _, name := range sortedKeys(m.Variables) {
			v := m.Variables[name]
			if v.Attr("type") == nil || v.Attr("description") == nil {
				r.add(v.Range, "variable %q needs a type and a description", name)
			}
		}
		for _, name := range sortedKeys(m.Outputs) {
			o := m.Outputs[name]
			if o.Attr("description") == nil {
				r.add(o.Range, "output %q needs a description", name)
			}
			if val := o.Attr("value"); val != nil {
				for _, ref := range refs(val.Expr) {
					if strings.HasPrefix(ref, "ephemeral.") || strings.Contains(ref, "password") || strings.Contains(ref, "secret_string") {
						r.add(o.Range, "output %q exposes a secret (%s)", name, ref)
					}
				}
			}
		}
	}
	return r.fs
}

// ECSEnv returns the environment and secret names the ECS task definitions
// give each service, from the service module's <service>_environment and
// <service>_secrets locals (the task definitions are built from them).
func ECSEnv(t *tfconfig.Tree) map[string][]string {
	m := moduleWith(t, "aws_ecs_task_definition")
	out := map[string][]string{}
	if m == nil {
		return out
	}
	for _, svc := range sortedKeys(ServicePorts) {
		var names []string
		for _, suffix := range []string{"_environment", "_secrets"} {
			if l := m.Locals[svc+suffix]; l != nil {
				names = append(names, objectKeys(l.Expr)...)
			}
		}
		slices.Sort(names)
		out[svc] = names
	}
	return out
}
