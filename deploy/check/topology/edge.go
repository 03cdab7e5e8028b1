package topology

import (
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/hcl/v2"

	"hyundai-poc.com/contract"
	"hyundai-poc.com/deploy/check/tfconfig"
	"hyundai-poc.com/deploy/check/tfeval"
)

// CloudFront accepts exactly these sets of allowed methods.
var methodSets = [][]string{
	{"GET", "HEAD"},
	{"GET", "HEAD", "OPTIONS"},
	{"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT"},
}

// distribution returns the plan's one CloudFront distribution.
func distribution(t *tfconfig.Tree, r *report) *tfeval.Instance {
	ds := planOf(t).OfType("aws_cloudfront_distribution")
	if len(ds) != 1 {
		r.add(hcl.Range{Filename: t.Root.Dir}, "want one aws_cloudfront_distribution, found %d", len(ds))
		return nil
	}
	return ds[0]
}

func groupsOf(d *tfeval.Instance) map[string]bool {
	out := map[string]bool{}
	for _, g := range d.Blocks("origin_group") {
		out[g.String("origin_id")] = true
	}
	return out
}

// PathMatches is CloudFront's path pattern match: * is any run of
// characters, ? one character, case-sensitive; "default" matches all.
func PathMatches(pattern, path string) bool {
	if pattern == "default" || pattern == "*" {
		return true
	}
	re := "^" + strings.ReplaceAll(strings.ReplaceAll(regexp.QuoteMeta(pattern), `\*`, ".*"), `\?`, ".") + "$"
	ok, _ := regexp.MatchString(re, path)
	return ok
}

// Route is a path the frontend accepts a method on.
type Route struct {
	Method, Path, Where string
}

var formTag = regexp.MustCompile(`(?is)<form\b[^>]*>`)
var attr = regexp.MustCompile(`(?i)\b(method|action)\s*=\s*"([^"]*)"`)

// FrontendPosts returns every route the frontend site registers for a
// method other than GET/HEAD (chi's r.Post, r.Put, r.Patch, r.Delete,
// r.Handle, r.Method) and every form that posts, with its action.
func FrontendPosts(siteDir string) ([]Route, error) {
	var out []Route
	fset := token.NewFileSet()
	goFiles, _ := filepath.Glob(filepath.Join(siteDir, "*.go"))
	for _, f := range goFiles {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		file, err := parser.ParseFile(fset, f, nil, 0)
		if err != nil {
			return nil, err
		}
		ast.Inspect(file, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			sel, ok := call.Fun.(*ast.SelectorExpr)
			if !ok || len(call.Args) == 0 {
				return true
			}
			lit := func(i int) string {
				if i >= len(call.Args) {
					return ""
				}
				if bl, ok := call.Args[i].(*ast.BasicLit); ok && bl.Kind == token.STRING {
					s, _ := strconv.Unquote(bl.Value)
					return s
				}
				return ""
			}
			where := fset.Position(call.Pos()).String()
			switch sel.Sel.Name {
			case "Post", "Put", "Patch", "Delete":
				if p := lit(0); strings.HasPrefix(p, "/") {
					out = append(out, Route{strings.ToUpper(sel.Sel.Name), p, where})
				}
			case "Handle", "HandleFunc", "Mount":
				// Every method: a POST must get through.
				if p := lit(0); strings.HasPrefix(p, "/") && !strings.Contains(p, " ") {
					out = append(out, Route{"POST", p, where})
				}
			case "Method", "MethodFunc":
				if m, p := lit(0), lit(1); m != "" && m != "GET" && m != "HEAD" && strings.HasPrefix(p, "/") {
					out = append(out, Route{m, p, where})
				}
			}
			return true
		})
	}
	tmpls, _ := filepath.Glob(filepath.Join(siteDir, "templates", "*.html"))
	for _, f := range tmpls {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		for _, tag := range formTag.FindAllString(string(b), -1) {
			method, action := "GET", ""
			for _, m := range attr.FindAllStringSubmatch(tag, -1) {
				if strings.EqualFold(m[1], "method") {
					method = strings.ToUpper(m[2])
				} else {
					action = m[2]
				}
			}
			if method == "GET" || !strings.HasPrefix(action, "/") {
				continue
			}
			action, _, _ = strings.Cut(action, "?")
			out = append(out, Route{method, action, f})
		}
	}
	return out, nil
}

