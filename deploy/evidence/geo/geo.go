// Package geo shows which region answers visitors from each place. On AWS
// it asks the zone's Route53 name servers directly with an EDNS0
// client-subnet option carrying an address block of that place, as a
// resolver there would, and names the region by comparing the answer with
// each region's own name asked the same way; no VPN is needed. In the lab
// it asks the edge, which routes from the same deploy/geo/locations.json.
package geo

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"sort"
	"strings"
	"time"

	"github.com/miekg/dns"

	labgeo "hyundai-poc.com/lab/geo"
)

// Place is a visitor location: a name, the location code the lab's edge
// and locations.json use, and an address block of a network there for
// EDNS0 client-subnet.
type Place struct {
	Name     string `json:"name"`
	Location string `json:"location"`
	Subnet   string `json:"subnet"`
}

// Places asked by default. The subnets are networks of well-known operators
// in each place (Seoul: KT; Virginia and Oregon: AWS's own us-east-1 and
// us-west-2 ranges; the others universities or national registries);
// --subnet LOC=CIDR replaces one.
var Places = []Place{
	{"Seoul", "KR", "175.223.0.0/24"},
	{"Tokyo", "JP", "133.242.0.0/24"},
	{"Sydney", "AU", "1.128.0.0/24"},
	{"Virginia", "US-VA", "3.80.0.0/24"},
	{"California", "US-CA", "128.32.0.0/24"},
	{"Oregon", "US-OR", "34.208.0.0/24"},
	{"Texas", "US-TX", "128.83.0.0/24"},
	{"Sao Paulo", "BR", "200.160.0.0/24"},
	{"Frankfurt", "DE", "193.99.144.0/24"},
}

// Row is one place's answer.
type Row struct {
	Place
	Expected string   `json:"expected_region"` // from deploy/geo/locations.json
	Record   string   `json:"expected_record"` // us_state, country, continent or default
	Answered string   `json:"answered_region"`
	Answers  []string `json:"answers,omitempty"` // A records (AWS)
	OK       bool     `json:"ok"`
	Err      string   `json:"error,omitempty"`
}

// Expect fills each row's expected region from the locations table.
func Expect(t *labgeo.Table, places []Place) ([]Row, error) {
	var rows []Row
	for _, p := range places {
		m, err := t.Resolve(p.Location)
		if err != nil {
			return nil, err
		}
		rows = append(rows, Row{Place: p, Expected: m.Region, Record: m.Record})
	}
	return rows, nil
}

// LoadTable reads deploy/geo/locations.json.
func LoadTable(path string) (*labgeo.Table, error) { return labgeo.Load(path) }

// ThroughEdge asks the lab edge's /_edge/route for each place.
func ThroughEdge(ctx context.Context, edge string, rows []Row) []Row {
	hc := &http.Client{Timeout: 5 * time.Second}
	for i := range rows {
		r := &rows[i]
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(edge, "/")+"/_edge/route", nil)
		req.Header.Set("X-Client-Location", r.Location)
		resp, err := hc.Do(req)
		if err != nil {
			r.Err = err.Error()
			continue
		}
		var rt struct {
			Region string `json:"region"`
		}
		err = json.NewDecoder(resp.Body).Decode(&rt)
		resp.Body.Close()
		if err != nil {
			r.Err = err.Error()
			continue
		}
		r.Answered = rt.Region
		r.OK = r.Answered == r.Expected
	}
	return rows
}

// Resolver asks one authoritative server.
type Resolver struct {
	Server  string // host:port
	Timeout time.Duration
}

// A returns the sorted A records for name as seen from subnet.
func (s Resolver) A(ctx context.Context, name, subnet string) ([]string, error) {
	pfx, err := netip.ParsePrefix(subnet)
	if err != nil {
		return nil, fmt.Errorf("subnet %q: %w", subnet, err)
	}
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), dns.TypeA)
	m.RecursionDesired = false
	o := &dns.OPT{Hdr: dns.RR_Header{Name: ".", Rrtype: dns.TypeOPT}}
	o.SetUDPSize(dns.DefaultMsgSize)
	o.Option = append(o.Option, &dns.EDNS0_SUBNET{Code: dns.EDNS0SUBNET, Family: 1, SourceNetmask: uint8(pfx.Bits()), Address: net.IP(pfx.Addr().AsSlice())})
	m.Extra = append(m.Extra, o)
	c := &dns.Client{Timeout: s.Timeout}
	if c.Timeout == 0 {
		c.Timeout = 3 * time.Second
	}
	in, _, err := c.ExchangeContext(ctx, m, s.Server)
	if err != nil {
		return nil, err
	}
	if in.Rcode != dns.RcodeSuccess {
		return nil, fmt.Errorf("%s: %s", name, dns.RcodeToString[in.Rcode])
	}
	var out []string
	for _, rr := range in.Answer {
		if a, ok := rr.(*dns.A); ok {
			out = append(out, a.A.String())
		}
	}
	sort.Strings(out)
	return out, nil
}

// ThroughRoute53 asks the server for the apex and for every region's own
// name (REGION.DOMAIN) from each place's subnet; the region whose own
// answer shares an address with the apex answer is the one serving.
func ThroughRoute53(ctx context.Context, s Resolver, domain string, regions []string, rows []Row) []Row {
	for i := range rows {
		r := &rows[i]
		apex, err := s.A(ctx, domain, r.Subnet)
		if err != nil {
			r.Err = err.Error()
			continue
		}
		r.Answers = apex
		for _, reg := range regions {
			own, err := s.A(ctx, reg+"."+domain, r.Subnet)
			if err != nil {
				continue
			}
			if overlap(apex, own) {
				r.Answered = reg
				break
			}
		}
		if r.Answered == "" {
			r.Err = "the apex answer matches no region's own name"
		}
		r.OK = r.Answered == r.Expected
	}
	return rows
}

func overlap(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if x == y {
				return true
			}
		}
	}
	return false
}
