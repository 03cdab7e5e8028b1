package topology

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/hashicorp/hcl/v2"
	"github.com/zclconf/go-cty/cty"

	"hyundai-poc.com/deploy/check/tfconfig"
	"hyundai-poc.com/deploy/check/tfeval"
)

var (
	plansMu sync.Mutex
	plans   = map[*tfconfig.Tree]*tfeval.Plan{}
)

// planOf expands a tree once; several checks read the same plan.
func planOf(t *tfconfig.Tree) *tfeval.Plan {
	plansMu.Lock()
	defer plansMu.Unlock()
	if p, ok := plans[t]; ok {
		return p
	}
	// The one root variable without a default: make deploy passes the
	// commit it built.
	p := tfeval.Expand(t, map[string]cty.Value{"image_tag": cty.StringVal("0123456789ab")})
	plans[t] = p
	return p
}

type subnet struct {
	in     *tfeval.Instance
	cidr   netip.Prefix
	vpc    string
	region string
}

type route struct {
	in      *tfeval.Instance
	dst     netip.Prefix
	peering string
}

type sgRule struct {
	in        *tfeval.Instance
	group     string
	cidr      netip.Prefix
	hasCIDR   bool
	ref       string
	protocol  string
	from, to  int64
	ingress   bool
	region    string
	groupVPC  string
	refRegion string
}

type peering struct {
	in                 *tfeval.Instance
	vpc, peerVPC       string
	region, peerRegion string
	accepted           bool
}

// network is the part of a plan that decides who reaches whom.
type network struct {
	plan         *tfeval.Plan
	subnets      map[string]*subnet // subnet id -> subnet
	tableOf      map[string]string  // subnet id -> route table id
	routes       map[string][]route // route table id -> routes
	peerings     map[string]*peering
	rules        []sgRule
	groupVPC     map[string]string
	groupRegion  map[string]string
	vpcRegion    map[string]string
	subnetGroups map[string][]string // db subnet group name -> subnet ids
	unmodelled   []string
}

func regionOf(in *tfeval.Instance) string { return in.String("region") }

func prefix(s string) (netip.Prefix, bool) {
	p, err := netip.ParsePrefix(s)
	return p.Masked(), err == nil
}

func newNetwork(p *tfeval.Plan) *network {
	n := &network{plan: p, subnets: map[string]*subnet{}, tableOf: map[string]string{}, routes: map[string][]route{},
		peerings: map[string]*peering{}, groupVPC: map[string]string{}, groupRegion: map[string]string{},
		vpcRegion: map[string]string{}, subnetGroups: map[string][]string{}}
	id := func(in *tfeval.Instance) string { return tfeval.Placeholder(in.Addr, "id") }
	for _, in := range p.OfType("aws_vpc") {
		n.vpcRegion[id(in)] = regionOf(in)
	}
	for _, in := range p.OfType("aws_subnet") {
		c, _ := prefix(in.String("cidr_block"))
		n.subnets[id(in)] = &subnet{in: in, cidr: c, vpc: in.String("vpc_id"), region: regionOf(in)}
	}
	for _, in := range p.OfType("aws_route_table_association") {
		n.tableOf[in.String("subnet_id")] = in.String("route_table_id")
	}
	for _, in := range p.OfType("aws_route_table") {
		if len(in.Blocks("route")) > 0 {
			n.unmodelled = append(n.unmodelled, in.Addr+": inline route blocks are not modelled; use aws_route")
		}
	}
	for _, in := range p.OfType("aws_route") {
		dst, ok := prefix(in.String("destination_cidr_block"))
		if !ok {
			continue
		}
		if in.String("transit_gateway_id") != "" {
			n.unmodelled = append(n.unmodelled, in.Addr+": routes through a transit gateway are not modelled")
		}
		rt := in.String("route_table_id")
		n.routes[rt] = append(n.routes[rt], route{in: in, dst: dst, peering: in.String("vpc_peering_connection_id")})
	}
	for _, in := range p.OfType("aws_vpc_peering_connection") {
		pr := &peering{in: in, vpc: in.String("vpc_id"), peerVPC: in.String("peer_vpc_id"), region: regionOf(in), peerRegion: in.String("peer_region")}
		if pr.peerRegion == "" {
			pr.peerRegion = pr.region
		}
		pr.accepted = pr.peerRegion == pr.region && isTrueVal(in.Arg("auto_accept"))
		n.peerings[id(in)] = pr
	}
	for _, in := range p.OfType("aws_vpc_peering_connection_accepter") {
		if pr := n.peerings[in.String("vpc_peering_connection_id")]; pr != nil && isTrueVal(in.Arg("auto_accept")) && regionOf(in) == pr.peerRegion {
			pr.accepted = true
		}
	}
	for _, in := range p.OfType("aws_security_group") {
		n.groupVPC[id(in)] = in.String("vpc_id")
		n.groupRegion[id(in)] = regionOf(in)
		if len(in.Blocks("ingress"))+len(in.Blocks("egress")) > 0 {
			n.unmodelled = append(n.unmodelled, in.Addr+": inline ingress/egress blocks are not modelled")
		}
	}
	for _, typ := range []string{"aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"} {
		for _, in := range p.OfType(typ) {
			r := sgRule{in: in, group: in.String("security_group_id"), ref: in.String("referenced_security_group_id"),
				protocol: in.String("ip_protocol"), ingress: strings.HasSuffix(typ, "ingress_rule"), region: regionOf(in)}
			r.cidr, r.hasCIDR = prefix(in.String("cidr_ipv4"))
			r.from, r.to = intArg(in, "from_port"), intArg(in, "to_port")
			r.groupVPC = n.groupVPC[r.group]
			r.refRegion = n.groupRegion[r.ref]
			n.rules = append(n.rules, r)
		}
	}
	for _, in := range p.OfType("aws_db_subnet_group") {
		n.subnetGroups[in.String("name")] = in.Strings("subnet_ids")
		n.subnetGroups[tfeval.Placeholder(in.Addr, "name")] = in.Strings("subnet_ids")
	}
	return n
}

