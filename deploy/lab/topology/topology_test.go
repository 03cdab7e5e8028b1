package topology

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	"hyundai-poc.com/dbserver"
	"hyundai-poc.com/dnsresolver"
	"hyundai-poc.com/lab/link"
	"hyundai-poc.com/lab/loopback"
	"hyundai-poc.com/lab/timing"
)

func testTable(t *testing.T) *link.Table {
	t.Helper()
	tb, err := link.LoadTable("../rtt.json")
	if err != nil {
		t.Fatal(err)
	}
	return tb
}

// lookup asks region's DNS server for name, as a backend with DB_RESOLVER would.
func lookup(t *testing.T, l loopback.Layout, region, name string) string {
	t.Helper()
	ips, err := dnsresolver.At(l.DNSAddr(region)).LookupHost(context.Background(), name)
	if err != nil || len(ips) != 1 {
		t.Fatalf("lookup %s at %s: %v %v", name, region, ips, err)
	}
	return ips[0]
}

// startGlobal starts three database servers with the writer in us-east-1
// on loopback net 127.<octet>.x.x, ports shifted by offset so parallel
// tests do not meet, and the timing profile prof (none when zero). It
// skips in -short and where MariaDB is not installed.
func startGlobal(t *testing.T, octet, offset int, prof timing.Profile) (*GlobalDatabase, loopback.Layout) {
	t.Helper()
	if testing.Short() {
		t.Skip("starts three database servers")
	}
	if _, err := dbserver.FindBinaries(); err != nil {
		t.Skip(err)
	}
	tb := testTable(t)
	l := loopback.Default(tb.Regions())
	l.Net, l.PortOffset = octet, offset
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	c, err := Start(context.Background(), Config{Layout: l, Table: tb, Dir: dir, TTL: time.Second, Writer: "us-east-1", Timing: prof, Log: t.Logf})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return c, l
}

func TestSwitchoverFailoverRejoinAndOutages(t *testing.T) {
	t.Parallel()
	c, l := startGlobal(t, 79, 700, timing.Profile{})
	ctx := context.Background()

	if got, want := lookup(t, l, "ap-northeast-2", l.WriterName()), l.LinkHost("ap-northeast-2", "us-east-1"); got != want {
		t.Fatalf("writer from Seoul = %s, want %s", got, want)
	}
	if got, want := lookup(t, l, "us-west-2", l.ReaderName("us-west-2")), l.LinkHost("us-west-2", "us-west-2"); got != want {
		t.Fatalf("Oregon reader = %s, want %s", got, want)
	}

	// The application's user, through the link the backend would use.
	open := func(from, to string) *sql.DB {
		db, err := sql.Open("mysql", fmt.Sprintf("%s:%s@tcp(%s)/%s?timeout=2s", c.AppUser(), c.AppPassword(), l.LinkAddr(from, to), DBName))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	if _, err := open("us-west-2", "us-east-1").Exec("CREATE TABLE t (id INT PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	insert := func(from, to string, id int) error {
		_, err := open(from, to).Exec("INSERT INTO t VALUES (?)", id)
		return err
	}
	if err := insert("us-west-2", "us-east-1", 1); err != nil {
		t.Fatal(err)
	}

	res, err := c.Switchover(ctx, "us-west-2")
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res.Message, res.Steps)
	if c.Writer() != "us-west-2" {
		t.Fatalf("writer = %s", c.Writer())
	}
	// Seoul's resolver keeps its earlier answer for the TTL (1 s here).
	for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		got, want := lookup(t, l, "ap-northeast-2", l.WriterName()), l.LinkHost("ap-northeast-2", "us-west-2")
		if got == want {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("writer from Seoul after switchover = %s, want %s", got, want)
		}
	}
	if err := insert("us-east-1", "us-east-1", 2); err == nil {
		t.Fatal("old writer still takes writes from the application's user")
	}
	if err := insert("us-east-1", "us-west-2", 3); err != nil {
		t.Fatalf("new writer: %v", err)
	}
	if err := c.WaitReplicated(ctx, 10*time.Second); err != nil {
		t.Fatalf("replicas after switchover: %v", err)
	}
	var n int
	if err := open("us-east-1", "us-east-1").QueryRow("SELECT COUNT(*) FROM t").Scan(&n); err != nil || n != 2 {
		t.Fatalf("old writer as replica has %d rows (%v), want 2", n, err)
	}

	res, err = c.Failover(ctx, "ap-northeast-2")
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res.Message, res.Steps)
	if res.Lacked != 0 {
		t.Fatalf("idle writer failed over with %d transactions lacking", res.Lacked)
	}
	if err := insert("us-east-1", "ap-northeast-2", 4); err != nil {
		t.Fatalf("promoted writer: %v", err)
	}
	if err := c.WaitReplicated(ctx, 10*time.Second); err != nil {
		t.Fatalf("replicas after failover: %v", err)
	}
	st := c.Status(ctx)
	roles := map[string]string{}
	for _, s := range st {
		roles[s.Region] = s.Role
	}
	if roles["us-west-2"] != "down" || roles["ap-northeast-2"] != "writer" || roles["us-east-1"] != "replica" {
		t.Fatalf("roles after failover: %v", roles)
	}
	counts, err := c.CountKeys(ctx, "health_checks", []string{"x"})
	if err == nil || counts != nil {
		// No such table in this test's schema: the error must say so.
		t.Logf("count keys: %v %v", counts, err)
	}
	if _, err := c.Switchover(ctx, "us-west-2"); err == nil {
		t.Fatal("switchover to a dead node accepted")
	}
	if _, err := c.Rejoin(ctx, "us-east-1"); err == nil {
		t.Fatal("rejoin of a running node accepted")
	}
	res, err = c.Rejoin(ctx, "us-west-2")
	if err != nil {
		t.Fatal(err)
	}
	t.Log(res.Message, res.Steps)
	if err := open("us-west-2", "us-west-2").QueryRow("SELECT COUNT(*) FROM t").Scan(&n); err != nil || n != 3 {
		t.Fatalf("rebuilt node has %d rows (%v), want all 3", n, err)
	}
	if err := insert("us-west-2", "us-west-2", 99); err == nil {
		t.Fatal("rebuilt node takes writes from the application's user")
	}

	if _, err := c.SetReaderStopped("us-east-1", true); err != nil {
		t.Fatal(err)
	}
	if err := insert("us-east-1", "us-east-1", 5); err == nil {
		t.Fatal("stopped reader accepted a connection")
	}
	if _, err := c.SetReaderStopped("us-east-1", false); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Isolate("us-east-1", true); err != nil {
		t.Fatal(err)
	}
	if err := insert("us-east-1", "ap-northeast-2", 6); err == nil {
		t.Fatal("isolated region reached the writer")
	}
	if _, err := c.Isolate("us-east-1", false); err != nil {
		t.Fatal(err)
	}
	if err := insert("us-east-1", "ap-northeast-2", 7); err != nil {
		t.Fatalf("healed region: %v", err)
	}
}
