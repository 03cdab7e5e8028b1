package sitetest

import (
	"context"
	"database/sql"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql" // the database/sql driver for the checks below

	"hyundai-poc.com/backend/backendtest"
	"hyundai-poc.com/dbserver"
)

// Backend is the real backend binary on a fresh database of the test
// binary's shared MariaDB server, migrated and seeded.
type Backend struct {
	URL    string
	Region string
	// DB is the test's database, for checking what the site wrote.
	DB   *sql.DB
	Proc *backendtest.Process
}

// StartBackend starts a backend for region; it stops when the test ends.
// The test binary's TestMain must call dbtest.Main.
func StartBackend(t testing.TB, region string) *Backend {
	t.Helper()
	if testing.Short() {
		t.Skip("needs a database server and the backend (not in -short)")
	}
	p, dsn := backendtest.WithDatabase(t, region, nil)
	return newBackend(t, p, region, dsn)
}

// newBackend is a running backend with a pool on the database at dsn,
// closed when the test ends.
func newBackend(t testing.TB, p *backendtest.Process, region, dsn string) *Backend {
	t.Helper()
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return &Backend{URL: p.URL, Region: region, DB: db, Proc: p}
}

// LeadCount is how many leads the database holds.
func (b *Backend) LeadCount(t testing.TB) int {
	t.Helper()
	var n int
	if err := b.DB.QueryRowContext(context.Background(), "SELECT COUNT(*) FROM leads").Scan(&n); err != nil {
		t.Fatalf("count leads: %v", err)
	}
	return n
}

// CampaignTitles are the titles of the market's campaigns in the database.
func (b *Backend) CampaignTitles(t testing.TB, market string) []string {
	t.Helper()
	rows, err := b.DB.QueryContext(context.Background(), "SELECT title FROM campaigns WHERE market = ? ORDER BY priority DESC", market)
	if err != nil {
		t.Fatalf("campaigns: %v", err)
	}
	defer rows.Close()
	var titles []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		titles = append(titles, s)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	if len(titles) == 0 {
		t.Fatalf("no %s campaigns in the database", market)
	}
	return titles
}

// Regions is a small two-region system on real replication: a writer whose
// node reports us-east-1, a GTID replica that reports us-west-2, and a
// backend per region (us-west-2 reads from its replica, both write to the
// writer), as the lab lays them out.
type Regions struct {
	East, West *Backend
}

// StartRegions starts the two servers and the two backends; all stop when
// the test ends.
func StartRegions(t testing.TB) *Regions {
	t.Helper()
	writer, replica := startPair(t, "", "")
	ctx := t.Context()
	const db = "marketing"
	if err := writer.CreateDatabase(ctx, db); err != nil {
		t.Fatal(err)
	}
	start := func(region, reader string, skipMigrate bool) *Backend {
		p := backendtest.Start(t, backendtest.Options{Region: region, WriterAddr: writer.Addr(), ReaderAddr: reader,
			DBName: db, User: dbserver.AppUser, Password: writer.AppPass, SkipMigrate: skipMigrate})
		p.WaitReady(t)
		return newBackend(t, p, region, writer.AppDSN("", db))
	}
	r := &Regions{East: start("us-east-1", writer.Addr(), false)}
	r.West = start("us-west-2", replica.Addr(), true)
	return r
}

// startPair starts a us-east-1 writer and its us-west-2 replica at hosts
// (127.0.0.1 when empty), both stopped when the test ends. In -short the
// test is skipped.
func startPair(t testing.TB, writerHost, replicaHost string) (writer, replica *dbserver.Server) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs database servers and a backend (not in -short)")
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	writer, replica, err := dbserver.StartPair(ctx,
		dbserver.Options{Name: "us-east-1", Host: writerHost, ReportHost: "us-east-1"},
		dbserver.Options{Name: "us-west-2", Host: replicaHost, ReportHost: "us-west-2"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(writer.Stop)
	t.Cleanup(replica.Stop)
	return writer, replica
}
