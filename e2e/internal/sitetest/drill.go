package sitetest

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"strconv"
	"testing"
	"time"

	"hyundai-poc.com/backend/backendtest"
	"hyundai-poc.com/dbserver"
	"hyundai-poc.com/lab/resolver"
)

// Drill is a region whose database writer can move, as in the lab's
// drills: a writer node in us-east-1 and a replica in us-west-2 on the same
// port at two loopback addresses, names served by a DNS server of the
// test's own (TTL 1 s), and us-west-2's backend resolving them through it.
type Drill struct {
	West            *Backend
	dns             *resolver.Server
	writer, replica *dbserver.Server
}

const (
	writerName = "writer.db.test"
	readerName = "reader.us-west-2.db.test"
)

// StartDrill starts the servers, the DNS and the backend; all stop when
// the test ends.
func StartDrill(t testing.TB) *Drill {
	t.Helper()
	if testing.Short() {
		t.Skip("needs database servers and a backend (not in -short)")
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	hosts := []string{"127.77.1.1", "127.77.2.1"}
	port := sharedPort(t, hosts)
	writer, err := dbserver.Start(ctx, dbserver.Options{Name: "us-east-1", Host: hosts[0], Port: port, ReportHost: "us-east-1"})
	if err != nil {
		t.Fatalf("writer: %v", err)
	}
	t.Cleanup(writer.Stop)
	replica, err := dbserver.Start(ctx, dbserver.Options{Name: "us-west-2", Host: hosts[1], Port: port, ReportHost: "us-west-2",
		AppPassword: writer.AppPass, ReplPassword: writer.ReplPass})
	if err != nil {
		t.Fatalf("replica: %v", err)
	}
	t.Cleanup(replica.Stop)
	if err := replica.ReplicateFrom(ctx, writer.Addr(), writer.ReplPass); err != nil {
		t.Fatalf("replication: %v", err)
	}
	dnsPort, err := dbserver.FreePort("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	dns, err := resolver.Start(ctx, net.JoinHostPort("127.0.0.1", strconv.Itoa(dnsPort)), time.Second)
	if err != nil {
		t.Fatalf("dns: %v", err)
	}
	t.Cleanup(dns.Close)
	dns.Set(writerName, net.ParseIP(hosts[0]))
	dns.Set(readerName, net.ParseIP(hosts[1]))

	const db = "marketing"
	if err := writer.CreateDatabase(ctx, db); err != nil {
		t.Fatal(err)
	}
	p := backendtest.Start(t, backendtest.Options{Region: "us-west-2", WriterAddr: writerName, ReaderAddr: readerName,
		DBName: db, User: dbserver.AppUser, Password: writer.AppPass,
		Env: map[string]string{"DB_RESOLVER": dns.Addr, "DB_PORT": strconv.Itoa(port)}})
	p.WaitReady(t)
	conn, err := sql.Open("mysql", writer.AppDSN("", db))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &Drill{West: &Backend{URL: p.URL, Region: "us-west-2", DB: conn, Proc: p}, dns: dns, writer: writer, replica: replica}
}

// Switchover moves the writer to us-west-2 the planned way: fence the old
// writer, let the replica catch up, promote it, point the name at it.
func (d *Drill) Switchover(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := d.writer.SetReadOnly(ctx, true); err != nil {
		t.Fatalf("fence: %v", err)
	}
	pos, err := d.writer.GTIDBinlogPos(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.replica.WaitForGTID(ctx, pos, 10*time.Second); err != nil {
		t.Fatalf("catch up: %v", err)
	}
	if err := d.replica.Promote(ctx); err != nil {
		t.Fatalf("promote: %v", err)
	}
	d.dns.Set(writerName, net.ParseIP(d.replica.Host))
}

// sharedPort finds a port free on every host, as nodes of one cluster
// listen on one port at different addresses.
func sharedPort(t testing.TB, hosts []string) int {
	t.Helper()
	for range 20 {
		port, err := dbserver.FreePort(hosts[0])
		if err != nil {
			t.Fatal(err)
		}
		free := true
		for _, h := range hosts[1:] {
			ln, err := net.Listen("tcp", net.JoinHostPort(h, strconv.Itoa(port)))
			if err != nil {
				free = false
				break
			}
			ln.Close()
		}
		if free {
			return port
		}
	}
	t.Fatal(fmt.Errorf("no port free on all of %v", hosts))
	return 0
}
