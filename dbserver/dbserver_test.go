package dbserver_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	"hyundai-poc.com/dbserver"
)

func TestReplicationAndPromotion(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	primary, err := dbserver.Start(ctx, dbserver.Options{Name: "primary", ReportHost: "us-east-1"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(primary.Stop)
	replica, err := dbserver.Start(ctx, dbserver.Options{Name: "replica", ReportHost: "us-west-2"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(replica.Stop)

	if err := replica.ReplicateFrom(ctx, primary.Addr(), primary.ReplPass); err != nil {
		t.Fatal(err)
	}
	if err := primary.CreateDatabase(ctx, "app"); err != nil {
		t.Fatal(err)
	}
	if err := primary.Exec(ctx, "CREATE TABLE app.t (id INT PRIMARY KEY)", "INSERT INTO app.t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	pos, err := primary.GTIDBinlogPos(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := replica.WaitForGTID(ctx, pos, 10*time.Second); err != nil {
		t.Fatal(err)
	}

	app, err := sql.Open("mysql", replica.AppDSN("", "app"))
	if err != nil {
		t.Fatal(err)
	}
	defer app.Close()
	var n int
	if err := app.QueryRowContext(ctx, "SELECT COUNT(*) FROM t").Scan(&n); err != nil || n != 1 {
		t.Fatalf("replica rows = %d, %v; want 1", n, err)
	}
	var host string
	if err := app.QueryRowContext(ctx, "SELECT @@report_host").Scan(&host); err != nil || host != "us-west-2" {
		t.Fatalf("report_host = %q, %v", host, err)
	}
	// The application's user must be refused on a read_only replica.
	if _, err := app.ExecContext(ctx, "INSERT INTO t VALUES (2)"); err == nil {
		t.Fatal("app user wrote to a read_only replica")
	}

	st, ok, err := replica.ReplicaStatus(ctx)
	if err != nil || !ok || !st.IORunning || !st.SQLRunning {
		t.Fatalf("replica status %+v ok=%v err=%v", st, ok, err)
	}

	primary.Kill()
	if err := replica.Promote(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := app.ExecContext(ctx, "INSERT INTO t VALUES (2)"); err != nil {
		t.Fatalf("write after promotion: %v", err)
	}
	if _, ok, _ := replica.ReplicaStatus(ctx); ok {
		t.Fatal("promoted server still has a replication source")
	}
}
