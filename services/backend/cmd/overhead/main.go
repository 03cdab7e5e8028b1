// Command overhead measures what the backend adds to the query behind
// GET /api/vehicles: the same statements against the same MariaDB (one
// started for the run by dbserver), at the same concurrency, through
// database/sql, through the backend's handler called in-process, and
// through HTTP on loopback, the modes taking turns in rounds so that
// whatever else loads the machine weighs on all of them alike. It prints
// latency, throughput, the difference and ratio to the raw query and
// whether the targets hold, and writes test-results/lab/overhead-*.json. --cpuprofile and --memprofile write a
// CPU and an allocation profile of one mode (--profile-mode, the HTTP one
// by default) for `go tool pprof`, run once more after the measured rounds.
//
//	overhead [--concurrency 8] [--duration 5s] [--rounds 5] [--procs 2] [--cpuprofile FILE] [--memprofile FILE] [--profile-mode handler|http]
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hyundai-poc.com/loadtest/revision"
	"hyundai-poc.com/reporoot"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"syscall"
	"time"

	_ "github.com/go-sql-driver/mysql"
	"hyundai-poc.com/backend/config"
	"hyundai-poc.com/backend/internal/backend"
	"hyundai-poc.com/backend/internal/datapath"
	"hyundai-poc.com/dbserver"
	"hyundai-poc.com/loadtest/overhead"
	"hyundai-poc.com/migrations"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "overhead:", err)
		os.Exit(1)
	}
}

// The statements the store runs for GET /api/vehicles, so the raw mode asks
// the database exactly what the backend asks.
const (
	vehiclesQuery = "SELECT id, name, model_year, body_type, powertrain, seats, summary FROM vehicles ORDER BY sort_order, id"
	pricesQuery   = "SELECT vehicle_id, market, currency, msrp FROM vehicle_prices ORDER BY vehicle_id, market"
)

