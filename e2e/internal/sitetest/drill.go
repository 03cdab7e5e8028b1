package sitetest

import (
	"context"
	"net"
	"strconv"
	"testing"
	"time"

	"hyundai-poc.com/backend/backendtest"
	"hyundai-poc.com/dbserver"
	"hyundai-poc.com/dbserver/dnsserver"
)

// Drill is a region whose database writer can move, as in the lab's
// drills: a writer node in us-east-1 and a replica in us-west-2 on the same
// port at two loopback addresses, names served by a DNS server of the
// test's own (TTL 1 s), and us-west-2's backend resolving them through it.
type Drill struct {
	West            *Backend
	dns             *dnsserver.Server
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
	writer, replica := startPair(t, "127.77.1.1", "127.77.2.1")
	ctx := t.Context()
	dns, err := dnsserver.Start(ctx, dnsserver.Options{Addr: "127.0.0.1:0", TTL: time.Second, Cache: true})
	if err != nil {
		t.Fatalf("dns: %v", err)
	}
	t.Cleanup(dns.Close)
	dns.Set(writerName, net.ParseIP(writer.Host))
	dns.Set(readerName, net.ParseIP(replica.Host))

	const db = "marketing"
	if err := writer.CreateDatabase(ctx, db); err != nil {
		t.Fatal(err)
	}
	p := backendtest.Start(t, backendtest.Options{Region: "us-west-2", WriterAddr: writerName, ReaderAddr: readerName,
		DBName: db, User: dbserver.AppUser, Password: writer.AppPass,
		Env: map[string]string{"DB_RESOLVER": dns.Addr, "DB_PORT": strconv.Itoa(writer.Port)}})
	p.WaitReady(t)
	return &Drill{West: newBackend(t, p, "us-west-2", writer.AppDSN("", db)), dns: dns, writer: writer, replica: replica}
}

// Switchover moves the writer to us-west-2 the planned way
// (dbserver.Switchover): fence the old writer, let the replica catch up,
// promote it, point the name at it.
func (d *Drill) Switchover(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := dbserver.Switchover(ctx, dbserver.Move{From: d.writer, To: d.replica, CatchUp: 10 * time.Second,
		PointName: func() { d.dns.Set(writerName, net.ParseIP(d.replica.Host)) }})
	if err != nil {
		t.Fatalf("switchover: %v", err)
	}
}
