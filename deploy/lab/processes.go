package lab

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"hyundai-poc.com/lab/edge"
	"hyundai-poc.com/lab/supervise"
	"hyundai-poc.com/lab/topology"
)

// binaries are the service binaries the lab runs; an empty frontend means
// the tree has none, and a proxy to the backend fills its slot.
type binaries struct {
	backend, frontend string
	err               error
}

// build compiles the backend (unless Config.BackendBin names one) and the
// frontend in the background.
func (l *Lab) build(ctx context.Context) <-chan binaries {
	c := make(chan binaries, 1)
	go func() {
		var b binaries
		bin := filepath.Join(l.cfg.Dir, "bin")
		if b.backend = l.cfg.BackendBin; b.backend == "" {
			b.backend, b.err = supervise.Build(ctx, l.cfg.RepoRoot, bin, "hyundai-poc.com/backend/cmd/backend", "backend")
		}
		if b.err == nil {
			if _, err := os.Stat(filepath.Join(l.cfg.RepoRoot, "services", "frontend", "cmd", "frontend")); err == nil {
				b.frontend, b.err = supervise.Build(ctx, l.cfg.RepoRoot, bin, "hyundai-poc.com/frontend/cmd/frontend", "frontend")
			}
		}
		c <- b
	}()
	return c
}

// migrate applies the schema through the writer, with the backend's own
// migrate command, and waits until every replica has it.
func (l *Lab) migrate(ctx context.Context, backend string) error {
	writer := l.cfg.Writer
	mig := &supervise.Process{Name: "migrate", Bin: backend, Args: []string{"migrate", "up"}, Env: l.backendEnv(writer),
		LogPath: filepath.Join(l.cfg.Dir, "logs", "migrate.log")}
	if err := mig.Run(ctx); err != nil {
		return fmt.Errorf("backend migrate up: %w", err)
	}
	if err := l.db.WaitReplicated(ctx, 30*time.Second); err != nil {
		return fmt.Errorf("schema replication: %w", err)
	}
	l.progress("schema migrated on %s and replicated", writer)
	return nil
}

// process is region's service of a kind (backend, frontend), logging to
// logs/KIND-REGION.log and ready when ready answers 200.
func (l *Lab) process(kind, region, bin string, env map[string]string, ready string) *supervise.Process {
	return &supervise.Process{Name: kind + "-" + region, Bin: bin, Env: env, Ready: ready,
		LogPath: filepath.Join(l.cfg.Dir, "logs", kind+"-"+region+".log")}
}

func (l *Lab) startBackends(ctx context.Context, bin string) error {
	for _, r := range l.Layout.Regions {
		l.backends[r] = l.process("backend", r, bin, l.backendEnv(r), "http://"+l.Layout.BackendAddr(r)+"/readyz")
		if err := l.backends[r].Start(ctx); err != nil {
			return err
		}
	}
	_ = l.SaveState()
	if err := l.waitAll(ctx, l.backends); err != nil {
		return err
	}
	l.progress("backends ready: %s", strings.Join(l.Layout.Regions, ", "))
	return nil
}

func (l *Lab) startFrontends(ctx context.Context, bin string) error {
	for _, r := range l.Layout.Regions {
		if bin == "" {
			if err := l.serveProxy(r); err != nil {
				return err
			}
			continue
		}
		l.frontends[r] = l.process("frontend", r, bin, l.frontendEnv(r), "http://"+l.Layout.FrontendAddr(r)+"/healthz")
		if err := l.frontends[r].Start(ctx); err != nil {
			return err
		}
	}
	if err := l.waitAll(ctx, l.frontends); err != nil {
		return err
	}
	l.progress("frontends ready")
	return nil
}

// startEdge puts the edge in front of every region's frontend.
func (l *Lab) startEdge() error {
	origins := map[string]string{}
	for _, r := range l.Layout.Regions {
		origins[r] = "http://" + l.Layout.FrontendAddr(r)
	}
	// CloudFront's behaviors, from the file Terraform builds them from.
	def, err := edge.LoadDefinition(filepath.Join(filepath.Dir(l.cfg.LocationsFile), "edge.json"))
	if err != nil {
		return err
	}
	l.Edge, err = edge.New(edge.Config{Geo: l.Geo, Origins: origins, Definition: def, ClientRTT: l.Table.RTT,
		ConnectTimeout: 2 * time.Second, ResponseTimeout: 10 * time.Second, SourceIP: l.Layout.EdgeSourceHost(),
		Limits: l.cfg.EdgeLimits})
	if err != nil {
		return err
	}
	if err := l.serveWith(l.Layout.EdgeAddr(), l.Edge.Server()); err != nil {
		return err
	}
	l.progress("edge on http://%s", l.Layout.EdgeAddr())
	return nil
}