// FormRoutes checks every route and form of the frontend that takes a
// method other than GET/HEAD against the distribution's behaviors: the
// first behavior whose pattern matches the path must allow the method, and
// must not use an origin group (which serves only GET, HEAD, OPTIONS).
// Otherwise CloudFront answers 403 to the visitor's form.
func FormRoutes(t *tfconfig.Tree, siteDir string) []Finding {
	var r report
	d := distribution(t, &r)
	if d == nil {
		return r.fs
	}
	routes, err := FrontendPosts(siteDir)
	if err != nil {
		r.add(hcl.Range{Filename: siteDir}, "read the frontend: %v", err)
		return r.fs
	}
	if len(routes) == 0 {
		r.add(hcl.Range{Filename: siteDir}, "found no route or form that posts: the check proves nothing")
	}
	// Paths the load balancers answer themselves never reach the frontend.
	internal := map[string]bool{}
	for _, rule := range planOf(t).OfType("aws_lb_listener_rule") {
		for _, a := range rule.Blocks("action") {
			if a.String("type") != "fixed-response" {
				continue
			}
			for _, c := range rule.Blocks("condition") {
				for _, pp := range c.Blocks("path_pattern") {
					for _, v := range pp.Strings("values") {
						internal[v] = true
					}
				}
			}
		}
	}
	groups := groupsOf(d)
	bs := behaviorsOf(d)
	for _, rt := range routes {
		if internal[rt.Path] {
			continue
		}
		probe := strings.ReplaceAll(rt.Path, "*", "x")
		for _, b := range bs {
			if !PathMatches(b.path, probe) {
				continue
			}
			switch {
			case !slices.Contains(b.methods, rt.Method):
				r.add(d.Block.Range, "%s %s (%s): CloudFront's behavior %s allows only %v and answers 403", rt.Method, rt.Path, rt.Where, b.path, b.methods)
			case groups[b.target]:
				r.add(d.Block.Range, "%s %s (%s): behavior %s sends it to origin group %q, which serves only GET, HEAD, OPTIONS", rt.Method, rt.Path, rt.Where, b.path, b.target)
			}
			break
		}
	}
	return r.fs
}

// Known managed cache policies: their TTLs and cache keys, from AWS's list
// of managed policies.
var managedPolicies = map[string]cachePolicy{
	"Managed-CachingOptimized": {minTTL: 1, defaultTTL: 86400, maxTTL: 31536000},
	"Managed-CachingDisabled":  {},
}

type cachePolicy struct {
	name                       string
	minTTL, defaultTTL, maxTTL int64
	queryStrings               string // all, none, whitelist
	queryItems, cookies        []string
	cookieBehavior             string
}

// policyOf resolves a behavior's cache_policy_id to the policy it names.
func policyOf(p *tfeval.Plan, id string) (cachePolicy, bool) {
	in := p.Lookup(addrOf(id))
	if in == nil {
		return cachePolicy{}, false
	}
	if in.Block.Kind == "data" {
		cp, ok := managedPolicies[in.String("name")]
		cp.name = in.String("name")
		return cp, ok
	}
	cp := cachePolicy{name: in.Addr, minTTL: intArg(in, "min_ttl"), defaultTTL: intArg(in, "default_ttl"), maxTTL: intArg(in, "max_ttl")}
	for _, k := range in.Blocks("parameters_in_cache_key_and_forwarded_to_origin") {
		for _, c := range k.Blocks("cookies_config") {
			cp.cookieBehavior = c.String("cookie_behavior")
			for _, items := range c.Blocks("cookies") {
				cp.cookies = append(cp.cookies, items.Strings("items")...)
			}
		}
		for _, q := range k.Blocks("query_strings_config") {
			cp.queryStrings = q.String("query_string_behavior")
			for _, items := range q.Blocks("query_strings") {
				cp.queryItems = append(cp.queryItems, items.Strings("items")...)
			}
		}
	}
	return cp, true
}

