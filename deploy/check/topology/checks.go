package topology

import (
	"slices"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"

	"hyundai-poc.com/deploy/check/tfconfig"
	"hyundai-poc.com/deploy/check/tfeval"
)

// RegionsWired checks that the root deploys exactly the three regions, runs
// the service module once per region, and that each region's backend gets
// the global writer endpoint and its own region's reader endpoint.
func RegionsWired(t *tfconfig.Tree) []Finding {
	var r report
	root := scopeOf(t, t.Root)
	rng := hcl.Range{Filename: t.Root.Dir}

	svc := moduleWith(t, "aws_ecs_service")
	db := moduleWith(t, "aws_rds_global_cluster")
	if svc == nil || db == nil {
		r.add(rng, "no module with an aws_ecs_service and an aws_rds_global_cluster")
		return r.fs
	}

	calls := callsOf(t, svc)
	if len(calls) != 1 {
		r.add(rng, "the service module should be called once, with for_each over the regions; found %d calls", len(calls))
		return r.fs
	}
	call := calls[0]
	inst, ok, err := root.ForEach(call.Body)
	switch {
	case !ok:
		r.add(call.Range, "module.%s has no for_each: it must run once per region", call.Name)
	case err != nil:
		r.add(call.Range, "module.%s for_each is not static: %v", call.Name, err)
	case !sameSet(sortedKeys(inst), Regions):
		r.add(call.Range, "module.%s runs in %v, want %v", call.Name, sortedKeys(inst), Regions)
	}

	dbCalls := callsOf(t, db)
	if len(dbCalls) != 1 {
		r.add(rng, "the database module should be called once; found %d calls", len(dbCalls))
		return r.fs
	}
	dbName := "module." + dbCalls[0].Name

	dbArg := call.Attr("database")
	if dbArg == nil {
		r.add(call.Range, "module.%s gets no database argument", call.Name)
		return r.fs
	}
	reader := item(dbArg.Expr, "reader_host")
	switch {
	case reader == nil:
		r.add(dbArg.SrcRange, "module.%s database has no reader_host", call.Name)
	case !refersTo(reader, dbName+".reader_endpoints"):
		r.add(reader.Range(), "reader_host must come from %s.reader_endpoints", dbName)
	default:
		if !strings.Contains(string(exprText(call.Module, reader)), "each.key") {
			r.add(reader.Range(), "reader_host must pick this region's reader: index reader_endpoints by each.key")
		}
	}
	writer := item(dbArg.Expr, "writer_host")
	if writer == nil || !refersTo(writer, dbName+".global_writer_endpoint") {
		r.add(dbArg.SrcRange, "writer_host must be %s.global_writer_endpoint", dbName)
	}

	// Inside the service module: the environment carries them to the task.
	env := svc.Locals["backend_environment"]
	if env == nil {
		r.add(hcl.Range{Filename: svc.Dir}, "service module has no local backend_environment")
	} else {
		want := map[string]string{"DB_READER_HOST": "var.database.reader_host", "DB_WRITER_HOST": "var.database.writer_host", "REGION": "var.region"}
		for _, k := range sortedKeys(want) {
			e := item(env.Expr, k)
			if e == nil || !refersTo(e, want[k]) {
				r.add(env.SrcRange, "backend environment %s must be %s", k, want[k])
			}
		}
	}
	wired := false
	for _, td := range svc.ResourcesOfType("aws_ecs_task_definition") {
		if a := td.Attr("container_definitions"); a != nil && refersTo(a.Expr, "local.environment") {
			wired = true
		}
	}
	if all := svc.Locals["environment"]; all == nil || !refersTo(all.Expr, "local.backend_environment") {
		wired = false
	}
	if !wired {
		r.add(hcl.Range{Filename: svc.Dir}, "no task definition passes local.environment (holding backend_environment) to its containers")
	}

	// Inside the database module: the outputs come from the clusters.
	out := db.Outputs["reader_endpoints"]
	if out == nil {
		r.add(hcl.Range{Filename: db.Dir}, "database module has no output reader_endpoints")
	} else {
		// for-expressions hide the attribute behind an iterator, so look for
		// every cluster's name in the expression's text.
		text := string(exprText(db, out.Attr("value").Expr))
		for _, c := range db.ResourcesOfType("aws_rds_cluster") {
			if !strings.Contains(text, "aws_rds_cluster."+c.Name) || !strings.Contains(text, "reader_endpoint") {
				r.add(out.Range, "reader_endpoints must name the reader_endpoint of every aws_rds_cluster; %s is missing", c.Addr())
			}
		}
	}
	if w := db.Outputs["global_writer_endpoint"]; w == nil || !referencesAttr(w.Attr("value").Expr, "aws_rds_global_cluster", "endpoint") {
		r.add(hcl.Range{Filename: db.Dir}, "database module must export global_writer_endpoint from aws_rds_global_cluster's endpoint")
	}
	return r.fs
}

