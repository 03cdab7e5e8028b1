// Package dnsresolver makes Go's resolver ask one given DNS server instead
// of the system's. The backend resolves its database endpoints this way when
// DB_RESOLVER is set (each lab region has a DNS server of its own), and the
// lab's and the tests' checks ask their DNS servers the same way, so what
// they check is what the backend sees.
package dnsresolver

import (
	"context"
	"net"
	"time"
)

// At is a resolver that sends every query to the DNS server at addr
// (host:port), over UDP or TCP as Go's resolver chooses. Each attempt to
// reach the server gives up after a second, so a dead server fails a lookup
// quickly instead of hanging it.
func At(addr string) *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		d := net.Dialer{Timeout: time.Second}
		return d.DialContext(ctx, network, addr)
	}}
}

// DialVia returns a dial function for host:port addresses that resolves
// host with r and connects to the first address it gets, for clients (such
// as the MySQL driver's DialFunc) that take one.
func DialVia(r *net.Resolver) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		ips, err := r.LookupHost(ctx, host)
		if err != nil {
			return nil, err
		}
		var d net.Dialer
		return d.DialContext(ctx, "tcp", net.JoinHostPort(ips[0], port))
	}
}
