// Package dbtest gives tests a real database: one server per test binary
// (or the one named by TEST_MYSQL_DSN) and a fresh database per test, dropped
// when the test ends.
package dbtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"hyundai-poc.com/dbserver"
)

// Instance is where a test's databases live.
type Instance struct {
	// Server is the harness server, nil when TEST_MYSQL_DSN is used.
	Server *dbserver.Server
	// Addr, User and Password are what an application connects with:
	// the harness's non-SUPER user, or TEST_MYSQL_DSN's.
	Addr     string
	User     string
	Password string
	admin    *sql.DB
	// appDSN builds a DSN for the application's user; adminDSN a
	// privileged one.
	appDSN   func(db string) string
	adminDSN func(db string) string
}

var (
	shared    *Instance
	sharedErr error
	once      sync.Once
)

// Main wraps testing.M so the shared server is stopped after the run, and
// also when the run is interrupted with Ctrl-C.
func Main(m *testing.M) {
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		<-sig
		stopShared()
		os.Exit(130)
	}()
	code := m.Run()
	stopShared()
	os.Exit(code)
}

var (
	exitMu    sync.Mutex
	exitHooks []func()
)

// AtExit registers f to run when the test binary ends through Main, also
// on Ctrl-C: for what outlives single tests, such as a built binary.
func AtExit(f func()) {
	exitMu.Lock()
	defer exitMu.Unlock()
	exitHooks = append(exitHooks, f)
}

func stopShared() {
	if shared != nil && shared.Server != nil {
		shared.Server.Stop()
	}
	exitMu.Lock()
	hooks := exitHooks
	exitHooks = nil
	exitMu.Unlock()
	for _, f := range hooks {
		f()
	}
}

// Shared returns the test binary's server, starting it on first use.
func Shared(t testing.TB) *Instance {
	t.Helper()
	once.Do(func() { shared, sharedErr = start() })
	if sharedErr != nil {
		t.Fatalf("database server: %v", sharedErr)
	}
	return shared
}

func start() (*Instance, error) {
	if dsn := os.Getenv("TEST_MYSQL_DSN"); dsn != "" {
		cfg, err := mysql.ParseDSN(dsn)
		if err != nil {
			return nil, fmt.Errorf("TEST_MYSQL_DSN: %w", err)
		}
		admin, err := sql.Open("mysql", dsn)
		if err != nil {
			return nil, err
		}
		withDB := func(db string) string {
			c := cfg.Clone()
			c.DBName = db
			c.ParseTime = true
			return c.FormatDSN()
		}
		return &Instance{admin: admin, Addr: cfg.Addr, User: cfg.User, Password: cfg.Passwd, appDSN: withDB, adminDSN: withDB}, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	srv, err := dbserver.Start(ctx, dbserver.Options{Name: "test"})
	if err != nil {
		return nil, err
	}
	return &Instance{Server: srv, admin: srv.Admin(), Addr: srv.Addr(), User: dbserver.AppUser, Password: srv.AppPass,
		appDSN: func(db string) string { return srv.AppDSN("", db) }, adminDSN: srv.RootDSN}, nil
}

// NewDatabase creates an empty database for this test and returns its name
// and a DSN for the application's user. The database is dropped at cleanup.
func (in *Instance) NewDatabase(t testing.TB) (name, dsn string) {
	t.Helper()
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name = "t_" + hex.EncodeToString(b)
	ctx := context.Background()
	if _, err := in.admin.ExecContext(ctx, "CREATE DATABASE `"+name+"`"); err != nil {
		t.Fatalf("create database: %v", err)
	}
	t.Cleanup(func() { _, _ = in.admin.ExecContext(context.Background(), "DROP DATABASE IF EXISTS `"+name+"`") })
	return name, in.appDSN(name)
}

// AdminDSN is a privileged DSN for db.
func (in *Instance) AdminDSN(db string) string { return in.adminDSN(db) }

// Admin is a privileged pool on the instance.
func (in *Instance) Admin() *sql.DB { return in.admin }
