package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/jmoiron/sqlx"

	"hyundai-poc.com/backend/config"
	"hyundai-poc.com/backend/internal/datapath"
	"hyundai-poc.com/contract"
	"hyundai-poc.com/loadtest/stats"
	"hyundai-poc.com/loadtest/timing"
)

// probe measures from where the backend runs: the evidence kit starts it
// as a one-off ECS task with the backend's task definition, so "from
// Seoul" is measured in Seoul. It prints one report line and exits 0, or
// one line on stderr and 2 (bad arguments) or 1.
func probe(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("backend probe", flag.ContinueOnError)
	fs.SetOutput(stderr)
	n := fs.Int("n", 20, "requests per URL (each on a new connection)")
	queries := fs.Int("query", 0, "time this many simple reads through DB_READER_HOST instead (needs the backend's database environment)")
	timeout := fs.Duration("timeout", 10*time.Second, "per request or query")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if (*queries > 0) == (fs.NArg() > 0) || *n < 1 || *queries < 0 {
		fmt.Fprintln(stderr, "usage: backend probe [-n N] URL...  |  backend probe --query N")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep := timing.Report{From: os.Getenv("REGION")}
	if *queries > 0 {
		cfg, err := config.Parse(os.Getenv)
		if err != nil {
			fmt.Fprintf(stderr, "backend probe: invalid configuration:\n%v\n", err)
			return 2
		}
		rep.From = cfg.Region
		q, err := timeQueries(ctx, cfg, *queries, *timeout)
		if err != nil {
			fmt.Fprintln(stderr, "backend probe:", err)
			return 1
		}
		rep.Queries = append(rep.Queries, q)
	} else {
		for _, u := range fs.Args() {
			rep.Results = append(rep.Results, timing.Measure(ctx, u, nil, *n, *timeout))
		}
	}
	fmt.Fprintln(stdout, rep.Line())
	return 0
}

// timeQueries runs n times the simplest read the site makes through the
// backend's own data path (the same pools, checks and reader fallback as a
// request), after the monitor has found the reader, and times each.
func timeQueries(ctx context.Context, cfg config.Config, n int, timeout time.Duration) (timing.Query, error) {
	q := timing.Query{Pool: "reader"}
	dbs, err := datapath.New(datapath.Options{
		Region: cfg.Region, WriterAddr: cfg.WriterAddr(), ReaderAddr: cfg.ReaderAddr(),
		DBName: cfg.DBName, User: cfg.DBUser, Password: cfg.DBPassword, Resolver: cfg.DBResolver,
		ConnectTimeout: cfg.DBConnectTimeout, QueryTimeout: cfg.DBQueryTimeout, ConnMaxLifetime: cfg.DBConnMaxLifetime,
		MonitorInterval: cfg.MonitorInterval, ConsistencyWait: cfg.ConsistencyWait, MaxReaderLag: cfg.MaxReaderLag,
	})
	if err != nil {
		return q, err
	}
	defer dbs.Close()
	mctx, stopMonitor := context.WithCancel(ctx)
	defer stopMonitor()
	go dbs.Run(mctx)
	deadline := time.Now().Add(30 * time.Second)
	for !dbs.Status().Reader.Healthy {
		if time.Now().After(deadline) || ctx.Err() != nil {
			return q, fmt.Errorf("reader %s not healthy after 30 s", cfg.ReaderAddr())
		}
		time.Sleep(100 * time.Millisecond)
	}
	var ms []float64
	fromWriter := 0
	for i := 0; i < n && ctx.Err() == nil; i++ {
		qctx, cancel := context.WithTimeout(ctx, timeout)
		start := time.Now()
		src, err := dbs.Read(qctx, func(ctx context.Context, db *sqlx.DB) error {
			var id string
			return db.QueryRowxContext(ctx, "SELECT id FROM vehicles ORDER BY id LIMIT 1").Scan(&id)
		})
		d := time.Since(start)
		cancel()
		q.Count++
		if err != nil {
			q.Failed++
			continue
		}
		if src != contract.FromReader {
			fromWriter++
		}
		ms = append(ms, float64(d)/float64(time.Millisecond))
	}
	if fromWriter > 0 {
		q.Pool = fmt.Sprintf("reader (%d answered by the writer)", fromWriter)
	}
	s := stats.Summarize(ms)
	// Local reads take well under a millisecond: keep microseconds.
	us := func(v float64) float64 { return math.Round(v*1000) / 1000 }
	q.P50ms = us(s.P50)
	var sum float64
	for _, v := range ms {
		sum += v
	}
	if len(ms) > 0 {
		q.MeanMs = us(sum / float64(len(ms)))
	}
	return q, nil
}
