package datapath_test

import (
	"context"
	"database/sql"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
	"hyundai-poc.com/backend/internal/datapath"
	"hyundai-poc.com/dbserver"
)

func open(t *testing.T, p *pair, region, writer, reader string, remotes ...datapath.RemoteReader) *datapath.Databases {
	t.Helper()
	c, err := datapath.New(datapath.Options{Region: region, WriterAddr: writer, ReaderAddr: reader, DBName: p.db,
		User: dbserver.AppUser, Password: p.primary.AppPass, ConnectTimeout: 500 * time.Millisecond, QueryTimeout: 2 * time.Second,
		ConnMaxLifetime: time.Minute, MonitorInterval: 100 * time.Millisecond, ConsistencyWait: 200 * time.Millisecond,
		MaxReaderLag: 5 * time.Second, RemoteReaders: remotes})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go c.Run(ctx)
	t.Cleanup(func() { cancel(); c.Close() })
	return c
}

func leads(ctx context.Context, db *sqlx.DB, n *int) error {
	return db.GetContext(ctx, n, "SELECT COUNT(*) FROM leads")
}

func closedPort(t *testing.T) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// A reader outside the writer's region is what the write queue trusts: in
// the writer's own region that is a remote reader, elsewhere the local one.
// And when neither local node answers, reads go to other regions' readers.
func TestReadsOutsideTheWritersRegion(t *testing.T) {
	p := startPair(t)
	ctx := context.Background()
	remote := datapath.RemoteReader{Region: "us-west-2", Addr: p.replica.Addr()}

	// us-east-1: writer and reader are the same node, in the writer's region.
	east := open(t, p, "us-east-1", p.primary.Addr(), p.primary.Addr(), remote)
	waitWriterRegion(t, east, "us-east-1")
	var n int
	regions, err := east.ReadOutside(ctx, func(ctx context.Context, db *sqlx.DB) error { return leads(ctx, db, &n) })
	if err != nil || len(regions) != 1 || regions[0] != "us-west-2" {
		t.Fatalf("from us-east-1: answered by %q, %v; want us-west-2", regions, err)
	}

	// us-west-2: its own reader is outside the writer's region.
	west := open(t, p, "us-west-2", p.primary.Addr(), p.replica.Addr())
	waitWriterRegion(t, west, "us-east-1")
	for deadline := time.Now().Add(10 * time.Second); !west.Status().Reader.Healthy; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("reader never healthy")
		}
	}
	regions, err = west.ReadOutside(ctx, func(ctx context.Context, db *sqlx.DB) error { return leads(ctx, db, &n) })
	if err != nil || len(regions) != 1 || regions[0] != "us-west-2" {
		t.Fatalf("from us-west-2: answered by %q, %v", regions, err)
	}

	// A reader outside the writer's region that does not answer is
	// skipped: it cannot be promoted while down, and the answer comes from
	// those that do answer.
	gone := open(t, p, "us-east-1", p.primary.Addr(), p.primary.Addr(), remote, datapath.RemoteReader{Region: "ap-northeast-2", Addr: closedPort(t)})
	waitWriterRegion(t, gone, "us-east-1")
	for range 2 {
		regions, err = gone.ReadOutside(ctx, func(ctx context.Context, db *sqlx.DB) error { return leads(ctx, db, &n) })
		if err != nil || len(regions) != 1 || regions[0] != "us-west-2" {
			t.Fatalf("one reader outside down: answered by %q, %v; want us-west-2 alone", regions, err)
		}
	}

	// When no reader outside the writer's region answers, nothing is
	// confirmed.
	none := open(t, p, "us-east-1", p.primary.Addr(), p.primary.Addr(), datapath.RemoteReader{Region: "ap-northeast-2", Addr: closedPort(t)})
	waitWriterRegion(t, none, "us-east-1")
	if _, err := none.ReadOutside(ctx, func(ctx context.Context, db *sqlx.DB) error { return leads(ctx, db, &n) }); !errors.Is(err, datapath.ErrNoReaderElsewhere) {
		t.Fatalf("every reader outside down: %v", err)
	}

	// Without any reader outside the writer's region there is no answer.
	alone := open(t, p, "us-east-1", p.primary.Addr(), p.primary.Addr())
	waitWriterRegion(t, alone, "us-east-1")
	if _, err := alone.ReadOutside(ctx, func(ctx context.Context, db *sqlx.DB) error { return leads(ctx, db, &n) }); !errors.Is(err, datapath.ErrNoReaderElsewhere) {
		t.Fatalf("no remote readers: %v", err)
	}

	// Both local endpoints dead: another region's reader answers.
	dead := open(t, p, "ap-northeast-2", closedPort(t), closedPort(t), remote)
	region, err := dead.ReadRemote(ctx, func(ctx context.Context, db *sqlx.DB) error {
		return db.GetContext(ctx, new(string), "SELECT id FROM leads WHERE id = 'none'")
	})
	if region != "us-west-2" || !errors.Is(err, sql.ErrNoRows) {
		t.Fatalf("remote read: %q, %v; want us-west-2 answering not found", region, err)
	}
}

func waitWriterRegion(t *testing.T, c *datapath.Databases, want string) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); c.Status().Writer.Region != want; time.Sleep(50 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("writer region %q, want %q", c.Status().Writer.Region, want)
		}
	}
}

// A reader that accepts connections and never answers (a cut link) is
// asked once; after that it is skipped, not waited for, until a probe in
// the background finds it answering.
func TestSilentRemoteReaderIsSkipped(t *testing.T) {
	p := startPair(t)
	ctx := context.Background()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var accepted atomic.Int64
	var held []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			mu.Lock()
			held = append(held, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range held {
			c.Close()
		}
	})
	east := open(t, p, "us-east-1", p.primary.Addr(), p.primary.Addr(),
		datapath.RemoteReader{Region: "ap-northeast-2", Addr: l.Addr().String()},
		datapath.RemoteReader{Region: "us-west-2", Addr: p.replica.Addr()})
	waitWriterRegion(t, east, "us-east-1")
	var n int
	count := func(ctx context.Context, db *sqlx.DB) error { return leads(ctx, db, &n) }
	regions, err := east.ReadOutside(ctx, count)
	if err != nil || len(regions) != 1 || regions[0] != "us-west-2" {
		t.Fatalf("answered by %q, %v; want us-west-2 alone", regions, err)
	}
	before := accepted.Load()
	if before == 0 {
		t.Fatal("the silent reader was never asked")
	}
	for range 3 {
		if regions, err := east.ReadOutside(ctx, count); err != nil || len(regions) != 1 {
			t.Fatalf("answered by %q, %v", regions, err)
		}
		if _, err := east.ReadRemote(ctx, count); err != nil {
			t.Fatalf("read by id: %v", err)
		}
	}
	// The background probe may dial it again; the requests themselves do
	// not, so at most one probe's connection is added per second.
	if got := accepted.Load(); got > before+3 {
		t.Fatalf("the silent reader was dialled %d more times", got-before)
	}
}