func isTrueVal(v cty.Value) bool {
	return v != cty.NilVal && v.IsKnown() && !v.IsNull() && v.Type() == cty.Bool && v.True()
}

func intArg(in *tfeval.Instance, name string) int64 {
	v := in.Arg(name)
	if v == cty.NilVal || !v.IsKnown() || v.IsNull() || v.Type() != cty.Number {
		return -2
	}
	i, _ := v.AsBigFloat().Int64()
	return i
}

// allowsMySQL reports whether a rule lets TCP 3306 through.
func (r sgRule) allowsMySQL() bool {
	if r.protocol == "-1" || r.protocol == "all" {
		return true
	}
	return (r.protocol == "tcp" || r.protocol == "6") && r.from <= 3306 && 3306 <= r.to
}

// routeVia finds, in the route table of subnet from, a route that covers
// dst through a peering connection joining the two VPCs.
func (n *network) routeVia(from *subnet, dst *subnet) (string, string) {
	rt, ok := n.tableOf[tfeval.Placeholder(from.in.Addr, "id")]
	if !ok {
		return "", fmt.Sprintf("subnet %s has no route table association (the main route table has no routes to other VPCs)", from.cidr)
	}
	for _, r := range n.routes[rt] {
		if !r.dst.Contains(dst.cidr.Addr()) || r.dst.Bits() > dst.cidr.Bits() {
			continue
		}
		if r.in.String("region") != "" && r.in.String("region") != from.region {
			continue
		}
		pr := n.peerings[r.peering]
		if pr == nil {
			continue
		}
		joins := (pr.vpc == from.vpc && pr.peerVPC == dst.vpc) || (pr.vpc == dst.vpc && pr.peerVPC == from.vpc)
		if !joins {
			return "", fmt.Sprintf("the route to %s uses %s, which does not join these VPCs", r.dst, pr.in.Addr)
		}
		reqRegion, accRegion := n.vpcRegion[pr.vpc], n.vpcRegion[pr.peerVPC]
		if pr.region != reqRegion || pr.peerRegion != accRegion {
			return "", fmt.Sprintf("%s is requested in %s for a VPC in %s, peer_region %s for a VPC in %s", pr.in.Addr, pr.region, reqRegion, pr.peerRegion, accRegion)
		}
		if !pr.accepted {
			return "", fmt.Sprintf("%s is never accepted (an inter-region request needs an accepter with auto_accept in %s)", pr.in.Addr, pr.peerRegion)
		}
		return r.peering, ""
	}
	return "", fmt.Sprintf("no route from %s (%s) to %s (%s) through a peering connection", from.cidr, from.region, dst.cidr, dst.region)
}

