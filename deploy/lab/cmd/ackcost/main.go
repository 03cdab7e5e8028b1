// Command ackcost measures what each way of making an acknowledged lead
// survive an unplanned failover costs in write latency, on real servers
// with the lab's inter-region delays:
//
//   - insert: the write alone, on the writer in the backend's region;
//   - journal: the lead first goes to the region's durable queue
//     (redis-server, appendfsync always), then to the writer;
//   - ack after replication: the write, then waiting until another region's
//     reader has it, polling that reader as a backend would.
//
// It writes test-results/lab/durability-cost.json, which docs/data-path.md
// quotes. Usage: ackcost [-n 300] [-writer us-east-1] [-remote us-west-2]
//
// ackcost -doc docs/data-path.md measures nothing: it renders the committed
// result file into the document between the durability-cost markers.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	_ "github.com/go-sql-driver/mysql"
	"github.com/redis/go-redis/v9"
	"hyundai-poc.com/dbserver"
	"hyundai-poc.com/lab/link"
	"hyundai-poc.com/loadtest/revision"
	"hyundai-poc.com/loadtest/stats"
	"hyundai-poc.com/redisserver"
)

// Result is the file's shape.
type Result struct {
	Date       string                   `json:"date"`
	Commit     string                   `json:"commit"`
	Where      string                   `json:"where"`
	Writer     string                   `json:"writer_region"`
	Remote     string                   `json:"remote_region"`
	RTTms      float64                  `json:"rtt_writer_remote_ms"`
	IntraRTTms float64                  `json:"intra_region_rtt_ms"`
	Writes     int                      `json:"writes"`
	Designs    map[string]stats.Summary `json:"designs_ms"`
	About      map[string]string        `json:"about"`
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:])
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "ackcost:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("ackcost", flag.ContinueOnError)
	root := fs.String("root", ".", "repository root")
	n := fs.Int("n", 300, "writes per design")
	writer := fs.String("writer", "us-east-1", "region of the writer and of the backend")
	remote := fs.String("remote", "us-west-2", "the other region whose reader must have the write")
	out := fs.String("out", "", "result file (default ROOT/test-results/lab/durability-cost.json)")
	doc := fs.String("doc", "", "render the result file into this document instead of measuring")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *n < 10 {
		return errors.New("-n must be at least 10")
	}
	if *out == "" {
		*out = filepath.Join(*root, "test-results", "lab", "durability-cost.json")
	}
	if *doc != "" {
		return render(*out, *doc)
	}
	table, err := link.LoadTable(filepath.Join(*root, "deploy", "lab", "rtt.json"))
	if err != nil {
		return err
	}
	if !table.Has(*writer) || !table.Has(*remote) || *writer == *remote {
		return fmt.Errorf("-writer and -remote must be two regions of rtt.json (%s)", strings.Join(table.Regions(), ", "))
	}

	progress("starting a writer, a replica in %s, redis-server and the links", *remote)
	primary, err := dbserver.Start(ctx, dbserver.Options{Name: "ackcost-writer"})
	if err != nil {
		return err
	}
	defer primary.Stop()
	replica, err := dbserver.Start(ctx, dbserver.Options{Name: "ackcost-replica"})
	if err != nil {
		return err
	}
	defer replica.Stop()
	rs, err := redisserver.Start(ctx, redisserver.Options{Name: "ackcost-queue"})
	if err != nil {
		return err
	}
	defer rs.Stop()
	netw := link.NewNetwork(table)
	defer netw.Close()
	addLink := func(name, from, to, upstream string) (string, error) {
		port, err := dbserver.FreePort("127.0.0.1")
		if err != nil {
			return "", err
		}
		listen := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		_, err = netw.Add(name, from, to, listen, upstream)
		return listen, err
	}
	toWriter, err := addLink("app-writer", *writer, *writer, primary.Addr())
	if err != nil {
		return err
	}
	replLink, err := addLink("replication", *remote, *writer, primary.Addr())
	if err != nil {
		return err
	}
	toRemote, err := addLink("app-remote-reader", *writer, *remote, replica.Addr())
	if err != nil {
		return err
	}
	toQueue, err := addLink("app-queue", *writer, *writer, rs.Addr())
	if err != nil {
		return err
	}
	if err := primary.CreateDatabase(ctx, "ackcost"); err != nil {
		return err
	}
	if err := primary.Exec(ctx, "CREATE TABLE ackcost.leads (idempotency_key VARCHAR(100) PRIMARY KEY, body TEXT NOT NULL)"); err != nil {
		return err
	}
	if err := replica.ReplicateFrom(ctx, replLink, primary.ReplPass); err != nil {
		return err
	}

	wdb, err := sql.Open("mysql", primary.AppDSN(toWriter, "ackcost"))
	if err != nil {
		return err
	}
	defer wdb.Close()
	// No database in the DSN: the replica gets it only by replication.
	rdb, err := sql.Open("mysql", replica.AppDSN(toRemote, ""))
	if err != nil {
		return err
	}
	defer rdb.Close()
	q := redis.NewClient(&redis.Options{Addr: toQueue, Password: rs.Password, DisableIdentity: true})
	defer q.Close()
	// Warm the pools: a connection costs three crossings of a link, which
	// a running backend does not pay per write.
	for _, p := range []*sql.DB{wdb, rdb} {
		p.SetMaxIdleConns(4)
		if err := p.PingContext(ctx); err != nil {
			return err
		}
	}
	if err := q.Ping(ctx).Err(); err != nil {
		return err
	}
	if err := waitReplicaHas(ctx, rdb, "ackcost.leads"); err != nil {
		return err
	}

	samples := map[string][]time.Duration{}
	body := `{"type":"test_drive","name":"A Person","email":"a@example.com","vehicle_id":"ioniq-5","market":"US"}`
	for i := range *n {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if i%50 == 0 {
			progress("%d/%d writes per design", i, *n)
		}
		key := func(d string) string { return fmt.Sprintf("%s-%d-%d", d, time.Now().UnixNano(), i) }

		t0 := time.Now()
		if _, err := wdb.ExecContext(ctx, "INSERT INTO leads VALUES (?, ?)", key("insert"), body); err != nil {
			return err
		}
		samples["insert"] = append(samples["insert"], time.Since(t0))

		k := key("journal")
		t0 = time.Now()
		if err := q.XAdd(ctx, &redis.XAddArgs{Stream: "{writes}:stream", Values: map[string]any{"key": k, "body": body}}).Err(); err != nil {
			return err
		}
		added := time.Since(t0)
		if _, err := wdb.ExecContext(ctx, "INSERT INTO leads VALUES (?, ?)", k, body); err != nil {
			return err
		}
		samples["journal"] = append(samples["journal"], time.Since(t0))
		samples["journal_queue_add"] = append(samples["journal_queue_add"], added)

		k = key("replicated")
		t0 = time.Now()
		if _, err := wdb.ExecContext(ctx, "INSERT INTO leads VALUES (?, ?)", k, body); err != nil {
			return err
		}
		if err := waitRow(ctx, rdb, k); err != nil {
			return err
		}
		samples["ack_after_replication"] = append(samples["ack_after_replication"], time.Since(t0))
	}

	res := Result{
		Date: time.Now().UTC().Format(time.RFC3339), Commit: revision.Of(*root), Where: "lab",
		Writer: *writer, Remote: *remote, RTTms: float64(table.RTT(*writer, *remote).Milliseconds()),
		IntraRTTms: float64(table.RTT(*writer, *writer).Microseconds()) / 1000, Writes: *n,
		Designs: map[string]stats.Summary{},
		About: map[string]string{
			"insert":                "INSERT on the writer in the backend's region, nothing else",
			"journal":               "XADD to the region's redis-server (appendfsync always), then the INSERT",
			"journal_queue_add":     "the XADD alone",
			"ack_after_replication": "the INSERT, then polling the other region's reader until it has the row",
		},
	}
	for d, s := range samples {
		res.Designs[d] = stats.Summarize(stats.Ms(s)).Rounded()
	}
	b, err := json.MarshalIndent(res, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(*out), 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(*out, append(b, '\n'), 0o644); err != nil {
		return err
	}
	for _, d := range []string{"insert", "journal", "journal_queue_add", "ack_after_replication"} {
		s := res.Designs[d]
		fmt.Printf("%-22s p50 %7.1f ms  p99 %7.1f ms\n", d, s.P50, s.P99)
	}
	fmt.Println("wrote", *out)
	return nil
}

