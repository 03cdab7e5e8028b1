package main

import (
	"context"
	"fmt"
	"hyundai-poc.com/evidence/results"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"hyundai-poc.com/evidence/geo"
)

type subnetFlags map[string]string

func (s subnetFlags) String() string { return fmt.Sprint(map[string]string(s)) }
func (s subnetFlags) Set(v string) error {
	loc, cidr, ok := strings.Cut(v, "=")
	if !ok {
		return fmt.Errorf("want LOC=CIDR, e.g. KR=175.223.0.0/24")
	}
	s[strings.ToUpper(loc)] = cidr
	return nil
}

func runGeo(ctx context.Context, e *env, args []string) error {
	fs := e.flags(`
Which region answers visitors from each place. AWS: asks the zone's Route53
name servers (terraform output name_servers) for the site's apex with an EDNS0
client-subnet option for each place, and names the region whose own name
(REGION.DOMAIN) answers the same way; no VPN needed. Lab: asks the edge's
/_edge/route, which routes from the same deploy/geo/locations.json. Each row
is checked against locations.json. Writes geo-<time>.json.`)
	subnets := subnetFlags{}
	fs.Var(subnets, "subnet", "replace a place's client subnet: LOC=CIDR (repeatable)")
	server := fs.String("server", "", "aws: ask this host:port instead of the zone's first name server")
	if err := e.parse(fs, args); err != nil {
		return err
	}
	places := append([]geo.Place(nil), geo.Places...)
	for i := range places {
		if c, ok := subnets[places[i].Location]; ok {
			places[i].Subnet = c
		}
	}
	table, err := geo.LoadTable(filepath.Join(e.root, "deploy", "geo", "locations.json"))
	if err != nil {
		return err
	}
	rows, err := geo.Expect(table, places)
	if err != nil {
		return err
	}
	res := results.Geo{}
	if e.target == "lab" {
		if err := e.needLab(ctx); err != nil {
			return err
		}
		res.Server = e.edge
		res.Rows = geo.ThroughEdge(ctx, e.edge, rows)
	} else {
		o, err := e.loadOutputs(ctx, e.outputs, e.tfDir)
		if err != nil {
			return fmt.Errorf("no deployment to ask: %w", err)
		}
		u, err := url.Parse(o.ApexURL)
		if err != nil || u.Hostname() == "" {
			return fmt.Errorf("terraform output apex_url %q is not a URL", o.ApexURL)
		}
		res.Domain = u.Hostname()
		res.Server = *server
		if res.Server == "" {
			if len(o.NameServers) == 0 {
				return fmt.Errorf("terraform output name_servers is empty")
			}
			res.Server = net.JoinHostPort(strings.TrimSuffix(o.NameServers[0], "."), "53")
		}
		e.logf("geo: asking %s for %s from %d places", res.Server, res.Domain, len(rows))
		res.Rows = geo.ThroughRoute53(ctx, geo.Resolver{Server: res.Server}, res.Domain, o.RegionNames(), rows)
	}
	tw := tabwriter.NewWriter(e.out, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "place\tlocation\tsubnet\texpected (record)\tanswered\t")
	for _, r := range res.Rows {
		mark := "ok"
		if !r.OK {
			mark = "WRONG " + r.Err
			res.Wrong++
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s (%s)\t%s\t%s\n", r.Name, r.Location, r.Subnet, r.Expected, r.Record, r.Answered, mark)
	}
	tw.Flush()
	if _, err := save(e, "geo", map[string]any{"server": res.Server, "domain": res.Domain, "places": len(res.Rows)}, res); err != nil {
		return err
	}
	if res.Wrong > 0 {
		return fmt.Errorf("%d place(s) answered by the wrong region", res.Wrong)
	}
	return nil
}