// StaticPath is the only path pattern that may be cached for long.
const StaticPath = "/static/*"

// CachePolicies checks that CloudFront cannot serve one visitor's page to
// another: every behavior but /static/* has a minimum and default TTL of 0
// (a minimum above 0 caches even no-store answers), and every behavior
// that caches pages keys on all query strings and on every cookie the
// frontend reads (siteDir), since each of those makes a page differ.
func CachePolicies(t *tfconfig.Tree, siteDir string) []Finding {
	var r report
	d := distribution(t, &r)
	if d == nil {
		return r.fs
	}
	cookies, err := FrontendCookies(siteDir)
	if err != nil {
		r.add(hcl.Range{Filename: siteDir}, "read the frontend: %v", err)
	}
	p := planOf(t)
	for _, b := range behaviorsOf(d) {
		cp, ok := policyOf(p, b.cachePolicy)
		if !ok {
			r.add(d.Block.Range, "behavior %s: cache policy %q is neither a known managed policy nor defined here", b.path, b.cachePolicy)
			continue
		}
		if b.path == StaticPath {
			continue
		}
		if cp.minTTL != 0 {
			r.add(d.Block.Range, "behavior %s uses %s with minimum TTL %d s: CloudFront caches even no-store pages that long, so visitors get each other's tokens and confirmations", b.path, cp.name, cp.minTTL)
		}
		if cp.defaultTTL != 0 {
			r.add(d.Block.Range, "behavior %s uses %s with default TTL %d s: an answer without Cache-Control is shared; long caching is for %s only", b.path, cp.name, cp.defaultTTL, StaticPath)
		}
		if cp.maxTTL == 0 {
			continue // never cached: the key does not matter
		}
		if cp.queryStrings != "all" {
			r.add(d.Block.Range, "behavior %s uses %s, whose cache key leaves out query strings (%q): pages differ by ?vehicle=, ?id=, ?market=", b.path, cp.name, cp.queryStrings)
		}
		for _, c := range cookies {
			if cp.cookieBehavior != "all" && !slices.Contains(cp.cookies, c) {
				r.add(d.Block.Range, "behavior %s uses %s, whose cache key leaves out the %q cookie, which the frontend reads", b.path, cp.name, c)
			}
		}
	}
	return r.fs
}

var cookieCall = regexp.MustCompile(`\.Cookie\(\s*("[^"]+"|[A-Za-z_][A-Za-z0-9_]*)\s*\)`)
var constDecl = regexp.MustCompile(`(?m)\b([A-Za-z_][A-Za-z0-9_]*)\s*=\s*"([^"]+)"`)