// sgPath reports why security groups stop MySQL from src (with groups
// srcGroups) to dst (with dstGroups), or "".
func (n *network) sgPath(src *subnet, srcGroups []string, dst *subnet, dstGroups []string) string {
	var why []string
	egress, ingress := false, false
	for _, r := range n.rules {
		if !r.allowsMySQL() {
			continue
		}
		if !r.ingress && slices.Contains(srcGroups, r.group) {
			if r.hasCIDR && r.cidr.Contains(dst.cidr.Addr()) && r.cidr.Bits() <= dst.cidr.Bits() {
				egress = true
			}
			if r.ref != "" && slices.Contains(dstGroups, r.ref) {
				if src.region != dst.region {
					why = append(why, r.in.Addr+" references a security group in another region, which AWS refuses")
				} else {
					egress = true
				}
			}
		}
		if r.ingress && slices.Contains(dstGroups, r.group) {
			if r.hasCIDR && r.cidr.Contains(src.cidr.Addr()) && r.cidr.Bits() <= src.cidr.Bits() {
				ingress = true
			}
			if r.ref != "" && slices.Contains(srcGroups, r.ref) {
				if src.region != dst.region {
					why = append(why, r.in.Addr+" references a security group in another region, which AWS refuses")
				} else {
					ingress = true
				}
			}
		}
	}
	if !egress {
		why = append(why, fmt.Sprintf("no egress rule of the task groups lets 3306 out to %s", dst.cidr))
	}
	if !ingress {
		why = append(why, fmt.Sprintf("no ingress rule of the database groups admits 3306 from %s", src.cidr))
	}
	if egress && ingress {
		return ""
	}
	return strings.Join(why, "; ")
}

// Reachability proves from the configuration alone that the tasks of every
// service that talks to the database (its task definition names
// DB_WRITER_HOST) have, from every subnet they run in, a route and a
// security-group path on 3306 to every subnet of every regional Aurora
// cluster: after a switchover any region's cluster may hold the writer.
func Reachability(t *tfconfig.Tree) []Finding {
	var r report
	p := planOf(t)
	n := newNetwork(p)
	rng := hcl.Range{Filename: t.Root.Dir}

	type place struct {
		addr    string
		subnets []*subnet
		groups  []string
		region  string
	}
	var tasks, dbs []place
	for _, in := range p.OfType("aws_ecs_service") {
		td := p.Lookup(addrOf(in.String("task_definition")))
		if td == nil || !strings.Contains(td.String("container_definitions"), "DB_WRITER_HOST") {
			continue
		}
		for _, nc := range in.Blocks("network_configuration") {
			pl := place{addr: in.Addr, groups: nc.Strings("security_groups"), region: regionOf(in)}
			for _, id := range nc.Strings("subnets") {
				if s := n.subnets[id]; s != nil {
					pl.subnets = append(pl.subnets, s)
				}
			}
			tasks = append(tasks, pl)
		}
	}
	for _, in := range p.OfType("aws_rds_cluster") {
		pl := place{addr: in.Addr, groups: in.Strings("vpc_security_group_ids"), region: regionOf(in)}
		for _, id := range n.subnetGroups[in.String("db_subnet_group_name")] {
			if s := n.subnets[id]; s != nil {
				pl.subnets = append(pl.subnets, s)
			}
		}
		dbs = append(dbs, pl)
	}
	if len(tasks) == 0 || len(dbs) == 0 {
		r.add(rng, "found %d services that use the database and %d Aurora clusters with known subnets: nothing to prove", len(tasks), len(dbs))
		return r.fs
	}
	for _, tk := range tasks {
		if len(tk.subnets) == 0 {
			r.add(rng, "%s: its subnets are not known offline", tk.addr)
		}
		for _, db := range dbs {
			if len(db.subnets) == 0 {
				r.add(rng, "%s: its subnets are not known offline", db.addr)
				continue
			}
			var why []string
			for _, ts := range tk.subnets {
				for _, ds := range db.subnets {
					if ts.vpc != ds.vpc {
						if _, w := n.routeVia(ts, ds); w != "" {
							why = append(why, w)
						}
						if _, w := n.routeVia(ds, ts); w != "" {
							why = append(why, "return path: "+w)
						}
					}
					if w := n.sgPath(ts, tk.groups, ds, db.groups); w != "" {
						why = append(why, w)
					}
				}
			}
			if len(why) > 0 {
				slices.Sort(why)
				why = slices.Compact(why)
				r.add(rng, "tasks of %s (%s) cannot reach %s (%s): %s", tk.addr, tk.region, db.addr, db.region, strings.Join(why, "; "))
			}
		}
	}
	for _, u := range n.unmodelled {
		r.add(rng, "not modelled, so reachability is unproven: %s", u)
	}
	return r.fs
}

// addrOf returns the instance address a placeholder value names.
func addrOf(placeholder string) string {
	addr, _, _ := tfeval.ParsePlaceholder(placeholder)
	return addr
}
