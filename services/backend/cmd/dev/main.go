// Command dev runs one region on this machine for everyday development: a
// MariaDB server of its own (temporary, on a free port), the schema and
// seed data, and the backend binary beside it on :3001 (PORT to change).
// Ctrl-C stops both and removes the data.
package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	_ "github.com/go-sql-driver/mysql"
	"hyundai-poc.com/dbserver"
	"hyundai-poc.com/migrations"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "dev:", err)
		os.Exit(1)
	}
}

func run() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	self, err := os.Executable()
	if err != nil {
		return err
	}
	backend := filepath.Join(filepath.Dir(self), "backend")
	if _, err := os.Stat(backend); err != nil {
		return fmt.Errorf("no backend binary beside %s; run `make build` first", self)
	}
	region := os.Getenv("REGION")
	if region == "" {
		region = "us-east-1"
	}
	port := os.Getenv("PORT")
	if port == "" {
		port = "3001"
	}

	fmt.Println("dev: starting MariaDB...")
	t0 := time.Now()
	srv, err := dbserver.Start(ctx, dbserver.Options{Name: "dev", ReportHost: region})
	if err != nil {
		return err
	}
	defer srv.Stop()
	if err := srv.CreateDatabase(ctx, "marketing"); err != nil {
		return err
	}
	db, err := sql.Open("mysql", srv.RootDSN("marketing"))
	if err != nil {
		return err
	}
	v, err := migrations.Up(ctx, db)
	db.Close()
	if err != nil {
		return err
	}
	fmt.Printf("dev: MariaDB on %s, schema version %d (%s)\n", srv.Addr(), v, time.Since(t0).Round(time.Millisecond))

	cmd := exec.CommandContext(ctx, backend)
	cmd.Env = append(os.Environ(), "REGION="+region, "PORT="+port, "DB_WRITER_HOST="+srv.Addr(), "DB_READER_HOST="+srv.Addr(),
		"DB_NAME=marketing", "DB_USER="+dbserver.AppUser, "DB_PASSWORD="+srv.AppPass)
	cmd.Stdout, cmd.Stderr = os.Stdout, os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	if err := cmd.Start(); err != nil {
		return err
	}
	fmt.Printf("dev: backend on http://localhost:%s (try /api/region, /api/vehicles?market=US); Ctrl-C stops everything\n", port)
	err = cmd.Wait()
	if ctx.Err() != nil {
		fmt.Println("dev: stopped; data removed")
		return nil
	}
	return fmt.Errorf("backend exited: %v", err)
}
