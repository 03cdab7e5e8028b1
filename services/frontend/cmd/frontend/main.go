// Command frontend serves the hyundai-poc.com site on PORT: HTML pages,
// the /api proxy to the backend, health and metrics. All configuration
// comes from the environment (see package config).
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"hyundai-poc.com/frontend/backendapi"
	"hyundai-poc.com/frontend/config"
	"hyundai-poc.com/frontend/site"
	"hyundai-poc.com/tracing"
)

// commit is set at build time (-ldflags -X main.commit=...).
var commit = "dev"

func main() {
	cfg, err := config.Load(os.Getenv)
	if err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			fmt.Fprintf(os.Stderr, "frontend: config: %s\n", line)
		}
		os.Exit(2)
	}
	log := slog.New(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{Level: cfg.LogLevel})).
		With("service", "frontend", "region", cfg.Region)
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, log, cfg); err != nil {
		log.Error("exit", "error", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, log *slog.Logger, cfg config.Config) error {
	log.Info("starting", "commit", commit, "config", cfg)

	// The same tracing setup as the backend's: OTEL_TRACES_EXPORTER chooses
	// the exporter, and W3C trace context always flows through.
	shutdownTracing, err := tracing.Setup(ctx, "frontend", cfg.Region)
	if err != nil {
		return fmt.Errorf("tracing: %w", err)
	}
	defer func() {
		c, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := shutdownTracing(c); err != nil {
			log.Warn("tracing shutdown", "error", err)
		}
	}()

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	api := backendapi.New(cfg.BackendURL, cfg.BackendTimeout)
	handler, err := site.New(cfg, log, api, reg)
	if err != nil {
		return fmt.Errorf("site: %w", err)
	}

	ln, err := net.Listen("tcp", cfg.Addr())
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	srv := &http.Server{
		Handler:           handler,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      cfg.BackendTimeout + 20*time.Second,
		IdleTimeout:       120 * time.Second,
		// The ALB passes at most 64 KB of request headers; nothing larger
		// is a real client. net/http's default would be 1 MiB.
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		BaseContext:    func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
	// Metrics on a port of their own, which no load balancer routes to.
	mln, err := net.Listen("tcp", cfg.MetricsAddr())
	if err != nil {
		ln.Close()
		return fmt.Errorf("listen for metrics: %w", err)
	}
	metricsSrv := &http.Server{Handler: handler.MetricsHandler(), ReadHeaderTimeout: 5 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	defer metricsSrv.Close()
	go func() { _ = metricsSrv.Serve(mln) }()
	serverErrors := make(chan error, 1)
	go func() {
		log.Info("listening", "addr", ln.Addr().String(), "metrics", mln.Addr().String())
		serverErrors <- srv.Serve(ln)
	}()

	select {
	case err := <-serverErrors:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
		log.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
		c, cancel := context.WithTimeout(context.Background(), cfg.ShutdownTimeout)
		defer cancel()
		if err := srv.Shutdown(c); err != nil {
			_ = srv.Close()
			return fmt.Errorf("graceful shutdown: %w", err)
		}
		if err := <-serverErrors; err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("serve: %w", err)
		}
		log.Info("stopped")
		return nil
	}
}
