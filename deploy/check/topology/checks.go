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

// OriginGroups checks every CloudFront distribution, as expanded from its
// dynamic blocks: each origin group has exactly two members that are
// origins of the distribution, no behavior that allows anything beyond GET,
// HEAD and OPTIONS targets a group, and /api/* reaches a plain origin with
// POST allowed.
func OriginGroups(t *tfconfig.Tree) []Finding {
	var r report
	p := planOf(t)
	dists := p.OfType("aws_cloudfront_distribution")
	if len(dists) == 0 {
		r.add(hcl.Range{Filename: t.Root.Dir}, "no aws_cloudfront_distribution")
	}
	safe := []string{"GET", "HEAD", "OPTIONS"}
	for _, d := range dists {
		apex := apexOf(t, d.Block.Module)
		origins := map[string]bool{}
		for _, o := range d.Blocks("origin") {
			id := o.String("origin_id")
			if id == "" {
				r.add(d.Block.Range, "%s: origin id must be static", d.Addr)
				continue
			}
			origins[id] = true
			if name := o.String("domain_name"); name != "" && apex != "" && !servesSite(name, apex) {
				r.add(d.Block.Range, "%s: origin %q points at %q, neither the apex nor a deployed region's name", d.Addr, id, name)
			}
		}
		groups := map[string]bool{}
		for _, g := range d.Blocks("origin_group") {
			id := g.String("origin_id")
			if id == "" {
				r.add(d.Block.Range, "%s: origin group id must be static", d.Addr)
				continue
			}
			groups[id] = true
			members := g.Blocks("member")
			if n := len(members); n != 2 {
				r.add(d.Block.Range, "%s: origin group %q has %d members; CloudFront takes exactly 2 (primary, secondary)", d.Addr, id, n)
			}
			seen := map[string]bool{}
			for _, mb := range members {
				mid := mb.String("origin_id")
				switch {
				case mid == "":
					r.add(d.Block.Range, "%s: member origin id must be static", d.Addr)
				case !origins[mid]:
					r.add(d.Block.Range, "%s: origin group %q member %q is not an origin of the distribution", d.Addr, id, mid)
				case seen[mid]:
					r.add(d.Block.Range, "%s: origin group %q names %q twice", d.Addr, id, mid)
				}
				seen[mid] = true
			}
		}
		if len(groups) == 0 {
			r.add(d.Block.Range, "%s: no origin group: the site's GETs have no failover", d.Addr)
		}
		apiOK := false
		for _, b := range behaviorsOf(d) {
			if b.target == "" || b.methods == nil {
				r.add(d.Block.Range, "%s: behavior %s: target_origin_id and allowed_methods must be static", d.Addr, b.path)
				continue
			}
			if groups[b.target] {
				for _, m := range b.methods {
					if !slices.Contains(safe, m) {
						r.add(d.Block.Range, "%s: behavior %s allows %s but targets origin group %q; origin groups serve only GET, HEAD, OPTIONS", d.Addr, b.path, m, b.target)
						break
					}
				}
			}
			if b.path == "/api/*" && !groups[b.target] && slices.Contains(b.methods, "POST") {
				apiOK = true
			}
		}
		if !apiOK {
			r.add(d.Block.Range, "%s: no /api/* behavior that allows POST and targets a plain origin", d.Addr)
		}
	}
	return r.fs
}

// behavior is one cache behavior of a distribution, as CloudFront sees it.
type behavior struct {
	path        string // "default" for the default behavior
	target      string
	methods     []string
	cachePolicy string
	functions   []string
}

// behaviorsOf returns the ordered behaviors, then the default one.
func behaviorsOf(d *tfeval.Instance) []behavior {
	var out []behavior
	read := func(n *tfeval.Nested, path string) behavior {
		b := behavior{path: path, target: n.String("target_origin_id"), methods: n.Strings("allowed_methods"), cachePolicy: n.String("cache_policy_id")}
		for _, f := range n.Blocks("function_association") {
			b.functions = append(b.functions, f.String("function_arn"))
		}
		return b
	}
	for _, n := range d.Blocks("ordered_cache_behavior") {
		out = append(out, read(n, n.String("path_pattern")))
	}
	for _, n := range d.Blocks("default_cache_behavior") {
		out = append(out, read(n, "default"))
	}
	return out
}

// apexOf returns the module's var.domain_name as the caller gives it.
func apexOf(t *tfconfig.Tree, m *tfconfig.Module) string {
	s := scopeOf(t, m)
	if vars := s.Ctx.Variables["var"]; vars.Type().HasAttribute("domain_name") {
		if v := vars.GetAttr("domain_name"); v.IsKnown() && !v.IsNull() && v.Type() == cty.String {
			return v.AsString()
		}
	}
	return ""
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

// servesSite reports whether a CloudFront origin name is the site's: an
// origin-only name (origin.apex for geolocation, failover.origin.apex for
// its stand-ins, REGION.origin.apex for one region), the apex, or
// REGION.apex.
func servesSite(name, apex string) bool {
	label, rest, _ := strings.Cut(name, ".")
	origins := "origin." + apex
	return name == apex || name == origins || (rest == origins && (label == "failover" || slices.Contains(Regions, label))) ||
		(rest == apex && slices.Contains(Regions, label))
}
