package backendtest

import (
	"context"
	"database/sql"
	"log/slog"
	"net/http/httptest"
	"os"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql"
	"hyundai-poc.com/backend/internal/api"
	"hyundai-poc.com/backend/internal/backend"
	"hyundai-poc.com/backend/internal/datapath"
	"hyundai-poc.com/dbserver"
	"hyundai-poc.com/dbserver/dbtest"
	"hyundai-poc.com/migrations"
)

// Server is the backend's handler on a real HTTP listener, wired in the
// test's process to real database servers, so tests can reach its parts.
type Server struct {
	URL       string
	Databases *datapath.Databases
	API       *api.Server
	// DB is a root connection to the test's database on the writer, for
	// checking what was (or was not) written.
	DB *sql.DB
}

// InProcessOptions describe the wiring; zero values give one server that
// is both writer and reader.
type InProcessOptions struct {
	Region     string
	WriterAddr string // default: the shared test server
	ReaderAddr string // default: WriterAddr
	DBName     string // default: a fresh database on the shared server
	User       string // default: the harness's application user
	Password   string
	Resolver   string
	Tune       func(*datapath.Options)
	TuneAPI    func(*api.Server)
	// Log receives the backend's log; by default it is discarded, or
	// written to stderr from warnings up under -v.
	Log *slog.Logger
	// Writes is the lead intake: WRITE_HOLD and the region's queue (none
	// by default).
	Writes backend.Writes
}

// NewServer migrates a fresh database (unless DBName is given) and serves
// the API over it until the test ends.
func NewServer(t testing.TB, o InProcessOptions) *Server {
	t.Helper()
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	var admin *sql.DB
	if o.WriterAddr == "" {
		in := dbtest.Shared(t)
		name, _ := in.NewDatabase(t)
		o.DBName = name
		o.WriterAddr = in.Addr
		o.User = in.User
		o.Password = in.Password
		var err error
		admin, err = sql.Open("mysql", in.AdminDSN(name))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { admin.Close() })
		if _, err := migrations.Up(context.Background(), admin); err != nil {
			t.Fatal(err)
		}
	}
	if o.ReaderAddr == "" {
		o.ReaderAddr = o.WriterAddr
	}
	if o.User == "" {
		o.User = dbserver.AppUser
	}
	log := o.Log
	switch {
	case log != nil:
	case testing.Verbose():
		log = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	default:
		log = slog.New(slog.DiscardHandler)
	}
	opts := datapath.Options{
		Region: o.Region, WriterAddr: o.WriterAddr, ReaderAddr: o.ReaderAddr, DBName: o.DBName,
		User: o.User, Password: o.Password, Resolver: o.Resolver,
		ConnectTimeout: time.Second, QueryTimeout: 3 * time.Second, ConnMaxLifetime: 30 * time.Second,
		MonitorInterval: 100 * time.Millisecond, ConsistencyWait: 500 * time.Millisecond, MaxReaderLag: 5 * time.Second,
		Log: log,
	}
	if o.Tune != nil {
		o.Tune(&opts)
	}
	b, err := backend.New(opts, o.Writes, log)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go b.Run(ctx)
	b.API.HealthCheckToken = HealthCheckToken
	if o.TuneAPI != nil {
		o.TuneAPI(b.API)
	}
	srv := httptest.NewServer(b.API.Handler())
	t.Cleanup(func() {
		srv.Close()
		cancel()
		b.Close()
	})
	return &Server{URL: srv.URL, Databases: b.Databases, API: b.API, DB: admin}
}