func run() error {
	fs := flag.NewFlagSet("overhead", flag.ContinueOnError)
	conc := fs.Int("concurrency", 8, "requests in flight at once, in every mode")
	dur := fs.Duration("duration", 5*time.Second, "measured time per mode")
	warm := fs.Duration("warmup", time.Second, "unmeasured time before each mode")
	rounds := fs.Int("rounds", 5, "rounds the measured time is split into, every mode running once per round in turn")
	procs := fs.Int("procs", 2, "GOMAXPROCS: the cores the whole run may use")
	out := fs.String("out", "", "results directory (test-results/lab of the repository)")
	cpuprofile := fs.String("cpuprofile", "", "write a CPU profile of the profiled mode here")
	memprofile := fs.String("memprofile", "", "write an allocation profile of the profiled mode here, and its base to FILE.base (every allocation is sampled, which shows in a CPU profile of the same run: take them in separate runs)")
	profileMode := fs.String("profile-mode", "http", "the mode profiled: handler (in-process, the backend alone) or http (loopback, with net/http on both sides)")
	label := fs.String("label", "", "what this run is, kept with its results (\"before: ...\", \"after: ...\")")
	if err := fs.Parse(os.Args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return nil
		}
		return err
	}
	if fs.NArg() != 0 {
		return fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if *conc < 1 || *dur <= 0 || *rounds < 1 {
		return errors.New("--concurrency, --duration and --rounds must be positive")
	}
	profiled, ok := map[string]string{"handler": "handler in-process", "http": "HTTP loopback"}[*profileMode]
	if !ok {
		return fmt.Errorf("--profile-mode %q: want handler or http", *profileMode)
	}
	runtime.GOMAXPROCS(*procs)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	root, err := reporoot.Here()
	if err != nil {
		return err
	}
	if *out == "" {
		*out = filepath.Join(root, "test-results", "lab")
	}

	dir, err := os.MkdirTemp("", "hyundai-poc-overhead-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	fmt.Println("overhead: starting a MariaDB server")
	srv, err := dbserver.Start(ctx, dbserver.Options{Name: "overhead", Dir: dir})
	if err != nil {
		return err
	}
	defer srv.Stop()
	const dbName = "marketing"
	if err := srv.CreateDatabase(ctx, dbName); err != nil {
		return err
	}
	admin, err := sql.Open("mysql", srv.RootDSN(dbName))
	if err != nil {
		return err
	}
	defer admin.Close()
	if _, err := migrations.Up(ctx, admin); err != nil {
		return err
	}

	// The raw pool gets what the backend's reader pool gets: the app user
	// over TCP, as many connections as there are workers.
	raw, err := sql.Open("mysql", srv.AppDSN("", dbName))
	if err != nil {
		return err
	}
	defer raw.Close()
	raw.SetMaxOpenConns(*conc)
	raw.SetMaxIdleConns(*conc)

	h, closeBackend, err := newBackend(ctx, srv, dbName)
	if err != nil {
		return err
	}
	defer closeBackend()
	hs := httptest.NewServer(h)
	defer hs.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: *conc * 2}}
	defer client.CloseIdleConnections()

	// The raw mode reads every column into typed values, as any
	// application using database/sql would, and builds nothing more.
	rawOp := func(ctx context.Context) error {
		rows, err := raw.QueryContext(ctx, vehiclesQuery)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id, name, body, power, summary string
			var year, seats int
			if err := rows.Scan(&id, &name, &year, &body, &power, &seats, &summary); err != nil {
				rows.Close()
				return err
			}
		}
		if err := rows.Close(); err != nil {
			return err
		}
		rows, err = raw.QueryContext(ctx, pricesQuery)
		if err != nil {
			return err
		}
		for rows.Next() {
			var vehicle, market, currency string
			var msrp int64
			if err := rows.Scan(&vehicle, &market, &currency, &msrp); err != nil {
				rows.Close()
				return err
			}
		}
		return rows.Close()
	}
	handlerOp := func(ctx context.Context) error {
		req := httptest.NewRequestWithContext(ctx, http.MethodGet, "/api/vehicles", nil)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			return fmt.Errorf("status %d", rec.Code)
		}
		return nil
	}
	httpOp := func(ctx context.Context) error {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, hs.URL+"/api/vehicles", nil)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("status %d", resp.StatusCode)
		}
		return nil
	}
	// The handler's answers must be what a client sees before timing them.
	if err := httpOp(ctx); err != nil {
		return fmt.Errorf("GET /api/vehicles: %w", err)
	}

	rep := &overhead.Report{Tool: "overhead", Label: *label, Where: "lab", Commit: revision.Of(root), StartedAt: time.Now(), Endpoint: "GET /api/vehicles",
		Statements: []string{vehiclesQuery, pricesQuery}, Concurrency: *conc, GOMAXPROCS: runtime.GOMAXPROCS(0),
		Options: map[string]string{"duration": dur.String(), "warmup": warm.String(), "rounds": strconv.Itoa(*rounds),
			"server": "MariaDB started by dbserver on loopback, one per run", "client": "closed loop, same process"},
		Targets: map[string]float64{"max_added_p50_ms": overhead.MaxAddedP50Ms, "max_added_p99_ms": overhead.MaxAddedP99Ms,
			"min_throughput_pct_of_raw": overhead.MinThroughputOfRawPC}}
	ops := []overhead.Op{{Name: "raw database/sql", Run: rawOp}, {Name: "handler in-process", Run: handlerOp}, {Name: "HTTP loopback", Run: httpOp}}
	fmt.Printf("overhead: %d in flight, %s per mode in %d interleaved rounds\n", *conc, *dur, *rounds)
	rep.Modes = overhead.MeasureInterleaved(ctx, ops, *conc, *warm, *dur, *rounds)
	if ctx.Err() != nil {
		return ctx.Err()
	}
	if *cpuprofile != "" || *memprofile != "" {
		// Profiled apart from the measured rounds, so profiling does not
		// weigh on the numbers.
		for _, op := range ops {
			if op.Name != profiled {
				continue
			}
			fmt.Printf("overhead: profiling %s for %s\n", op.Name, *dur)
			stop, err := startProfiles(*cpuprofile, *memprofile)
			if err != nil {
				return err
			}
			overhead.Measure(ctx, op.Name, *conc, 0, *dur, op.Run)
			if err := stop(); err != nil {
				return err
			}
			if *cpuprofile != "" {
				// The top of the profile goes into the results, so what it
				// showed is on record beside the numbers.
				top, err := exec.CommandContext(ctx, "go", "tool", "pprof", "-top", "-cum", "-hide=runtime", "-nodecount=40", *cpuprofile).Output()
				if err != nil {
					return fmt.Errorf("go tool pprof: %w", err)
				}
				rep.ProfileTop, rep.ProfileMode = string(top), op.Name
				fmt.Printf("overhead: CPU profile of %s in %s\n", op.Name, *cpuprofile)
			}
			if *memprofile != "" {
				fmt.Printf("overhead: allocation profile of %s in %s (go tool pprof -sample_index=alloc_objects -diff_base %s.base %s)\n",
					op.Name, *memprofile, *memprofile, *memprofile)
			}
		}
	}
	for _, m := range rep.Modes[1:] {
		rep.Versus = append(rep.Versus, overhead.Compare(rep.Modes[0], m))
	}
	fmt.Println()
	overhead.Print(os.Stdout, rep.Modes, rep.Versus)
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	path := filepath.Join(*out, fmt.Sprintf("overhead-%s.json", rep.StartedAt.UTC().Format("20060102T150405Z")))
	b, _ := json.MarshalIndent(rep, "", "  ")
	if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Println("results:", path)
	return nil
}