// FrontendCookies returns the cookie names the frontend site reads with
// r.Cookie, literal or through a string constant.
func FrontendCookies(siteDir string) ([]string, error) {
	files, _ := filepath.Glob(filepath.Join(siteDir, "*.go"))
	consts := map[string]string{}
	var srcs []string
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		srcs = append(srcs, string(b))
		for _, m := range constDecl.FindAllStringSubmatch(string(b), -1) {
			consts[m[1]] = m[2]
		}
	}
	var out []string
	for _, src := range srcs {
		for _, m := range cookieCall.FindAllStringSubmatch(src, -1) {
			name := m[1]
			if strings.HasPrefix(name, `"`) {
				name = strings.Trim(name, `"`)
			} else if v, ok := consts[name]; ok {
				name = v
			} else {
				continue
			}
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// route53 records by name.
type zone struct {
	plan   *tfeval.Plan
	byName map[string][]*tfeval.Instance
}

func zoneOf(p *tfeval.Plan) *zone {
	z := &zone{plan: p, byName: map[string][]*tfeval.Instance{}}
	for _, in := range p.OfType("aws_route53_record") {
		z.byName[strings.TrimSuffix(in.String("name"), ".")] = append(z.byName[strings.TrimSuffix(in.String("name"), ".")], in)
	}
	return z
}

// aliasName is the name a record aliases; an alias to another record's fqdn
// or name is that record's name.
func (z *zone) aliasName(in *tfeval.Instance) string {
	for _, a := range in.Blocks("alias") {
		name := a.String("name")
		if target, attr := z.plan.Resolve(a.Arg("name")); target != nil && target.Block.Type == "aws_route53_record" && (attr == "fqdn" || attr == "name") {
			name = target.String("name")
		}
		return strings.TrimSuffix(name, ".")
	}
	return ""
}

func policyType(in *tfeval.Instance) string {
	for _, f := range in.Blocks("failover_routing_policy") {
		return f.String("type")
	}
	return ""
}

// regionOfName follows aliases from a name to the region that serves it
// while every health check passes: a region's own name (REGION.*), a
// failover pair's primary, or another plain alias.
func (z *zone) regionOfName(name string, depth int) string {
	label, _, _ := strings.Cut(name, ".")
	if slices.Contains(Regions, label) {
		return label
	}
	if depth > 5 {
		return ""
	}
	for _, in := range z.byName[name] {
		if len(in.Blocks("geolocation_routing_policy")) > 0 {
			continue
		}
		if pt := policyType(in); pt == "" || pt == "PRIMARY" {
			return z.regionOfName(z.aliasName(in), depth+1)
		}
	}
	return ""
}

// FailoverPairs checks DNS failover: every geolocation record aliases a
// Route53 failover pair whose primary is health-checked and whose secondary
// is another region (Route53 falls back from an unhealthy location only to
// a healthy default, so a record that names one region alone keeps sending
// visitors to it when it is down); and the CloudFront origin group's
// secondary never reaches the region its primary picked, for any location.
func FailoverPairs(t *tfconfig.Tree) []Finding {
	var r report
	p := planOf(t)
	z := zoneOf(p)
	rng := hcl.Range{Filename: t.Root.Dir}
	geoByName := map[string]map[string]string{} // record name -> set_identifier -> alias target
	for _, in := range p.OfType("aws_route53_record") {
		if len(in.Blocks("geolocation_routing_policy")) == 0 {
			continue
		}
		name := strings.TrimSuffix(in.String("name"), ".")
		if geoByName[name] == nil {
			geoByName[name] = map[string]string{}
		}
		geoByName[name][in.String("set_identifier")] = z.aliasName(in)
	}
	if len(geoByName) == 0 {
		r.add(rng, "no geolocation records")
		return r.fs
	}
	for name, locs := range geoByName {
		for _, loc := range sortedKeys(locs) {
			target := locs[loc]
			var primary, secondary *tfeval.Instance
			for _, in := range z.byName[target] {
				switch policyType(in) {
				case "PRIMARY":
					primary = in
				case "SECONDARY":
					secondary = in
				}
			}
			if primary == nil || secondary == nil {
				if strings.HasPrefix(name, "failover.") {
					continue // the stand-in table: checked below against the primary one
				}
				r.add(rng, "geolocation record %s[%s] aliases %q, which is no failover pair: if that region fails, Route53 keeps answering with it", name, loc, target)
				continue
			}
			if primary.String("health_check_id") == "" {
				r.add(rng, "failover pair %s: the primary has no health check", target)
			}
			pr, sr := z.regionOfName(z.aliasName(primary), 0), z.regionOfName(z.aliasName(secondary), 0)
			if pr == "" || pr == sr {
				r.add(rng, "failover pair %s: primary region %q and secondary region %q must be two regions", target, pr, sr)
			}
		}
	}

	d := distribution(t, &r)
	if d == nil {
		return r.fs
	}
	domains := map[string]string{}
	for _, o := range d.Blocks("origin") {
		domains[o.String("origin_id")] = strings.TrimSuffix(o.String("domain_name"), ".")
	}
	for _, g := range d.Blocks("origin_group") {
		members := g.Blocks("member")
		if len(members) != 2 {
			continue
		}
		prim, sec := domains[members[0].String("origin_id")], domains[members[1].String("origin_id")]
		primLocs := geoByName[prim]
		if primLocs == nil {
			r.add(rng, "origin group %s: its primary %q is not a geolocation name", g.String("origin_id"), prim)
			continue
		}
		for _, loc := range sortedKeys(primLocs) {
			want := z.regionOfName(primLocs[loc], 0)
			got := z.regionOfName(sec, 0)
			if secLocs := geoByName[sec]; secLocs != nil {
				got = z.regionOfName(secLocs[loc], 0)
			}
			if got == "" || got == want {
				r.add(rng, "origin group %s: for location %s the primary reaches %s and the secondary %q: a failed-over request goes back to the region that failed it", g.String("origin_id"), loc, want, got)
			}
		}
	}
	return r.fs
}

// OriginLocked checks that nobody reaches a region except through
// CloudFront and its WAF: the ALBs' groups admit only CloudFront's and
// Route53's health checkers' managed prefix lists; the listeners forward
// only requests carrying the secret header CloudFront adds (and /healthz),
// never by default; /metrics and the backends' operator view are answered
// by the ALB itself, and the public /api/region is not; the public names alias only CloudFront; the WAF is on by default
// with AWS's managed rule groups.
func OriginLocked(t *tfconfig.Tree) []Finding {
	var r report
	p := planOf(t)
	rng := hcl.Range{Filename: t.Root.Dir}
	d := distribution(t, &r)
	if d == nil {
		return r.fs
	}
	headers := map[string]string{}
	for _, o := range d.Blocks("origin") {
		hs := o.Blocks("custom_header")
		if len(hs) == 0 {
			r.add(rng, "CloudFront origin %q adds no secret header: the ALB cannot tell CloudFront from anyone", o.String("origin_id"))
		}
		for _, h := range hs {
			headers[strings.ToLower(h.String("name"))] = h.String("value")
		}
	}

	lbGroups := map[string]bool{}
	for _, lb := range p.OfType("aws_lb") {
		for _, g := range lb.Strings("security_groups") {
			lbGroups[g] = true
		}
	}
	lists := map[string]string{}
	for _, pl := range p.OfType("data.aws_ec2_managed_prefix_list") {
		lists[tfeval.Placeholder(pl.Addr, "id")] = pl.String("name")
	}
	for _, rule := range p.OfType("aws_vpc_security_group_ingress_rule") {
		if !lbGroups[rule.String("security_group_id")] {
			continue
		}
		name := lists[rule.String("prefix_list_id")]
		if !strings.HasSuffix(name, ".cloudfront.origin-facing") && !strings.HasSuffix(name, ".route53-healthchecks") {
			r.add(rng, "%s admits %s%s to a load balancer: only CloudFront's and Route53 health checkers' prefix lists may", rule.Addr, rule.String("cidr_ipv4"), rule.String("prefix_list_id"))
		}
	}

	for _, l := range p.OfType("aws_lb_listener") {
		for _, a := range l.Blocks("default_action") {
			if a.String("type") == "forward" || a.String("target_group_arn") != "" {
				r.add(rng, "%s forwards by default: a request without CloudFront's header reaches the services", l.Addr)
			}
		}
	}
	answered := map[string][]string{} // region: path patterns the ALB answers itself
	for _, rule := range p.OfType("aws_lb_listener_rule") {
		var paths []string
		headerOK := false
		for _, c := range rule.Blocks("condition") {
			for _, pp := range c.Blocks("path_pattern") {
				paths = append(paths, pp.Strings("values")...)
			}
			for _, h := range c.Blocks("http_header") {
				want, ok := headers[strings.ToLower(h.String("http_header_name"))]
				if ok && want != "" && slices.Equal(h.Strings("values"), []string{want}) {
					headerOK = true
				}
			}
		}
		for _, a := range rule.Blocks("action") {
			switch a.String("type") {
			case "forward":
				if !headerOK && !slices.Equal(paths, []string{"/healthz"}) {
					r.add(rng, "%s forwards %v without requiring CloudFront's secret header", rule.Addr, paths)
				}
			case "fixed-response":
				answered[regionOf(rule)] = append(answered[regionOf(rule)], paths...)
			}
		}
	}
	for _, lb := range p.OfType("aws_lb") {
		for _, path := range []string{"/metrics", contract.PathRegionDetail} {
			if !slices.ContainsFunc(answered[regionOf(lb)], func(pattern string) bool { return albPathMatch(pattern, path) }) {
				r.add(rng, "%s: %s is served to the internet (no listener rule answers it at the ALB)", lb.Addr, path)
			}
		}
		// The status page's script and the lag samplers read the public
		// view through CloudFront.
		if slices.ContainsFunc(answered[regionOf(lb)], func(pattern string) bool { return albPathMatch(pattern, contract.PathRegion) }) {
			r.add(rng, "%s: the ALB answers %s itself: the status dashboard and the lag samplers cannot read it", lb.Addr, contract.PathRegion)
		}
	}

	apex := apexOf(t, d.Block.Module)
	cdn := tfeval.Placeholder(d.Addr, "domain_name")
	z := zoneOf(p)
	for _, name := range []string{apex, "www." + apex} {
		recs := z.byName[name]
		if len(recs) == 0 {
			r.add(rng, "no record for %s: visitors cannot reach CloudFront by it", name)
		}
		for _, in := range recs {
			if z.aliasName(in) != cdn {
				r.add(rng, "%s: %s answers with %q, not CloudFront: visitors bypass CloudFront and its WAF", in.Addr, name, z.aliasName(in))
			}
		}
	}
	if acl := d.String("web_acl_id"); p.Lookup(addrOf(acl)) == nil {
		r.add(rng, "the distribution has no WAF web ACL with the default variables (web_acl_id %q)", acl)
	}
	// aws_wafv2_web_acl is not in the schema file: its shape is checked
	// here, by name, and the schema check reports it as not checked.
	for _, acl := range p.OfType("aws_wafv2_web_acl") {
		var groups []string
		for _, rule := range acl.Blocks("rule") {
			for _, st := range rule.Blocks("statement") {
				for _, m := range st.Blocks("managed_rule_group_statement") {
					groups = append(groups, m.String("name"))
				}
			}
		}
		for _, want := range []string{"AWSManagedRulesCommonRuleSet", "AWSManagedRulesKnownBadInputsRuleSet", "AWSManagedRulesSQLiRuleSet"} {
			if !slices.Contains(groups, want) {
				r.add(rng, "%s lacks the AWS managed rule group %s", acl.Addr, want)
			}
		}
		// Behind CloudFront the services see an edge node's address, not
		// the viewer's: the limit per viewer is this rule's alone.
		rated := false
		for _, rule := range acl.Blocks("rule") {
			blocks := false
			for _, a := range rule.Blocks("action") {
				blocks = blocks || len(a.Blocks("block")) > 0
			}
			for _, st := range rule.Blocks("statement") {
				for _, rb := range st.Blocks("rate_based_statement") {
					limit, err := strconv.Atoi(rb.String("limit"))
					if blocks && rb.String("aggregate_key_type") == "IP" && err == nil && limit > 0 {
						rated = true
					}
				}
			}
		}
		if !rated {
			r.add(rng, "%s has no rate-based rule that blocks per viewer IP: one address could post leads as fast as it likes", acl.Addr)
		}
	}
	return r.fs
}

// EdgeFile checks deploy/geo/edge.json on its own: every behavior's methods
// are one of CloudFront's three sets, behaviors that allow more than GET,
// HEAD and OPTIONS target a plain origin, targets and cache policies exist,
// the last behavior is the default (*), and each region has a stand-in.
func EdgeFile(path string) []Finding {
	var r report
	rng := hcl.Range{Filename: path}
	def, err := LoadEdge(path)
	if err != nil {
		r.add(rng, "%v", err)
		return r.fs
	}
	for i, b := range def.Behaviors {
		ms := slices.Clone(b.Methods)
		slices.Sort(ms)
		if !slices.ContainsFunc(methodSets, func(s []string) bool { return slices.Equal(s, ms) }) {
			r.add(rng, "behavior %s: methods %v are not one of CloudFront's sets %v", b.Path, b.Methods, methodSets)
		}
		_, isGroup := def.OriginGroups[b.Target]
		_, isOrigin := def.Origins[b.Target]
		if !isGroup && !isOrigin {
			r.add(rng, "behavior %s: target %q is neither an origin nor an origin group", b.Path, b.Target)
		}
		if isGroup && len(ms) > 3 {
			r.add(rng, "behavior %s allows %v but targets origin group %q (GET, HEAD, OPTIONS only)", b.Path, b.Methods, b.Target)
		}
		if _, ok := def.CachePolicies[b.CachePolicy]; !ok {
			r.add(rng, "behavior %s: no cache policy %q", b.Path, b.CachePolicy)
		}
		if (b.Path == "*") != (i == len(def.Behaviors)-1) {
			r.add(rng, "behavior %s: the default behavior (*) must be last and only last", b.Path)
		}
	}
	for _, reg := range Regions {
		if s := def.FailoverRegions[reg]; s == "" || s == reg || !slices.Contains(Regions, s) {
			r.add(rng, "failover_regions: %s needs another deployed region as stand-in, has %q", reg, s)
		}
	}
	for name, g := range def.OriginGroups {
		if _, ok := def.Origins[g.Primary]; !ok {
			r.add(rng, "origin group %s: no origin %q", name, g.Primary)
		}
		if _, ok := def.Origins[g.Secondary]; !ok {
			r.add(rng, "origin group %s: no origin %q", name, g.Secondary)
		}
	}
	return r.fs
}

// Edge is the shape of deploy/geo/edge.json that the checks read.
type Edge struct {
	FailoverRegions map[string]string `json:"failover_regions"`
	Origins         map[string]struct {
		Name string `json:"name"`
	} `json:"origins"`
	OriginGroups map[string]struct {
		Primary   string `json:"primary"`
		Secondary string `json:"secondary"`
	} `json:"origin_groups"`
	CachePolicies map[string]map[string]any `json:"cache_policies"`
	Behaviors     []struct {
		Path        string   `json:"path"`
		Methods     []string `json:"methods"`
		Target      string   `json:"target"`
		CachePolicy string   `json:"cache_policy"`
	} `json:"behaviors"`
}

// LoadEdge reads edge.json strictly enough to catch typos in its keys.
func LoadEdge(path string) (*Edge, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	var e Edge
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("decode %s: %w", path, err)
	}
	return &e, nil
}

// albPathMatch reports whether an ALB path pattern matches path: * is any
// run of characters, / included, and ? one character.
func albPathMatch(pattern, path string) bool {
	var re strings.Builder
	re.WriteString("^")
	for _, c := range pattern {
		switch c {
		case '*':
			re.WriteString(".*")
		case '?':
			re.WriteString(".")
		default:
			re.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	re.WriteString("$")
	ok, _ := regexp.MatchString(re.String(), path)
	return ok
}
