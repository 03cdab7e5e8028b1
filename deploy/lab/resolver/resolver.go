// Package resolver is a region's DNS server in the lab: it answers the
// database endpoint names (the global writer and each region's reader) with
// the address at which that region reaches the node behind the name, as
// Route53's private zones and Aurora's cluster endpoints do in AWS.
//
// It answers as the region's caching resolver would: once an answer is
// given it is kept for the TTL, so a changed record becomes visible only
// when the cached answer expires, up to one TTL after the change.
package resolver

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/miekg/dns"
)

// Server answers A queries for the names it holds over UDP and TCP.
type Server struct {
	Addr  string
	ttl   uint32
	mu    sync.RWMutex
	recs  map[string]net.IP
	cache map[string]cached
	udp   *dns.Server
	tcp   *dns.Server
}

// Start listens on addr (host:port) and answers with ttl (whole seconds,
// at least 1).
func Start(ctx context.Context, addr string, ttl time.Duration) (*Server, error) {
	secs := uint32(ttl / time.Second)
	if secs < 1 {
		secs = 1
	}
	s := &Server{Addr: addr, ttl: secs, recs: map[string]net.IP{}, cache: map[string]cached{}}
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		return nil, fmt.Errorf("dns %s: %w", addr, err)
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		pc.Close()
		return nil, fmt.Errorf("dns %s: %w", addr, err)
	}
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
