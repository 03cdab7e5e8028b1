// Command backend is the hyundai-poc.com API on :3001. It reads from this
// region's database reader and writes to the global writer.
//
//	backend               serve (also: backend serve)
//	backend migrate up    apply the embedded migrations through the writer
//	backend migrate status
//	backend probe [-n N] URL...   time requests from this region (the evidence kit runs it as a one-off task)
//	backend probe --query N       time simple reads through this region's reader endpoint
//
// Configuration comes only from the environment (see the config package).
package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"

	"hyundai-poc.com/backend/config"
	"hyundai-poc.com/backend/internal/backend"
	"hyundai-poc.com/backend/internal/datapath"
	"hyundai-poc.com/backend/internal/queue"
	"hyundai-poc.com/backend/internal/ratelimit"
	"hyundai-poc.com/backend/internal/secretstore"
	"hyundai-poc.com/dnsresolver"
	"hyundai-poc.com/migrations"
	"hyundai-poc.com/tracing"
)

// commit is set at build time (-ldflags -X main.commit=...).
var commit = "dev"

const usage = `usage: backend [serve]          serve the API on PORT
       backend migrate up       apply the embedded migrations through the writer
       backend migrate status   print the schema version
       backend probe [-n N] URL...  time N requests to each URL; one JSON report line on stdout
       backend probe --query N      time N simple reads through DB_READER_HOST
Configuration comes from the environment: REGION, PORT, DB_WRITER_HOST, DB_READER_HOST, ...`

func main() {
	args := os.Args[1:]
	var cmd string
	switch {
	case len(args) == 0 || len(args) == 1 && args[0] == "serve":
		cmd = "serve"
	case len(args) == 2 && args[0] == "migrate" && (args[1] == "up" || args[1] == "status"):
		cmd = args[1]
	case len(args) >= 1 && args[0] == "probe":
		os.Exit(probe(args[1:], os.Stdout, os.Stderr))
	case len(args) == 1 && (args[0] == "-h" || args[0] == "--help" || args[0] == "help"):
		fmt.Println(usage)
		return
	default:
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	cfg, err := config.Parse(os.Getenv)
	if err != nil {
		fmt.Fprintf(os.Stderr, "backend: invalid configuration:\n%v\n", err)
		os.Exit(2)
	}
	log := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: cfg.LogLevel})).
		With("service", "backend", "region", cfg.Region)
	if cmd == "serve" {
		err = run(cfg, log)
	} else {
		err = migrate(cfg, cmd)
	}
	if err != nil {
		log.Error("exiting", "error", err.Error())
		fmt.Fprintln(os.Stderr, "backend:", err)
		os.Exit(1)
	}
}

