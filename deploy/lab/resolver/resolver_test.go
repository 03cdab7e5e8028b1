package resolver

import (
	"context"
	"net"
	"testing"
	"time"

	"github.com/miekg/dns"
)

func TestAnswersAndMoves(t *testing.T) {
	// One free port number for both UDP and TCP, as a DNS server needs.
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := pc.LocalAddr().String()
	pc.Close()
	s, err := Start(context.Background(), addr, time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
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
	if in := ask("WRITER.db.lab", dns.TypeA); len(in.Answer) != 1 || in.Answer[0].(*dns.A).A.String() != "127.9.1.12" {
		t.Fatalf("after move: %v", in.Answer)
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
	r := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, network, addr)
	}}
	ips, err := r.LookupHost(context.Background(), "writer.db.lab")
	if err != nil || len(ips) != 1 || ips[0] != "127.9.1.12" {
		t.Fatalf("LookupHost = %v, %v", ips, err)
	}
}
