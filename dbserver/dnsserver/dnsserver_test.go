package dnsserver

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/miekg/dns"
	"hyundai-poc.com/dnsresolver"
)

func start(t *testing.T, cache bool) *Server {
	t.Helper()
	s, err := Start(context.Background(), Options{Addr: "127.0.0.1:0", TTL: time.Second, Cache: cache})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	return s
}

func TestAnswersAndMoves(t *testing.T) {
	t.Parallel()
	s := start(t, true)
	addr := s.Addr
	s.Set("writer.db.lab", net.ParseIP("127.9.1.11"))

	ask := func(name string, qtype uint16) *dns.Msg {
		t.Helper()
		m := new(dns.Msg)
		m.SetQuestion(dns.Fqdn(name), qtype)
		in, err := dns.Exchange(m, addr)
		if err != nil {
			t.Fatalf("query %s: %v", name, err)
		}
		return in
	}
	in := ask("writer.db.lab", dns.TypeA)
	if len(in.Answer) != 1 || in.Answer[0].(*dns.A).A.String() != "127.9.1.11" || in.Answer[0].Header().Ttl != 1 {
		t.Fatalf("answer = %v", in.Answer)
	}
	s.Set("writer.db.lab.", net.ParseIP("127.9.1.12"))
	// The answer already given stays cached for its TTL, as a region's
	// resolver keeps it; then the move shows.
	if in := ask("WRITER.db.lab", dns.TypeA); len(in.Answer) != 1 || in.Answer[0].(*dns.A).A.String() != "127.9.1.11" {
		t.Fatalf("within the TTL of the first answer: %v", in.Answer)
	}
	deadline := time.Now().Add(3 * time.Second)
	for {
		in := ask("writer.db.lab", dns.TypeA)
		if len(in.Answer) == 1 && in.Answer[0].(*dns.A).A.String() == "127.9.1.12" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("move never became visible: %v", in.Answer)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if in := ask("writer.db.lab", dns.TypeAAAA); len(in.Answer) != 0 || in.Rcode != dns.RcodeSuccess {
		t.Fatalf("AAAA: rcode %d answer %v", in.Rcode, in.Answer)
	}
	if in := ask("nope.db.lab", dns.TypeA); in.Rcode != dns.RcodeNameError {
		t.Fatalf("unknown name in zone: rcode %d", in.Rcode)
	}
	if in := ask("example.com", dns.TypeA); in.Rcode != dns.RcodeRefused {
		t.Fatalf("outside zone: rcode %d", in.Rcode)
	}
	// The Go resolver, as the backend would use it with DB_RESOLVER.
	ips, err := dnsresolver.At(addr).LookupHost(context.Background(), "writer.db.lab")
	if err != nil || len(ips) != 1 || ips[0] != "127.9.1.12" {
		t.Fatalf("LookupHost = %v, %v", ips, err)
	}
}

// Without the cache a moved record is answered at once, as the zone itself
// answers.
func TestUncachedMoveIsSeenAtOnce(t *testing.T) {
	t.Parallel()
	s := start(t, false)
	r := dnsresolver.At(s.Addr)
	for _, ip := range []string{"127.9.1.11", "127.9.1.12"} {
		s.Set("writer.db.test", net.ParseIP(ip))
		ips, err := r.LookupHost(context.Background(), "writer.db.test")
		if err != nil || len(ips) != 1 || ips[0] != ip {
			t.Fatalf("after moving to %s: %v, %v", ip, ips, err)
		}
	}
}
