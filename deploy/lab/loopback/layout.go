// Package loopback places every part of the lab on loopback addresses:
// database nodes, the links between regions, each region's services and DNS
// server, and the edge.
package loopback

import (
	"fmt"
	"net"
	"strconv"
)

// Layout places every part of the lab on loopback. On Linux every
// 127.x.y.z address is local, so each database node and each link has an
// address of its own and keeps port 3306, as real endpoints do:
//
//	node of region n:                 127.<Net>.n.1:3306
//	node of region n seen from m:     127.<Net>.m.(10+n):3306 (a link with m<->n delay)
//	region n's write queue:            127.<Net>.n.2:6379
//	region n's frontend, backend, DNS: Host:n3000, Host:n3001, Host:n0053 (+PortOffset)
//	region n's frontend metrics:       Host:n3002 (+PortOffset)
//	the edge's connections to origins: from 127.<Net>.0.1 (what frontends trust as a proxy)
type Layout struct {
	Host       string   // where services listen, 127.0.0.1
	Net        int      // second octet of the database addresses
	PortOffset int      // added to every service port; 0 for the lab, other values keep a test lab apart
	EdgePort   int      // 8080
	Regions    []string // region n is Regions[n-1]
	Domain     string   // db.lab
}

// Default is the lab people run.
func Default(regions []string) Layout {
	return Layout{Host: "127.0.0.1", Net: 10, EdgePort: 8080, Regions: regions, Domain: "db.lab"}
}

// Index is region's number, 1-based; 0 when unknown.
func (l Layout) Index(region string) int {
	for i, r := range l.Regions {
		if r == region {
			return i + 1
		}
	}
	return 0
}

// Valid checks that region is one of the lab's.
func (l Layout) Valid(region string) error {
	if l.Index(region) == 0 {
		return fmt.Errorf("unknown region %q (want one of %v)", region, l.Regions)
	}
	return nil
}

// NodeHost is the address region's database server binds.
func (l Layout) NodeHost(region string) string {
	return fmt.Sprintf("127.%d.%d.1", l.Net, l.Index(region))
}

// NodeAddr is host:port of region's database server.
func (l Layout) NodeAddr(region string) string { return net.JoinHostPort(l.NodeHost(region), "3306") }

// LinkHost is where clients in region from reach the node of region to.
func (l Layout) LinkHost(from, to string) string {
	return fmt.Sprintf("127.%d.%d.%d", l.Net, l.Index(from), 10+l.Index(to))
}

// LinkAddr is LinkHost with the database port.
func (l Layout) LinkAddr(from, to string) string {
	return net.JoinHostPort(l.LinkHost(from, to), "3306")
}

// QueueAddr is host:port of region's write queue (a redis-server, as a
// MemoryDB cluster is in AWS). Only that region's backend uses it, so it is
// reached directly, not through a link.
func (l Layout) QueueAddr(region string) string {
	return net.JoinHostPort(fmt.Sprintf("127.%d.%d.2", l.Net, l.Index(region)), "6379")
}

func (l Layout) port(region string, base int) string {
	return strconv.Itoa(l.Index(region)*10000 + base + l.PortOffset)
}

// FrontendAddr, BackendAddr and DNSAddr are region's service addresses.
func (l Layout) FrontendAddr(region string) string {
	return net.JoinHostPort(l.Host, l.port(region, 3000))
}

// FrontendMetricsAddr is where region's frontend serves /metrics.
func (l Layout) FrontendMetricsAddr(region string) string {
	return net.JoinHostPort(l.Host, l.port(region, 3002))
}

// BackendAddr is region's backend.
func (l Layout) BackendAddr(region string) string {
	return net.JoinHostPort(l.Host, l.port(region, 3001))
}

// DNSAddr is region's DNS server.
func (l Layout) DNSAddr(region string) string { return net.JoinHostPort(l.Host, l.port(region, 53)) }

// EdgeAddr is the edge.
func (l Layout) EdgeAddr() string {
	return net.JoinHostPort(l.Host, strconv.Itoa(l.EdgePort+l.PortOffset))
}

// EdgeSourceHost is the address the edge connects to origins from. Clients
// on this machine come from 127.0.0.1, so frontends can trust the edge's
// X-Forwarded-For without trusting theirs.
func (l Layout) EdgeSourceHost() string { return fmt.Sprintf("127.%d.0.1", l.Net) }

// WriterName is the global writer endpoint's name.
func (l Layout) WriterName() string { return "writer." + l.Domain }

// ReaderName is region's reader endpoint's name.
func (l Layout) ReaderName(region string) string { return "reader." + region + "." + l.Domain }

// Complete fills what a partial layout (a command line's or a test's Net,
// PortOffset, Host or EdgePort) leaves out with Default's values for
// regions. A layout that names its regions is taken as it is.
func (l Layout) Complete(regions []string) Layout {
	if len(l.Regions) > 0 {
		return l
	}
	d := Default(regions)
	d.PortOffset = l.PortOffset
	if l.Net != 0 {
		d.Net = l.Net
	}
	if l.Host != "" {
		d.Host = l.Host
	}
	if l.EdgePort != 0 {
		d.EdgePort = l.EdgePort
	}
	return d
}
