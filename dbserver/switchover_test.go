package dbserver_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"hyundai-poc.com/dbserver"
)

// A switchover leaves the old writer fenced and the new one writable with
// everything the old one had; the name moves last.
func TestSwitchoverMovesTheWriterWithNoLoss(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts database servers")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	w, r, err := dbserver.StartPair(ctx, dbserver.Options{Name: "east", Host: "127.0.0.1"}, dbserver.Options{Name: "west", Host: "127.0.0.2"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	t.Cleanup(r.Stop)
	if w.Port != r.Port {
		t.Errorf("pair on ports %d and %d, want one port", w.Port, r.Port)
	}
	if err := w.CreateDatabase(ctx, "app"); err != nil {
		t.Fatal(err)
	}
	if err := w.Exec(ctx, "CREATE TABLE app.t (id INT PRIMARY KEY)", "INSERT INTO app.t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	var pointed *dbserver.Server
	m, err := dbserver.Switchover(ctx, dbserver.Move{From: w, To: r, PointName: func() { pointed = r }})
	if err != nil {
		t.Fatal(err)
	}
	if pointed != r || m.OldPos == "" || m.OldPos != m.NewPos || len(m.Steps) != 5 {
		t.Fatalf("moved %+v, name pointed at %v", m, pointed)
	}
	app := func(s *dbserver.Server) *sql.DB {
		db, err := sql.Open("mysql", s.AppDSN("", "app"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	if _, err := app(w).ExecContext(ctx, "INSERT INTO t VALUES (2)"); err == nil {
		t.Fatal("the old writer still takes the application's writes")
	}
	if _, err := app(r).ExecContext(ctx, "INSERT INTO t VALUES (3)"); err != nil {
		t.Fatalf("the new writer: %v", err)
	}
	var n int
	if err := app(r).QueryRowContext(ctx, "SELECT COUNT(*) FROM t").Scan(&n); err != nil || n != 2 {
		t.Fatalf("new writer has %d rows (%v), want 2", n, err)
	}
}

// A failover of an idle writer loses nothing, and the survivor takes writes.
func TestFailoverOfAnIdleWriterLacksNothing(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("starts database servers")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	w, r, err := dbserver.StartPair(ctx, dbserver.Options{Name: "east"}, dbserver.Options{Name: "west"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	t.Cleanup(r.Stop)
	if err := w.CreateDatabase(ctx, "app"); err != nil {
		t.Fatal(err)
	}
	if _, err := dbserver.WaitReplicated(ctx, w, 10*time.Second, r); err != nil {
		t.Fatal(err)
	}
	m, err := dbserver.Failover(ctx, dbserver.Move{From: w, To: r})
	if err != nil {
		t.Fatal(err)
	}
	if w.Running() || m.Lacked != 0 {
		t.Fatalf("after failover: old writer running %v, lacked %d", w.Running(), m.Lacked)
	}
	db, err := sql.Open("mysql", r.AppDSN("", "app"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE TABLE t (id INT PRIMARY KEY)"); err != nil {
		t.Fatalf("the promoted server refuses the application's writes: %v", err)
	}
}