// startProfiles starts a CPU profile into cpu and counts every allocation
// for an allocation profile into mem (either may be empty); the function
// it returns stops both and writes them.
func startProfiles(cpu, mem string) (func() error, error) {
	var stops []func() error
	if cpu != "" {
		f, err := os.Create(cpu)
		if err != nil {
			return nil, err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			f.Close()
			return nil, err
		}
		stops = append(stops, func() error { pprof.StopCPUProfile(); return f.Close() })
	}
	if mem != "" {
		// Every allocation is sampled from here on, and a snapshot taken
		// now is the base: `go tool pprof -diff_base MEM.base MEM` shows
		// the profiled mode's allocations alone, exactly.
		runtime.MemProfileRate = 1
		if err := writeAllocs(mem + ".base"); err != nil {
			return nil, err
		}
		stops = append(stops, func() error { return writeAllocs(mem) })
	}
	return func() error {
		var errs []error
		for _, stop := range stops {
			errs = append(errs, stop())
		}
		return errors.Join(errs...)
	}, nil
}

func writeAllocs(path string) error {
	runtime.GC()
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.Lookup("allocs").WriteTo(f, 0); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// newBackend wires the backend with backend.New, as its main does, with
// the configuration main would parse for srv as both writer and reader.
func newBackend(ctx context.Context, srv *dbserver.Server, dbName string) (http.Handler, func(), error) {
	env := map[string]string{"REGION": "us-east-1", "DB_WRITER_HOST": srv.Addr(), "DB_READER_HOST": srv.Addr(),
		"DB_NAME": dbName, "DB_USER": dbserver.AppUser, "DB_PASSWORD": srv.AppPass}
	cfg, err := config.Parse(func(k string) string { return env[k] })
	if err != nil {
		return nil, nil, err
	}
	// The collector is set as main sets it; the whole process shares it,
	// so the raw mode runs under the same setting.
	backend.TuneGC()
	// The log is formatted as main formats it, at its level, and thrown
	// away: writing it is the terminal's cost, formatting it the backend's.
	log := slog.New(slog.NewJSONHandler(io.Discard, &slog.HandlerOptions{Level: cfg.LogLevel})).With("service", "backend", "region", cfg.Region)
	b, err := backend.New(datapath.Options{
		Region: cfg.Region, WriterAddr: cfg.WriterAddr(), ReaderAddr: cfg.ReaderAddr(),
		DBName: cfg.DBName, User: cfg.DBUser, Password: cfg.DBPassword, Resolver: cfg.DBResolver,
		ConnectTimeout: cfg.DBConnectTimeout, QueryTimeout: cfg.DBQueryTimeout, ConnMaxLifetime: cfg.DBConnMaxLifetime,
		MonitorInterval: cfg.MonitorInterval, ConsistencyWait: cfg.ConsistencyWait, MaxReaderLag: cfg.MaxReaderLag,
		TokenKey: []byte(cfg.TokenKey),
	}, backend.Writes{}, log)
	if err != nil {
		return nil, nil, err
	}
	mctx, cancel := context.WithCancel(ctx)
	go b.Run(mctx)
	return b.API.Handler(), func() { cancel(); b.Close() }, nil
}
