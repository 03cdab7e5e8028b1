package datapath_test

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"hyundai-poc.com/dbserver"
	"hyundai-poc.com/dbserver/dbtest"
	"hyundai-poc.com/dbserver/dnsserver"
	"hyundai-poc.com/migrations"

	"database/sql"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// pair is a primary and a GTID replica on two loopback addresses sharing
// one port, behind the names writer.db.test and reader.db.test.
type pair struct {
	primary, replica *dbserver.Server
	dns              *dnsserver.Server
	db               string
}

const (
	writerName = "writer.db.test"
	readerName = "reader.db.test"
)

func (p *pair) writerAddr() string { return fmt.Sprintf("%s:%d", writerName, p.primary.Port) }
func (p *pair) readerAddr() string { return fmt.Sprintf("%s:%d", readerName, p.primary.Port) }

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
	p := &pair{db: "marketing"}
	var err error
	p.primary, p.replica, err = dbserver.StartPair(ctx,
		dbserver.Options{Name: "primary", Host: base + "1", ReportHost: "us-east-1"},
		dbserver.Options{Name: "replica", Host: base + "2", ReportHost: "us-west-2"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.primary.Stop)
	t.Cleanup(p.replica.Stop)
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
	// The zone itself, without a caching resolver in between: a moved
	// record is answered at once.
	if p.dns, err = dnsserver.Start(ctx, dnsserver.Options{Addr: "127.0.0.1:0", TTL: time.Second}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.dns.Close)
	p.setName(writerName, p.primary.Host)
	p.setName(readerName, p.replica.Host)
	return p
}

// setName points name at host, as moving an endpoint in AWS does.
func (p *pair) setName(name, host string) { p.dns.Set(name, net.ParseIP(host)) }

func (p *pair) waitReplicated(t *testing.T) {
	t.Helper()
	if _, err := dbserver.WaitReplicated(context.Background(), p.primary, 20*time.Second, p.replica); err != nil {
		t.Fatal(err)
	}
}

// switchover moves the writer to the replica the planned way
// (dbserver.Switchover) and returns when the writer name points at it.
func (p *pair) switchover(t *testing.T) time.Time {
	t.Helper()
	m, err := dbserver.Switchover(context.Background(), dbserver.Move{From: p.primary, To: p.replica, CatchUp: 20 * time.Second,
		PointName: func() { p.setName(writerName, p.replica.Host) }})
	if err != nil {
		t.Fatal(err)
	}
	return m.NamePointedAt
}

func count(t *testing.T, s *dbserver.Server, db, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.Admin().QueryRow(strings.ReplaceAll(query, "{db}", "`"+db+"`"), args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}