func (l *Lab) waitAll(ctx context.Context, ps map[string]*supervise.Process) error {
	var wg sync.WaitGroup
	errs := make([]error, len(l.Layout.Regions))
	for i, r := range l.Layout.Regions {
		p := ps[r]
		if p == nil {
			continue
		}
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = p.WaitReady(ctx, 60*time.Second) }()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// backendEnv is region's backend environment, as its ECS task definition
// would set it.
func (l *Lab) backendEnv(region string) map[string]string {
	env := maps.Clone(l.cfg.BackendEnv)
	if env == nil {
		env = map[string]string{}
	}
	_, port, _ := net.SplitHostPort(l.Layout.BackendAddr(region))
	maps.Copy(env, map[string]string{
		"REGION":         region,
		"PORT":           port,
		"DB_WRITER_HOST": l.Layout.WriterName() + ":3306",
		"DB_READER_HOST": l.Layout.ReaderName(region) + ":3306",
		"DB_PORT":        "3306",
		"DB_NAME":        topology.DBName,
		"DB_USER":        l.db.AppUser(),
		"DB_PASSWORD":    l.db.AppPassword(),
		"DB_RESOLVER":    l.Layout.DNSAddr(region),

		"CONSISTENCY_TOKEN_KEY": l.tokenKey,
		"HEALTH_CHECK_TOKEN":    l.healthToken,
		// The frontends, on Host, are the proxies that name the client.
		"TRUSTED_PROXIES":  l.Layout.Host + "/32",
		"WRITE_RATE_LIMIT": "30",
		"WRITE_RATE_BURST": "10",
		"REMOTE_READERS":   l.remoteReaders(region),
	})
	if q := l.queues[region]; q != nil {
		env["QUEUE_ADDR"], env["QUEUE_PASSWORD"] = q.Addr(), q.Password
	}
	if env["LOG_LEVEL"] == "" {
		env["LOG_LEVEL"] = "info"
	}
	return env
}

func (l *Lab) frontendEnv(region string) map[string]string {
	_, port, _ := net.SplitHostPort(l.Layout.FrontendAddr(region))
	_, metricsPort, _ := net.SplitHostPort(l.Layout.FrontendMetricsAddr(region))
	var eps []string
	// Through the edge, pinned to each region: the dashboard's latency
	// panel then measures from the visitor's simulated location, as a
	// browser in Seoul measuring three regional load balancers would.
	for _, r := range l.Layout.Regions {
		eps = append(eps, r+"=http://"+l.Layout.EdgeAddr()+edge.PathPrefixRegion+r)
	}
	return map[string]string{
		"REGION":           region,
		"PORT":             port,
		"BACKEND_URL":      "http://" + l.Layout.BackendAddr(region),
		"REGION_ENDPOINTS": strings.Join(eps, ","),
		// Only the edge is a proxy here, as only the ALB is in AWS.
		"TRUSTED_PROXIES": l.Layout.EdgeSourceHost() + "/32",
		// The edge rewrites Host, as CloudFront does with the origin
		// request policy the deployment uses.
		"PUBLIC_ORIGINS": "http://" + l.Layout.EdgeAddr(),
		"CSRF_KEY":       l.csrfKey,
		"METRICS_PORT":   metricsPort,
	}
}

// serveProxy fills region's frontend slot with a proxy to its backend,
// for trees without the frontend.
func (l *Lab) serveProxy(region string) error {
	u, _ := url.Parse("http://" + l.Layout.BackendAddr(region))
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadGateway)
		_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": "backend_unreachable", "message": err.Error()}})
	}
	return l.serve(l.Layout.FrontendAddr(region), rp)
}

func (l *Lab) serve(addr string, h http.Handler) error {
	return l.serveWith(addr, &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second})
}

func (l *Lab) serveWith(addr string, srv *http.Server) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", addr, err)
	}
	l.servers = append(l.servers, srv)
	go func() { _ = srv.Serve(ln) }()
	return nil
}

// StopBackend stops region's backend, as when its ECS task is gone.
func (l *Lab) StopBackend(ctx context.Context, region string) (topology.Result, error) {
	p, ok := l.backends[region]
	if !ok {
		return topology.Result{}, l.Layout.Valid(region)
	}
	if !p.Alive() {
		return topology.Result{}, fmt.Errorf("backend %s is not running", region)
	}
	start := time.Now()
	p.Stop(5 * time.Second)
	_ = l.SaveState()
	return topology.Result{Op: "stop-backend", Message: "backend " + region + " stopped (its task is gone)", Took: time.Since(start)}, nil
}

// StartBackend starts region's backend again and waits until it is ready.
func (l *Lab) StartBackend(ctx context.Context, region string) (topology.Result, error) {
	p, ok := l.backends[region]
	if !ok {
		return topology.Result{}, l.Layout.Valid(region)
	}
	start := time.Now()
	if err := p.Start(ctx); err != nil {
		return topology.Result{}, err
	}
	_ = l.SaveState()
	if err := p.WaitReady(ctx, 60*time.Second); err != nil {
		return topology.Result{}, err
	}
	return topology.Result{Op: "start-backend", Message: "backend " + region + " started and ready", Took: time.Since(start)}, nil
}
