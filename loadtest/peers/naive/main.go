// Command naive is the data path a typical application has, kept only so
// `make compare` can measure ours against it on the same drill; it is never
// part of the product. It serves the two endpoints the drill uses with:
//
//   - one database/sql pool to the writer endpoint's name, default settings
//     (no connection lifetime, two idle connections);
//   - no check that the node it reached is writable;
//   - a blind retry, once, of any statement that failed.
//
// Configuration is the backend's environment: REGION, PORT, DB_WRITER_HOST,
// DB_NAME, DB_USER, DB_PASSWORD and DB_RESOLVER (the DNS server that knows
// the endpoint names; the system resolver when empty).
package main

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/go-sql-driver/mysql"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "naive:", err)
		os.Exit(1)
	}
}

func run() error {
	region, port, writer := os.Getenv("REGION"), os.Getenv("PORT"), os.Getenv("DB_WRITER_HOST")
	if region == "" || port == "" || writer == "" {
		return errors.New("REGION, PORT and DB_WRITER_HOST are required")
	}
	mc := mysql.NewConfig()
	mc.User, mc.Passwd, mc.DBName = os.Getenv("DB_USER"), os.Getenv("DB_PASSWORD"), os.Getenv("DB_NAME")
	mc.Net, mc.Addr, mc.ParseTime = "tcp", writer, true
	if r := os.Getenv("DB_RESOLVER"); r != "" {
		// The lab's endpoint names live on its own DNS server; everything
		// else about the connection stays at the driver's defaults.
		res := &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, network, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, network, r)
		}}
		mysql.RegisterDialContext("lab", func(ctx context.Context, addr string) (net.Conn, error) {
			d := net.Dialer{Resolver: res}
			return d.DialContext(ctx, "tcp", addr)
		})
		mc.Net = "lab"
	}
	conn, err := mysql.NewConnector(mc)
	if err != nil {
		return err
	}
	db := sql.OpenDB(conn)
	defer db.Close()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	p := &peer{db: db, region: region, log: log}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, r *http.Request) {
		if err := db.PingContext(r.Context()); err != nil {
			reply(w, http.StatusServiceUnavailable, map[string]string{"error": err.Error()})
			return
		}
		w.WriteHeader(http.StatusOK)
	})
	mux.HandleFunc("GET /api/vehicles", p.vehicles)
	mux.HandleFunc("POST /api/health-checks", p.healthCheck)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv := &http.Server{Addr: net.JoinHostPort("127.0.0.1", port), Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	log.Info("listening", "addr", srv.Addr, "region", region)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		return srv.Shutdown(sctx)
	}
}

type peer struct {
	db     *sql.DB
	region string
	log    *slog.Logger
}

// retryOnce is the blind retry: whatever the error, do it again once.
func retryOnce(f func() error) error {
	if err := f(); err == nil {
		return nil
	}
	return f()
}

func (p *peer) vehicles(w http.ResponseWriter, r *http.Request) {
	type vehicle struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	var out []vehicle
	err := retryOnce(func() error {
		out = out[:0]
		rows, err := p.db.QueryContext(r.Context(), "SELECT id, name FROM vehicles ORDER BY sort_order, id")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var v vehicle
			if err := rows.Scan(&v.ID, &v.Name); err != nil {
				return err
			}
			out = append(out, v)
		}
		return rows.Err()
	})
	if err != nil {
		p.fail(w, err)
		return
	}
	w.Header().Set("X-Region", p.region)
	w.Header().Set("X-Read-Source", "writer")
	reply(w, http.StatusOK, map[string]any{"vehicles": out})
}

func (p *peer) healthCheck(w http.ResponseWriter, r *http.Request) {
	key := r.Header.Get("Idempotency-Key")
	if key == "" || len(key) > 100 {
		reply(w, http.StatusBadRequest, map[string]string{"error": "Idempotency-Key required"})
		return
	}
	sum := sha256.Sum256([]byte(p.region))
	var id int64
	err := retryOnce(func() error {
		res, err := p.db.ExecContext(r.Context(), "INSERT INTO health_checks (idempotency_key, request_hash, region, writer_node, writer_region, created_at) "+
			"VALUES (?, ?, ?, COALESCE(NULLIF(@@report_host, ''), @@hostname), ?, ?)", key, hex.EncodeToString(sum[:]), p.region, "", time.Now().UTC())
		if err != nil {
			return err
		}
		id, _ = res.LastInsertId()
		return nil
	})
	if err != nil {
		p.fail(w, err)
		return
	}
	w.Header().Set("X-Region", p.region)
	reply(w, http.StatusCreated, map[string]any{"health_check": map[string]any{"id": id, "region": p.region}})
}

func (p *peer) fail(w http.ResponseWriter, err error) {
	p.log.Warn("request failed", "error", err.Error())
	reply(w, http.StatusServiceUnavailable, map[string]string{"error": err.Error()})
}

func reply(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