func referencesAttr(e hcl.Expression, typ, attr string) bool {
	for _, ref := range refs(e) {
		if strings.HasPrefix(ref, typ+".") && strings.HasSuffix(ref, "."+attr) {
			return true
		}
	}
	return false
}

func exprText(m *tfconfig.Module, e hcl.Expression) []byte {
	rng := e.Range()
	src := m.Files[rng.Filename]
	if src == nil || rng.End.Byte > len(src) {
		return nil
	}
	return src[rng.Start.Byte:rng.End.Byte]
}

// OriginGroups checks every CloudFront distribution: each origin group has
// exactly two static members, no behavior that allows anything beyond GET,
// HEAD and OPTIONS targets a group, and /api/* reaches a plain origin with
// POST allowed.
func OriginGroups(t *tfconfig.Tree) []Finding {
	var r report
	dists := allResources(t, "aws_cloudfront_distribution")
	if len(dists) == 0 {
		r.add(hcl.Range{Filename: t.Root.Dir}, "no aws_cloudfront_distribution")
	}
	safe := []string{"GET", "HEAD", "OPTIONS"}
	for _, d := range dists {
		s := scopeOf(t, d.Module)
		apex := ""
		if vars := s.Ctx.Variables["var"]; vars.Type().HasAttribute("domain_name") {
			if v := vars.GetAttr("domain_name"); v.IsKnown() && !v.IsNull() && v.Type() == cty.String {
				apex = v.AsString()
			}
		}
		origins := map[string]bool{}
		for _, o := range blocks(d.Body, "origin") {
			id, err := s.EvalString(o.Body.Attributes["origin_id"].Expr, nil)
			if err != nil {
				r.add(o.DefRange(), "%s: origin id must be static: %v", d.Addr(), err)
				continue
			}
			origins[id] = true
			if a := o.Body.Attributes["domain_name"]; a != nil {
				if name, err := s.EvalString(a.Expr, nil); err == nil && apex != "" && !servesSite(name, apex) {
					r.add(a.SrcRange, "%s: origin %q points at %q, neither the apex nor a deployed region's name", d.Addr(), id, name)
				}
			}
		}
		groups := map[string]bool{}
		for _, g := range blocks(d.Body, "origin_group") {
			id, err := s.EvalString(g.Body.Attributes["origin_id"].Expr, nil)
			if err != nil {
				r.add(g.DefRange(), "%s: origin group id must be static: %v", d.Addr(), err)
				continue
			}
			groups[id] = true
			for _, dyn := range blocks(g.Body, "dynamic") {
				r.add(dyn.DefRange(), "%s: origin group %q members must be written out, not dynamic", d.Addr(), id)
			}
			members := blocks(g.Body, "member")
			if n := len(members); n != 2 {
				r.add(g.DefRange(), "%s: origin group %q has %d members; CloudFront takes exactly 2 (primary, secondary)", d.Addr(), id, n)
			}
			seen := map[string]bool{}
			for _, mb := range members {
				mid, err := s.EvalString(mb.Body.Attributes["origin_id"].Expr, nil)
				switch {
				case err != nil:
					r.add(mb.DefRange(), "%s: member origin id must be static", d.Addr())
				case !origins[mid]:
					r.add(mb.DefRange(), "%s: origin group %q member %q is not an origin of the distribution", d.Addr(), id, mid)
				case seen[mid]:
					r.add(mb.DefRange(), "%s: origin group %q names %q twice", d.Addr(), id, mid)
				}
				seen[mid] = true
			}
		}
		if len(groups) == 0 {
			r.add(d.Range, "%s: no origin group: the site's GETs have no failover", d.Addr())
		}
		apiOK := false
		behaviors := append(blocks(d.Body, "default_cache_behavior"), blocks(d.Body, "ordered_cache_behavior")...)
		for _, b := range behaviors {
			target, err := s.EvalString(b.Body.Attributes["target_origin_id"].Expr, nil)
			if err != nil {
				r.add(b.DefRange(), "%s: target_origin_id must be static: %v", d.Addr(), err)
				continue
			}
			methods, err := s.EvalStrings(b.Body.Attributes["allowed_methods"].Expr, nil)
			if err != nil {
				r.add(b.DefRange(), "%s: allowed_methods must be static: %v", d.Addr(), err)
				continue
			}
			path := "default"
			if a := b.Body.Attributes["path_pattern"]; a != nil {
				path, _ = s.EvalString(a.Expr, nil)
			}
			if groups[target] {
				for _, m := range methods {
					if !slices.Contains(safe, m) {
						r.add(b.DefRange(), "%s: behavior %s allows %s but targets origin group %q; origin groups serve only GET, HEAD, OPTIONS", d.Addr(), path, m, target)
						break
					}
				}
			}
			if path == "/api/*" && !groups[target] && slices.Contains(methods, "POST") {
				apiOK = true
			}
		}
		if !apiOK {
			r.add(d.Range, "%s: no /api/* behavior that allows POST and targets a plain origin", d.Addr())
		}
	}
	return r.fs
}

