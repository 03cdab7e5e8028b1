// Package dnsserver is the DNS server in front of the database servers: it
// answers the endpoint names (the global writer, each region's reader) with
// the address behind them, as Route53's private zones and Aurora's cluster
// endpoints do in AWS. Moving a writer changes only its answers. The lab runs
// one per region; the tests run one of their own.
//
// With Cache set it answers as a region's caching resolver would: once an
// answer is given it is kept for the TTL, so a changed record becomes visible
// only when the cached answer expires, up to one TTL after the change.
// Without it a change is answered at once.
package dnsserver

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Options describe a server.
type Options struct {
	// Addr is host:port to listen on, over UDP and TCP; port 0 picks one
	// free for both.
	Addr string
	// TTL of the answers, whole seconds, at least 1.
	TTL time.Duration
	// Cache keeps each answer for the TTL, as a caching resolver between
	// the clients and the zone does.
	Cache bool
}

// Server answers A queries for the names it holds over UDP and TCP.
type Server struct {
	Addr  string
	ttl   uint32
	cache map[string]cached // nil: answers are not kept
	mu    sync.RWMutex
	recs  map[string]net.IP
	udp   *dns.Server
	tcp   *dns.Server
}

// Start listens and serves until Close.
func Start(ctx context.Context, o Options) (*Server, error) {
	secs := uint32(o.TTL / time.Second)
	if secs < 1 {
		secs = 1
	}
	s := &Server{ttl: secs, recs: map[string]net.IP{}}
	if o.Cache {
		s.cache = map[string]cached{}
	}
	pc, l, err := listen(o.Addr)
	if err != nil {
		return nil, err
	}
	s.Addr = pc.LocalAddr().String()
	s.udp = &dns.Server{PacketConn: pc, Handler: s}
	s.tcp = &dns.Server{Listener: l, Handler: s}
	started := make(chan struct{}, 2)
	s.udp.NotifyStartedFunc = func() { started <- struct{}{} }
	s.tcp.NotifyStartedFunc = func() { started <- struct{}{} }
	go func() { _ = s.udp.ActivateAndServe() }()
	go func() { _ = s.tcp.ActivateAndServe() }()
	for range 2 {
		select {
		case <-started:
		case <-ctx.Done():
			s.Close()
			return nil, ctx.Err()
		}
	}
	return s, nil
}

// listen opens addr for UDP and TCP. A DNS server needs one port number for
// both, and a number free for UDP may be taken for TCP, so port 0 tries a
// few.
func listen(addr string) (net.PacketConn, net.Listener, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, nil, fmt.Errorf("dns %s: %w", addr, err)
	}
	tries := 1
	if port == "0" {
		tries = 20
	}
	for range tries {
		pc, err := net.ListenPacket("udp", addr)
		if err != nil {
			return nil, nil, fmt.Errorf("dns %s: %w", addr, err)
		}
		p := strconv.Itoa(pc.LocalAddr().(*net.UDPAddr).Port)
		l, err := net.Listen("tcp", net.JoinHostPort(host, p))
		if err == nil {
			return pc, l, nil
		}
		pc.Close()
		if tries == 1 {
			return nil, nil, fmt.Errorf("dns %s: %w", addr, err)
		}
	}
	return nil, nil, fmt.Errorf("dns %s: no port free for both UDP and TCP", addr)
}

// Set points name at ip; later queries see it at once, caches after the TTL.
func (s *Server) Set(name string, ip net.IP) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.recs[dns.CanonicalName(name)] = ip
}

type cached struct {
	ip      net.IP
	expires time.Time
}

// Record is the authoritative answer for name, which clients see once
// their cached answer has expired.
func (s *Server) Record(name string) (net.IP, bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	ip, ok := s.recs[dns.CanonicalName(name)]
	return ip, ok
}

// Lookup is what the server answers for name now, and for how many more
// seconds that answer stays cached.
func (s *Server) Lookup(name string) (net.IP, uint32, bool) {
	name = dns.CanonicalName(name)
	now := time.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	rec, ok := s.recs[name]
	if !ok {
		return nil, 0, false
	}
	if s.cache == nil {
		return rec, s.ttl, true
	}
	if c, hit := s.cache[name]; hit && now.Before(c.expires) {
		left := uint32((c.expires.Sub(now) + time.Second - 1) / time.Second)
		return c.ip, max(left, 1), true
	}
	s.cache[name] = cached{ip: rec, expires: now.Add(time.Duration(s.ttl) * time.Second)}
	return rec, s.ttl, true
}

// ServeDNS implements dns.Handler.
func (s *Server) ServeDNS(w dns.ResponseWriter, req *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(req)
	m.Authoritative = true
	for _, q := range req.Question {
		ip, ttl, ok := s.Lookup(q.Name)
		if !ok {
			if !s.knowsZoneOf(q.Name) {
				m.Rcode = dns.RcodeRefused
			} else {
				m.Rcode = dns.RcodeNameError
			}
			continue
		}
		if q.Qtype != dns.TypeA && q.Qtype != dns.TypeANY {
			continue // the name exists, without records of this type
		}
		m.Answer = append(m.Answer, &dns.A{
			Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: ttl},
			A:   ip.To4(),
		})
	}
	_ = w.WriteMsg(m)
}

// knowsZoneOf reports whether name shares its last two labels with a held
// name: such names get NXDOMAIN, anything else is refused (no recursion).
func (s *Server) knowsZoneOf(name string) bool {
	zone := func(n string) string {
		labels := dns.SplitDomainName(n)
		if len(labels) < 2 {
			return n
		}
		return strings.Join(labels[len(labels)-2:], ".")
	}
	z := zone(dns.CanonicalName(name))
	s.mu.RLock()
	defer s.mu.RUnlock()
	for n := range s.recs {
		if zone(n) == z {
			return true
		}
	}
	return false
}

// Close stops both listeners.
func (s *Server) Close() {
	if s.udp != nil {
		_ = s.udp.Shutdown()
	}
	if s.tcp != nil {
		_ = s.tcp.Shutdown()
	}
}