func run(cfg config.Config, log *slog.Logger) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log.Info("starting", "commit", commit, "config", cfg)
	backend.TuneGC()

	shutdownTracing, err := tracing.Setup(ctx, "backend", cfg.Region)
	if err != nil {
		return err
	}
	defer func() { _ = shutdownTracing(context.Background()) }()

	creds := datapath.NewCredentials(cfg.DBPassword, nil)
	if cfg.DBPasswordSecret != "" {
		sm, err := secretstore.New(ctx, cfg.Region)
		if err != nil {
			return err
		}
		creds = datapath.NewCredentials(cfg.DBPassword, secretstore.Password(sm, cfg.DBPasswordSecret))
	}
	b, err := backend.New(datapath.Options{
		Region: cfg.Region, WriterAddr: cfg.WriterAddr(), ReaderAddr: cfg.ReaderAddr(),
		DBName: cfg.DBName, User: cfg.DBUser, Password: cfg.DBPassword, Credentials: creds, Resolver: cfg.DBResolver,
		ConnectTimeout: cfg.DBConnectTimeout, QueryTimeout: cfg.DBQueryTimeout, ConnMaxLifetime: cfg.DBConnMaxLifetime,
		MonitorInterval: cfg.MonitorInterval, ConsistencyWait: cfg.ConsistencyWait, MaxReaderLag: cfg.MaxReaderLag,
		TokenKey:      []byte(cfg.TokenKey),
		RemoteReaders: remoteReaders(cfg.RemoteReaders),
	}, writes(cfg), log)
	if err != nil {
		return err
	}
	defer b.Close()
	monitorCtx, stopMonitor := context.WithCancel(context.Background())
	defer stopMonitor()
	go b.Run(monitorCtx)

	b.API.TrustedProxies = cfg.TrustedProxies
	// 100,000 clients' buckets is a few MB; beyond that they share one.
	b.API.WriteLimit = ratelimit.New(cfg.WriteRateLimit, cfg.WriteRateBurst, 100_000)
	b.API.HealthCheckToken = cfg.HealthCheckToken
	srv := &http.Server{
		Addr:              net.JoinHostPort("", strconv.Itoa(cfg.Port)),
		Handler:           b.API.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		// The ALB passes at most 64 KB of request headers; nothing larger
		// is a real client. net/http's default would be 1 MiB.
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	ln, err := net.Listen("tcp", srv.Addr)
	if err != nil {
		return err
	}
	serverErrors := make(chan error, 1)
	go func() { serverErrors <- srv.Serve(ln) }()
	log.Info("listening", "addr", ln.Addr().String())

	select {
	case err := <-serverErrors:
		return fmt.Errorf("server: %w", err)
	case <-ctx.Done():
		log.Info("shutting down")
		sctx, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil {
			_ = srv.Close()
			return fmt.Errorf("graceful shutdown: %w", err)
		}
		return nil
	}
}

func remoteReaders(rs []config.RemoteReader) []datapath.RemoteReader {
	out := make([]datapath.RemoteReader, len(rs))
	for i, r := range rs {
		out[i] = datapath.RemoteReader{Region: r.Region, Addr: r.Addr}
	}
	return out
}

// writes is the lead intake's part of the configuration: the hold and,
// when QUEUE_ADDR is set, the region's write queue.
func writes(cfg config.Config) backend.Writes {
	w := backend.Writes{Hold: cfg.WriteHold}
	if cfg.QueueAddr != "" {
		w.Queue = &queue.Options{Addr: cfg.QueueAddr, Username: cfg.QueueUser, Password: cfg.QueuePassword,
			TLS: cfg.QueueTLS, Cluster: cfg.QueueCluster}
	}
	return w
}

// migrate applies the embedded migrations through the writer endpoint,
// resolved the way the data path resolves it.
func migrate(cfg config.Config, cmd string) error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	mc := mysql.NewConfig()
	mc.User, mc.Passwd, mc.Net, mc.Addr, mc.DBName = cfg.DBUser, cfg.DBPassword, "tcp", cfg.WriterAddr(), cfg.DBName
	mc.ParseTime = true
	mc.MultiStatements = true
	mc.Timeout = cfg.DBConnectTimeout
	if cfg.DBResolver != "" {
		mc.DialFunc = dnsresolver.DialVia(dnsresolver.At(cfg.DBResolver))
	}
	conn, err := mysql.NewConnector(mc)
	if err != nil {
		return err
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	var ro, innoRO int
	if err := db.QueryRowContext(ctx, "SELECT @@global.read_only, @@global.innodb_read_only").Scan(&ro, &innoRO); err != nil {
		return fmt.Errorf("connect to writer %s: %w", cfg.WriterAddr(), err)
	}
	if ro != 0 || innoRO != 0 {
		return errors.New("the writer endpoint leads to a read-only node; migrations need the writer")
	}
	switch cmd {
	case "up":
		v, err := migrations.Up(ctx, db)
		if err != nil {
			return err
		}
		fmt.Printf("migrations applied; schema version %d\n", v)
	case "status":
		v, pending, err := migrations.Version(ctx, db)
		if err != nil {
			return err
		}
		fmt.Printf("schema version %d, %d pending\n", v, pending)
	}
	return nil
}
