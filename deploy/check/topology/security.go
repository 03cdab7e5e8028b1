package topology

import (
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"hyundai-poc.com/deploy/check/tfconfig"
)

// SecurityGroups checks who may reach whom: the tasks' group admits only
// the ALB's group, on the service ports; the database's group admits only
// the tasks' group, on 3306. Groups are known by their resource names
// (alb, tasks, db); inline ingress blocks are not allowed, so every rule is
// a separate resource that this check sees.
func SecurityGroups(t *tfconfig.Tree) []Finding {
	var r report
	m := moduleWith(t, "aws_security_group")
	if m == nil {
		r.add(hcl.Range{Filename: t.Root.Dir}, "no aws_security_group")
		return r.fs
	}
	s := scopeOf(t, m)
	for _, name := range []string{"alb", "tasks", "db"} {
		if _, ok := m.Resources["aws_security_group."+name]; !ok {
			r.add(hcl.Range{Filename: m.Dir}, "no aws_security_group.%s", name)
		}
	}
	for _, sg := range m.ResourcesOfType("aws_security_group") {
		if len(blocks(sg.Body, "ingress")) > 0 {
			r.add(sg.Range, "%s: inline ingress blocks hide rules; use aws_vpc_security_group_ingress_rule", sg.Addr())
		}
	}

	// Who may connect to each guarded group, and on which ports: the ALB
	// to both services, the frontend to the backend (service discovery),
	// tasks to the database.
	allowed := map[string]map[string][]int64{
		"tasks": {"alb": {ServicePorts["backend"], ServicePorts["frontend"]}, "tasks": {ServicePorts["backend"]}},
		"db":    {"tasks": {3306}},
	}
	seen := map[string]bool{}
	for _, rule := range m.ResourcesOfType("aws_vpc_security_group_ingress_rule") {
		target := ""
		if a := rule.Attr("security_group_id"); a != nil {
			for _, ref := range refs(a.Expr) {
				if g, ok := strings.CutPrefix(ref, "aws_security_group."); ok {
					target, _, _ = strings.Cut(g, ".")
				}
			}
		}
		want, guarded := allowed[target]
		if !guarded {
			continue
		}
		seen[target] = true
		froms := sortedKeys(want)
		for _, c := range []string{"cidr_ipv4", "cidr_ipv6", "prefix_list_id"} {
			if rule.Attr(c) != nil {
				r.add(rule.Range, "%s: the %s group admits %s; only the %s group may connect", rule.Addr(), target, c, strings.Join(froms, " or "))
			}
		}
		src := rule.Attr("referenced_security_group_id")
		var ports []int64
		for _, from := range froms {
			if src != nil && refersTo(src.Expr, "aws_security_group."+from) {
				ports = want[from]
			}
		}
		if ports == nil {
			r.add(rule.Range, "%s: the %s group must admit only aws_security_group.%s", rule.Addr(), target, strings.Join(froms, " or aws_security_group."))
			ports = want[froms[0]]
		}
		inst, ok, err := s.ForEach(rule.Body)
		if !ok || err != nil {
			inst = map[string]cty.Value{"": cty.NilVal}
		}
		for key, val := range inst {
			extra := eachOf(key, val, ok && err == nil)
			for _, p := range []string{"from_port", "to_port"} {
				a := rule.Attr(p)
				if a == nil {
					r.add(rule.Range, "%s: %s missing", rule.Addr(), p)
					continue
				}
				v, err := s.Eval(a.Expr, extra)
				if err != nil || !v.IsKnown() || v.IsNull() {
					continue
				}
				if port, _ := v.AsBigFloat().Int64(); !slices.Contains(ports, port) {
					r.add(a.SrcRange, "%s: the %s group opens port %d; allowed: %v", rule.Addr(), target, port, ports)
				}
			}
		}
	}
	for _, g := range sortedKeys(allowed) {
		if !seen[g] {
			r.add(hcl.Range{Filename: m.Dir}, "no ingress rule for the %s group: nothing could reach it", g)
		}
	}
	return r.fs
}