// waitRow polls the remote reader until it has the row: each poll costs
// one round trip to that region, as it would for a backend.
func waitRow(ctx context.Context, db *sql.DB, key string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		var one int
		err := db.QueryRowContext(ctx, "SELECT 1 FROM ackcost.leads WHERE idempotency_key = ?", key).Scan(&one)
		if err == nil {
			return nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("row %s not replicated within 30 s", key)
		}
	}
}

func waitReplicaHas(ctx context.Context, db *sql.DB, table string) error {
	deadline := time.Now().Add(30 * time.Second)
	for {
		_, err := db.ExecContext(ctx, "SELECT 1 FROM "+table+" LIMIT 1")
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("replica never got %s: %w", table, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func progress(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "ackcost: "+format+"\n", args...)
}

const docBegin, docEnd = "<!-- durability-cost:begin -->", "<!-- durability-cost:end -->"

// render writes the result file as a table into doc between the markers.
func render(resultFile, doc string) error {
	b, err := os.ReadFile(resultFile)
	if err != nil {
		return err
	}
	var r Result
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("%s: %w", resultFile, err)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s\n", docBegin)
	fmt.Fprintf(&sb, "Measured by `ackcost` on %s, commit `%s`, in the %s: backend and writer in %s, the other reader in %s (%.0f ms RTT), %d writes per design.\n\n",
		r.Date[:10], r.Commit, r.Where, r.Writer, r.Remote, r.RTTms, r.Writes)
	sb.WriteString("| design | p50 ms | p95 ms | p99 ms | what is timed |\n| --- | ---: | ---: | ---: | --- |\n")
	for _, d := range []string{"insert", "journal_queue_add", "journal", "ack_after_replication"} {
		s := r.Designs[d]
		fmt.Fprintf(&sb, "| %s | %.1f | %.1f | %.1f | %s |\n", strings.ReplaceAll(d, "_", " "), s.P50, s.P95, s.P99, r.About[d])
	}
	fmt.Fprintf(&sb, "%s", docEnd)
	db, err := os.ReadFile(doc)
	if err != nil {
		return err
	}
	text := string(db)
	i, j := strings.Index(text, docBegin), strings.Index(text, docEnd)
	if i < 0 || j < i {
		return fmt.Errorf("%s has no %s ... %s markers", doc, docBegin, docEnd)
	}
	text = text[:i] + sb.String() + text[j+len(docEnd):]
	return os.WriteFile(doc, []byte(text), 0o644)
}