// AuroraTraps checks the provider traps of a global database: members
// ignore the attributes AWS changes, secondaries wait for the primary's
// instance, no managed master password, Aurora MySQL 3, encryption, and a
// Serverless v2 floor of at least 0.5 ACU.
func AuroraTraps(t *tfconfig.Tree) []Finding {
	var r report
	globals := allResources(t, "aws_rds_global_cluster")
	if len(globals) != 1 {
		r.add(hcl.Range{Filename: t.Root.Dir}, "want exactly one aws_rds_global_cluster, found %d", len(globals))
		return r.fs
	}
	g := globals[0]
	s := scopeOf(t, g.Module)
	if v, err := s.EvalString(g.Attr("engine").Expr, nil); err != nil || v != "aurora-mysql" {
		r.add(g.Range, "%s: engine must be aurora-mysql", g.Addr())
	}
	if a := g.Attr("engine_version"); a == nil {
		r.add(g.Range, "%s: engine_version must be set (Aurora MySQL 3)", g.Addr())
	} else if v, err := s.EvalString(a.Expr, nil); err != nil || !strings.HasPrefix(v, "8.0.mysql_aurora.3.") {
		r.add(a.SrcRange, "%s: engine_version must be Aurora MySQL 3 (8.0.mysql_aurora.3.x), got %q", g.Addr(), v)
	}

	members := 0
	for _, c := range allResources(t, "aws_rds_cluster") {
		if c.Attr("global_cluster_identifier") == nil {
			continue
		}
		members++
		cs := scopeOf(t, c.Module)
		ignored := map[string]bool{}
		for _, lc := range blocks(c.Body, "lifecycle") {
			if a := lc.Body.Attributes["ignore_changes"]; a != nil {
				if tup, ok := a.Expr.(*hclsyntax.TupleConsExpr); ok {
					for _, e := range tup.Exprs {
						ignored[hcl.ExprAsKeyword(e)] = true
					}
				}
			}
		}
		for _, want := range []string{"global_cluster_identifier", "replication_source_identifier", "engine_version"} {
			if !ignored[want] {
				r.add(c.Range, "%s: global cluster member must ignore_changes %s (AWS changes it on switchover, failover or upgrade)", c.Addr(), want)
			}
		}
		if a := c.Attr("manage_master_user_password"); a != nil {
			if v, err := cs.Eval(a.Expr, nil); err != nil || !v.IsKnown() || v.IsNull() || v.True() {
				r.add(a.SrcRange, "%s: managed master passwords are not supported for global clusters", c.Addr())
			}
		}
		if c.Attr("master_username") == nil {
			dep := c.Attr("depends_on")
			if dep == nil || !slices.ContainsFunc(refs(dep.Expr), func(s string) bool { return strings.HasPrefix(s, "aws_rds_cluster_instance.") }) {
				r.add(c.Range, "%s: a secondary cluster must depend_on the primary's aws_rds_cluster_instance", c.Addr())
			}
		}
		if a := c.Attr("storage_encrypted"); a == nil || !isTrue(cs, a.Expr) {
			r.add(c.Range, "%s: storage_encrypted must be true", c.Addr())
		}
		for _, sc := range blocks(c.Body, "serverlessv2_scaling_configuration") {
			a := sc.Body.Attributes["min_capacity"]
			if a == nil {
				continue
			}
			v, err := cs.Eval(a.Expr, nil)
			if err == nil && v.IsKnown() && !v.IsNull() {
				if f, _ := v.AsBigFloat().Float64(); f < 0.5 {
					r.add(a.SrcRange, "%s: min_capacity %v: a global database's primary needs at least 0.5 ACU", c.Addr(), f)
				}
			}
		}
	}
	if members < 2 {
		r.add(g.Range, "%s: want a primary and secondary aws_rds_cluster joined to it, found %d members", g.Addr(), members)
	}
	return r.fs
}

func isTrue(s *tfeval.Scope, e hcl.Expression) bool {
	v, err := s.Eval(e, nil)
	if err != nil || !v.IsKnown() || v.IsNull() {
		return false
	}
	v, err = convert.Convert(v, cty.Bool)
	return err == nil && v.True()
}

// servesSite reports whether a CloudFront origin name is the site's: the
// apex (geolocation) or REGION.apex for a deployed region.
func servesSite(name, apex string) bool {
	label, rest, _ := strings.Cut(name, ".")
	return name == apex || (rest == apex && slices.Contains(Regions, label))
}
