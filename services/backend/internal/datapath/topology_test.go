package datapath_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/miekg/dns"
	"hyundai-poc.com/dbserver"
	"hyundai-poc.com/dbserver/dbtest"
	"hyundai-poc.com/migrations"

	"database/sql"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// zone is a small authoritative DNS server of the test's own: moving the
// writer changes only its answers, as in AWS.
type zone struct {
	mu      sync.Mutex
	records map[string]string // fqdn -> IPv4
	addr    string
	srv     *dns.Server
}

func startZone(t *testing.T) *zone {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	z := &zone{records: map[string]string{}, addr: pc.LocalAddr().String()}
	z.srv = &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(z.serve)}
	started := make(chan struct{})
	z.srv.NotifyStartedFunc = func() { close(started) }
	go func() { _ = z.srv.ActivateAndServe() }()
	<-started
	t.Cleanup(func() { _ = z.srv.Shutdown() })
	return z
}

func (z *zone) set(name, ip string) {
	z.mu.Lock()
	defer z.mu.Unlock()
	z.records[dns.Fqdn(name)] = ip
}

func (z *zone) serve(w dns.ResponseWriter, r *dns.Msg) {
	m := new(dns.Msg)
	m.SetReply(r)
	m.Authoritative = true
	for _, q := range r.Question {
		z.mu.Lock()
		ip, ok := z.records[strings.ToLower(q.Name)]
		z.mu.Unlock()
		switch {
		case !ok:
			m.Rcode = dns.RcodeNameError
		case q.Qtype == dns.TypeA:
			m.Answer = append(m.Answer, &dns.A{Hdr: dns.RR_Header{Name: q.Name, Rrtype: dns.TypeA, Class: dns.ClassINET, Ttl: 1}, A: net.ParseIP(ip)})
		}
	}
	_ = w.WriteMsg(m)
}

// pair is a primary and a GTID replica on two loopback addresses sharing
// one port, behind the names writer.db.test and reader.db.test.
type pair struct {
	primary, replica *dbserver.Server
	zone             *zone
	port             int
	db               string
}

const (
	writerName = "writer.db.test"
	readerName = "reader.db.test"
)

func (p *pair) writerAddr() string { return fmt.Sprintf("%s:%d", writerName, p.port) }
func (p *pair) readerAddr() string { return fmt.Sprintf("%s:%d", readerName, p.port) }

func startPair(t *testing.T) *pair {
	t.Helper()
	if testing.Short() {
		t.Skip("starts database servers")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	b := make([]byte, 2)
	_, _ = rand.Read(b)
	base := fmt.Sprintf("127.%d.%d.", 100+int(b[0])%100, b[1])
	port, err := dbserver.FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	p := &pair{port: port, db: "marketing"}
	p.primary, err = dbserver.Start(ctx, dbserver.Options{Name: "primary", Host: base + "1", Port: port, ReportHost: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.primary.Stop)
	p.replica, err = dbserver.Start(ctx, dbserver.Options{Name: "replica", Host: base + "2", Port: port, ReportHost: "us-west-2",
		AppPassword: p.primary.AppPass, ReplPassword: p.primary.ReplPass})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.replica.Stop)
	if err := p.replica.ReplicateFrom(ctx, p.primary.Addr(), p.primary.ReplPass); err != nil {
		t.Fatal(err)
	}
	if err := p.primary.CreateDatabase(ctx, p.db); err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("mysql", p.primary.RootDSN(p.db))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := migrations.Up(ctx, db); err != nil {
		t.Fatal(err)
	}
	p.waitReplicated(t)
	p.zone = startZone(t)
	p.zone.set(writerName, p.primary.Host)
	p.zone.set(readerName, p.replica.Host)
	return p
}

func (p *pair) waitReplicated(t *testing.T) {
	t.Helper()
	ctx := context.Background()
	pos, err := p.primary.GTIDBinlogPos(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := p.replica.WaitForGTID(ctx, pos, 20*time.Second); err != nil {
		t.Fatal(err)
	}
}

func count(t *testing.T, s *dbserver.Server, db, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.Admin().QueryRow(strings.ReplaceAll(query, "{db}", "`"+db+"`"), args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
